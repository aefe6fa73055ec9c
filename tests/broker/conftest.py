"""Fixtures of the broker tests: an embedded broker of their own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from loanflow.broker import EmbeddedBroker
from loanflow.broker.ports import free_port_pair
from loanflow.settings import Settings


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    """An embedded broker, not started, on free ports with its home in tmp_path.

    Stopped after the test whatever happened.
    """
    settings = Settings(
        home=tmp_path / "home",
        kafka_bootstrap=None,
        kafka_port=free_port_pair(),
        kafka_ready_seconds=60,
    )
    embedded = EmbeddedBroker(settings)
    yield embedded
    embedded.stop()
