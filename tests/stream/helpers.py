"""Publishing test messages and reading the warehouse back."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

from confluent_kafka import KafkaError, Message, Producer

from loanflow.publish.messages import encode_school_row
from loanflow.warehouse import connect
from loanflow.workbooks.model import Publication, SchoolRow
from tests.warehouse.factories import LOAN_VOLUME_ORDER

Message_ = tuple[bytes | None, bytes | None]


def school_row_messages(
    publication: Publication, rows: list[SchoolRow]
) -> list[Message_]:
    """The key and value of each row of a publication that has exactly these rows."""
    return [encode_school_row(publication, row, len(rows)) for row in rows]


def produce(
    bootstrap: str,
    topic: str,
    messages: Iterable[Message_],
    *,
    partition: int | None = None,
) -> None:
    """Publish messages and wait until Kafka confirmed every one."""
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    failures: list[KafkaError] = []

    def delivered(error: KafkaError | None, _: Message) -> None:
        if error is not None:
            failures.append(error)

    sent = 0
    for key, value in messages:
        target = {} if partition is None else {"partition": partition}
        producer.produce(topic, value=value, key=key, on_delivery=delivered, **target)
        sent += 1
    unconfirmed = producer.flush(30)
    assert (unconfirmed, failures) == (0, []), f"Kafka did not confirm {sent} messages"


def warehouse_state(db: Path) -> dict[str, list[tuple]]:
    """What a warehouse holds, without the times and batch ids of loading."""
    with closing(connect(db)) as conn:
        return {
            "loan_volume": _all(conn, f"SELECT * FROM loan_volume {LOAN_VOLUME_ORDER}"),
            "publications": _all(
                conn,
                "SELECT program, award_year, quarter, run_date, source_file, "
                "school_rows, received_school_rows, complete, latest "
                "FROM publication_versions ORDER BY source_file",
            ),
            "rejected_records": _all(
                conn,
                "SELECT source, source_file, sheet, sheet_row, reasons, raw_value, "
                "kafka_topic, kafka_partition, kafka_offset FROM rejected_records "
                "ORDER BY source, kafka_partition, kafka_offset",
            ),
        }


def _all(conn: sqlite3.Connection, query: str) -> list[tuple]:
    return conn.execute(query).fetchall()
