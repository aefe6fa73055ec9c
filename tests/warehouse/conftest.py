"""Fixtures of the warehouse tests: a real SQLite file in the test's folder."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from loanflow.warehouse import connect


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Where the test's warehouse lives (in a folder that does not exist yet)."""
    return tmp_path / "data" / "loanflow.db"


@pytest.fixture
def conn(db: Path) -> Iterator[sqlite3.Connection]:
    """An open warehouse, closed after the test."""
    connection = connect(db)
    yield connection
    connection.close()
