"""The quality report: per publication, what was set aside and what was warned.

Plain functions over a ``sqlite3`` connection to the warehouse, for the CLI
(``loanflow quality``), the run summary and the dashboard. Rows set aside come
from ``rejected_records`` (the reader's rejects of a publication's workbook),
warnings from ``quality_warnings``.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from loanflow.errors import ConfigurationError
from loanflow.quality.checks import (
    CHECKS,
    CheckKind,
    check_publication,
    structural_check,
)
from loanflow.warehouse.db import transaction, utc_now

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class QualityFinding:
    """One row (or loan type of a row) that failed a check.

    Attributes:
        publication_id: the publication (``publication_versions``).
        source_file: its workbook's file name.
        kind: ``set_aside`` or ``warning``.
        check: the check's stable name (``loanflow.quality.checks.CHECKS``).
        sheet: the sheet's name.
        sheet_row: the 1-based row in the sheet.
        column: the column(s) concerned: the workbook's header for a row set
            aside, the warehouse's column names for a warning.
        ope_id: the OPE ID as published (a row set aside may have a bad one).
        loan_type: the loan type a warning is about; None for the whole row.
        message: what is wrong, for people.
    """

    publication_id: int
    source_file: str
    kind: CheckKind
    check: str
    sheet: str
    sheet_row: int
    column: str | None
    ope_id: str | None
    loan_type: str | None
    message: str


@dataclass
class PublicationQuality:
    """One publication and how many of its rows failed each check."""

    publication_id: int
    program: str
    award_year: str
    quarter: int | None
    run_date: str | None
    source_file: str
    source_sha256: str
    set_aside: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)


@dataclass
class QualityReport:
    """What ``loanflow quality`` shows.

    Attributes:
        publications: the publications asked for, with their counts.
        findings: the rows, set aside first, then warnings, at most ``limit``.
        total_findings: how many rows there are in all.
    """

    publications: list[PublicationQuality]
    findings: list[QualityFinding]
    total_findings: int


def check_unchecked(conn: sqlite3.Connection) -> int:
    """Run the plausibility checks on complete publications never checked.

    Publications that became complete before the warehouse had the checks
    (migration 0003) are checked here, once. New ones are checked when they
    complete, by the writer.

    Returns:
        How many publications were checked now.
    """
    pending = [
        publication_id
        for (publication_id,) in conn.execute(
            "SELECT publication_id FROM publication_versions WHERE complete "
            "AND publication_id NOT IN (SELECT publication_id FROM quality_checks) "
            "ORDER BY publication_id"
        )
    ]
    for publication_id in pending:
        with transaction(conn):
            check_publication(conn, publication_id, utc_now())
    if pending:
        logger.info("checked publications=%d completed before the checks", len(pending))
    return len(pending)


def find_publications(conn: sqlite3.Connection, wanted: str | None) -> list[int]:
    """The publications a user names: an id, a file name or a SHA-256 prefix.

    Args:
        conn: the warehouse.
        wanted: None for every publication.

    Raises:
        ConfigurationError: nothing in the warehouse answers to ``wanted``.
    """
    if wanted is None:
        return [
            publication_id
            for (publication_id,) in conn.execute(
                "SELECT publication_id FROM publication_versions ORDER BY 1"
            )
        ]
    text = wanted.strip()
    found = conn.execute(
        "SELECT publication_id FROM publication_versions "
        "WHERE CAST(publication_id AS TEXT) = ? OR source_file = ? "
        "OR (length(?) >= 6 AND source_sha256 LIKE ? || '%') ORDER BY 1",
        (text, text, text, text.lower()),
    ).fetchall()
    if not found:
        raise ConfigurationError(
            f"no publication {wanted!r} in the warehouse: give its id, file name "
            f"or the start of its SHA-256 (`loanflow quality` lists them all)"
        )
    return [publication_id for (publication_id,) in found]


def quality_report(
    conn: sqlite3.Connection, publication_ids: Iterable[int], limit: int | None = 50
) -> QualityReport:
    """Counts per check for each publication, and the rows that failed.

    Args:
        conn: the warehouse.
        publication_ids: the publications to report on.
        limit: at most this many rows in ``findings``; None for all.
    """
    wanted = set(publication_ids)
    publications = [
        PublicationQuality(*row)
        for row in conn.execute(
            "SELECT publication_id, program, award_year, quarter, run_date, "
            "source_file, source_sha256 FROM publication_versions "
            "ORDER BY program, award_year, ifnull(quarter, 0), run_date IS NULL, "
            "run_date, publication_id"
        )
        if row[0] in wanted
    ]
    findings: list[QualityFinding] = []
    for publication in publications:
        # A row counts once per check, however many of its cells failed it.
        rows_by_check = set()
        for finding in _set_aside(conn, publication):
            rows_by_check.add((finding.check, finding.sheet, finding.sheet_row))
            findings.append(finding)
        publication.set_aside.update(check for check, _, _ in rows_by_check)
    for publication in publications:
        for finding in list_warnings(conn, publication.publication_id):
            publication.warnings[finding.check] += 1
            findings.append(finding)
    shown = findings if limit is None else findings[:limit]
    return QualityReport(publications, shown, len(findings))


def list_warnings(
    conn: sqlite3.Connection, publication_id: int | None = None
) -> list[QualityFinding]:
    """The plausibility warnings of one publication, or of all.

    Ordered by publication, check, period and sheet row.
    """
    rows = conn.execute(
        """
        SELECT w.publication_id, v.source_file, w.check_name, w.sheet,
            w.sheet_row, w.columns, w.ope_id, w.loan_type, w.message
        FROM quality_warnings AS w
        JOIN publication_versions AS v USING (publication_id)
        WHERE ?1 IS NULL OR w.publication_id = ?1
        ORDER BY w.publication_id, w.check_name, w.period, w.sheet_row,
            w.loan_type
        """,
        (publication_id,),
    )
    return [
        QualityFinding(
            publication_id=row[0],
            source_file=row[1],
            kind="warning",
            check=row[2],
            sheet=row[3],
            sheet_row=row[4],
            column=row[5],
            ope_id=row[6],
            loan_type=row[7],
            message=row[8],
        )
        for row in rows
    ]


def count_findings(
    conn: sqlite3.Connection, digests: Iterable[str]
) -> tuple[Counter[str], Counter[str]]:
    """Rows set aside and warnings by check, over the publications of workbooks.

    Args:
        conn: the warehouse.
        digests: the SHA-256 of the workbooks (a run's).

    Returns:
        Set aside by check, and warnings by check.
    """
    wanted = set(digests)
    ids = [
        publication_id
        for publication_id, digest in conn.execute(
            "SELECT publication_id, source_sha256 FROM publication_versions"
        )
        if digest in wanted
    ]
    report = quality_report(conn, ids, limit=0)
    set_aside: Counter[str] = Counter()
    warnings: Counter[str] = Counter()
    for publication in report.publications:
        set_aside.update(publication.set_aside)
        warnings.update(publication.warnings)
    return set_aside, warnings


def _set_aside(
    conn: sqlite3.Connection, publication: PublicationQuality
) -> list[QualityFinding]:
    """The rows of a publication's workbook that the reader set aside.

    A row with problems in several columns is one finding per problem.
    """
    findings = []
    rows = conn.execute(
        "SELECT sheet, sheet_row, problems, cells FROM rejected_records "
        "WHERE source = 'workbook' AND source_sha256 = ? AND sheet_row IS NOT NULL "
        "ORDER BY sheet, sheet_row, rejected_record_id",
        (publication.source_sha256,),
    )
    for sheet, sheet_row, problems, cells in rows:
        values = json.loads(cells) if cells else []
        ope_id = str(values[0]) if values and str(values[0]).strip() else None
        for problem in json.loads(problems):
            column = problem.get("column")
            findings.append(
                QualityFinding(
                    publication_id=publication.publication_id,
                    source_file=publication.source_file,
                    kind="set_aside",
                    check=structural_check(column),
                    sheet=sheet,
                    sheet_row=sheet_row,
                    column=column,
                    ope_id=ope_id,
                    loan_type=None,
                    message=problem["reason"],
                )
            )
    return findings


def describe_counts(counts: Counter[str]) -> str:
    """``negative_value 1, unknown_state 2`` in the order of ``CHECKS``."""
    order = list(CHECKS)
    names = sorted(
        counts, key=lambda name: (order.index(name) if name in order else 99, name)
    )
    return ", ".join(f"{name} {counts[name]:,}" for name in names)
