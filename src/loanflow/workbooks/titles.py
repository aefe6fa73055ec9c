"""What a data sheet's title rows and a workbook's file name say.

The title rows above the header name the program and award year
(``2009-2010 Award Year FFEL Volume by School``), the period and the quarter
it ends (``Award Year Quarterly Activity  (07/01/2009-09/30/2009)``,
``Award Year Cumulative Activity through Quarter ending 06/30/2011``) and the
run date (``Data Run: 4/5/2012``, ``Run Date: 7/5/2010``,
``Data as of Jul 1, 2020``). The file name (``FL_Dashboard_AY2009_2010_Q1``,
``dl-dashboard-ay2020-2021-q1``) is only a hint for what the titles leave out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from loanflow.workbooks.values import Cell, cell_text, is_blank

# Quarter of the award year (July to June) that ends in a month.
QUARTER_BY_END_MONTH = {9: 1, 12: 2, 3: 3, 6: 4}

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_DATE = re.compile(
    r"(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4}|\d{2})(?!\d)"
    r"|(?P<name>[A-Za-z]{3,9})\.?\s+(?P<nd>\d{1,2}),?\s+(?P<ny>\d{4})"
    r"|(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})(?!\d)"
)
_AWARD_YEAR = re.compile(
    r"(?<!\d)(?P<first>(?:19|20)\d{2})\s*-\s*(?P<second>(?:19|20)?\d{2})(?!\d)"
    r"\s*Award\s+Year"
    r"|Award\s+Year\s*(?P<first2>(?:19|20)\d{2})\s*-\s*(?P<second2>(?:19|20)?\d{2})"
    r"(?!\d)",
    re.IGNORECASE,
)
_RUN_DATE = re.compile(
    r"^\s*(?:Data\s+Run(?:\s+Date)?|Run\s+Date|Data\s+as\s+of)\s*:?\s*(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_QUARTERLY = re.compile(r"\bQuarterly\s+Activity\b", re.IGNORECASE)
_CUMULATIVE = re.compile(
    r"\bCumulative\s+Activity\b|\bYear[\s-]+to[\s-]+Date\b", re.IGNORECASE
)
_QUARTER_WORD = re.compile(r"\bQuarter", re.IGNORECASE)
_FFEL = re.compile(r"\bFFEL\b", re.IGNORECASE)
_DIRECT_LOAN = re.compile(r"\bDirect\s+Loans?\b", re.IGNORECASE)

_NAME_PROGRAM = re.compile(r"^(?P<program>FL|FFEL|DL)(?=[_\-\s])", re.IGNORECASE)
_NAME_AWARD_YEAR = re.compile(
    r"AY[_\-\s]?(?P<first>(?:19|20)\d{2})[_\-\s](?P<second>(?:19|20)?\d{2})(?!\d)",
    re.IGNORECASE,
)
_NAME_QUARTER = re.compile(r"[_\-\s]Q(?P<quarter>[1-4])(?=[_\-\s.]|$)", re.IGNORECASE)


@dataclass(frozen=True)
class SheetTitles:
    """What the title rows of one data sheet say; None where they are silent.

    Attributes:
        program: ``FFEL`` or ``DL`` from the title (``FFEL Volume``,
            ``Direct Loan Volume``).
        award_year: ``2009-2010``, from the title or the period's end date.
        period: ``quarter`` or ``year_to_date``.
        period_end: the last day the sheet counts (from its period title).
        quarter: the quarter ending on ``period_end``, when the title speaks
            of a quarter; None for an award-year summary.
        run_date: the date the data were run.
        problems: what in the titles contradicts itself, for the caller to
            report.
    """

    program: str | None = None
    award_year: str | None = None
    period: str | None = None
    period_end: date | None = None
    quarter: int | None = None
    run_date: date | None = None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class NameHints:
    """What a workbook's file name suggests; None where it says nothing."""

    program: str | None = None
    award_year: str | None = None
    quarter: int | None = None


def title_lines(rows: Sequence[Sequence[Cell]]) -> list[str]:
    """The text of each non-empty title row, its cells joined by spaces."""
    lines = []
    for row in rows:
        texts = [_cell_title_text(cell) for cell in row if not is_blank(cell)]
        if texts:
            lines.append(" ".join(" ".join(text.split()) for text in texts))
    return lines


