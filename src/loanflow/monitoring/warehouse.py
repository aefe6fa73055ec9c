"""Reading the warehouse without ever writing it, while the stream job writes.

The warehouse is in WAL mode: a reader sees the last committed transaction and
never blocks the writer. Opened with ``mode=ro``, a reader cannot migrate or
change anything; it waits at most ``READ_BUSY_SECONDS`` for a lock (only
needed while a checkpoint of the WAL resets it).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

from loanflow.errors import WarehouseError

READ_BUSY_SECONDS = 2.0


def open_read_only(db: Path) -> sqlite3.Connection:
    """A read-only connection to the warehouse ``db``.

    Raises:
        WarehouseError: there is no such file, or it cannot be opened.
    """
    if not db.is_file():
        raise WarehouseError(
            f"no warehouse at {db}: name one with --db or LOANFLOW_DB "
            f"(`loanflow run` makes one)"
        )
    uri = f"file:{quote(str(db.resolve()))}?mode=ro"
    try:
        conn = sqlite3.connect(
            uri, uri=True, timeout=READ_BUSY_SECONDS, check_same_thread=False
        )
        conn.execute("PRAGMA query_only = ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        raise WarehouseError(f"cannot read the warehouse {db}: {exc}") from exc
    return conn


def has_relation(conn: sqlite3.Connection, name: str) -> bool:
    """Whether the warehouse has a table or view of this name."""
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?",
        (name,),
    ).fetchone()
    return row is not None


def columns_of(conn: sqlite3.Connection, relation: str) -> list[str]:
    """The column names of a table or view (empty when it does not exist)."""
    if not has_relation(conn, relation):
        return []
    # The name was checked against sqlite_master above: no injection here.
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{relation}")')]
