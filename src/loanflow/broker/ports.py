"""Local TCP ports of the embedded broker: is one taken, which pair is free."""

from __future__ import annotations

import socket

# The embedded broker listens on "localhost", which Java resolves to this address.
_HOST = "127.0.0.1"


def port_in_use(port: int) -> bool:
    """Whether some program listens on (or holds) ``port`` on localhost."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Like Java's server sockets: connections of a stopped broker still in
        # TIME_WAIT do not make the port unusable.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((_HOST, port))
        except OSError:
            return True
    return False


def free_port_pair(attempts: int = 50) -> int:
    """A port ``p`` such that ``p`` and ``p + 1`` are both free right now.

    The embedded broker needs such a pair (its controller takes ``p + 1``); tests
    use this to run a broker beside any other. Another program may still take the
    ports before the broker binds them.

    Raises:
        OSError: no pair was found in ``attempts`` tries.
    """
    for _ in range(attempts):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((_HOST, 0))
            port: int = probe.getsockname()[1]
        if port < 65535 and not port_in_use(port) and not port_in_use(port + 1):
            return port
    raise OSError(f"found no two free consecutive ports in {attempts} tries")
