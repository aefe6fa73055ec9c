"""The SQL behind the dashboard's pages, on a read-only warehouse connection.

Every value comes in as a parameter. Totals add counts and dollars across
schools and loan types, never recipients across loan types (a student with
two loan types counts in both), and never mix the two periods.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from loanflow.monitoring.warehouse import columns_of

METRICS = (
    "recipients",
    "loans_originated",
    "loans_originated_amount",
    "disbursements",
    "disbursements_amount",
)
# What may be added across loan types (not recipients).
ADDITIVE = METRICS[1:]
PERIODS = ("quarter", "year_to_date")


@dataclass(frozen=True)
class Report:
    """A (program, award year, quarter) the public view holds, with its periods."""

    program: str
    award_year: str
    quarter: int | None


def reports(conn: sqlite3.Connection) -> list[Report]:
    """Every report in ``loan_volume``, by award year then quarter."""
    rows = conn.execute(
        "SELECT program, award_year, quarter FROM publication_versions "
        "WHERE latest GROUP BY 1, 2, 3 ORDER BY award_year, ifnull(quarter, 5), 1"
    ).fetchall()
    return [Report(*row) for row in rows]


def _rows(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


_SUMS = ", ".join(f"sum(f.{m}) AS {m}" for m in METRICS)
_ADDITIVE_SUMS = ", ".join(f"sum(f.{m}) AS {m}" for m in ADDITIVE)

# The rows of `loan_volume`, read from school_volumes through the current
# publications: the `IN` lets SQLite search school_volumes by its key
# (publication, period) instead of scanning it, several times faster than a
# filter on the view on the full corpus.
_CURRENT = """
WITH c AS MATERIALIZED (
    SELECT publication_id, program, award_year, quarter, run_date, source_file
    FROM publication_versions WHERE latest {only}
)
"""
_FROM_CURRENT = """
FROM school_volumes AS f JOIN c USING (publication_id)
WHERE f.publication_id IN (SELECT publication_id FROM c)
"""
_REPORT = "AND award_year = ? AND quarter IS ?"


def totals_by_loan_type(
    conn: sqlite3.Connection, award_year: str, quarter: int | None, period: str
) -> list[dict[str, Any]]:
    """Per program and loan type: schools and the five metrics' sums."""
    return _rows(
        conn.execute(
            f"""
            {_CURRENT.format(only=_REPORT)}
            SELECT c.program, f.loan_type, count(DISTINCT f.ope_id) AS schools,
                {_SUMS}
            {_FROM_CURRENT} AND f.period = ?
            GROUP BY c.program, f.loan_type
            ORDER BY c.program, sum(f.disbursements_amount) DESC
            """,
            (award_year, quarter, period),
        )
    )


def totals_by_program(
    conn: sqlite3.Connection, award_year: str, quarter: int | None, period: str
) -> list[dict[str, Any]]:
    """Per program, over every loan type: schools, counts and dollars."""
    return _rows(
        conn.execute(
            f"""
            {_CURRENT.format(only=_REPORT)}
            SELECT c.program, count(DISTINCT f.ope_id) AS schools, {_ADDITIVE_SUMS}
            {_FROM_CURRENT} AND f.period = ?
            GROUP BY c.program ORDER BY c.program
            """,
            (award_year, quarter, period),
        )
    )


