"""A workbook that crashes the Excel library costs that file, not the process."""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from loanflow.errors import WorkbookError
from loanflow.inputs import file_digest
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
        "damaged.xls: cannot be opened: the Excel reader crashed on it twice "
        "(the workbook is damaged)"
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


def _reader_children() -> list[multiprocessing.Process]:
    return [
        child
        for child in multiprocessing.active_children()
        if child.name.startswith("SpawnProcess")
    ]


def test_a_reader_child_killed_by_someone_else_does_not_fail_the_file(
    tmp_path: Path,
) -> None:
    first, second = write_sample(tmp_path)[:2]

    with IsolatedReader() as reader:
        reader.read(first)
        (child,) = _reader_children()
        os.kill(child.pid or 0, signal.SIGKILL)
        child.join(timeout=30)
        workbook = reader.read(second)

    assert workbook.publication.source_sha256 == file_digest(second)
    assert len(workbook.rows) == len(read_workbook(second).rows)


def test_the_reader_child_ignores_ctrl_c_and_ends_with_its_parent(
    tmp_path: Path,
) -> None:
    first = write_sample(tmp_path)[0]

    with IsolatedReader() as reader:
        reader.read(first)
        (child,) = _reader_children()
        os.kill(child.pid or 0, signal.SIGINT)
        reader.read(write_sample(tmp_path / "again")[1])
        assert _reader_children() == [child]

    # A parent killed with SIGKILL cannot stop its child: the child notices.
    script = (
        "import sys, multiprocessing\n"
        "from pathlib import Path\n"
        "from loanflow.workbooks.isolation import IsolatedReader\n"
        "reader = IsolatedReader()\n"
        f"reader.read(Path({str(first)!r}))\n"
        "print(multiprocessing.active_children()[0].pid, flush=True)\n"
        "import os, signal\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    parent = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert parent.returncode == -signal.SIGKILL, parent.stderr
    orphan = int(parent.stdout.split()[0])
    deadline = time.monotonic() + 30
    while _alive(orphan) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(orphan)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
