"""Rows validated whole, notes and footers passed over, header found anywhere."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from loanflow.workbooks.layouts import (
    DASHBOARD,
    DL_MODERN,
    ReportSpec,
    SchoolLine,
    SheetGrid,
    workbook_grids,
)
from loanflow.workbooks.model import RowProblem
from loanflow.workbooks.reader import read_workbook
from tests.support.builders import write_grids
from tests.workbooks.examples import EXAMPLES, example_lines_by_period
from tests.workbooks.helpers import read_error

FFEL_Q1 = EXAMPLES[3]
MODERN = EXAMPLES[-1]


# The bad row's cells as Excel shows them, one loan-type block a line.
BAD_ROW_CELLS = (
    "12AB", "BAD SCHOOL", "TX", "1234567890", "Martian",
    "n/a", "3", "12.5", "3", "100",
    "1", "1", "100", "1", "100",
    "1", "1", "100", "1", "1,000",
    " - ", "1", "100", "1", "x",
)  # fmt: skip


def ffel_grids() -> list[SheetGrid]:
    return workbook_grids(FFEL_Q1.era, FFEL_Q1.report, example_lines_by_period(FFEL_Q1))


@pytest.mark.parametrize("workbook_format", ["xls", "xlsx"])
def test_a_bad_row_lists_every_problem_and_the_rest_goes_on(
    tmp_path: Path, workbook_format: str
) -> None:
    grids = ffel_grids()
    bad = SchoolLine(
        "12AB",
        "BAD SCHOOL",
        "TX",
        1234567890,
        "Martian",
        (
            ("n/a", 3, 12.5, 3, 100),
            (1, 1, 100, 1, 100),
            (1, 1, 100, 1, "1,000"),
            (" - ", 1, 100, 1, "x"),
        ),
    )
    quarterly = grids[0]
    quarterly.rows.insert(7, quarterly_row(bad))
    path = write_grids(tmp_path / "bad-row.xls", grids, workbook_format)

    workbook = read_workbook(path)

    assert workbook.problems == [
        RowProblem(
            sheet="Quarterly Activity",
            row=8,
            problems=(
                ("OPE ID", "'12AB' is not an 8-digit OPE ID"),
                ("Zip Code", "'1234567890' has more than 9 digits"),
                ("School Type", "unknown school type 'Martian'"),
                ("FFEL SUBSIDIZED: Recipients", "'n/a' is not a number"),
                (
                    "FFEL SUBSIDIZED: $ of Loans Originated",
                    "'12.5' is not a whole number",
                ),
                ("FFEL GRAD PLUS: $ of Disbursements", "'x' is not a number"),
            ),
            cells=BAD_ROW_CELLS,
        )
    ]
    assert [sheet.school_rows for sheet in workbook.sheets] == [4, 5]
    assert [sheet.rejected_rows for sheet in workbook.sheets] == [1, 0]
    assert [row.row for row in workbook.rows[:4]] == [7, 9, 10, 11]


def quarterly_row(line: SchoolLine) -> list:
    grid = workbook_grids(
        DASHBOARD, FFEL_Q1.report, {"quarter": [line], "year_to_date": []}
    )[0]
    return grid.rows[-1]


def test_empty_rows_notes_and_totals_are_not_schools(tmp_path: Path) -> None:
    grids = ffel_grids()
    summary = grids[1]
    width = len(summary.rows[5])
    summary.rows[8:8] = [[], [None] * width]
    summary.rows += [
        [],
        ["Source: National Student Loan Data System"],
        [None, "* Numbers may not add up to the totals"],
        ["Total", None, None, None, None, *range(1, width - 4)],
        ["GRAND TOTALS"],
    ]
    path = write_grids(tmp_path / "footers.xlsx", grids, "xlsx")

    workbook = read_workbook(path)

    assert workbook.problems == []
    assert [sheet.school_rows for sheet in workbook.sheets] == [4, 5]
    summary_rows = [row.row for row in workbook.rows if row.period == "year_to_date"]
    assert summary_rows == [7, 8, 11, 12, 13]


def test_an_ope_id_without_a_school_type_is_a_problem_not_a_note(
    tmp_path: Path,
) -> None:
    grids = ffel_grids()
    grids[0].rows.append(["00999900"])
    path = write_grids(tmp_path / "lonely.xlsx", grids, "xlsx")

    problems = read_workbook(path).problems

    assert [(problem.row, problem.problems) for problem in problems] == [
        (11, (("School Type", "school type is blank"),))
    ]


@pytest.mark.parametrize(
    ("change", "header_row"),
    [("drop_spacer", 5), ("as_published", 6), ("one_more", 7), ("two_more", 8)],
)
def test_the_header_is_found_wherever_it_moved(
    tmp_path: Path, change: str, header_row: int
) -> None:
    grids = ffel_grids()
    for grid in grids[:2]:
        if change == "drop_spacer":
            del grid.rows[3]
        extra = {"one_more": 1, "two_more": 2}.get(change, 0)
        grid.rows[1:1] = [[] for _ in range(extra)]
        grid.merges = [(header_row - 2, first, last) for _, first, last in grid.merges]
    path = write_grids(tmp_path / "moved.xls", grids, "xls")

    workbook = read_workbook(path)

    assert [sheet.header_row for sheet in workbook.sheets] == [header_row] * 2
    assert workbook.rows[0].row == header_row + 1
    assert workbook.rows[0].ope_id == "00100200"
    assert workbook.publication.run_date == FFEL_Q1.report.run_date


def test_the_content_wins_over_a_lying_file_name(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_grids(
        tmp_path / "DL_Dashboard_AY2012_2013_Q4.xls", ffel_grids(), "xls"
    )

    with caplog.at_level(logging.WARNING, logger="loanflow.workbooks.reader"):
        publication = read_workbook(path).publication

    assert (publication.program, publication.award_year, publication.quarter) == (
        "FFEL",
        "2009-2010",
        1,
    )
    warnings = [record.getMessage() for record in caplog.records]
    assert warnings == [
        "the file name suggests program DL but the workbook says FFEL, the workbook "
        "wins file=DL_Dashboard_AY2012_2013_Q4.xls",
        "the file name suggests award_year 2012-2013 but the workbook says "
        "2009-2010, the workbook wins file=DL_Dashboard_AY2012_2013_Q4.xls",
        "the file name suggests quarter 4 but the workbook says 1, the workbook "
        "wins file=DL_Dashboard_AY2012_2013_Q4.xls",
    ]


def without_titles(grids: list[SheetGrid]) -> list[SheetGrid]:
    """The grids with every title row emptied (labels and header kept)."""
    for grid in grids[:2]:
        header = next(i for i, row in enumerate(grid.rows) if row[:1] == ["OPE ID"])
        for index in range(header - 1):
            grid.rows[index] = []
    return grids


def modern_grids() -> list[SheetGrid]:
    return workbook_grids(MODERN.era, MODERN.report, example_lines_by_period(MODERN))


def test_the_file_name_fills_what_the_content_leaves_out(tmp_path: Path) -> None:
    path = write_grids(
        tmp_path / "dl-dashboard-ay2020-2021-q1.xlsx",
        without_titles(modern_grids()),
        "xlsx",
    )

    workbook = read_workbook(path)

    publication = workbook.publication
    assert (publication.program, publication.award_year, publication.quarter) == (
        "DL",
        "2020-2021",
        1,
    )
    assert publication.run_date is None
    assert [sheet.period for sheet in workbook.sheets] == ["quarter", "year_to_date"]


def test_no_award_year_anywhere_is_an_error(tmp_path: Path) -> None:
    path = write_grids(tmp_path / "report.xlsx", without_titles(modern_grids()), "xlsx")

    assert read_error(path) == (
        "report.xlsx: no award year: neither the titles nor the file name give "
        "one (e.g. '2009-2010 Award Year', 'AY2009_2010')"
    )


def test_no_quarter_for_quarterly_activity_is_an_error(tmp_path: Path) -> None:
    grids = without_titles(modern_grids())
    grids[0].rows[0] = ["2018-2019 Award Year Direct Loan Volume by School"]
    path = write_grids(tmp_path / "report.xlsx", grids, "xlsx")

    assert read_error(path) == (
        "report.xlsx: no quarter: the quarterly activity title gives no period "
        "and the file name no Q1-Q4"
    )


def test_a_summary_without_quarter_has_none(tmp_path: Path) -> None:
    summary = EXAMPLES[0]
    grids = workbook_grids(
        summary.era, summary.report, example_lines_by_period(summary)
    )
    grids[0].rows[1] = []  # not even "Cumulative Activity": the sheet is alone
    path = write_grids(tmp_path / "summary.xls", grids, "xls")

    workbook = read_workbook(path)

    assert workbook.publication.quarter is None
    assert workbook.publication.award_year == "2003-2004"
    assert [sheet.period for sheet in workbook.sheets] == ["year_to_date"]


def test_sheets_disagreeing_on_the_run_date_is_an_error(tmp_path: Path) -> None:
    grids = ffel_grids()
    grids[1].rows[2] = ["Data Run: 4/6/2012"]
    path = write_grids(tmp_path / "two-runs.xls", grids, "xls")

    assert read_error(path) == (
        "two-runs.xls: the sheets disagree on the run date: 'Quarterly Activity' "
        "says 2012-04-05, 'Award Year Summary' says 2012-04-06"
    )


def test_a_title_contradicting_the_labels_is_an_error(tmp_path: Path) -> None:
    grids = ffel_grids()
    for grid in grids[:2]:
        grid.rows[0] = ["2009-2010 Award Year Direct Loan Volume by School"]
    path = write_grids(tmp_path / "mixed.xls", grids, "xls")

    assert read_error(path) == (
        "mixed.xls: the program is contradictory: the title of 'Quarterly "
        "Activity' says DL but label 'FFEL SUBSIDIZED' of 'Quarterly Activity' "
        "says FFEL"
    )


def test_an_unknown_loan_type_label_names_sheet_row_and_column(
    tmp_path: Path,
) -> None:
    grids = ffel_grids()
    grids[1].rows[4][10] = "FFEL CONSOLIDATION"
    path = write_grids(tmp_path / "label.xlsx", grids, "xlsx")

    assert read_error(path) == (
        "label.xlsx, sheet 'Award Year Summary', row 5, column 'K': unknown "
        "loan-type label 'FFEL CONSOLIDATION' (known: SUBSIDIZED, SUBSIDIZED "
        "UNDERGRADUATE, SUBSIDIZED GRADUATE, UNSUBSIDIZED, UNSUBSIDIZED "
        "UNDERGRADUATE, UNSUBSIDIZED GRADUATE, PARENT PLUS, GRAD PLUS, GRADUATE "
        "PLUS, PLUS)"
    )


def test_a_wrong_metric_header_names_sheet_row_and_column(tmp_path: Path) -> None:
    grids = ffel_grids()
    grids[0].rows[5][13] = "# Disbursed"
    path = write_grids(tmp_path / "header.xls", grids, "xls")

    assert read_error(path) == (
        "header.xls, sheet 'Quarterly Activity', row 6, column 'N': expected the "
        "column header '# of Disbursements', found '# Disbursed'"
    )


def test_run_date_spellings(tmp_path: Path) -> None:
    report = ReportSpec(
        "FFEL", "2009-2010", 4, None, run_date_line="Run Date: 7/5/2010"
    )
    lines = example_lines_by_period(FFEL_Q1)
    path = write_grids(
        tmp_path / "run.xls", workbook_grids(DASHBOARD, report, lines), "xls"
    )

    publication = read_workbook(path).publication

    assert publication.run_date is not None
    assert publication.run_date.isoformat() == "2010-07-05"
    assert publication.quarter == 4


def test_modern_school_type_spellings(tmp_path: Path) -> None:
    lines = example_lines_by_period(MODERN)
    path = write_grids(
        tmp_path / "types.xlsx", workbook_grids(DL_MODERN, MODERN.report, lines), "xlsx"
    )

    types = {row.ope_id: row.school_type for row in read_workbook(path).rows}

    assert types == {
        "00100200": "public",
        "00100700": "private_nonprofit",
        "00671300": "foreign_public",
        "00300000": "proprietary",
    }


def test_no_program_anywhere_is_an_error(tmp_path: Path) -> None:
    grids = without_titles(modern_grids())
    for grid in grids[:2]:
        label_row = grid.rows[5]
        grid.rows[5] = [
            cell.removeprefix("DL ") if isinstance(cell, str) else cell
            for cell in label_row
        ]
    path = write_grids(tmp_path / "AY2018_2019_Q4.xlsx", grids, "xlsx")

    assert read_error(path) == (
        "AY2018_2019_Q4.xlsx: no program: neither the titles, the loan-type "
        "labels nor the file name say FFEL or DL"
    )


def test_two_sheets_of_the_same_period_is_an_error(tmp_path: Path) -> None:
    grids = ffel_grids()
    grids[1].rows[1] = grids[0].rows[1]
    path = write_grids(tmp_path / "twice.xls", grids, "xls")

    assert read_error(path) == (
        "twice.xls: sheets 'Quarterly Activity' and 'Award Year Summary' both "
        "hold quarterly activity"
    )


def test_a_sheet_of_unknown_period_among_two_is_an_error(tmp_path: Path) -> None:
    grids = ffel_grids()
    grids[1].name = "Sheet2"
    grids[1].rows[1] = []
    path = write_grids(tmp_path / "unknown.xls", grids, "xls")

    assert read_error(path) == (
        "unknown.xls, sheet 'Sheet2': cannot tell whether the sheet counts a "
        "quarter or the award year to date: no title says 'Quarterly Activity' "
        "or 'Cumulative Activity'"
    )
