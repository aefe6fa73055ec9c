"""Plausibility checks in the warehouse: each rule, once per publication."""

from __future__ import annotations

import dataclasses
import json
import sqlite3

import pytest

from loanflow.quality.checks import CHECKS, structural_check
from loanflow.quality.report import check_unchecked
from loanflow.warehouse import write_batch
from loanflow.workbooks.model import SchoolRow
from tests.warehouse.factories import publication, records, school_row, volume

PUBLICATION = publication("DL_Dashboard_AY2009_2010_Q2.xls", quarter=2)
PLAIN = volume("subsidized", 10, 12, 34_000, 20, 30_000)
DOUBLE = volume("subsidized", 20, 24, 68_000, 40, 60_000)


def at(row: SchoolRow, **changes: object) -> SchoolRow:
    return dataclasses.replace(row, **changes)


ROWS = (
    # Plausible on both sheets.
    school_row(7, "00100200", PLAIN),
    school_row(7, "00100200", DOUBLE, period="year_to_date"),
    # Two amounts below zero.
    school_row(8, "00100700", volume("subsidized", 5, 5, -100, 5, -50)),
    # Grad PLUS recipients, the loan count blank; and recipients with 0 loans.
    school_row(
        9,
        "00106100",
        PLAIN,
        volume("grad_plus", 4, None, None, None, None),
        volume("parent_plus", 2, 0, 0, 0, 0),
    ),
    # The quarter has more recipients than the year to date through it.
    school_row(10, "00108100", volume("subsidized", 50, 12, 34_000, 20, 30_000)),
    school_row(
        8,
        "00108100",
        volume("subsidized", 40, 24, 68_000, 40, 60_000),
        period="year_to_date",
    ),
    at(school_row(11, "00111000", PLAIN), state="ZZ"),
    at(school_row(12, "00113200", PLAIN), state=None),
    # A foreign school may leave the state blank (AY2018-19 on).
    at(school_row(14, "00671300", PLAIN), state=None, school_type="foreign_public"),
    at(
        school_row(
            13, "88888800", PLAIN, school_name="DEFAULT SCHOOL FOR CONSOLIDATED LOANS"
        ),
        state="NR",
    ),
)

EXPECTED = [
    (
        "negative_value",
        "quarter",
        8,
        "00100700",
        "subsidized",
        "loans_originated_amount, disbursements_amount",
        "subsidized: below zero: loans_originated_amount -100, "
        "disbursements_amount -50",
        {"loans_originated_amount": -100, "disbursements_amount": -50},
    ),
    (
        "placeholder_school",
        "quarter",
        13,
        "88888800",
        None,
        "ope_id",
        "placeholder, not a school; kept: part of the published totals "
        "(see table placeholder_schools)",
        {"ope_id": "88888800", "state": "NR"},
    ),
    (
        "quarter_above_year_to_date",
        "quarter",
        10,
        "00108100",
        "subsidized",
        "recipients",
        "subsidized: quarter above year to date: recipients 50 > 40",
        {"recipients": {"quarter": 50, "year_to_date": 40}},
    ),
    (
        "recipients_without_loans",
        "quarter",
        9,
        "00106100",
        "grad_plus",
        "recipients, loans_originated",
        "grad_plus: 4 recipients but loans originated is blank",
        {"recipients": 4, "loans_originated": None},
    ),
    (
        "recipients_without_loans",
        "quarter",
        9,
        "00106100",
        "parent_plus",
        "recipients, loans_originated",
        "parent_plus: 2 recipients but loans originated is 0",
        {"recipients": 2, "loans_originated": 0},
    ),
    (
        "unknown_state",
        "quarter",
        11,
        "00111000",
        None,
        "state",
        "state 'ZZ' is no U.S. state, DC, territory, military code or FC",
        {"state": "ZZ"},
    ),
    (
        "unknown_state",
        "quarter",
        12,
        "00113200",
        None,
        "state",
        "state is blank, and the school is not foreign",
        {"state": None},
    ),
]


def stored_warnings(conn: sqlite3.Connection) -> list[tuple]:
    rows = conn.execute(
        "SELECT check_name, period, sheet_row, ope_id, loan_type, columns, message, "
        "observed_values FROM quality_warnings "
        "ORDER BY check_name, period, sheet_row, loan_type"
    ).fetchall()
    return [(*row[:-1], json.loads(row[-1])) for row in rows]


def test_each_rule_is_recorded_when_the_publication_completes(
    conn: sqlite3.Connection,
) -> None:
    result = write_batch(conn, "c1", 0, records(PUBLICATION, *ROWS))

    assert result.publications_completed == 1
    assert result.quality_warnings == len(EXPECTED)
    assert stored_warnings(conn) == EXPECTED


def test_a_replay_adds_no_warning(conn: sqlite3.Connection) -> None:
    write_batch(conn, "c1", 0, records(PUBLICATION, *ROWS))

    again = write_batch(conn, "c2", 0, records(PUBLICATION, *ROWS))

    assert again.quality_warnings == 0
    assert stored_warnings(conn) == EXPECTED
    assert conn.execute(
        "SELECT count(*), sum(warnings) FROM quality_checks"
    ).fetchone() == (
        1,
        len(EXPECTED),
    )


def test_an_incomplete_publication_is_not_checked_yet(
    conn: sqlite3.Connection,
) -> None:
    part = records(PUBLICATION, *ROWS)[:4]

    write_batch(conn, "c1", 0, part)

    assert stored_warnings(conn) == []
    assert conn.execute("SELECT count(*) FROM quality_checks").fetchone() == (0,)


def test_publications_completed_before_the_checks_are_checked_once(
    conn: sqlite3.Connection,
) -> None:
    write_batch(conn, "c1", 0, records(PUBLICATION, *ROWS))
    # As a warehouse completed before migration 0003 had them.
    conn.execute("DELETE FROM quality_warnings")
    conn.execute("DELETE FROM quality_checks")

    assert check_unchecked(conn) == 1
    assert check_unchecked(conn) == 0
    assert stored_warnings(conn) == EXPECTED


@pytest.mark.parametrize(
    ("column", "check"),
    [
        ("OPE ID", "bad_ope_id"),
        ("School Type", "bad_school_type"),
        ("Zip Code", "bad_zip_code"),
        ("DL SUBSIDIZED: $ of Disbursements", "bad_metric"),
        (None, "bad_row"),
    ],
)
def test_reader_columns_name_their_structural_check(
    column: str | None, check: str
) -> None:
    assert structural_check(column) == check
    assert CHECKS[check].kind == "set_aside"
