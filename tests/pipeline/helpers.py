"""Running the real `loanflow` command and reading the warehouse it wrote."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

# One whole `loanflow run` (broker, Spark start-up, all batches) on two cores.
RUN_DEADLINE_SECONDS = 900


def pipeline_env(home: Path, bootstrap: str) -> dict[str, str]:
    """Environment for a `loanflow` subprocess with its own state and topic."""
    env = dict(os.environ)
    env.update(
        {
            "LOANFLOW_HOME": str(home),
            "LOANFLOW_INBOX": str(home / "inbox"),
            "LOANFLOW_KAFKA_BOOTSTRAP": bootstrap,
            "LOANFLOW_TOPIC": f"test-pipeline-{uuid.uuid4().hex[:8]}",
            "LOANFLOW_LOG_LEVEL": "INFO",
        }
    )
    return env


def loanflow(*args: str | Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run `python -m loanflow ARGS` and return what it did."""
    return subprocess.run(
        [sys.executable, "-m", "loanflow", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_DEADLINE_SECONDS,
        check=False,
    )


def query(db: Path, sql: str, *params: Any) -> list[tuple]:
    """Rows of a read-only query on the warehouse; none before it exists."""
    if not db.exists():
        return []
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql, params).fetchall()


def view_totals(db: Path, source_file: str) -> dict[tuple[str, str], tuple]:
    """Per (period, loan type): schools and the five metric sums in loan_volume."""
    rows = query(
        db,
        """
        SELECT period, loan_type, COUNT(*), COUNT(DISTINCT ope_id),
               COALESCE(SUM(recipients), 0),
               COALESCE(SUM(loans_originated), 0),
               COALESCE(SUM(loans_originated_amount), 0),
               COALESCE(SUM(disbursements), 0),
               COALESCE(SUM(disbursements_amount), 0)
        FROM loan_volume WHERE source_file = ?
        GROUP BY period, loan_type
        """,
        source_file,
    )
    return {(r[0], r[1]): (r[2], *r[4:]) for r in rows}


def table_dump(db: Path) -> list[tuple]:
    """The whole public view in a stable order."""
    return query(
        db,
        "SELECT * FROM loan_volume ORDER BY program, award_year, quarter, period, "
        "source_file, ope_id, school_name, loan_type, recipients, "
        "disbursements_amount",
    )
