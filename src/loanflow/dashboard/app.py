"""The web dashboard: server-rendered pages on a read-only warehouse.

Pages: Overview, States, Schools (search and one school's history), Versions
(publications and what changed between two) and Pipeline (Kafka, the stream
job, recent batches, files, data quality). Every request opens its own
read-only connection, so the dashboard never blocks the stream job and is never
blocked by it. Nothing is fetched from the internet: charts are inline SVG and
the one stylesheet is served by the app.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape

from loanflow.dashboard import charts, queries
from loanflow.dashboard import formatting as fmt
from loanflow.errors import WarehouseError
from loanflow.monitoring import gather_pipeline_facts, open_read_only
from loanflow.settings import Settings

logger = logging.getLogger(__name__)

_OPE_ID = re.compile(r"\d{8}")
_STATE = re.compile(r"[A-Z]{2}")
_STATIC = Path(__file__).parent / "static"


class _Memory:
    """Results of slow queries, kept while the warehouse's fingerprint holds.

    The stream job changes the fingerprint with every batch it writes; the
    next request then starts afresh, so a page never shows stale figures.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fingerprint: tuple[Any, ...] | None = None
        self._values: dict[tuple[Any, ...], Any] = {}
        # One lock per key: a second request for a result being computed (by
        # the start-up preparation, say) waits for it instead of computing it
        # again beside it.
        self._computing: dict[tuple[Any, ...], threading.Lock] = {}

    def bind(self, conn: sqlite3.Connection) -> Callable[..., Any]:
        """A ``recall(key, compute)`` for one request on ``conn``."""
        current = queries.fingerprint(conn)
        with self._lock:
            if current != self._fingerprint:
                self._values.clear()
                self._fingerprint = current

        def recall(key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
            with self._lock:
                if key in self._values:
                    return self._values[key]
                computing = self._computing.setdefault(key, threading.Lock())
            with computing:
                with self._lock:
                    if key in self._values:
                        return self._values[key]
                value = compute()
                with self._lock:
                    if self._fingerprint == current:
                        self._values[key] = value
            return value

        return recall


class BadRequestError(Exception):
    """A page's parameter is wrong; the message says which and what is allowed."""


def create_app(settings: Settings, db: Path | None = None) -> FastAPI:
    """The dashboard app for the warehouse ``db`` (default ``settings.db``).

    ``settings`` names the Kafka cluster, topic and state folder that the
    Pipeline page asks about.
    """
    warehouse = db or settings.db
    app = FastAPI(title="loanflow dashboard", docs_url=None, redoc_url=None)
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    templates = _environment()
    memory = _Memory()

    def page(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        html = templates.get_template(name).render(db=warehouse, **context)
        return HTMLResponse(html, status_code=status_code)

    @contextmanager
    def reading() -> Iterator[tuple[sqlite3.Connection, Callable[..., Any]]]:
        with closing(open_read_only(warehouse)) as conn:
            yield conn, memory.bind(conn)

    @app.exception_handler(WarehouseError)
    def no_warehouse(request: Request, error: WarehouseError) -> HTMLResponse:
        return page("error.html", 503, title="Warehouse not readable", error=error)

    @app.exception_handler(sqlite3.OperationalError)
    def busy(request: Request, error: sqlite3.OperationalError) -> HTMLResponse:
        logger.warning("query failed path=%s reason=%s", request.url.path, error)
        return page("error.html", 503, title="Warehouse busy", error=error)

    @app.exception_handler(BadRequestError)
    def bad_request(request: Request, error: BadRequestError) -> HTMLResponse:
        return page("error.html", 400, title="Bad request", error=error)

    @app.get("/", response_class=HTMLResponse)
    def overview(
        award_year: str | None = None,
        quarter: str | None = None,
        period: str = "quarter",
    ) -> HTMLResponse:
        with reading() as (conn, recall):
            reports = queries.reports(conn)
            if not reports:
                return page("empty.html", title="Overview", active="overview")
            chosen = _choose(reports, award_year, quarter, period)
            by_type = recall(
                ("by_type", *chosen),
                lambda: queries.totals_by_loan_type(conn, *chosen),
            )
            by_program = recall(
                ("by_program", *chosen),
                lambda: queries.totals_by_program(conn, *chosen),
            )
            quarterly = recall(("quarterly",), lambda: queries.quarterly_trend(conn))
            yearly = recall(("yearly",), lambda: queries.award_year_trend(conn))
        return page(
            "overview.html",
            title="Overview",
            active="overview",
            choices=_choices(reports),
            chosen=chosen,
            by_type=by_type,
            by_program=by_program,
            grand_total=_grand_total(by_program),
            quarterly=quarterly,
            yearly=yearly,
            quarterly_chart=_quarterly_chart(quarterly),
            yearly_chart=_yearly_chart(yearly),
        )

    @app.get("/states", response_class=HTMLResponse)
    def states(
        award_year: str | None = None,
        quarter: str | None = None,
        period: str = "quarter",
    ) -> HTMLResponse:
        with reading() as (conn, recall):
            reports = queries.reports(conn)
            if not reports:
                return page("empty.html", title="States", active="states")
            chosen = _choose(reports, award_year, quarter, period)
            rows = recall(
                ("by_state", *chosen), lambda: queries.totals_by_state(conn, *chosen)
            )
        title = (
            f"$ disbursed by state, {chosen[0]} {fmt.quarter_label(chosen[1])}, "
            f"{fmt.PERIOD_NAMES[chosen[2]].lower()}"
        )
        values = {row["state"]: row["disbursements_amount"] for row in rows}
        return page(
            "states.html",
            title="States",
            active="states",
            choices=_choices(reports),
            chosen=chosen,
            rows=rows,
            total=_grand_total(rows),
            map=charts.tile_map(title, values, unit="$ disbursed"),
            off_map=[row for row in rows if row["state"] not in charts.TILES],
        )

    @app.get("/schools", response_class=HTMLResponse)
    def schools(q: str = "", state: str = "") -> HTMLResponse:
        state = state.strip().upper()
        if state and not _STATE.fullmatch(state):
            raise BadRequestError(f"state must be a two-letter code, got {state!r}")
        with reading() as (conn, recall):
            everyone = recall(("schools",), lambda: queries.school_list(conn))
        codes = queries.states(everyone)
        found = (
            queries.search_schools(everyone, q[:200], state or None)
            if q.strip() or state
            else None
        )
        return page(
            "schools.html",
            title="Schools",
            active="schools",
            q=q,
            state=state,
            states=codes,
            found=found,
        )

    @app.get("/schools/{ope_id}", response_class=HTMLResponse)
    def school(ope_id: str) -> HTMLResponse:
        if not _OPE_ID.fullmatch(ope_id):
            return page(
                "error.html",
                404,
                title="No match",
                error="No match: an OPE ID has 8 digits, for example 00100200.",
            )
        with reading() as (conn, _):
            history = queries.school_history(conn, ope_id)
            directory = queries.school_directory(conn, ope_id)
        if not history and directory is None:
            return page(
                "error.html",
                404,
                title="No match",
                error=f"No school with OPE ID {ope_id} in the warehouse.",
            )
        latest = history[-1] if history else {}
        return page(
            "school.html",
            title=latest.get("school_name") or ope_id,
            active="schools",
            ope_id=ope_id,
            latest=latest,
            directory=directory,
            history={
                p: [r for r in history if r["period"] == p] for p in queries.PERIODS
            },
            chart=_school_chart(history),
        )

    @app.get("/versions", response_class=HTMLResponse)
    def versions(older: int | None = None, newer: int | None = None) -> HTMLResponse:
        with reading() as (conn, recall):
            listed = queries.publications(conn)
            if older is None or newer is None:
                older, newer = _default_pair(listed)
            comparison = None
            if older is not None and newer is not None:
                pair = (older, newer)
                comparison = recall(("compare", *pair), lambda: _compare(conn, *pair))
        return page(
            "versions.html",
            title="Versions",
            active="versions",
            reports=_by_report(listed),
            publications=listed,
            older=older,
            newer=newer,
            comparison=comparison,
        )

    @app.get("/pipeline", response_class=HTMLResponse)
    def pipeline() -> HTMLResponse:
        facts = gather_pipeline_facts(settings, warehouse)
        return page("pipeline.html", title="Pipeline", active="pipeline", f=facts)

    @app.get("/api/pipeline")
    def pipeline_json() -> JSONResponse:
        return JSONResponse(gather_pipeline_facts(settings, warehouse).to_json())

    @app.get("/healthz", response_class=PlainTextResponse)
    def healthz() -> str:
        return "ok"

    def warm() -> None:
        """Compute what the default pages and the search need before anyone asks."""
        try:
            overview()
            states()
            versions()
            with reading() as (conn, recall):
                recall(("schools",), lambda: queries.school_list(conn))
        except (WarehouseError, sqlite3.Error) as exc:
            # The pages will say it again, to whoever asks.
            logger.warning(
                "cannot prepare the dashboard db=%s reason=%s", warehouse, exc
            )

    app.state.warm = warm
    return app


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("loanflow.dashboard", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        dollars=fmt.dollars,
        count=fmt.count,
        header=fmt.column_header,
        short_dollars=fmt.short_dollars,
        signed=fmt.signed,
        quarter=fmt.quarter_label,
        loan_type=lambda code: fmt.LOAN_TYPE_NAMES.get(code, code),
        period=lambda code: fmt.PERIOD_NAMES.get(code, code),
        program=lambda code: fmt.PROGRAM_NAMES.get(code, code),
        seconds=lambda s: "-" if s is None else f"{s:,.1f} s",
        rate=lambda r: "-" if r is None else f"{r:,.0f} rows/s",
    )
    env.globals.update(PERIODS=queries.PERIODS, PERIOD_NAMES=fmt.PERIOD_NAMES)
    return env


Chosen = tuple[str, int | None, str]


def _choose(
    reports: list[queries.Report],
    award_year: str | None,
    quarter: str | None,
    period: str,
) -> Chosen:
    """The award year, quarter and period asked for, the latest report by default.

    An award year without quarter means its latest report; a quarter without
    award year, the latest award year that has it; an empty quarter means the
    award-year summary (reports without quarters).

    Raises:
        BadRequestError: the period or quarter is not one, or no report has
            that award year and quarter.
    """
    if period not in queries.PERIODS:
        raise BadRequestError(
            f"period must be one of {', '.join(queries.PERIODS)}, got {period!r}"
        )
    number: int | None = None
    if quarter is None or quarter in ("", "year"):
        pass
    elif quarter.isdigit() and 1 <= int(quarter) <= 4:
        number = int(quarter)
    else:
        raise BadRequestError(f"quarter must be 1 to 4 or empty, got {quarter!r}")
    # Reports are oldest first: the last one that fits is the latest.
    fitting = [
        report
        for report in reports
        if award_year in (None, report.award_year)
        and (quarter is None or report.quarter == number)
    ]
    if not fitting:
        asked = [f"award year {award_year!r}"] if award_year is not None else []
        if quarter is not None:
            asked.append(fmt.quarter_label(number))
            if award_year is None:
                asked.append("of any award year")
        raise BadRequestError(
            f"the warehouse has no report for {' '.join(asked)}: pick one from the list"
        )
    return fitting[-1].award_year, fitting[-1].quarter, period


def _choices(reports: list[queries.Report]) -> list[tuple[str, int | None, str]]:
    """(award year, quarter, label) once each, newest first."""
    seen: dict[tuple[str, int | None], list[str]] = {}
    for report in reports:
        seen.setdefault((report.award_year, report.quarter), []).append(report.program)
    return [
        (year, quarter, f"{year} {fmt.quarter_label(quarter)} ({', '.join(programs)})")
        for (year, quarter), programs in reversed(seen.items())
    ]


def _grand_total(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {
        metric: sum(row[metric] or 0 for row in rows) for metric in queries.ADDITIVE
    }


def _quarterly_chart(rows: list[dict[str, Any]]) -> Any:
    categories = sorted({(r["award_year"], r["quarter"]) for r in rows})
    labels = [f"{fmt.short_year(y)} {fmt.quarter_label(q)}" for y, q in categories]
    series: dict[str, list[int | None]] = {}
    for program in sorted({r["program"] for r in rows}):
        found = {
            (r["award_year"], r["quarter"]): r["disbursements_amount"]
            for r in rows
            if r["program"] == program
        }
        series[fmt.PROGRAM_NAMES.get(program, program)] = [
            found.get(c) for c in categories
        ]
    return charts.bar_chart(
        "$ disbursed in each quarter (quarterly activity)",
        labels,
        series,
        x_label="award year and quarter",
    )


def _yearly_chart(rows: list[dict[str, Any]]) -> Any:
    years = sorted({r["award_year"] for r in rows})
    series: dict[str, list[int | None]] = {}
    for program in sorted({r["program"] for r in rows}):
        found = {
            r["award_year"]: r["disbursements_amount"]
            for r in rows
            if r["program"] == program
        }
        series[fmt.PROGRAM_NAMES.get(program, program)] = [found.get(y) for y in years]
    return charts.bar_chart(
        "$ disbursed, award year to date through the latest quarter held",
        [fmt.short_year(y) for y in years],
        series,
        x_label="award year",
    )


def _school_chart(history: list[dict[str, Any]]) -> Any:
    sums: dict[tuple[str, int | None, str], int] = {}
    for row in history:
        if row["period"] != "quarter" or row["disbursements_amount"] is None:
            continue
        key = (row["award_year"], row["quarter"], row["program"])
        sums[key] = sums.get(key, 0) + row["disbursements_amount"]
    categories = sorted({(y, q) for y, q, _ in sums})
    series = {
        fmt.PROGRAM_NAMES.get(program, program): [
            sums.get((y, q, program)) for y, q in categories
        ]
        for program in sorted({p for _, _, p in sums})
    }
    return charts.bar_chart(
        "$ disbursed in each quarter, all loan types",
        [f"{fmt.short_year(y)} {fmt.quarter_label(q)}" for y, q in categories],
        series,
        x_label="award year and quarter",
    )


def _by_report(listed: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in listed:
        name = (
            f"{row['program']} {row['award_year']} {fmt.quarter_label(row['quarter'])}"
        )
        groups.setdefault(name, []).append(row)
    return list(groups.items())


def _default_pair(listed: list[dict[str, Any]]) -> tuple[int | None, int | None]:
    """The latest publication of the newest report that has two, and the one before."""
    groups = _by_report(listed)
    for _, rows in groups:
        complete = [r for r in rows if r["complete"]]
        if len(complete) >= 2:
            return complete[1]["publication_id"], complete[0]["publication_id"]
    return None, None


def _compare(conn: sqlite3.Connection, older: int, newer: int) -> dict[str, Any]:
    """Two publications' totals side by side and the school rows that changed."""
    for given in (older, newer):
        # SQLite integers are 64-bit: a larger id is no publication, not a crash.
        if not 0 < given < 2**63:
            raise BadRequestError(f"no publication with id {given}: pick one below")
    first = queries.publication(conn, older)
    second = queries.publication(conn, newer)
    if first is None or second is None:
        missing = older if first is None else newer
        raise BadRequestError(f"no publication with id {missing}: pick one below")
    a = queries.publication_totals(conn, older)
    b = queries.publication_totals(conn, newer)
    totals = []
    for key in sorted(set(a) | set(b)):
        before, after = a.get(key, {}), b.get(key, {})
        totals.append(
            {
                "period": key[0],
                "loan_type": key[1],
                "before": before,
                "after": after,
                "change": {
                    m: (after.get(m) or 0) - (before.get(m) or 0)
                    for m in (*queries.METRICS, "school_rows")
                },
            }
        )
    changed_count, changed = queries.changed_rows(
        queries.publication_rows(conn, older), queries.publication_rows(conn, newer)
    )
    same_report = all(
        first[k] == second[k] for k in ("program", "award_year", "quarter")
    )
    return {
        "older": first,
        "newer": second,
        "same_report": same_report,
        "totals": totals,
        "changed_count": changed_count,
        "changed": changed,
    }
