"""Loan-type labels and the two-row header."""

from __future__ import annotations

import pytest

from loanflow.errors import Location, WorkbookError
from loanflow.workbooks.header import (
    METRIC_HEADERS,
    column_letter,
    find_header_row,
    read_header,
    read_loan_type_label,
)


@pytest.mark.parametrize(
    ("label", "meaning"),
    [
        ("DL SUBSIDIZED", ("DL", "subsidized")),
        ("FFEL SUBSIDIZED", ("FFEL", "subsidized")),
        ("DL SUBSIDIZED- UNDERGRADUATE", ("DL", "subsidized_undergraduate")),
        ("DL SUBSIDIZED- GRADUATE", ("DL", "subsidized_graduate")),
        ("DL UNSUBSIDIZED", ("DL", "unsubsidized")),
        ("DL UNSUBSIDIZED- UNDERGRADUATE", ("DL", "unsubsidized_undergraduate")),
        ("DL UNSUBSIDIZED - GRADUATE", ("DL", "unsubsidized_graduate")),
        ("dl unsubsidized-graduate ", ("DL", "unsubsidized_graduate")),
        ("FFEL PARENT PLUS", ("FFEL", "parent_plus")),
        ("DL GRAD PLUS", ("DL", "grad_plus")),
        ("DL PLUS", ("DL", "plus")),
        ("PLUS", (None, "plus")),
        ("DL CONSOLIDATION", None),
    ],
)
def test_loan_type_labels(label: str, meaning: tuple[str | None, str] | None) -> None:
    assert read_loan_type_label(label) == meaning


@pytest.mark.parametrize(
    ("column", "letter"), [(0, "A"), (5, "F"), (25, "Z"), (26, "AA"), (34, "AI")]
)
def test_column_letters(column: int, letter: str) -> None:
    assert column_letter(column) == letter


def sheet(label_row: list[object], header_row: list[object]) -> list[list[object]]:
    return [["Title"], label_row, header_row]


HEADER = ["OPE ID", "School", "State", "Zip Code", "School Type", *METRIC_HEADERS]


def test_the_header_is_the_row_starting_ope_id_school() -> None:
    rows = [["Title"], ["OPE ID", "An 8-digit code"], ["x"], HEADER]

    assert find_header_row(rows) == 3


def test_a_merged_label_may_sit_anywhere_over_its_block() -> None:
    rows = sheet(["", "", "", "", "", "", "", "DL PLUS", "", ""], HEADER)

    header = read_header(rows, 2, Location("f.xls", "S"))  # type: ignore[arg-type]

    assert [block.loan_type for block in header.blocks] == ["plus"]
    assert header.width == 10


@pytest.mark.parametrize(
    ("labels", "header", "message"),
    [
        (
            [""] * 10,
            HEADER,
            "f.xls, sheet 'S', row 2, column 'F': no loan-type label above columns F-J",
        ),
        (
            ["", "", "", "", "", "DL PLUS", "DL GRAD PLUS", "", "", ""],
            HEADER,
            "f.xls, sheet 'S', row 2, column 'F': several loan-type labels above "
            "columns F-J: 'DL GRAD PLUS', 'DL PLUS'",
        ),
        (
            ["", "", "", "", "", "DL PLUS", "", "", "", "", "DL PLUS"],
            HEADER + list(METRIC_HEADERS),
            "f.xls, sheet 'S', row 2, column 'K': loan-type label 'DL PLUS' "
            "repeats 'DL PLUS'",
        ),
        (
            ["", "", "", "", "", "DL PLUS", "", "", "", "", "FFEL GRAD PLUS"],
            HEADER + list(METRIC_HEADERS),
            "f.xls, sheet 'S', row 2: the loan-type labels name both programs: "
            "DL, FFEL",
        ),
        (
            ["", "", "", "", "", "DL PLUS"],
            [*HEADER, "Recipients"],
            "f.xls, sheet 'S', row 3, column 'L': expected the column header "
            "'# of Loans Originated', found nothing",
        ),
        (
            ["", "", "", "", "", "DL PLUS"],
            ["OPE ID", "School", "State", "Zip", "School Type"],
            "f.xls, sheet 'S', row 3, column 'D': expected the column header "
            "'Zip Code', found 'Zip'",
        ),
        (
            [],
            ["OPE ID", "School", "State", "Zip Code", "School Type"],
            "f.xls, sheet 'S', row 3, column 'F': no loan-type columns after "
            "'School Type'",
        ),
    ],
)
def test_header_errors_name_row_and_column(
    labels: list[object], header: list[object], message: str
) -> None:
    with pytest.raises(WorkbookError) as raised:
        read_header(sheet(labels, header), 2, Location("f.xls", "S"))  # type: ignore[arg-type]

    assert str(raised.value) == message
