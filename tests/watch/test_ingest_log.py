"""The ingest log on a real SQLite warehouse, and `loanflow files`."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from contextlib import closing
from pathlib import Path

from loanflow.warehouse import connect
from loanflow.watch.ingest_log import (
    decided_digests,
    latest_decisions,
    list_ingest_log,
    record_ingest,
)

SHA_A = "a" * 64
SHA_B = "b" * 64


def _fill(db: Path) -> None:
    with closing(connect(db)) as conn:
        for uri, sha, outcome, detail in (
            ("/in/a.xls", None, "waiting", "still being written"),
            ("/in/a.xls", SHA_A, "published", None),
            ("/in/copy.xls", SHA_A, "duplicate", "same content as /in/a.xls"),
            ("/in/bad.xls", SHA_B, "rejected", "cannot be opened"),
        ):
            record_ingest(
                conn,
                command="watch",
                uri=uri,
                file_name=Path(uri).name,
                size=10,
                modified_at="2026-01-01T00:00:00+00:00",
                sha256=sha,
                outcome=outcome,  # type: ignore[arg-type]
                detail=detail,
                school_rows=7 if outcome == "published" else None,
            )


def test_entries_come_back_newest_first_with_every_column(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    _fill(db)

    with closing(connect(db)) as conn:
        entries = list_ingest_log(conn, limit=3)
        decided = latest_decisions(conn)
        digests = decided_digests(conn)

    assert [(e.uri, e.outcome) for e in entries] == [
        ("/in/bad.xls", "rejected"),
        ("/in/copy.xls", "duplicate"),
        ("/in/a.xls", "published"),
    ]
    assert entries[2].school_rows == 7 and entries[2].sha256 == SHA_A
    assert {uri: e.outcome for uri, e in decided.items()} == {
        "/in/a.xls": "published",
        "/in/copy.xls": "duplicate",
        "/in/bad.xls": "rejected",
    }
    assert digests == {SHA_A: "/in/a.xls", SHA_B: "/in/bad.xls"}


def test_files_command_lists_the_log_as_json(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    _fill(db)

    done = subprocess.run(
        [sys.executable, "-m", "loanflow", "files", "--db", str(db), "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert [(r["uri"], r["outcome"], r["sha256"]) for r in rows] == [
        ("/in/bad.xls", "rejected", SHA_B),
        ("/in/copy.xls", "duplicate", SHA_A),
        ("/in/a.xls", "published", SHA_A),
        ("/in/a.xls", "waiting", None),
    ]


def test_files_command_names_a_missing_warehouse(tmp_path: Path) -> None:
    db = tmp_path / "none.db"

    done = subprocess.run(
        [sys.executable, "-m", "loanflow", "files", "--db", str(db)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert done.returncode == 2
    assert f"no warehouse at {db}: name one with --db or LOANFLOW_DB" in done.stderr
    assert not db.exists()


def test_a_run_records_each_file_with_its_outcome(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from loanflow.publish.producer import FileOutcome
    from loanflow.sources import SourceFile
    from loanflow.watch.ingest_log import record_run
    from loanflow.workbooks.model import Publication

    good, bad, known = (tmp_path / name for name in ("g.xls", "b.xls", "k.xls"))
    bad.write_text("not a workbook", encoding="utf-8")
    when = datetime(2026, 1, 1, tzinfo=UTC)
    sources = [SourceFile(str(p), p.name, 5, when) for p in (good, bad, known)]
    publication = Publication("DL", "2012-2013", 4, None, "g.xls", SHA_A)
    outcomes = [
        FileOutcome(path=good, publication=publication, school_rows=3),
        FileOutcome(path=bad, error="cannot be opened"),
        FileOutcome(path=known, publication=publication, already_integrated=True),
    ]
    db = tmp_path / "w.db"

    with closing(connect(db)) as conn:
        record_run(conn, sources, outcomes, delivery_failed=False)
        entries = list_ingest_log(conn)

    assert [
        (e.command, e.file_name, e.outcome, e.size, e.school_rows)
        for e in reversed(entries)
    ] == [
        ("run", "g.xls", "published", 5, 3),
        ("run", "b.xls", "rejected", 5, None),
        ("run", "k.xls", "duplicate", 5, 0),
    ]
    assert entries[1].sha256 == hashlib.sha256(b"not a workbook").hexdigest()
    assert entries[0].modified_at == when.isoformat()
