"""`loanflow schools load|unmatched|show|coverage|loads`: the school directory."""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from loanflow.cli.common import (
    ERROR_LABEL,
    EXIT_BAD_INPUT,
    DbOption,
    app,
    console,
    count_of,
    domain_errors,
    err_console,
    open_warehouse,
    settings_from,
)
from loanflow.errors import ConfigurationError, Location

schools_app = typer.Typer(
    help="The school directory: the Federal School Code List matched to OPE IDs.",
    no_args_is_help=True,
)
app.add_typer(schools_app, name="schools")

_OPE_ID = re.compile(r"[0-9]{8}")


@schools_app.command("load")
def schools_load(
    file: Annotated[
        Path,
        typer.Argument(
            help="The Federal School Code List (.xls or .xlsx, whatever its name).",
            show_default=False,
        ),
    ],
    db: DbOption = None,
) -> None:
    """Make a Federal School Code List the warehouse's school directory.

    Loading the list that is already the directory changes nothing; another
    list replaces it, and every load stays recorded (`loanflow schools loads`).
    Rows that cannot be directory entries are kept aside and listed; the
    exit code is then 1.
    """
    from loanflow.schools import read_school_code_list, store_school_code_list

    settings = settings_from(db=db)
    with domain_errors(), open_warehouse(settings.db) as conn:
        code_list = read_school_code_list(file)
        if not code_list.schools:
            _print_kept_aside(code_list)
            err_console.print(
                ERROR_LABEL,
                f"{file}: no row is a school code, so the directory is unchanged",
                sep="",
                highlight=False,
            )
            raise typer.Exit(EXIT_BAD_INPUT)
        outcome = store_school_code_list(conn, code_list)
        matched, unmatched = _match_totals(conn)

    load = outcome.load
    if not outcome.changed:
        console.print(
            f"{load.source_file} is already the school directory of {settings.db} "
            f"(loaded {load.loaded_at}): nothing changed."
        )
    else:
        sheets = ", ".join(f"'{sheet}'" for sheet in code_list.sheets)
        console.print(
            f"Loaded {load.source_file} into {settings.db}: "
            f"{count_of(load.schools, 'school code')} from sheet {sheets}, "
            f"{count_of(load.rejected_rows, 'row')} kept aside."
        )
        if outcome.replaced is not None:
            console.print(
                f"It replaces {outcome.replaced.source_file} "
                f"(loaded {outcome.replaced.loaded_at})."
            )
    if matched + unmatched:
        console.print(
            f"OPE IDs of the loan files: {matched + unmatched:,}, matched "
            f"{matched:,}, unmatched {unmatched:,} (`loanflow schools unmatched`)."
        )
    if outcome.changed:
        _print_kept_aside(code_list)
    if outcome.changed and code_list.problems:
        raise typer.Exit(EXIT_BAD_INPUT)


def _print_kept_aside(code_list: Any) -> None:
    """One line per problem of a row kept aside: file, sheet, row, column."""
    for problem in code_list.problems:
        for column, reason in problem.problems:
            where = Location(code_list.source_file, problem.sheet, problem.row, column)
            err_console.print(
                Text("kept aside: ", style="bold red"),
                f"{where}: {reason}",
                sep="",
                highlight=False,
            )


@schools_app.command("unmatched")
def schools_unmatched(
    db: DbOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON array instead of a table.")
    ] = False,
) -> None:
    """List the OPE IDs of the loan files that no directory entry matches, and why."""
    from loanflow.schools import list_unmatched

    with domain_errors(), open_warehouse(db) as conn:
        _require_directory(conn, db)
        schools = list_unmatched(conn)
    if as_json:
        rows = [
            {
                "ope_id": s.ope_id,
                "school_name": s.school_name,
                "state": s.state,
                "zip_code": s.zip_code,
                "latest_source_file": s.latest_source_file,
                "reason": s.unmatched_reason,
            }
            for s in schools
        ]
        console.print_json(json.dumps(rows))
        return
    if not schools:
        console.print("Every OPE ID of the loan files has a directory entry.")
        return
    table = Table(
        title=f"{count_of(len(schools), 'OPE ID')} without a directory entry",
        title_justify="left",
    )
    for column in ("OPE ID", "school", "state", "latest file", "why"):
        table.add_column(column)
    for s in schools:
        table.add_row(
            s.ope_id,
            s.school_name or "-",
            s.state or "-",
            s.latest_source_file,
            s.unmatched_reason or "-",
        )
    console.print(table)


