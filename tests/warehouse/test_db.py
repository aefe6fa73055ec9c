"""Opening the warehouse and migrating its schema, on real SQLite files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from loanflow.errors import WarehouseError
from loanflow.warehouse import connect, transaction
from loanflow.warehouse import db as warehouse_db
from loanflow.warehouse.db import Migration


def _schema(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return conn.execute(
        "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
        "ORDER BY type, name"
    ).fetchall()


def test_connect_creates_the_folder_and_a_wal_warehouse(db: Path) -> None:
    conn = connect(db)
    try:
        assert db.is_file()
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
        assert conn.execute("PRAGMA busy_timeout").fetchone() == (30000,)
        # Other migrations add their own objects; these are the core's.
        assert {
            ("index", "publication_records_report"),
            ("index", "rejected_records_file"),
            ("index", "reports_key"),
            ("index", "school_volumes_school"),
            ("table", "publication_events"),
            ("table", "publication_records"),
            ("table", "rejected_records"),
            ("table", "reports"),
            ("table", "schema_migrations"),
            ("table", "school_volumes"),
            ("table", "stream_batches"),
            ("view", "loan_volume"),
            ("view", "loan_volume_history"),
            ("view", "publication_versions"),
            ("view", "publications"),
        } <= set(_schema(conn))
        assert ("index", "publications_report") not in _schema(conn)
    finally:
        conn.close()


def test_migrations_are_applied_once(db: Path) -> None:
    first = connect(db)
    schema = _schema(first)
    first.close()

    again = connect(db)
    try:
        assert _schema(again) == schema
        assert again.execute(
            "SELECT version, name FROM schema_migrations"
        ).fetchall() == [(m.version, m.name) for m in warehouse_db.load_migrations()]
    finally:
        again.close()


def test_the_public_view_has_exactly_the_documented_columns(
    conn: sqlite3.Connection,
) -> None:
    columns = [
        (name, declared)
        for _, name, declared, *_ in conn.execute("PRAGMA table_info(loan_volume)")
    ]
    assert columns == [
        ("program", "TEXT"),
        ("award_year", "TEXT"),
        ("quarter", "INTEGER"),
        ("period", "TEXT"),
        ("ope_id", "TEXT"),
        ("school_name", "TEXT"),
        ("state", "TEXT"),
        ("zip_code", "TEXT"),
        ("school_type", "TEXT"),
        ("loan_type", "TEXT"),
        ("recipients", "INTEGER"),
        ("loans_originated", "INTEGER"),
        ("loans_originated_amount", "INTEGER"),
        ("disbursements", "INTEGER"),
        ("disbursements_amount", "INTEGER"),
        ("run_date", "TEXT"),
        ("source_file", "TEXT"),
    ]


def test_a_warehouse_newer_than_the_code_is_refused(db: Path) -> None:
    conn = connect(db)
    conn.execute(
        "INSERT INTO schema_migrations VALUES (42, 'from_the_future', '2031-01-01')"
    )
    conn.close()

    with pytest.raises(WarehouseError) as raised:
        connect(db)

    known = warehouse_db.load_migrations()[-1].version
    assert str(raised.value) == (
        f"{db} has schema version 42 but this loanflow knows versions up to "
        f"{known}: upgrade loanflow, or pass another --db"
    )


def test_a_file_that_is_not_sqlite_is_refused(db: Path) -> None:
    db.parent.mkdir(parents=True)
    db.write_text("OPE ID,School\n00100200,ALABAMA A & M UNIVERSITY\n")

    with pytest.raises(WarehouseError) as raised:
        connect(db)

    assert str(raised.value) == (
        f"{db} is not a loanflow warehouse (file is not a database): pass another "
        f"--db, or move the file away to start a new warehouse"
    )


def test_a_failing_migration_leaves_nothing_behind(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect(db).close()
    shipped = warehouse_db.load_migrations()
    last = shipped[-1].version
    broken = Migration(
        last + 1,
        "broken",
        "CREATE TABLE half_done (id INTEGER);\nINSERT INTO nowhere VALUES (1);",
    )
    monkeypatch.setattr(warehouse_db, "load_migrations", lambda: [*shipped, broken])

    with pytest.raises(WarehouseError, match=f"migration {last + 1:04d}_broken fail"):
        connect(db)

    monkeypatch.undo()
    conn = connect(db)
    try:
        assert conn.execute(
            "SELECT max(version) FROM schema_migrations"
        ).fetchone() == (last,)
        assert ("table", "half_done") not in _schema(conn)
    finally:
        conn.close()


def test_an_up_to_date_warehouse_opens_while_another_connection_writes(
    db: Path,
) -> None:
    connect(db).close()
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        # The stream opens the warehouse for every batch; it must not queue
        # behind a writer just to learn that the schema is current.
        connect(db).close()
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_a_write_lock_held_past_the_timeout_is_a_warehouse_error(db: Path) -> None:
    holder = connect(db)
    # Another writer that waits 0.1 s instead of 30 s for the lock.
    waiter = sqlite3.connect(db, timeout=0.1, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(WarehouseError) as raised, transaction(waiter):
            pass
        holder.execute("ROLLBACK")
        with transaction(waiter):
            waiter.execute("SELECT 1")
    finally:
        holder.close()
        waiter.close()

    assert str(raised.value) == (
        f"the warehouse {db} stayed locked by another writer for 0.1 s (database "
        f"is locked): find the process that holds it (`fuser {db}`) and try again"
    )
