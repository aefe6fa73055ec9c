"""The view ``school`` on a real SQLite warehouse: the matching rule, the
latest loan-file details, and loading lists again or anew."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from loanflow.schools import (
    count_matches,
    find_school,
    list_loads,
    list_unmatched,
    read_school_code_list,
    store_school_code_list,
)
from loanflow.warehouse import connect, write_batch
from loanflow.workbooks.model import SchoolRow
from tests.schools.lists import entry, write_school_code_list
from tests.warehouse.factories import publication, records, school_row

DIRECTORY = [
    entry("001002", "ALABAMA AGRCLTL & MECHL UNIV", "AL", "35762"),
    entry("G01169", "CLAREMONT GRADUATE UNIVERSITY", "CA", "91711"),
    entry("012627", "METROPLEX BEAUTY SCHOOL", "TX", "75149"),
    entry("G12627", "THOMAS M. COOLEY LAW SCHOOL", "MI", "48901"),
    entry("E01010", "SOME E SERIES ENTRY", "PR", "00959"),
    entry("B42154", "GRACE SCHOOL OF THEOLOGY", "TX", "77384"),
    entry("B07022", "THE CHICAGO SCHOOL OF PROF PSYCHOLOGY", "IL", "60610"),
    entry(
        "G04030",
        "UNIVERSITY OF CAMBRIDGE",
        "FC",
        "00000",
        country="ENGLAND",
        postal_code="CB2 1TN",
    ),
]


def line(
    row: int, ope_id: str, name: str, state: str | None, zip_code: str | None
) -> SchoolRow:
    return dataclasses.replace(
        school_row(row, ope_id, school_name=name, zip_code=zip_code), state=state
    )


NEWER = publication(
    "DL_Dashboard_AY2012_2013_Q4.xls",
    award_year="2012-2013",
    quarter=4,
    run_date=date(2015, 1, 9),
)
OLDER = publication(
    "FL_Dashboard_AY2009_2010_Q1.xls",
    program="FFEL",
    award_year="2009-2010",
    quarter=1,
    run_date=date(2012, 4, 5),
)
NEWER_ROWS = [
    line(7, "00100200", "ALABAMA A & M UNIVERSITY", "AL", "357620000"),
    line(8, "00100201", "ALABAMA A & M UNIVERSITY - BRANCH", "AL", "35762"),
    line(9, "00116900", "CLAREMONT GRADUATE UNIVERSITY", "CA", "917116163"),
    line(10, "01262700", "METROPLEX BEAUTY SCHOOL", "TX", "75149"),
    line(11, "00101000", "A SCHOOL WITH AN E CODE TWIN", "AL", "35000"),
    line(12, "04215400", "GRACE SCHOOL OF THEOLOGY", "TX", "773844894"),
    line(13, "00702200", "CUNY LEHMAN COLLEGE", "NY", "104681589"),
    line(14, "00999900", "A SCHOOL NOT IN THE LIST", "OH", "44000"),
    line(15, "00403000", "UNIVERSITY OF CAMBRIDGE", None, "CB2 1TN"),
]
OLDER_ROWS = [
    line(7, "00100200", "ALABAMA A&M UNIV (OLD NAME)", "AL", "35762"),
    line(8, "00300300", "A SCHOOL SEEN ONLY IN 2009", "WV", "25000"),
    line(9, "88888800", "DEFAULT SCHOOL FOR CONSOLIDATED LOANS", "NR", None),
]


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """A warehouse holding two publications of loan files, no directory yet."""
    connection = connect(tmp_path / "loanflow.db")
    write_batch(connection, "test", 0, records(NEWER, *NEWER_ROWS))
    write_batch(connection, "test", 1, records(OLDER, *OLDER_ROWS))
    yield connection
    connection.close()


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    return write_school_code_list(tmp_path / "1617fedschoolcodelist.xls", DIRECTORY)


def matches(conn: sqlite3.Connection) -> dict[str, tuple]:
    rows = conn.execute(
        "SELECT ope_id, school_code, match_rule, unmatched_reason FROM school"
    )
    return {ope_id: rest for ope_id, *rest in rows}


def test_codes_match_by_the_rule_and_the_rest_say_why(
    conn: sqlite3.Connection, directory: Path
) -> None:
    store_school_code_list(conn, read_school_code_list(directory))

    assert matches(conn) == {
        "00100200": ["001002", "0 code", None],
        "00100201": ["001002", "0 code", None],
        "00116900": ["G01169", "G code", None],
        "01262700": ["012627", "0 code", None],
        "00403000": ["G04030", "G code", None],
        "04215400": ["B42154", "B code, state and zip agree", None],
        "00101000": [
            None,
            None,
            "no 0 or G code with root 001010; E01010 is an E code (a separate series)",
        ],
        "00702200": [
            None,
            None,
            "no 0 or G code with root 007022; B07022 is a B code whose state and "
            "zip (IL 60610) differ from the loan files (NY 104681589)",
        ],
        "00999900": [
            None,
            None,
            "no code with root 009999 (009999 or G09999) in the list",
        ],
        "00300300": [
            None,
            None,
            "no code with root 003003 (003003 or G03003) in the list",
        ],
        "88888800": [
            None,
            None,
            "root 888888 starts with 8: no school code carries it",
        ],
    }
    assert [s.ope_id for s in list_unmatched(conn)] == [
        "00101000",
        "00300300",
        "00702200",
        "00999900",
        "88888800",
    ]


def test_a_school_shows_its_latest_loan_details_and_its_directory_entry(
    conn: sqlite3.Connection, directory: Path
) -> None:
    store_school_code_list(conn, read_school_code_list(directory))

    alabama = find_school(conn, "00100200")
    cambridge = find_school(conn, "00403000")
    seen_once = find_school(conn, "00300300")

    assert alabama is not None and cambridge is not None and seen_once is not None
    assert (alabama.school_name, alabama.zip_code, alabama.latest_source_file) == (
        "ALABAMA A & M UNIVERSITY",
        "357620000",
        NEWER.source_file,
    )
    assert (alabama.directory_name, alabama.address, alabama.city) == (
        "ALABAMA AGRCLTL & MECHL UNIV",
        "1 MAIN STREET",
        "NORMAL",
    )
    assert (alabama.country, alabama.directory_file) == (
        None,
        "1617fedschoolcodelist.xls",
    )
    assert (cambridge.country, cambridge.postal_code, cambridge.directory_state) == (
        "ENGLAND",
        "CB2 1TN",
        "FC",
    )
    assert (seen_once.school_name, seen_once.latest_award_year) == (
        "A SCHOOL SEEN ONLY IN 2009",
        "2009-2010",
    )
    assert find_school(conn, "00000000") is None


def test_match_counts_per_publication(
    conn: sqlite3.Connection, directory: Path
) -> None:
    store_school_code_list(conn, read_school_code_list(directory))

    counts = {
        c.source_file: (c.ope_ids, c.matched, c.unmatched) for c in count_matches(conn)
    }

    assert counts == {NEWER.source_file: (9, 6, 3), OLDER.source_file: (3, 1, 2)}


def test_without_a_list_every_school_says_none_is_loaded(
    conn: sqlite3.Connection,
) -> None:
    reasons = {reason for _, _, reason in matches(conn).values()}

    assert reasons == {"no Federal School Code List is loaded"}


def test_loading_the_same_list_again_changes_nothing(
    conn: sqlite3.Connection, directory: Path
) -> None:
    first = store_school_code_list(conn, read_school_code_list(directory))
    before = conn.execute("SELECT * FROM schools ORDER BY school_code").fetchall()

    again = store_school_code_list(conn, read_school_code_list(directory))

    assert (first.changed, again.changed) == (True, False)
    assert again.load == first.load
    assert list_loads(conn) == [first.load]
    assert conn.execute("SELECT * FROM schools ORDER BY school_code").fetchall() == (
        before
    )


def test_another_list_replaces_the_directory_and_both_loads_are_recorded(
    conn: sqlite3.Connection, directory: Path, tmp_path: Path
) -> None:
    first = store_school_code_list(conn, read_school_code_list(directory))
    newer_list = write_school_code_list(
        tmp_path / "1718fedschoolcodelist.xlsx",
        [
            entry("009999", "A SCHOOL NOT IN THE LIST", "OH", "44000"),
            entry("X", "A BAD ROW"),
        ],
    )

    second = store_school_code_list(conn, read_school_code_list(newer_list))

    assert second.changed and second.replaced is not None
    assert second.replaced.load_id == first.load.load_id
    assert second.replaced.replaced_at == second.load.loaded_at
    assert [load.source_file for load in list_loads(conn)] == [
        "1718fedschoolcodelist.xlsx",
        "1617fedschoolcodelist.xls",
    ]
    assert conn.execute("SELECT school_code, load_id FROM schools").fetchall() == [
        ("009999", second.load.load_id)
    ]
    assert conn.execute(
        "SELECT load_id, sheet_row, columns, reasons, cells "
        "FROM school_directory_rejected"
    ).fetchall() == [
        (
            second.load.load_id,
            3,
            "SchoolCode",
            "SchoolCode: 'X' is not a school code (0, G, E or B, then five digits)",
            '["X", "A BAD ROW", "1 MAIN STREET", "NORMAL", "AL", "35762", "", "", ""]',
        )
    ]
    assert matches(conn)["00999900"] == ["009999", "0 code", None]
    assert matches(conn)["00100200"][0] is None
