"""Local sources keep the behaviour of before URIs: no service needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from loanflow.errors import SourceError
from loanflow.sources import find_sources


def test_a_folder_gives_its_workbooks_and_a_named_file_any_name(
    tmp_path: Path,
) -> None:
    for name in ("b.xls", "a.XLSX", ".hidden.xls", "notes.txt", "sub/c.xlsm"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"x" * len(name))

    found = find_sources([tmp_path, tmp_path / "notes.txt", tmp_path / "b.xls"])

    assert [(s.uri, s.size) for s in found] == [
        (str(tmp_path / "a.XLSX"), 6),
        (str(tmp_path / "b.xls"), 5),
        (str(tmp_path / "sub" / "c.xlsm"), 10),
        (str(tmp_path / "notes.txt"), 9),
    ]


def test_a_glob_matches_files_and_a_missing_path_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "FL_Q1.xls").write_bytes(b"1")
    (tmp_path / "DL_Q1.xls").write_bytes(b"2")

    assert [s.name for s in find_sources([f"{tmp_path}/FL_*.xls"])] == ["FL_Q1.xls"]
    assert find_sources([f"{tmp_path}/none*.xls"]) == []
    with pytest.raises(SourceError) as raised:
        find_sources([tmp_path / "none.xls"])
    assert str(raised.value) == f"{tmp_path / 'none.xls'}: no such file or folder"
