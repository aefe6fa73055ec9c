"""A workbook's own totals, computed straight from its cells.

An independent check on loanflow's reader and on the warehouse: it imports
nothing from loanflow and does the simplest thing that is right for the real
files. On each data sheet (the one whose header row starts ``OPE ID``,
``School``), every line with something in the OPE ID column is a school; for
each loan-type block it counts those schools and sums the five metrics, a
dash counting 0 and a blank cell counting nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from python_calamine import CalamineWorkbook

METRICS = (
    "recipients",
    "loans_originated",
    "loans_originated_amount",
    "disbursements",
    "disbursements_amount",
)
# Block labels without their FFEL/DL prefix, upper case, hyphens as spaces.
LOAN_TYPES = {
    "SUBSIDIZED": "subsidized",
    "SUBSIDIZED UNDERGRADUATE": "subsidized_undergraduate",
    "SUBSIDIZED GRADUATE": "subsidized_graduate",
    "UNSUBSIDIZED": "unsubsidized",
    "UNSUBSIDIZED UNDERGRADUATE": "unsubsidized_undergraduate",
    "UNSUBSIDIZED GRADUATE": "unsubsidized_graduate",
    "PARENT PLUS": "parent_plus",
    "GRAD PLUS": "grad_plus",
    "PLUS": "plus",
}


@dataclass
class LoanTypeTotals:
    """One loan type's totals on one sheet.

    Attributes:
        sheet: the sheet's name.
        schools: how many school lines the sheet has.
        recipients, loans_originated, loans_originated_amount, disbursements,
        disbursements_amount: the sums over those lines.
    """

    sheet: str
    schools: int = 0
    recipients: int = 0
    loans_originated: int = 0
    loans_originated_amount: int = 0
    disbursements: int = 0
    disbursements_amount: int = 0

    def as_tuple(self) -> tuple[int, ...]:
        """``(schools, recipients, ..., disbursements_amount)``."""
        return (
            self.schools,
            self.recipients,
            self.loans_originated,
            self.loans_originated_amount,
            self.disbursements,
            self.disbursements_amount,
        )


def workbook_totals(path: Path) -> dict[tuple[str, str], LoanTypeTotals]:
    """Per (period, loan type), the workbook's own totals.

    The period is ``quarter`` when the title rows above the header say
    "Quarterly Activity", else ``year_to_date``.
    """
    with path.open("rb") as file:
        book = CalamineWorkbook.from_filelike(file)
    totals: dict[tuple[str, str], LoanTypeTotals] = {}
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        header = _header_row(rows)
        if header is None:
            continue
        titles = " ".join(str(cell) for row in rows[:header] for cell in row)
        period = "quarter" if "Quarterly Activity" in titles else "year_to_date"
        for first in range(5, len(rows[header]), 5):
            if str(rows[header][first]).strip() == "":
                continue
            loan_type = _loan_type(str(rows[header - 1][first]))
            totals[(period, loan_type)] = _block_totals(name, rows, header, first)
    return totals


def _header_row(rows: list[list[object]]) -> int | None:
    for index, row in enumerate(rows):
        if len(row) > 1 and row[0] == "OPE ID" and row[1] == "School":
            return index
    return None


def _block_totals(
    sheet: str, rows: list[list[object]], header: int, first: int
) -> LoanTypeTotals:
    totals = LoanTypeTotals(sheet=sheet)
    for row in rows[header + 1 :]:
        if str(row[0]).strip() == "":
            continue
        totals.schools += 1
        for offset, metric in enumerate(METRICS):
            value = _number(row[first + offset])
            setattr(totals, metric, getattr(totals, metric) + value)
    return totals


def _loan_type(label: str) -> str:
    words = re.sub(r"[-\s]+", " ", label).strip().upper()
    words = re.sub(r"^(FFEL|DL) ", "", words)
    return LOAN_TYPES[words]


def _number(cell: object) -> int:
    """A metric cell's value: a dash is 0 and a blank adds nothing."""
    if isinstance(cell, str):
        text = cell.strip()
        if text in ("", "-"):
            return 0
        return int(text)
    if isinstance(cell, bool) or not isinstance(cell, int | float):
        raise ValueError(f"not a number: {cell!r}")
    if cell != int(cell):
        raise ValueError(f"not a whole number: {cell!r}")
    return int(cell)


def expected_totals(path: Path) -> dict[tuple[str, str], tuple[int, ...]]:
    """Per (period, loan type): school rows and the five sums, from the cells.

    In the order ``tests.pipeline.helpers.view_totals`` gives them for
    ``loan_volume``, so the two compare with ``==``.
    """
    return {
        key: (
            totals.schools,
            totals.recipients,
            totals.loans_originated,
            totals.loans_originated_amount,
            totals.disbursements,
            totals.disbursements_amount,
        )
        for key, totals in workbook_totals(path).items()
    }
