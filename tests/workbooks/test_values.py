"""Cell values turned into model values: OPE IDs, zip codes, school types, metrics."""

from __future__ import annotations

from datetime import date

import pytest

from loanflow.workbooks.values import (
    CellProblem,
    cell_text,
    normalize_metric,
    normalize_ope_id,
    normalize_school_type,
    normalize_text,
    normalize_zip_code,
)


@pytest.mark.parametrize(
    ("cell", "ope_id"),
    [
        ("00106100", "00106100"),
        (" 00106100 ", "00106100"),
        (100200.0, "00100200"),
        (100200, "00100200"),
        ("100200", "00100200"),
        (88888800, "88888800"),
    ],
)
def test_ope_ids_are_8_digit_text(cell: object, ope_id: str) -> None:
    assert normalize_ope_id(cell) == ope_id  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("", "OPE ID is blank"),
        (None, "OPE ID is blank"),
        ("G01169", "'G01169' is not an 8-digit OPE ID"),
        ("123456789", "'123456789' is not an 8-digit OPE ID"),
        (100200.5, "'100200.5' is not an 8-digit OPE ID"),
        (-100200, "'-100200' is not an 8-digit OPE ID"),
        # Full-width digits are digits to Python, not to Spark or SQL.
        ("００１００２００", "'００１００２００' is not an 8-digit OPE ID"),
    ],
)
def test_bad_ope_ids(cell: object, reason: str) -> None:
    with pytest.raises(CellProblem) as raised:
        normalize_ope_id(cell)  # type: ignore[arg-type]

    assert str(raised.value) == reason


@pytest.mark.parametrize(
    ("cell", "foreign", "zip_code"),
    [
        ("357621357", False, "357621357"),
        ("06033", False, "06033"),
        (6033.0, False, "06033"),
        (2139, False, "02139"),
        (601123456.0, False, "601123456"),
        (21391234, False, "021391234"),
        (936, False, "00936"),
        (" OX1   2JD ", True, "OX1   2JD"),
        ("4101", True, "4101"),
        (6140, True, "6140"),
        ("", False, None),
        ("  ", True, None),
    ],
)
def test_zip_codes_are_text_with_their_zeros(
    cell: object, foreign: bool, zip_code: str | None
) -> None:
    assert normalize_zip_code(cell, foreign=foreign) == zip_code  # type: ignore[arg-type]


def test_a_zip_code_number_longer_than_9_digits_is_a_problem() -> None:
    with pytest.raises(CellProblem) as raised:
        normalize_zip_code(1234567890, foreign=False)

    assert str(raised.value) == "'1234567890' has more than 9 digits"


@pytest.mark.parametrize(
    ("cell", "school_type"),
    [
        ("PUBLIC", "public"),
        ("Public", "public"),
        ("PRIVATE", "private_nonprofit"),
        ("Private-Nonprofit", "private_nonprofit"),
        ("private nonprofit", "private_nonprofit"),
        ("PROPRIETARY", "proprietary"),
        ("Proprietary", "proprietary"),
        ("FOREIGN PUBLIC", "foreign_public"),
        ("Foreign-Public", "foreign_public"),
        ("FOREIGN PRIVATE", "foreign_private"),
        ("Foreign-Private", "foreign_private"),
        ("FOREIGN FOR-PROFIT", "foreign_for_profit"),
        ("Foreign-For-Profit", "foreign_for_profit"),
        ("  foreign   for profit ", "foreign_for_profit"),
        ("OTHER", "other"),
        ("FOREIGN", "other"),
    ],
)
def test_school_type_spellings(cell: str, school_type: str) -> None:
    assert normalize_school_type(cell) == school_type


@pytest.mark.parametrize(
    ("cell", "reason"),
    [("", "school type is blank"), ("Martian", "unknown school type 'Martian'")],
)
def test_bad_school_types(cell: str, reason: str) -> None:
    with pytest.raises(CellProblem) as raised:
        normalize_school_type(cell)

    assert str(raised.value) == reason


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        (104.0, 104),
        (104, 104),
        (1546994, 1546994),
        ("-", 0),
        (" -", 0),
        (" - ", 0),
        ("", None),
        ("   ", None),
        (None, None),
        ("1,234,567", 1234567),
        (" 42 ", 42),
        (0.0, 0),
        (9_007_199_254_740_992.0, 9_007_199_254_740_992),
    ],
)
def test_metrics_are_ints_dash_zero_blank_none(cell: object, value: int | None) -> None:
    result = normalize_metric(cell)  # type: ignore[arg-type]
    assert result == value
    assert type(result) is type(value)


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        (12.5, "'12.5' is not a whole number"),
        ("n/a", "'n/a' is not a number"),
        ("12.5", "'12.5' is not a number"),
        (True, "'TRUE' is not a number"),
        (date(2020, 1, 1), "'2020-01-01' is not a number"),
        (2.0**64, f"'{2**64}' does not fit in 64 bits"),
    ],
)
def test_bad_metrics(cell: object, reason: str) -> None:
    with pytest.raises(CellProblem) as raised:
        normalize_metric(cell)  # type: ignore[arg-type]

    assert str(raised.value) == reason


def test_names_are_trimmed_and_blank_is_none() -> None:
    assert normalize_text("  ALPHA UNIVERSITY  ") == "ALPHA UNIVERSITY"
    assert normalize_text(" ") is None
    assert normalize_text(1199) == "1199"


@pytest.mark.parametrize(
    ("cell", "text"),
    [(None, ""), (104.0, "104"), (12.5, "12.5"), (True, "TRUE"), ("x ", "x ")],
)
def test_cell_text_is_what_excel_shows(cell: object, text: str) -> None:
    assert cell_text(cell) == text  # type: ignore[arg-type]
