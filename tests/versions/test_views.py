"""The views publications, loan_volume_history and loan_volume, on real SQLite.

Publications are generated workbooks read by loanflow's reader and written
batch by batch as the stream writes them; expected rows come from the cells.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from loanflow.warehouse import connect, write_batch
from loanflow.warehouse import db as warehouse_db
from loanflow.warehouse.versions import (
    VersionError,
    get_publication,
    list_publications,
    restore_publication,
    retract_publication,
)
from tests.versions.support import (
    HISTORY_ROWS,
    LOAN_VOLUME_ROWS,
    integrate,
    view_rows,
    workbook_rows,
)
from tests.warehouse.factories import publication, records, school_row


def _statuses(conn: sqlite3.Connection) -> list[tuple[int, str | None, str, int]]:
    return conn.execute(
        "SELECT publication_id, run_date, status, is_current FROM publications "
        "ORDER BY publication_id"
    ).fetchall()


@pytest.mark.parametrize("revised_first", [False, True], ids=["in-order", "reversed"])
def test_the_later_run_is_current_whatever_the_order(
    conn: sqlite3.Connection, generated: tuple[Path, Path], revised_first: bool
) -> None:
    first, revised = generated
    order = [revised, first] if revised_first else [first, revised]
    for batch_id, path in enumerate(order):
        integrate(conn, path, batch_id)

    assert view_rows(conn, LOAN_VOLUME_ROWS) == workbook_rows(revised)
    ids = {path: index + 1 for index, path in enumerate(order)}
    assert view_rows(conn, HISTORY_ROWS, ids[first]) == workbook_rows(first)
    assert view_rows(conn, HISTORY_ROWS, ids[revised]) == workbook_rows(revised)
    assert conn.execute(
        "SELECT DISTINCT publication_id, is_current FROM loan_volume_history "
        "ORDER BY publication_id"
    ).fetchall() == sorted([(ids[first], 0), (ids[revised], 1)])
    assert _statuses(conn) == sorted(
        [
            (ids[first], "2015-01-09", "superseded", 0),
            (ids[revised], "2015-04-09", "current", 1),
        ]
    )


def test_the_publications_view_has_the_columns_the_docs_list(
    conn: sqlite3.Connection, generated: tuple[Path, Path]
) -> None:
    first, _ = generated
    integrate(conn, first, 1)

    row = conn.execute("SELECT * FROM publications").fetchone()
    names = [
        column[0] for column in conn.execute("SELECT * FROM publications").description
    ]
    found = dict(zip(names, row, strict=True))
    assert found["program"] == "DL"
    assert found["award_year"] == "2012-2013"
    assert found["quarter"] == 4
    assert found["run_date"] == "2015-01-09"
    assert found["source_uri"] == os.path.abspath(first)
    assert found["school_rows"] == found["received_school_rows"] == 8
    assert found["status"] == "current"
    assert found["ingested_at"] <= found["completed_at"]
    assert names == [
        "publication_id",
        "program",
        "award_year",
        "quarter",
        "run_date",
        "source_file",
        "source_uri",
        "source_sha256",
        "ingested_at",
        "completed_at",
        "school_rows",
        "received_school_rows",
        "status",
        "is_current",
        "last_action",
        "last_action_reason",
        "last_action_at",
    ]


def test_half_a_publication_is_never_shown(
    conn: sqlite3.Connection, generated: tuple[Path, Path]
) -> None:
    first, revised = generated
    integrate(conn, first, 1)
    integrate(conn, revised, 2, upto=5)

    assert view_rows(conn, LOAN_VOLUME_ROWS) == workbook_rows(first)
    assert conn.execute(
        "SELECT DISTINCT publication_id FROM loan_volume_history"
    ).fetchall() == [(1,)]
    assert _statuses(conn)[1] == (2, "2015-04-09", "receiving", 0)

    integrate(conn, revised, 3)
    assert view_rows(conn, LOAN_VOLUME_ROWS) == workbook_rows(revised)


def test_the_same_bytes_again_create_nothing(
    conn: sqlite3.Connection, generated: tuple[Path, Path]
) -> None:
    first, revised = generated
    integrate(conn, first, 1)
    integrate(conn, revised, 2)
    before = conn.execute("SELECT * FROM loan_volume_history").fetchall()

    integrate(conn, first, 3)
    integrate(conn, revised, 4)

    assert conn.execute("SELECT count(*) FROM publications").fetchone() == (2,)
    assert conn.execute("SELECT * FROM loan_volume_history").fetchall() == before


def test_undated_ranks_below_dated_and_ties_go_to_the_later_one(
    conn: sqlite3.Connection,
) -> None:
    rows = [school_row(7, "00100200")]
    undated = publication("undated.xls", run_date=None)
    dated = publication("dated.xls", run_date=date(2010, 1, 5))
    same_day = publication("same-day.xls", run_date=date(2010, 1, 5))
    write_batch(conn, "c", 1, records(undated, *rows))
    assert _statuses(conn) == [(1, None, "current", 1)]

    write_batch(conn, "c", 2, records(dated, *rows))
    write_batch(conn, "c", 3, records(same_day, *rows))

    assert _statuses(conn) == [
        (1, None, "superseded", 0),
        (2, "2010-01-05", "superseded", 0),
        (3, "2010-01-05", "current", 1),
    ]


def test_retract_then_restore_round_trips(
    conn: sqlite3.Connection, generated: tuple[Path, Path]
) -> None:
    first, revised = generated
    integrate(conn, first, 1)
    integrate(conn, revised, 2)
    shown = conn.execute(
        "SELECT * FROM loan_volume ORDER BY 1, 2, 3, 4, 5, 10"
    ).fetchall()

    retract_publication(conn, 2, "totals off by a quarter")
    assert view_rows(conn, LOAN_VOLUME_ROWS) == workbook_rows(first)
    assert _statuses(conn) == [
        (1, "2015-01-09", "current", 1),
        (2, "2015-04-09", "retracted", 0),
    ]
    # Retracted, not deleted.
    assert view_rows(conn, HISTORY_ROWS, 2) == workbook_rows(revised)

    restore_publication(conn, 2, "FSA confirmed the figures")
    assert (
        conn.execute("SELECT * FROM loan_volume ORDER BY 1, 2, 3, 4, 5, 10").fetchall()
        == shown
    )
    events = get_publication(conn, 2).events
    assert [(e.action, e.reason) for e in events] == [
        ("retract", "totals off by a quarter"),
        ("restore", "FSA confirmed the figures"),
    ]
    listed = {p.publication_id: p for p in list_publications(conn)}
    assert listed[2].events == events
    assert listed[2].status == "current"


def test_retracting_the_only_publication_empties_its_report(
    conn: sqlite3.Connection, generated: tuple[Path, Path]
) -> None:
    integrate(conn, generated[0], 1)
    retract_publication(conn, 1, "wrong file")
    assert conn.execute("SELECT count(*) FROM loan_volume").fetchone() == (0,)


@pytest.mark.parametrize(
    ("action", "publication_id", "reason", "message"),
    [
        (
            "retract",
            9,
            "why",
            "no publication 9 in the warehouse: `loanflow versions list` shows the ids",
        ),
        (
            "retract",
            1,
            "  ",
            "a reason is needed to retract publication 1: pass --reason TEXT",
        ),
        (
            "restore",
            1,
            "why",
            "publication 1 is not retracted (it is current): there is nothing to "
            "restore",
        ),
    ],
)
def test_a_wrong_retraction_says_why(
    conn: sqlite3.Connection,
    generated: tuple[Path, Path],
    action: str,
    publication_id: int,
    reason: str,
    message: str,
) -> None:
    integrate(conn, generated[0], 1)
    act = retract_publication if action == "retract" else restore_publication
    with pytest.raises(VersionError) as raised:
        act(conn, publication_id, reason)
    assert str(raised.value) == message
    assert conn.execute("SELECT count(*) FROM publication_events").fetchone() == (0,)


def test_retracting_twice_is_refused(
    conn: sqlite3.Connection, generated: tuple[Path, Path]
) -> None:
    integrate(conn, generated[0], 1)
    retract_publication(conn, 1, "wrong file")
    with pytest.raises(VersionError, match="publication 1 is retracted already"):
        retract_publication(conn, 1, "again")


def test_a_schema_1_warehouse_keeps_its_publications(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = warehouse_db.load_migrations()
    monkeypatch.setattr(warehouse_db, "load_migrations", lambda: shipped[:1])
    old = connect(db)
    rows = [school_row(7, "00100200"), school_row(8, "00100800")]
    write_version_1(old, rows)
    before = old.execute("SELECT * FROM loan_volume ORDER BY ope_id").fetchall()
    old.close()

    monkeypatch.undo()
    conn = connect(db)
    try:
        assert conn.execute("SELECT * FROM loan_volume ORDER BY ope_id").fetchall() == (
            before
        )
        assert _statuses(conn) == [(1, "2010-01-05", "current", 1)]
        assert conn.execute(
            "SELECT publication_id, complete, latest FROM publication_versions"
        ).fetchall() == [(1, 1, 1)]
        # The foreign key of school_volumes follows the renamed table.
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(
                "INSERT INTO school_volumes VALUES "
                "(99, 'quarter', 'Q', 1, '00100200', NULL, NULL, NULL, 'public', "
                "'subsidized', 1, 1, 1, 1, 1)"
            )
    finally:
        conn.close()


def write_version_1(conn: sqlite3.Connection, rows: list) -> None:
    """What schema 1's writer stored: a publication and its school rows."""
    conn.execute("INSERT INTO reports VALUES (1, 'DL', '2009-2010', 1)")
    conn.execute(
        "INSERT INTO stream_batches (checkpoint_id, batch_id, committed_at) "
        "VALUES ('c', 1, 'now')"
    )
    conn.execute(
        "INSERT INTO publications (publication_id, report_id, source_sha256, "
        "source_file, run_date, school_rows, received_school_rows, first_seen_at, "
        "first_seen_checkpoint_id, first_seen_batch_id, last_seen_checkpoint_id, "
        "last_seen_batch_id, completed_at) "
        "VALUES (1, 1, ?, 'DL_Q1.xls', '2010-01-05', 2, 2, 'now', 'c', 1, 'c', 1, "
        "'now')",
        ("a" * 64,),
    )
    for row in rows:
        item = row.volumes[0]
        conn.execute(
            "INSERT INTO school_volumes VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, ?)",
            (
                row.period,
                row.sheet,
                row.row,
                row.ope_id,
                row.school_name,
                row.state,
                row.zip_code,
                row.school_type,
                item.loan_type,
                item.recipients,
                item.loans_originated,
                item.loans_originated_amount,
                item.disbursements,
                item.disbursements_amount,
            ),
        )
