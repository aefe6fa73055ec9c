"""`loanflow watch` on a local folder, with its own embedded broker.

One watch process runs the whole story, since Spark's start-up dominates: a
workbook copied in reaches ``loan_volume``; the same bytes again add nothing;
a text file named ``.xls`` is rejected while the next file still flows; a
revised publication becomes current; a file dropped while the broker is down
arrives once it is back; a second watch on the same warehouse is refused;
Ctrl-C ends everything the watch started.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from loanflow.broker import EmbeddedBroker
from loanflow.broker.ports import free_port_pair
from loanflow.settings import Settings
from loanflow.workbooks.sample import write_sample
from tests.pipeline.helpers import view_totals
from tests.support.workbook_totals import expected_totals
from tests.watch.helpers import (
    STOP_SECONDS,
    in_loan_volume,
    outcomes,
    query,
    wait_for,
    watch_env,
    watch_process,
    write_ffel_report,
)

pytestmark = pytest.mark.integration

FIRST = "FL_Dashboard_AY2009_2010_Q2.xlsx"
REVISED = "FL_Dashboard_AY2009_2010_Q2_revised.xlsx"


def _copy(source: Path, target: Path) -> None:
    # Written beside, then renamed: the watch sees the file whole or not at all.
    partial = target.with_name(f".{target.name}.part")
    shutil.copyfile(source, partial)
    partial.rename(target)


def test_watch_integrates_new_content_once_and_survives_bad_files_and_broker(
    tmp_path: Path,
) -> None:
    inbox, made = tmp_path / "inbox", tmp_path / "made"
    inbox.mkdir()
    made.mkdir()
    first = write_ffel_report(made / FIRST, date(2010, 1, 20))
    revised = write_ffel_report(made / REVISED, date(2010, 4, 20))
    late = write_sample(made / "sample")[1]  # DL AY2012-13 Q4
    db = tmp_path / "watch.db"
    settings = Settings(home=tmp_path / "home", kafka_port=free_port_pair())
    env = watch_env(settings.home, db, LOANFLOW_KAFKA_PORT=str(settings.kafka_port))
    log = tmp_path / "watch.log"

    with watch_process([str(inbox)], env, log) as watch:
        # A workbook copied in appears in loan_volume.
        _copy(first, inbox / FIRST)
        wait_for(
            watch,
            log,
            "first workbook in loan_volume",
            lambda: in_loan_volume(db, FIRST),
        )
        assert view_totals(db, FIRST) == expected_totals(first)

        # A second watch on the same warehouse is refused before it sends
        # anything: its files would reach Kafka, but no stream would take them.
        other_inbox = tmp_path / "other-inbox"
        other_inbox.mkdir()
        _copy(revised, other_inbox / REVISED)
        second = subprocess.run(
            [sys.executable, "-m", "loanflow", "watch", str(other_inbox)],
            env=env,
            capture_output=True,
            text=True,
            timeout=STOP_SECONDS,
        )
        assert second.returncode == 2, second.stderr[-3000:]
        assert "another `loanflow stream` or `loanflow watch` is feeding" in (
            second.stderr
        )
        assert "Traceback" not in second.stderr
        assert outcomes(db, REVISED) == []

        # The same bytes under another name: recorded, not sent again.
        _copy(first, inbox / "copy-of-first.xlsx")
        wait_for(
            watch,
            log,
            "copy recorded",
            lambda: bool(outcomes(db, "copy-of-first.xlsx")),
        )
        assert outcomes(db, "copy-of-first.xlsx") == ["duplicate"]

        # A text file named .xls is rejected; the next good file still flows.
        (inbox / "notes.xls").write_text("not a workbook\n", encoding="utf-8")
        wait_for(watch, log, "text file seen", lambda: bool(outcomes(db, "notes.xls")))
        _copy(revised, inbox / REVISED)
        wait_for(watch, log, "revision current", lambda: in_loan_volume(db, REVISED))
        # Set aside once it has stayed unreadable for the settle time; until
        # then it may be logged as waiting (it could still be being written).
        wait_for(
            watch,
            log,
            "text file set aside",
            lambda: "rejected" in outcomes(db, "notes.xls"),
        )
        *before, last = outcomes(db, "notes.xls")
        assert (set(before) <= {"waiting"}, last) == (True, "rejected")
        assert view_totals(db, REVISED) == expected_totals(revised)
        assert view_totals(db, FIRST) == {}
        assert query(
            db,
            "SELECT source_file, run_date, latest FROM publication_versions "
            "ORDER BY run_date",
        ) == [(FIRST, "2010-01-20", 0), (REVISED, "2010-04-20", 1)]
        # Its rejection reaches rejected_records through Kafka and the stream.
        wait_for(
            watch,
            log,
            "text file in rejected_records",
            lambda: (
                query(
                    db,
                    "SELECT count(*) FROM rejected_records WHERE source_file = ?",
                    "notes.xls",
                )
                != [(0,)]
            ),
        )
        assert query(
            db,
            "SELECT count(*) FROM rejected_records WHERE source_file = ?",
            "notes.xls",
        ) == [(1,)]

        # The broker goes away; a file dropped meanwhile arrives once it is back.
        broker = EmbeddedBroker(settings)
        assert broker.stop()
        _copy(late, inbox / late.name)
        wait_for(
            watch,
            log,
            "publishing failed while Kafka is down",
            lambda: outcomes(db, late.name) == ["failed"],
        )
        broker.start()
        wait_for(
            watch,
            log,
            "file dropped during the outage in loan_volume",
            lambda: in_loan_volume(db, late.name),
        )
        assert view_totals(db, late.name) == expected_totals(late)
        assert outcomes(db, late.name) == ["failed", "published"]

        # Ctrl-C: exit 130, and the broker the watch started is stopped.
        os.killpg(watch.pid, signal.SIGINT)
        assert watch.wait(timeout=STOP_SECONDS) == 130, log.read_text()[-4000:]

    assert not EmbeddedBroker(settings).status().running
    text = log.read_text()
    assert "signal=SIGINT: stopping the watch" in text
    # The reader's child ignores Ctrl-C: the watch alone decides when to stop.
    assert "KeyboardInterrupt" not in text
    assert "embedded broker stopped" in text
    # "waiting" lines (the text file before it settled) were checked above.
    assert query(
        db,
        "SELECT outcome, count(*) FROM ingest_log WHERE outcome != 'waiting' "
        "GROUP BY 1 ORDER BY 1",
    ) == [("duplicate", 1), ("failed", 1), ("published", 3), ("rejected", 1)]
