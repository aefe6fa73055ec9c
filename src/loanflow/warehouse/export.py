"""``loan_volume`` (or a part of it, or as known on a date) to CSV or Parquet.

Plain functions over a ``sqlite3`` connection: ``select_loan_volume`` gives the
rows (for the dashboard too), ``export_loan_volume`` writes them. The columns
are those of the view ``loan_volume``, in its order (``EXPORT_COLUMNS``).

Types survive the trip: Parquet is written with an explicit schema
(``PARQUET_SCHEMA``: OPE ID and zip code as text, counts and dollars as 64-bit
integers, the run date as a date) and pandas metadata, so ``pandas.read_parquet``
gives text, nullable ``Int64`` and dates. CSV has no types: read it with
``PANDAS_CSV_OPTIONS`` (docs/bi-tools.md).
"""

from __future__ import annotations

import csv
import io
import logging
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, BinaryIO, Literal

from loanflow.errors import ConfigurationError
from loanflow.workbooks.model import METRICS

logger = logging.getLogger(__name__)

ExportFormat = Literal["csv", "parquet"]
EXPORT_FORMATS: tuple[str, ...] = ("csv", "parquet")

TEXT_COLUMNS: tuple[str, ...] = (
    "program",
    "award_year",
    "period",
    "ope_id",
    "school_name",
    "state",
    "zip_code",
    "school_type",
    "loan_type",
    "source_file",
)
INTEGER_COLUMNS: tuple[str, ...] = ("quarter", *METRICS)
EXPORT_COLUMNS: tuple[str, ...] = (
    "program",
    "award_year",
    "quarter",
    "period",
    "ope_id",
    "school_name",
    "state",
    "zip_code",
    "school_type",
    "loan_type",
    *METRICS,
    "run_date",
    "source_file",
)

# How pandas reads an export back with the warehouse's types. Only an empty
# field is missing: "NA" could be a real value of a text column.
PANDAS_DTYPES: dict[str, str] = {
    **dict.fromkeys(TEXT_COLUMNS, "string"),
    **dict.fromkeys(INTEGER_COLUMNS, "Int64"),
}
PANDAS_CSV_OPTIONS: dict[str, Any] = {
    "dtype": PANDAS_DTYPES,
    "keep_default_na": False,
    "na_values": [""],
    "parse_dates": ["run_date"],
}

# Rows fetched and written at a time: bounded memory for any warehouse size.
CHUNK_ROWS = 50_000


def _parquet_schema() -> Any:
    import pyarrow as pa

    types = {
        **dict.fromkeys(TEXT_COLUMNS, pa.string()),
        **dict.fromkeys(INTEGER_COLUMNS, pa.int64()),
        "run_date": pa.date32(),
    }
    return pa.schema(
        [
            pa.field(name, types[name], nullable=name not in _NEVER_NULL)
            for name in EXPORT_COLUMNS
        ]
    )


# Columns the warehouse never leaves empty.
_NEVER_NULL = frozenset(
    {"program", "award_year", "period", "ope_id", "school_type", "loan_type"}
)


@dataclass(frozen=True)
class Selection:
    """Which rows of ``loan_volume`` to take. Empty tuples select everything.

    Attributes:
        award_years: ``2012-2013`` ...
        programs: ``DL``, ``FFEL``.
        states: two-letter codes as published (``CA``, ``FC`` for foreign).
        periods: ``quarter``, ``year_to_date``.
        as_of: the view as it stood for a user who had every publication run
            on or before this date (docs/versions.md); None: as it stands.
    """

    award_years: tuple[str, ...] = ()
    programs: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    periods: tuple[str, ...] = ()
    as_of: date | None = None


# The as-of ranking: among complete publications not retracted now and run on
# or before the date, the latest run date of each report wins (ties: the one
# first seen later). Undated publications cannot be placed and never count.
_AS_OF = """
WITH known AS (
    SELECT publication_id, row_number() OVER (
        PARTITION BY program, award_year, ifnull(quarter, 0)
        ORDER BY run_date DESC, publication_id DESC
    ) AS rank_in_report
    FROM publications
    WHERE status IN ('current', 'superseded') AND run_date <= ?
)
SELECT {columns}
FROM loan_volume_history AS h
JOIN known ON known.publication_id = h.publication_id AND known.rank_in_report = 1
"""

_ORDER = (
    "ORDER BY program, award_year, ifnull(quarter, 0), period, ope_id, "
    "loan_type, source_file"
)


