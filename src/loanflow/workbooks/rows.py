"""Reading the lines below a data sheet's header: school rows or rejected rows."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from loanflow.workbooks.header import IDENTITY_HEADERS, METRIC_HEADERS, SheetHeader
from loanflow.workbooks.model import LoanTypeVolume, RowProblem, SchoolRow
from loanflow.workbooks.values import (
    Cell,
    CellProblem,
    cell_text,
    is_blank,
    normalize_metric,
    normalize_ope_id,
    normalize_school_type,
    normalize_text,
    normalize_zip_code,
)

T = TypeVar("T")

_TOTALS_LINE = re.compile(r"^\s*(grand\s+)?totals?\b", re.IGNORECASE)


def is_school_row(cells: Sequence[Cell], width: int) -> bool:
    """Whether a line below the header is a school's line.

    A line is not a school's line, and is passed over, when it is:

    - empty: every cell blank;
    - a note or footer: column A holds no OPE ID (it is blank or text that is
      not all digits), the School Type is blank and every metric cell is blank
      ("Source: NSLDS", "* Totals may not add due to rounding");
    - a totals line: column A reads ``Total``, ``Totals`` or ``Grand Total``.
      It repeats the sum of the schools above and is no school.

    Every other line is a school's line and is validated whole: a line with a
    bad OPE ID but metrics, or an OPE ID but no school type, becomes a
    RowProblem, so nothing that could be a school disappears silently. A school
    whose metric cells are all blank is a school row with missing values.
    """
    first = cells[0] if cells else None
    holds_ope_id = isinstance(first, int | float) or (
        isinstance(first, str) and first.strip().isdigit()
    )
    if holds_ope_id:
        return True
    if isinstance(first, str) and _TOTALS_LINE.match(first):
        return False
    school_type = cells[4] if len(cells) > 4 else None
    metrics = cells[len(IDENTITY_HEADERS) : width]
    return not (is_blank(school_type) and all(is_blank(cell) for cell in metrics))


def read_school_row(
    cells: Sequence[Cell],
    excel_row: int,
    sheet: str,
    period: str,
    header: SheetHeader,
) -> SchoolRow | RowProblem:
    """One school line as a SchoolRow, or a RowProblem listing all its problems.

    Args:
        cells: the line's cells from column A.
        excel_row: its 1-based row number.
        sheet: the sheet's name.
        period: the sheet's period.
        header: the sheet's header, for the loan-type blocks.
    """
    width = header.width
    padded = list(cells[:width]) + [None] * (width - len(cells))
    problems: list[tuple[str, str]] = []

    def take(column: str, normalize: Callable[[Cell], T], cell: Cell) -> T | None:
        try:
            return normalize(cell)
        except CellProblem as problem:
            problems.append((column, str(problem)))
            return None

    ope_id = take("OPE ID", normalize_ope_id, padded[0])
    state = normalize_text(padded[2])
    foreign = state == "FC" or "FOREIGN" in cell_text(padded[4]).upper()
    zip_code = take(
        "Zip Code",
        lambda cell: normalize_zip_code(cell, foreign=foreign),
        padded[3],
    )
    school_type = take("School Type", normalize_school_type, padded[4])
    volumes = []
    for block in header.blocks:
        metrics = [
            take(
                f"{block.label}: {block.headers[offset]}",
                normalize_metric,
                padded[block.first_column + offset],
            )
            for offset in range(len(METRIC_HEADERS))
        ]
        volumes.append(LoanTypeVolume(block.loan_type, *metrics))

    if problems or ope_id is None or school_type is None:
        return RowProblem(
            sheet=sheet,
            row=excel_row,
            problems=tuple(problems),
            cells=tuple(cell_text(cell) for cell in padded),
        )
    return SchoolRow(
        period=period,
        sheet=sheet,
        row=excel_row,
        ope_id=ope_id,
        school_name=normalize_text(padded[1]),
        state=state,
        zip_code=zip_code,
        school_type=school_type,
        volumes=tuple(volumes),
    )
