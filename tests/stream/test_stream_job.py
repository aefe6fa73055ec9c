"""The stream job with a real broker and Spark: Kafka to the warehouse."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient
from pyspark.sql import SparkSession

from loanflow.broker import ensure_topic
from loanflow.errors import StreamError
from loanflow.publish.messages import encode_rejected, encode_school_row
from loanflow.settings import Settings
from loanflow.stream import run_stream
from loanflow.warehouse import BatchResult
from loanflow.warehouse.records import record_digest
from tests.stream.helpers import produce, school_row_messages, warehouse_state
from tests.warehouse.factories import (
    in_view_order,
    loan_volume_rows,
    publication,
    school_row,
    volume,
)

pytestmark = pytest.mark.integration

Q1 = publication("DL_Dashboard_AY2009_2010_Q1.xls")
Q1_ROWS = [
    school_row(
        7,
        "00100200",
        volume("subsidized", 1_234, 1_300, 4_567_890, 2_500, 4_000_000),
        volume("grad_plus", None, None, None, None, None),
    ),
    school_row(
        8,
        "00100800",
        volume("subsidized", 0, 0, 0, 0, 0),
        volume("grad_plus", 3, 3, 9_876_543_210_123, 4, 60_000),
        school_name="AUBURN UNIVERSITY",
        zip_code="03682",
    ),
    school_row(9, "00100200", period="year_to_date"),
]
SUMMARY = publication(
    "DL_AwardYr_Summary_AY2003_2004_All.xls",
    award_year="2003-2004",
    quarter=None,
    run_date=None,
)
SUMMARY_ROWS = [
    school_row(
        root - 995,
        f"00{root}00",
        volume("plus", root, root, root * 1_000, root, root * 900),
        period="year_to_date",
    )
    for root in range(1001, 1006)
]


@pytest.fixture
def q1_published(
    settings_factory: Callable[..., Settings], kafka_bootstrap: str, topic: str
) -> Settings:
    """Settings of the test's topic once it holds the whole Q1 publication."""
    produce(kafka_bootstrap, topic, school_row_messages(Q1, Q1_ROWS))
    return settings_factory()


def test_records_land_in_loan_volume_and_a_second_run_changes_nothing(
    spark: SparkSession,
    settings_factory: Callable[..., Settings],
    kafka_bootstrap: str,
    topic: str,
) -> None:
    settings = settings_factory(stream_max_records_per_batch=3)
    produce(
        kafka_bootstrap,
        topic,
        school_row_messages(Q1, Q1_ROWS) + school_row_messages(SUMMARY, SUMMARY_ROWS),
    )
    batches: list[BatchResult] = []

    first = run_stream(
        settings,
        settings.db,
        until_caught_up=True,
        on_batch=batches.append,
        spark=spark,
    )

    assert (first.records, first.school_rows_written, first.rejected) == (8, 8, 0)
    assert first.publications_completed == 2
    assert first.batches == len(batches) >= 3
    loaded = warehouse_state(settings.db)
    assert loaded["loan_volume"] == in_view_order(
        loan_volume_rows(SUMMARY, *SUMMARY_ROWS) + loan_volume_rows(Q1, *Q1_ROWS)
    )
    assert loaded["publications"] == [
        ("DL", "2003-2004", None, None, SUMMARY.source_file, 5, 5, 1, 1),
        ("DL", "2009-2010", 1, "2010-01-05", Q1.source_file, 3, 3, 1, 1),
    ]

    second = run_stream(settings, settings.db, until_caught_up=True, spark=spark)

    assert (second.batches, second.records, second.checkpoint_id) == (
        0,
        0,
        first.checkpoint_id,
    )
    assert warehouse_state(settings.db) == loaded


def test_a_stream_that_accepts_one_workbook_leaves_the_others_records(
    spark: SparkSession,
    settings_factory: Callable[..., Settings],
    kafka_bootstrap: str,
    topic: str,
) -> None:
    # Two runs publishing to one topic at once: each takes only its own.
    settings = settings_factory()
    other_reject = encode_rejected(
        SUMMARY.source_file,
        [("OPE ID", "not 8 digits")],
        source_sha256=SUMMARY.source_sha256,
        sheet="Sheet1",
        row=9,
    )
    produce(
        kafka_bootstrap,
        topic,
        [
            *school_row_messages(Q1, Q1_ROWS),
            *school_row_messages(SUMMARY, SUMMARY_ROWS),
            other_reject,
        ],
    )

    report = run_stream(
        settings,
        settings.db,
        until_caught_up=True,
        spark=spark,
        accept=lambda record: record_digest(record) == Q1.source_sha256,
    )

    assert (report.records, report.school_rows_written, report.not_ours) == (
        3,
        3,
        6,
    )
    loaded = warehouse_state(settings.db)
    assert loaded["loan_volume"] == in_view_order(loan_volume_rows(Q1, *Q1_ROWS))
    assert [row[4] for row in loaded["publications"]] == [Q1.source_file]
    assert loaded["rejected_records"] == []