def select_loan_volume(
    conn: sqlite3.Connection, selection: Selection | None = None
) -> sqlite3.Cursor:
    """The rows of ``loan_volume`` (``EXPORT_COLUMNS``) that a selection picks.

    Ordered by report, period, OPE ID and loan type.

    Raises:
        ConfigurationError: a filter value is not one the warehouse can hold
            (an award year not like ``2012-2013``, an unknown period).
    """
    selection = selection or Selection()
    _check(selection)
    columns = ", ".join(f"h.{name}" for name in EXPORT_COLUMNS)
    params: list[Any] = []
    if selection.as_of is None:
        query = f"SELECT {columns} FROM loan_volume AS h"
    else:
        query = _AS_OF.format(columns=columns)
        params.append(selection.as_of.isoformat())
    conditions = []
    for column, values in (
        ("award_year", selection.award_years),
        ("program", tuple(v.upper() for v in selection.programs)),
        ("state", tuple(v.upper() for v in selection.states)),
        ("period", selection.periods),
    ):
        if values:
            conditions.append(f"h.{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    if conditions:
        query += " WHERE " + " AND ".join(conditions)
    return conn.execute(f"{query} {_ORDER}", params)


def export_loan_volume(
    conn: sqlite3.Connection,
    target: BinaryIO,
    export_format: ExportFormat,
    selection: Selection | None = None,
) -> int:
    """Write the selected rows of ``loan_volume`` to a binary stream.

    Args:
        conn: an open warehouse.
        target: a file opened ``wb``, or ``sys.stdout.buffer``; it is written
            from start to end without seeking and left open.
        export_format: ``csv`` (UTF-8, a header row, empty fields for NULL) or
            ``parquet``.
        selection: which rows; None for all of ``loan_volume``.

    Returns:
        How many rows were written.

    Raises:
        ConfigurationError: an unknown format or a bad filter value.
    """
    cursor = select_loan_volume(conn, selection)
    if export_format == "csv":
        written = _write_csv(cursor, target)
    elif export_format == "parquet":
        written = _write_parquet(cursor, target)
    else:
        raise ConfigurationError(
            f"--format {export_format}: expected one of {', '.join(EXPORT_FORMATS)}"
        )
    logger.debug("exported rows=%d format=%s", written, export_format)
    return written


def format_for(name: str) -> ExportFormat | None:
    """The format a file name's suffix implies (``.csv``, ``.parquet``, ``.pq``)."""
    lowered = name.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith((".parquet", ".pq")):
        return "parquet"
    return None


def _chunks(cursor: sqlite3.Cursor) -> Iterator[list[tuple[Any, ...]]]:
    while rows := cursor.fetchmany(CHUNK_ROWS):
        yield rows


def _write_csv(cursor: sqlite3.Cursor, target: BinaryIO) -> int:
    text = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=True)
    try:
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        written = 0
        for rows in _chunks(cursor):
            writer.writerows(rows)
            written += len(rows)
        text.flush()
    finally:
        # The caller owns the stream: do not let the wrapper close it.
        text.detach()
    return written


def _write_parquet(cursor: sqlite3.Cursor, target: BinaryIO) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _parquet_schema()
    written = 0
    sink = pa.PythonFile(target, mode="w")
    writer: pq.ParquetWriter | None = None
    try:
        for rows in _chunks(cursor):
            table = _table(rows, schema)
            # The table's schema, not ``schema``: it carries pandas metadata.
            writer = writer or pq.ParquetWriter(sink, table.schema)
            writer.write_table(table)
            written += len(rows)
        if writer is None:
            table = _table([], schema)
            writer = pq.ParquetWriter(sink, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    return written


def _table(rows: Sequence[tuple[Any, ...]], schema: Any) -> Any:
    """A chunk as an Arrow table with pandas metadata (text, Int64, dates)."""
    import pandas as pd
    import pyarrow as pa

    frame = pd.DataFrame.from_records(rows, columns=list(EXPORT_COLUMNS))
    for name, dtype in PANDAS_DTYPES.items():
        frame[name] = frame[name].astype(dtype)
    frame["run_date"] = pd.Series(
        [
            None if value is None else date.fromisoformat(value)
            for value in frame["run_date"]
        ],
        dtype="object",
    )
    return pa.Table.from_pandas(frame, schema=schema, preserve_index=False)


def _check(selection: Selection) -> None:
    for year in selection.award_years:
        first, _, second = year.partition("-")
        if not (
            first.isdigit()
            and second.isdigit()
            and len(first) == len(second) == 4
            and int(second) == int(first) + 1
        ):
            raise ConfigurationError(
                f"--award-year {year}: expected consecutive years like 2012-2013"
            )
    for period in selection.periods:
        if period not in ("quarter", "year_to_date"):
            raise ConfigurationError(
                f"--period {period}: expected quarter or year_to_date"
            )
