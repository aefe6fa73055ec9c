"""`loanflow run` with no PATH: the inbox, and a generated sample when it is empty."""

from __future__ import annotations

from pathlib import Path

import pytest

from loanflow.broker.ports import free_port_pair
from loanflow.workbooks.sample import write_sample
from tests.pipeline.helpers import loanflow, pipeline_env, query, view_totals
from tests.support.workbook_totals import expected_totals

pytestmark = pytest.mark.integration


def test_empty_inbox_gets_a_sample_that_is_integrated(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    env = pipeline_env(tmp_path / "home", kafka_bootstrap)
    inbox = Path(env["LOANFLOW_INBOX"])
    db = tmp_path / "sample.db"

    done = loanflow("run", "--db", db, env=env)

    assert done.returncode == 0, done.stderr[-3000:]
    assert "was empty" in done.stdout
    written = sorted(inbox.iterdir())
    assert written, "no sample was written into the inbox"
    for path in written:
        expected = expected_totals(path)
        assert view_totals(db, path.name) == expected
    assert query(db, "SELECT COUNT(*) FROM rejected_records") == [(0,)]


def test_a_run_integrates_its_own_workbooks_only(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    # Two warehouses fed through one topic: what a run publishes for one must
    # not land in the other when that one is run again.
    env = pipeline_env(tmp_path / "home", kafka_bootstrap)
    first, second, third = write_sample(tmp_path / "sample")
    mine, other = tmp_path / "mine.db", tmp_path / "other.db"

    assert loanflow("run", first, "--db", mine, env=env).returncode == 0
    assert loanflow("run", second, "--db", other, env=env).returncode == 0
    again = loanflow("run", first, third, "--db", mine, env=env)

    assert again.returncode == 0, again.stderr[-3000:]
    files = query(mine, "SELECT DISTINCT source_file FROM loan_volume ORDER BY 1")
    assert files == sorted([(first.name,), (third.name,)])
    assert "already in the warehouse" in again.stdout
    assert query(other, "SELECT DISTINCT source_file FROM loan_volume") == [
        (second.name,)
    ]


def test_with_no_cluster_named_a_run_starts_and_stops_its_own_broker(
    tmp_path: Path,
) -> None:
    env = pipeline_env(tmp_path / "home", "unused")
    del env["LOANFLOW_KAFKA_BOOTSTRAP"]
    env["LOANFLOW_KAFKA_PORT"] = str(free_port_pair())
    files = write_sample(tmp_path / "sample")

    done = loanflow("run", *files, "--db", tmp_path / "own.db", env=env)

    assert done.returncode == 0, done.stderr[-3000:]
    assert "embedded broker started" in done.stderr
    assert "embedded broker stopped" in done.stderr
    status = loanflow("kafka", "status", env=env)
    assert status.returncode == 3, status.stdout
