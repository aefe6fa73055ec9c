"""Numbers for people: dollars and counts with thousands separators, short scales."""

from __future__ import annotations

LOAN_TYPE_NAMES = {
    "subsidized": "Subsidized",
    "subsidized_undergraduate": "Subsidized, undergraduate",
    "subsidized_graduate": "Subsidized, graduate",
    "unsubsidized": "Unsubsidized",
    "unsubsidized_undergraduate": "Unsubsidized, undergraduate",
    "unsubsidized_graduate": "Unsubsidized, graduate",
    "parent_plus": "Parent PLUS",
    "grad_plus": "Grad PLUS",
    "plus": "PLUS",
}
PERIOD_NAMES = {
    "quarter": "Quarterly activity",
    "year_to_date": "Award year to date (cumulative)",
}
PROGRAM_NAMES = {"DL": "Direct Loans", "FFEL": "FFEL"}
# (divisor, word) from the largest: "$1.2 billion", "$ millions" on an axis.
_SCALES = ((10**9, "billion"), (10**6, "million"), (10**3, "thousand"))


def dollars(amount: int | float | None) -> str:
    """Whole dollars with separators: ``$1,234,567``; ``-`` when unknown."""
    if amount is None:
        return "-"
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(round(amount)):,}"


def count(number: int | float | None) -> str:
    """A count with thousands separators; ``-`` when unknown."""
    return "-" if number is None else f"{round(number):,}"


def short_dollars(amount: int | float | None) -> str:
    """Dollars on a short scale for headlines: ``$17.5 billion``."""
    if amount is None:
        return "-"
    for divisor, word in _SCALES:
        if abs(amount) >= divisor:
            return f"${amount / divisor:,.1f} {word}"
    return dollars(amount)


def scale_for(largest: float) -> tuple[int, str]:
    """The divisor and word for an axis whose largest value is ``largest``."""
    for divisor, word in _SCALES:
        if abs(largest) >= divisor:
            return divisor, word
    return 1, ""


def signed(number: int | None, money: bool = False) -> str:
    """A change with its sign: ``+1,234`` or ``-$56``; ``0`` for none."""
    if number is None:
        return "-"
    if number == 0:
        return "0"
    text = dollars(abs(number)) if money else f"{abs(number):,}"
    return f"+{text}" if number > 0 else f"-{text}"


def quarter_label(quarter: int | None) -> str:
    """``Q3``, or ``whole year`` for an award-year summary without quarters."""
    return "whole year" if quarter is None else f"Q{quarter}"


def short_year(award_year: str) -> str:
    """``2009-2010`` as ``2009-10``."""
    first, _, second = award_year.partition("-")
    return f"{first}-{second[-2:]}" if second else award_year


# Column names of the warehouse's tables as a table header says them.
_COLUMN_WORDS = {
    "ope_id": "OPE ID",
    "seen_at": "seen (UTC)",
    "check_name": "check",
    "file_name": "file",
    "school_rows": "school rows",
    "rejected_rows": "rows set aside",
    "loan_type": "loan type",
    "school_name": "school",
}


def column_header(name: str) -> str:
    """``rejected_rows`` as ``rows set aside``: a column name in words."""
    return _COLUMN_WORDS.get(name, name.replace("_", " "))
