"""Small helpers of the workbook tests: errors as text, totals to compare."""

from __future__ import annotations

from pathlib import Path

import pytest

from loanflow.errors import WorkbookError
from loanflow.workbooks.model import METRICS, Workbook
from loanflow.workbooks.reader import read_workbook
from tests.support.workbook_totals import workbook_totals

Totals = dict[tuple[str, str], tuple[int, ...]]


def read_error(path: Path) -> str:
    """The one-line message of the WorkbookError that reading a file raises."""
    with pytest.raises(WorkbookError) as raised:
        read_workbook(path)
    return str(raised.value)


def reader_totals(workbook: Workbook) -> Totals:
    """Per (period, loan type): school rows, then the five sums (blank adds 0)."""
    totals: dict[tuple[str, str], list[int]] = {}
    for row in workbook.rows:
        for volume in row.volumes:
            sums = totals.setdefault((row.period, volume.loan_type), [0] * 6)
            sums[0] += 1
            for index, metric in enumerate(METRICS, start=1):
                sums[index] += getattr(volume, metric) or 0
    return {key: tuple(sums) for key, sums in totals.items()}


def own_totals(path: Path) -> Totals:
    """The workbook's own totals from its cells, in the same shape."""
    return {key: totals.as_tuple() for key, totals in workbook_totals(path).items()}
