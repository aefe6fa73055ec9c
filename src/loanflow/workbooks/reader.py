"""Reading one loan volume workbook, FFEL or Direct Loans, into the model.

``read_workbook`` takes any Title IV loan volume report from AY1999-2000 to
today, ``.xls`` or ``.xlsx`` whatever its name, and returns its publication
(program, award year, quarter, run date, file digest), one ``SchoolRow`` per
school line of each data sheet, and one ``RowProblem`` per line that failed
validation. Everything about the report comes from the workbook's content;
the file name is used only where the content is silent.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from python_calamine import CalamineWorkbook

from loanflow.errors import Location, WorkbookError
from loanflow.workbooks.formats import open_workbook, read_sheet_cells
from loanflow.workbooks.header import (
    SheetHeader,
    find_header_row,
    header_key,
    read_header,
)
from loanflow.workbooks.model import (
    Publication,
    RowProblem,
    SheetSummary,
    Workbook,
)
from loanflow.workbooks.rows import is_school_row, read_school_row
from loanflow.workbooks.titles import (
    NameHints,
    SheetTitles,
    read_name_hints,
    read_titles,
    title_lines,
)
from loanflow.workbooks.values import Cell

logger = logging.getLogger(__name__)

T = TypeVar("T")

_PERIOD_WORDS = {"quarter": "quarterly activity", "year_to_date": "cumulative activity"}


@dataclass
class _DataSheet:
    """A sheet with an ``OPE ID`` header, while the workbook is being read."""

    name: str
    cells: list[list[Cell]]
    header: SheetHeader
    titles: SheetTitles
    period: str = field(default="")


def read_workbook(path: Path, *, display_name: str | None = None) -> Workbook:
    """Read a loan volume workbook whole.

    Args:
        path: the workbook; its bytes decide whether it is ``.xls`` or ``.xlsx``.
        display_name: the name to report and store as ``source_file``; the
            file's own name by default (useful when reading a renamed copy).

    Returns:
        The publication, a summary per data sheet, the school rows of every
        data sheet in sheet order, and the rows that failed validation.

    Raises:
        WorkbookError: the file cannot be read or opened, is not an Excel
            workbook, has no sheet with an ``OPE ID`` header, has a header
            that is not the expected one, contradicts itself about its report,
            or neither its content nor its file name gives the program, award
            year or (for a workbook with quarterly activity) quarter.
    """
    source_file = display_name or path.name
    location = Location(source_file)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise WorkbookError(
            location, f"cannot be read: {error.strerror or error}"
        ) from error

    calamine = open_workbook(data, location)
    sheets = _data_sheets(calamine, location)
    _assign_periods(sheets, location)
    publication = _publication(
        sheets,
        read_name_hints(source_file),
        location,
        source_file=source_file,
        source_sha256=hashlib.sha256(data).hexdigest(),
    )

    workbook = Workbook(publication=publication)
    for sheet in sheets:
        summary = _read_sheet_rows(sheet, workbook, location)
        workbook.sheets.append(summary)
    if not workbook.rows and not workbook.problems:
        raise WorkbookError(location, "has no school rows below its 'OPE ID' header")
    logger.debug(
        "read workbook file=%s program=%s award_year=%s quarter=%s run_date=%s "
        "school_rows=%d rejected_rows=%d",
        source_file,
        publication.program,
        publication.award_year,
        publication.quarter,
        publication.run_date,
        len(workbook.rows),
        len(workbook.problems),
    )
    return workbook


def _data_sheets(calamine: CalamineWorkbook, location: Location) -> list[_DataSheet]:
    """The sheets with an ``OPE ID`` header; prose sheets are passed over."""
    sheets = []
    for name in calamine.sheet_names:
        cells = read_sheet_cells(calamine, name, location)
        header_row = find_header_row(cells)
        if header_row is None:
            logger.debug("no OPE ID header, not data file=%s sheet=%s", location, name)
            continue
        sheet_location = Location(location.file, name)
        header = read_header(cells, header_row, sheet_location)
        titles = read_titles(title_lines(cells[: max(header_row - 1, 0)]))
        if titles.problems:
            raise WorkbookError(sheet_location, "; ".join(titles.problems))
        sheets.append(_DataSheet(name, cells, header, titles))
    if not sheets:
        names = ", ".join(repr(name) for name in calamine.sheet_names)
        raise WorkbookError(
            location, f"no sheet has an 'OPE ID' header row (sheets: {names})"
        )
    return sheets


def _assign_periods(sheets: list[_DataSheet], location: Location) -> None:
    """Decide each sheet's period: its title, else its name, else its being alone.

    An award-year summary without quarters has a single sheet and may say
    nothing more than that; it counts the award year to date.
    """
    for sheet in sheets:
        by_title = sheet.titles.period
        by_name = _period_named(sheet.name)
        if by_title and by_name and by_title != by_name:
            logger.warning(
                "sheet name and title disagree, the title wins file=%s sheet=%s "
                "title_period=%s",
                location.file,
                sheet.name,
                by_title,
            )
        period = by_title or by_name or ("year_to_date" if len(sheets) == 1 else None)
        if period is None:
            raise WorkbookError(
                Location(location.file, sheet.name),
                "cannot tell whether the sheet counts a quarter or the award year "
                "to date: no title says 'Quarterly Activity' or "
                "'Cumulative Activity'",
            )
        sheet.period = period

    seen: dict[str, str] = {}
    for sheet in sheets:
        if sheet.period in seen:
            raise WorkbookError(
                location,
                f"sheets {seen[sheet.period]!r} and {sheet.name!r} both hold "
                f"{_PERIOD_WORDS[sheet.period]}",
            )
        seen[sheet.period] = sheet.name


def _period_named(sheet_name: str) -> str | None:
    key = header_key(sheet_name)
    if "QUARTERLY" in key:
        return "quarter"
    if "SUMMARY" in key or "YEAR TO DATE" in key or re.match(r"AY ?\d{4}", key):
        return "year_to_date"
    return None


def _publication(
    sheets: Sequence[_DataSheet],
    hints: NameHints,
    location: Location,
    *,
    source_file: str,
    source_sha256: str,
) -> Publication:
    """The publication as the content says it, the file name filling gaps."""
    program = _hinted(
        "program", _content_program(sheets, location), hints.program, location
    )
    award_year = _hinted(
        "award_year",
        _sheets_agree(sheets, "award_year", location),
        hints.award_year,
        location,
    )
    quarter = _hinted(
        "quarter", _sheets_agree(sheets, "quarter", location), hints.quarter, location
    )
    run_date = _sheets_agree(sheets, "run_date", location)

    if program is None:
        raise WorkbookError(
            location,
            "no program: neither the titles, the loan-type labels nor the file "
            "name say FFEL or DL",
        )
    if award_year is None:
        raise WorkbookError(
            location,
            "no award year: neither the titles nor the file name give one "
            "(e.g. '2009-2010 Award Year', 'AY2009_2010')",
        )
    if quarter is None and any(sheet.period == "quarter" for sheet in sheets):
        raise WorkbookError(
            location,
            "no quarter: the quarterly activity title gives no period and the "
            "file name no Q1-Q4",
        )
    return Publication(
        program=program,
        award_year=award_year,
        quarter=quarter,
        run_date=run_date,
        source_file=source_file,
        source_sha256=source_sha256,
    )


def _content_program(sheets: Sequence[_DataSheet], location: Location) -> str | None:
    """The program the titles and loan-type labels name, if they agree."""
    sayings = [
        (f"the title of {sheet.name!r}", sheet.titles.program) for sheet in sheets
    ] + [
        (f"label {block.label!r} of {sheet.name!r}", block.program)
        for sheet in sheets
        for block in sheet.header.blocks
    ]
    first_saying: dict[str, str] = {}
    for where, program in sayings:
        if program is not None:
            first_saying.setdefault(program, where)
    if len(first_saying) > 1:
        shown = " but ".join(
            f"{where} says {program}" for program, where in first_saying.items()
        )
        raise WorkbookError(location, f"the program is contradictory: {shown}")
    return next(iter(first_saying), None)


def _sheets_agree(sheets: Sequence[_DataSheet], name: str, location: Location) -> Any:
    """One field of the sheets' titles, which must agree where they speak."""
    values = {getattr(sheet.titles, name) for sheet in sheets} - {None}
    if len(values) > 1:
        shown = ", ".join(
            f"{sheet.name!r} says {getattr(sheet.titles, name)}" for sheet in sheets
        )
        raise WorkbookError(
            location, f"the sheets disagree on the {name.replace('_', ' ')}: {shown}"
        )
    return values.pop() if values else None


