"""A detached process known by its pid: is it alive, is it ours, wait for its end.

The embedded broker outlives the ``loanflow`` command that started it, so a later
command knows it only by the pid in a file. These helpers never sleep: waiting
for an exit uses a pidfd (Linux), which becomes readable when the process ends.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import time
from collections.abc import Iterator
from pathlib import Path

# Where pidfd is missing (not Linux), the exit is polled at this interval.
_POLL_SECONDS = 0.1


def read_pid(pid_file: Path) -> int | None:
    """The pid stored in ``pid_file``; None when it is missing or unreadable."""
    try:
        return int(pid_file.read_text(encoding="ascii").strip())
    except (FileNotFoundError, ValueError):
        return None


def is_running(pid: int, marker: str) -> bool:
    """Whether process ``pid`` runs and its command line contains ``marker``.

    The marker (a path only our process has in its arguments) guards against a
    pid that the system gave to another program after ours ended.
    """
    _reap(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        # Another user's process: not ours, whatever its command line.
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        # No /proc (not Linux): the pid alone has to do.
        return True
    return marker.encode() in cmdline


def wait_for_exit(pid: int, timeout: float) -> bool:
    """Wait at most ``timeout`` seconds for process ``pid`` to end.

    Returns:
        True if it has ended (a child of ours is reaped as well).
    """
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    except (AttributeError, OSError):
        return _poll_for_exit(pid, timeout)
    try:
        ended = bool(select.select([handle], [], [], max(timeout, 0.0))[0])
    finally:
        os.close(handle)
    if ended:
        _reap(pid)
    return ended


@contextlib.contextmanager
def exclusive(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_file`` (created if needed) meanwhile.

    Two ``loanflow`` commands that start the broker at once take turns: the
    second finds the broker of the first.
    """
    with lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _reap(pid: int) -> None:
    # A child of this Python process stays a zombie, which os.kill still finds,
    # until someone waits for it; other processes are reaped by init.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _poll_for_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        _reap(pid)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if time.monotonic() >= deadline:
            return False
        select.select([], [], [], _POLL_SECONDS)
