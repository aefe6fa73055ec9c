"""Rows set aside also go to the dead-letter topic, readable and keyed."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Message

from loanflow.inputs import file_digest
from loanflow.publish.producer import publish_workbooks
from loanflow.settings import Settings
from tests.quality.workbooks import bad_id_workbook

pytestmark = pytest.mark.integration

DEADLINE_SECONDS = 60


def consume(bootstrap: str, topic: str, expected: int) -> list[Message]:
    """The first ``expected`` messages of a topic, within a deadline."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"{topic}-check",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    found: list[Message] = []
    deadline = time.monotonic() + DEADLINE_SECONDS
    try:
        while len(found) < expected and time.monotonic() < deadline:
            for message in consumer.consume(num_messages=100, timeout=1.0):
                assert message.error() is None, message.error()
                found.append(message)
    finally:
        consumer.close()
    return found


def test_a_row_set_aside_reaches_the_dead_letter_topic(
    kafka_bootstrap: str, topic: str, tmp_path: Path
) -> None:
    path = bad_id_workbook(tmp_path / "bad-id.xlsx")
    settings = Settings(home=tmp_path, kafka_bootstrap=kafka_bootstrap, topic=topic)

    report = publish_workbooks([path], settings)

    assert settings.dead_letter == f"{topic}.dead-letter"
    assert report.dead_lettered == 2
    assert report.failed == 0
    messages = consume(kafka_bootstrap, settings.dead_letter, 2)
    digest = file_digest(path)
    assert digest is not None
    by_sheet = {json.loads(message.value())["sheet"]: message for message in messages}
    assert sorted(by_sheet) == ["Award Year Summary", "Quarterly Activity"]
    for sheet, message in by_sheet.items():
        assert (
            message.key() == f"rejected:bad-id.xlsx:{digest[:16]}:{sheet}:10".encode()
        )
        assert message.headers() == [
            ("loanflow.source_topic", topic.encode()),
            ("loanflow.checks", b"bad_ope_id"),
        ]
        value = json.loads(message.value())
        assert value["kind"] == "rejected"
        assert value["row"] == 10
        assert value["source_sha256"] == digest
        assert value["problems"] == [
            {"column": "OPE ID", "reason": "'ABC' is not an 8-digit OPE ID"}
        ]
        assert value["cells"][:5] == ["ABC", "NOWHERE COLLEGE", "CA", "90007", "PUBLIC"]
