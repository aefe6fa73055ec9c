"""The `loanflow versions` commands: list, diff, retract, restore."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from loanflow.cli.common import (
    DbOption,
    app,
    console,
    count_of,
    domain_errors,
    open_warehouse,
)
from loanflow.errors import ConfigurationError

versions_app = typer.Typer(
    help="Publications of each report: list, compare, retract, restore.",
    no_args_is_help=True,
)
app.add_typer(versions_app, name="versions")

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON instead of tables.")
]
ReasonOption = Annotated[
    str,
    typer.Option(
        "--reason", help="Why (kept with the event, shown by `versions list`)."
    ),
]


@versions_app.command("list")
def list_versions(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List every publication with its status, and each retraction or restoration."""
    from loanflow.warehouse.versions import list_publications

    with domain_errors(), open_warehouse(db) as conn:
        publications = list_publications(conn)
    if as_json:
        _echo_json({"publications": [p.to_dict() for p in publications]})
        return
    if not publications:
        console.print("No publication in the warehouse yet.")
        return

    table = Table(title="Publications", title_justify="left")
    for column in ("id", "report", "run date", "status"):
        table.add_column(column, justify="right" if column == "id" else "left")
    table.add_column("school rows", justify="right")
    for column in ("ingested (UTC)", "file", "source"):
        # A path is wrapped, never cut: its end tells the files apart.
        table.add_column(column, overflow="fold" if column == "source" else "ellipsis")
    for p in publications:
        rows = f"{p.school_rows:,}"
        if p.received_school_rows != p.school_rows:
            rows = f"{p.received_school_rows:,} of {p.school_rows:,}"
        table.add_row(
            str(p.publication_id),
            p.report,
            p.run_date or "undated",
            _styled(p.status),
            rows,
            p.ingested_at[:19],
            p.source_file,
            p.source_uri or "-",
        )
    console.print(table)

    events = sorted(
        (event for p in publications for event in p.events), key=lambda e: e.event_id
    )
    if not events:
        return
    reports = {p.publication_id: p.report for p in publications}
    history = Table(title="Retractions and restorations", title_justify="left")
    for column in ("at (UTC)", "id", "report", "action", "reason"):
        history.add_column(column)
    for event in events:
        history.add_row(
            event.at[:19],
            str(event.publication_id),
            reports[event.publication_id],
            event.action,
            event.reason,
        )
    console.print(history)


