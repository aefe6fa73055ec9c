"""Time every dashboard page on a warehouse: several requests each.

    .venv/bin/python benchmarks/dashboard_pages.py --db /tmp/corpus.db

The app runs in this process (FastAPI's test client, no network). The first
request of a page computes what the dashboard then keeps in memory until the
stream job writes again; it is shown apart from the rest. ``--warm`` first
prepares what `loanflow dashboard` prepares at start-up (the default pages
and the school list), and times that.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path

from loanflow.dashboard import create_app
from loanflow.settings import Settings

PAGES = (
    ("Overview", "/"),
    (
        "Overview, FFEL 2009-10 Q2 YTD",
        "/?award_year=2009-2010&quarter=2&period=year_to_date",
    ),
    ("States", "/states"),
    ("Schools: search by name", "/schools?q=university"),
    ("Schools: search by OPE ID", "/schools?q=0010"),
    ("Schools: search by state", "/schools?state=FL"),
    ("Schools: SQL-like text", "/schools?q=%27%3B+DROP+TABLE+school_volumes%3B--"),
    ("School history", "/schools/00100200"),
    ("Versions (default comparison)", "/versions"),
    ("Pipeline", "/pipeline"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="the warehouse")
    parser.add_argument("--repeat", type=int, default=5, help="requests per page")
    parser.add_argument(
        "--warm",
        action="store_true",
        help="prepare the default pages first, as `loanflow dashboard` does",
    )
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    app = create_app(Settings(), args.db)
    client = TestClient(app)
    print(f"warehouse {args.db}, {args.repeat} requests per page (seconds)")
    if args.warm:
        started = time.perf_counter()
        app.state.warm()
        print(
            f"start-up preparation (as `loanflow dashboard` does): "
            f"{time.perf_counter() - started:.3f}"
        )
    print(f"{'page':34} {'status':>6} {'first':>7} {'median':>7} {'max':>7}")
    for name, url in PAGES:
        times = []
        status = 0
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            status = response.status_code
        rest = times[1:] or times
        print(
            f"{name:34} {status:>6} {times[0]:7.3f} {statistics.median(rest):7.3f} "
            f"{max(rest):7.3f}"
        )


if __name__ == "__main__":
    main()
