"""Fixtures shared by every test package: the real data, a Kafka broker, settings.

Integration tests get a real broker: the one named by
``LOANFLOW_TEST_KAFKA_BOOTSTRAP``, else an embedded broker that this session
starts on free ports and stops at its end. Every test gets its own topic.
"""

from __future__ import annotations

import getpass
import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from loanflow.broker import EmbeddedBroker, ensure_topic, wait_for_cluster
from loanflow.broker.ports import free_port_pair
from loanflow.settings import Settings

CHECKOUT = Path(__file__).resolve().parents[1]
FSA_DATA = CHECKOUT.parent / "shared" / "data" / "fsa"
TEST_PARTITIONS = 3


@pytest.fixture(scope="session")
def fsa_data() -> Path:
    """The folder of the real FSA workbooks (``<checkout>/../shared/data/fsa``)."""
    if not FSA_DATA.is_dir():
        pytest.skip(f"the real FSA workbooks are not in {FSA_DATA}")
    return FSA_DATA


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap address of a Kafka cluster that answers.

    ``LOANFLOW_TEST_KAFKA_BOOTSTRAP`` names one; otherwise an embedded broker runs
    for the session, its state in a temporary folder.
    """
    named = os.environ.get("LOANFLOW_TEST_KAFKA_BOOTSTRAP")
    if named:
        wait_for_cluster(named, timeout=30)
        yield named
        return

    settings = Settings(
        home=tmp_path_factory.mktemp("kafka-home"),
        kafka_bootstrap=None,
        kafka_port=free_port_pair(),
    )
    broker = EmbeddedBroker(settings)
    broker.start()
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


@pytest.fixture
def topic(kafka_bootstrap: str, request: pytest.FixtureRequest) -> str:
    """A topic of 3 partitions made for this test alone."""
    test = re.sub(r"[^A-Za-z0-9._-]", "-", request.node.name)[:120]
    name = f"test.{test}.{uuid.uuid4().hex[:8]}"
    ensure_topic(kafka_bootstrap, name, TEST_PARTITIONS)
    return name


@pytest.fixture
def settings_factory(
    tmp_path: Path, kafka_bootstrap: str, topic: str
) -> Callable[..., Settings]:
    """Makes Settings for this test: state in ``tmp_path``, the test's broker/topic.

    Call it with field overrides, e.g. ``settings_factory(db=other_db)``.
    """

    def make(**overrides: Any) -> Settings:
        fields: dict[str, Any] = {
            "home": tmp_path / "home",
            "db": tmp_path / "loanflow.db",
            "inbox": tmp_path / "inbox",
            "kafka_bootstrap": kafka_bootstrap,
            "topic": topic,
            "topic_partitions": TEST_PARTITIONS,
        }
        return Settings(**(fields | overrides))

    return make


@dataclass(frozen=True)
class HdfsCluster:
    """An HDFS that answers on WebHDFS, for tests that read sources from it.

    Attributes:
        webhdfs_uri: ``webhdfs://host:httpport`` of the NameNode.
        hdfs_uri: ``hdfs://host:rpcport``, None when an existing cluster is used
            without ``LOANFLOW_TEST_HDFS``.
        user: an HDFS user who may write (the superuser of a local cluster).
        http_port: the NameNode's HTTP port (``Settings.hdfs_http_port``).
    """

    webhdfs_uri: str
    hdfs_uri: str | None
    user: str
    http_port: int

    def filesystem(self, user: str | None = None) -> Any:
        """fsspec's WebHDFS file system of this cluster, as ``user``."""
        import fsspec

        parts = urlsplit(self.webhdfs_uri)
        return fsspec.filesystem(
            "webhdfs",
            host=parts.hostname,
            port=parts.port,
            user=user or self.user,
            skip_instance_cache=True,
        )

    def put(self, local: Path, remote_path: str) -> str:
        """Upload ``local`` to ``remote_path`` (folders made); its webhdfs URI."""
        fs = self.filesystem()
        fs.makedirs(remote_path.rsplit("/", 1)[0] or "/", exist_ok=True)
        fs.put_file(str(local), remote_path)
        return f"{self.webhdfs_uri}{remote_path}"

    def folder(self, request: pytest.FixtureRequest) -> str:
        """A fresh folder path for one test, e.g. ``/tests/test_x-1a2b3c4d``."""
        test = re.sub(r"[^A-Za-z0-9._-]", "-", request.node.name)[:80]
        return f"/tests/{test}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def hdfs_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HdfsCluster]:
    """A real HDFS for the session.

    ``LOANFLOW_TEST_WEBHDFS`` (``webhdfs://host:port``) names an existing cluster
    (with ``LOANFLOW_TEST_HDFS`` for its ``hdfs://host:rpcport`` and
    ``LOANFLOW_TEST_HDFS_USER`` for a user who may write); otherwise the local
    HDFS of ``loanflow hdfs`` runs on free ports, its state in a temporary folder.
    """
    from loanflow.hdfs import LocalHdfs

    named = os.environ.get("LOANFLOW_TEST_WEBHDFS")
    if named:
        port = urlsplit(named).port or 9870
        yield HdfsCluster(
            webhdfs_uri=named.rstrip("/"),
            hdfs_uri=os.environ.get("LOANFLOW_TEST_HDFS"),
            user=os.environ.get("LOANFLOW_TEST_HDFS_USER") or getpass.getuser(),
            http_port=port,
        )
        return

    rpc_port = free_port_pair()
    settings = Settings(
        home=tmp_path_factory.mktemp("hdfs-home"),
        hdfs_port=rpc_port,
        hdfs_http_port=rpc_port + 1,
    )
    local = LocalHdfs(settings)
    local.start()
    try:
        yield HdfsCluster(
            webhdfs_uri=local.webhdfs_uri,
            hdfs_uri=local.hdfs_uri,
            user=local.superuser,
            http_port=settings.hdfs_http_port,
        )
    finally:
        local.stop()