@schools_app.command("show")
def schools_show(
    ope_id: Annotated[
        str,
        typer.Argument(help="An 8-digit OPE ID, e.g. 00116900.", show_default=False),
    ],
    db: DbOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON object instead of a table.")
    ] = False,
) -> None:
    """Show one school: its latest loan-file details and its directory entry."""
    from loanflow.schools import UnknownOpeIdError, find_school

    with domain_errors():
        if not _OPE_ID.fullmatch(ope_id):
            raise ConfigurationError(
                f"OPE ID {ope_id!r} is not 8 digits: give it with its leading "
                f"zeros and location, e.g. 00116900"
            )
        with open_warehouse(db) as conn:
            school = find_school(conn, ope_id)
        if school is None:
            raise UnknownOpeIdError(ope_id, str(settings_from(db=db).db))
    fields = dataclasses.asdict(school)
    if as_json:
        console.print_json(json.dumps(fields))
        return
    table = Table(show_header=False, title=f"OPE ID {ope_id}", title_justify="left")
    table.add_column("column", style="bold")
    table.add_column("value")
    for name, value in fields.items():
        table.add_row(name, "-" if value is None else str(value))
    console.print(table)


@schools_app.command("coverage")
def schools_coverage(db: DbOption = None) -> None:
    """Count, per publication, the OPE IDs the directory matches and does not."""
    from loanflow.schools import count_matches

    with domain_errors(), open_warehouse(db) as conn:
        _require_directory(conn, db)
        counts = count_matches(conn)
    if not counts:
        console.print("The warehouse holds no loan files yet.")
        return
    table = Table(title="OPE IDs matched to the directory", title_justify="left")
    for column in ("program", "award year", "quarter", "run date", "file"):
        table.add_column(column)
    for column in ("OPE IDs", "matched", "unmatched"):
        table.add_column(column, justify="right")
    for c in counts:
        table.add_row(
            c.program,
            c.award_year,
            "-" if c.quarter is None else str(c.quarter),
            c.run_date or "-",
            c.source_file,
            f"{c.ope_ids:,}",
            f"{c.matched:,}",
            f"{c.unmatched:,}",
        )
    console.print(table)


@schools_app.command("loads")
def schools_loads(db: DbOption = None) -> None:
    """List every school code list loaded, the current directory first."""
    from loanflow.schools import list_loads

    with domain_errors(), open_warehouse(db) as conn:
        loads = list_loads(conn)
    if not loads:
        console.print("No school code list was loaded (`loanflow schools load FILE`).")
        return
    table = Table(title="School code lists loaded", title_justify="left")
    for column in ("loaded", "file", "schools", "kept aside", "replaced", "sha256"):
        table.add_column(column)
    for load in loads:
        table.add_row(
            load.loaded_at,
            load.source_file,
            f"{load.schools:,}",
            f"{load.rejected_rows:,}",
            load.replaced_at or "current",
            load.source_sha256[:12],
        )
    console.print(table)


def _require_directory(conn: sqlite3.Connection, db: Path | None) -> None:
    from loanflow.schools import DirectoryNotLoadedError, current_load

    if current_load(conn) is None:
        raise DirectoryNotLoadedError(str(settings_from(db=db).db))


def _match_totals(conn: sqlite3.Connection) -> tuple[int, int]:
    """OPE IDs of the loan files matched and unmatched."""
    matched, unmatched = conn.execute(
        "SELECT count(school_code), count(*) - count(school_code) FROM school"
    ).fetchone()
    return int(matched), int(unmatched)
