"""What the workbook reader produces: the contract with the producer.

Vocabulary (docs/glossary.md): a *report* is one program, award year and quarter;
a *publication* is one release of a report (one workbook, one run date); a
*sheet* of a publication holds one *period*; a *school row* carries one block of
five metrics per *loan type*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Program = Literal["FFEL", "DL"]
Period = Literal["quarter", "year_to_date"]

PROGRAMS: tuple[str, ...] = ("FFEL", "DL")
PERIODS: tuple[str, ...] = ("quarter", "year_to_date")
SCHOOL_TYPES: tuple[str, ...] = (
    "public",
    "private_nonprofit",
    "proprietary",
    "foreign_public",
    "foreign_private",
    "foreign_for_profit",
    "other",
)
LOAN_TYPES: tuple[str, ...] = (
    "subsidized",
    "subsidized_undergraduate",
    "subsidized_graduate",
    "unsubsidized",
    "unsubsidized_undergraduate",
    "unsubsidized_graduate",
    "parent_plus",
    "grad_plus",
    "plus",
)
METRICS: tuple[str, ...] = (
    "recipients",
    "loans_originated",
    "loans_originated_amount",
    "disbursements",
    "disbursements_amount",
)


@dataclass(frozen=True)
class Publication:
    """One release of a report, as the workbook itself describes it.

    Attributes:
        program: ``FFEL`` or ``DL``.
        award_year: ``2009-2010``.
        quarter: 1-4, or None for award-year summaries without quarters.
        run_date: the date the data were run, None when the workbook has none.
        source_file: the workbook's file name (no folder).
        source_sha256: hex SHA-256 of the workbook's bytes; identifies the
            publication.
    """

    program: str
    award_year: str
    quarter: int | None
    run_date: date | None
    source_file: str
    source_sha256: str


@dataclass(frozen=True)
class LoanTypeVolume:
    """The five metrics of one loan type for one school. None is a blank cell."""

    loan_type: str
    recipients: int | None
    loans_originated: int | None
    loans_originated_amount: int | None
    disbursements: int | None
    disbursements_amount: int | None


@dataclass(frozen=True)
class SchoolRow:
    """One school's line on one sheet.

    Attributes:
        period: ``quarter`` or ``year_to_date``.
        sheet: the sheet's name as in the workbook.
        row: 1-based row number in the sheet, as Excel shows it.
        ope_id: 8-digit text.
        school_type: one of ``SCHOOL_TYPES``.
        volumes: one entry per loan-type block of the sheet, in sheet order.
    """

    period: str
    sheet: str
    row: int
    ope_id: str
    school_name: str | None
    state: str | None
    zip_code: str | None
    school_type: str
    volumes: tuple[LoanTypeVolume, ...]


@dataclass(frozen=True)
class RowProblem:
    """A row kept aside: where it is, every problem it has, and its raw cells.

    Attributes:
        sheet: the sheet's name.
        row: 1-based row number.
        problems: ``(column header, what is wrong)`` pairs, all of the row's.
        cells: the row's raw cell values as text, for a person to see and fix.
    """

    sheet: str
    row: int
    problems: tuple[tuple[str, str], ...]
    cells: tuple[str, ...]


@dataclass(frozen=True)
class SheetSummary:
    """What the reader found on one data sheet."""

    sheet: str
    period: str
    header_row: int
    loan_types: tuple[str, ...]
    school_rows: int
    rejected_rows: int


@dataclass
class Workbook:
    """A workbook read whole: its publication, school rows and rejected rows."""

    publication: Publication
    sheets: list[SheetSummary] = field(default_factory=list)
    rows: list[SchoolRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
