"""The embedded broker, started for real: start, status, stop, and its failures."""

from __future__ import annotations

import os
import re
import socket

import pytest
from confluent_kafka.admin import AdminClient

from loanflow.broker import EmbeddedBroker, ensure_topic
from loanflow.errors import BrokerError

pytestmark = pytest.mark.integration


def test_start_status_stop_roundtrip(broker: EmbeddedBroker) -> None:
    port = broker.settings.kafka_port
    before = broker.status()
    assert (before.running, before.pid, before.answering) == (False, None, False)
    assert before.bootstrap == f"localhost:{port}"
    assert before.data_dir == broker.settings.home.resolve() / "kafka" / "data"

    assert broker.start() is True
    assert broker.start() is False

    running = broker.status()
    assert running.running and running.answering
    assert running.pid is not None
    # Detached: its own session, so it outlives the command that started it.
    assert os.getsid(running.pid) == running.pid
    assert (running.data_dir / "meta.properties").is_file()
    assert "started" in running.log_file.read_text()
    moved = broker.settings.model_copy(update={"kafka_port": port + 2})
    with pytest.raises(BrokerError) as raised:
        EmbeddedBroker(moved).start()
    assert str(raised.value) == (
        f"the embedded broker (pid {running.pid}) runs with other settings than "
        f"these (see {broker.properties}): stop it with `loanflow kafka stop`, "
        f"then start it again"
    )

    assert broker.stop() is True
    assert broker.stop() is False
    after = broker.status()
    assert (after.running, after.pid, after.answering) == (False, None, False)


def test_restart_keeps_topics(broker: EmbeddedBroker) -> None:
    broker.start()
    assert ensure_topic(broker.bootstrap, "kept", 2) is True
    broker.stop()
    cluster_id = (broker.folder / "cluster.id").read_text()

    assert broker.start() is True

    metadata = AdminClient({"bootstrap.servers": broker.bootstrap}).list_topics(
        timeout=10
    )
    assert len(metadata.topics["kept"].partitions) == 2
    assert ensure_topic(broker.bootstrap, "kept", 2) is False
    assert (broker.folder / "cluster.id").read_text() == cluster_id
    # The first run's log is kept beside the second's.
    assert "shut down completed" in (broker.folder / "broker.log.1").read_text()


@pytest.mark.parametrize(("offset", "role"), [(0, ""), (1, " (its controller's)")])
def test_port_taken_by_another_program(
    broker: EmbeddedBroker, offset: int, role: str
) -> None:
    port = broker.settings.kafka_port + offset
    with (
        socket.create_server(("127.0.0.1", port)),
        pytest.raises(BrokerError) as raised,
    ):
        broker.start()

    assert str(raised.value) == (
        f"cannot start the embedded broker: port {port}{role} on localhost is in "
        f"use by another program; choose another port with LOANFLOW_KAFKA_PORT or "
        f"--kafka-port (the broker uses that port and the next one)"
    )
    assert not broker.status().running


def test_broker_that_dies_at_start_reports_its_log(broker: EmbeddedBroker) -> None:
    # Storage formatted for another node: Kafka refuses it and exits at once.
    broker.data_dir.mkdir(parents=True)
    (broker.data_dir / "meta.properties").write_text(
        "version=1\nnode.id=7\ncluster.id=AAAAAAAAAAAAAAAAAAAAAA\n"
        "directory.id=BBBBBBBBBBBBBBBBBBBBBB\n"
    )

    with pytest.raises(BrokerError) as raised:
        broker.start()

    message = str(raised.value)
    assert re.match(
        rf"the embedded broker \(pid \d+\) exited with code 1 before it answered "
        rf"at {broker.bootstrap}; last lines of {re.escape(str(broker.log_file))}:\n",
        message,
    )
    assert "Stored node id 7 doesn't match previous node id 1" in message
    # Java stack frames are left out of the excerpt.
    assert "\tat " not in message
    assert not (broker.folder / "broker.pid").exists()


def test_broker_silent_past_the_deadline_is_killed(broker: EmbeddedBroker) -> None:
    hasty = EmbeddedBroker(
        broker.settings.model_copy(update={"kafka_ready_seconds": 0.5})
    )

    with pytest.raises(BrokerError) as raised:
        hasty.start()

    found = re.match(
        rf"the embedded broker \(pid (\d+)\) did not answer at {hasty.bootstrap} "
        rf"within 0.5 s \(raise LOANFLOW_KAFKA_READY_SECONDS on a slow machine\); "
        rf"last lines of ",
        str(raised.value),
    )
    assert found is not None, raised.value
    # Killed rather than left half-started.
    with pytest.raises(ProcessLookupError):
        os.kill(int(found.group(1)), 0)
    assert not hasty.status().running
