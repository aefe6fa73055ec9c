"""A stream killed in the middle of a publication never shows half of it.

Publication 1 of a report is integrated; publication 2 (a later run) is in the
topic; `loanflow stream` is killed with SIGKILL after some but not all of
publication 2's batches committed. `loan_volume` still shows publication 1
exactly; after a restart it shows publication 2 exactly.
"""

from __future__ import annotations

import signal
import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from loanflow.settings import Settings
from loanflow.stream import run_stream
from tests.stream.helpers import produce, school_row_messages
from tests.stream.test_stream_restart import (
    RESTART_SECONDS,
    _count,
    _running,
    _stream_process,
    _wait_until,
)
from tests.warehouse.factories import (
    LOAN_VOLUME_ORDER,
    loan_volume_rows,
    publication,
    school_row,
    volume,
)

pytestmark = pytest.mark.integration

ROWS = 36
PER_BATCH = 6
SECOND_ROWS = (
    "SELECT count(*) FROM school_volumes WHERE publication_id = "
    "(SELECT publication_id FROM publication_records WHERE source_file = 'second.xls')"
)


def _rows(scale: int) -> list:
    return [
        school_row(
            6 + index,
            f"{100200 + index:06d}00",
            volume("subsidized", index, index + 1, index * scale, index, None),
        )
        for index in range(ROWS)
    ]


def _loan_volume(db: Path) -> list[tuple]:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        return conn.execute(f"SELECT * FROM loan_volume {LOAN_VOLUME_ORDER}").fetchall()


def test_a_publication_killed_midway_stays_hidden_until_it_completes(
    spark: SparkSession,
    settings_factory: Callable[..., Settings],
    kafka_bootstrap: str,
    topic: str,
    tmp_path: Path,
) -> None:
    first = publication("first.xls", run_date=date(2010, 1, 5))
    second = publication("second.xls", run_date=date(2010, 4, 5))
    first_rows, second_rows = _rows(1_000), _rows(1_100)
    settings = settings_factory(stream_max_records_per_batch=PER_BATCH)

    # Publication 1, whole, through the same checkpoint the CLI will resume.
    produce(kafka_bootstrap, topic, school_row_messages(first, first_rows))
    run_stream(settings, settings.db, until_caught_up=True, spark=spark)
    assert _loan_volume(settings.db) == loan_volume_rows(first, *first_rows)

    # Publication 2: kill the job once one of its batches is in.
    produce(kafka_bootstrap, topic, school_row_messages(second, second_rows))
    log = tmp_path / "stream.log"
    with _running(_stream_process(settings, log)) as process:
        _wait_until(process, settings.db, SECOND_ROWS, 1, log)
    assert process.returncode == -signal.SIGKILL
    received = _count(settings.db, SECOND_ROWS)
    assert 0 < received < ROWS, "killed too late to mean much"
    assert _loan_volume(settings.db) == loan_volume_rows(first, *first_rows)
    assert (
        _count(
            settings.db, "SELECT count(*) FROM publications WHERE status = 'receiving'"
        )
        == 1
    )

    restarted = _stream_process(settings, log)
    assert restarted.wait(timeout=RESTART_SECONDS) == 0, log.read_text()

    assert _loan_volume(settings.db) == loan_volume_rows(second, *second_rows)
    assert _count(settings.db, "SELECT count(*) FROM loan_volume_history") == 2 * ROWS