def quarterly_trend(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Quarterly activity per program, award year and quarter (all loan types)."""
    return _rows(
        conn.execute(
            f"""
            {_CURRENT.format(only="")}
            SELECT c.program, c.award_year, c.quarter, {_ADDITIVE_SUMS}
            {_FROM_CURRENT} AND f.period = 'quarter'
            GROUP BY c.program, c.award_year, c.quarter
            ORDER BY c.award_year, c.quarter, c.program
            """
        )
    )


def award_year_trend(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Award year to date per program, through the latest quarter available.

    Cumulative figures are never added across quarters: each award year shows
    the year-to-date sheet of its latest report (a summary without quarter
    counts as the whole year).
    """
    last = """
        AND (program, award_year, ifnull(quarter, 5)) IN (
            SELECT program, award_year, max(ifnull(quarter, 5))
            FROM publication_versions WHERE latest GROUP BY program, award_year
        )
    """
    return _rows(
        conn.execute(
            f"""
            {_CURRENT.format(only=last)}
            SELECT c.program, c.award_year, c.quarter, {_ADDITIVE_SUMS}
            {_FROM_CURRENT} AND f.period = 'year_to_date'
            GROUP BY c.program, c.award_year, c.quarter
            ORDER BY c.award_year, c.program
            """
        )
    )


def totals_by_state(
    conn: sqlite3.Connection, award_year: str, quarter: int | None, period: str
) -> list[dict[str, Any]]:
    """Per state (as published, foreign schools ``FC``): schools, counts, dollars."""
    return _rows(
        conn.execute(
            f"""
            {_CURRENT.format(only=_REPORT)}
            SELECT ifnull(f.state, '') AS state,
                count(DISTINCT f.ope_id) AS schools, {_ADDITIVE_SUMS}
            {_FROM_CURRENT} AND f.period = ?
            GROUP BY 1 ORDER BY sum(f.disbursements_amount) DESC
            """,
            (award_year, quarter, period),
        )
    )


def school_list(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every school in ``loan_volume`` once: OPE ID, name, state, type, years.

    The dashboard keeps this list in memory (about 12,000 schools for the
    shared corpus) and searches it there, so a search costs no table scan.
    """
    return _rows(
        conn.execute(
            f"""
            {_CURRENT.format(only="")}
            SELECT f.ope_id, max(f.school_name) AS school_name,
                max(f.state) AS state, max(f.school_type) AS school_type,
                min(c.award_year) AS first_year, max(c.award_year) AS last_year
            {_FROM_CURRENT}
            GROUP BY f.ope_id ORDER BY 2, 1
            """
        )
    )


def search_schools(
    schools: list[dict[str, Any]], text: str, state: str | None, limit: int = 100
) -> list[dict[str, Any]]:
    """Schools whose name contains ``text`` or whose OPE ID starts with it.

    Args:
        schools: the list from ``school_list``.
        text: part of a name (any case) or the first digits of an OPE ID;
            empty matches every school (of ``state``). Taken literally: no
            character has a special meaning.
        state: a two-letter state code, or None for every state.
        limit: at most this many schools.
    """
    wanted = text.strip().casefold()
    digits = wanted.replace("-", "")
    found = []
    for school in schools:
        if state and school["state"] != state:
            continue
        if digits.isdigit():
            if not school["ope_id"].startswith(digits):
                continue
        elif wanted and wanted not in (school["school_name"] or "").casefold():
            continue
        found.append(school)
        if len(found) == limit:
            break
    return found


def states(schools: list[dict[str, Any]]) -> list[str]:
    """The state codes of the schools of ``school_list``."""
    return sorted({school["state"] for school in schools if school["state"]})


def school_history(conn: sqlite3.Connection, ope_id: str) -> list[dict[str, Any]]:
    """Every row of one school in ``loan_volume``, oldest first."""
    return _rows(
        conn.execute(
            f"""
            {_CURRENT.format(only="")}
            SELECT c.program, c.award_year, c.quarter, f.period, f.loan_type,
                f.school_name, f.state, f.zip_code, f.school_type,
                {", ".join(f"f.{m}" for m in METRICS)}, c.run_date, c.source_file
            FROM school_volumes AS f JOIN c USING (publication_id)
            WHERE f.ope_id = ?
            ORDER BY c.award_year, ifnull(c.quarter, 5), f.period, c.program,
                f.loan_type
            """,
            (ope_id,),
        )
    )


def school_directory(conn: sqlite3.Connection, ope_id: str) -> dict[str, Any] | None:
    """The school's entry in the school directory (view ``school``), if any.

    None when the warehouse has no directory yet or the school is not in it.
    """
    columns = columns_of(conn, "school")
    if "ope_id" not in columns:
        return None
    rows = _rows(
        conn.execute("SELECT * FROM school WHERE ope_id = ? LIMIT 1", (ope_id,))
    )
    return rows[0] if rows else None


def publications(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every publication, grouped by report, newest run date first."""
    # Schema 2 names each publication's status (current, superseded,
    # retracted, receiving); schema 1 only says complete and latest.
    status = (
        "(SELECT status FROM publications AS s "
        "WHERE s.publication_id = v.publication_id)"
        if "status" in columns_of(conn, "publications")
        else "CASE WHEN latest THEN 'current' WHEN complete THEN 'superseded' "
        "ELSE 'receiving' END"
    )
    return _rows(
        conn.execute(
            f"""
            SELECT publication_id, program, award_year, quarter, run_date,
                source_file, source_sha256, school_rows, received_school_rows,
                complete, latest, first_seen_at, {status} AS status
            FROM publication_versions AS v
            ORDER BY award_year DESC, ifnull(quarter, 5) DESC, program,
                run_date IS NULL, run_date DESC, publication_id DESC
            """
        )
    )


def publication(conn: sqlite3.Connection, publication_id: int) -> dict[str, Any] | None:
    """One publication, None if there is none with this id."""
    rows = _rows(
        conn.execute(
            "SELECT publication_id, program, award_year, quarter, run_date, "
            "source_file, complete, latest FROM publication_versions "
            "WHERE publication_id = ?",
            (publication_id,),
        )
    )
    return rows[0] if rows else None


def publication_totals(
    conn: sqlite3.Connection, publication_id: int
) -> dict[tuple[str, str], dict[str, Any]]:
    """Per (period, loan type) of one publication: school rows and metric sums."""
    rows = _rows(
        conn.execute(
            f"""
            SELECT period, loan_type, count(*) AS school_rows, {_SUMS}
            FROM school_volumes AS f WHERE publication_id = ?
            GROUP BY period, loan_type
            """,
            (publication_id,),
        )
    )
    return {(row["period"], row["loan_type"]): row for row in rows}


Side = dict[tuple[str, str, str], tuple[Any, ...]]


def publication_rows(conn: sqlite3.Connection, publication_id: int) -> Side:
    """One publication's volumes: (period, OPE ID, loan type) -> (name, metrics).

    A school listed twice on one sheet (it happens) has its lines added.
    """
    cursor = conn.execute(
        f"""
        SELECT period, ope_id, loan_type, school_name, {", ".join(METRICS)}
        FROM school_volumes WHERE publication_id = ?
        """,
        (publication_id,),
    )
    side: Side = {}
    # Added up here rather than by GROUP BY: SQLite would sort every row first.
    for row in cursor:
        key = (row[0], row[1], row[2])
        seen = side.get(key)
        if seen is None:
            side[key] = row[3:]
            continue
        added = (_add(a, b) for a, b in zip(seen[1:], row[4:], strict=True))
        side[key] = (row[3], *added)
    return side


def _add(a: int | None, b: int | None) -> int | None:
    """Sum of two cells where a blank (None) adds nothing; None if both blank."""
    return None if a is None and b is None else (a or 0) + (b or 0)


def changed_rows(
    older: Side, newer: Side, limit: int = 50
) -> tuple[int, list[dict[str, Any]]]:
    """The (period, school, loan type) whose figures differ between publications.

    Args:
        older, newer: ``publication_rows`` of the two publications.
        limit: how many to return.

    Returns:
        How many differ in all, and the ``limit`` largest changes in disbursed
        dollars. A school in one publication only has None on the other side.
    """
    nothing = (None,) * (1 + len(METRICS))
    differ = [
        key
        for key in older.keys() | newer.keys()
        if older.get(key, nothing)[1:] != newer.get(key, nothing)[1:]
        or key not in older
        or key not in newer
    ]
    paid = 1 + METRICS.index("disbursements_amount")

    def change(key: tuple[str, str, str]) -> int:
        return abs(
            (newer.get(key, nothing)[paid] or 0) - (older.get(key, nothing)[paid] or 0)
        )

    differ.sort(key=lambda key: (-change(key), key[1], key[0], key[2]))
    rows = []
    for key in differ[:limit]:
        before, after = older.get(key), newer.get(key)
        row: dict[str, Any] = {
            "period": key[0],
            "ope_id": key[1],
            "loan_type": key[2],
            "school_name": (after or before or nothing)[0],
            "in_older": before is not None,
            "in_newer": after is not None,
        }
        for number, metric in enumerate(METRICS, start=1):
            row[f"old_{metric}"] = before[number] if before else None
            row[f"new_{metric}"] = after[number] if after else None
        rows.append(row)
    return len(differ), rows


def fingerprint(conn: sqlite3.Connection) -> tuple[Any, ...]:
    """What changes whenever the stream job writes: batches and publications.

    Cheap to ask; the dashboard's memory of slow results is kept while it holds.
    """
    return tuple(
        conn.execute(
            "SELECT (SELECT count(*) FROM stream_batches), "
            "(SELECT max(committed_at) FROM stream_batches), "
            "(SELECT count(*) FROM publication_versions WHERE complete), "
            "(SELECT total(received_school_rows) FROM publication_versions)"
        ).fetchone()
    )
