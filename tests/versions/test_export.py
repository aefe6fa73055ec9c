"""Exports of loan_volume: equal to the view, typed in pandas, filtered, as of."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from loanflow.cli import app
from loanflow.errors import ConfigurationError
from loanflow.warehouse import write_batch
from loanflow.warehouse.export import (
    EXPORT_COLUMNS,
    PANDAS_CSV_OPTIONS,
    Selection,
    export_loan_volume,
    select_loan_volume,
)
from loanflow.warehouse.versions import retract_publication
from tests.versions.support import (
    HISTORY_ROWS,
    integrate,
    view_rows,
    workbook_rows,
)
from tests.warehouse.factories import publication, records, school_row, volume

ORDER = "ORDER BY program, award_year, quarter, period, ope_id, loan_type"


def frame_rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """A frame's rows as the view gives them: None for missing, ISO dates."""
    rows = []
    for values in frame.itertuples(index=False):
        row = []
        for name, value in zip(frame.columns, values, strict=True):
            if pd.isna(value):
                row.append(None)
            elif name == "run_date":
                row.append(pd.Timestamp(value).date().isoformat())
            elif isinstance(value, str):
                row.append(value)
            else:
                row.append(int(value))
        rows.append(tuple(row))
    return rows


def exported(conn: sqlite3.Connection, fmt: str, selection: Selection | None = None):
    buffer = io.BytesIO()
    export_loan_volume(conn, buffer, fmt, selection)  # type: ignore[arg-type]
    buffer.seek(0)
    if fmt == "csv":
        return pd.read_csv(buffer, **PANDAS_CSV_OPTIONS)
    return pd.read_parquet(buffer)


@pytest.fixture
def quirky(conn: sqlite3.Connection) -> sqlite3.Connection:
    """A warehouse whose rows have leading zeros, blanks and a foreign school."""
    rows = [
        school_row(7, "00100200", volume("subsidized", 10, 12, 34_000, 20, None)),
        school_row(8, "00210100", zip_code="04101"),
        school_row(9, "04200000", school_name=None, zip_code="NW1 4RY"),
    ]
    write_batch(conn, "c", 1, records(publication("DL_Q1.xls"), *rows))
    return conn


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_an_export_opens_in_pandas_typed_and_equal_to_the_view(
    quirky: sqlite3.Connection, fmt: str
) -> None:
    frame = exported(quirky, fmt)

    assert list(frame.columns) == list(EXPORT_COLUMNS)
    assert (
        frame_rows(frame)
        == quirky.execute(f"SELECT * FROM loan_volume {ORDER}").fetchall()
    )
    for name in ("ope_id", "zip_code", "state", "school_name"):
        assert pd.api.types.is_string_dtype(frame[name]), name
    for name in ("recipients", "disbursements_amount", "quarter"):
        assert str(frame[name].dtype) == "Int64", name
    assert frame["ope_id"].tolist() == ["00100200", "00210100", "04200000"]
    assert frame["zip_code"].tolist()[1] == "04101"
    assert frame["disbursements_amount"].isna().tolist() == [True, False, False]


def test_a_real_sized_generated_export_equals_the_history(
    conn: sqlite3.Connection, generated: tuple[Path, Path]
) -> None:
    first, revised = generated
    integrate(conn, first, 1)
    integrate(conn, revised, 2)

    frame = exported(conn, "parquet")
    assert (
        frame_rows(frame)
        == conn.execute(f"SELECT * FROM loan_volume {ORDER}").fetchall()
    )
    assert len(frame) == sum(workbook_rows(revised).values())


def test_as_of_gives_the_view_as_it_stood_on_a_date(
    conn: sqlite3.Connection, generated: tuple[Path, Path]
) -> None:
    first, revised = generated
    integrate(conn, revised, 1)
    integrate(conn, first, 2)

    def metrics(selection: Selection) -> object:
        return view_rows_of(select_loan_volume(conn, selection).fetchall())

    assert metrics(Selection(as_of=date(2015, 2, 1))) == workbook_rows(first)
    assert metrics(Selection(as_of=date(2015, 4, 9))) == workbook_rows(revised)
    assert metrics(Selection(as_of=date(2015, 1, 8))) == view_rows_of([])
    assert view_rows(conn, HISTORY_ROWS, 2) == workbook_rows(first)

    # A retracted publication is left out of every date (docs/versions.md).
    retract_publication(conn, 2, "wrong")
    assert metrics(Selection(as_of=date(2015, 2, 1))) == view_rows_of([])


