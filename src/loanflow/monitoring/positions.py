"""Where the stream job stands: its Spark checkpoint, read without Spark.

Spark writes ``offsets/<batch>`` when it plans a batch (a version line, a
metadata JSON line, then one JSON line per source such as
``{"topic":{"0":123,"1":45}}``) and ``commits/<batch>`` once the batch is done.
The committed position is the offsets file of the latest committed batch: the
offset of the next record the job will read in each partition.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from loanflow.stream.checkpoint import last_committed_batch

logger = logging.getLogger(__name__)

_LOCKS = Path("/proc/locks")


@dataclass(frozen=True)
class StreamPosition:
    """The committed position of a stream job in one topic.

    Attributes:
        checkpoint: the checkpoint folder read.
        batch_id: the latest committed batch, None when none was committed.
        offsets: partition -> offset of the next record to read; empty when no
            batch was committed.
        running: whether a stream job holds the checkpoint now; None when the
            system cannot tell.
    """

    checkpoint: Path
    batch_id: int | None
    offsets: dict[int, int]
    running: bool | None


def read_position(checkpoint: Path, topic: str) -> StreamPosition | None:
    """The committed position in ``topic`` of the checkpoint, None if absent.

    A checkpoint whose offsets file is unreadable (being written, or cut
    short) counts as having no committed batch, with a warning in the log.
    """
    if not checkpoint.is_dir():
        return None
    running = _is_locked(checkpoint.parent / f"{checkpoint.name}.lock")
    batch_id = last_committed_batch(checkpoint)
    if batch_id is None:
        return StreamPosition(checkpoint, None, {}, running)
    path = checkpoint / "offsets" / str(batch_id)
    try:
        offsets = parse_offsets_file(path.read_text(encoding="utf-8"), topic)
    except (OSError, ValueError) as exc:
        logger.warning("cannot read checkpoint offsets file=%s reason=%s", path, exc)
        return StreamPosition(checkpoint, None, {}, running)
    return StreamPosition(checkpoint, batch_id, offsets, running)


def parse_offsets_file(text: str, topic: str) -> dict[int, int]:
    """Partition -> offset of ``topic`` in the text of a Spark offsets file.

    Raises:
        ValueError: the text is not an offsets file (no version line, or a
            source line that is not JSON).
    """
    lines = text.splitlines()
    if len(lines) < 2 or not lines[0].startswith("v"):
        raise ValueError("not a Spark offsets file (no version line)")
    offsets: dict[int, int] = {}
    # Line 2 is the batch's metadata; each later line is one source's offsets.
    for line in lines[2:]:
        if not line.strip() or line.strip() == "-":
            continue
        source = json.loads(line)
        if isinstance(source, dict) and isinstance(source.get(topic), dict):
            offsets.update(
                {int(part): int(offset) for part, offset in source[topic].items()}
            )
    return offsets


def _is_locked(lock_file: Path) -> bool | None:
    """Whether a process holds an flock on the file (Linux: /proc/locks).

    Asked without taking the lock: taking it, even for a moment, could make a
    stream job that starts at that moment fail.
    """
    try:
        stat = os.stat(lock_file)
    except FileNotFoundError:
        return False
    wanted = (os.major(stat.st_dev), os.minor(stat.st_dev), stat.st_ino)
    try:
        table = _LOCKS.read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    for line in table.splitlines():
        fields = line.split()
        if "FLOCK" not in fields or len(fields) < 6:
            continue
        # "1: FLOCK ADVISORY WRITE <pid> <major>:<minor>:<inode> <start> <end>"
        major, minor, inode = fields[fields.index("FLOCK") + 4].split(":")
        if (int(major, 16), int(minor, 16), int(inode)) == wanted:
            return True
    return False