@versions_app.command()
def diff(
    old: Annotated[
        str, typer.Argument(help="Publication id, or run date (YYYY-MM-DD).")
    ],
    new: Annotated[
        str, typer.Argument(help="Publication id, or run date (YYYY-MM-DD).")
    ],
    program: Annotated[
        str | None,
        typer.Option(help="With run dates: the report's program (DL, FFEL)."),
    ] = None,
    award_year: Annotated[
        str | None,
        typer.Option(help="With run dates: the report's award year (2012-2013)."),
    ] = None,
    quarter: Annotated[
        int | None,
        typer.Option(help="With run dates: the report's quarter (1-4)."),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    limit: Annotated[
        int,
        typer.Option(
            min=0,
            help="Show at most this many rows in each table of schools added, "
            "removed and changed (0: all); the totals always cover every school. "
            "--json gives everything.",
        ),
    ] = 50,
) -> None:
    """Compare two publications: schools added and removed, numbers changed.

    Name each publication by its id (`loanflow versions list`), or by its run
    date; --program, --award-year and --quarter pick the report when several
    publications share a run date.
    """
    from loanflow.warehouse.versions import diff_publications

    with domain_errors(), open_warehouse(db) as conn:
        report = {
            "program": program.upper() if program else None,
            "award_year": award_year,
            "quarter": quarter,
        }
        old_id = _publication_id(conn, old, "OLD", report)
        new_id = _publication_id(conn, new, "NEW", report)
        found = diff_publications(conn, old_id, new_id)
    if as_json:
        _echo_json(found.to_dict())
        return
    _print_diff(found, limit)


@versions_app.command()
def retract(
    publication_id: Annotated[
        int, typer.Argument(help="The publication's id.", min=1, max=2**63 - 1)
    ],
    reason: ReasonOption,
    db: DbOption = None,
) -> None:
    """Hide a bad publication from loan_volume; the previous one shows again.

    Nothing is deleted: the publication stays in loan_volume_history and
    `loanflow versions restore` undoes this.
    """
    from loanflow.warehouse.versions import get_publication, retract_publication

    with domain_errors(), open_warehouse(db) as conn:
        retract_publication(conn, publication_id, reason)
        current = _current_of(conn, get_publication(conn, publication_id))
    console.print(f"Publication {publication_id} retracted. {current}", highlight=False)


@versions_app.command()
def restore(
    publication_id: Annotated[
        int, typer.Argument(help="The publication's id.", min=1, max=2**63 - 1)
    ],
    reason: ReasonOption,
    db: DbOption = None,
) -> None:
    """Undo a retraction: the publication ranks with the others again."""
    from loanflow.warehouse.versions import get_publication, restore_publication

    with domain_errors(), open_warehouse(db) as conn:
        restore_publication(conn, publication_id, reason)
        current = _current_of(conn, get_publication(conn, publication_id))
    console.print(f"Publication {publication_id} restored. {current}", highlight=False)


def _current_of(conn: sqlite3.Connection, publication: Any) -> str:
    """Which publication of the same report loan_volume now shows, in words."""
    from loanflow.warehouse.versions import list_publications

    current = [
        p
        for p in list_publications(conn)
        if p.report == publication.report and p.is_current
    ]
    if not current:
        return f"loan_volume shows no publication of {publication.report} now."
    shown = current[0]
    return (
        f"loan_volume shows publication {shown.publication_id} of "
        f"{shown.report} (run {shown.run_date or 'undated'})."
    )


def _publication_id(
    conn: sqlite3.Connection, given: str, name: str, report: dict[str, Any]
) -> int:
    from loanflow.warehouse.versions import find_publication

    if given.isascii() and given.isdigit():
        return int(given)
    try:
        run_date = date.fromisoformat(given)
    except ValueError:
        raise ConfigurationError(
            f"{name} {given!r}: expected a publication id (`loanflow versions "
            "list`) or a run date like 2015-04-09"
        ) from None
    return find_publication(conn, run_date, **report).publication_id


def _print_diff(found: Any, limit: int) -> None:
    old, new = found.old, found.new
    console.print(
        f"From publication {old.publication_id} ({old.report}, run "
        f"{old.run_date or 'undated'}) to {new.publication_id} ({new.report}, run "
        f"{new.run_date or 'undated'}): "
        f"{count_of(len(found.schools_added), 'school')} added, "
        f"{count_of(len(found.schools_removed), 'school')} removed, "
        f"{count_of(len(found.changes), 'school and loan type')} changed.",
        highlight=False,
    )
    if not found.same_report:
        console.print(
            "Note: the two publications are of different reports.", style="yellow"
        )

    for title, schools in (
        ("Schools added", found.schools_added),
        ("Schools removed", found.schools_removed),
    ):
        if not schools:
            continue
        table = Table(title=title, title_justify="left")
        for column in ("period", "OPE ID", "school", "state"):
            table.add_column(column)
        listed = schools[:limit] if limit else schools
        for school in listed:
            table.add_row(
                school.period, school.ope_id, school.school_name or "", school.state
            )
        console.print(table)
        if len(listed) < len(schools):
            console.print(
                f"… and {len(schools) - len(listed):,} more "
                f"({title.lower()}; --limit 0 shows all, --json gives them as data).",
                highlight=False,
            )

    if found.changes:
        table = Table(title="Changed", title_justify="left")
        for column in ("period", "OPE ID", "school", "loan type", "metric"):
            table.add_column(column)
        for column in ("old", "new", "change"):
            table.add_column(column, justify="right")
        shown = found.changes[:limit] if limit else found.changes
        for change in shown:
            for metric in change.changed_metrics:
                before = (change.old or {}).get(metric)
                after = (change.new or {}).get(metric)
                table.add_row(
                    change.period,
                    change.ope_id,
                    change.school_name or "",
                    change.loan_type,
                    metric,
                    _number(before),
                    _number(after),
                    _change(before, after),
                )
        console.print(table)
        if len(shown) < len(found.changes):
            console.print(
                f"… and {len(found.changes) - len(shown):,} more schools and loan "
                f"types changed (--limit 0 shows all, --json gives them as data).",
                highlight=False,
            )

    table = Table(title="Totals by loan type", title_justify="left")
    for column in ("period", "loan type", "metric"):
        table.add_column(column)
    for column in ("old", "new", "change"):
        table.add_column(column, justify="right")
    for totals in found.totals:
        for metric, change in totals.difference.items():
            table.add_row(
                totals.period,
                totals.loan_type,
                metric,
                _number(totals.old[metric]),
                _number(totals.new[metric]),
                f"{change:+,}",
            )
    console.print(table)


def _number(value: int | None) -> str:
    return "blank" if value is None else f"{value:,}"


def _change(before: int | None, after: int | None) -> str:
    if before is None or after is None:
        return ""
    return f"{after - before:+,}"


def _styled(status: str) -> Text:
    colour = {"current": "green", "retracted": "red", "receiving": "yellow"}
    return Text(status, style=colour.get(status, ""))


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))
