"""`loanflow quality`: what the data quality checks found, per publication."""

from __future__ import annotations

import json
from contextlib import closing
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from loanflow.cli.common import (
    DbOption,
    app,
    console,
    count_of,
    domain_errors,
    open_warehouse,
    settings_from,
)

_KIND_WORDS = {"set_aside": "set aside", "warning": "warning"}


@app.command()
def quality(
    publication: Annotated[
        str | None,
        typer.Argument(
            help="A publication: its id, its workbook's file name or the start of "
            "its SHA-256. None: every publication.",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    limit: Annotated[
        int, typer.Option(min=0, help="Show at most this many rows; 0 for all.")
    ] = 50,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON.")
    ] = False,
) -> None:
    """Print the data quality report: counts per check, then the rows.

    Rows set aside failed a structural check (they are in rejected_records and
    the dead-letter topic); warnings are on rows that were integrated.
    docs/quality.md describes every check.
    """
    from loanflow.quality.report import (
        check_unchecked,
        find_publications,
        quality_report,
    )

    settings = settings_from(db=db)
    with domain_errors(), open_warehouse(settings.db) as conn:
        check_unchecked(conn)
        ids = find_publications(conn, publication)
        report = quality_report(conn, ids, limit or None)

    if as_json:
        document = {
            "warehouse": str(settings.db),
            "publications": [
                {
                    "publication_id": item.publication_id,
                    "program": item.program,
                    "award_year": item.award_year,
                    "quarter": item.quarter,
                    "run_date": item.run_date,
                    "source_file": item.source_file,
                    "source_sha256": item.source_sha256,
                    "set_aside": dict(sorted(item.set_aside.items())),
                    "warnings": dict(sorted(item.warnings.items())),
                }
                for item in report.publications
            ],
            "findings": [asdict(finding) for finding in report.findings],
            "total_findings": report.total_findings,
        }
        console.out(json.dumps(document, indent=2, ensure_ascii=False), highlight=False)
        return

    if not report.publications:
        console.print(f"No publication in {settings.db}.")
        return
    counts = Table(title=f"Data quality in {settings.db}", title_justify="left")
    for column in ("id", "report", "file", "kind", "check"):
        counts.add_column(column)
    counts.add_column("rows", justify="right")
    for item in report.publications:
        name = f"{item.program} {item.award_year} Q{item.quarter or '-'}"
        found = [("set_aside", c, n) for c, n in sorted(item.set_aside.items())]
        found += [("warning", c, n) for c, n in sorted(item.warnings.items())]
        if not found:
            counts.add_row(
                str(item.publication_id), name, item.source_file, "-", "none", "0"
            )
        for kind, check, number in found:
            counts.add_row(
                str(item.publication_id),
                name,
                item.source_file,
                _KIND_WORDS[kind],
                check,
                f"{number:,}",
            )
    console.print(counts)
    if not report.findings:
        return

    rows = Table(title="Rows", title_justify="left")
    for column in ("file", "sheet", "row", "column", "OPE ID", "kind", "check"):
        rows.add_column(column)
    rows.add_column("message")
    for finding in report.findings:
        rows.add_row(
            finding.source_file,
            finding.sheet,
            str(finding.sheet_row),
            finding.column or "-",
            finding.ope_id or "-",
            _KIND_WORDS[finding.kind],
            finding.check,
            finding.message,
        )
    console.print(rows)
    if len(report.findings) < report.total_findings:
        console.print(
            f"Showing {len(report.findings):,} of "
            f"{count_of(report.total_findings, 'row')}: --limit 0 shows them all."
        )


def print_quality_line(db: Path, digests: set[str]) -> None:
    """One line of the run summary: set aside and warnings, by check.

    Args:
        db: the warehouse.
        digests: the SHA-256 of the run's workbooks.
    """
    from loanflow.quality.report import count_findings, describe_counts
    from loanflow.warehouse import connect

    with closing(connect(db)) as conn:
        set_aside, warnings = count_findings(conn, digests)
    if not set_aside and not warnings:
        console.print("Quality: no row set aside, no warning.")
        return
    parts = []
    for counts, noun, verb in (
        (set_aside, "row", " set aside"),
        (warnings, "warning", ""),
    ):
        total = sum(counts.values())
        if total:
            parts.append(f"{count_of(total, noun)}{verb} ({describe_counts(counts)})")
        else:
            parts.append(f"no {noun}{verb}")
    console.print(
        f"Quality: {'; '.join(parts)}; `loanflow quality` lists them.",
        highlight=False,
    )
