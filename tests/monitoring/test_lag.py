"""Lag grows while the stream job is stopped and returns to 0 once it caught up.

Real broker, real `loanflow produce`, `loanflow stream` and `loanflow status`
commands; the Pipeline page is asked the same questions and must agree.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from loanflow.dashboard import create_app
from loanflow.settings import Settings
from loanflow.workbooks.sample import write_sample
from tests.dashboard.server import serve
from tests.pipeline.helpers import loanflow, pipeline_env

pytestmark = pytest.mark.integration


def produce(path: Path, env: dict[str, str]) -> int:
    """Publish one workbook; how many messages Kafka confirmed."""
    done = loanflow("produce", path, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    found = re.search(r"([\d,]+) of ([\d,]+) messages confirmed", done.stdout)
    assert found is not None, done.stdout
    confirmed, sent = (int(n.replace(",", "")) for n in found.groups())
    assert confirmed == sent > 0
    return confirmed


def status(db: Path, env: dict[str, str]) -> dict[str, Any]:
    done = loanflow("status", "--json", "--db", db, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout))


def stream(db: Path, env: dict[str, str]) -> None:
    done = loanflow("stream", "--until-caught-up", "--db", db, env=env)
    assert done.returncode == 0, done.stderr[-3000:]


def page_lag(url: str) -> tuple[int, dict[int, int]]:
    """Total lag and lag per partition as the Pipeline page shows them."""
    html = httpx.get(f"{url}/pipeline", timeout=30).text
    total = re.search(r'id="total-lag" data-value="(\d+)"', html)
    assert total is not None, "the Pipeline page shows no lag"
    rows = re.findall(
        r'data-partition="(\d+)">.*?data-metric="lag">([\d,]+)<', html, re.DOTALL
    )
    return int(total[1]), {int(p): int(n.replace(",", "")) for p, n in rows}


def lag_by_partition(facts: dict[str, Any]) -> dict[int, int]:
    return {p["partition"]: p["lag"] for p in facts["partitions"]}


def test_lag_grows_while_stopped_and_returns_to_zero(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    env = pipeline_env(tmp_path / "home", kafka_bootstrap)
    db = tmp_path / "lag.db"
    first, second, _ = write_sample(tmp_path / "sample")
    settings = Settings(
        home=Path(env["LOANFLOW_HOME"]),
        kafka_bootstrap=kafka_bootstrap,
        topic=env["LOANFLOW_TOPIC"],
    )
    with serve(create_app(settings, db)) as url:
        # Nothing streamed yet: every message produced is lag.
        produced = produce(first, env)
        facts = status(db, env)
        assert (facts["lag"], facts["checkpoint_exists"]) == (produced, False)

        stream(db, env)
        facts = status(db, env)
        assert facts["lag"] == 0
        assert facts["checkpoint_exists"] and facts["stream_running"] is False
        assert all(p["position"] == p["end_offset"] for p in facts["partitions"])
        assert sum(b["records"] for b in facts["batches"]) == produced
        assert all(b["seconds"] is not None for b in facts["batches"])
        assert page_lag(url) == (0, lag_by_partition(facts))

        # The stream job is stopped: what arrives now waits, as lag.
        more = produce(second, env)
        facts = status(db, env)
        assert facts["lag"] == more
        assert page_lag(url) == (more, lag_by_partition(facts))

        stream(db, env)
        facts = status(db, env)
        assert facts["lag"] == 0
        assert page_lag(url) == (0, lag_by_partition(facts))
