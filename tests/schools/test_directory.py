"""read_school_code_list on generated lists: every row, text as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from loanflow.errors import WorkbookError
from loanflow.schools import DirectorySchool, read_school_code_list
from loanflow.workbooks.model import RowProblem
from tests.schools.lists import HEADER, SHEET, entry, write_school_code_list
from tests.support.builders import WorkbookFormat


@pytest.mark.parametrize("workbook_format", ["xlsx", "xls"])
def test_every_row_is_read_with_its_text_exactly_as_written(
    tmp_path: Path, workbook_format: WorkbookFormat
) -> None:
    # Named .xls whatever the content, as FSA names the .xlsx list.
    path = write_school_code_list(
        tmp_path / "1617fedschoolcodelist.xls",
        [
            entry("001002", "ALABAMA A & M UNIV ", "AL", "35762"),
            entry("G01169", "CLAREMONT GRADUATE UNIVERSITY", "CA", "91711"),
            entry("B06171", "CENTER FOR ADVANCED STUDIES", "PR", "00902"),
            entry(
                "G04030",
                "UNIVERSITY OF CAMBRIDGE",
                "FC",
                "00000",
                province="CAMBRIDGESHIRE",
                country="ENGLAND",
                postal_code="CB2 1TN",
            ),
        ],
        workbook_format=workbook_format,
    )

    code_list = read_school_code_list(path)

    assert code_list.sheets == [SHEET]
    assert code_list.problems == []
    assert [s.school_code for s in code_list.schools] == [
        "001002",
        "G01169",
        "B06171",
        "G04030",
    ]
    assert code_list.schools[0] == DirectorySchool(
        school_code="001002",
        school_name="ALABAMA A & M UNIV ",
        address="1 MAIN STREET",
        city="NORMAL",
        state="AL",
        zip_code="35762",
        province=None,
        country=None,
        postal_code=None,
        other_columns=(),
        sheet=SHEET,
        row=2,
    )
    assert code_list.schools[2].zip_code == "00902"
    cambridge = code_list.schools[3]
    assert (cambridge.zip_code, cambridge.province, cambridge.country) == (
        "00000",
        "CAMBRIDGESHIRE",
        "ENGLAND",
    )
    assert cambridge.postal_code == "CB2 1TN"
    assert cambridge.row == 5


def test_further_columns_are_kept_as_text(tmp_path: Path) -> None:
    path = write_school_code_list(
        tmp_path / "list.xls",
        [[*entry("001002", "ALABAMA A & M UNIV"), "0256 372 5000", None]],
        header=(*HEADER, "Phone", "Fax"),
    )

    (school,) = read_school_code_list(path).schools

    assert school.other_columns == (("Phone", "0256 372 5000"),)


def test_numbers_get_back_the_zeros_they_lost(tmp_path: Path) -> None:
    path = write_school_code_list(
        tmp_path / "list.xlsx", [entry(1002, "ALABAMA A & M UNIV", "MA", 2134)]
    )

    (school,) = read_school_code_list(path).schools

    assert (school.school_code, school.zip_code) == ("001002", "02134")


def test_a_bad_row_is_kept_aside_with_every_problem_and_the_rest_read(
    tmp_path: Path,
) -> None:
    path = write_school_code_list(
        tmp_path / "list.xls",
        [
            entry("001002", "ALABAMA A & M UNIV"),
            entry("X01003", None),
            entry(None, "NO CODE COLLEGE"),
            [None] * len(HEADER),
            entry("001002", "ALABAMA AGAIN"),
            entry("G01169", "CLAREMONT GRADUATE UNIVERSITY", "CA", "91711"),
        ],
    )

    code_list = read_school_code_list(path)

    assert [s.school_code for s in code_list.schools] == ["001002", "G01169"]
    assert code_list.blank_rows == 1
    cells = [
        tuple("" if c is None else str(c) for c in row)
        for row in (
            entry("X01003", None),
            entry(None, "NO CODE COLLEGE"),
            entry("001002", "ALABAMA AGAIN"),
        )
    ]
    assert code_list.problems == [
        RowProblem(
            SHEET,
            3,
            (
                (
                    "SchoolCode",
                    "'X01003' is not a school code (0, G, E or B, then five digits)",
                ),
                ("SchoolName", "the school name is blank"),
            ),
            cells[0],
        ),
        RowProblem(SHEET, 4, (("SchoolCode", "the school code is blank"),), cells[1]),
        RowProblem(SHEET, 6, (("SchoolCode", "001002 is already on row 2"),), cells[2]),
    ]


def test_a_file_that_is_not_a_list_is_refused_in_one_line(tmp_path: Path) -> None:
    text = tmp_path / "codes.xls"
    text.write_text("SchoolCode,SchoolName\n001002,ALABAMA\n")
    no_header = write_school_code_list(
        tmp_path / "loans.xlsx", [["00100200", "ALABAMA"]], header=("OPE ID", "School")
    )
    no_name = write_school_code_list(
        tmp_path / "codes.xlsx", [["001002", "AL"]], header=("SchoolCode", "State")
    )
    empty = write_school_code_list(tmp_path / "empty.xlsx", [])

    messages = []
    for path in (text, no_header, no_name, empty):
        with pytest.raises(WorkbookError) as raised:
            read_school_code_list(path)
        messages.append(str(raised.value))

    assert messages == [
        "codes.xls: not an Excel workbook: it is a text file",
        "loans.xlsx: no sheet has a 'SchoolCode' header in its first 20 rows: is it "
        "the Federal School Code List?",
        f"codes.xlsx, sheet '{SHEET}', row 1: the header has no SchoolName column "
        "(found: SchoolCode, State)",
        "empty.xlsx: has no school rows below its 'SchoolCode' header",
    ]
