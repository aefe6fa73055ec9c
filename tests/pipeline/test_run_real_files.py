"""`loanflow run` on the real FSA workbooks, through a real broker and Spark.

The acceptance checks of the main job: for every file, period and loan type the
public view holds the workbook's own sums and school count; a second run changes
nothing; a later publication of a report replaces it in the view and both stay
in the warehouse.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pipeline.helpers import (
    loanflow,
    pipeline_env,
    query,
    table_dump,
    view_totals,
)
from tests.support.workbook_totals import expected_totals

pytestmark = [pytest.mark.integration, pytest.mark.realdata]


def assert_file_integrated(db: Path, path: Path) -> None:
    expected = expected_totals(path)
    assert expected, f"no totals computed for {path.name}"
    assert view_totals(db, path.name) == expected


@pytest.fixture(scope="module")
def env(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return pipeline_env(tmp_path_factory.mktemp("pipeline-real"), kafka_bootstrap)


@pytest.fixture(scope="module")
def ffel_2009(fsa_data: Path) -> list[Path]:
    files = sorted((fsa_data / "loans").glob("FL_Dashboard_AY2009_2010_Q*.xls"))
    assert len(files) == 4
    return files


@pytest.fixture(scope="module")
def ffel_db(env: dict, ffel_2009: list[Path], tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("ffel") / "out.db"
    done = loanflow("run", *ffel_2009, "--db", db, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return db


def test_ffel_2009_2010_sums_equal_each_workbook(
    ffel_db: Path, ffel_2009: list[Path]
) -> None:
    for path in ffel_2009:
        assert_file_integrated(ffel_db, path)


def test_every_ope_id_has_8_digits(ffel_db: Path) -> None:
    bad = query(
        ffel_db,
        "SELECT COUNT(*) FROM loan_volume "
        "WHERE length(ope_id) != 8 OR ope_id GLOB '*[^0-9]*'",
    )
    assert bad == [(0,)]
    assert query(ffel_db, "SELECT COUNT(DISTINCT quarter) FROM loan_volume") == [(4,)]


def test_running_the_same_command_again_changes_nothing(
    env: dict, ffel_db: Path, ffel_2009: list[Path]
) -> None:
    before = table_dump(ffel_db)
    publications = query(ffel_db, "SELECT COUNT(*) FROM publications")

    again = loanflow("run", *ffel_2009, "--db", ffel_db, env=env)

    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.count("already in the warehouse") == len(ffel_2009)
    assert table_dump(ffel_db) == before
    assert query(ffel_db, "SELECT COUNT(*) FROM publications") == publications
    assert query(ffel_db, "SELECT COUNT(*) FROM rejected_records") == [(0,)]


def test_every_file_in_loans_then_a_revision(
    env: dict, fsa_data: Path, tmp_path: Path
) -> None:
    db = tmp_path / "all.db"
    loans = sorted((fsa_data / "loans").glob("*.xls"))

    done = loanflow("run", fsa_data / "loans", "--db", db, env=env)

    assert done.returncode == 0, done.stderr[-3000:]
    for path in loans:
        assert_file_integrated(db, path)
    # Only this run's files: a new warehouse does not take older runs' messages.
    files = query(db, "SELECT DISTINCT source_file FROM loan_volume ORDER BY 1")
    assert files == [(path.name,) for path in loans]

    # The revision republishes DL 2012-2013 Q4: the view now shows it, and the
    # first publication is still in the warehouse.
    revision = fsa_data / "revisions" / "DL_Dashboard_AY2012_2013_Q4.xls"
    done = loanflow("run", revision, "--db", db, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert_file_integrated(db, revision)
    shown = query(
        db,
        "SELECT DISTINCT run_date FROM loan_volume "
        "WHERE program = 'DL' AND award_year = '2012-2013' AND quarter = 4",
    )
    assert shown == [("2015-04-09",)]
    kept = query(
        db,
        "SELECT run_date, complete, latest FROM publication_versions "
        "WHERE program = 'DL' AND award_year = '2012-2013' AND quarter = 4 "
        "ORDER BY run_date",
    )
    assert kept == [("2015-01-09", 1, 0), ("2015-04-09", 1, 1)]
