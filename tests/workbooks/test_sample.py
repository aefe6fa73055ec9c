"""The generated sample: real layouts, read without a problem, same bytes each time."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from loanflow.workbooks.model import Workbook
from loanflow.workbooks.reader import read_workbook
from loanflow.workbooks.sample import write_sample
from tests.workbooks.helpers import own_totals, reader_totals


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Workbook]:
    paths = write_sample(tmp_path_factory.mktemp("sample"))
    return {path.name: read_workbook(path) for path in paths}


def test_three_small_workbooks_in_real_layouts(sample: dict[str, Workbook]) -> None:
    publications = [
        (
            workbook.publication.program,
            workbook.publication.award_year,
            workbook.publication.quarter,
            str(workbook.publication.run_date),
        )
        for workbook in sample.values()
    ]
    assert publications == [
        ("FFEL", "2009-2010", 2, "2010-01-20"),
        ("DL", "2012-2013", 4, "2013-07-22"),
        ("DL", "2018-2019", 1, "2018-10-15"),
    ]
    for workbook in sample.values():
        assert workbook.problems == []
        assert [sheet.period for sheet in workbook.sheets] == [
            "quarter",
            "year_to_date",
        ]
        assert all(20 <= sheet.school_rows <= 40 for sheet in workbook.sheets)
    assert [sheet.header_row for sheet in sample[next(reversed(sample))].sheets] == [
        7,
        7,
    ]


def test_the_sample_carries_the_quirks_of_the_real_files(
    sample: dict[str, Workbook],
) -> None:
    ffel = sample["sample-FL_Dashboard_AY2009_2010_Q2.xlsx"]
    rows = {(row.period, row.ope_id): row for row in ffel.rows}

    placeholder = rows[("year_to_date", "88888800")]
    assert (placeholder.state, placeholder.school_type) == ("NR", "other")
    assert rows[("year_to_date", "00100200")].school_name == (
        "NORTHFIELD STATE UNIVERSITY"
    )  # stored as the number 100200
    assert rows[("year_to_date", "00262900")].zip_code == "07102"
    assert rows[("year_to_date", "00671300")].zip_code == "OX1 2JD"
    blanks = [
        volume
        for row in ffel.rows
        for volume in row.volumes
        if volume.loans_originated_amount is None
    ]
    assert len(blanks) == 2  # one school on each sheet


def test_the_modern_sample_prints_dashes_for_zero(tmp_path: Path) -> None:
    path = write_sample(tmp_path)[-1]

    with path.open("rb") as file:
        book = CalamineWorkbook.from_filelike(file)
    rows = book.get_sheet_by_name("Quarterly Activity").to_python()
    metrics = [cell for row in rows[7:] for cell in row[5:]]

    assert "-" in metrics
    assert " -" in metrics
    assert 0 not in metrics


def test_the_reader_matches_the_samples_own_totals(tmp_path: Path) -> None:
    for path in write_sample(tmp_path):
        assert reader_totals(read_workbook(path)) == own_totals(path), path.name


def test_the_sample_is_the_same_bytes_every_time(tmp_path: Path) -> None:
    first = write_sample(tmp_path / "first")
    second = write_sample(tmp_path / "second")

    digests = [
        [hashlib.sha256(path.read_bytes()).hexdigest() for path in paths]
        for paths in (first, second)
    ]
    assert digests[0] == digests[1]
    assert [path.name for path in first] == [path.name for path in second]
