"""The producer against a real broker: every record confirmed, or an error."""

from __future__ import annotations

from pathlib import Path

import pytest
from confluent_kafka import Consumer

from loanflow.errors import DeliveryError
from loanflow.publish.producer import publish_workbooks
from loanflow.settings import Settings
from loanflow.workbooks.reader import read_workbook
from loanflow.workbooks.sample import write_sample

pytestmark = pytest.mark.integration


def consume_keys(bootstrap: str, topic: str, expected: int) -> list[bytes]:
    """Keys of the first ``expected`` messages of the topic, within a deadline."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"{topic}-check",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    keys: list[bytes] = []
    try:
        for _ in range(expected * 10):
            if len(keys) == expected:
                break
            for message in consumer.consume(num_messages=1000, timeout=2.0):
                assert message.error() is None, message.error()
                keys.append(message.key())
    finally:
        consumer.close()
    return keys


def test_every_record_is_confirmed_and_keys_are_deterministic(
    kafka_bootstrap: str, topic: str, tmp_path: Path
) -> None:
    files = write_sample(tmp_path)
    rows = sum(len(read_workbook(path).rows) for path in files)
    settings = Settings(home=tmp_path, kafka_bootstrap=kafka_bootstrap, topic=topic)

    first = publish_workbooks(files, settings)
    second = publish_workbooks(files, settings)

    assert first.ok and second.ok
    assert (first.sent, first.delivered, first.failed) == (rows, rows, 0)
    keys = consume_keys(kafka_bootstrap, topic, 2 * rows)
    assert len(keys) == 2 * rows
    assert len(set(keys)) == rows


def test_unreachable_broker_is_a_delivery_error(tmp_path: Path) -> None:
    files = write_sample(tmp_path)
    # Nothing listens on port 9 (discard) here: no record can be delivered.
    settings = Settings(
        home=tmp_path,
        kafka_bootstrap="localhost:9",
        topic="never-created",
        kafka_delivery_seconds=2,
    )

    with pytest.raises(DeliveryError, match="confirmed none of"):
        publish_workbooks(files, settings)
