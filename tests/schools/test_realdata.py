"""The 2016-17 Federal School Code List and the nine real loan files.

The expected matches are worked out here from the list's raw cells (read with
python-calamine, not through loanflow) and the rule of DOMAIN.md: an OPE ID
whose root is a ``0`` code, or whose root's last five digits follow a ``G``,
is matched; an ``E`` code never is; a ``B`` code only when the list's state
and zip agree with the school's latest loan file.
"""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from loanflow.schools import (
    count_matches,
    read_school_code_list,
    store_school_code_list,
)
from loanflow.warehouse import SchoolRowRecord, connect, write_batch
from loanflow.workbooks.model import Publication, SchoolRow
from loanflow.workbooks.reader import read_workbook

pytestmark = pytest.mark.realdata

LIST = "schools/1617fedschoolcodelist.xls"
LOAN_FILES = (
    "loans/DL_Dashboard_AY2006_2007_Q4.xls",
    "loans/DL_Dashboard_AY2010_2011_Q4.xls",
    "loans/DL_Dashboard_AY2012_2013_Q4.xls",
    "loans/DL_Dashboard_AY2018_2019_Q4.xls",
    "loans/FL_Dashboard_AY2009_2010_Q1.xls",
    "loans/FL_Dashboard_AY2009_2010_Q2.xls",
    "loans/FL_Dashboard_AY2009_2010_Q3.xls",
    "loans/FL_Dashboard_AY2009_2010_Q4.xls",
    "revisions/DL_Dashboard_AY2012_2013_Q4.xls",
)


def raw_list(path: Path) -> list[list[str]]:
    """The list's cells below the header, as python-calamine reads them."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    (sheet,) = book.sheet_names
    rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    assert rows[0][:2] == ["SchoolCode", "SchoolName"]
    return rows[1:]


@pytest.fixture(scope="module")
def loans(fsa_data: Path) -> dict[str, tuple[Publication, list[SchoolRow]]]:
    read = {name: read_workbook(fsa_data / name) for name in LOAN_FILES}
    return {name: (w.publication, w.rows) for name, w in read.items()}


@pytest.fixture(scope="module")
def warehouse(
    fsa_data: Path,
    loans: dict[str, tuple[Publication, list[SchoolRow]]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[sqlite3.Connection]:
    """A warehouse holding the nine loan files and the 2016-17 list."""
    conn = connect(tmp_path_factory.mktemp("schools") / "loanflow.db")
    for batch_id, (publication, rows) in enumerate(loans.values()):
        batch = [SchoolRowRecord(publication, len(rows), row) for row in rows]
        write_batch(conn, "realdata", batch_id, batch)
    store_school_code_list(conn, read_school_code_list(fsa_data / LIST))
    yield conn
    conn.close()


def test_every_row_of_the_list_is_loaded_as_written(
    fsa_data: Path, warehouse: sqlite3.Connection
) -> None:
    expected = [
        tuple(cell if cell != "" else None for cell in row)
        for row in raw_list(fsa_data / LIST)
    ]

    stored = warehouse.execute(
        "SELECT school_code, school_name, address, city, state, zip_code, province, "
        "country, postal_code FROM schools ORDER BY sheet_row"
    ).fetchall()

    assert len(expected) == 6980
    assert stored == expected
    assert warehouse.execute(
        "SELECT count(*) FROM schools WHERE length(school_code) != 6 "
        "OR typeof(school_code) != 'text' OR typeof(zip_code) != 'text'"
    ).fetchone() == (0,)
    assert warehouse.execute(
        "SELECT count(*) FROM school_directory_rejected"
    ).fetchone() == (0,)


def expected_matches(
    codes: dict[str, list[str]],
    loans: dict[str, tuple[Publication, list[SchoolRow]]],
) -> dict[str, set[str]]:
    """Per loan file, the OPE IDs the rule matches."""
    # The school's latest loan details decide a B code: latest report first,
    # then the latest run date.
    latest: dict[str, SchoolRow] = {}
    for _publication, rows in sorted(
        loans.values(),
        key=lambda item: (
            item[0].award_year,
            item[0].quarter or 4,
            str(item[0].run_date),
        ),
    ):
        latest.update({row.ope_id: row for row in rows})

    def matched(ope_id: str) -> bool:
        root, digits = ope_id[:6], ope_id[1:6]
        if root in codes or (root[0] == "0" and f"G{digits}" in codes):
            return True
        entry = codes.get(f"B{digits}") if root[0] == "0" else None
        school = latest[ope_id]
        return (
            entry is not None
            and entry[4] == school.state
            and entry[5] == (school.zip_code or "")[:5]
        )

    return {
        name: {row.ope_id for row in rows if matched(row.ope_id)}
        for name, (_, rows) in loans.items()
    }


def test_the_loan_files_match_by_the_rule_and_no_e_code_does(
    fsa_data: Path,
    loans: dict[str, tuple[Publication, list[SchoolRow]]],
    warehouse: sqlite3.Connection,
) -> None:
    codes = {row[0]: row for row in raw_list(fsa_data / LIST)}
    expected = expected_matches(codes, loans)

    counts = {
        (c.source_file, c.run_date): (c.ope_ids, c.matched, c.unmatched)
        for c in count_matches(warehouse)
    }
    matched = {
        ope_id: code
        for ope_id, code in warehouse.execute(
            "SELECT ope_id, school_code FROM school WHERE school_code IS NOT NULL"
        )
    }

    for name, (publication, rows) in loans.items():
        ope_ids = {row.ope_id for row in rows}
        run_date = None if publication.run_date is None else str(publication.run_date)
        key = (publication.source_file, run_date)
        assert counts[key] == (
            len(ope_ids),
            len(expected[name]),
            len(ope_ids - expected[name]),
        ), name
        assert ope_ids & matched.keys() == expected[name], name
    assert not [code for code in matched.values() if code.startswith("E")]
    # The one B code whose state and zip agree: Grace School of Theology, TX.
    assert {o: c for o, c in matched.items() if c.startswith("B")} == {
        "04215400": "B42154"
    }
