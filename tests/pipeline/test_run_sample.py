"""`loanflow run` with no PATH: the inbox, and a generated sample when it is empty."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pipeline.helpers import loanflow, pipeline_env, query, view_totals
from tests.support.workbook_totals import workbook_totals

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
        expected = {
            key: (
                t.schools,
                t.recipients,
                t.loans_originated,
                t.loans_originated_amount,
                t.disbursements,
                t.disbursements_amount,
            )
            for key, t in workbook_totals(path).items()
        }
        assert view_totals(db, path.name) == expected
    assert query(db, "SELECT COUNT(*) FROM rejected_records") == [(0,)]
