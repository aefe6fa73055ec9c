"""The Overview on the real FFEL files: the workbooks' own totals, to the dollar."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from loanflow.dashboard import create_app
from loanflow.settings import Settings
from tests.dashboard.pages import ADDITIVE, shown_number, totals_by_program
from tests.dashboard.server import serve
from tests.pipeline.helpers import loanflow, pipeline_env
from tests.support.workbook_totals import workbook_totals

pytestmark = [pytest.mark.integration, pytest.mark.realdata]

FL_FILES = [f"FL_Dashboard_AY2009_2010_Q{quarter}.xls" for quarter in (1, 2, 3, 4)]


@pytest.fixture(scope="module")
def fl_dashboard(
    fsa_data: Path, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """The dashboard of a warehouse holding the four real FFEL workbooks."""
    home = tmp_path_factory.mktemp("fl-home")
    env = pipeline_env(home, kafka_bootstrap)
    db = home / "fl.db"
    files = [fsa_data / "loans" / name for name in FL_FILES]
    done = loanflow("run", *files, "--db", db, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    settings = Settings(home=home, kafka_bootstrap=kafka_bootstrap)
    with serve(create_app(settings, db)) as url:
        yield url, db


@pytest.mark.parametrize("quarter", [1, 2, 3, 4])
@pytest.mark.parametrize("period", ["quarter", "year_to_date"])
def test_overview_totals_are_the_workbooks_own(
    fl_dashboard: tuple[str, Path], fsa_data: Path, quarter: int, period: str
) -> None:
    url, db = fl_dashboard
    html = httpx.get(
        f"{url}/",
        params={"award_year": "2009-2010", "quarter": quarter, "period": period},
        timeout=30,
    ).text
    row = re.search(r'<tr class="total" data-program="FFEL".*?</tr>', html, re.DOTALL)
    assert row is not None, "no FFEL total on the Overview"
    shown = {
        metric: shown_number(text)
        for metric, text in re.findall(r'data-metric="(\w+)">([^<]+)<', row[0])
    }

    cells = workbook_totals(fsa_data / "loans" / FL_FILES[quarter - 1])
    from_cells = {
        metric: sum(getattr(t, metric) for (p, _), t in cells.items() if p == period)
        for metric in ADDITIVE
    }
    from_view = totals_by_program(db, "2009-2010", quarter, period)["FFEL"]
    assert {m: shown[m] for m in ADDITIVE} == from_cells
    assert shown == from_view
