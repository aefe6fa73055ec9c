"""Turning the cells of a school row into the values of the model.

Each ``normalize_*`` function takes one cell as python-calamine returns it
(text, int, float, bool, date, time or timedelta; ``None`` for a cell beyond
the row's end) and returns the model's value, or raises ``CellProblem`` with a
reason a person can act on. The reader calls them all on a row and collects
every problem, so a bad row is reported whole.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

Cell = str | int | float | bool | date | datetime | time | timedelta | None

# The largest value SQLite's INTEGER (and a Kafka consumer's long) can hold.
_INT64_MAX = 2**63 - 1
_DASHES = frozenset({"-", "–", "—"})
# ASCII digits only: Python's \d and isdigit() also take full-width and other
# scripts' digits, which nothing downstream (Spark, SQL, BI tools) reads as such.
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
_GROUPED_NUMBER = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+")

SCHOOL_TYPE_SPELLINGS: dict[str, str] = {
    "PUBLIC": "public",
    "PRIVATE": "private_nonprofit",
    "PRIVATE NONPROFIT": "private_nonprofit",
    "PRIVATE NON PROFIT": "private_nonprofit",
    "PROPRIETARY": "proprietary",
    "PRIVATE FOR PROFIT": "proprietary",
    "FOREIGN PUBLIC": "foreign_public",
    "FOREIGN PRIVATE": "foreign_private",
    "FOREIGN PRIVATE NONPROFIT": "foreign_private",
    "FOREIGN FOR PROFIT": "foreign_for_profit",
    "FOREIGN PROPRIETARY": "foreign_for_profit",
    "OTHER": "other",
    # FFEL AY2009-10 Q2-Q4 list TOKAI UNIV (02099800, state FC) as plain
    # "FOREIGN": a foreign school whose control the file does not say. It is
    # none of the specific types, and rejecting the row would drop its loans
    # from the published totals.
    "FOREIGN": "other",
}


class CellProblem(ValueError):
    """A cell's value is not what its column allows; the message says why."""


def is_blank(cell: Cell) -> bool:
    """Whether a cell is empty: nothing, or text of only spaces."""
    return cell is None or (isinstance(cell, str) and not cell.strip())


def cell_text(cell: Cell) -> str:
    """A cell as a person would read it in Excel, for rejected rows and messages.

    Whole floats lose their ``.0`` (``104.0`` is shown as ``104``); dates are
    ISO; blank is the empty string.
    """
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, date | datetime | time):
        return cell.isoformat()
    return str(cell)


def normalize_text(cell: Cell) -> str | None:
    """A school name or state: trimmed text, None when blank.

    A number in these columns is still what was published, so it is kept as
    its text rather than rejected.
    """
    if is_blank(cell):
        return None
    return cell_text(cell).strip()


def normalize_ope_id(cell: Cell) -> str:
    """An OPE ID as 8-digit text.

    Numbers lost their leading zeros when stored (``100200.0`` is
    ``00100200``); text of digits is padded the same way, since it lost them
    on the same road (a CSV round trip, a retyped cell).

    Raises:
        CellProblem: the cell is blank, or not 1 to 8 digits.
    """
    if is_blank(cell):
        raise CellProblem("OPE ID is blank")
    digits = _whole_number_text(cell)
    if digits is None or not _ascii_digits(digits) or len(digits) > 8:
        raise CellProblem(f"{cell_text(cell)!r} is not an 8-digit OPE ID")
    return digits.zfill(8)


def normalize_zip_code(cell: Cell, *, foreign: bool) -> str | None:
    """A zip code as text, None when blank.

    Text is kept as published, trimmed (foreign postal codes have letters and
    spaces). A number lost its leading zeros: a U.S. zip code is padded back
    to 5 or 9 digits; a foreign school's number is kept as it is, since its
    postal code has its own length.

    Args:
        cell: the ``Zip Code`` cell.
        foreign: whether the school is foreign (state ``FC`` or a foreign type).

    Raises:
        CellProblem: a number that is not whole, or longer than 9 digits.
    """
    if is_blank(cell):
        return None
    if isinstance(cell, str):
        return cell.strip()
    digits = _whole_number_text(cell)
    if digits is None or not _ascii_digits(digits):
        raise CellProblem(f"{cell_text(cell)!r} is not a zip code")
    if foreign:
        return digits
    if len(digits) > 9:
        raise CellProblem(f"{cell_text(cell)!r} has more than 9 digits")
    return digits.zfill(5 if len(digits) <= 5 else 9)


def normalize_school_type(cell: Cell) -> str:
    """A school type as one of ``SCHOOL_TYPES``, whatever its spelling.

    Case, spaces and hyphens do not matter: ``PRIVATE``, ``Private-Nonprofit``
    and ``private nonprofit`` are all ``private_nonprofit``.

    Raises:
        CellProblem: the cell is blank or names no known school type.
    """
    if is_blank(cell):
        raise CellProblem("school type is blank")
    key = " ".join(re.split(r"[\s_-]+", str(cell).strip().upper()))
    school_type = SCHOOL_TYPE_SPELLINGS.get(key)
    if school_type is None:
        raise CellProblem(f"unknown school type {cell_text(cell)!r}")
    return school_type


def normalize_metric(cell: Cell) -> int | None:
    """A count or dollar amount as a Python int, None when blank.

    A dash (``-``, with or without spaces) means no activity: 0. Floats that
    are whole (``104.0``) become ints; text of digits (``1,234``) is read as a
    number.

    Raises:
        CellProblem: the cell is not a whole number, or does not fit 64 bits.
    """
    if is_blank(cell):
        return None
    if isinstance(cell, str) and cell.strip() in _DASHES:
        return 0
    digits = _whole_number_text(cell)
    if digits is None:
        if isinstance(cell, float):
            raise CellProblem(f"{cell_text(cell)!r} is not a whole number")
        raise CellProblem(f"{cell_text(cell)!r} is not a number")
    value = int(digits)
    if abs(value) > _INT64_MAX:
        raise CellProblem(f"{cell_text(cell)!r} does not fit in 64 bits")
    return value


def _whole_number_text(cell: Cell) -> str | None:
    """The digits of a whole number cell (with its sign), else None."""
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, float):
        if not cell.is_integer():
            return None
        return str(int(cell))
    if isinstance(cell, str):
        text = cell.strip()
        if _WHOLE_NUMBER.fullmatch(text):
            return str(int(text)) if text[0] in "+-" else text
        if _GROUPED_NUMBER.fullmatch(text):
            return str(int(text.replace(",", "")))
    return None


def _ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()
