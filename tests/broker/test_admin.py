"""Topics and reachability, against the session's real broker."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from confluent_kafka import Consumer, KafkaError, Message, Producer
from confluent_kafka.admin import AdminClient

from loanflow.broker import ensure_cluster, ensure_topic, wait_for_cluster
from loanflow.broker.ports import free_port_pair
from loanflow.errors import BrokerError
from loanflow.settings import Settings

DEADLINE_SECONDS = 30.0


@pytest.mark.integration
def test_ensure_topic_creates_once(kafka_bootstrap: str) -> None:
    name = f"test.ensure.{uuid.uuid4().hex[:8]}"

    assert ensure_topic(kafka_bootstrap, name, 3) is True
    assert ensure_topic(kafka_bootstrap, name, 3) is False
    # An existing topic keeps its partitions whatever the caller asks.
    assert ensure_topic(kafka_bootstrap, name, 5) is False

    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    metadata = admin.list_topics(name, timeout=10)
    assert len(metadata.topics[name].partitions) == 3


@pytest.mark.integration
def test_ensure_cluster_uses_a_named_cluster(kafka_bootstrap: str) -> None:
    settings = Settings(kafka_bootstrap=kafka_bootstrap, home=Path("/nonexistent"))

    assert ensure_cluster(settings) == kafka_bootstrap


@pytest.mark.integration
def test_ensure_topic_reports_the_cluster_refusal(kafka_bootstrap: str) -> None:
    with pytest.raises(BrokerError) as raised:
        ensure_topic(kafka_bootstrap, "no spaces allowed", 1)

    assert str(raised.value).startswith(
        f"cannot create topic no spaces allowed at {kafka_bootstrap}: "
    )


@pytest.mark.integration
def test_one_message_goes_through(kafka_bootstrap: str, topic: str) -> None:
    delivered: list[KafkaError | None] = []
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    producer.produce(
        topic, key=b"k", value=b"v", on_delivery=lambda e, _m: delivered.append(e)
    )
    assert producer.flush(DEADLINE_SECONDS) == 0
    assert delivered == [None]

    consumer = Consumer(
        {
            "bootstrap.servers": kafka_bootstrap,
            "group.id": f"{topic}.reader",
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([topic])
    try:
        received = _first_message(consumer)
    finally:
        consumer.close()
    assert (received.key(), received.value()) == (b"k", b"v")


def test_wait_for_cluster_names_the_address_nobody_answers() -> None:
    nobody = f"localhost:{free_port_pair()}"

    with pytest.raises(BrokerError) as raised:
        wait_for_cluster(nobody, timeout=1)

    assert str(raised.value) == (
        f"cannot reach Kafka at {nobody} within 1 s: is the cluster running, and "
        f"is the address (LOANFLOW_KAFKA_BOOTSTRAP or --bootstrap-servers) right?"
    )


def _first_message(consumer: Consumer) -> Message:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while (left := deadline - time.monotonic()) > 0:
        message = consumer.poll(left)
        if message is not None:
            assert message.error() is None, message.error()
            return message
    pytest.fail(f"no message within {DEADLINE_SECONDS:g} s")
