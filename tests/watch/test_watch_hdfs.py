"""`loanflow watch` on an HDFS directory (WebHDFS), against real HDFS and Kafka."""

from __future__ import annotations

import os
import signal
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import HdfsCluster
from tests.pipeline.helpers import view_totals
from tests.support.workbook_totals import expected_totals
from tests.watch.helpers import (
    STOP_SECONDS,
    in_loan_volume,
    outcomes,
    query,
    wait_for,
    watch_env,
    watch_process,
    write_ffel_report,
)

pytestmark = pytest.mark.integration

NAME = "FL_Dashboard_AY2009_2010_Q2.xlsx"


def test_watch_takes_new_hdfs_content_once(
    hdfs_cluster: HdfsCluster,
    kafka_bootstrap: str,
    topic: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    workbook = write_ffel_report(tmp_path / NAME, date(2010, 1, 20))
    folder = hdfs_cluster.folder(request)
    hdfs_cluster.filesystem().makedirs(folder, exist_ok=True)
    db = tmp_path / "watch.db"
    env = watch_env(
        tmp_path / "home",
        db,
        LOANFLOW_KAFKA_BOOTSTRAP=kafka_bootstrap,
        LOANFLOW_TOPIC=topic,
        LOANFLOW_HDFS_USER=hdfs_cluster.user,
    )
    log = tmp_path / "watch.log"

    with watch_process([hdfs_cluster.webhdfs_uri + folder], env, log) as watch:
        # What `hdfs dfs -put` writes before its rename is never taken.
        hdfs_cluster.put(workbook, f"{folder}/{NAME}._COPYING_")
        hdfs_cluster.put(workbook, f"{folder}/{NAME}")
        wait_for(
            watch,
            log,
            "HDFS workbook in loan_volume",
            lambda: in_loan_volume(db, NAME),
        )
        hdfs_cluster.put(workbook, f"{folder}/again/{NAME}")
        wait_for(watch, log, "copy recorded", lambda: "duplicate" in outcomes(db, NAME))

        os.killpg(watch.pid, signal.SIGTERM)
        assert watch.wait(timeout=STOP_SECONDS) == 0, log.read_text()[-4000:]

    assert view_totals(db, NAME) == expected_totals(workbook)
    # WebHDFS creates a file, then writes it: a poll may see it growing.
    decided = [
        row
        for row in query(db, "SELECT uri, outcome FROM ingest_log ORDER BY entry_id")
        if row[1] != "waiting"
    ]
    assert decided == [
        (f"{hdfs_cluster.webhdfs_uri}{folder}/{NAME}", "published"),
        (f"{hdfs_cluster.webhdfs_uri}{folder}/again/{NAME}", "duplicate"),
    ]