def read_titles(lines: Sequence[str]) -> SheetTitles:
    """What a sheet's title lines say about its report and period.

    Args:
        lines: the title rows' text, as ``title_lines`` gives it.
    """
    program = award_year = period = None
    period_end = run_date = None
    speaks_of_quarter = False
    problems: list[str] = []

    for line in lines:
        run_date_match = _RUN_DATE.match(line)
        if run_date_match:
            run_date = _first_date(run_date_match["rest"])
            if run_date is None:
                problems.append(f"no date in the run-date line {line!r}")
            continue
        program = program or _program_in(line)
        award_year = award_year or _award_year_in(line, problems)
        line_period = _period_in(line)
        if line_period is not None and period is None:
            period = line_period
            period_end = _last_date(line)
            speaks_of_quarter = bool(_QUARTER_WORD.search(line))

    quarter = None
    if period_end is not None:
        award_year = _award_year_of_period(award_year, period_end, problems)
        if speaks_of_quarter:
            quarter = _quarter_ending(period_end, problems)
    return SheetTitles(
        program=program,
        award_year=award_year,
        period=period,
        period_end=period_end,
        quarter=quarter,
        run_date=run_date,
        problems=tuple(problems),
    )


def read_name_hints(file_name: str) -> NameHints:
    """What a file name suggests: program, award year and quarter.

    ``FL_Dashboard_AY2009_2010_Q1.xls`` suggests FFEL, 2009-2010, quarter 1;
    ``DL_AwardYr_Summary_AY2003_2004_All.xls`` suggests DL, 2003-2004 and no
    quarter.
    """
    program_match = _NAME_PROGRAM.match(file_name)
    program = None
    if program_match:
        program = "DL" if program_match["program"].upper() == "DL" else "FFEL"
    year_match = _NAME_AWARD_YEAR.search(file_name)
    award_year = None
    if year_match:
        award_year = _award_year(year_match["first"], year_match["second"])
    quarter_match = _NAME_QUARTER.search(file_name)
    quarter = int(quarter_match["quarter"]) if quarter_match else None
    return NameHints(program=program, award_year=award_year, quarter=quarter)


def _cell_title_text(cell: Cell) -> str:
    # A run date stored as an Excel date beside its label reads as m/d/yyyy.
    if isinstance(cell, datetime | date):
        return f"{cell.month}/{cell.day}/{cell.year}"
    return cell_text(cell)


def _program_in(line: str) -> str | None:
    if _FFEL.search(line):
        return "FFEL"
    if _DIRECT_LOAN.search(line):
        return "DL"
    return None


def _award_year_in(line: str, problems: list[str]) -> str | None:
    match = _AWARD_YEAR.search(line)
    if match is None:
        return None
    first = match["first"] or match["first2"]
    second = match["second"] or match["second2"]
    award_year = _award_year(first, second)
    if award_year is None:
        problems.append(f"{first}-{second} in {line!r} is not an award year")
    return award_year


def _award_year(first: str, second: str) -> str | None:
    """``2009-2010`` from ``2009`` and ``2010`` or ``10``; None if not consecutive."""
    start = int(first)
    if len(second) == 2:
        consecutive = int(second) == (start + 1) % 100
    else:
        consecutive = int(second) == start + 1
    return f"{start}-{start + 1}" if consecutive else None


def _award_year_of_period(
    award_year: str | None, period_end: date, problems: list[str]
) -> str:
    """The award year the period falls in, which the title's must equal."""
    end_year = _award_year_ending(period_end)
    if award_year is not None and award_year != end_year:
        problems.append(
            f"the period ends {period_end.isoformat()}, outside award year {award_year}"
        )
        return award_year
    return end_year


def _quarter_ending(period_end: date, problems: list[str]) -> int | None:
    quarter = QUARTER_BY_END_MONTH.get(period_end.month)
    if quarter is None:
        problems.append(
            f"the period ends {period_end.isoformat()}, not at the end of a quarter"
        )
    return quarter


def _period_in(line: str) -> str | None:
    if _QUARTERLY.search(line):
        return "quarter"
    if _CUMULATIVE.search(line):
        return "year_to_date"
    return None


def _award_year_ending(day: date) -> str:
    start = day.year if day.month >= 7 else day.year - 1
    return f"{start}-{start + 1}"


def _dates(text: str) -> list[date]:
    found = []
    for match in _DATE.finditer(text):
        try:
            if match["m"]:
                year = int(match["y"])
                year += 2000 if year < 100 else 0
                found.append(date(year, int(match["m"]), int(match["d"])))
            elif match["name"]:
                month = _MONTHS.get(match["name"].lower())
                if month is not None:
                    found.append(date(int(match["ny"]), month, int(match["nd"])))
            else:
                found.append(date(int(match["iy"]), int(match["im"]), int(match["id"])))
        except ValueError:
            continue  # 13/45/2020 is no date
    return found


def _first_date(text: str) -> date | None:
    found = _dates(text)
    return found[0] if found else None


def _last_date(text: str) -> date | None:
    found = _dates(text)
    return found[-1] if found else None
