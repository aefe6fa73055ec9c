"""What the warehouse holds, per publication, for the CLI's summary."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date

from loanflow.workbooks.model import Publication


@dataclass(frozen=True)
class PeriodTotals:
    """Totals of one sheet (period) of a publication, over every loan type.

    Amounts are in whole dollars; None when every cell was blank. Recipients
    are not added up: a student with two loan types is counted in both.
    """

    period: str
    schools: int
    loans_originated_amount: int | None
    disbursements_amount: int | None


@dataclass(frozen=True)
class PublicationSummary:
    """One publication: its report, how complete it is, and its totals."""

    program: str
    award_year: str
    quarter: int | None
    run_date: str | None
    source_file: str
    source_sha256: str
    school_rows: int
    received_school_rows: int
    complete: bool
    latest: bool
    status: str
    rejected_rows: int
    periods: tuple[PeriodTotals, ...]


_PUBLICATIONS = """
SELECT
    v.publication_id, v.program, v.award_year, v.quarter, v.run_date,
    v.source_file, v.source_sha256, v.school_rows, v.received_school_rows,
    v.completed_at IS NOT NULL AS complete, v.is_current AS latest, v.status,
    (SELECT count(*) FROM rejected_records AS r
     WHERE r.source = 'workbook' AND r.source_sha256 = v.source_sha256)
        AS rejected_rows
FROM publications AS v
ORDER BY v.program, v.award_year, ifnull(v.quarter, 0), v.run_date IS NULL,
    v.run_date, v.publication_id
"""

_TOTALS = """
SELECT publication_id, period, count(DISTINCT ope_id),
    -- total(), not sum(): a sum past 2**63 would stop the summary with an
    -- overflow error; a display tolerates the float's rounding past 2**53.
    CASE WHEN count(loans_originated_amount) > 0
        THEN CAST(total(loans_originated_amount) AS INTEGER) END,
    CASE WHEN count(disbursements_amount) > 0
        THEN CAST(total(disbursements_amount) AS INTEGER) END
FROM school_volumes
GROUP BY publication_id, period
ORDER BY publication_id, period
"""


def summarize(conn: sqlite3.Connection) -> list[PublicationSummary]:
    """Every publication in the warehouse with its totals by period.

    Ordered by report (program, award year, quarter), then run date.
    """
    totals: dict[int, list[PeriodTotals]] = {}
    for publication_id, period, schools, originated, disbursed in conn.execute(_TOTALS):
        totals.setdefault(publication_id, []).append(
            PeriodTotals(period, schools, originated, disbursed)
        )
    cursor = conn.execute(_PUBLICATIONS)
    names = [column[0] for column in cursor.description]
    summaries = []
    for values in cursor:
        fields = dict(zip(names, values, strict=True))
        publication_id = fields.pop("publication_id")
        fields["complete"] = bool(fields["complete"])
        fields["latest"] = bool(fields["latest"])
        summaries.append(
            PublicationSummary(**fields, periods=tuple(totals.get(publication_id, ())))
        )
    return summaries


def count_rejected(conn: sqlite3.Connection) -> dict[str, int]:
    """How many records are kept aside, by source (``workbook``, ``stream``)."""
    return dict(
        conn.execute(
            "SELECT source, count(*) FROM rejected_records GROUP BY source ORDER BY 1"
        ).fetchall()
    )


@dataclass(frozen=True)
class KeptAside:
    """One rejected record, as a person reads it: where, and what is wrong."""

    source: str
    source_file: str | None
    sheet: str | None
    sheet_row: int | None
    reasons: str
    kafka_position: str | None
    first_seen_at: str


def list_rejected(conn: sqlite3.Connection, limit: int = 100) -> list[KeptAside]:
    """The records kept aside, newest first, at most ``limit``."""
    rows = conn.execute(
        """
        SELECT source, source_file, sheet, sheet_row, reasons,
            CASE WHEN kafka_topic IS NULL THEN NULL
                 ELSE kafka_topic || ':' || kafka_partition || ':' || kafka_offset
            END,
            first_seen_at
        FROM rejected_records
        ORDER BY rejected_record_id DESC
        LIMIT ?
        """,
        (limit,),
    )
    return [KeptAside(*row) for row in rows]


@dataclass(frozen=True)
class Integrated:
    """A publication as the warehouse holds it, and its rows kept aside."""

    publication: Publication
    school_rows: int
    received_school_rows: int
    complete: bool
    rejected_rows: int


def integrated_publications(conn: sqlite3.Connection) -> dict[str, Integrated]:
    """Every publication, complete or not, by the SHA-256 of its workbook.

    Unlike ``summarize`` it adds up no school rows, so it is cheap on a large
    warehouse.
    """
    rows = conn.execute(
        """
        SELECT v.program, v.award_year, v.quarter, v.run_date, v.source_file,
            v.source_sha256, v.school_rows, v.received_school_rows,
            v.completed_at IS NOT NULL,
            (SELECT count(*) FROM rejected_records AS r
             WHERE r.source = 'workbook' AND r.source_sha256 = v.source_sha256)
        FROM publications AS v
        """
    )
    found = {}
    for row in rows:
        program, year, quarter, run_date, name, digest = row[:6]
        school_rows, received, complete, rejected = row[6:]
        publication = Publication(
            program=program,
            award_year=year,
            quarter=quarter,
            run_date=date.fromisoformat(run_date) if run_date else None,
            source_file=name,
            source_sha256=digest,
        )
        found[digest] = Integrated(
            publication, school_rows, received, bool(complete), rejected
        )
    return found
