"""Sources on a real HDFS: listing, copying, and one line for each failure."""

from __future__ import annotations

import getpass
import re
from pathlib import Path

import pytest

from loanflow.broker.ports import free_port_pair
from loanflow.errors import SourceError, SourceReadError
from loanflow.settings import Settings
from loanflow.sources import find_sources, local_copy
from loanflow.workbooks.sample import write_sample
from tests.conftest import HdfsCluster

pytestmark = pytest.mark.integration

# Not the superuser: permissions are checked for this user.
OTHER_USER = "analyst"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture
def uploaded(
    hdfs_cluster: HdfsCluster, sample: list[Path], request: pytest.FixtureRequest
) -> str:
    """A fresh HDFS folder holding the sample; its path."""
    folder = hdfs_cluster.folder(request)
    for path in sample:
        hdfs_cluster.put(path, f"{folder}/{path.name}")
    return folder


def settings_for(cluster: HdfsCluster, user: str | None = None) -> Settings:
    return Settings(hdfs_user=user or cluster.user, hdfs_http_port=cluster.http_port)


def test_a_folder_lists_its_workbooks_with_sizes(
    hdfs_cluster: HdfsCluster, sample: list[Path], uploaded: str
) -> None:
    found = find_sources(
        [f"{hdfs_cluster.webhdfs_uri}{uploaded}"], settings_for(hdfs_cluster)
    )

    assert [(s.uri, s.name, s.size) for s in found] == [
        (f"{hdfs_cluster.webhdfs_uri}{uploaded}/{p.name}", p.name, p.stat().st_size)
        for p in sorted(sample)
    ]
    assert all(s.modified is not None for s in found)


def test_hdfs_uris_are_read_through_webhdfs_and_keep_their_name(
    hdfs_cluster: HdfsCluster, sample: list[Path], uploaded: str
) -> None:
    if hdfs_cluster.hdfs_uri is None:
        pytest.skip("LOANFLOW_TEST_HDFS names no hdfs:// address of the cluster")
    first = sorted(sample)[0]
    pattern = f"{hdfs_cluster.hdfs_uri}{uploaded}/{first.name[:-6]}*"

    found = find_sources([pattern], settings_for(hdfs_cluster))

    assert [s.uri for s in found] == [f"{hdfs_cluster.hdfs_uri}{uploaded}/{first.name}"]
    with local_copy(found[0], settings_for(hdfs_cluster)) as copy:
        assert copy.read_bytes() == first.read_bytes()
        assert copy.name == first.name
    assert not copy.exists()


def test_an_unreachable_namenode_is_one_line(hdfs_cluster: HdfsCluster) -> None:
    port = free_port_pair()
    spec = f"webhdfs://localhost:{port}/fsa/*.xls"

    with pytest.raises(SourceError) as raised:
        find_sources([spec], settings_for(hdfs_cluster, "alice"))

    assert str(raised.value) == (
        f"{spec} (HDFS user 'alice'): the NameNode's WebHDFS at "
        f"http://localhost:{port} does not answer (connection refused); check the "
        f"host and the NameNode's HTTP port"
    )


def test_an_hdfs_uri_names_the_http_port_it_was_read_through(
    hdfs_cluster: HdfsCluster,
) -> None:
    port = free_port_pair()
    settings = Settings(hdfs_user="alice", hdfs_http_port=port)

    with pytest.raises(SourceError) as raised:
        find_sources(["hdfs://localhost:8020/fsa"], settings)

    assert str(raised.value) == (
        f"hdfs://localhost:8020/fsa (HDFS user 'alice'): the NameNode's WebHDFS at "
        f"http://localhost:{port} does not answer (connection refused); hdfs:// "
        f"URIs are read through WebHDFS on port {port} of the same host: set "
        f"LOANFLOW_HDFS_HTTP_PORT to the NameNode's HTTP port"
    )


def test_a_missing_path_is_one_line(
    hdfs_cluster: HdfsCluster, request: pytest.FixtureRequest
) -> None:
    spec = f"{hdfs_cluster.webhdfs_uri}{hdfs_cluster.folder(request)}/none.xls"

    with pytest.raises(SourceError) as raised:
        find_sources([spec], settings_for(hdfs_cluster))

    assert str(raised.value) == (
        f"{spec} (HDFS user '{hdfs_cluster.user}'): no such file or folder"
    )


def test_a_folder_of_another_user_cannot_be_listed(
    hdfs_cluster: HdfsCluster, uploaded: str
) -> None:
    # WebHDFS takes the mode as octal digits.
    hdfs_cluster.filesystem().chmod(uploaded, 700)
    spec = f"{hdfs_cluster.webhdfs_uri}{uploaded}"

    with pytest.raises(SourceError) as raised:
        find_sources([spec], settings_for(hdfs_cluster, OTHER_USER))

    message = str(raised.value)
    assert message.startswith(f"{spec} (HDFS user '{OTHER_USER}'): permission denied: ")
    assert f"user={OTHER_USER}, access=READ_EXECUTE" in message
    assert message.endswith("; set LOANFLOW_HDFS_USER to a user who may read it")
    assert "\n" not in message


def test_a_file_of_mode_000_is_a_read_error_of_that_file(
    hdfs_cluster: HdfsCluster, sample: list[Path], uploaded: str
) -> None:
    closed = f"{uploaded}/{sorted(sample)[0].name}"
    hdfs_cluster.filesystem().chmod(closed, 0)
    settings = settings_for(hdfs_cluster, OTHER_USER)
    found = find_sources([f"{hdfs_cluster.webhdfs_uri}{uploaded}"], settings)

    with pytest.raises(SourceReadError) as raised, local_copy(found[0], settings):
        pass

    uri = f"{hdfs_cluster.webhdfs_uri}{closed}"
    assert re.fullmatch(
        rf"{re.escape(uri)} \(HDFS user '{OTHER_USER}'\): permission denied: "
        rf"Permission denied: user={OTHER_USER}, access=READ, .*; set "
        r"LOANFLOW_HDFS_USER to a user who may read it",
        str(raised.value),
    )
    # The other files of the folder are still readable.
    with local_copy(found[1], settings) as copy:
        assert copy.stat().st_size == found[1].size


def test_the_default_user_is_the_os_user() -> None:
    assert Settings().hdfs_user == getpass.getuser()
