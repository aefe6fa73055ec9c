"""The per-publication summary the CLI prints."""

from __future__ import annotations

import sqlite3

from loanflow.warehouse import (
    KafkaOrigin,
    PeriodTotals,
    PublicationSummary,
    RejectedRecord,
    SchoolRowRecord,
    count_rejected,
    summarize,
    write_batch,
)
from tests.warehouse.factories import publication, school_row, volume


def test_summary_totals_by_period_and_completeness(conn: sqlite3.Connection) -> None:
    q2 = publication("DL_Q2.xls", quarter=2)
    rows = [
        school_row(7, "00100200", volume("subsidized", 5, 6, 1_000, 7, 900)),
        school_row(
            8,
            "00100800",
            volume("subsidized", 1, 1, 200, 1, 100),
            volume("parent_plus", 1, 1, None, 1, 50),
        ),
        school_row(
            7,
            "00100200",
            volume("subsidized", 9, 9, 3_000, 9, 2_000),
            period="year_to_date",
        ),
    ]
    reject = RejectedRecord(
        "workbook",
        (("OPE ID", "is blank"),),
        source_file=q2.source_file,
        source_sha256=q2.source_sha256,
        sheet="Quarterly Activity",
        row=30,
        origin=KafkaOrigin("t", 0, 9),
    )
    write_batch(conn, "c", 0, [*(SchoolRowRecord(q2, 4, row) for row in rows), reject])

    assert summarize(conn) == [
        PublicationSummary(
            program="DL",
            award_year="2009-2010",
            quarter=2,
            run_date="2010-01-05",
            source_file="DL_Q2.xls",
            source_sha256=q2.source_sha256,
            school_rows=4,
            received_school_rows=3,
            complete=False,
            latest=False,
            status="receiving",
            rejected_rows=1,
            periods=(
                PeriodTotals("quarter", 2, 1_200, 1_050),
                PeriodTotals("year_to_date", 1, 3_000, 2_000),
            ),
        )
    ]
    assert count_rejected(conn) == {"workbook": 1}
