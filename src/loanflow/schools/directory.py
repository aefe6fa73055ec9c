"""Reading the Federal School Code List, the directory of schools, into rows.

FSA publishes the list as a workbook of one sheet: a header row
(``SchoolCode``, ``SchoolName``, ``Address``, ``City``, ``StateCode``,
``ZipCode``, ``Province``, ``Country``, ``PostalCode``) and one row per school
code. The 2016-17 list is an ``.xlsx`` workbook under an ``.xls`` name, so the
bytes decide the format. Codes, zip codes and every other text (a phone
number, should a list carry one) are kept exactly as written; a row that
cannot be a directory entry is kept aside with every problem it has.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from loanflow.errors import Location, WorkbookError
from loanflow.workbooks.formats import open_workbook, read_sheet_cells
from loanflow.workbooks.model import RowProblem
from loanflow.workbooks.values import (
    Cell,
    CellProblem,
    cell_text,
    is_blank,
    normalize_zip_code,
)

logger = logging.getLogger(__name__)

# A school code: the series letter (0, G, E or B), then five ASCII digits.
SCHOOL_CODE = re.compile(r"[0GEB][0-9]{5}")
# The header is the first row naming SchoolCode within this many rows.
HEADER_SEARCH_ROWS = 20

# Header keys (lower case, letters and digits only) and the field they fill.
_FIELDS = {
    "schoolcode": "school_code",
    "schoolname": "school_name",
    "address": "address",
    "city": "city",
    "statecode": "state",
    "state": "state",
    "zipcode": "zip_code",
    "zip": "zip_code",
    "province": "province",
    "country": "country",
    "postalcode": "postal_code",
}
# The fields a row needs, with the header FSA gives them.
_REQUIRED = {"school_code": "SchoolCode", "school_name": "SchoolName"}


@dataclass(frozen=True)
class DirectorySchool:
    """One row of the list: a school code and where the school is.

    Attributes:
        school_code: six characters, the series letter first (``001002``,
            ``G01169``, ``E01002``, ``B04724``).
        school_name: as written.
        address, city, state, zip_code, province, country, postal_code: as
            written; None where the cell is blank (``country`` is blank for
            schools in the United States).
        other_columns: ``(header, text)`` of any further non-blank column.
        sheet: the sheet's name.
        row: 1-based row number, as Excel shows it.
    """

    school_code: str
    school_name: str
    address: str | None
    city: str | None
    state: str | None
    zip_code: str | None
    province: str | None
    country: str | None
    postal_code: str | None
    other_columns: tuple[tuple[str, str], ...]
    sheet: str
    row: int


@dataclass
class SchoolCodeList:
    """A Federal School Code List read whole.

    Attributes:
        source_file: the file's name.
        source_sha256: hex SHA-256 of its bytes; identifies the list.
        sheets: the sheets that held directory rows.
        schools: one entry per accepted row, in sheet order.
        problems: the rows kept aside, each with every problem it has.
        blank_rows: rows below the header with no value at all (not entries).
    """

    source_file: str
    source_sha256: str
    sheets: list[str] = field(default_factory=list)
    schools: list[DirectorySchool] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    blank_rows: int = 0


def read_school_code_list(path: Path) -> SchoolCodeList:
    """Read a Federal School Code List, ``.xls`` or ``.xlsx`` whatever its name.

    Args:
        path: the workbook.

    Returns:
        Its accepted rows, the rows kept aside, and the file's digest.

    Raises:
        WorkbookError: the file cannot be read, is not a workbook, has no
            sheet with a ``SchoolCode`` header, lacks the ``SchoolName``
            column, or has no directory row at all.
    """
    location = Location(path.name)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise WorkbookError(
            location, f"cannot be read: {error.strerror or error}"
        ) from error
    workbook = open_workbook(data, location)
    code_list = SchoolCodeList(path.name, hashlib.sha256(data).hexdigest())

    first_row_of: dict[str, tuple[str, int]] = {}
    for sheet in workbook.sheet_names:
        sheet_location = Location(path.name, sheet)
        cells = read_sheet_cells(workbook, sheet, sheet_location)
        header_index = _find_header(cells)
        if header_index is None:
            logger.debug("no SchoolCode header file=%s sheet=%s", path.name, sheet)
            continue
        columns = _columns(cells[header_index], sheet_location, header_index + 1)
        code_list.sheets.append(sheet)
        for index in range(header_index + 1, len(cells)):
            _read_row(cells[index], columns, sheet, index + 1, code_list, first_row_of)

    if not code_list.sheets:
        raise WorkbookError(
            location,
            f"no sheet has a 'SchoolCode' header in its first {HEADER_SEARCH_ROWS} "
            f"rows: is it the Federal School Code List?",
        )
    if not code_list.schools and not code_list.problems:
        raise WorkbookError(
            location, "has no school rows below its 'SchoolCode' header"
        )
    logger.info(
        "read school code list file=%s sheets=%s schools=%d rejected_rows=%d "
        "blank_rows=%d",
        path.name,
        ",".join(code_list.sheets),
        len(code_list.schools),
        len(code_list.problems),
        code_list.blank_rows,
    )
    return code_list


def _header_key(cell: Cell) -> str:
    return re.sub(r"[^a-z0-9]", "", cell_text(cell).lower())


def _find_header(cells: list[list[Cell]]) -> int | None:
    for index, row in enumerate(cells[:HEADER_SEARCH_ROWS]):
        if any(_header_key(cell) == "schoolcode" for cell in row):
            return index
    return None


@dataclass(frozen=True)
class _Column:
    index: int
    header: str
    field: str | None  # None: a further column, kept in other_columns


def _columns(header: list[Cell], location: Location, row: int) -> list[_Column]:
    """The header's columns; the first of two columns for one field wins.

    Raises:
        WorkbookError: a required column is missing.
    """
    columns: list[_Column] = []
    taken: set[str] = set()
    for index, cell in enumerate(header):
        if is_blank(cell):
            continue
        name = _FIELDS.get(_header_key(cell))
        if name in taken:
            name = None
        if name is not None:
            taken.add(name)
        columns.append(_Column(index, cell_text(cell).strip(), name))
    missing = [header for name, header in _REQUIRED.items() if name not in taken]
    if missing:
        raise WorkbookError(
            Location(location.file, location.sheet, row),
            f"the header has no {' or '.join(missing)} column "
            f"(found: {', '.join(c.header for c in columns)})",
        )
    return columns


def _read_row(
    cells: list[Cell],
    columns: list[_Column],
    sheet: str,
    row: int,
    code_list: SchoolCodeList,
    first_row_of: dict[str, tuple[str, int]],
) -> None:
    """Add one sheet row to the list: an entry, a row kept aside, or blank."""
    if all(is_blank(cell) for cell in cells):
        code_list.blank_rows += 1
        return
    values = {
        c.index: cells[c.index] if c.index < len(cells) else None for c in columns
    }

    found: dict[str, str | None] = {}
    other: list[tuple[str, str]] = []
    problems: list[tuple[str, str]] = []
    by_field = {c.field: c for c in columns if c.field is not None}
    state = _text(values[by_field["state"].index]) if "state" in by_field else None
    for column in columns:
        cell = values[column.index]
        try:
            if column.field == "school_code":
                found["school_code"] = _school_code(cell)
            elif column.field == "zip_code":
                found["zip_code"] = _zip_code(cell, foreign=state == "FC")
            elif column.field is not None:
                found[column.field] = _text(cell)
            elif not is_blank(cell):
                other.append((column.header, cell_text(cell)))
        except CellProblem as problem:
            problems.append((column.header, str(problem)))
    if found.get("school_name") is None:
        problems.append((by_field["school_name"].header, "the school name is blank"))

    code = found.get("school_code")
    if code is not None and code in first_row_of:
        first_sheet, first_row = first_row_of[code]
        where = f"row {first_row}" + ("" if first_sheet == sheet else f" of {sheet}")
        problems.append(
            (by_field["school_code"].header, f"{code} is already on {where}")
        )
    if problems:
        code_list.problems.append(
            RowProblem(sheet, row, tuple(problems), tuple(cell_text(c) for c in cells))
        )
        logger.warning(
            "school code list row kept aside file=%s sheet=%s row=%d problems=%s",
            code_list.source_file,
            sheet,
            row,
            "; ".join(f"{column}: {reason}" for column, reason in problems),
        )
        return

    assert code is not None and found["school_name"] is not None
    first_row_of[code] = (sheet, row)
    code_list.schools.append(
        DirectorySchool(
            school_code=code,
            school_name=found["school_name"],
            address=found.get("address"),
            city=found.get("city"),
            state=found.get("state"),
            zip_code=found.get("zip_code"),
            province=found.get("province"),
            country=found.get("country"),
            postal_code=found.get("postal_code"),
            other_columns=tuple(other),
            sheet=sheet,
            row=row,
        )
    )


def _text(cell: Cell) -> str | None:
    """Text exactly as written, None when blank; a number as Excel shows it."""
    if is_blank(cell):
        return None
    return cell if isinstance(cell, str) else cell_text(cell)


def _school_code(cell: Cell) -> str:
    """A school code as its six characters.

    Surrounding spaces are not part of a code. A number is a ``0`` code that
    lost its leading zeros on the way (``1002`` is ``001002``): no other
    series can be a number.

    Raises:
        CellProblem: blank, or not a series letter and five digits.
    """
    if is_blank(cell):
        raise CellProblem("the school code is blank")
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        if float(cell).is_integer() and 0 < cell <= 99_999:
            return str(int(cell)).zfill(6)
    elif isinstance(cell, str) and SCHOOL_CODE.fullmatch(cell.strip()):
        return cell.strip()
    raise CellProblem(
        f"{cell_text(cell)!r} is not a school code (0, G, E or B, then five digits)"
    )


def _zip_code(cell: Cell, *, foreign: bool) -> str | None:
    """A zip code: text exactly as written; a number gets its zeros back."""
    if isinstance(cell, str):
        return None if is_blank(cell) else cell
    return normalize_zip_code(cell, foreign=foreign)
