"""Bad workbooks among good ones: one line each, the rest integrated, exit 1."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter

from loanflow.workbooks.sample import write_sample
from tests.pipeline.helpers import loanflow, pipeline_env, query

pytestmark = pytest.mark.integration


def write_bad_files(folder: Path, good: Path) -> dict[str, str]:
    """Three broken inputs; maps each file name to a word its error must say."""
    folder.mkdir()
    (folder / "notes.xls").write_text("OPE ID,School\n00100200,SOME SCHOOL\n")

    data = good.read_bytes()
    (folder / "truncated.xlsx").write_bytes(data[: len(data) // 2])

    workbook = xlsxwriter.Workbook(folder / "no_header.xlsx")
    sheet = workbook.add_worksheet("Quarterly Activity")
    sheet.write_row(0, 0, ["2019-2020 Award Year Direct Loan Volume by School"])
    sheet.write_row(4, 0, ["School ID", "School", "State", "Zip Code", "School Type"])
    sheet.write_row(5, 0, ["00100200", "SOME SCHOOL", "AL", "35762", "Public"])
    workbook.close()
    return {
        "notes.xls": "Excel",
        "truncated.xlsx": "truncated",
        "no_header.xlsx": "OPE ID",
    }


def test_bad_files_are_named_and_the_good_ones_integrated(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    env = pipeline_env(tmp_path / "home", kafka_bootstrap)
    good = write_sample(tmp_path / "good")
    bad = write_bad_files(tmp_path / "bad", good[0])
    db = tmp_path / "out.db"

    done = loanflow(
        "run", *good, *(tmp_path / "bad" / name for name in bad), "--db", db, env=env
    )

    assert done.returncode == 1, done.stderr[-3000:]
    for name, word in bad.items():
        lines = [line for line in done.stderr.splitlines() if name in line]
        assert len(lines) == 1, (name, lines)
        assert word in lines[0], lines[0]
    integrated = query(db, "SELECT DISTINCT source_file FROM loan_volume ORDER BY 1")
    assert integrated == sorted((path.name,) for path in good)
    kept_aside = query(
        db, "SELECT source_file FROM rejected_records ORDER BY source_file"
    )
    assert kept_aside == sorted((name,) for name in bad)

    listed = loanflow("rejected", "--db", db, env=env)
    assert listed.returncode == 0, listed.stderr
    for name in bad:
        assert name in listed.stdout
