"""Versions of a real report: DL AY2012-13 Q4 as first published and as revised.

One warehouse for the module: `loanflow run` of the first publication
(``loans/``, run 2015-01-09), then of the revision (``revisions/``, run
2015-04-09), through a real broker and Spark. Every expected value is read
from the workbooks' cells (tests/versions/support.py, tests/support).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from loanflow.warehouse import connect
from loanflow.workbooks.model import METRICS
from tests.pipeline.helpers import loanflow, pipeline_env, query, table_dump
from tests.versions.support import (
    HISTORY_ROWS,
    LOAN_VOLUME_ROWS,
    ViewRow,
    integrate,
    view_rows,
    workbook_rows,
)
from tests.versions.test_diff import expected_changes, expected_total_changes

pytestmark = [pytest.mark.integration, pytest.mark.realdata]

NAME = "DL_Dashboard_AY2012_2013_Q4.xls"


@pytest.fixture(scope="module")
def files(fsa_data: Path) -> tuple[Path, Path]:
    return fsa_data / "loans" / NAME, fsa_data / "revisions" / NAME


@pytest.fixture(scope="module")
def env(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return pipeline_env(tmp_path_factory.mktemp("versions-real"), kafka_bootstrap)


@pytest.fixture(scope="module")
def db(env: dict, files: tuple[Path, Path]) -> Path:
    """The warehouse after integrating the first publication, then the revision."""
    warehouse = Path(env["LOANFLOW_HOME"]) / "versions.db"
    for path in files:
        result = loanflow("run", path, "--db", warehouse, env=env)
        assert result.returncode == 0, result.stdout + result.stderr
    return warehouse


@pytest.fixture
def conn(db: Path) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as connection:
        yield connection


def test_two_publications_the_revision_current_both_exact(
    conn: sqlite3.Connection, files: tuple[Path, Path]
) -> None:
    first, revised = files
    publications = conn.execute(
        "SELECT publication_id, run_date, status, source_uri FROM publications "
        "ORDER BY publication_id"
    ).fetchall()
    assert publications == [
        (1, "2015-01-09", "superseded", str(first)),
        (2, "2015-04-09", "current", str(revised)),
    ]
    assert view_rows(conn, LOAN_VOLUME_ROWS) == workbook_rows(revised)
    assert view_rows(conn, HISTORY_ROWS, 1) == workbook_rows(first)
    assert view_rows(conn, HISTORY_ROWS, 2) == workbook_rows(revised)


def test_export_as_of_gives_the_first_publication(
    db: Path, env: dict, files: tuple[Path, Path], tmp_path: Path
) -> None:
    import pandas as pd

    from loanflow.warehouse.export import PANDAS_CSV_OPTIONS

    target = tmp_path / "as-of.csv"
    result = loanflow(
        "export", "--as-of", "2015-02-01", "-o", target, "--db", db, env=env
    )
    assert result.returncode == 0, result.stderr

    frame = pd.read_csv(target, **PANDAS_CSV_OPTIONS)
    keep = ["period", "ope_id", "loan_type", *METRICS]
    exported: dict[ViewRow, int] = {}
    for row in frame[keep].itertuples(index=False):
        key = tuple(None if pd.isna(v) else v for v in row)
        key = (*key[:3], *(None if v is None else int(v) for v in key[3:]))
        exported[key] = exported.get(key, 0) + 1  # type: ignore[index]
    assert exported == dict(workbook_rows(files[0]))
    assert set(frame["run_date"].dt.date.astype(str)) == {"2015-01-09"}


def test_diff_names_every_changed_school_and_totals_match_the_workbooks(
    db: Path, env: dict, files: tuple[Path, Path]
) -> None:
    first, revised = files
    result = loanflow(
        "versions",
        "diff",
        "2015-01-09",
        "2015-04-09",
        "--program",
        "DL",
        "--award-year",
        "2012-2013",
        "--quarter",
        "4",
        "--json",
        "--db",
        db,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)

    changes = {
        (
            c["period"],
            c["ope_id"],
            c["loan_type"],
            tuple(c["old"][m] for m in METRICS),
            tuple(c["new"][m] for m in METRICS),
        )
        for c in found["changes"]
    }
    assert changes == expected_changes(first, revised)
    assert changes, "the revision changes some schools"
    totals = {
        (t["period"], t["loan_type"]): tuple(t["difference"][m] for m in METRICS)
        for t in found["totals"]
    }
    assert totals == expected_total_changes(first, revised)

    before = {row[:2] for row in workbook_rows(first)}
    after = {row[:2] for row in workbook_rows(revised)}
    assert {(s["period"], s["ope_id"]) for s in found["schools_added"]} == (
        after - before
    )
    assert {(s["period"], s["ope_id"]) for s in found["schools_removed"]} == (
        before - after
    )


def test_a_third_run_of_either_file_changes_nothing(
    db: Path, env: dict, files: tuple[Path, Path]
) -> None:
    before = table_dump(db), query(db, "SELECT * FROM publications")
    for path in files:
        result = loanflow("run", path, "--db", db, env=env)
        assert result.returncode == 0, result.stderr
        assert "already in the warehouse" in result.stdout
    assert (table_dump(db), query(db, "SELECT * FROM publications")) == before


def test_retract_then_restore_round_trips_and_both_are_listed(
    db: Path, env: dict, files: tuple[Path, Path]
) -> None:
    first, revised = files
    retract = loanflow(
        "versions", "retract", "2", "--reason", "checking", "--db", db, env=env
    )
    assert retract.returncode == 0, retract.stderr
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        assert view_rows(conn, LOAN_VOLUME_ROWS) == workbook_rows(first)

    restore = loanflow(
        "versions", "restore", "2", "--reason", "checked", "--db", db, env=env
    )
    assert restore.returncode == 0, restore.stderr
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        assert view_rows(conn, LOAN_VOLUME_ROWS) == workbook_rows(revised)

    listed = loanflow("versions", "list", "--json", "--db", db, env=env)
    events = json.loads(listed.stdout)["publications"][1]["events"]
    assert [(e["action"], e["reason"]) for e in events] == [
        ("retract", "checking"),
        ("restore", "checked"),
    ]


def test_the_revision_first_gives_the_same_views(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    # Written straight into the warehouse (the stream's writer, no Kafka):
    # the order of arrival must not matter.
    first, revised = files
    with closing(connect(tmp_path / "reversed.db")) as conn:
        integrate(conn, revised, 1)
        integrate(conn, first, 2)
        assert view_rows(conn, LOAN_VOLUME_ROWS) == workbook_rows(revised)
        assert view_rows(conn, HISTORY_ROWS, 1) == workbook_rows(revised)
        assert view_rows(conn, HISTORY_ROWS, 2) == workbook_rows(first)
