"""Questions to the view ``school``: one school, the unmatched, match counts.

The matching rule itself lives in the view (migration ``0004_schools.sql``),
so the CLI, the dashboard and ``sqlite3`` all see the same answer.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

# The view's columns, in its order (docs/schools.md describes each).
SCHOOL_COLUMNS = (
    "ope_id",
    "school_name",
    "state",
    "zip_code",
    "school_type",
    "latest_program",
    "latest_award_year",
    "latest_quarter",
    "latest_run_date",
    "latest_source_file",
    "school_code",
    "match_rule",
    "directory_name",
    "address",
    "city",
    "directory_state",
    "directory_zip_code",
    "province",
    "country",
    "postal_code",
    "directory_file",
    "unmatched_reason",
)


@dataclass(frozen=True)
class School:
    """One row of the view ``school``: an OPE ID, its latest loan-file details,
    and its directory entry (None fields where it has none)."""

    ope_id: str
    school_name: str | None
    state: str | None
    zip_code: str | None
    school_type: str
    latest_program: str
    latest_award_year: str
    latest_quarter: int | None
    latest_run_date: str | None
    latest_source_file: str
    school_code: str | None
    match_rule: str | None
    directory_name: str | None
    address: str | None
    city: str | None
    directory_state: str | None
    directory_zip_code: str | None
    province: str | None
    country: str | None
    postal_code: str | None
    directory_file: str | None
    unmatched_reason: str | None


@dataclass(frozen=True)
class FileMatches:
    """How many OPE IDs of one publication the directory matches.

    Attributes:
        publication_id: the publication.
        source_file: its workbook's file name.
        ope_ids: distinct OPE IDs on its sheets.
        matched: those with a directory entry.
        unmatched: the others.
    """

    publication_id: int
    program: str
    award_year: str
    quarter: int | None
    run_date: str | None
    source_file: str
    ope_ids: int
    matched: int
    unmatched: int


_SELECT_SCHOOL = f"SELECT {', '.join(SCHOOL_COLUMNS)} FROM school"


def find_school(conn: sqlite3.Connection, ope_id: str) -> School | None:
    """The view's row of an OPE ID, None when the loan files never name it."""
    row = conn.execute(f"{_SELECT_SCHOOL} WHERE ope_id = ?", (ope_id,)).fetchone()
    return None if row is None else School(*row)


def list_unmatched(conn: sqlite3.Connection) -> list[School]:
    """The OPE IDs of the loan files that no directory entry matches, in order."""
    rows = conn.execute(
        f"{_SELECT_SCHOOL} WHERE school_code IS NULL ORDER BY ope_id"
    ).fetchall()
    return [School(*row) for row in rows]


def count_matches(conn: sqlite3.Connection) -> list[FileMatches]:
    """Matched and unmatched OPE IDs per publication in the warehouse.

    A publication still being received is not counted (``loan_volume_history``
    leaves it out).
    """
    rows = conn.execute(
        """
        WITH ids AS (
            SELECT DISTINCT
                publication_id, program, award_year, quarter, run_date,
                source_file, ope_id
            FROM loan_volume_history
        )
        SELECT
            ids.publication_id, ids.program, ids.award_year, ids.quarter,
            ids.run_date, ids.source_file,
            count(*),
            count(s.school_code),
            count(*) - count(s.school_code)
        FROM ids
        JOIN school AS s USING (ope_id)
        GROUP BY ids.publication_id
        ORDER BY ids.program, ids.award_year, ids.quarter, ids.run_date,
            ids.publication_id
        """
    ).fetchall()
    return [FileMatches(*row) for row in rows]
