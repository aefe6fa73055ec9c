"""Benchmark: from a workbook copied into a watched folder to its rows in loan_volume.

    .venv/bin/python benchmarks/watch_latency.py [--workbook PATH] [--no-hdfs]

Starts `loanflow watch` (its own embedded broker on free ports, state in a
temporary folder) on a local folder and, unless ``--no-hdfs``, on a directory
of a local HDFS that the script starts too (``loanflow.hdfs.LocalHdfs``).
Once the watch's stream job runs, it copies the workbook in (default: the real
FL_Dashboard_AY2009_2010_Q1.xls beside the checkout) and measures until the
warehouse's ``loan_volume`` holds all its school rows (a publication shows
there only when complete), and until the ingest log says ``published``.
Prints one line per source with the seconds, and the stream's batch lines.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

from loanflow.broker.ports import free_port_pair
from loanflow.settings import Settings

CHECKOUT = Path(__file__).resolve().parents[1]
DEFAULT_WORKBOOK = (
    CHECKOUT.parent / "shared/data/fsa/loans/FL_Dashboard_AY2009_2010_Q1.xls"
)
READY_SECONDS = 300
ARRIVAL_SECONDS = 300


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workbook", type=Path, default=DEFAULT_WORKBOOK)
    parser.add_argument("--no-hdfs", action="store_true", help="local folder only")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="loanflow-watch-bench-") as scratch:
        root = Path(scratch)
        inbox = root / "inbox"
        inbox.mkdir()
        seconds = measure(args.workbook, str(inbox), root / "local", copy_local)
        print(f"local folder: {seconds}")
        if not args.no_hdfs:
            print(f"HDFS directory: {measure_hdfs(args.workbook, root)}")


def copy_local(workbook: Path, source: str) -> None:
    partial = Path(source) / f".{workbook.name}.part"
    shutil.copyfile(workbook, partial)
    partial.rename(Path(source) / workbook.name)


def measure_hdfs(workbook: Path, root: Path) -> str:
    from loanflow.hdfs import LocalHdfs

    port = free_port_pair()
    hdfs = LocalHdfs(
        Settings(home=root / "hdfs-home", hdfs_port=port, hdfs_http_port=port + 1)
    )
    began = time.monotonic()
    hdfs.start()
    print(f"(local HDFS ready in {time.monotonic() - began:.1f} s)")
    try:
        fs = _webhdfs(hdfs.settings.hdfs_http_port, hdfs.superuser)
        fs.makedirs("/inbox", exist_ok=True)

        def put(path: Path, source: str) -> None:
            fs.put_file(str(path), f"/inbox/{path.name}")

        return measure(
            workbook,
            f"{hdfs.webhdfs_uri}/inbox",
            root / "hdfs",
            put,
            {"LOANFLOW_HDFS_USER": hdfs.superuser},
        )
    finally:
        hdfs.stop()


def _webhdfs(port: int, user: str) -> object:
    import fsspec

    return fsspec.filesystem(
        "webhdfs", host="localhost", port=port, user=user, skip_instance_cache=True
    )


def measure(
    workbook: Path,
    source: str,
    state: Path,
    copy: object,
    extra_env: dict[str, str] | None = None,
) -> str:
    """Start a watch on ``source``, copy the workbook in, time its arrival."""
    state.mkdir()
    db = state / "watch.db"
    log = state / "watch.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOANFLOW_")}
    env |= {
        "LOANFLOW_HOME": str(state / "home"),
        "LOANFLOW_DB": str(db),
        "LOANFLOW_KAFKA_PORT": str(free_port_pair()),
    } | (extra_env or {})
    with log.open("wb") as output:
        watch = subprocess.Popen(
            [sys.executable, "-m", "loanflow", "watch", source],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        began = time.monotonic()
        _wait(lambda: "stream started" in log.read_text(), READY_SECONDS, log)
        print(
            f"(watch ready: broker, Spark, stream in {time.monotonic() - began:.1f} s)"
        )

        copied = time.monotonic()
        assert callable(copy)
        copy(workbook, source)
        published = _wait(
            lambda: (
                _count(
                    db, "SELECT count(*) FROM ingest_log WHERE outcome = 'published'"
                )
                > 0
            ),
            ARRIVAL_SECONDS,
            log,
        )
        arrived = _wait(
            lambda: (
                _count(
                    db,
                    "SELECT count(*) FROM loan_volume "
                    f"WHERE source_file = '{workbook.name}'",
                )
                > 0
            ),
            ARRIVAL_SECONDS,
            log,
        )
        rows = _count(db, "SELECT count(*) FROM loan_volume")
        for line in log.read_text().splitlines():
            # The stream's own account of its batches: where the time went.
            if "batch_id=" in line and "rate=" in line:
                print(f"  {line.strip()}")
        return (
            f"published (Kafka confirmed) after {published - copied:.1f} s, in "
            f"loan_volume after {arrived - copied:.1f} s ({rows:,} rows)"
        )
    finally:
        os.killpg(watch.pid, signal.SIGINT)
        watch.wait(timeout=120)


def _count(db: Path, sql: str) -> int:
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def _wait(condition: object, seconds: float, log: Path) -> float:
    """Poll ``condition`` every 0.1 s; the instant it held."""
    assert callable(condition)
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up after {seconds} s; log:\n{log.read_text()}")
        time.sleep(0.1)
    return time.monotonic()


if __name__ == "__main__":
    main()
