"""The stream's checkpoint folder: its stable id, staleness, and its lock.

Spark's checkpoint remembers which Kafka offsets were processed; the warehouse
remembers which batches it wrote. They must agree. A checkpoint is **stale**
when it has committed a batch the warehouse does not have: the warehouse was
deleted (or replaced by an older copy) while the checkpoint stayed. Resuming
from it would skip records the warehouse never got, so a stale checkpoint is
removed and the stream starts over from its starting offsets; records the
warehouse already holds are ignored on the way, so starting over is safe.

The folder holds a file with a random id, written when the folder is made. The
warehouse records batches under that id, so a new checkpoint never mistakes
its batch 0 for the batch 0 of an old one.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from loanflow.errors import CheckpointBusyError
from loanflow.warehouse import last_batch_id

logger = logging.getLogger(__name__)

ID_FILE = "loanflow-checkpoint-id"


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint folder ready for a query.

    Attributes:
        path: the folder (Spark's ``checkpointLocation``).
        checkpoint_id: its stable id, under which the warehouse records batches.
        started_over: a stale checkpoint was removed to make this one.
    """

    path: Path
    checkpoint_id: str
    started_over: bool = False


def prepare_checkpoint(path: Path, conn: sqlite3.Connection) -> Checkpoint:
    """The checkpoint to run with: the existing one, or a new one if stale.

    Args:
        path: the checkpoint folder (``Settings.checkpoint_dir(db)``).
        conn: the warehouse the stream feeds.
    """
    started_over = False
    if path.exists():
        checkpoint_id = _read_id(path)
        reason = _stale_reason(path, checkpoint_id, conn)
        if reason is None:
            assert checkpoint_id is not None
            return Checkpoint(path, checkpoint_id)
        logger.warning(
            "stale checkpoint, starting over from the starting offsets: "
            "checkpoint=%s reason=%s",
            path,
            reason,
        )
        shutil.rmtree(path)
        started_over = True
    path.mkdir(parents=True)
    checkpoint_id = uuid.uuid4().hex
    (path / ID_FILE).write_text(checkpoint_id + "\n", encoding="utf-8")
    logger.info("new checkpoint=%s checkpoint_id=%s", path, checkpoint_id)
    return Checkpoint(path, checkpoint_id, started_over)


def last_committed_batch(path: Path) -> int | None:
    """The last batch id Spark committed in a checkpoint, None if none."""
    commits = path / "commits"
    if not commits.is_dir():
        return None
    ids = [int(entry.name) for entry in commits.iterdir() if entry.name.isdigit()]
    return max(ids, default=None)


@contextmanager
def checkpoint_lock(path: Path) -> Iterator[None]:
    """Hold the checkpoint for one stream: a second one fails at once.

    The lock is a file beside the folder, released by the OS even if the
    process is killed.

    Raises:
        CheckpointBusyError: another stream holds the checkpoint.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_file = path.parent / f"{path.name}.lock"
    descriptor = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise CheckpointBusyError(
                f"another `loanflow stream` or `loanflow watch` is feeding this "
                f"warehouse from this topic (it holds {lock_file}): let it finish "
                f"or stop it first"
            ) from exc
        yield
    finally:
        os.close(descriptor)


def _read_id(path: Path) -> str | None:
    try:
        text = (path / ID_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return text or None


def _stale_reason(
    path: Path, checkpoint_id: str | None, conn: sqlite3.Connection
) -> str | None:
    """Why the checkpoint cannot be resumed, None when it can."""
    if checkpoint_id is None:
        return f"it has no {ID_FILE} file (not made by loanflow, or cut short)"
    committed = last_committed_batch(path)
    if committed is None:
        return None
    written = last_batch_id(conn, checkpoint_id)
    if written is None:
        return (
            f"Spark committed batches up to {committed} but the warehouse has none "
            f"of this checkpoint (was the warehouse deleted?)"
        )
    if written < committed:
        return (
            f"Spark committed batches up to {committed} but the warehouse only up "
            f"to {written} (was the warehouse replaced by an older copy?)"
        )
    return None


@contextmanager
def run_checkpoint(runs: Path) -> Iterator[Path]:
    """A checkpoint folder for one `loanflow run`, removed when the run ends.

    A run streams only what it published itself (from the topic's end offsets
    noted before publishing), so it does not resume the warehouse's standing
    checkpoint. Folders left by runs that were killed are removed first: their
    locks are free.

    Args:
        runs: the folder that holds run checkpoints.

    Yields:
        The path to give ``run_stream`` as its checkpoint (not yet created).
    """
    remove_abandoned_checkpoints(runs)
    path = runs / uuid.uuid4().hex
    try:
        yield path
    finally:
        _remove_checkpoint(path)


def remove_abandoned_checkpoints(runs: Path) -> None:
    """Remove the run checkpoints in ``runs`` that no process holds."""
    if not runs.is_dir():
        return
    for folder in runs.iterdir():
        if not folder.is_dir():
            continue
        try:
            with checkpoint_lock(folder):
                shutil.rmtree(folder)
        except CheckpointBusyError:
            continue
        (runs / f"{folder.name}.lock").unlink(missing_ok=True)
        logger.info("removed the checkpoint of an interrupted run: %s", folder)


def _remove_checkpoint(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    (path.parent / f"{path.name}.lock").unlink(missing_ok=True)
