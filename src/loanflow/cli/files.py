"""`loanflow files`: the ingest log, every file seen and what became of it."""

from __future__ import annotations

import dataclasses
import json
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from loanflow.cli.common import (
    DbOption,
    app,
    console,
    domain_errors,
    open_warehouse,
    settings_from,
)

_COLOURS = {"published": "green", "rejected": "red", "failed": "yellow"}


@app.command()
def files(
    db: DbOption = None,
    limit: Annotated[
        int, typer.Option(min=1, help="Show at most this many, newest first.")
    ] = 50,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per line, every column.")
    ] = False,
) -> None:
    """List the files `loanflow watch` and `loanflow run` saw: the ingest log."""
    from loanflow.warehouse import integrated_publications
    from loanflow.watch import list_ingest_log

    settings = settings_from(db=db)
    with domain_errors(), open_warehouse(settings.db) as conn:
        entries = list_ingest_log(conn, limit)
        held = integrated_publications(conn)

    if as_json:
        for entry in entries:
            console.out(json.dumps(dataclasses.asdict(entry)), highlight=False)
        return
    if not entries:
        console.print(f"No file was seen yet by {settings.db}.")
        return
    table = Table(title=f"Files seen ({settings.db})", title_justify="left")
    for column in ("seen (UTC)", "by", "file", "bytes", "sha256", "outcome"):
        table.add_column(
            column,
            justify="right" if column == "bytes" else "left",
            # A path is wrapped, never cut: its end tells the files apart.
            overflow="fold" if column == "file" else "ellipsis",
        )
    table.add_column("school rows", justify="right")
    table.add_column("in loan_volume")
    table.add_column("detail")
    for entry in entries:
        found = held.get(entry.sha256 or "")
        state = "-"
        if found is not None:
            state = "complete" if found.complete else "incomplete"
        colour = _COLOURS.get(entry.outcome)
        table.add_row(
            entry.seen_at[:19].replace("T", " "),
            entry.command,
            entry.uri,
            f"{entry.size:,}",
            (entry.sha256 or "-")[:12],
            Text(entry.outcome, style=colour or ""),
            "-" if entry.school_rows is None else f"{entry.school_rows:,}",
            state,
            entry.detail or "",
        )
    console.print(table)
