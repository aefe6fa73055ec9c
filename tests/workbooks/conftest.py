"""Fixtures of the workbook tests: a factory of generated example workbooks.

The real FSA files come from the ``fsa_data`` fixture of ``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.builders import WorkbookFormat, build_workbook
from tests.workbooks.examples import EraExample, example_lines_by_period

BuildWorkbook = Callable[[str, EraExample, WorkbookFormat], Path]


@pytest.fixture
def make_workbook(tmp_path: Path) -> BuildWorkbook:
    """Write an example's workbook, named as given, into the test's folder."""

    def make(name: str, example: EraExample, workbook_format: WorkbookFormat) -> Path:
        lines = example_lines_by_period(example)
        return build_workbook(
            tmp_path / name, example.era, example.report, lines, workbook_format
        )

    return make
