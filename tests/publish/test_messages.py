"""Message schema v1: deterministic keys, integers stay integers."""

from __future__ import annotations

import json
from datetime import date

from loanflow.publish.messages import (
    encode_rejected,
    encode_rejected_row,
    encode_school_row,
)
from loanflow.workbooks.model import LoanTypeVolume, Publication, RowProblem, SchoolRow

PUBLICATION = Publication(
    program="FFEL",
    award_year="2009-2010",
    quarter=1,
    run_date=date(2012, 4, 5),
    source_file="FL_Dashboard_AY2009_2010_Q1.xls",
    source_sha256="ab" * 32,
)
ROW = SchoolRow(
    period="quarter",
    sheet="Quarterly Activity",
    row=7,
    ope_id="00106100",
    school_name="ALASKA PACIFIC UNIVERSITY",
    state="AK",
    zip_code="995084672",
    school_type="private_nonprofit",
    volumes=(
        LoanTypeVolume("subsidized", 291, 291, 1546994, 292, 830513),
        LoanTypeVolume("grad_plus", None, 0, 0, 0, 9_007_199_254_740_993),
    ),
)


def test_school_row_message_carries_every_field_exactly() -> None:
    key, value = encode_school_row(PUBLICATION, ROW, 7648)

    assert key == b"FFEL:2009-2010:1:abababababababab:quarter:7"
    message = json.loads(value)
    assert message == {
        "schema_version": 1,
        "kind": "school_row",
        "publication": {
            "program": "FFEL",
            "award_year": "2009-2010",
            "quarter": 1,
            "run_date": "2012-04-05",
            "source_file": "FL_Dashboard_AY2009_2010_Q1.xls",
            "source_sha256": "ab" * 32,
            "school_rows": 7648,
        },
        "period": "quarter",
        "sheet": "Quarterly Activity",
        "row": 7,
        "ope_id": "00106100",
        "school_name": "ALASKA PACIFIC UNIVERSITY",
        "state": "AK",
        "zip_code": "995084672",
        "school_type": "private_nonprofit",
        "volumes": [
            {
                "loan_type": "subsidized",
                "recipients": 291,
                "loans_originated": 291,
                "loans_originated_amount": 1546994,
                "disbursements": 292,
                "disbursements_amount": 830513,
            },
            {
                "loan_type": "grad_plus",
                "recipients": None,
                "loans_originated": 0,
                "loans_originated_amount": 0,
                "disbursements": 0,
                "disbursements_amount": 9_007_199_254_740_993,
            },
        ],
    }
    # Past 2**53 a float would round: the amount must travel as an integer.
    assert b"9007199254740993" in value


def test_same_record_encodes_to_the_same_bytes() -> None:
    assert encode_school_row(PUBLICATION, ROW, 10) == encode_school_row(
        PUBLICATION, ROW, 10
    )


def test_award_year_summary_without_quarter_has_its_own_key() -> None:
    summary = Publication("DL", "2003-2004", None, None, "x.xls", "cd" * 32)

    key, value = encode_school_row(summary, ROW, 1)

    assert key == b"DL:2003-2004:AY:cdcdcdcdcdcdcdcd:quarter:7"
    publication = json.loads(value)["publication"]
    assert publication["quarter"] is None
    assert publication["run_date"] is None


def test_rejected_row_keeps_every_problem_and_the_raw_cells() -> None:
    problem = RowProblem(
        sheet="Quarterly Activity",
        row=12,
        problems=(("OPE ID", "not an OPE ID: 'abc'"), ("Recipients", "not a number")),
        cells=("abc", "SOME SCHOOL", "AK"),
    )

    key, value = encode_rejected_row(PUBLICATION, problem)

    assert key == (
        b"rejected:FL_Dashboard_AY2009_2010_Q1.xls:abababababababab:"
        b"Quarterly Activity:12"
    )
    assert json.loads(value) == {
        "schema_version": 1,
        "kind": "rejected",
        "source_file": "FL_Dashboard_AY2009_2010_Q1.xls",
        "source_sha256": "ab" * 32,
        "sheet": "Quarterly Activity",
        "row": 12,
        "problems": [
            {"column": "OPE ID", "reason": "not an OPE ID: 'abc'"},
            {"column": "Recipients", "reason": "not a number"},
        ],
        "cells": ["abc", "SOME SCHOOL", "AK"],
    }


def test_rejected_file_has_no_sheet_or_row() -> None:
    _, value = encode_rejected("notes.xls", [(None, "not an Excel workbook")])

    message = json.loads(value)
    assert (message["sheet"], message["row"], message["source_sha256"]) == (
        None,
        None,
        None,
    )
    assert message["problems"] == [{"column": None, "reason": "not an Excel workbook"}]
