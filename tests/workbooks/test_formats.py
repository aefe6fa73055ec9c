"""Workbook formats told apart by their bytes; bad files refused in one line."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from loanflow.errors import Location
from loanflow.workbooks.formats import _calamine_failure
from loanflow.workbooks.layouts import SheetGrid, write_xlsx
from loanflow.workbooks.reader import read_workbook
from tests.support.builders import write_grids
from tests.workbooks.conftest import BuildWorkbook
from tests.workbooks.examples import EXAMPLES
from tests.workbooks.helpers import read_error

FFEL_Q1 = EXAMPLES[3]


@pytest.mark.parametrize(
    ("content", "looks_like"),
    [
        (b"OPE ID,School,State\n00100200,ALPHA,AL\n", "it is a text file"),
        (b"\xef\xbb\xbfOPE ID;School\r\n", "it is a text file"),
        ("OPE ID\tÉcole\n".encode("cp1252"), "it is a text file"),
        ("OPE ID\r\n".encode("utf-16"), "it is a text file"),
        (b"<!DOCTYPE html>\n<html><body>Not Found</body></html>", "it is an HTML page"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "it is a PDF document"),
        (b"", "the file is empty"),
        (
            b"\x00\x01\x02\x03\xff\xfe\x00\x00",
            "it starts with bytes 00 01 02 03 ff fe 00 00",
        ),
    ],
)
def test_a_file_that_is_no_workbook_says_what_it_looks_like(
    tmp_path: Path, content: bytes, looks_like: str
) -> None:
    path = tmp_path / "FL_Dashboard_AY2009_2010_Q1.xls"
    path.write_bytes(content)

    assert read_error(path) == (
        f"FL_Dashboard_AY2009_2010_Q1.xls: not an Excel workbook: {looks_like}"
    )


def test_a_zip_without_a_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")

    assert read_error(path) == (
        "report.xlsx: not an Excel workbook: it is a ZIP archive without "
        "xl/workbook.xml"
    )


def test_a_truncated_xls_is_damaged(
    tmp_path: Path, make_workbook: BuildWorkbook
) -> None:
    whole = make_workbook("whole.xls", FFEL_Q1, "xls").read_bytes()
    half = tmp_path / "DL_Dashboard_AY2012_2013_Q4.xls"
    half.write_bytes(whole[: len(whole) // 2])

    message = read_error(half)

    assert re.fullmatch(
        r"DL_Dashboard_AY2012_2013_Q4\.xls: cannot be opened: damaged or truncated "
        rf"\(the file has {len(whole) // 2} bytes, its sector table needs \d+\)",
        message,
    ), message


def test_a_truncated_xlsx_is_damaged(
    tmp_path: Path, make_workbook: BuildWorkbook
) -> None:
    whole = make_workbook("whole.xlsx", FFEL_Q1, "xlsx").read_bytes()
    half = tmp_path / "half.xlsx"
    half.write_bytes(whole[: len(whole) // 2])

    assert read_error(half) == (
        "half.xlsx: cannot be opened: damaged or truncated "
        "(its ZIP structure is broken: File is not a zip file)"
    )


def test_a_cut_off_ole2_header_is_damaged(tmp_path: Path) -> None:
    path = tmp_path / "stub.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)

    assert read_error(path) == (
        "stub.xls: cannot be opened: damaged or truncated "
        "(108 bytes, shorter than an OLE2 header)"
    )


@pytest.mark.parametrize(
    ("written_as", "named"), [("xlsx", "renamed.xls"), ("xls", "renamed.xlsx")]
)
def test_the_bytes_decide_the_format_not_the_name(
    written_as: str, named: str, make_workbook: BuildWorkbook
) -> None:
    path = make_workbook(named, FFEL_Q1, written_as)

    workbook = read_workbook(path)

    assert workbook.publication.program == "FFEL"
    assert workbook.publication.source_file == named
    assert len(workbook.rows) == 9


@pytest.mark.parametrize("workbook_format", ["xls", "xlsx"])
def test_a_workbook_without_an_ope_id_header_is_refused(
    tmp_path: Path, workbook_format: str
) -> None:
    grids = [
        SheetGrid("Sheet1", [["School", "State"], ["ALPHA UNIVERSITY", "AL"]]),
        SheetGrid("Notes", [["OPE ID", "An 8-digit code"]]),
    ]
    path = write_grids(tmp_path / "schools.xls", grids, workbook_format)

    assert read_error(path) == (
        "schools.xls: no sheet has an 'OPE ID' header row (sheets: 'Sheet1', 'Notes')"
    )


def test_a_missing_file_cannot_be_read(tmp_path: Path) -> None:
    assert read_error(tmp_path / "gone.xls") == (
        "gone.xls: cannot be read: No such file or directory"
    )


def test_write_xlsx_keeps_digits_as_text(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "text.xlsx", [SheetGrid("S", [["00100200", 7]])])

    with zipfile.ZipFile(path) as archive:
        assert "00100200" in archive.read("xl/sharedStrings.xml").decode()


def test_a_calamine_panic_is_a_damaged_workbook() -> None:
    # pyo3's PanicException derives from BaseException, not Exception.
    panic = type("PanicException", (BaseException,), {})

    error = _calamine_failure(
        panic("range end index 124 out of range"), Location("x.xls")
    )

    assert str(error) == (
        "x.xls: cannot be opened: damaged or truncated "
        "(range end index 124 out of range)"
    )
    with pytest.raises(KeyboardInterrupt):
        _calamine_failure(KeyboardInterrupt(), Location("x.xls"))
