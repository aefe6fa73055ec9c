"""Opening the SQLite warehouse and bringing its schema up to date.

The schema lives in numbered migrations, ``migrations/NNNN_name.sql``, applied
in order, each in its own transaction, and recorded in ``schema_migrations``.
Connections run in autocommit mode: every write goes through ``transaction``.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from loanflow.errors import WarehouseError

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_SECONDS = 30.0
_MIGRATION_NAME = re.compile(r"(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql")
_CREATE_MIGRATIONS = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
) STRICT
"""


@dataclass(frozen=True)
class Migration:
    """One numbered schema change."""

    version: int
    name: str
    sql: str


def utc_now() -> str:
    """The current time as ISO 8601 text in UTC, as the warehouse stores it."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def load_migrations() -> list[Migration]:
    """The migrations shipped with loanflow, in version order.

    Raises:
        WarehouseError: two migrations share a version number.
    """
    folder = resources.files("loanflow.warehouse").joinpath("migrations")
    found: dict[int, Migration] = {}
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.fullmatch(entry.name)
        if match is None:
            continue
        migration = Migration(
            int(match["version"]), match["name"], entry.read_text(encoding="utf-8")
        )
        if migration.version in found:
            raise WarehouseError(
                f"two migrations have version {migration.version}: "
                f"{found[migration.version].name} and {migration.name}"
            )
        found[migration.version] = migration
    return [found[version] for version in sorted(found)]


def connect(db: Path) -> sqlite3.Connection:
    """Open the warehouse, creating it if needed, with its schema up to date.

    The connection uses WAL (readers never block the one writer), enforces
    foreign keys, waits up to ``BUSY_TIMEOUT_SECONDS`` for a lock, and is in
    autocommit mode: use ``transaction`` to write.

    Args:
        db: the SQLite file; its folder is created if missing.

    Returns:
        An open connection. Close it when done.

    Raises:
        WarehouseError: the file is not a SQLite database, cannot be created,
            was written by a newer loanflow, or a migration failed.
    """
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(db, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise WarehouseError(f"cannot open the warehouse {db}: {exc}") from exc
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        # FULL: a committed batch survives a power cut, so the Spark
        # checkpoint never gets ahead of the warehouse.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn, db)
    except sqlite3.OperationalError as exc:
        conn.close()
        raise WarehouseError(f"cannot use the warehouse {db}: {exc}") from exc
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise WarehouseError(
            f"{db} is not a loanflow warehouse ({exc}): pass another --db, or move "
            f"the file away to start a new warehouse"
        ) from exc
    except BaseException:
        conn.close()
        raise
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run a block in one write transaction: commit at the end, roll back on error.

    ``BEGIN IMMEDIATE`` takes the write lock at once, so the block never fails
    half-way because another writer came first.

    Raises:
        WarehouseError: another process held the write lock for longer than
            the connection waits (``BUSY_TIMEOUT_SECONDS``).
    """
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        path = conn.execute("PRAGMA database_list").fetchone()[2]
        (waited,) = conn.execute("PRAGMA busy_timeout").fetchone()
        raise WarehouseError(
            f"the warehouse {path} stayed locked by another writer for "
            f"{waited / 1000:g} s ({exc}): find the process that holds it "
            f"(`fuser {path}`) and try again"
        ) from exc
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def schema_version(conn: sqlite3.Connection) -> int:
    """The highest migration applied to the warehouse, 0 for a new one."""
    (version,) = conn.execute(
        "SELECT ifnull(max(version), 0) FROM schema_migrations"
    ).fetchone()
    return int(version)


def last_batch_id(conn: sqlite3.Connection, checkpoint_id: str) -> int | None:
    """The highest batch id written for a checkpoint, None when none was."""
    (batch_id,) = conn.execute(
        "SELECT max(batch_id) FROM stream_batches WHERE checkpoint_id = ?",
        (checkpoint_id,),
    ).fetchone()
    return None if batch_id is None else int(batch_id)


def migrate(conn: sqlite3.Connection, db: Path) -> list[int]:
    """Apply the migrations the warehouse lacks, each in its own transaction.

    Args:
        conn: an open connection in autocommit mode.
        db: the file, for messages.

    Returns:
        The versions applied now (empty when the schema was up to date).

    Raises:
        WarehouseError: the warehouse is newer than this loanflow, or a migration
            failed (it is rolled back; earlier ones stay applied).
    """
    migrations = load_migrations()
    known = migrations[-1].version if migrations else 0
    conn.execute(_CREATE_MIGRATIONS)
    current = schema_version(conn)
    _check_not_newer(db, current, known)
    applied: list[int] = []
    # Only a warehouse behind the code takes the write lock.
    for migration in [m for m in migrations if m.version > current]:
        with transaction(conn):
            # Read under the write lock: another process may have migrated.
            current = schema_version(conn)
            _check_not_newer(db, current, known)
            if migration.version <= current:
                continue
            try:
                for statement in _statements(migration.sql):
                    conn.execute(statement)
            except sqlite3.Error as exc:
                raise WarehouseError(
                    f"migration {migration.version:04d}_{migration.name} failed on "
                    f"{db}: {exc}"
                ) from exc
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) "
                "VALUES (?, ?, ?)",
                (migration.version, migration.name, utc_now()),
            )
        applied.append(migration.version)
        logger.info(
            "migrated db=%s version=%d name=%s", db, migration.version, migration.name
        )
    return applied


def _check_not_newer(db: Path, current: int, known: int) -> None:
    if current > known:
        raise WarehouseError(
            f"{db} has schema version {current} but this loanflow knows versions "
            f"up to {known}: upgrade loanflow, or pass another --db"
        )


def _statements(script: str) -> Iterator[str]:
    """Split a SQL script into statements (``executescript`` would commit)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending
            pending = ""
    if pending.strip() and not _only_comments(pending):
        yield pending


def _only_comments(text: str) -> bool:
    return all(
        not line.strip() or line.lstrip().startswith("--") for line in text.splitlines()
    )
