"""Hand-made publications and school rows, and the rows loan_volume shows of them.

Shared by the warehouse and the stream tests; nothing here reads a workbook.
"""

from __future__ import annotations

import hashlib
from datetime import date

from loanflow.warehouse import SchoolRowRecord
from loanflow.workbooks.model import LoanTypeVolume, Publication, SchoolRow

LOAN_VOLUME_ORDER = (
    "ORDER BY program, award_year, quarter, period, ope_id, loan_type, source_file"
)


def publication(
    source_file: str,
    *,
    program: str = "DL",
    award_year: str = "2009-2010",
    quarter: int | None = 1,
    run_date: date | None = date(2010, 1, 5),
) -> Publication:
    """A publication whose digest is derived from its file name."""
    digest = hashlib.sha256(source_file.encode()).hexdigest()
    return Publication(program, award_year, quarter, run_date, source_file, digest)


def volume(loan_type: str, *metrics: int | None) -> LoanTypeVolume:
    """A loan type's five metrics, in the sheet's order."""
    return LoanTypeVolume(loan_type, *metrics)


def school_row(
    row: int,
    ope_id: str,
    *volumes: LoanTypeVolume,
    period: str = "quarter",
    school_name: str | None = "ALABAMA A & M UNIVERSITY",
    zip_code: str | None = "35762",
) -> SchoolRow:
    """One school's line; the sheet name follows the period."""
    sheet = "Quarterly Activity" if period == "quarter" else "Award Year Summary"
    return SchoolRow(
        period=period,
        sheet=sheet,
        row=row,
        ope_id=ope_id,
        school_name=school_name,
        state="AL",
        zip_code=zip_code,
        school_type="public",
        volumes=volumes or (volume("subsidized", 10, 12, 34_000, 20, 30_000),),
    )


def records(publication: Publication, *rows: SchoolRow) -> list[SchoolRowRecord]:
    """The rows as records of a publication that has exactly these rows."""
    return [SchoolRowRecord(publication, len(rows), row) for row in rows]


def loan_volume_rows(publication: Publication, *rows: SchoolRow) -> list[tuple]:
    """What ``SELECT * FROM loan_volume`` shows of a complete publication."""
    shown = [
        (
            publication.program,
            publication.award_year,
            publication.quarter,
            row.period,
            row.ope_id,
            row.school_name,
            row.state,
            row.zip_code,
            row.school_type,
            item.loan_type,
            item.recipients,
            item.loans_originated,
            item.loans_originated_amount,
            item.disbursements,
            item.disbursements_amount,
            publication.run_date.isoformat() if publication.run_date else None,
            publication.source_file,
        )
        for row in rows
        for item in row.volumes
    ]
    return in_view_order(shown)


def in_view_order(rows: list[tuple]) -> list[tuple]:
    """Rows of loan_volume sorted as ``LOAN_VOLUME_ORDER`` sorts them."""
    return sorted(rows, key=lambda r: (r[0], r[1], r[2] or 0, r[3], r[4], r[9], r[16]))
