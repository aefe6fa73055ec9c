"""A stream killed mid-run and started again ends as if never interrupted."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from loanflow.publish.messages import encode_rejected
from loanflow.settings import Settings
from loanflow.stream import run_stream
from tests.stream.helpers import produce, school_row_messages, warehouse_state
from tests.warehouse.factories import publication, school_row, volume

pytestmark = pytest.mark.integration

WAIT_SECONDS = 180
RESTART_SECONDS = 240
BATCHES = "SELECT count(*) FROM stream_batches"
SCHOOL_VOLUMES = "SELECT count(*) FROM school_volumes"


def _publications() -> list[tuple[bytes | None, bytes | None]]:
    messages: list[tuple[bytes | None, bytes | None]] = []
    for quarter in (1, 2, 3):
        revision = publication(f"DL_Q{quarter}.xls", quarter=quarter)
        rows = [
            school_row(
                6 + index,
                f"{100200 + index:06d}00",
                volume(
                    "subsidized", index, index + 1, index * 1_000, index, index * 900
                ),
            )
            for index in range(15)
        ]
        messages += school_row_messages(revision, rows)
        messages.append(
            encode_rejected(
                revision.source_file,
                [("OPE ID", "is blank")],
                source_sha256=revision.source_sha256,
                sheet="Quarterly Activity",
                row=40,
            )
        )
    messages.append((b"noise", b"not json at all"))
    return messages


def _stream_process(
    settings: Settings, log: Path, *, until_caught_up: bool = True
) -> subprocess.Popen[bytes]:
    """``loanflow stream`` in a process group of its own."""
    env = os.environ | {
        "LOANFLOW_HOME": str(settings.home),
        "LOANFLOW_DB": str(settings.db),
        "LOANFLOW_KAFKA_BOOTSTRAP": settings.bootstrap,
        "LOANFLOW_TOPIC": settings.topic,
        "LOANFLOW_STREAM_MAX_RECORDS_PER_BATCH": str(
            settings.stream_max_records_per_batch
        ),
        "LOANFLOW_STREAM_TRIGGER_SECONDS": str(settings.stream_trigger_seconds),
    }
    command = [sys.executable, "-m", "loanflow", "stream"]
    with log.open("ab") as output:
        return subprocess.Popen(
            command + (["--until-caught-up"] if until_caught_up else []),
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@contextmanager
def _running(process: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    """Kill what is left of the process group (Spark's JVM too) at the end."""
    try:
        yield process
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _count(db: Path, query: str) -> int:
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            return int(conn.execute(query).fetchone()[0])
    except sqlite3.OperationalError:
        # Not created or not migrated yet.
        return 0


def _wait_until(
    process: subprocess.Popen[bytes], db: Path, query: str, at_least: int, log: Path
) -> None:
    """Wait until ``query`` counts ``at_least`` in the running job's warehouse."""
    deadline = time.monotonic() + WAIT_SECONDS
    while _count(db, query) < at_least:
        assert time.monotonic() < deadline, (
            f"{query} stayed below {at_least} for {WAIT_SECONDS} s; log:\n"
            f"{log.read_text()}"
        )
        try:
            # Waits on the process: an early exit is noticed at once.
            process.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"the stream ended too early; log:\n{log.read_text()}")


def test_a_killed_stream_restarts_to_exactly_the_uninterrupted_table(
    spark: SparkSession,
    settings_factory: Callable[..., Settings],
    kafka_bootstrap: str,
    topic: str,
    tmp_path: Path,
) -> None:
    messages = _publications()
    produce(kafka_bootstrap, topic, messages)
    killed = settings_factory(stream_max_records_per_batch=8)
    log = tmp_path / "stream.log"

    # Kill the job (Python and Spark's JVM at once) after its first batch.
    with _running(_stream_process(killed, log)) as process:
        _wait_until(process, killed.db, BATCHES, 1, log)
    assert process.returncode == -signal.SIGKILL
    assert _count(killed.db, SCHOOL_VOLUMES) < 45, "killed too late to mean much"

    restarted = _stream_process(killed, log)
    assert restarted.wait(timeout=RESTART_SECONDS) == 0, log.read_text()

    uninterrupted = settings_factory(
        db=tmp_path / "uninterrupted.db", stream_max_records_per_batch=8
    )
    run_stream(uninterrupted, uninterrupted.db, until_caught_up=True, spark=spark)
    expected = warehouse_state(uninterrupted.db)
    assert len(expected["loan_volume"]) == 45
    assert len(expected["rejected_records"]) == 4
    assert warehouse_state(killed.db) == expected


def test_sigterm_stops_a_running_stream_cleanly(
    settings_factory: Callable[..., Settings],
    kafka_bootstrap: str,
    topic: str,
    tmp_path: Path,
) -> None:
    rows = [school_row(7, "00100200"), school_row(8, "00100800")]
    produce(kafka_bootstrap, topic, school_row_messages(publication("DL_Q1.xls"), rows))
    settings = settings_factory(stream_trigger_seconds=0.5)
    log = tmp_path / "stream.log"

    with _running(_stream_process(settings, log, until_caught_up=False)) as process:
        _wait_until(process, settings.db, SCHOOL_VOLUMES, 2, log)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=RESTART_SECONDS) == 0, log.read_text()

    text = log.read_text()
    assert "signal=SIGTERM: stopping the stream after the batch in progress" in text
    assert "stream stopped: batches=" in text