def view_rows_of(rows: list[tuple[Any, ...]]) -> object:
    """Export rows reduced to (period, OPE ID, loan type, metrics) counts."""
    from collections import Counter

    index = {name: i for i, name in enumerate(EXPORT_COLUMNS)}
    keep = (
        "period",
        "ope_id",
        "loan_type",
        "recipients",
        "loans_originated",
        "loans_originated_amount",
        "disbursements",
        "disbursements_amount",
    )
    return Counter(tuple(row[index[name]] for name in keep) for row in rows)


def test_filters_select_award_year_program_state_and_period(
    conn: sqlite3.Connection,
) -> None:
    ffel = publication("FL_Q1.xls", program="FFEL", award_year="2008-2009")
    dl = publication("DL_Q1.xls")
    write_batch(conn, "c", 1, records(ffel, school_row(7, "00100200")))
    write_batch(
        conn,
        "c",
        2,
        records(
            dl,
            school_row(7, "00100200"),
            school_row(8, "00100200", period="year_to_date"),
        ),
    )

    def picked(**filters: Any) -> list[tuple[str, str, str]]:
        rows = select_loan_volume(conn, Selection(**filters)).fetchall()
        return [(r[0], r[1], r[3]) for r in rows]

    assert picked(programs=("ffel",)) == [("FFEL", "2008-2009", "quarter")]
    assert picked(award_years=("2009-2010",), periods=("year_to_date",)) == [
        ("DL", "2009-2010", "year_to_date")
    ]
    assert picked(states=("al",), periods=("quarter",)) == [
        ("DL", "2009-2010", "quarter"),
        ("FFEL", "2008-2009", "quarter"),
    ]
    assert picked(states=("CA",)) == []
    with pytest.raises(ConfigurationError) as raised:
        picked(award_years=("2009",))
    assert str(raised.value) == (
        "--award-year 2009: expected consecutive years like 2012-2013"
    )


def test_cli_export_to_a_parquet_file_and_csv_on_stdout(
    db: Path, quirky: sqlite3.Connection, tmp_path: Path
) -> None:
    runner = CliRunner()
    target = tmp_path / "out" / "volume.parquet"

    to_file = runner.invoke(app, ["export", "--db", str(db), "-o", str(target)])
    on_stdout = runner.invoke(app, ["export", "--db", str(db), "--state", "AL"])
    # Program and state in any case, as the docs say.
    lower = runner.invoke(
        app, ["export", "--db", str(db), "--state", "al", "--program", "dl"]
    )

    assert to_file.exit_code == 0, to_file.output
    assert to_file.stderr.strip() == (
        f"3 rows of loan_volume written to {target} (parquet)."
    )
    view = quirky.execute(f"SELECT * FROM loan_volume {ORDER}").fetchall()
    assert frame_rows(pd.read_parquet(target)) == view
    assert on_stdout.exit_code == 0, on_stdout.output
    from_csv = pd.read_csv(io.StringIO(on_stdout.stdout), **PANDAS_CSV_OPTIONS)
    assert frame_rows(from_csv) == view
    assert (lower.exit_code, lower.stdout) == (0, on_stdout.stdout), lower.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["-o", "volume.xlsx"],
            "error: --output volume.xlsx: cannot tell the format from the suffix; "
            "pass --format csv or --format parquet",
        ),
        (["--format", "json"], "error: --format json: expected one of csv, parquet"),
        (
            ["--as-of", "1/2/2015"],
            "error: --as-of 1/2/2015: expected a date like 2015-02-01",
        ),
    ],
)
def test_cli_export_refuses_what_it_cannot_do_in_one_line(
    db: Path, conn: sqlite3.Connection, args: list[str], message: str
) -> None:
    result = CliRunner().invoke(app, ["export", "--db", str(db), *args])

    assert result.exit_code == 2
    assert result.stderr.strip() == message


def test_an_export_into_a_closed_pipe_ends_quietly_as_sigpipe_does(
    db: Path, conn: sqlite3.Connection, generated: tuple[Path, Path]
) -> None:
    integrate(conn, generated[0], 1)
    conn.commit()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOANFLOW_")}

    # `loanflow export | head -c 100`: the reader goes away after 100 bytes.
    process = subprocess.Popen(
        [sys.executable, "-m", "loanflow", "export", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert process.stdout is not None and process.stderr is not None
    head = process.stdout.read(100)
    process.stdout.close()
    errors = process.stderr.read()
    process.wait(timeout=120)

    assert head.startswith(b"program,award_year,")
    assert (process.returncode, errors) == (-signal.SIGPIPE, b"")
