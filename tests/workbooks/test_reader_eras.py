"""read_workbook on generated workbooks of every layout era, .xls and .xlsx."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from loanflow.workbooks.model import Publication, SheetSummary
from loanflow.workbooks.reader import read_workbook
from tests.workbooks.conftest import BuildWorkbook
from tests.workbooks.examples import EXAMPLES, EraExample, expected_rows

FORMATS = ("xls", "xlsx")


@pytest.mark.parametrize("workbook_format", FORMATS)
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.id)
def test_reads_every_era_exactly(
    example: EraExample, workbook_format: str, make_workbook: BuildWorkbook
) -> None:
    path = make_workbook(example.file_name, example, workbook_format)

    workbook = read_workbook(path)

    report = example.report
    assert workbook.publication == Publication(
        program=report.program,
        award_year=report.award_year,
        quarter=report.quarter,
        run_date=report.run_date,
        source_file=example.file_name,
        source_sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
    )
    periods = ("quarter", "year_to_date")[-len(example.sheets) :]
    expected = [
        row
        for sheet, period in zip(example.sheets, periods, strict=True)
        for row in expected_rows(example, sheet, period)
    ]
    assert workbook.rows == expected
    assert workbook.problems == []
    assert workbook.sheets == [
        SheetSummary(
            sheet=sheet,
            period=period,
            header_row=example.header_row,
            loan_types=example.era.loan_types,
            school_rows=len(expected_rows(example, sheet, period)),
            rejected_rows=0,
        )
        for sheet, period in zip(example.sheets, periods, strict=True)
    ]


@pytest.mark.parametrize("workbook_format", FORMATS)
def test_metrics_are_python_ints_never_floats(
    workbook_format: str, make_workbook: BuildWorkbook
) -> None:
    example = EXAMPLES[3]
    path = make_workbook("ffel.xls", example, workbook_format)

    workbook = read_workbook(path)

    values = [
        value
        for row in workbook.rows
        for volume in row.volumes
        for value in (
            volume.recipients,
            volume.loans_originated,
            volume.loans_originated_amount,
            volume.disbursements,
            volume.disbursements_amount,
        )
    ]
    assert {type(value) for value in values} == {int, type(None)}


def test_modern_dashes_are_zero_and_blank_is_none(
    make_workbook: BuildWorkbook,
) -> None:
    example = EXAMPLES[-1]
    path = make_workbook("modern.xlsx", example, "xlsx")

    beta = next(row for row in read_workbook(path).rows if row.ope_id == "00100700")

    assert beta.volumes[0].recipients == 0
    assert beta.volumes[0].disbursements_amount == 0
    assert beta.volumes[1].loans_originated is None
    assert beta.volumes[1].loans_originated_amount == 2500


def test_display_name_is_the_source_file(
    tmp_path: Path, make_workbook: BuildWorkbook
) -> None:
    example = EXAMPLES[3]
    path = make_workbook("upload-7f3a.tmp", example, "xls")

    workbook = read_workbook(path, display_name="FL_Dashboard_AY2009_2010_Q1.xls")

    assert workbook.publication.source_file == "FL_Dashboard_AY2009_2010_Q1.xls"
    assert workbook.publication.program == "FFEL"
