"""Reading the stream job's position from a Spark checkpoint, and quick answers."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

import pytest

from loanflow.broker.ports import free_port_pair
from loanflow.monitoring import gather_pipeline_facts, read_position
from loanflow.monitoring.positions import parse_offsets_file
from loanflow.settings import Settings
from loanflow.warehouse import connect

# Spark 4's offsets file: version, batch metadata, then one line per source.
OFFSETS = (
    "v1\n"
    '{"batchWatermarkMs":0,"batchTimestampMs":1764790000000,"conf":{}}\n'
    '{"loanflow.loan-volume.v1":{"2":54,"1":60,"0":70}}'
)


def write_checkpoint(
    folder: Path, batches: dict[int, str], committed: list[int]
) -> None:
    (folder / "offsets").mkdir(parents=True)
    (folder / "commits").mkdir()
    for batch, text in batches.items():
        (folder / "offsets" / str(batch)).write_text(text, encoding="utf-8")
    for batch in committed:
        (folder / "commits" / str(batch)).write_text("v1\n{}", encoding="utf-8")


def test_offsets_file_gives_offsets_of_the_topic() -> None:
    assert parse_offsets_file(OFFSETS, "loanflow.loan-volume.v1") == {
        0: 70,
        1: 60,
        2: 54,
    }
    assert parse_offsets_file(OFFSETS, "another.topic") == {}


def test_text_that_is_no_offsets_file_is_refused() -> None:
    with pytest.raises(ValueError, match="no version line"):
        parse_offsets_file('{"t":{"0":1}}', "t")


def test_position_is_that_of_the_latest_committed_batch(tmp_path: Path) -> None:
    later = OFFSETS.replace('"0":70', '"0":99')
    write_checkpoint(tmp_path / "cp", {0: OFFSETS, 1: later}, committed=[0])

    position = read_position(tmp_path / "cp", "loanflow.loan-volume.v1")

    # Batch 1 is planned but not committed: its offsets are not the position.
    assert position is not None
    assert (position.batch_id, position.offsets) == (0, {0: 70, 1: 60, 2: 54})
    assert position.running is False


def test_a_held_checkpoint_lock_means_the_stream_runs(tmp_path: Path) -> None:
    write_checkpoint(tmp_path / "cp", {0: OFFSETS}, committed=[0])
    descriptor = os.open(tmp_path / "cp.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        position = read_position(tmp_path / "cp", "loanflow.loan-volume.v1")
    finally:
        os.close(descriptor)

    assert position is not None and position.running is True


def test_no_checkpoint_no_position(tmp_path: Path) -> None:
    assert read_position(tmp_path / "absent", "t") is None


def test_kafka_down_is_said_quickly(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    connect(db).close()
    # Nothing listens on a port that was just found free.
    settings = Settings(home=tmp_path / "home", kafka_port=free_port_pair())

    started = time.monotonic()
    facts = gather_pipeline_facts(settings, db)

    assert time.monotonic() - started < 1.0
    assert not facts.kafka_reachable
    assert facts.kafka_error == f"Kafka not reachable at {settings.bootstrap}"
    assert (facts.lag, facts.partitions, facts.warehouse_error) == (None, [], None)


def test_a_missing_warehouse_is_said_but_is_no_error(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", kafka_port=free_port_pair())

    facts = gather_pipeline_facts(settings, tmp_path / "none.db")

    assert (facts.warehouse_exists, facts.warehouse_error) == (False, None)
    assert not (tmp_path / "none.db").exists()


def test_a_file_that_is_no_warehouse_is_an_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("not a database\n")
    settings = Settings(home=tmp_path / "home", kafka_port=free_port_pair())

    facts = gather_pipeline_facts(settings, junk)

    assert facts.warehouse_exists
    assert facts.warehouse_error is not None
    assert "file is not a database" in facts.warehouse_error
