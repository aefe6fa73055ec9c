"""The dashboard over HTTP: safe with any input, read-only, alive while written to."""

from __future__ import annotations

import shutil
import threading
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from loanflow.dashboard import create_app
from loanflow.warehouse import connect, write_batch
from tests.dashboard.conftest import Served
from tests.dashboard.server import serve

pytestmark = pytest.mark.integration

PAGES = (
    "/",
    "/?award_year=2012-2013&quarter=4&period=year_to_date",
    "/states",
    "/schools?q=college",
    "/schools/00100200",
    "/versions",
    "/pipeline",
)


@pytest.mark.parametrize(
    "text",
    [
        "'; DROP TABLE school_volumes; --",
        "x' OR '1'='1",
        '" UNION SELECT sql FROM sqlite_master --',
        "%",
        "_",
    ],
)
def test_sql_like_search_text_finds_no_match(served: Served, text: str) -> None:
    response = httpx.get(f"{served.url}/schools", params={"q": text})

    assert response.status_code == 200
    assert 'id="no-match"' in response.text
    assert 'id="results"' not in response.text


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/?period=monthly", 400, "period must be one of quarter, year_to_date"),
        ("/?award_year=1999-2000&quarter=1", 400, "has no report for award year"),
        ("/?award_year=2009-2010&quarter=9", 400, "quarter must be 1 to 4"),
        ("/?quarter=7", 400, "quarter must be 1 to 4"),
        ("/states?quarter=abc", 400, "quarter must be 1 to 4"),
        ("/?quarter=3", 400, "has no report for Q3 of any award year"),
        ("/?award_year=1999-2000", 400, "has no report for award year"),
        ("/schools?state=Florida", 400, "state must be a two-letter code"),
        ("/schools/1%3B%20DROP", 404, "No match"),
        ("/schools/99999999", 404, "No school with OPE ID 99999999"),
        ("/versions?older=1&newer=999", 400, "no publication with id 999"),
    ],
)
def test_bad_requests_say_what_is_wrong(
    served: Served, path: str, status: int, says: str
) -> None:
    response = httpx.get(f"{served.url}{path}")

    assert response.status_code == status
    assert says in response.text


@pytest.mark.parametrize(
    ("path", "award_year"),
    [("/?quarter=2", "2009-2010"), ("/states?quarter=1", "2018-2019")],
)
def test_a_quarter_alone_picks_the_latest_award_year_that_has_it(
    served: Served, path: str, award_year: str
) -> None:
    response = httpx.get(f"{served.url}{path}")

    assert response.status_code == 200
    assert f'<option value="{award_year}" selected>' in response.text
    # The quarter menu offers only the quarters some report has.
    assert '<option value="3"' not in response.text
    assert "whole year (summary)" not in response.text


def test_pages_never_write_the_warehouse(served: Served) -> None:
    before = served.db.read_bytes()

    for path in PAGES:
        assert httpx.get(f"{served.url}{path}", timeout=30).status_code == 200

    assert served.db.read_bytes() == before


def test_pages_answer_while_the_warehouse_is_written(
    served: Served, tmp_path: Path
) -> None:
    db = tmp_path / "busy.db"
    shutil.copy(served.db, db)
    stop = threading.Event()
    written: list[int] = []

    def keep_writing() -> None:
        # Real write transactions, as the stream job makes: one batch after
        # another, each holding the write lock while it runs.
        with closing(connect(db)) as conn:
            batch = 0
            while not stop.is_set():
                write_batch(conn, "dashboard-test", batch, [])
                written.append(batch)
                batch += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        with serve(create_app(served.settings, db)) as url:
            for _ in range(3):
                for path in PAGES:
                    response = httpx.get(f"{url}{path}", timeout=30)
                    assert response.status_code == 200, response.text[-500:]
                    assert "locked" not in response.text
    finally:
        stop.set()
        writer.join()
    assert len(written) > len(PAGES)
