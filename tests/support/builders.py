"""Writing generated workbooks in the real layouts, as ``.xls`` or ``.xlsx``.

The layouts themselves (title rows, labels, spellings by era) come from
``loanflow.workbooks.layouts``, which the sample writer uses too; this module
adds the legacy ``.xls`` (BIFF8) output through xlwt, which only tests need.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import xlwt

from loanflow.workbooks.layouts import (
    Era,
    ReportSpec,
    SchoolLine,
    SheetGrid,
    grid_cells,
    workbook_grids,
    write_xlsx,
)

WorkbookFormat = Literal["xls", "xlsx"]


def write_xls(path: Path, grids: Sequence[SheetGrid]) -> Path:
    """Write sheets to a legacy ``.xls`` workbook; text stays text."""
    book = xlwt.Workbook()
    for grid in grids:
        sheet = book.add_sheet(grid.name)
        for row, first, last in grid.merges:
            sheet.write_merge(row, row, first, last, grid.rows[row][first])
        for row, column, cell in grid_cells(grid):
            sheet.write(row, column, cell)
    book.save(str(path))
    return path


def write_grids(
    path: Path, grids: Sequence[SheetGrid], workbook_format: WorkbookFormat
) -> Path:
    """Write sheets in the given format, whatever the path's extension."""
    if workbook_format == "xls":
        return write_xls(path, grids)
    return write_xlsx(path, grids)


def build_workbook(
    path: Path,
    era: Era,
    report: ReportSpec,
    lines_by_period: Mapping[str, Sequence[SchoolLine]],
    workbook_format: WorkbookFormat,
) -> Path:
    """Write a report's workbook as FSA lays it out in an era."""
    return write_grids(
        path, workbook_grids(era, report, lines_by_period), workbook_format
    )
