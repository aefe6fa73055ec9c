"""Benchmark: how fast the reader turns workbooks into school rows, and its memory.

    .venv/bin/python benchmarks/read_workbooks.py [PATH...]

With no PATH it reads ../shared/data/fsa/loans beside the checkout. Prints one
line per file (school rows, seconds, rows per second) and the peak resident
memory of the process.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from loanflow.inputs import find_workbooks
from loanflow.workbooks.reader import read_workbook

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "fsa" / "loans"


def main(arguments: list[str]) -> int:
    console = Console()
    paths = [Path(a) for a in arguments] or [DEFAULT]
    if not arguments and not DEFAULT.is_dir():
        console.print(f"no workbooks: {DEFAULT} is absent; name files or folders")
        return 2
    table = Table("file", "school rows", "seconds", "rows/s")
    total_rows = 0
    started = time.perf_counter()
    for path in find_workbooks(paths):
        began = time.perf_counter()
        rows = len(read_workbook(path).rows)
        seconds = time.perf_counter() - began
        total_rows += rows
        table.add_row(
            path.name, f"{rows:,}", f"{seconds:.2f}", f"{rows / seconds:,.0f}"
        )
    elapsed = time.perf_counter() - started
    table.add_row(
        "all", f"{total_rows:,}", f"{elapsed:.2f}", f"{total_rows / elapsed:,.0f}"
    )
    console.print(table)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    console.print(f"peak resident memory: {peak_mib:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
