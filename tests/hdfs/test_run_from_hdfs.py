"""`loanflow run hdfs://...`: the same warehouse as from the local folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from loanflow.broker.ports import free_port_pair
from loanflow.workbooks.sample import write_sample
from tests.conftest import HdfsCluster
from tests.pipeline.helpers import loanflow, pipeline_env, query, view_totals
from tests.support.workbook_totals import expected_totals

pytestmark = pytest.mark.integration

OTHER_USER = "analyst"


def test_run_reads_hdfs_and_reports_an_unreadable_file_alone(
    hdfs_cluster: HdfsCluster,
    kafka_bootstrap: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    if hdfs_cluster.hdfs_uri is None:
        pytest.skip("LOANFLOW_TEST_HDFS names no hdfs:// address of the cluster")
    *readable, closed = sorted(write_sample(tmp_path / "sample"))
    folder = hdfs_cluster.folder(request)
    for path in (*readable, closed):
        hdfs_cluster.put(path, f"{folder}/{path.name}")
    hdfs_cluster.filesystem().chmod(f"{folder}/{closed.name}", 0)
    env = pipeline_env(tmp_path / "home", kafka_bootstrap)
    env |= {
        "LOANFLOW_HDFS_USER": OTHER_USER,
        "LOANFLOW_HDFS_HTTP_PORT": str(hdfs_cluster.http_port),
    }
    db = tmp_path / "hdfs.db"

    done = loanflow(
        "run", f"{hdfs_cluster.hdfs_uri}{folder}/*.xls*", "--db", db, env=env
    )

    assert done.returncode == 1, done.stderr[-3000:]
    closed_uri = f"{hdfs_cluster.hdfs_uri}{folder}/{closed.name}"
    assert (
        f"{closed_uri} (HDFS user '{OTHER_USER}'): permission denied: " in done.stderr
    )
    for path in readable:
        assert view_totals(db, path.name) == expected_totals(path)
    assert query(db, "SELECT source_file, source_uri FROM publications ORDER BY 1") == [
        (path.name, f"{hdfs_cluster.hdfs_uri}{folder}/{path.name}") for path in readable
    ]


def test_run_stops_with_one_line_when_the_namenode_does_not_answer(
    tmp_path: Path,
) -> None:
    port = free_port_pair()
    env = pipeline_env(tmp_path / "home", "unused:9092")
    env |= {"LOANFLOW_HDFS_USER": "alice", "LOANFLOW_HDFS_HTTP_PORT": str(port)}

    done = loanflow("run", "hdfs://localhost:8020/fsa/", env=env)

    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        f"error: hdfs://localhost:8020/fsa/ (HDFS user 'alice'): the NameNode's "
        f"WebHDFS at http://localhost:{port} does not answer (connection refused); "
        f"hdfs:// URIs are read through WebHDFS on port {port} of the same host: set "
        f"LOANFLOW_HDFS_HTTP_PORT to the NameNode's HTTP port"
    )
