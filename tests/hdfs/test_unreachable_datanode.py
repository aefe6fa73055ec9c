"""A DataNode that the client cannot reach: the NameNode redirects to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from loanflow.broker.ports import free_port_pair
from loanflow.errors import SourceReadError
from loanflow.hdfs import LocalHdfs
from loanflow.settings import Settings
from loanflow.sources import find_sources, local_copy
from loanflow.workbooks.sample import write_sample

pytestmark = pytest.mark.integration

# Reserved (RFC 2606): never resolves.
UNREACHABLE_HOST = "datanode.invalid"


@pytest.fixture(scope="module")
def cut_off(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalHdfs]:
    """A local HDFS whose DataNode calls itself by a name nobody resolves."""
    port = free_port_pair()
    settings = Settings(
        home=tmp_path_factory.mktemp("cut-off-hdfs"),
        hdfs_port=port,
        hdfs_http_port=port + 1,
    )
    cluster = LocalHdfs(settings, datanode_host=UNREACHABLE_HOST)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def test_an_unreachable_datanode_is_a_read_error_naming_it(
    cut_off: LocalHdfs, tmp_path: Path
) -> None:
    workbook = write_sample(tmp_path)[0]
    fs = cut_off_filesystem(cut_off)
    fs.makedirs("/fsa", exist_ok=True)
    fs.put_file(str(workbook), f"/fsa/{workbook.name}")
    settings = Settings(
        hdfs_user=cut_off.superuser, hdfs_http_port=cut_off.settings.hdfs_http_port
    )
    found = find_sources([f"{cut_off.hdfs_uri}/fsa"], settings)

    with pytest.raises(SourceReadError) as raised, local_copy(found[0], settings):
        pass

    message = str(raised.value)
    assert message.startswith(
        f"{cut_off.hdfs_uri}/fsa/{workbook.name} (HDFS user '{cut_off.superuser}'): "
        f"the DataNode at {UNREACHABLE_HOST}:"
    )
    assert message.endswith(
        "that the NameNode sent the read to cannot be reached (name or service not "
        "known): loanflow must reach every DataNode (dfs.datanode.hostname, "
        "dfs.datanode.http.address)"
    )


def cut_off_filesystem(cluster: LocalHdfs) -> Any:
    """WebHDFS that reaches the DataNode through localhost, to upload."""
    import fsspec

    return fsspec.filesystem(
        "webhdfs",
        host="localhost",
        port=cluster.settings.hdfs_http_port,
        user=cluster.superuser,
        data_proxy={f"http://{UNREACHABLE_HOST}:": "http://localhost:"},
        skip_instance_cache=True,
    )
