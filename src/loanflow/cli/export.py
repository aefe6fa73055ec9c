"""The `loanflow export` command: loan_volume to CSV or Parquet."""

from __future__ import annotations

import contextlib
import sqlite3
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from loanflow.cli.common import (
    DbOption,
    app,
    count_of,
    domain_errors,
    err_console,
    open_warehouse,
)
from loanflow.errors import ConfigurationError

if TYPE_CHECKING:
    from loanflow.warehouse.export import ExportFormat, Selection


@app.command()
def export(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="File to write (replaced if it exists). Default: standard output.",
        ),
    ] = None,
    export_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="csv or parquet. Default: from the output's suffix (.csv, "
            ".parquet, .pq), csv on standard output.",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="YYYY-MM-DD: loan_volume as it stood for a user who had every "
            "publication run on or before that date.",
        ),
    ] = None,
    award_year: Annotated[
        list[str] | None,
        typer.Option(help="Only this award year (2012-2013); repeatable."),
    ] = None,
    program: Annotated[
        list[str] | None, typer.Option(help="Only DL or FFEL; repeatable.")
    ] = None,
    state: Annotated[
        list[str] | None,
        typer.Option(help="Only schools of this state (CA; FC: foreign); repeatable."),
    ] = None,
    period: Annotated[
        list[str] | None,
        typer.Option(help="Only quarter or year_to_date rows; repeatable."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Write loan_volume, or the part the filters select, to CSV or Parquet.

    CSV is UTF-8 with a header row; an empty field is a blank (NULL). Read it
    with text OPE IDs and zip codes (docs/bi-tools.md). Parquet carries its
    types: text, 64-bit integers, a date.
    """
    from loanflow.warehouse.export import (
        EXPORT_FORMATS,
        Selection,
        export_loan_volume,
        format_for,
    )

    if output is not None and str(output) == "-":
        output = None  # `-o -`: standard output, as with most tools.
    with domain_errors():
        chosen = export_format or (format_for(output.name) if output else "csv")
        if chosen is None:
            raise ConfigurationError(
                f"--output {output}: cannot tell the format from the suffix; "
                "pass --format csv or --format parquet"
            )
        if chosen not in EXPORT_FORMATS:
            raise ConfigurationError(
                f"--format {chosen}: expected one of {', '.join(EXPORT_FORMATS)}"
            )
        if chosen == "parquet" and output is None and sys.stdout.isatty():
            raise ConfigurationError(
                "Parquet is binary: name a file with --output, or redirect the "
                "output to one"
            )
        fmt = cast("ExportFormat", chosen)
        selection = Selection(
            award_years=tuple(award_year or ()),
            programs=tuple(program or ()),
            states=tuple(state or ()),
            periods=tuple(period or ()),
            as_of=_date(as_of),
        )
        with open_warehouse(db) as conn:
            _check_filters(conn, selection)
            if output is None:
                written = export_loan_volume(conn, sys.stdout.buffer, fmt, selection)
                sys.stdout.buffer.flush()
            else:
                written = _export_to_file(conn, output, fmt, selection)
    where = "standard output" if output is None else str(output)
    err_console.print(
        f"{count_of(written, 'row')} of loan_volume written to {where} ({chosen}).",
        highlight=False,
    )


# What each filter can match, so a typo is an error rather than an empty file.
_KNOWN_VALUES = {
    "--program": ("programs", "SELECT DISTINCT program FROM reports"),
    "--award-year": ("award_years", "SELECT DISTINCT award_year FROM reports"),
    "--state": (
        "states",
        "SELECT DISTINCT state FROM school_volumes WHERE state IS NOT NULL",
    ),
    "--period": ("periods", "SELECT DISTINCT period FROM school_volumes"),
}


def _check_filters(conn: sqlite3.Connection, selection: Selection) -> None:
    """Refuse a filter value the warehouse does not hold at all.

    Raises:
        ConfigurationError: naming the option, the value and what there is.
    """
    for option, (field, sql) in _KNOWN_VALUES.items():
        wanted = getattr(selection, field)
        if not wanted:
            continue
        known = {value for (value,) in conn.execute(sql)}
        # Program and state match in capitals, as the export itself does.
        capitals = option in ("--program", "--state")
        unknown = [
            value
            for value in wanted
            if (value.upper() if capitals else value) not in known
        ]
        if unknown:
            raise ConfigurationError(
                f"{option} {unknown[0]}: no such value in the warehouse; it holds "
                f"{', '.join(sorted(known)) or 'nothing yet'}"
            )


def _export_to_file(
    conn: sqlite3.Connection, output: Path, fmt: ExportFormat, selection: Selection
) -> int:
    """Write to a temporary file beside ``output``, then put it in place."""
    from loanflow.warehouse.export import export_loan_volume

    partial = output.with_name(f".{output.name}.partial")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with partial.open("wb") as target:
            written = export_loan_volume(conn, target, fmt, selection)
        partial.replace(output)
    except OSError as error:
        raise ConfigurationError(f"--output {output}: cannot write: {error}") from error
    finally:
        # Under a path that is not a folder there is no partial file to remove.
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
    return written


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigurationError(
            f"--as-of {text}: expected a date like 2015-02-01"
        ) from None
