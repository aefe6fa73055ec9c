"""Every page in a real headless Chromium: figures checked against the warehouse.

The browser may reach only the dashboard on localhost: any other request is
blocked and recorded, and the test asserts there was none (the dashboard works
offline). Screenshots of every page go to ``tests/dashboard/screenshots/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, sync_playwright

from loanflow.broker.admin import end_offsets
from tests.dashboard.conftest import Served
from tests.dashboard.pages import (
    ADDITIVE,
    METRICS,
    publication_facts,
    shown_number,
    totals_by_loan_type,
    totals_by_program,
    totals_by_state,
)
from tests.pipeline.helpers import query

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="module")
def browser_page() -> Iterator[tuple[Page, list[str]]]:
    """A Chromium page that may only talk to localhost, and what it tried else."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: install the system package `chromium` "
            f"(`make test` does)"
        )
    SCREENSHOTS.mkdir(exist_ok=True)
    elsewhere: list[str] = []

    def local_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.route("**/*", local_only)
        try:
            yield page, elsewhere
        finally:
            browser.close()
    assert elsewhere == [], f"the dashboard asked the internet for {elsewhere}"


def visit(page: Page, url: str, screenshot: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    page.screenshot(path=str(SCREENSHOTS / f"{screenshot}.png"), full_page=True)


def cell(row: object, metric: str) -> int | None:
    return shown_number(row.locator(f'td[data-metric="{metric}"]').inner_text())  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("award_year", "quarter", "period"),
    [("2009-2010", 2, "quarter"), ("2012-2013", 4, "year_to_date")],
)
def test_overview_shows_loan_volume_totals(
    served: Served,
    browser_page: tuple[Page, list[str]],
    award_year: str,
    quarter: int,
    period: str,
) -> None:
    page, _ = browser_page
    visit(
        page,
        f"{served.url}/?award_year={award_year}&quarter={quarter}&period={period}",
        f"overview-{award_year}-q{quarter}-{period}",
    )

    expected = totals_by_loan_type(served.db, award_year, quarter, period)
    shown = {}
    for row in page.locator("#totals tbody tr:not(.total)").all():
        key = (row.get_attribute("data-program"), row.get_attribute("data-loan-type"))
        shown[key] = {m: cell(row, m) for m in ("schools", *METRICS)}
    assert shown == expected

    programs = totals_by_program(served.db, award_year, quarter, period)
    for program, totals in programs.items():
        row = page.locator(f'#totals tr.total[data-program="{program}"]')
        assert {m: cell(row, m) for m in ("schools", *ADDITIVE)} == totals
    headline = page.locator("#total-disbursed").get_attribute("data-value")
    assert int(headline or "") == sum(
        t["disbursements_amount"] for t in programs.values()
    )
    assert "not unique across loan types" in page.content()
    if period == "year_to_date":
        assert "cumulative" in page.locator(".caveat").first.inner_text()
    assert page.locator("svg.chart").count() == 2
    assert "$ billions" in page.content() or "$ millions" in page.content()


def test_states_page_shows_loan_volume_by_state(
    served: Served, browser_page: tuple[Page, list[str]]
) -> None:
    page, _ = browser_page
    visit(
        page,
        f"{served.url}/states?award_year=2018-2019&quarter=1&period=quarter",
        "states",
    )

    expected = totals_by_state(served.db, "2018-2019", 1, "quarter")
    shown = {}
    for row in page.locator("#states tbody tr:not(.total)").all():
        shown[row.get_attribute("data-state")] = {
            m: cell(row, m) for m in ("schools", *ADDITIVE)
        }
    assert shown == expected
    for state in expected:
        tile = page.locator(f'svg.map g.tile[data-state="{state}"] rect')
        if tile.count():
            assert tile.get_attribute("fill") != "#e6e6e6", state


def test_school_search_and_history(
    served: Served, browser_page: tuple[Page, list[str]]
) -> None:
    page, _ = browser_page
    visit(page, f"{served.url}/schools?q=university", "schools-search")
    (expected,) = query(
        served.db,
        "SELECT count(DISTINCT ope_id) FROM loan_volume "
        "WHERE school_name LIKE '%university%'",
    )
    assert page.locator("#results tbody tr").count() == expected[0] > 0

    for text in ("'; DROP TABLE school_volumes; --", "_", "%"):
        page.goto(f"{served.url}/schools")
        page.fill('input[name="q"]', text)
        page.click("#search button")
        assert page.locator("#no-match").inner_text().startswith("No match")
    page.screenshot(path=str(SCREENSHOTS / "schools-no-match.png"), full_page=True)
    assert query(served.db, "SELECT count(*) > 0 FROM school_volumes") == [(1,)]

    visit(page, f"{served.url}/schools/00100200", "school-00100200")
    rows = query(
        served.db,
        f"SELECT program, award_year, quarter, loan_type, {', '.join(METRICS)} "
        "FROM loan_volume WHERE ope_id = '00100200' AND period = 'quarter'",
    )
    expected_rows = {f"{r[0]}/{r[1]}/{r[2]}/{r[3]}": tuple(r[4:]) for r in rows}
    shown_rows = {
        row.get_attribute("data-key"): tuple(cell(row, m) for m in METRICS)
        for row in page.locator("#history-quarter tbody tr").all()
    }
    assert shown_rows == expected_rows
    assert "NORTHFIELD STATE UNIVERSITY" in page.locator("h1").inner_text()


def test_versions_page_shows_what_changed(
    served: Served, browser_page: tuple[Page, list[str]]
) -> None:
    page, _ = browser_page
    visit(page, f"{served.url}/versions", "versions")

    older = publication_facts(served.db, "sample-DL_Dashboard_AY2012_2013_Q4.xlsx")
    newer = publication_facts(served.db, "revised-DL_Dashboard_AY2012_2013_Q4.xlsx")
    differ = {k for k in older.keys() | newer.keys() if older.get(k) != newer.get(k)}
    shown = page.locator("#changed-count").get_attribute("data-value")
    assert int(shown or "") == len(differ) > 0
    assert "revised-DL_Dashboard" in page.locator("#comparing").inner_text()
    statuses = page.locator("#publications tbody tr td:nth-child(7)").all_inner_texts()
    assert statuses.count("superseded") == 1


def test_pipeline_page_shows_offsets_and_lag(
    served: Served, browser_page: tuple[Page, list[str]]
) -> None:
    page, _ = browser_page
    visit(page, f"{served.url}/pipeline", "pipeline")

    # `loanflow run` streams with a checkpoint of its own, removed at its end:
    # no standing stream job has read the topic, so all of it is lag.
    ends = end_offsets(served.settings.bootstrap, served.settings.topic)
    for partition, end in ends.items():
        row = page.locator(f'#partitions tr[data-partition="{partition}"]')
        assert cell(row, "end_offset") == end
        assert cell(row, "lag") == end
    total = page.locator("#total-lag").get_attribute("data-value")
    assert int(total or "") == sum(ends.values())
    (publications,) = query(served.db, "SELECT count(*) FROM publication_versions")
    assert page.locator("#files tbody tr").count() == publications[0]
    assert page.locator("#batches tbody tr").count() >= 1
