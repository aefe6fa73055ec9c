"""`loanflow versions list|retract|restore` through the real command line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from loanflow.cli import app
from tests.versions.support import LOAN_VOLUME_ROWS, integrate, view_rows, workbook_rows


def test_retract_and_restore_appear_in_versions_list(
    db: Path, conn: sqlite3.Connection, generated: tuple[Path, Path]
) -> None:
    first, revised = generated
    integrate(conn, first, 1)
    integrate(conn, revised, 2)
    runner = CliRunner()

    retracted = runner.invoke(
        app, ["versions", "retract", "2", "--reason", "bad totals", "--db", str(db)]
    )
    assert retracted.exit_code == 0, retracted.output
    assert retracted.stdout.strip() == (
        "Publication 2 retracted. loan_volume shows publication 1 of DL 2012-2013 "
        "Q4 (run 2015-01-09)."
    )
    assert view_rows(conn, LOAN_VOLUME_ROWS) == workbook_rows(first)

    restored = runner.invoke(
        app, ["versions", "restore", "2", "--reason", "confirmed", "--db", str(db)]
    )
    assert restored.exit_code == 0, restored.output
    assert view_rows(conn, LOAN_VOLUME_ROWS) == workbook_rows(revised)

    listed = runner.invoke(app, ["versions", "list", "--json", "--db", str(db)])
    assert listed.exit_code == 0, listed.output
    publications = json.loads(listed.stdout)["publications"]
    assert [(p["publication_id"], p["status"]) for p in publications] == [
        (1, "superseded"),
        (2, "current"),
    ]
    assert [(e["action"], e["reason"]) for e in publications[1]["events"]] == [
        ("retract", "bad totals"),
        ("restore", "confirmed"),
    ]

    table = runner.invoke(app, ["versions", "list", "--db", str(db)])
    assert table.exit_code == 0, table.output
    assert "Retractions and restorations" in table.stdout
    assert "bad totals" in table.stdout and "confirmed" in table.stdout


def test_restoring_what_is_not_retracted_is_one_line_and_exit_2(
    db: Path, conn: sqlite3.Connection, generated: tuple[Path, Path]
) -> None:
    integrate(conn, generated[0], 1)

    result = CliRunner().invoke(
        app, ["versions", "restore", "1", "--reason", "x", "--db", str(db)]
    )

    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: publication 1 is not retracted (it is current): there is nothing "
        "to restore"
    )


def test_versions_list_of_a_missing_warehouse_names_the_option(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    result = CliRunner().invoke(app, ["versions", "list", "--db", str(missing)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: no warehouse at {missing}: name one with --db or LOANFLOW_DB"
    )


def test_diff_limit_bounds_every_table_and_the_totals_stay_whole(
    db: Path, conn: sqlite3.Connection, generated: tuple[Path, Path]
) -> None:
    first, revised = generated
    integrate(conn, first, 1)
    integrate(conn, revised, 2)
    runner = CliRunner()

    full = json.loads(
        runner.invoke(
            app, ["versions", "diff", "1", "2", "--json", "--db", str(db)]
        ).stdout
    )
    shown = runner.invoke(
        app, ["versions", "diff", "1", "2", "--limit", "1", "--db", str(db)]
    )

    assert shown.exit_code == 0, shown.output
    counts = {
        "schools added": len(full["schools_added"]),
        "schools removed": len(full["schools_removed"]),
    }
    assert len(full["changes"]) > 1 and max(counts.values()) > 1
    for title, count in counts.items():
        if count > 1:
            assert f"… and {count - 1:,} more ({title};" in shown.stdout
    assert f"… and {len(full['changes']) - 1:,} more schools and loan" in (shown.stdout)
    assert "Totals by loan type" in shown.stdout
