"""Finding a data sheet's two-row header and its loan-type blocks.

The header is found by its content, never by its position (it moves between
the fifth, sixth and seventh row over the years): the row that starts with
``OPE ID`` then ``School``. The row above it labels each block of five metric
columns with a loan type (``FFEL SUBSIDIZED``, ``DL UNSUBSIDIZED - GRADUATE``,
``DL PARENT PLUS``, ...); the label's prefix names the program.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from loanflow.errors import Location, WorkbookError
from loanflow.workbooks.values import Cell, cell_text, is_blank

IDENTITY_HEADERS: tuple[str, ...] = (
    "OPE ID",
    "School",
    "State",
    "Zip Code",
    "School Type",
)
METRIC_HEADERS: tuple[str, ...] = (
    "Recipients",
    "# of Loans Originated",
    "$ of Loans Originated",
    "# of Disbursements",
    "$ of Disbursements",
)
# Loan-type labels without their program prefix, after ``label_key``.
LOAN_TYPE_LABELS: dict[str, str] = {
    "SUBSIDIZED": "subsidized",
    "SUBSIDIZED UNDERGRADUATE": "subsidized_undergraduate",
    "SUBSIDIZED GRADUATE": "subsidized_graduate",
    "UNSUBSIDIZED": "unsubsidized",
    "UNSUBSIDIZED UNDERGRADUATE": "unsubsidized_undergraduate",
    "UNSUBSIDIZED GRADUATE": "unsubsidized_graduate",
    "PARENT PLUS": "parent_plus",
    "GRAD PLUS": "grad_plus",
    "GRADUATE PLUS": "grad_plus",
    "PLUS": "plus",
}
_PROGRAM_PREFIXES = {"FFEL": "FFEL", "DL": "DL", "DIRECT LOAN": "DL"}
_PREFIX = re.compile(r"^(?P<prefix>FFEL|DL|DIRECT LOAN)\s+")
# The header sits in the first rows; a prose sheet may mention OPE ID lower.
_HEADER_SEARCH_ROWS = 30


@dataclass(frozen=True)
class LoanTypeBlock:
    """Five metric columns under one loan-type label.

    Attributes:
        label: the label as printed, trimmed.
        loan_type: one of ``LOAN_TYPES``.
        program: ``FFEL`` or ``DL`` from the label's prefix, None without one.
        first_column: 0-based column of the block's ``Recipients``.
        headers: the block's five metric headers as printed.
    """

    label: str
    loan_type: str
    program: str | None
    first_column: int
    headers: tuple[str, ...]


@dataclass(frozen=True)
class SheetHeader:
    """Where a data sheet's header is and what its blocks are.

    Attributes:
        row: 0-based index of the ``OPE ID`` row in the sheet's rows.
        blocks: the loan-type blocks, in sheet order.
    """

    row: int
    blocks: tuple[LoanTypeBlock, ...]

    @property
    def width(self) -> int:
        """How many columns the header spans."""
        return len(IDENTITY_HEADERS) + len(METRIC_HEADERS) * len(self.blocks)


def header_key(text: str) -> str:
    """A header or label compared without case, extra spaces or hyphens."""
    return " ".join(re.split(r"[\s\-–_]+", text.strip().upper())).strip()


def find_header_row(rows: Sequence[Sequence[Cell]]) -> int | None:
    """The 0-based index of the row starting ``OPE ID``, ``School``; else None."""
    for index, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        if len(row) < 2 or not isinstance(row[0], str) or not isinstance(row[1], str):
            continue
        if header_key(row[0]) == "OPE ID" and header_key(row[1]) == "SCHOOL":
            return index
    return None


def read_loan_type_label(label: str) -> tuple[str | None, str] | None:
    """The program (or None) and loan type a block label names; None if unknown.

    ``DL SUBSIDIZED- UNDERGRADUATE`` is ``("DL", "subsidized_undergraduate")``,
    ``FFEL PARENT PLUS`` is ``("FFEL", "parent_plus")``, ``PLUS`` is
    ``(None, "plus")``.
    """
    key = header_key(label)
    match = _PREFIX.match(key)
    program = None
    if match:
        program = _PROGRAM_PREFIXES[match["prefix"]]
        key = key[match.end() :]
    loan_type = LOAN_TYPE_LABELS.get(key)
    return None if loan_type is None else (program, loan_type)


def read_header(
    rows: Sequence[Sequence[Cell]], header_row: int, location: Location
) -> SheetHeader:
    """Check a sheet's two header rows and read its loan-type blocks.

    Args:
        rows: the sheet's cells from A1.
        header_row: 0-based index of the ``OPE ID`` row.
        location: the file and sheet, for error messages.

    Raises:
        WorkbookError: a column header is not the expected one, the metric
            columns are not whole blocks of five, or a block's label is
            missing, ambiguous or unknown; the message names row and column.
    """
    headers = [cell_text(cell).strip() for cell in rows[header_row]]
    while headers and not headers[-1]:
        headers.pop()
    excel_row = header_row + 1

    for column, expected in enumerate(IDENTITY_HEADERS):
        _expect_header(headers, column, expected, location, excel_row)
    metric_columns = len(headers) - len(IDENTITY_HEADERS)
    if metric_columns <= 0:
        raise WorkbookError(
            _at(location, excel_row, len(IDENTITY_HEADERS)),
            "no loan-type columns after 'School Type'",
        )

    if header_row == 0:
        raise WorkbookError(
            Location(location.file, location.sheet, excel_row),
            "no loan-type label row above the 'OPE ID' header",
        )
    labels = rows[header_row - 1]
    blocks = []
    block_count = -(-metric_columns // len(METRIC_HEADERS))
    for number in range(block_count):
        first = len(IDENTITY_HEADERS) + number * len(METRIC_HEADERS)
        for offset, expected in enumerate(METRIC_HEADERS):
            _expect_header(headers, first + offset, expected, location, excel_row)
        label = _block_label(labels, first, location, excel_row - 1)
        program, loan_type = _label_meaning(label, location, excel_row - 1, first)
        blocks.append(
            LoanTypeBlock(
                label=label,
                loan_type=loan_type,
                program=program,
                first_column=first,
                headers=tuple(headers[first : first + len(METRIC_HEADERS)]),
            )
        )
    _check_distinct(blocks, location, excel_row - 1)
    return SheetHeader(row=header_row, blocks=tuple(blocks))


def column_letter(column: int) -> str:
    """Excel's letter for a 0-based column: 0 is ``A``, 26 is ``AA``."""
    letters = ""
    number = column + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _at(location: Location, row: int, column: int) -> Location:
    return Location(location.file, location.sheet, row, column_letter(column))


