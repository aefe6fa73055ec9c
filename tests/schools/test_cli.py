"""`loanflow schools ...` end to end.

The first tests run the CLI in-process on a warehouse written directly; the
integration test runs `loanflow run` on a generated workbook through a real
Kafka broker and Spark, then the school commands as a user would.
"""

from __future__ import annotations

import json
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loanflow.cli import app
from loanflow.warehouse import connect, write_batch
from loanflow.workbooks.layouts import (
    DASHBOARD,
    ReportSpec,
    SchoolLine,
    workbook_grids,
    write_xlsx,
)
from tests.pipeline.helpers import loanflow, pipeline_env, query
from tests.schools.lists import entry, write_school_code_list
from tests.warehouse.factories import publication, records, school_row

LIST = [
    entry("001002", "ALABAMA AGRCLTL & MECHL UNIV", "AL", "35762"),
    entry("G01169", "CLAREMONT GRADUATE UNIVERSITY", "CA", "91711"),
    entry("E01081", "SOME E SERIES ENTRY", "PR", "00959"),
]


def invoke(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A warehouse with one publication: a 0-code, a G-code and an E-code school."""
    path = tmp_path / "loanflow.db"
    rows = [
        school_row(7, "00100200"),
        school_row(8, "00116900", school_name="CLAREMONT GRADUATE UNIVERSITY"),
        school_row(9, "00108100", school_name="DESERT SUN UNIVERSITY"),
    ]
    with closing(connect(path)) as conn:
        write_batch(conn, "test", 0, records(publication("DL_Q1.xls"), *rows))
    return path


def test_a_list_without_one_good_row_changes_nothing_and_names_each_row(
    db: Path, tmp_path: Path
) -> None:
    directory = write_school_code_list(
        tmp_path / "allbad.xls", [entry("bad", "X"), entry("", "Y")]
    )

    code, _, err = invoke("schools", "load", directory, "--db", db)

    assert code == 1
    assert "Traceback" not in err
    # The lines for the user, not the log's (which start with a time stamp).
    lines = [line for line in err.splitlines() if not line[:4].isdigit()]
    assert len(lines) == 3, err
    assert lines[0].startswith("kept aside: allbad.xls, sheet '3rd Quarter FSC', row 2")
    assert lines[2] == (
        f"error: {directory}: no row is a school code, so the directory is unchanged"
    )
    assert query(db, "SELECT count(*) FROM school_directory_loads") == [(0,)]


def test_load_into_a_missing_warehouse_is_refused(tmp_path: Path) -> None:
    directory = write_school_code_list(tmp_path / "list.xls", LIST)
    missing = tmp_path / "typo.db"

    code, _, err = invoke("schools", "load", directory, "--db", missing)

    assert code == 2
    assert err.strip() == (
        f"error: no warehouse at {missing}: name one with --db or LOANFLOW_DB"
    )
    assert not missing.exists()


def test_load_reports_each_bad_row_in_one_line_and_exits_1(
    db: Path, tmp_path: Path
) -> None:
    directory = write_school_code_list(
        tmp_path / "codes.xls", [*LIST, entry("1234", "SHORT CODE COLLEGE")]
    )

    code, out, err = invoke("schools", "load", directory, "--db", db)
    again = invoke("schools", "load", directory, "--db", db)

    assert code == 1
    assert out.splitlines() == [
        f"Loaded codes.xls into {db}: 3 school codes from sheet '3rd Quarter FSC', "
        "1 row kept aside.",
        "OPE IDs of the loan files: 3, matched 2, unmatched 1 (`loanflow schools "
        "unmatched`).",
    ]
    assert err.splitlines()[-1] == (
        "kept aside: codes.xls, sheet '3rd Quarter FSC', row 5, column "
        "'SchoolCode': '1234' is not a school code (0, G, E or B, then five digits)"
    )
    assert again[0] == 0
    assert "is already the school directory" in again[1]
    assert "nothing changed" in again[1]


def test_unmatched_lists_the_rest_with_the_reason(db: Path, tmp_path: Path) -> None:
    directory = write_school_code_list(tmp_path / "codes.xls", LIST)
    assert invoke("schools", "load", directory, "--db", db)[0] == 0

    code, out, _ = invoke("schools", "unmatched", "--json", "--db", db)

    assert code == 0
    assert json.loads(out) == [
        {
            "ope_id": "00108100",
            "school_name": "DESERT SUN UNIVERSITY",
            "state": "AL",
            "zip_code": "35762",
            "latest_source_file": "DL_Q1.xls",
            "reason": "no 0 or G code with root 001081; E01081 is an E code (a "
            "separate series)",
        }
    ]


def test_show_gives_a_school_and_names_what_is_wrong(db: Path, tmp_path: Path) -> None:
    directory = write_school_code_list(tmp_path / "codes.xls", LIST)
    assert invoke("schools", "load", directory, "--db", db)[0] == 0

    code, out, _ = invoke("schools", "show", "00116900", "--json", "--db", db)
    unknown = invoke("schools", "show", "00999900", "--db", db)
    short = invoke("schools", "show", "116900", "--db", db)

    assert code == 0
    shown = json.loads(out)
    assert (shown["school_code"], shown["match_rule"], shown["city"]) == (
        "G01169",
        "G code",
        "NORMAL",
    )
    assert unknown[0] == 2
    assert unknown[2].strip() == (
        f"error: OPE ID 00999900 is in no loan file of {db}: check the number, or "
        "run the workbooks that hold it"
    )
    assert short[0] == 2
    assert short[2].strip() == (
        "error: OPE ID '116900' is not 8 digits: give it with its leading zeros "
        "and location, e.g. 00116900"
    )


def test_unmatched_without_a_list_says_how_to_load_one(db: Path) -> None:
    code, _, err = invoke("schools", "unmatched", "--db", db)

    assert code == 2
    assert err.strip() == (
        f"error: {db} holds no Federal School Code List: load one with "
        f"`loanflow schools load FILE --db {db}`"
    )


@pytest.mark.integration
def test_run_then_load_a_list_then_ask_the_cli(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    env = pipeline_env(tmp_path / "home", kafka_bootstrap)
    volumes = ((10, 11, 40_000, 12, 38_000),) * 4
    lines = [
        SchoolLine(
            "00100200", "NORTHFIELD STATE UNIVERSITY", "AL", "35762", "public", volumes
        ),
        SchoolLine(
            "00116900",
            "CLAREMONT GRADUATE UNIVERSITY",
            "CA",
            "917116163",
            "private_nonprofit",
            volumes,
        ),
        SchoolLine(
            "00108100", "DESERT SUN UNIVERSITY", "AZ", "85287", "public", volumes
        ),
        SchoolLine(
            "00135000",
            "FRONT RANGE TECHNICAL COLLEGE",
            "CO",
            "80202",
            "proprietary",
            volumes,
        ),
    ]
    report = ReportSpec("DL", "2009-2010", 1, date(2010, 1, 5))
    workbook = write_xlsx(
        tmp_path / "DL_Dashboard_AY2009_2010_Q1.xlsx",
        workbook_grids(DASHBOARD, report, {"quarter": lines, "year_to_date": lines}),
    )
    directory = write_school_code_list(tmp_path / "1617fedschoolcodelist.xls", LIST)
    db = tmp_path / "out.db"

    run = loanflow("run", workbook, "--db", db, env=env)
    load = loanflow("schools", "load", directory, "--db", db, env=env)
    unmatched = loanflow("schools", "unmatched", "--json", "--db", db, env=env)

    assert run.returncode == 0, run.stderr[-3000:]
    assert load.returncode == 0, load.stderr[-3000:]
    assert "OPE IDs of the loan files: 4, matched 2, unmatched 2" in load.stdout
    assert query(
        db,
        "SELECT ope_id, school_name, state, zip_code, school_type, school_code, "
        "match_rule, directory_name, city FROM school ORDER BY ope_id",
    ) == [
        ("00100200", "NORTHFIELD STATE UNIVERSITY", "AL", "35762", "public",
         "001002", "0 code", "ALABAMA AGRCLTL & MECHL UNIV", "NORMAL"),
        ("00108100", "DESERT SUN UNIVERSITY", "AZ", "85287", "public",
         None, None, None, None),
        ("00116900", "CLAREMONT GRADUATE UNIVERSITY", "CA", "917116163",
         "private_nonprofit", "G01169", "G code", "CLAREMONT GRADUATE UNIVERSITY",
         "NORMAL"),
        ("00135000", "FRONT RANGE TECHNICAL COLLEGE", "CO", "80202", "proprietary",
         None, None, None, None),
    ]  # fmt: skip
    assert unmatched.returncode == 0, unmatched.stderr[-3000:]
    assert [(s["ope_id"], s["reason"]) for s in json.loads(unmatched.stdout)] == [
        (
            "00108100",
            "no 0 or G code with root 001081; E01081 is an E code (a separate series)",
        ),
        ("00135000", "no code with root 001350 (001350 or G01350) in the list"),
    ]
