"""Checking messages in Spark: every problem named, nothing turned into NULL."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from pyspark.sql import SparkSession

from loanflow.publish.messages import encode_school_row
from loanflow.stream.parse import parse_messages, to_record
from loanflow.warehouse import KafkaOrigin, Record, RejectedRecord, SchoolRowRecord
from tests.warehouse.factories import publication, school_row, volume

pytestmark = pytest.mark.integration

Q1 = publication("DL_Q1.xls")
ROW = school_row(
    7,
    "00100200",
    volume("subsidized", 10, 12, 34_000, 20, 30_000),
    volume("grad_plus", None, None, None, None, None),
)
_, GOOD = encode_school_row(Q1, ROW, 3)


def _edited(edit: Callable[[dict], object]) -> bytes:
    body = json.loads(GOOD)
    edit(body)
    return json.dumps(body).encode()


def _records(spark: SparkSession, values: list[bytes | None]) -> list[Record]:
    kafka = spark.createDataFrame(
        [("t", 0, offset, value) for offset, value in enumerate(values)],
        "topic string, partition int, offset long, value binary",
    )
    return [to_record(row) for row in parse_messages(kafka).orderBy("offset").collect()]


def _problems(record: Record) -> tuple[tuple[str | None, str], ...]:
    assert isinstance(record, RejectedRecord), record
    return record.problems


def test_a_good_message_keeps_its_blank_cells_as_none(spark: SparkSession) -> None:
    (record,) = _records(spark, [GOOD])

    assert record == SchoolRowRecord(Q1, 3, ROW, KafkaOrigin("t", 0, 0))


Problems = tuple[tuple[str | None, str], ...]

NOT_A_STRING = "must be a string, not an integer"
CASES: dict[str, tuple[bytes | None, Problems]] = {
    "null value": (None, ((None, "is empty (a null value)"),)),
    "not UTF-8": (b"\xff\xfe{}", ((None, "is not UTF-8 text"),)),
    "not JSON": (b"{'kind': 'school_row'}", ((None, "is not JSON"),)),
    "an array": (b"[1, 2]", ((None, "must be a JSON object, not an array"),)),
    "version as text": (
        b'{"schema_version": "1", "kind": "school_row"}',
        (("schema_version", "must be an integer, not a string"),),
    ),
    "unknown version": (
        _edited(lambda m: m.update(schema_version=2)),
        (("schema_version", "is 2: this loanflow reads version 1"),),
    ),
    "unknown kind": (
        _edited(lambda m: m.update(kind="school")),
        (("kind", "is 'school': expected 'school_row' or 'rejected'"),),
    ),
    "metric as text": (
        _edited(lambda m: m["volumes"][0].update(recipients="10")),
        (("volumes[0].recipients", "must be an integer, not a string"),),
    ),
    "metric as decimal": (
        _edited(lambda m: m["volumes"][1].update(disbursements=1.5)),
        (("volumes[1].disbursements", "must be an integer, not a decimal number"),),
    ),
    "metric past 64 bits": (
        _edited(lambda m: m["volumes"][0].update(recipients=2**64)),
        (("volumes[0].recipients", "must be an integer, not a decimal number"),),
    ),
    "metric missing": (
        _edited(lambda m: m["volumes"][0].pop("recipients")),
        (("volumes[0].recipients", "is missing"),),
    ),
    "OPE ID as number": (
        _edited(lambda m: m.update(ope_id=100200)),
        (
            ("ope_id", NOT_A_STRING),
            ("ope_id", "is '100200': expected 8 digits"),
        ),
    ),
    "OPE ID and period": (
        _edited(lambda m: m.update(ope_id="1002", period="month")),
        (
            ("period", "is 'month': expected one of quarter, year_to_date"),
            ("ope_id", "is '1002': expected 8 digits"),
        ),
    ),
    "unknown loan type": (
        _edited(lambda m: m["volumes"][1].update(loan_type="stafford")),
        (
            (
                "volumes[1].loan_type",
                "is 'stafford': expected one of subsidized, subsidized_undergraduate, "
                "subsidized_graduate, unsubsidized, unsubsidized_undergraduate, "
                "unsubsidized_graduate, parent_plus, grad_plus, plus",
            ),
        ),
    ),
    "loan type twice": (
        _edited(lambda m: m.update(volumes=[m["volumes"][0]] * 2)),
        (("volumes", "names a loan type more than once"),),
    ),
    "required nulls": (
        _edited(lambda m: m.update(publication=None, school_type=None)),
        (("publication", "must not be null"), ("school_type", "must not be null")),
    ),
    "publication values": (
        _edited(
            lambda m: m["publication"].update(
                award_year="2009-2011", run_date="2010-02-30", quarter=5
            )
        ),
        (
            (
                "publication.award_year",
                "is '2009-2011': expected consecutive years like 2009-2010",
            ),
            ("publication.quarter", "is '5': expected 1 to 4 or null"),
            (
                "publication.run_date",
                "is '2010-02-30': expected an ISO date like 2010-07-05",
            ),
        ),
    ),
    "rejected message": (
        b'{"schema_version": 1, "kind": "rejected", "source_file": "x.xls", '
        b'"source_sha256": null, "sheet": null, "row": null, "problems": [], '
        b'"cells": [1]}',
        (
            ("cells[0]", NOT_A_STRING),
            ("problems", "is empty: a rejected record says why"),
        ),
    ),
}


def test_every_message_that_does_not_fit_is_kept_aside_with_every_reason(
    spark: SparkSession,
) -> None:
    # One frame for all cases: Spark compiles the checks once.
    records = _records(spark, [value for value, _ in CASES.values()])

    assert {
        name: _problems(record) for name, record in zip(CASES, records, strict=True)
    } == {name: problems for name, (_, problems) in CASES.items()}
    for offset, (record, (value, _)) in enumerate(
        zip(records, CASES.values(), strict=True)
    ):
        assert isinstance(record, RejectedRecord)
        assert record.origin == KafkaOrigin("t", 0, offset)
        assert record.raw_value == (
            None if value is None else value.decode("utf-8", errors="backslashreplace")
        )