def _expect_header(
    headers: Sequence[str],
    column: int,
    expected: str,
    location: Location,
    excel_row: int,
) -> None:
    found = headers[column] if column < len(headers) else ""
    if header_key(found) != header_key(expected):
        shown = repr(found) if found else "nothing"
        raise WorkbookError(
            _at(location, excel_row, column),
            f"expected the column header {expected!r}, found {shown}",
        )


def _block_label(
    labels: Sequence[Cell], first: int, location: Location, excel_row: int
) -> str:
    """The one label over a block's five columns (merged cells keep it leftmost)."""
    texts = {
        cell_text(cell).strip()
        for cell in labels[first : first + len(METRIC_HEADERS)]
        if not is_blank(cell)
    }
    last = column_letter(first + len(METRIC_HEADERS) - 1)
    if not texts:
        raise WorkbookError(
            _at(location, excel_row, first),
            f"no loan-type label above columns {column_letter(first)}-{last}",
        )
    if len(texts) > 1:
        shown = ", ".join(repr(text) for text in sorted(texts))
        raise WorkbookError(
            _at(location, excel_row, first),
            f"several loan-type labels above columns {column_letter(first)}-{last}: "
            f"{shown}",
        )
    return texts.pop()


def _label_meaning(
    label: str, location: Location, excel_row: int, first: int
) -> tuple[str | None, str]:
    meaning = read_loan_type_label(label)
    if meaning is None:
        known = ", ".join(LOAN_TYPE_LABELS)
        raise WorkbookError(
            _at(location, excel_row, first),
            f"unknown loan-type label {label!r} (known: {known})",
        )
    return meaning


def _check_distinct(
    blocks: Sequence[LoanTypeBlock], location: Location, excel_row: int
) -> None:
    seen: dict[str, LoanTypeBlock] = {}
    for block in blocks:
        if block.loan_type in seen:
            raise WorkbookError(
                _at(location, excel_row, block.first_column),
                f"loan-type label {block.label!r} repeats "
                f"{seen[block.loan_type].label!r}",
            )
        seen[block.loan_type] = block
    programs = {block.program for block in blocks if block.program is not None}
    if len(programs) > 1:
        raise WorkbookError(
            Location(location.file, location.sheet, excel_row),
            f"the loan-type labels name both programs: {', '.join(sorted(programs))}",
        )
