"""When a checkpoint is resumed, when it is stale, and its lock (no Spark)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from loanflow.errors import CheckpointBusyError
from loanflow.stream.checkpoint import (
    ID_FILE,
    checkpoint_lock,
    prepare_checkpoint,
)
from loanflow.warehouse import connect, write_batch


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = connect(tmp_path / "loanflow.db")
    yield connection
    connection.close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "home" / "checkpoints" / "loanflow-0123456789ab"


def _spark_committed(folder: Path, *batch_ids: int) -> None:
    """Leave what Spark leaves in a checkpoint's commit log."""
    commits = folder / "commits"
    commits.mkdir(parents=True, exist_ok=True)
    for batch_id in batch_ids:
        (commits / str(batch_id)).write_text('v1\n{"nextBatchWatermarkMs":0}')
        (commits / f".{batch_id}.crc").write_bytes(b"crc")


def test_a_new_checkpoint_gets_an_id(folder: Path, conn: sqlite3.Connection) -> None:
    checkpoint = prepare_checkpoint(folder, conn)

    assert not checkpoint.started_over
    assert (folder / ID_FILE).read_text() == f"{checkpoint.checkpoint_id}\n"
    assert len(checkpoint.checkpoint_id) == 32


def test_a_checkpoint_the_warehouse_knows_is_resumed(
    folder: Path, conn: sqlite3.Connection
) -> None:
    first = prepare_checkpoint(folder, conn)
    _spark_committed(folder, 0, 1)
    write_batch(conn, first.checkpoint_id, 0, [])
    # The warehouse may be one batch ahead: Spark replays it, the warehouse skips.
    write_batch(conn, first.checkpoint_id, 1, [])
    write_batch(conn, first.checkpoint_id, 2, [])

    again = prepare_checkpoint(folder, conn)

    assert again == first
    assert (folder / "commits" / "1").exists()


def test_a_checkpoint_without_batches_in_the_warehouse_is_stale(
    folder: Path, conn: sqlite3.Connection
) -> None:
    first = prepare_checkpoint(folder, conn)
    _spark_committed(folder, 0)

    again = prepare_checkpoint(folder, conn)

    assert again.started_over
    assert again.checkpoint_id != first.checkpoint_id
    assert not (folder / "commits").exists()


def test_a_warehouse_behind_its_checkpoint_makes_it_stale(
    folder: Path, conn: sqlite3.Connection
) -> None:
    first = prepare_checkpoint(folder, conn)
    _spark_committed(folder, 0, 1, 2)
    write_batch(conn, first.checkpoint_id, 0, [])

    assert prepare_checkpoint(folder, conn).started_over


def test_a_checkpoint_not_made_by_loanflow_is_replaced(
    folder: Path, conn: sqlite3.Connection
) -> None:
    _spark_committed(folder, 0)

    checkpoint = prepare_checkpoint(folder, conn)

    assert checkpoint.started_over
    assert (folder / ID_FILE).exists()


def test_a_started_checkpoint_without_commits_is_resumed(
    folder: Path, conn: sqlite3.Connection
) -> None:
    # Killed before its first batch: nothing to lose, nothing to warn about.
    first = prepare_checkpoint(folder, conn)
    (folder / "offsets").mkdir()

    assert prepare_checkpoint(folder, conn) == first


def test_one_stream_at_a_time_per_checkpoint(folder: Path) -> None:
    with (
        checkpoint_lock(folder),
        pytest.raises(CheckpointBusyError) as raised,
        checkpoint_lock(folder),
    ):
        pass

    assert str(raised.value) == (
        "another `loanflow stream` or `loanflow watch` is feeding this warehouse "
        f"from this topic (it holds {folder.parent / 'loanflow-0123456789ab.lock'}): "
        "let it finish or stop it first"
    )
    with checkpoint_lock(folder):
        pass
