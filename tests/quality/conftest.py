"""Fixtures of the quality tests: a real SQLite warehouse in the test's folder."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from loanflow.warehouse import connect


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """An open, empty warehouse, closed after the test."""
    connection = connect(tmp_path / "loanflow.db")
    yield connection
    connection.close()
