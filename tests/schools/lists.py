"""Generated Federal School Code Lists, laid out as FSA lays out the real one.

The 2016-17 list is one sheet, ``3rd Quarter FSC``: a header row, then one row
of text cells per school code. FSA saved it as ``.xlsx`` under an ``.xls``
name, which ``write_school_code_list`` does by default too.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from loanflow.workbooks.layouts import PublishedCell, SheetGrid
from tests.support.builders import WorkbookFormat, write_grids

HEADER = (
    "SchoolCode",
    "SchoolName",
    "Address",
    "City",
    "StateCode",
    "ZipCode",
    "Province",
    "Country",
    "PostalCode",
)
SHEET = "3rd Quarter FSC"


def entry(
    code: PublishedCell,
    name: PublishedCell,
    state: PublishedCell = "AL",
    zip_code: PublishedCell = "35762",
    *,
    address: str = "1 MAIN STREET",
    city: str = "NORMAL",
    province: str = "",
    country: str = "",
    postal_code: str = "",
) -> list[PublishedCell]:
    """One row of the list, in the header's order; '' is an empty cell."""
    return [code, name, address, city, state, zip_code, province, country, postal_code]


def write_school_code_list(
    path: Path,
    rows: Sequence[Sequence[PublishedCell]],
    *,
    header: Sequence[str] = HEADER,
    sheet: str = SHEET,
    workbook_format: WorkbookFormat = "xlsx",
) -> Path:
    """Write a list whose header and rows are given; None is a blank cell."""
    cells: list[list[PublishedCell]] = [list(header), *(list(row) for row in rows)]
    return write_grids(path, [SheetGrid(sheet, cells)], workbook_format)
