"""Fixtures of the version tests: generated publications and a fresh warehouse."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from loanflow.warehouse import connect
from tests.stream.conftest import spark  # noqa: F401  (one session for all)
from tests.versions.support import write_publications


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The first publication of DL AY2012-13 Q4 and its revision (``.xls``)."""
    return write_publications(tmp_path_factory.mktemp("publications"))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "loanflow.db"


@pytest.fixture
def conn(db: Path) -> Iterator[sqlite3.Connection]:
    """A new warehouse, closed after the test."""
    connection = connect(db)
    yield connection
    connection.close()
