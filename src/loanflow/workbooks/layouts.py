"""The layouts FSA has published loan volume workbooks in, era by era.

One description serves whoever must write a workbook the way FSA does: the
sample writer (``loanflow sample``) and the tests' workbook builders. An
``Era`` says which sheets, title rows, loan-type labels, school-type spellings
and zero convention a workbook of that time has; ``workbook_grids`` lays a
report out as sheets of cells; ``write_xlsx`` writes them with xlsxwriter.

Eras (award years by their start year):

- ``DL_SUMMARY``: DL 1999 to 2004, one summary sheet; DL SUBSIDIZED,
  DL UNSUBSIDIZED, DL PLUS.
- ``DL_SUMMARY_GRAD_PLUS``: DL 2005, one summary sheet; adds DL GRAD PLUS.
- ``DASHBOARD``: FFEL and DL 2006 to 2009, both sheets; SUBSIDIZED,
  UNSUBSIDIZED, PARENT PLUS, GRAD PLUS.
- ``DL_SPLIT``: DL 2010 and 2011; undergraduate and graduate splits of
  SUBSIDIZED and UNSUBSIDIZED, six blocks.
- ``DL_FIVE``: DL 2012 to 2016; SUBSIDIZED, the UNSUBSIDIZED splits and the
  two PLUS, five blocks.
- ``DL_MODERN``: DL 2017 on; as ``DL_FIVE`` with ``Data as of``, a data-source
  line, dashes for zero, mixed-case school types and the header on row 7.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import xlsxwriter

from loanflow.workbooks.header import IDENTITY_HEADERS, METRIC_HEADERS

PublishedCell = str | int | float | None
TitleStyle = Literal["summary", "dashboard", "modern"]

QUARTERLY_SHEET = "Quarterly Activity"
SUMMARY_SHEET = "Award Year Summary"
_CREATED = datetime(2000, 1, 1)
_QUARTERLY = "Award Year Quarterly Activity"
_CUMULATIVE = "Award Year Cumulative Activity through Quarter ending"
_PROGRAM_TITLES = {"FFEL": "FFEL", "DL": "Direct Loan"}
_UPPER_SCHOOL_TYPES = {
    "public": "PUBLIC",
    "private_nonprofit": "PRIVATE",
    "proprietary": "PROPRIETARY",
    "foreign_public": "FOREIGN PUBLIC",
    "foreign_private": "FOREIGN PRIVATE",
    "foreign_for_profit": "FOREIGN FOR-PROFIT",
    "other": "OTHER",
}
_TITLE_SCHOOL_TYPES = {
    "public": "Public",
    "private_nonprofit": "Private-Nonprofit",
    "proprietary": "Proprietary",
    "foreign_public": "Foreign-Public",
    "foreign_private": "Foreign-Private",
    "foreign_for_profit": "Foreign-For-Profit",
    "other": "Other",
}
_DEFINITIONS = (
    ("OPE ID", "The school's 8-digit identifier: 6-digit root, 2-digit location."),
    ("School", "The school's name."),
    ("State", "The state of the school's main campus; FC for foreign schools."),
    ("Zip Code", "The zip code of the main campus."),
    ("School Type", "Who controls or owns the school."),
    ("Recipients", "Borrowers of the loan type; not to be added across types."),
    ("# of Loans Originated", "Loans made for the loan type in the period."),
    ("$ of Loans Originated", "Dollars of the loans made in the period."),
    ("# of Disbursements", "Payments made for the loan type in the period."),
    ("$ of Disbursements", "Dollars paid out in the period."),
)


@dataclass(frozen=True)
class Era:
    """How the workbooks of a span of award years are laid out.

    Attributes:
        name: a short name for messages and test ids.
        programs: the programs published in this layout.
        first_award_year: the first award year's start year.
        last_award_year: the last award year's start year; None while current.
        labels: the loan-type labels as printed; ``{program}`` is ``FFEL`` or
            ``DL``.
        loan_types: what the reader makes of ``labels``, in the same order.
        quarterly: whether there is a ``Quarterly Activity`` sheet.
        title_style: which title rows the data sheets have.
        definitions_sheet: the name of the prose sheet.
        upper_case_school_types: ``PRIVATE`` rather than ``Private-Nonprofit``.
        dashes: whether zero is printed as ``-``.
    """

    name: str
    programs: tuple[str, ...]
    first_award_year: int
    last_award_year: int | None
    labels: tuple[str, ...]
    loan_types: tuple[str, ...]
    quarterly: bool
    title_style: TitleStyle
    definitions_sheet: str = "Field Definitions"
    upper_case_school_types: bool = True
    dashes: bool = False


@dataclass(frozen=True)
class ReportSpec:
    """The report a generated workbook publishes.

    Attributes:
        program: ``FFEL`` or ``DL``.
        award_year: ``2009-2010``.
        quarter: 1-4, None for an award-year summary.
        run_date: printed in the era's spelling; None prints no run date.
        run_date_line: the run-date line exactly as printed, overriding the
            era's spelling (``Run Date: 7/5/2010``).
    """

    program: str
    award_year: str
    quarter: int | None
    run_date: date | None
    run_date_line: str | None = None


@dataclass(frozen=True)
class SchoolLine:
    """One school's line, in model values or in raw published cells.

    ``school_type`` is printed in the era's spelling when it is one of
    ``SCHOOL_TYPES`` and as given otherwise. In ``volumes`` (five values per
    block) an int is printed the era's way (a dash for 0 from 2017-18), None
    is a blank cell and anything else is printed as given.
    """

    ope_id: PublishedCell
    school_name: PublishedCell
    state: PublishedCell
    zip_code: PublishedCell
    school_type: PublishedCell
    volumes: tuple[tuple[PublishedCell, ...], ...]


@dataclass
class SheetGrid:
    """A sheet as rows of cells from A1, with merged label cells.

    Attributes:
        name: the sheet's name.
        rows: the cells, one list per row; None is an empty cell.
        merges: ``(row, first column, last column)``, 0-based, of merged cells
            whose value is the row's cell at the first column.
    """

    name: str
    rows: list[list[PublishedCell]]
    merges: list[tuple[int, int, int]] = field(default_factory=list)


DL_SUMMARY = Era(
    name="dl-summary",
    programs=("DL",),
    first_award_year=1999,
    last_award_year=2004,
    labels=("{program} SUBSIDIZED", "{program} UNSUBSIDIZED", "{program} PLUS"),
    loan_types=("subsidized", "unsubsidized", "plus"),
    quarterly=False,
    title_style="summary",
)
DL_SUMMARY_GRAD_PLUS = Era(
    name="dl-summary-grad-plus",
    programs=("DL",),
    first_award_year=2005,
    last_award_year=2005,
    labels=(*DL_SUMMARY.labels, "{program} GRAD PLUS"),
    loan_types=(*DL_SUMMARY.loan_types, "grad_plus"),
    quarterly=False,
    title_style="summary",
)
DASHBOARD = Era(
    name="dashboard",
    programs=("FFEL", "DL"),
    first_award_year=2006,
    last_award_year=2009,
    labels=(
        "{program} SUBSIDIZED",
        "{program} UNSUBSIDIZED",
        "{program} PARENT PLUS",
        "{program} GRAD PLUS",
    ),
    loan_types=("subsidized", "unsubsidized", "parent_plus", "grad_plus"),
    quarterly=True,
    title_style="dashboard",
)
DL_SPLIT = Era(
    name="dl-split",
    programs=("DL",),
    first_award_year=2010,
    last_award_year=2011,
    labels=(
        "{program} SUBSIDIZED- UNDERGRADUATE",
        "{program} SUBSIDIZED- GRADUATE",
        "{program} UNSUBSIDIZED- UNDERGRADUATE",
        "{program} UNSUBSIDIZED- GRADUATE",
        "{program} PARENT PLUS",
        "{program} GRAD PLUS",
    ),
    loan_types=(
        "subsidized_undergraduate",
        "subsidized_graduate",
        "unsubsidized_undergraduate",
        "unsubsidized_graduate",
        "parent_plus",
        "grad_plus",
    ),
    quarterly=True,
    title_style="dashboard",
)
# From July 2012 graduate students lost subsidized loans: one SUBSIDIZED block.
DL_FIVE = Era(
    name="dl-five",
    programs=("DL",),
    first_award_year=2012,
    last_award_year=2016,
    labels=("{program} SUBSIDIZED", *DL_SPLIT.labels[2:]),
    loan_types=("subsidized", *DL_SPLIT.loan_types[2:]),
    quarterly=True,
    title_style="dashboard",
)
DL_MODERN = Era(
    name="dl-modern",
    programs=("DL",),
    first_award_year=2017,
    last_award_year=None,
    labels=tuple(label.replace("- ", " - ") for label in DL_FIVE.labels),
    loan_types=DL_FIVE.loan_types,
    quarterly=True,
    title_style="modern",
    definitions_sheet="Definitions",
    upper_case_school_types=False,
    dashes=True,
)
ERAS: tuple[Era, ...] = (
    DL_SUMMARY,
    DL_SUMMARY_GRAD_PLUS,
    DASHBOARD,
    DL_SPLIT,
    DL_FIVE,
    DL_MODERN,
)


def quarter_dates(award_year: str, quarter: int) -> tuple[date, date]:
    """First and last day of a quarter of an award year (July to June)."""
    start_year = int(award_year[:4])
    first_month = 7 + 3 * (quarter - 1)
    year = start_year + (first_month - 1) // 12
    month = (first_month - 1) % 12 + 1
    last_month = month + 2
    last_day = 31 if last_month in (3, 12) else 30
    return date(year, month, 1), date(year, last_month, last_day)


def workbook_grids(
    era: Era,
    report: ReportSpec,
    lines_by_period: Mapping[str, Sequence[SchoolLine]],
) -> list[SheetGrid]:
    """A report's sheets as FSA lays them out in an era.

    Args:
        era: the layout.
        report: the report the titles name.
        lines_by_period: the school lines of each period (``quarter``,
            ``year_to_date``); an era without quarters uses only the latter.
    """
    periods = ("quarter", "year_to_date") if era.quarterly else ("year_to_date",)
    grids = [
        data_sheet_grid(era, report, period, lines_by_period[period])
        for period in periods
    ]
    grids.append(definitions_grid(era))
    return grids


def data_sheet_grid(
    era: Era, report: ReportSpec, period: str, lines: Sequence[SchoolLine]
) -> SheetGrid:
    """One data sheet: title rows, label row, header row and school lines."""
    if era.quarterly:
        name = QUARTERLY_SHEET if period == "quarter" else SUMMARY_SHEET
    else:
        name = f"AY{report.award_year}"
    rows: list[list[PublishedCell]] = [
        [line] for line in _title_lines(era, report, period)
    ]

    labels = [label.format(program=report.program) for label in era.labels]
    label_row: list[PublishedCell] = [" " if era.title_style == "modern" else None]
    label_row += [None] * (len(IDENTITY_HEADERS) - 1)
    merges = []
    for label in labels:
        first = len(label_row)
        merges.append((len(rows), first, first + len(METRIC_HEADERS) - 1))
        label_row += [label] + [None] * (len(METRIC_HEADERS) - 1)
    rows.append(label_row)
    rows.append([*IDENTITY_HEADERS, *(METRIC_HEADERS * len(labels))])

    for line in lines:
        rows.append(_published_line(era, line))
    return SheetGrid(name=name, rows=rows, merges=merges)


def definitions_grid(era: Era) -> SheetGrid:
    """The prose sheet: not data, though it mentions ``OPE ID``."""
    rows: list[list[PublishedCell]] = [
        ["This tab explains the columns of the Loan Volume Reports."],
        [],
        ["Field Name", "Definition"],
    ]
    rows += [[name, text] for name, text in _DEFINITIONS]
    return SheetGrid(name=era.definitions_sheet, rows=rows)


def grid_cells(grid: SheetGrid) -> Iterator[tuple[int, int, str | int | float]]:
    """``(row, column, value)`` of every cell to write, merged ranges aside."""
    merged = {(row, column) for row, column, _ in grid.merges}
    for row, cells in enumerate(grid.rows):
        for column, cell in enumerate(cells):
            if cell is not None and (row, column) not in merged:
                yield row, column, cell


def write_xlsx(path: Path, grids: Sequence[SheetGrid]) -> Path:
    """Write sheets to an ``.xlsx`` workbook; text stays text, numbers numbers.

    The workbook's creation time is fixed, so the same grids always give the
    same bytes and therefore the same publication digest.
    """
    with xlsxwriter.Workbook(str(path), {"in_memory": True}) as book:
        book.set_properties({"created": _CREATED})
        for grid in grids:
            sheet = book.add_worksheet(grid.name)
            for row, first, last in grid.merges:
                sheet.merge_range(row, first, row, last, grid.rows[row][first])
            for row, column, cell in grid_cells(grid):
                if isinstance(cell, str):
                    sheet.write_string(row, column, cell)
                else:
                    sheet.write_number(row, column, cell)
    return path


def _title_lines(era: Era, report: ReportSpec, period: str) -> list[PublishedCell]:
    """The rows above the label row, one cell each (None: an empty row)."""
    title = (
        f"{report.award_year} Award Year {_PROGRAM_TITLES[report.program]} "
        "Volume by School"
    )
    run_line = report.run_date_line or _run_date_line(era, report.run_date)
    if era.title_style == "summary":
        return [title, "Award Year Cumulative Activity", run_line, None]

    if report.quarter is None:
        raise ValueError(f"era {era.name} has quarters: the report needs one")
    first, last = quarter_dates(report.award_year, report.quarter)
    if era.title_style == "modern":
        if period == "quarter":
            activity = f"{_QUARTERLY} ({_short(first)} - {_short(last)})"
        else:
            activity = f"{_CUMULATIVE} ({_short(last)})"
        source = "Data Source: Common Origination and Disbursement (COD) System"
        return [title, None, activity, source, run_line]

    if period == "quarter":
        activity = f"{_QUARTERLY}  ({first:%m/%d/%Y}-{last:%m/%d/%Y})"
    else:
        activity = f"{_CUMULATIVE} {last:%m/%d/%Y}\n\n"
    if run_line is None:
        return [title, activity, None]
    return [title, activity, run_line, " "]


def _run_date_line(era: Era, run_date: date | None) -> str | None:
    if run_date is None:
        return None
    if era.title_style == "modern":
        return f"Data as of {run_date:%b} {run_date.day}, {run_date.year}"
    return f"Data Run: {_short(run_date)}"


def _short(day: date) -> str:
    return f"{day.month}/{day.day}/{day.year}"


def _published_line(era: Era, line: SchoolLine) -> list[PublishedCell]:
    spellings = (
        _UPPER_SCHOOL_TYPES if era.upper_case_school_types else _TITLE_SCHOOL_TYPES
    )
    school_type = line.school_type
    if isinstance(school_type, str) and school_type in spellings:
        school_type = spellings[school_type]
    cells = [line.ope_id, line.school_name, line.state, line.zip_code, school_type]
    for block in line.volumes:
        for offset, value in enumerate(block):
            if era.dashes and value == 0 and isinstance(value, int):
                # FSA pads the dash in dollar columns: " -".
                value = " -" if METRIC_HEADERS[offset].startswith("$") else "-"
            cells.append(value)
    return cells