def test_malformed_messages_are_kept_aside_and_the_rest_of_the_batch_lands(
    spark: SparkSession,
    settings_factory: Callable[..., Settings],
    kafka_bootstrap: str,
    topic: str,
) -> None:
    settings = settings_factory()
    good = school_row_messages(Q1, Q1_ROWS)
    wrong_type = _edited(good[1], lambda m: m["volumes"][1].update(recipients="3"))
    missing = _edited(good[1], lambda m: m.pop("ope_id"))
    future = _edited(good[1], lambda m: m.update(schema_version=2))
    bad_ope_id = encode_school_row(Q1, school_row(10, "1002"), 3)
    row_reject = encode_rejected(
        Q1.source_file,
        [("Recipients", "not a number: 'abc'")],
        source_sha256=Q1.source_sha256,
        sheet="Quarterly Activity",
        row=11,
        cells=("00100500", "abc"),
    )
    messages = [
        good[0],
        (b"k", b'{"schema_version": 1, "kind": "school_row", '),
        wrong_type,
        missing,
        future,
        bad_ope_id,
        good[1],
        row_reject,
        good[2],
    ]
    # One partition, so each message's offset is its place in the list.
    produce(kafka_bootstrap, topic, messages, partition=0)

    report = run_stream(settings, settings.db, until_caught_up=True, spark=spark)

    assert (report.batches, report.school_rows_written, report.rejected) == (1, 3, 6)
    state = warehouse_state(settings.db)
    assert state["loan_volume"] == loan_volume_rows(Q1, *Q1_ROWS)
    assert [
        (source, sheet, row, reasons, partition, offset)
        for source, _, sheet, row, reasons, _, _, partition, offset in state[
            "rejected_records"
        ]
    ] == [
        ("stream", None, None, "is not JSON", 0, 1),
        (
            "stream",
            "Quarterly Activity",
            8,
            "volumes[1].recipients: must be an integer, not a string",
            0,
            2,
        ),
        ("stream", "Quarterly Activity", 8, "ope_id: is missing", 0, 3),
        (
            "stream",
            "Quarterly Activity",
            8,
            "schema_version: is 2: this loanflow reads version 1",
            0,
            4,
        ),
        (
            "stream",
            "Quarterly Activity",
            10,
            "ope_id: is '1002': expected 8 digits",
            0,
            5,
        ),
        (
            "workbook",
            "Quarterly Activity",
            11,
            "Recipients: not a number: 'abc'",
            0,
            7,
        ),
    ]
    raw_values = {offset: raw for *_, raw, _, _, offset in state["rejected_records"]}
    assert raw_values[1] == '{"schema_version": 1, "kind": "school_row", '
    assert raw_values[2] == wrong_type[1].decode()
    assert {row[1] for row in state["rejected_records"]} == {None, Q1.source_file}


def test_a_checkpoint_outliving_its_warehouse_is_replaced(
    spark: SparkSession, q1_published: Settings
) -> None:
    settings = q1_published
    first = run_stream(settings, settings.db, until_caught_up=True, spark=spark)
    loaded = warehouse_state(settings.db)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{settings.db}{suffix}").unlink(missing_ok=True)

    again = run_stream(settings, settings.db, until_caught_up=True, spark=spark)

    assert again.started_over
    assert again.checkpoint_id != first.checkpoint_id
    assert again.school_rows_written == 3
    assert warehouse_state(settings.db) == loaded


def _edited(
    message: tuple[bytes | None, bytes | None], edit: Callable[[dict], object]
) -> tuple[bytes | None, bytes]:
    key, value = message
    assert value is not None
    body = json.loads(value)
    edit(body)
    return key, json.dumps(body).encode()


class _CrashAfterCommit(Exception):
    """Stands for a crash between the warehouse's commit and Spark's."""


def test_a_batch_replayed_after_the_warehouse_committed_is_not_written_twice(
    spark: SparkSession, q1_published: Settings
) -> None:
    settings = q1_published

    def crash(result: BatchResult) -> None:
        raise _CrashAfterCommit(f"batch {result.batch_id} is in SQLite only")

    with pytest.raises(_CrashAfterCommit):
        run_stream(
            settings, settings.db, until_caught_up=True, on_batch=crash, spark=spark
        )
    written = warehouse_state(settings.db)
    assert written["loan_volume"] == loan_volume_rows(Q1, *Q1_ROWS)

    replay = run_stream(settings, settings.db, until_caught_up=True, spark=spark)

    assert (replay.batches, replay.batches_skipped) == (0, 1)
    assert warehouse_state(settings.db) == written


def test_records_gone_from_kafka_stop_the_stream_with_the_fix(
    spark: SparkSession, q1_published: Settings
) -> None:
    settings = q1_published
    run_stream(settings, settings.db, until_caught_up=True, spark=spark)
    _recreate(settings.bootstrap, settings.topic)
    produce(settings.bootstrap, settings.topic, school_row_messages(Q1, Q1_ROWS[:1]))

    with pytest.raises(StreamError) as raised:
        run_stream(settings, settings.db, until_caught_up=True, spark=spark)

    checkpoint = settings.checkpoint_dir(settings.db).resolve()
    assert str(raised.value).startswith(
        "Kafka no longer holds records the stream's checkpoint expects (the topic "
        "was recreated, or its retention deleted them): [STREAM_FAILED] "
    )
    assert str(raised.value).endswith(
        f"To read what the topic holds now, delete {checkpoint}; records the "
        f"warehouse already has are ignored"
    )


def _recreate(bootstrap: str, topic: str) -> None:
    """Delete the topic, wait until the cluster forgot it, make it anew."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.delete_topics([topic])[topic].result(timeout=30)
    deadline = time.monotonic() + 30
    while topic in admin.list_topics(timeout=5).topics:
        assert time.monotonic() < deadline, f"topic {topic} was not deleted"
    assert ensure_topic(bootstrap, topic, 3), f"topic {topic} was not created"
