"""Two generated publications of one report, and the cells they hold.

``write_publications`` writes a DL AY2012-13 Q4 workbook as first published
and as revised (run dates ``FIRST_RUN`` and ``REVISED_RUN``, both files named
alike, as FSA names them): the revision changes one school's numbers, drops
one school, adds one, and blanks a cell. ``workbook_rows`` reads a workbook's
cells back with nothing from loanflow, for exact comparisons with the views.
``integrate`` writes a workbook straight into a warehouse (no Kafka, no
Spark), as the stream would.
"""

from __future__ import annotations

import os
import sqlite3
from collections import Counter
from datetime import date
from pathlib import Path

from python_calamine import CalamineWorkbook

from loanflow.warehouse import SchoolRowRecord, write_batch
from loanflow.workbooks.layouts import DL_FIVE, ReportSpec, SchoolLine
from loanflow.workbooks.reader import read_workbook
from tests.support.builders import build_workbook
from tests.support.workbook_totals import _header_row, _loan_type, _number

FIRST_RUN = date(2015, 1, 9)
REVISED_RUN = date(2015, 4, 9)
FILE_NAME = "DL_Dashboard_AY2012_2013_Q4.xls"

Block = tuple[int | str | None, ...]
SAME = ((10, 11, 40_000, 12, 38_000),) * 5
SCHOOLS = {
    "00100200": ("NORTHFIELD STATE UNIVERSITY", "AL", "35762"),
    "00210100": ("HARBOR POINT COLLEGE", "ME", "04101"),
    "00300500": ("DESERT SUN UNIVERSITY", "AZ", "85287"),
    "00400700": ("PINE HILL COMMUNITY COLLEGE", "NJ", "07102"),
}
# What changes from the first publication to the revision.
CHANGED_SCHOOL = "00210100"
CHANGED = (
    (10, 11, 40_000, 12, 38_000),
    (7, 8, 21_000, 9, 20_500),
    *SAME[2:],
)
REMOVED_SCHOOL = "00400700"
ADDED_SCHOOL = ("00555500", "FRONT RANGE TECHNICAL COLLEGE", "CO", "80202")
BLANKED_SCHOOL = "00300500"
BLANKED = ((10, 11, 40_000, 12, None), *SAME[1:])


def _line(
    ope_id: str, school: tuple[str, str, str], blocks: tuple[Block, ...]
) -> SchoolLine:
    name, state, zip_code = school
    return SchoolLine(ope_id, name, state, zip_code, "Public", blocks)


def first_lines() -> list[SchoolLine]:
    return [_line(ope_id, school, SAME) for ope_id, school in SCHOOLS.items()]


def revised_lines() -> list[SchoolLine]:
    lines = []
    for ope_id, school in SCHOOLS.items():
        if ope_id == REMOVED_SCHOOL:
            continue
        blocks = {CHANGED_SCHOOL: CHANGED, BLANKED_SCHOOL: BLANKED}.get(ope_id, SAME)
        lines.append(_line(ope_id, school, blocks))
    ope_id, *school = ADDED_SCHOOL
    lines.append(_line(ope_id, (school[0], school[1], school[2]), SAME))
    return lines


def write_publication(folder: Path, run_date: date, lines: list[SchoolLine]) -> Path:
    """A DL AY2012-13 Q4 ``.xls`` with ``lines`` on both sheets."""
    folder.mkdir(parents=True, exist_ok=True)
    report = ReportSpec("DL", "2012-2013", 4, run_date)
    return build_workbook(
        folder / FILE_NAME,
        DL_FIVE,
        report,
        {"quarter": lines, "year_to_date": lines},
        "xls",
    )


def write_publications(folder: Path) -> tuple[Path, Path]:
    """The first publication and the revision, in folders ``first``, ``revised``."""
    return (
        write_publication(folder / "first", FIRST_RUN, first_lines()),
        write_publication(folder / "revised", REVISED_RUN, revised_lines()),
    )


def integrate(
    conn: sqlite3.Connection, path: Path, batch_id: int, *, upto: int | None = None
) -> int:
    """Write a workbook's school rows in one batch; at most ``upto`` of them.

    Returns:
        How many school rows were written.
    """
    workbook = read_workbook(path)
    records = [
        SchoolRowRecord(
            workbook.publication,
            len(workbook.rows),
            row,
            source_uri=os.path.abspath(path),
        )
        for row in workbook.rows[:upto]
    ]
    write_batch(conn, "test-checkpoint", batch_id, records)
    return len(records)


# One line of loan_volume as compared: period, OPE ID, loan type, five metrics.
ViewRow = tuple[
    str, str, str, int | None, int | None, int | None, int | None, int | None
]


def workbook_rows(path: Path) -> Counter[ViewRow]:
    """Every (period, OPE ID, loan type, metrics) of a workbook, from its cells.

    OPE IDs stored as numbers get their leading zeros back; a dash is 0 and a
    blank cell None, as the warehouse stores them.
    """
    with path.open("rb") as file:
        book = CalamineWorkbook.from_filelike(file)
    found: Counter[ViewRow] = Counter()
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        header = _header_row(rows)
        if header is None:
            continue
        titles = " ".join(str(cell) for row in rows[:header] for cell in row)
        period = "quarter" if "Quarterly Activity" in titles else "year_to_date"
        blocks = [
            (first, _loan_type(str(rows[header - 1][first])))
            for first in range(5, len(rows[header]), 5)
            if str(rows[header][first]).strip()
        ]
        for row in rows[header + 1 :]:
            if str(row[0]).strip() == "":
                continue
            ope_id = _ope_id(row[0])
            for first, loan_type in blocks:
                metrics = tuple(_metric(row[first + offset]) for offset in range(5))
                found[(period, ope_id, loan_type, *metrics)] += 1  # type: ignore[arg-type]
    return found


def view_rows(
    conn: sqlite3.Connection, query: str, *params: object
) -> Counter[ViewRow]:
    """The same shape from a query selecting period, ope_id, loan_type, metrics."""
    return Counter(conn.execute(query, params).fetchall())


LOAN_VOLUME_ROWS = (
    "SELECT period, ope_id, loan_type, recipients, loans_originated, "
    "loans_originated_amount, disbursements, disbursements_amount FROM loan_volume"
)
HISTORY_ROWS = (
    "SELECT period, ope_id, loan_type, recipients, loans_originated, "
    "loans_originated_amount, disbursements, disbursements_amount "
    "FROM loan_volume_history WHERE publication_id = ?"
)


def _ope_id(cell: object) -> str:
    if isinstance(cell, float | int) and not isinstance(cell, bool):
        return f"{int(cell):08d}"
    return str(cell).strip()


def _metric(cell: object) -> int | None:
    if cell is None or (isinstance(cell, str) and cell.strip() == ""):
        return None
    return _number(cell)
