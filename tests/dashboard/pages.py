"""Reading numbers off the dashboard's pages and the same figures from SQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.pipeline.helpers import query

METRICS = (
    "recipients",
    "loans_originated",
    "loans_originated_amount",
    "disbursements",
    "disbursements_amount",
)
ADDITIVE = METRICS[1:]


def shown_number(text: str) -> int | None:
    """``$1,234`` or ``1,234`` as 1234; ``-`` (unknown) as None."""
    cleaned = text.strip().replace("$", "").replace(",", "")
    return None if cleaned in ("-", "") else int(cleaned)


def totals_by_loan_type(
    db: Path, award_year: str, quarter: int | None, period: str
) -> dict[tuple[str, str], dict[str, Any]]:
    """Per (program, loan type) in loan_volume: schools and the metric sums."""
    rows = query(
        db,
        f"SELECT program, loan_type, count(DISTINCT ope_id), "
        f"{', '.join(f'sum({m})' for m in METRICS)} FROM loan_volume "
        "WHERE award_year = ? AND quarter IS ? AND period = ? "
        "GROUP BY program, loan_type",
        award_year,
        quarter,
        period,
    )
    return {
        (r[0], r[1]): dict(zip(("schools", *METRICS), r[2:], strict=True)) for r in rows
    }


def totals_by_program(
    db: Path, award_year: str, quarter: int | None, period: str
) -> dict[str, dict[str, Any]]:
    """Per program in loan_volume: schools and the additive metric sums."""
    rows = query(
        db,
        f"SELECT program, count(DISTINCT ope_id), "
        f"{', '.join(f'sum({m})' for m in ADDITIVE)} FROM loan_volume "
        "WHERE award_year = ? AND quarter IS ? AND period = ? GROUP BY program",
        award_year,
        quarter,
        period,
    )
    return {r[0]: dict(zip(("schools", *ADDITIVE), r[1:], strict=True)) for r in rows}


def totals_by_state(
    db: Path, award_year: str, quarter: int | None, period: str
) -> dict[str, dict[str, Any]]:
    """Per state in loan_volume: schools and the additive metric sums."""
    rows = query(
        db,
        f"SELECT ifnull(state, ''), count(DISTINCT ope_id), "
        f"{', '.join(f'sum({m})' for m in ADDITIVE)} FROM loan_volume "
        "WHERE award_year = ? AND quarter IS ? AND period = ? GROUP BY 1",
        award_year,
        quarter,
        period,
    )
    return {r[0]: dict(zip(("schools", *ADDITIVE), r[1:], strict=True)) for r in rows}


def publication_facts(db: Path, source_file: str) -> dict[tuple, tuple]:
    """(period, OPE ID, loan type) -> the five metrics, of one publication."""
    rows = query(
        db,
        "SELECT f.period, f.ope_id, f.loan_type, "
        f"{', '.join(f'f.{m}' for m in METRICS)} FROM school_volumes AS f "
        "JOIN publication_versions AS v USING (publication_id) WHERE v.source_file = ?",
        source_file,
    )
    return {tuple(r[:3]): tuple(r[3:]) for r in rows}
