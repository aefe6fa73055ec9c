"""Generated workbooks with the rows the quality checks are about.

DL AY2009-10 in the dashboard layout (four loan types: subsidized,
unsubsidized, parent PLUS, grad PLUS), both sheets, a few good schools. Each
flaw is one row of the Quarterly Activity sheet; the Award Year Summary holds
every school with figures at least as large, so no other check fires.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from loanflow.workbooks.layouts import (
    DASHBOARD,
    PublishedCell,
    ReportSpec,
    SchoolLine,
    workbook_grids,
    write_xlsx,
)

Block = tuple[PublishedCell, ...]
GOOD = ((10, 11, 40_000, 12, 38_000),) * 4
GOOD_SCHOOLS = (
    ("00100200", "NORTHFIELD STATE UNIVERSITY", "AL", "35762"),
    ("00108100", "DESERT SUN UNIVERSITY", "AZ", "85287"),
    ("00135000", "FRONT RANGE TECHNICAL COLLEGE", "CO", "80202"),
)
# Disbursements of -500 dollars in the subsidized block.
NEGATIVE = ("00100700", "PINE HILL COMMUNITY COLLEGE", "AL", "36104")
NEGATIVE_QUARTER = ((10, 11, 40_000, 12, -500), *GOOD[1:])
# Three grad PLUS recipients and no grad PLUS loan.
NO_LOANS = ("00106100", "GLACIER BAY COLLEGE", "AK", "99508")
NO_LOANS_QUARTER = (*GOOD[:3], (3, 0, 0, 0, 0))
# An OPE ID that is no OPE ID.
BAD_ID = ("ABC", "NOWHERE COLLEGE", "CA", "90007")
SUMMARY = ((30, 33, 120_000, 36, 114_000),) * 4


def line(school: Sequence[str], volumes: tuple[Block, ...]) -> SchoolLine:
    ope_id, name, state, zip_code = school
    return SchoolLine(ope_id, name, state, zip_code, "public", volumes)


def write_quality_workbook(
    path: Path, quarter: int, flawed: dict[tuple[str, ...], tuple[Block, ...]]
) -> Path:
    """A DL AY2009-10 workbook of ``quarter``: the good schools and ``flawed``.

    Args:
        path: the ``.xlsx`` to write.
        quarter: 2 to 4 (so that the quarter differs from the year to date).
        flawed: school (OPE ID, name, state, zip) to its Quarterly Activity
            blocks; on the Award Year Summary it has plausible figures.
    """
    schools = [*GOOD_SCHOOLS, *flawed]
    quarterly = [line(school, flawed.get(school, GOOD)) for school in schools]
    summary = [line(school, SUMMARY) for school in schools]
    report = ReportSpec("DL", "2009-2010", quarter, date(2010, 1, 5 + quarter))
    grids = workbook_grids(
        DASHBOARD, report, {"quarter": quarterly, "year_to_date": summary}
    )
    return write_xlsx(path, grids)


def warnings_workbook(path: Path) -> Path:
    """Q2: a negative amount and recipients without loans; nothing set aside."""
    return write_quality_workbook(
        path, 2, {NEGATIVE: NEGATIVE_QUARTER, NO_LOANS: NO_LOANS_QUARTER}
    )


def bad_id_workbook(path: Path) -> Path:
    """Q3: a row whose OPE ID is ``ABC``."""
    return write_quality_workbook(path, 3, {BAD_ID: GOOD})
