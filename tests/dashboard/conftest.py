"""A warehouse built once through the real pipeline, and the dashboard serving it.

The warehouse holds the generated sample (FFEL 2009-10 Q2, DL 2012-13 Q4, DL
2018-19 Q1) and a revision of the DL 2012-13 Q4 report with a later run date
and changed figures, so the Versions page has two publications to compare.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from loanflow.dashboard import create_app
from loanflow.settings import Settings
from loanflow.workbooks.layouts import DL_FIVE, ReportSpec, workbook_grids, write_xlsx
from loanflow.workbooks.sample import sample_school_lines, write_sample
from tests.dashboard.server import serve
from tests.pipeline.helpers import loanflow, pipeline_env


@dataclass(frozen=True)
class Served:
    """The dashboard of the test warehouse, served on localhost."""

    url: str
    db: Path
    settings: Settings


def write_revision(folder: Path) -> Path:
    """A later publication of the sample's DL 2012-13 Q4 report, figures changed.

    The first school's quarterly volumes grow by 1,000 dollars and one loan in
    each loan type; the last school of the year-to-date sheet is left out.
    """
    report = ReportSpec("DL", "2012-2013", 4, date(2014, 1, 21))
    lines = {
        period: sample_school_lines(DL_FIVE, report, period)
        for period in ("quarter", "year_to_date")
    }
    first = lines["quarter"][0]
    # Recipients stay; loans and disbursements +1, their dollars +1,000.
    steps = (0, 1, 1000, 1, 1000)
    grown = tuple(
        tuple(
            cell + step if isinstance(cell, int) else cell
            for cell, step in zip(block, steps, strict=True)
        )
        for block in first.volumes
    )
    lines["quarter"][0] = dataclasses.replace(first, volumes=grown)
    lines["year_to_date"] = lines["year_to_date"][:-1]
    return write_xlsx(
        folder / "revised-DL_Dashboard_AY2012_2013_Q4.xlsx",
        workbook_grids(DL_FIVE, report, lines),
    )


@pytest.fixture(scope="session")
def dashboard_env(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """Environment of the `loanflow` commands that built the test warehouse."""
    return pipeline_env(tmp_path_factory.mktemp("dashboard-home"), kafka_bootstrap)


@pytest.fixture(scope="session")
def dashboard_db(
    dashboard_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The test warehouse, built once by `loanflow run` on a real broker."""
    folder = tmp_path_factory.mktemp("dashboard-workbooks")
    files = [*write_sample(folder), write_revision(folder)]
    db = folder / "dashboard.db"
    done = loanflow("run", *files, "--db", db, env=dashboard_env)
    assert done.returncode == 0, done.stderr[-3000:]
    return db


@pytest.fixture(scope="session")
def served(dashboard_db: Path, dashboard_env: dict[str, str]) -> Iterator[Served]:
    """The dashboard of the test warehouse, asking the test broker and topic."""
    settings = Settings(
        home=Path(dashboard_env["LOANFLOW_HOME"]),
        db=dashboard_db,
        kafka_bootstrap=dashboard_env["LOANFLOW_KAFKA_BOOTSTRAP"],
        topic=dashboard_env["LOANFLOW_TOPIC"],
    )
    with serve(create_app(settings)) as url:
        yield Served(url, dashboard_db, settings)
