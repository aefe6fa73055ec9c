"""The plausibility checks on the nine real FSA workbooks.

The warehouse is filled straight from the reader (no Kafka, no Spark: those
paths are tested elsewhere), and its warnings are compared, per file and per
check, with counts taken from the cells by the independent code below.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from loanflow.warehouse import SchoolRowRecord, connect, write_batch
from loanflow.workbooks.reader import read_workbook

pytestmark = pytest.mark.realdata

_CODES = (
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT "
    "NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR "
    "GU VI AS MP FM MH PW AA AE AP FC"
)
STATES = set(_CODES.split())
PLACEHOLDER = "88888800"


def real_files(fsa_data: Path) -> list[Path]:
    return sorted((fsa_data / "loans").glob("*.xls")) + sorted(
        (fsa_data / "revisions").glob("*.xls")
    )


@pytest.fixture(scope="module")
def warnings_by_file(
    fsa_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Counter[str]]]:
    """Per file (folder/name), the warehouse's warnings by check."""
    conn = connect(tmp_path_factory.mktemp("quality-real") / "loanflow.db")
    names = {}
    for batch_id, path in enumerate(real_files(fsa_data)):
        workbook = read_workbook(path)
        assert workbook.problems == []
        records = [
            SchoolRowRecord(workbook.publication, len(workbook.rows), row)
            for row in workbook.rows
        ]
        assert write_batch(conn, "real", batch_id, records).publications_completed == 1
        names[workbook.publication.source_sha256] = f"{path.parent.name}/{path.name}"
    found: dict[str, Counter[str]] = {name: Counter() for name in names.values()}
    for digest, check, count in conn.execute(
        "SELECT v.source_sha256, w.check_name, count(*) FROM quality_warnings AS w "
        "JOIN publication_versions AS v USING (publication_id) GROUP BY 1, 2"
    ):
        found[names[digest]][check] = count
    yield found
    conn.close()


def test_warnings_match_the_cells_of_each_real_workbook(
    fsa_data: Path, warnings_by_file: dict[str, Counter[str]]
) -> None:
    expected = {
        f"{path.parent.name}/{path.name}": cell_warnings(path)
        for path in real_files(fsa_data)
    }

    assert len(expected) == 9
    assert warnings_by_file == expected
    # The FFEL files carry the placeholder school, on one or both sheets.
    assert all(
        counts["placeholder_school"] > 0
        for name, counts in expected.items()
        if "FL_Dashboard" in name
    )


def cell_warnings(path: Path) -> Counter[str]:
    """The warnings a workbook deserves, by check, from its cells alone."""
    counts: Counter[str] = Counter()
    # (period) -> (ope_id, block label) -> the five values, for schools listed
    # once on the sheet.
    sides: dict[str, dict[tuple[str, str], list[int | None]]] = {}
    for period, rows, header in data_sheets(path):
        listed = Counter(ope_id(row[0]) for row in rows)
        side = sides.setdefault(period, {})
        for row in rows:
            school = ope_id(row[0])
            state = str(row[2]).strip()
            if school == PLACEHOLDER:
                counts["placeholder_school"] += 1
            elif state not in STATES and not (
                state == "" and "foreign" in str(row[4]).lower()
            ):
                # A blank state is a foreign school's from AY2018-19.
                counts["unknown_state"] += 1
            for first in range(5, len(header), 5):
                if str(header[first]).strip() == "":
                    continue
                values = [number(cell) for cell in row[first : first + 5]]
                if any(v is not None and v < 0 for v in values):
                    counts["negative_value"] += 1
                if (values[0] or 0) > 0 and (values[1] or 0) == 0:
                    counts["recipients_without_loans"] += 1
                if listed[school] == 1:
                    side[(school, str(first))] = values
    for key, quarter in sides.get("quarter", {}).items():
        to_date = sides.get("year_to_date", {}).get(key)
        if to_date is not None and any(
            q is not None and y is not None and q > y
            for q, y in zip(quarter, to_date, strict=True)
        ):
            counts["quarter_above_year_to_date"] += 1
    return counts


def data_sheets(path: Path) -> Iterator[tuple[str, list[list[object]], list[object]]]:
    """Per data sheet: its period, its school lines and its header row."""
    with path.open("rb") as file:
        book = CalamineWorkbook.from_filelike(file)
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        header = next(
            (i for i, row in enumerate(rows) if row[:2] == ["OPE ID", "School"]), None
        )
        if header is None:
            continue
        titles = " ".join(str(cell) for row in rows[:header] for cell in row)
        period = "quarter" if "Quarterly Activity" in titles else "year_to_date"
        schools = [row for row in rows[header + 1 :] if str(row[0]).strip() != ""]
        yield period, schools, rows[header]


def ope_id(cell: object) -> str:
    if isinstance(cell, float):
        cell = int(cell)
    return str(cell).strip().zfill(8)


def number(cell: object) -> int | None:
    """A metric: a dash is 0, a blank is missing."""
    if isinstance(cell, str):
        text = cell.strip()
        if text == "":
            return None
        return 0 if text == "-" else int(text.replace(",", ""))
    assert isinstance(cell, int | float) and not isinstance(cell, bool), cell
    return int(cell)
