"""The optional ``publication.source_uri`` of message v1, from producer to row."""

from __future__ import annotations

import json

import pytest
from pyspark.sql import SparkSession

from loanflow.publish.messages import encode_school_row
from loanflow.warehouse import SchoolRowRecord
from tests.stream.test_parse import GOOD, Q1, ROW, _problems, _records

URI = "hdfs://namenode:8020/fsa/DL_Q1.xls"


def test_the_field_is_left_out_when_unknown() -> None:
    _, without = encode_school_row(Q1, ROW, 3)
    _, with_uri = encode_school_row(Q1, ROW, 3, URI)

    assert "source_uri" not in json.loads(without)["publication"]
    assert json.loads(with_uri)["publication"]["source_uri"] == URI


@pytest.mark.integration
def test_the_stream_reads_it_present_null_or_absent_and_checks_its_type(
    spark: SparkSession,
) -> None:
    _, with_uri = encode_school_row(Q1, ROW, 3, URI)
    body = json.loads(GOOD)
    body["publication"]["source_uri"] = None
    null = json.dumps(body).encode()
    body["publication"]["source_uri"] = 42
    wrong = json.dumps(body).encode()

    given, nulled, absent, bad = _records(spark, [with_uri, null, GOOD, wrong])

    assert isinstance(given, SchoolRowRecord) and given.source_uri == URI
    assert isinstance(nulled, SchoolRowRecord) and nulled.source_uri is None
    assert isinstance(absent, SchoolRowRecord) and absent.source_uri is None
    assert _problems(bad) == (
        ("publication.source_uri", "must be a string, not an integer"),
    )
