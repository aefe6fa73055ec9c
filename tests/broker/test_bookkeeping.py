"""The embedded broker's bookkeeping that needs no Java: pid files, ports, choice."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from loanflow.broker import EmbeddedBroker, broker_for
from loanflow.broker.ports import free_port_pair, port_in_use
from loanflow.settings import Settings


def test_stale_pid_files_are_removed(broker: EmbeddedBroker) -> None:
    broker.folder.mkdir(parents=True)
    pid_file = broker.folder / "broker.pid"
    gone = subprocess.Popen([sys.executable, "-c", ""])
    gone.wait(timeout=30)

    # A process that has ended, a live one that is no broker (this one), garbage.
    for content in (str(gone.pid), str(os.getpid()), "not a pid"):
        pid_file.write_text(f"{content}\n")
        assert broker.status().running is False
        assert not pid_file.exists()


def test_broker_for_starts_nothing_when_a_cluster_is_named() -> None:
    assert broker_for(Settings(kafka_bootstrap="kafka.example:9092")) is None

    embedded = broker_for(Settings(kafka_bootstrap=None, kafka_port=19500))
    assert embedded is not None
    assert embedded.bootstrap == "localhost:19500"


def test_free_port_pair_is_free_and_port_in_use_sees_listeners() -> None:
    port = free_port_pair()
    assert not port_in_use(port)
    assert not port_in_use(port + 1)

    with socket.create_server(("127.0.0.1", port)):
        assert port_in_use(port)
