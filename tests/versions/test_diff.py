"""Comparing two publications, against what the workbooks' cells say."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loanflow.cli import app
from loanflow.warehouse import write_batch
from loanflow.warehouse.versions import (
    VersionError,
    diff_publications,
    find_publication,
)
from loanflow.workbooks.model import METRICS
from tests.support.workbook_totals import workbook_totals
from tests.versions.support import (
    ADDED_SCHOOL,
    REMOVED_SCHOOL,
    ViewRow,
    integrate,
    workbook_rows,
)
from tests.warehouse.factories import publication, records, school_row, volume

Cells = dict[tuple[str, str, str], tuple[int | None, ...]]


def by_school(rows: Counter[ViewRow]) -> Cells:
    """(period, OPE ID, loan type) to the five metrics; each school once."""
    assert all(count == 1 for count in rows.values())
    return {row[:3]: row[3:] for row in rows}


def expected_changes(old: Path, new: Path) -> set[tuple]:
    before, after = by_school(workbook_rows(old)), by_school(workbook_rows(new))
    return {
        (*key, before[key], after[key])
        for key in before.keys() & after.keys()
        if before[key] != after[key]
    }


def expected_total_changes(old: Path, new: Path) -> dict[tuple[str, str], tuple]:
    before, after = workbook_totals(old), workbook_totals(new)
    return {
        key: tuple(
            getattr(after[key], metric) - getattr(before[key], metric)
            for metric in METRICS
        )
        for key in after
    }


def changes_of(found: object) -> set[tuple]:
    return {
        (
            change.period,
            change.ope_id,
            change.loan_type,
            tuple(change.old[m] for m in METRICS),
            tuple(change.new[m] for m in METRICS),
        )
        for change in found.changes  # type: ignore[attr-defined]
    }


def test_diff_names_every_change_and_its_totals_equal_the_workbooks(
    conn: sqlite3.Connection, generated: tuple[Path, Path]
) -> None:
    first, revised = generated
    integrate(conn, first, 1)
    integrate(conn, revised, 2)

    found = diff_publications(conn, 1, 2)

    assert changes_of(found) == expected_changes(first, revised)
    assert len(found.changes) == 4  # two loan types x two sheets (independent)
    assert {(s.period, s.ope_id) for s in found.schools_added} == {
        ("quarter", ADDED_SCHOOL[0]),
        ("year_to_date", ADDED_SCHOOL[0]),
    }
    assert {(s.period, s.ope_id) for s in found.schools_removed} == {
        ("quarter", REMOVED_SCHOOL),
        ("year_to_date", REMOVED_SCHOOL),
    }
    assert {
        (t.period, t.loan_type): tuple(t.difference[m] for m in METRICS)
        for t in found.totals
    } == expected_total_changes(first, revised)


def test_diff_backwards_swaps_old_and_new(
    conn: sqlite3.Connection, generated: tuple[Path, Path]
) -> None:
    first, revised = generated
    integrate(conn, first, 1)
    integrate(conn, revised, 2)

    forward, backward = diff_publications(conn, 1, 2), diff_publications(conn, 2, 1)

    assert changes_of(backward) == expected_changes(revised, first)
    assert backward.schools_added == forward.schools_removed
    assert [t.difference for t in backward.totals] == [
        {m: -v for m, v in t.difference.items()} for t in forward.totals
    ]


def test_a_school_listed_twice_is_matched_by_order_and_a_new_loan_type_shows(
    conn: sqlite3.Connection,
) -> None:
    old = publication("old.xls", run_date=date(2010, 1, 5))
    new = publication("new.xls", run_date=date(2010, 4, 5))
    twice = "00100200"
    write_batch(
        conn,
        "c",
        1,
        records(
            old,
            school_row(7, twice, volume("subsidized", 1, 1, 100, 1, 100)),
            school_row(8, twice, volume("subsidized", 2, 2, 200, 2, 200)),
        ),
    )
    write_batch(
        conn,
        "c",
        2,
        records(
            new,
            school_row(7, twice, volume("subsidized", 1, 1, 100, 1, 100)),
            school_row(
                8,
                twice,
                volume("subsidized", 2, 2, 250, 2, 250),
                volume("grad_plus", 1, 1, 900, 1, None),
            ),
        ),
    )

    found = diff_publications(conn, 1, 2)

    assert [(c.loan_type, c.old, c.new) for c in found.changes] == [
        (
            "subsidized",
            dict(zip(METRICS, (2, 2, 200, 2, 200), strict=True)),
            dict(zip(METRICS, (2, 2, 250, 2, 250), strict=True)),
        ),
        ("grad_plus", None, dict(zip(METRICS, (1, 1, 900, 1, None), strict=True))),
    ]
    assert found.changes[1].changed_metrics == METRICS[:4]
    assert not found.schools_added and not found.schools_removed


def test_find_publication_by_run_date(
    conn: sqlite3.Connection, generated: tuple[Path, Path]
) -> None:
    first, revised = generated
    integrate(conn, first, 1)
    integrate(conn, revised, 2)

    assert find_publication(conn, date(2015, 4, 9)).publication_id == 2
    assert (
        find_publication(
            conn, date(2015, 1, 9), program="DL", award_year="2012-2013", quarter=4
        ).publication_id
        == 1
    )
    with pytest.raises(VersionError) as raised:
        find_publication(conn, date(2015, 1, 9), quarter=3)
    assert str(raised.value) == (
        "no complete publication of Q3 was run on 2015-01-09: "
        "`loanflow versions list` shows the run dates"
    )


def test_cli_diff_by_run_dates_prints_json(
    db: Path, conn: sqlite3.Connection, generated: tuple[Path, Path]
) -> None:
    first, revised = generated
    integrate(conn, first, 1)
    integrate(conn, revised, 2)

    result = CliRunner().invoke(
        app,
        [
            "versions",
            "diff",
            "2015-01-09",
            "2015-04-09",
            "--program",
            "dl",
            "--db",
            str(db),
            "--json",
        ],
    )

    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert (found["old"]["publication_id"], found["new"]["publication_id"]) == (1, 2)
    assert {
        (
            c["period"],
            c["ope_id"],
            c["loan_type"],
            tuple(c["old"][m] for m in METRICS),
            tuple(c["new"][m] for m in METRICS),
        )
        for c in found["changes"]
    } == expected_changes(first, revised)


def test_cli_diff_tables_show_old_and_new_values(
    db: Path, conn: sqlite3.Connection, generated: tuple[Path, Path]
) -> None:
    integrate(conn, generated[0], 1)
    integrate(conn, generated[1], 2)

    result = CliRunner().invoke(app, ["versions", "diff", "1", "2", "--db", str(db)])

    assert result.exit_code == 0, result.output
    assert (
        "From publication 1 (DL 2012-2013 Q4, run 2015-01-09) to 2 (DL 2012-2013 "
        "Q4, run 2015-04-09): 2 schools added, 2 schools removed, 4 school and loan "
        "types changed." in " ".join(result.stdout.split())
    )
    assert "HARBOR POINT COLLEGE" in result.stdout
    assert "-19,000" in result.stdout  # 40,000 -> 21,000 originated


def test_cli_diff_of_an_unknown_id_is_one_line_and_exit_2(
    db: Path, conn: sqlite3.Connection, generated: tuple[Path, Path]
) -> None:
    integrate(conn, generated[0], 1)

    result = CliRunner().invoke(app, ["versions", "diff", "1", "7", "--db", str(db)])

    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: no publication 7 in the warehouse: `loanflow versions list` shows "
        "the ids"
    )
