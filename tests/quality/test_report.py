"""The quality report over a warehouse: counts per check, rows, publications."""

from __future__ import annotations

import sqlite3
from collections import Counter

import pytest

from loanflow.errors import ConfigurationError
from loanflow.quality.report import (
    QualityFinding,
    count_findings,
    find_publications,
    list_warnings,
    quality_report,
)
from loanflow.warehouse import RejectedRecord, write_batch
from tests.warehouse.factories import publication, records, school_row, volume

PUBLICATION = publication("DL_Dashboard_AY2009_2010_Q2.xls", quarter=2)
OTHER = publication("DL_Dashboard_AY2009_2010_Q3.xls", quarter=3)


def rejected_row(row: int, *problems: tuple[str, str]) -> RejectedRecord:
    return RejectedRecord(
        source="workbook",
        problems=problems,
        source_file=PUBLICATION.source_file,
        source_sha256=PUBLICATION.source_sha256,
        sheet="Quarterly Activity",
        row=row,
        cells=("ABC", "NOWHERE COLLEGE", "CA", "90007", "PUBLIC", "x"),
    )


@pytest.fixture
def filled(conn: sqlite3.Connection) -> sqlite3.Connection:
    batch = [
        *records(
            PUBLICATION,
            school_row(7, "00100200"),
            school_row(8, "00100700", volume("subsidized", 5, 5, 100, 5, -50)),
        ),
        rejected_row(
            9,
            ("OPE ID", "'ABC' is not an 8-digit OPE ID"),
            ("DL SUBSIDIZED: $ of Disbursements", "'x' is not a number"),
            ("DL SUBSIDIZED: # of Disbursements", "'y' is not a number"),
        ),
        *records(OTHER, school_row(7, "00100200")),
    ]
    write_batch(conn, "c1", 0, batch)
    return conn


def test_counts_per_check_and_every_problem_as_a_row(
    filled: sqlite3.Connection,
) -> None:
    report = quality_report(filled, find_publications(filled, None))

    first, second = report.publications
    assert (first.publication_id, first.source_file) == (1, PUBLICATION.source_file)
    # A row counts once per check, however many of its cells failed it.
    assert first.set_aside == Counter(bad_ope_id=1, bad_metric=1)
    assert first.warnings == Counter(negative_value=1)
    assert (second.set_aside, second.warnings) == (Counter(), Counter())
    assert [
        (f.kind, f.check, f.sheet_row, f.column, f.ope_id) for f in report.findings
    ] == [
        ("set_aside", "bad_ope_id", 9, "OPE ID", "ABC"),
        ("set_aside", "bad_metric", 9, "DL SUBSIDIZED: $ of Disbursements", "ABC"),
        ("set_aside", "bad_metric", 9, "DL SUBSIDIZED: # of Disbursements", "ABC"),
        ("warning", "negative_value", 8, "disbursements_amount", "00100700"),
    ]
    assert report.total_findings == 4


def test_the_limit_cuts_the_rows_not_the_counts(filled: sqlite3.Connection) -> None:
    report = quality_report(filled, [1], limit=1)

    assert len(report.findings) == 1
    assert report.total_findings == 4
    assert report.publications[0].set_aside == Counter(bad_ope_id=1, bad_metric=1)


def test_warnings_for_the_dashboard(filled: sqlite3.Connection) -> None:
    assert (
        list_warnings(filled)
        == list_warnings(filled, 1)
        == [
            QualityFinding(
                publication_id=1,
                source_file=PUBLICATION.source_file,
                kind="warning",
                check="negative_value",
                sheet="Quarterly Activity",
                sheet_row=8,
                column="disbursements_amount",
                ope_id="00100700",
                loan_type="subsidized",
                message="subsidized: below zero: disbursements_amount -50",
            )
        ]
    )
    assert list_warnings(filled, 2) == []


def test_counts_of_a_run_cover_its_workbooks_only(filled: sqlite3.Connection) -> None:
    assert count_findings(filled, {OTHER.source_sha256}) == (Counter(), Counter())
    assert count_findings(filled, {PUBLICATION.source_sha256, "f" * 64}) == (
        Counter(bad_ope_id=1, bad_metric=1),
        Counter(negative_value=1),
    )


@pytest.mark.parametrize(
    "name", ["2", OTHER.source_file, OTHER.source_sha256[:8].upper()]
)
def test_a_publication_is_named_by_id_file_or_digest(
    filled: sqlite3.Connection, name: str
) -> None:
    assert find_publications(filled, name) == [2]


def test_an_unknown_publication_says_how_to_name_one(
    filled: sqlite3.Connection,
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        find_publications(filled, "nope.xls")

    assert str(raised.value) == (
        "no publication 'nope.xls' in the warehouse: give its id, file name or the "
        "start of its SHA-256 (`loanflow quality` lists them all)"
    )
