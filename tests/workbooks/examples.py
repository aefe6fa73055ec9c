"""Generated reports of every layout era, and the rows the reader must return.

Each example school exercises one quirk of the real files: an OPE ID and a zip
code stored as numbers (leading zeros lost), trailing spaces in a name, a
float metric, a zero (a dash from AY2017-18), a blank cell, a foreign postal
code with inner spaces, and for FFEL the placeholder school ``88888800``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from loanflow.workbooks.layouts import (
    DASHBOARD,
    DL_FIVE,
    DL_MODERN,
    DL_SPLIT,
    DL_SUMMARY,
    DL_SUMMARY_GRAD_PLUS,
    Era,
    PublishedCell,
    ReportSpec,
    SchoolLine,
)
from loanflow.workbooks.model import LoanTypeVolume, SchoolRow


@dataclass(frozen=True)
class EraExample:
    """One generated report: its era, titles, file name and expected reading."""

    era: Era
    report: ReportSpec
    file_name: str
    header_row: int
    sheets: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.era.name}-{self.report.program}-{self.report.award_year}"


EXAMPLES = (
    EraExample(
        DL_SUMMARY,
        ReportSpec("DL", "2003-2004", None, None),
        "DL_AwardYr_Summary_AY2003_2004_All.xls",
        header_row=6,
        sheets=("AY2003-2004",),
    ),
    EraExample(
        DL_SUMMARY_GRAD_PLUS,
        ReportSpec("DL", "2005-2006", None, date(2006, 10, 2)),
        "DL_AwardYr_Summary_AY2005_2006_All.xls",
        header_row=6,
        sheets=("AY2005-2006",),
    ),
    EraExample(
        DASHBOARD,
        ReportSpec("DL", "2006-2007", 4, None),
        "DL_Dashboard_AY2006_2007_Q4.xls",
        header_row=5,
        sheets=("Quarterly Activity", "Award Year Summary"),
    ),
    EraExample(
        DASHBOARD,
        ReportSpec("FFEL", "2009-2010", 1, date(2012, 4, 5)),
        "FL_Dashboard_AY2009_2010_Q1.xls",
        header_row=6,
        sheets=("Quarterly Activity", "Award Year Summary"),
    ),
    EraExample(
        DL_SPLIT,
        ReportSpec("DL", "2010-2011", 3, date(2014, 1, 10)),
        "DL_Dashboard_AY2010_2011_Q3.xls",
        header_row=6,
        sheets=("Quarterly Activity", "Award Year Summary"),
    ),
    EraExample(
        DL_FIVE,
        ReportSpec("DL", "2012-2013", 2, date(2015, 4, 9)),
        "DL_Dashboard_AY2012_2013_Q2.xls",
        header_row=6,
        sheets=("Quarterly Activity", "Award Year Summary"),
    ),
    EraExample(
        DL_MODERN,
        ReportSpec("DL", "2018-2019", 4, date(2021, 4, 1)),
        "dl-dashboard-ay2018-2019-q4.xls",
        header_row=7,
        sheets=("Quarterly Activity", "Award Year Summary"),
    ),
)


def _full_block(block: int) -> tuple[PublishedCell, ...]:
    return (10 + block, 11 + block, 1000 * (block + 1), 12 + block, 900 * (block + 1))


def _second_school_block(block: int) -> tuple[PublishedCell, ...]:
    if block == 0:
        return (0, 0, 0, 0, 0)
    if block == 1:
        return (5, None, 2500, 5, 2400)
    return (1, 1, 100, 1, 100)


def example_lines(era: Era, program: str, period: str) -> list[SchoolLine]:
    """The school lines of one sheet; the summary sheet has one school more."""
    blocks = range(len(era.loan_types))
    lines = [
        SchoolLine(
            "00100200",
            "ALPHA UNIVERSITY  ",
            "AL",
            "357621357",
            "public",
            tuple(_full_block(block) for block in blocks),
        ),
        SchoolLine(
            100700,
            "beta college",
            "CT",
            6033,
            "private_nonprofit",
            tuple(_second_school_block(block) for block in blocks),
        ),
        SchoolLine(
            "00671300",
            "UPPSALA UNIVERSITY",
            "FC",
            " OX1   2JD ",
            "foreign_public",
            tuple((2, 2, 7000.0, 2, 7000) for _ in blocks),
        ),
    ]
    if program == "FFEL":
        lines.append(
            SchoolLine(
                "88888800",
                "DEFAULT SCHOOL FOR CONSOLIDATED LOANS",
                "NR",
                "00000",
                "other",
                tuple((2, 3, 7726, 3, 3376) for _ in blocks),
            )
        )
    if period == "year_to_date":
        lines.append(
            SchoolLine(
                "00300000",
                "GAMMA INSTITUTE",
                "TX",
                "75001",
                "proprietary",
                tuple((7, 7, 7777, 7, 7777) for _ in blocks),
            )
        )
    return lines


def example_lines_by_period(example: EraExample) -> dict[str, list[SchoolLine]]:
    """Both periods' lines of an example (a summary era uses only one)."""
    return {
        period: example_lines(example.era, example.report.program, period)
        for period in ("quarter", "year_to_date")
    }


def expected_rows(example: EraExample, sheet: str, period: str) -> list[SchoolRow]:
    """The school rows the reader must return for one sheet of an example."""
    era = example.era
    lines = example_lines(era, example.report.program, period)
    identities = {
        "00100200": ("ALPHA UNIVERSITY", "AL", "357621357", "public"),
        "00100700": ("beta college", "CT", "06033", "private_nonprofit"),
        "00671300": ("UPPSALA UNIVERSITY", "FC", "OX1   2JD", "foreign_public"),
        "88888800": ("DEFAULT SCHOOL FOR CONSOLIDATED LOANS", "NR", "00000", "other"),
        "00300000": ("GAMMA INSTITUTE", "TX", "75001", "proprietary"),
    }
    rows = []
    for offset, line in enumerate(lines):
        ope_id = str(line.ope_id).zfill(8)
        name, state, zip_code, school_type = identities[ope_id]
        volumes = tuple(
            LoanTypeVolume(loan_type, *(_as_int(value) for value in metrics))
            for loan_type, metrics in zip(era.loan_types, line.volumes, strict=True)
        )
        rows.append(
            SchoolRow(
                period=period,
                sheet=sheet,
                row=example.header_row + 1 + offset,
                ope_id=ope_id,
                school_name=name,
                state=state,
                zip_code=zip_code,
                school_type=school_type,
                volumes=volumes,
            )
        )
    return rows


def _as_int(value: PublishedCell) -> int | None:
    """A generated metric as the reader returns it: 7000.0 is 7000."""
    assert not isinstance(value, str)
    return None if value is None else int(value)