def _hinted(
    what: str, content: T | None, hint: T | None, location: Location
) -> T | None:
    """The content's value; the file name's only when the content is silent."""
    if content is None:
        if hint is not None:
            logger.info(
                "%s taken from the file name file=%s %s=%s", what, location, what, hint
            )
        return hint
    if hint is not None and hint != content:
        logger.warning(
            "the file name suggests %s %s but the workbook says %s, the workbook "
            "wins file=%s",
            what,
            hint,
            content,
            location,
        )
    return content


def _read_sheet_rows(
    sheet: _DataSheet, workbook: Workbook, location: Location
) -> SheetSummary:
    """Read a data sheet's school lines into the workbook; summarise the sheet."""
    header = sheet.header
    school_rows = rejected_rows = skipped_rows = 0
    for index in range(header.row + 1, len(sheet.cells)):
        cells = sheet.cells[index]
        if not is_school_row(cells, header.width):
            skipped_rows += 1
            continue
        read = read_school_row(cells, index + 1, sheet.name, sheet.period, header)
        if isinstance(read, RowProblem):
            workbook.problems.append(read)
            rejected_rows += 1
            # The producer reports the row to the user; this is for debugging.
            logger.debug(
                "row rejected file=%s sheet=%s row=%d problems=%s",
                location.file,
                sheet.name,
                read.row,
                "; ".join(f"{column}: {reason}" for column, reason in read.problems),
            )
        else:
            workbook.rows.append(read)
            school_rows += 1

    logger.debug(
        "read sheet file=%s sheet=%s period=%s header_row=%d school_rows=%d "
        "rejected_rows=%d skipped_rows=%d",
        location.file,
        sheet.name,
        sheet.period,
        header.row + 1,
        school_rows,
        rejected_rows,
        skipped_rows,
    )
    return SheetSummary(
        sheet=sheet.name,
        period=sheet.period,
        header_row=header.row + 1,
        loan_types=tuple(block.loan_type for block in header.blocks),
        school_rows=school_rows,
        rejected_rows=rejected_rows,
    )
