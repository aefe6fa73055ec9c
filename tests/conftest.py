"""Fixtures shared by every test package: the real data, a Kafka broker, settings.

Integration tests get a real broker: the one named by
``LOANFLOW_TEST_KAFKA_BOOTSTRAP``, else an embedded broker that this session
starts on free ports and stops at its end. Every test gets its own topic.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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
