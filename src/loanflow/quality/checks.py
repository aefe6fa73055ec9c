"""The data quality checks: their names, and the plausibility checks in SQL.

Every check has a stable name, used in the warehouse, the dead-letter topic's
headers, ``loanflow quality`` and its JSON. Structural checks are made by the
reader while it reads a row; their failures are set aside. Plausibility checks
run here, in SQL over one publication's rows, inside the transaction that
completes the publication, so every path into the warehouse (``run``,
``stream``) records them exactly once.

This module imports nothing from ``loanflow.warehouse``: the writer calls it.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from loanflow.workbooks.model import METRICS

logger = logging.getLogger(__name__)

CheckKind = Literal["set_aside", "warning"]


@dataclass(frozen=True)
class Check:
    """One rule a school row is held to.

    Attributes:
        name: the stable name.
        kind: ``set_aside`` (structural: the row is kept out of the warehouse)
            or ``warning`` (plausibility: the row is integrated, with a warning).
        description: what the rule says, for people.
    """

    name: str
    kind: CheckKind
    description: str


CHECKS: dict[str, Check] = {
    check.name: check
    for check in (
        Check("bad_ope_id", "set_aside", "the OPE ID is not 1 to 8 digits"),
        Check("bad_school_type", "set_aside", "the school type is blank or unknown"),
        Check("bad_zip_code", "set_aside", "a numeric zip code that is no zip code"),
        Check(
            "bad_metric",
            "set_aside",
            "a count or amount that is not a whole number of 64 bits",
        ),
        Check("bad_row", "set_aside", "another reason the row cannot be read"),
        Check(
            "unreadable_workbook",
            "set_aside",
            "a whole workbook that cannot be read (`loanflow rejected` lists it)",
        ),
        Check("negative_value", "warning", "a count or amount below zero"),
        Check(
            "recipients_without_loans",
            "warning",
            "recipients counted for a loan type with no loan originated",
        ),
        Check(
            "quarter_above_year_to_date",
            "warning",
            "a quarter's figure above the award year to date through it",
        ),
        Check(
            "unknown_state",
            "warning",
            "a state that is no U.S. state, DC, territory, military code or FC",
        ),
        Check(
            "placeholder_school",
            "warning",
            "a placeholder line, not a school, part of the published totals",
        ),
    )
}

# The 50 states, DC, the territories and freely associated states, the
# military codes (AA, AE, AP) and FSA's FC for foreign schools.
_STATE_CODES = (
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT "
    "NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY "
    "DC PR GU VI AS MP FM MH PW AA AE AP FC"
)
KNOWN_STATES = frozenset(_STATE_CODES.split())

# Column headers of the reader's problems, by check. A metric's header reads
# "<loan-type label>: <metric header>".
_STRUCTURAL_COLUMNS = {
    "OPE ID": "bad_ope_id",
    "School Type": "bad_school_type",
    "Zip Code": "bad_zip_code",
}


def structural_check(column: str | None) -> str:
    """The name of the structural check a problem of the reader's column failed.

    Args:
        column: the column header the reader named in the problem.
    """
    if column is None:
        return "bad_row"
    if column in _STRUCTURAL_COLUMNS:
        return _STRUCTURAL_COLUMNS[column]
    if ": " in column:
        return "bad_metric"
    return "bad_row"


@dataclass(frozen=True)
class Finding:
    """A plausibility warning about one school row, or one loan type of it."""

    period: str
    sheet: str
    sheet_row: int
    ope_id: str
    school_name: str | None
    loan_type: str | None
    check_name: str
    columns: tuple[str, ...]
    message: str
    observed: Mapping[str, object]


def _finding(
    where: Sequence[Any],
    *,
    loan_type: str | None,
    check_name: str,
    columns: tuple[str, ...],
    message: str,
    observed: Mapping[str, object],
) -> Finding:
    """A finding at ``where``: period, sheet, sheet row, OPE ID, school name."""
    period, sheet, sheet_row, ope_id, school_name = where
    return Finding(
        period,
        sheet,
        sheet_row,
        ope_id,
        school_name,
        loan_type,
        check_name,
        columns,
        message,
        observed,
    )


_INSERT_WARNING = """
INSERT INTO quality_warnings (
    publication_id, period, sheet, sheet_row, ope_id, school_name, loan_type,
    check_name, columns, message, observed_values
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING
"""

_ROW = "period, sheet, sheet_row, ope_id, school_name"
_METRIC_COLUMNS = ", ".join(METRICS)


def check_publication(
    conn: sqlite3.Connection, publication_id: int, checked_at: str
) -> int | None:
    """Run the plausibility checks on a publication's rows, once.

    Call it inside the transaction that completes the publication.

    Args:
        conn: the warehouse, in a write transaction.
        publication_id: the publication.
        checked_at: the time to record (ISO, UTC).

    Returns:
        How many warnings were recorded; None when the publication had been
        checked before (nothing is recorded twice).
    """
    done = conn.execute(
        "SELECT 1 FROM quality_checks WHERE publication_id = ?", (publication_id,)
    ).fetchone()
    if done is not None:
        return None
    recorded = 0
    for finding in find_warnings(conn, publication_id):
        recorded += conn.execute(
            _INSERT_WARNING,
            (
                publication_id,
                finding.period,
                finding.sheet,
                finding.sheet_row,
                finding.ope_id,
                finding.school_name,
                finding.loan_type,
                finding.check_name,
                ", ".join(finding.columns),
                finding.message,
                json.dumps(finding.observed, ensure_ascii=False),
            ),
        ).rowcount
    conn.execute(
        "INSERT INTO quality_checks (publication_id, checked_at, warnings) "
        "VALUES (?, ?, ?)",
        (publication_id, checked_at, recorded),
    )
    if recorded:
        logger.warning(
            "quality warnings: publication_id=%d warnings=%d "
            "(`loanflow quality %d` lists them)",
            publication_id,
            recorded,
            publication_id,
        )
    return recorded


def find_warnings(conn: sqlite3.Connection, publication_id: int) -> Iterator[Finding]:
    """Every plausibility warning of a publication's rows, check by check."""
    yield from _negative_values(conn, publication_id)
    yield from _recipients_without_loans(conn, publication_id)
    yield from _quarter_above_year_to_date(conn, publication_id)
    yield from _unknown_states(conn, publication_id)
    yield from _placeholder_schools(conn, publication_id)


def _negative_values(
    conn: sqlite3.Connection, publication_id: int
) -> Iterator[Finding]:
    below_zero = " OR ".join(f"{metric} < 0" for metric in METRICS)
    rows = conn.execute(
        f"SELECT {_ROW}, loan_type, {_METRIC_COLUMNS} FROM school_volumes "
        f"WHERE publication_id = ? AND ({below_zero}) ORDER BY period, sheet_row, "
        "loan_type",
        (publication_id,),
    )
    for row in rows:
        where, loan_type, values = row[:5], row[5], row[6:]
        negative = {
            metric: value
            for metric, value in zip(METRICS, values, strict=True)
            if value is not None and value < 0
        }
        listed = ", ".join(f"{metric} {value:,}" for metric, value in negative.items())
        yield _finding(
            where,
            loan_type=loan_type,
            check_name="negative_value",
            columns=tuple(negative),
            message=f"{loan_type}: below zero: {listed}",
            observed=negative,
        )


def _recipients_without_loans(
    conn: sqlite3.Connection, publication_id: int
) -> Iterator[Finding]:
    rows = conn.execute(
        f"SELECT {_ROW}, loan_type, recipients, loans_originated "
        "FROM school_volumes WHERE publication_id = ? AND recipients > 0 "
        "AND ifnull(loans_originated, 0) = 0 ORDER BY period, sheet_row, loan_type",
        (publication_id,),
    )
    for *where, loan_type, recipients, loans in rows:
        loans_text = "blank" if loans is None else "0"
        yield _finding(
            where,
            loan_type=loan_type,
            check_name="recipients_without_loans",
            columns=("recipients", "loans_originated"),
            message=(
                f"{loan_type}: {recipients:,} recipients but loans originated "
                f"is {loans_text}"
            ),
            observed={"recipients": recipients, "loans_originated": loans},
        )


# Only schools listed once on each sheet: a repeated OPE ID cannot be paired
# with certainty (and summing it could overflow).
_PAIRED = f"""
WITH once AS (
    SELECT period, ope_id, loan_type, min(sheet) AS sheet,
        min(sheet_row) AS sheet_row, min(school_name) AS school_name,
        {", ".join(f"min({metric}) AS {metric}" for metric in METRICS)}
    FROM school_volumes
    WHERE publication_id = ?
    GROUP BY period, ope_id, loan_type
    HAVING count(*) = 1
)
SELECT q.period, q.sheet, q.sheet_row, q.ope_id, q.school_name, q.loan_type,
    {", ".join(f"q.{metric}, y.{metric}" for metric in METRICS)}
FROM once AS q
JOIN once AS y ON y.period = 'year_to_date' AND y.ope_id = q.ope_id
    AND y.loan_type = q.loan_type
WHERE q.period = 'quarter'
    AND ({" OR ".join(f"q.{metric} > y.{metric}" for metric in METRICS)})
ORDER BY q.sheet_row, q.loan_type
"""


def _quarter_above_year_to_date(
    conn: sqlite3.Connection, publication_id: int
) -> Iterator[Finding]:
    for row in conn.execute(_PAIRED, (publication_id,)):
        where, loan_type, values = row[:5], row[5], row[6:]
        above = {}
        for index, metric in enumerate(METRICS):
            quarter, to_date = values[2 * index], values[2 * index + 1]
            if quarter is not None and to_date is not None and quarter > to_date:
                above[metric] = {"quarter": quarter, "year_to_date": to_date}
        listed = ", ".join(
            f"{metric} {pair['quarter']:,} > {pair['year_to_date']:,}"
            for metric, pair in above.items()
        )
        yield _finding(
            where,
            loan_type=loan_type,
            check_name="quarter_above_year_to_date",
            columns=tuple(above),
            message=f"{loan_type}: quarter above year to date: {listed}",
            observed=above,
        )


def _school_lines(
    conn: sqlite3.Connection, publication_id: int, condition: str
) -> Iterator[tuple]:
    """One row per school line (not per loan type) that meets ``condition``."""
    return conn.execute(
        f"SELECT DISTINCT {_ROW}, state FROM school_volumes "
        f"WHERE publication_id = ? AND ({condition}) ORDER BY period, sheet_row",
        (publication_id,),
    )


def _unknown_states(conn: sqlite3.Connection, publication_id: int) -> Iterator[Finding]:
    known = ", ".join(f"'{state}'" for state in sorted(KNOWN_STATES))
    lines = _school_lines(
        conn,
        publication_id,
        # From AY2018-19 foreign schools have a blank state instead of FC.
        f"(state NOT IN ({known}) "
        "OR (state IS NULL AND school_type NOT LIKE 'foreign%')) "
        "AND ope_id NOT IN (SELECT ope_id FROM placeholder_schools)",
    )
    for *where, state in lines:
        if state is None:
            message = "state is blank, and the school is not foreign"
        else:
            message = (
                f"state {state!r} is no U.S. state, DC, territory, military code or FC"
            )
        yield _finding(
            where,
            loan_type=None,
            check_name="unknown_state",
            columns=("state",),
            message=message,
            observed={"state": state},
        )


def _placeholder_schools(
    conn: sqlite3.Connection, publication_id: int
) -> Iterator[Finding]:
    lines = _school_lines(
        conn, publication_id, "ope_id IN (SELECT ope_id FROM placeholder_schools)"
    )
    for *where, state in lines:
        yield _finding(
            where,
            loan_type=None,
            check_name="placeholder_school",
            columns=("ope_id",),
            message=(
                "placeholder, not a school; kept: part of the published totals "
                "(see table placeholder_schools)"
            ),
            observed={"ope_id": where[3], "state": state},
        )
