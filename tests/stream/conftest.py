"""Fixtures of the stream tests: one Spark session for the whole test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pyspark.sql import SparkSession

from loanflow.settings import Settings
from loanflow.stream import build_spark


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    """A running Spark session (slow to start: shared by every stream test)."""
    session = build_spark(Settings())
    yield session
    session.stop()
