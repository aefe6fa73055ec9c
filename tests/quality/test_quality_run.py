"""End to end: `loanflow run` on flawed workbooks, then `loanflow quality`.

A row whose OPE ID is ``ABC`` is set aside (run exits 1); a negative amount and
recipients without loans are integrated with warnings (run exits 0); the
quality report lists all three.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loanflow.inputs import file_digest
from tests.pipeline.helpers import loanflow, pipeline_env, query
from tests.quality.workbooks import bad_id_workbook, warnings_workbook

pytestmark = pytest.mark.integration

SET_ASIDE_REASON = "'ABC' is not an 8-digit OPE ID"


def finding(
    publication_id: int,
    source_file: str,
    kind: str,
    check: str,
    sheet: str,
    sheet_row: int,
    column: str,
    ope_id: str,
    loan_type: str | None,
    message: str,
) -> dict[str, object]:
    return {
        "publication_id": publication_id,
        "source_file": source_file,
        "kind": kind,
        "check": check,
        "sheet": sheet,
        "sheet_row": sheet_row,
        "column": column,
        "ope_id": ope_id,
        "loan_type": loan_type,
        "message": message,
    }


def test_run_then_quality_lists_rows_set_aside_and_warnings(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    env = pipeline_env(tmp_path / "home", kafka_bootstrap)
    db = tmp_path / "out.db"
    warned = warnings_workbook(tmp_path / "warned.xlsx")
    bad = bad_id_workbook(tmp_path / "bad-id.xlsx")

    # Warnings alone: everything integrated, exit 0.
    first = loanflow("run", warned, "--db", db, env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    assert (
        "Quality: no row set aside; 2 warnings (negative_value 1, "
        "recipients_without_loans 1); `loanflow quality` lists them."
    ) in first.stdout.splitlines()

    # A row set aside: exit 1, the rest integrated.
    second = loanflow("run", bad, "--db", db, env=env)
    assert second.returncode == 1, second.stderr[-3000:]
    assert (
        "Quality: 2 rows set aside (bad_ope_id 2); no warning; "
        "`loanflow quality` lists them."
    ) in second.stdout.splitlines()
    assert query(db, "SELECT count(*) FROM rejected_records") == [(2,)]
    assert query(
        db, "SELECT count(DISTINCT ope_id) FROM loan_volume WHERE ope_id = '00100700'"
    ) == [(1,)]

    listed = loanflow("quality", "--db", db, "--json", env=env)

    assert listed.returncode == 0, listed.stderr
    q2, q3 = "warned.xlsx", "bad-id.xlsx"
    quarterly, summary = "Quarterly Activity", "Award Year Summary"
    assert json.loads(listed.stdout) == {
        "warehouse": str(db),
        "publications": [
            {
                "publication_id": 1,
                "program": "DL",
                "award_year": "2009-2010",
                "quarter": 2,
                "run_date": "2010-01-07",
                "source_file": q2,
                "source_sha256": file_digest(warned),
                "set_aside": {},
                "warnings": {"negative_value": 1, "recipients_without_loans": 1},
            },
            {
                "publication_id": 2,
                "program": "DL",
                "award_year": "2009-2010",
                "quarter": 3,
                "run_date": "2010-01-08",
                "source_file": q3,
                "source_sha256": file_digest(bad),
                "set_aside": {"bad_ope_id": 2},
                "warnings": {},
            },
        ],
        "findings": [
            finding(
                2,
                q3,
                "set_aside",
                "bad_ope_id",
                summary,
                10,
                "OPE ID",
                "ABC",
                None,
                SET_ASIDE_REASON,
            ),
            finding(
                2,
                q3,
                "set_aside",
                "bad_ope_id",
                quarterly,
                10,
                "OPE ID",
                "ABC",
                None,
                SET_ASIDE_REASON,
            ),
            finding(
                1,
                q2,
                "warning",
                "negative_value",
                quarterly,
                10,
                "disbursements_amount",
                "00100700",
                "subsidized",
                "subsidized: below zero: disbursements_amount -500",
            ),
            finding(
                1,
                q2,
                "warning",
                "recipients_without_loans",
                quarterly,
                11,
                "recipients, loans_originated",
                "00106100",
                "grad_plus",
                "grad_plus: 3 recipients but loans originated is 0",
            ),
        ],
        "total_findings": 4,
    }

    # The same as a person reads it, one publication, one row shown.
    text = loanflow("quality", "2", "--db", db, "--limit", "1", env=env)
    assert text.returncode == 0, text.stderr
    cells = [
        [cell.strip() for cell in line.strip("│┃ ").split("│")]
        for line in text.stdout.splitlines()
        if line.startswith("│")
    ]
    assert cells == [
        ["2", "DL 2009-2010 Q3", q3, "set aside", "bad_ope_id", "2"],
        [
            q3,
            summary,
            "10",
            "OPE ID",
            "ABC",
            "set aside",
            "bad_ope_id",
            SET_ASIDE_REASON,
        ],
    ]
    assert text.stdout.splitlines()[-1] == (
        "Showing 1 of 2 rows: --limit 0 shows them all."
    )
