"""A workbook that crashes the Excel library costs that file, not the process."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from loanflow.errors import WorkbookError
from loanflow.workbooks.isolation import IsolatedReader
from loanflow.workbooks.reader import read_workbook
from loanflow.workbooks.sample import write_sample


def damage(source: Path, target: Path, seed: int) -> Path:
    """Copy a workbook with 50 bytes overwritten at random (reproducible)."""
    rng = random.Random(seed)
    data = bytearray(source.read_bytes())
    for _ in range(50):
        data[rng.randrange(len(data))] = rng.randrange(256)
    target.write_bytes(bytes(data))
    return target


@pytest.mark.realdata
def test_a_crash_of_the_reader_is_an_error_of_that_file_only(
    fsa_data: Path, tmp_path: Path
) -> None:
    source = fsa_data / "loans" / "DL_Dashboard_AY2006_2007_Q4.xls"
    # Seed 2 makes a file on which python-calamine aborts its process (a failed
    # allocation of 26 GB), found by fuzzing.
    crashing = damage(source, tmp_path / "damaged.xls", seed=2)

    with IsolatedReader() as reader:
        with pytest.raises(WorkbookError) as raised:
            reader.read(crashing)
        after = reader.read(source)

    assert str(raised.value) == (
        "damaged.xls: cannot be opened: the Excel reader crashed on it (the "
        "workbook is damaged)"
    )
    assert (after.publication.award_year, len(after.rows)) == ("2006-2007", 2132)


def test_an_unchanged_file_is_read_once_and_a_changed_one_again(
    tmp_path: Path,
) -> None:
    first, second = write_sample(tmp_path)[:2]
    workbook = tmp_path / "inbox.xls"
    shutil.copyfile(first, workbook)

    with IsolatedReader() as reader:
        once = reader.read(workbook)
        again = reader.read(workbook)
        # Other bytes at the same path: a new inode, size or time stamp.
        shutil.copyfile(second, tmp_path / "next.xls")
        (tmp_path / "next.xls").replace(workbook)
        changed = reader.read(workbook)

    assert again is once
    assert changed is not once
    digests = (once.publication.source_sha256, changed.publication.source_sha256)
    assert digests == (
        read_workbook(first).publication.source_sha256,
        read_workbook(second).publication.source_sha256,
    )
    assert digests[0] != digests[1]
