"""read_workbook on every real FSA workbook: read exactly, nothing rejected.

Figures checked here were read off the files; the sums are compared with the
workbook's own totals, computed from the cells without loanflow
(``tests/support/workbook_totals.py``).
"""

from __future__ import annotations

import functools
import re
from datetime import date
from pathlib import Path
from typing import NamedTuple

import pytest

from loanflow.workbooks.layouts import DASHBOARD, DL_FIVE, DL_SPLIT
from loanflow.workbooks.model import LOAN_TYPES, SCHOOL_TYPES, Workbook
from loanflow.workbooks.reader import read_workbook
from tests.workbooks.helpers import Totals, own_totals, reader_totals

pytestmark = pytest.mark.realdata


class Expected(NamedTuple):
    program: str
    award_year: str
    quarter: int
    run_date: date | None
    header_row: int
    quarter_rows: int
    year_to_date_rows: int
    loan_types: tuple[str, ...]


FOUR = DASHBOARD.loan_types
SIX = DL_SPLIT.loan_types
FIVE = DL_FIVE.loan_types
FFEL_RUN = date(2012, 4, 5)
EXPECTED = {
    "loans/FL_Dashboard_AY2009_2010_Q1.xls": Expected(
        "FFEL", "2009-2010", 1, FFEL_RUN, 6, 3820, 3820, FOUR
    ),
    "loans/FL_Dashboard_AY2009_2010_Q2.xls": Expected(
        "FFEL", "2009-2010", 2, FFEL_RUN, 6, 3945, 4123, FOUR
    ),
    "loans/FL_Dashboard_AY2009_2010_Q3.xls": Expected(
        "FFEL", "2009-2010", 3, FFEL_RUN, 6, 4052, 4173, FOUR
    ),
    "loans/FL_Dashboard_AY2009_2010_Q4.xls": Expected(
        "FFEL", "2009-2010", 4, FFEL_RUN, 6, 3793, 4188, FOUR
    ),
    "loans/DL_Dashboard_AY2006_2007_Q4.xls": Expected(
        "DL", "2006-2007", 4, None, 5, 1046, 1086, FOUR
    ),
    "loans/DL_Dashboard_AY2010_2011_Q4.xls": Expected(
        "DL", "2010-2011", 4, date(2014, 1, 10), 6, 5464, 5661, SIX
    ),
    "loans/DL_Dashboard_AY2012_2013_Q4.xls": Expected(
        "DL", "2012-2013", 4, date(2015, 1, 9), 6, 5427, 5649, FIVE
    ),
    "loans/DL_Dashboard_AY2018_2019_Q4.xls": Expected(
        "DL", "2018-2019", 4, date(2021, 4, 1), 7, 4916, 5150, FIVE
    ),
    "revisions/DL_Dashboard_AY2012_2013_Q4.xls": Expected(
        "DL", "2012-2013", 4, date(2015, 4, 9), 6, 5430, 5650, FIVE
    ),
}


@functools.cache
def read(path: Path) -> Workbook:
    return read_workbook(path)


@functools.cache
def totals(path: Path) -> Totals:
    return own_totals(path)


def test_every_real_workbook_is_covered(fsa_data: Path) -> None:
    found = {
        path.relative_to(fsa_data).as_posix()
        for folder in ("loans", "revisions")
        for path in (fsa_data / folder).glob("*.xls")
    }
    assert found == set(EXPECTED)


