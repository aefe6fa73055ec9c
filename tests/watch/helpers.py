"""Driving a real `loanflow watch` process and waiting on its warehouse."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from datetime import date
from pathlib import Path
from typing import Any

from loanflow.workbooks.layouts import DASHBOARD, ReportSpec, workbook_grids, write_xlsx
from loanflow.workbooks.sample import sample_school_lines

# Broker, Spark start-up and a few batches on a busy two-core machine.
WAIT_SECONDS = 240
STOP_SECONDS = 120


def watch_env(home: Path, db: Path, **extra: str) -> dict[str, str]:
    """Environment of a watch with its state in ``home``; fast polls and batches."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("LOANFLOW_")
    }
    env |= {
        "LOANFLOW_HOME": str(home),
        "LOANFLOW_DB": str(db),
        "LOANFLOW_WATCH_POLL_SECONDS": "1",
        "LOANFLOW_STREAM_TRIGGER_SECONDS": "1",
        "LOANFLOW_LOG_LEVEL": "INFO",
    }
    return env | extra


@contextmanager
def watch_process(
    sources: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """`loanflow watch SOURCES` in a process group of its own, killed at the end."""
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "loanflow", "watch", *sources],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def query(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of a read-only query; none while the warehouse is not made yet."""
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError:
        return []


def wait_for(
    process: subprocess.Popen[bytes],
    log: Path,
    what: str,
    condition: Callable[[], bool],
    seconds: float = WAIT_SECONDS,
) -> float:
    """Wait until ``condition`` holds; fail early if the watch exits.

    Returns:
        Seconds waited.
    """
    began = time.monotonic()
    while not condition():
        if time.monotonic() - began > seconds:
            raise AssertionError(
                f"{what}: not after {seconds} s; log:\n{log.read_text()[-6000:]}"
            )
        try:
            process.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            continue
        raise AssertionError(f"the watch ended early; log:\n{log.read_text()}")
    return time.monotonic() - began


def outcomes(db: Path, name: str) -> list[str]:
    """The ingest log's outcomes for files of this name, oldest first."""
    rows = query(
        db,
        "SELECT outcome FROM ingest_log WHERE file_name = ? ORDER BY entry_id",
        name,
    )
    return [row[0] for row in rows]


def write_ffel_report(path: Path, run_date: date) -> Path:
    """The sample's FFEL AY2009-10 Q2 report as published on ``run_date``."""
    report = ReportSpec("FFEL", "2009-2010", 2, run_date)
    lines = {
        period: sample_school_lines(DASHBOARD, report, period)
        for period in ("quarter", "year_to_date")
    }
    return write_xlsx(path, workbook_grids(DASHBOARD, report, lines))


def in_loan_volume(db: Path, source_file: str) -> bool:
    """Whether ``loan_volume`` shows the file's rows (False before the schema)."""
    return bool(
        query(
            db, "SELECT 1 FROM loan_volume WHERE source_file = ? LIMIT 1", source_file
        )
    )
