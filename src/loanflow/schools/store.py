"""Storing a Federal School Code List as the warehouse's school directory.

The directory is one list: the last one loaded. Loading a different list
replaces it in one transaction, and every load stays recorded in
``school_directory_loads`` (file, digest, when, what it held, when it was
replaced). Loading the list that is already the directory changes nothing.

Unlike the loan volumes, which reach the warehouse through Kafka and the
stream job, the directory is reference data of a few thousand rows: the CLI
writes it directly, in one ``BEGIN IMMEDIATE`` transaction that waits for the
stream's writes like any other writer.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass

from loanflow.schools.directory import SchoolCodeList
from loanflow.warehouse.db import transaction, utc_now

logger = logging.getLogger(__name__)

_INSERT_SCHOOL = """
INSERT INTO schools (
    school_code, school_name, address, city, state, zip_code, province, country,
    postal_code, other_columns, load_id, sheet, sheet_row
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
_INSERT_REJECTED = """
INSERT INTO school_directory_rejected (
    load_id, sheet, sheet_row, columns, reasons, problems, cells
) VALUES (?, ?, ?, ?, ?, ?, ?)
"""


@dataclass(frozen=True)
class DirectoryLoad:
    """One load of a school code list, as ``school_directory_loads`` records it.

    Attributes:
        load_id: the load's id.
        source_file: the list's file name.
        source_sha256: the digest of its bytes.
        schools: rows loaded into ``schools``.
        rejected_rows: rows kept aside in ``school_directory_rejected``.
        blank_rows: empty rows below the header, not entries.
        loaded_at: when (UTC, ISO 8601).
        replaced_at: when a later load replaced it; None for the current one.
    """

    load_id: int
    source_file: str
    source_sha256: str
    schools: int
    rejected_rows: int
    blank_rows: int
    loaded_at: str
    replaced_at: str | None


@dataclass(frozen=True)
class LoadOutcome:
    """What ``store_school_code_list`` did.

    Attributes:
        load: the current load after the call.
        changed: False when the list was already the directory.
        replaced: the load it replaced, if any.
    """

    load: DirectoryLoad
    changed: bool
    replaced: DirectoryLoad | None


def store_school_code_list(
    conn: sqlite3.Connection, code_list: SchoolCodeList
) -> LoadOutcome:
    """Make a school code list the warehouse's directory, in one transaction.

    Args:
        conn: a connection from ``loanflow.warehouse.connect``.
        code_list: the list as ``read_school_code_list`` read it; its rows
            kept aside are stored with it.

    Returns:
        The current load, whether anything changed, and the load replaced.
    """
    with transaction(conn):
        current = current_load(conn)
        if current is not None and current.source_sha256 == code_list.source_sha256:
            logger.info(
                "school code list already loaded file=%s load_id=%d",
                code_list.source_file,
                current.load_id,
            )
            return LoadOutcome(current, changed=False, replaced=None)

        now = utc_now()
        conn.execute(
            "UPDATE school_directory_loads SET replaced_at = ? "
            "WHERE replaced_at IS NULL",
            (now,),
        )
        load_id = conn.execute(
            "INSERT INTO school_directory_loads (source_file, source_sha256, sheets, "
            "schools, rejected_rows, blank_rows, loaded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING load_id",
            (
                code_list.source_file,
                code_list.source_sha256,
                json.dumps(code_list.sheets),
                len(code_list.schools),
                len(code_list.problems),
                code_list.blank_rows,
                now,
            ),
        ).fetchone()[0]

        # The directory is the new list alone: no entry of the old one lingers.
        conn.execute("DELETE FROM schools")
        conn.executemany(
            _INSERT_SCHOOL,
            (
                (
                    s.school_code,
                    s.school_name,
                    s.address,
                    s.city,
                    s.state,
                    s.zip_code,
                    s.province,
                    s.country,
                    s.postal_code,
                    json.dumps(dict(s.other_columns)) if s.other_columns else None,
                    load_id,
                    s.sheet,
                    s.row,
                )
                for s in code_list.schools
            ),
        )
        conn.executemany(
            _INSERT_REJECTED,
            (
                (
                    load_id,
                    p.sheet,
                    p.row,
                    ", ".join(sorted({column for column, _ in p.problems})),
                    "; ".join(f"{column}: {reason}" for column, reason in p.problems),
                    json.dumps([{"column": c, "reason": r} for c, r in p.problems]),
                    json.dumps(list(p.cells)),
                )
                for p in code_list.problems
            ),
        )
        load = current_load(conn)
    assert load is not None
    replaced = None if current is None else _load_by_id(conn, current.load_id)
    logger.info(
        "school code list loaded file=%s load_id=%d schools=%d rejected_rows=%d "
        "replaced_file=%s",
        load.source_file,
        load.load_id,
        load.schools,
        load.rejected_rows,
        None if replaced is None else replaced.source_file,
    )
    return LoadOutcome(load, changed=True, replaced=replaced)


def current_load(conn: sqlite3.Connection) -> DirectoryLoad | None:
    """The load whose list is the directory, None when none was loaded."""
    row = conn.execute(
        f"SELECT {_LOAD_COLUMNS} FROM school_directory_loads WHERE replaced_at IS NULL"
    ).fetchone()
    return None if row is None else DirectoryLoad(*row)


def list_loads(conn: sqlite3.Connection) -> list[DirectoryLoad]:
    """Every load, the latest first."""
    rows = conn.execute(
        f"SELECT {_LOAD_COLUMNS} FROM school_directory_loads ORDER BY load_id DESC"
    )
    return [DirectoryLoad(*row) for row in rows]


_LOAD_COLUMNS = (
    "load_id, source_file, source_sha256, schools, rejected_rows, blank_rows, "
    "loaded_at, replaced_at"
)


def _load_by_id(conn: sqlite3.Connection, load_id: int) -> DirectoryLoad:
    row = conn.execute(
        f"SELECT {_LOAD_COLUMNS} FROM school_directory_loads WHERE load_id = ?",
        (load_id,),
    ).fetchone()
    return DirectoryLoad(*row)
