"""What title rows and file names say: program, award year, period, run date."""

from __future__ import annotations

from datetime import date

import pytest

from loanflow.workbooks.titles import (
    NameHints,
    SheetTitles,
    read_name_hints,
    read_titles,
)

FFEL_QUARTERLY = [
    "2009-2010 Award Year FFEL Volume by School",
    "Award Year Quarterly Activity (07/01/2009-09/30/2009)",
    "Data Run: 4/5/2012",
]
DL_CUMULATIVE = [
    "2010-2011 Award Year Direct Loan Volume by School",
    "Award Year Cumulative Activity through Quarter ending 06/30/2011",
    "Run Date: 7/5/2010",
]
MODERN_QUARTERLY = [
    "2018-2019 Award Year Direct Loan Volume by School",
    "Award Year Quarterly Activity (4/1/2019 - 6/30/2019)",
    "Data Source: Common Origination and Disbursement (COD) System",
    "Data as of Apr 1, 2021",
]
MODERN_CUMULATIVE = [
    "2020-2021 Award Year Direct Loan Volume by School",
    "Award Year Cumulative Activity through Quarter ending (12/31/2020)",
    "Data as of July 1, 2021",
]
NO_TITLE = [
    "Award Year Quarterly Activity  (1/01/2013-3/31/2013)",
    "Data Run: 1/09/2015",
]
SUMMARY = [
    "1999-2000 Award Year Direct Loan Volume by School",
    "Award Year Cumulative Activity",
]


@pytest.mark.parametrize(
    ("lines", "titles"),
    [
        (
            FFEL_QUARTERLY,
            SheetTitles(
                "FFEL", "2009-2010", "quarter", date(2009, 9, 30), 1, date(2012, 4, 5)
            ),
        ),
        (
            DL_CUMULATIVE,
            SheetTitles(
                "DL",
                "2010-2011",
                "year_to_date",
                date(2011, 6, 30),
                4,
                date(2010, 7, 5),
            ),
        ),
        (
            MODERN_QUARTERLY,
            SheetTitles(
                "DL", "2018-2019", "quarter", date(2019, 6, 30), 4, date(2021, 4, 1)
            ),
        ),
        (
            MODERN_CUMULATIVE,
            SheetTitles(
                "DL",
                "2020-2021",
                "year_to_date",
                date(2020, 12, 31),
                2,
                date(2021, 7, 1),
            ),
        ),
        (
            NO_TITLE,
            SheetTitles(
                None, "2012-2013", "quarter", date(2013, 3, 31), 3, date(2015, 1, 9)
            ),
        ),
        (SUMMARY, SheetTitles("DL", "1999-2000", "year_to_date")),
        ([], SheetTitles()),
    ],
)
def test_titles_say_the_report(lines: list[str], titles: SheetTitles) -> None:
    assert read_titles(lines) == titles


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        (
            [
                "2009-2010 Award Year FFEL",
                "Award Year Quarterly Activity (07/01/2010-09/30/2010)",
            ],
            "the period ends 2010-09-30, outside award year 2009-2010",
        ),
        (
            ["Award Year Quarterly Activity (07/01/2009-08/31/2009)"],
            "the period ends 2009-08-31, not at the end of a quarter",
        ),
        (["Data Run: soon"], "no date in the run-date line 'Data Run: soon'"),
        (
            ["2009-2011 Award Year FFEL"],
            "2009-2011 in '2009-2011 Award Year FFEL' is not an award year",
        ),
    ],
)
def test_titles_that_contradict_themselves_are_problems(
    lines: list[str], problem: str
) -> None:
    assert read_titles(lines).problems == (problem,)


@pytest.mark.parametrize(
    ("name", "hints"),
    [
        ("FL_Dashboard_AY2009_2010_Q1.xls", NameHints("FFEL", "2009-2010", 1)),
        ("DL_Dashboard_AY2012_2013_Q4.xls", NameHints("DL", "2012-2013", 4)),
        ("dl-dashboard-ay2020-2021-q1.xls", NameHints("DL", "2020-2021", 1)),
        ("DL_AwardYr_Summary_AY2003_2004_All.xls", NameHints("DL", "2003-2004", None)),
        ("FFEL_AwardYr_Summary_AY1999_2000_All.xls", NameHints("FFEL", "1999-2000")),
        ("report (3).xlsx", NameHints()),
        ("DL_Dashboard_AY2012_2014_Q5.xls", NameHints("DL")),
    ],
)
def test_file_name_hints(name: str, hints: NameHints) -> None:
    assert read_name_hints(name) == hints