@pytest.mark.parametrize("name", EXPECTED)
def test_the_publication_and_sheets_are_read_exactly(fsa_data: Path, name: str) -> None:
    expected = EXPECTED[name]
    path = fsa_data / name

    workbook = read(path)

    publication = workbook.publication
    assert (
        publication.program,
        publication.award_year,
        publication.quarter,
        publication.run_date,
        publication.source_file,
    ) == (
        expected.program,
        expected.award_year,
        expected.quarter,
        expected.run_date,
        path.name,
    )
    assert re.fullmatch(r"[0-9a-f]{64}", publication.source_sha256)
    assert [
        (sheet.sheet, sheet.period, sheet.header_row, sheet.loan_types)
        for sheet in workbook.sheets
    ] == [
        ("Quarterly Activity", "quarter", expected.header_row, expected.loan_types),
        (
            "Award Year Summary",
            "year_to_date",
            expected.header_row,
            expected.loan_types,
        ),
    ]
    assert [(sheet.school_rows, sheet.rejected_rows) for sheet in workbook.sheets] == [
        (expected.quarter_rows, 0),
        (expected.year_to_date_rows, 0),
    ]
    assert workbook.problems == []


@pytest.mark.parametrize("name", EXPECTED)
def test_every_sum_equals_the_workbooks_own(fsa_data: Path, name: str) -> None:
    path = fsa_data / name

    assert reader_totals(read(path)) == totals(path)


@pytest.mark.parametrize("name", EXPECTED)
def test_every_value_has_its_model_form(fsa_data: Path, name: str) -> None:
    workbook = read(fsa_data / name)

    for row in workbook.rows:
        assert re.fullmatch(r"\d{8}", row.ope_id), row
        assert row.school_type in SCHOOL_TYPES, row
        assert row.school_name and row.school_name == row.school_name.strip(), row
        foreign = row.state in ("FC", None) or row.school_type.startswith("foreign")
        if not foreign:
            assert row.zip_code and re.fullmatch(r"\d{5}|\d{9}", row.zip_code), row
        for volume in row.volumes:
            assert volume.loan_type in LOAN_TYPES
            values = (
                volume.recipients,
                volume.loans_originated,
                volume.loans_originated_amount,
                volume.disbursements,
                volume.disbursements_amount,
            )
            assert all(type(value) is int for value in values), row


def test_a_few_sums_as_published(fsa_data: Path) -> None:
    ffel_q1 = reader_totals(read(fsa_data / "loans/FL_Dashboard_AY2009_2010_Q1.xls"))
    modern = reader_totals(read(fsa_data / "loans/DL_Dashboard_AY2018_2019_Q4.xls"))
    revised = reader_totals(
        read(fsa_data / "revisions/DL_Dashboard_AY2012_2013_Q4.xls")
    )
    first = reader_totals(read(fsa_data / "loans/DL_Dashboard_AY2012_2013_Q4.xls"))

    # (schools, recipients, loans, $ loans, disbursements, $ disbursements)
    assert ffel_q1[("quarter", "subsidized")][1] == 2_810_627
    assert ffel_q1[("quarter", "subsidized")][5] == 6_526_756_784
    assert ffel_q1[("quarter", "subsidized")] == ffel_q1[("year_to_date", "subsidized")]
    assert modern[("year_to_date", "grad_plus")][0] == 5150
    assert modern[("year_to_date", "grad_plus")][1] == 424_795
    assert modern[("year_to_date", "grad_plus")][5] == 10_739_031_016
    assert first[("quarter", "parent_plus")][5] == 693_228_520
    assert revised[("quarter", "parent_plus")][5] == 692_668_769


def test_the_special_schools_of_ffel(fsa_data: Path) -> None:
    workbook = read(fsa_data / "loans/FL_Dashboard_AY2009_2010_Q2.xls")
    rows = {(row.period, row.ope_id): row for row in workbook.rows}

    placeholder = rows[("quarter", "88888800")]
    assert (placeholder.school_name, placeholder.state, placeholder.school_type) == (
        "DEFAULT SCHOOL FOR CONSOLIDATED LOANS",
        "NR",
        "other",
    )
    # Published as plain "FOREIGN": a foreign school of unstated control.
    tokai = rows[("quarter", "02099800")]
    assert (tokai.school_name, tokai.state, tokai.zip_code, tokai.school_type) == (
        "TOKAI UNIV",
        "FC",
        None,
        "other",
    )
