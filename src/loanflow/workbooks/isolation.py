"""Reading workbooks in a child process: a crash costs one file, not the run.

python-calamine's Rust core can abort the whole process on some damaged files
(an allocation of many gigabytes that fails, for one), which no ``except``
catches. Reading in a child process turns such a crash into a
``WorkbookError`` for that file; the other files and the run go on.
"""

from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from types import TracebackType

from loanflow.errors import Location, WorkbookError
from loanflow.logs import configure_logging
from loanflow.workbooks.model import Workbook
from loanflow.workbooks.reader import read_workbook

logger = logging.getLogger(__name__)


class IsolatedReader:
    """Reads workbooks one at a time in a child process, started once.

    The last workbook read is kept: `loanflow watch` reads a file to decide
    whether it is complete, then publishes it, and the second read of the same
    unchanged file (same size, time stamp and inode) costs nothing.

    Use as a context manager; the child ends with it.
    """

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._last: tuple[tuple[str, int, int, int], Workbook] | None = None

    def __enter__(self) -> IsolatedReader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def read(self, path: Path) -> Workbook:
        """Read one workbook, as ``read_workbook`` does.

        Raises:
            WorkbookError: the workbook is bad, or the reader crashed on it.
        """
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                # Not fork: the parent runs Kafka's client threads.
                mp_context=multiprocessing.get_context("spawn"),
                initializer=configure_logging,
                initargs=(logging.getLevelName(logging.getLogger().level),),
            )
        key = _file_key(path)
        if key is not None and self._last is not None and self._last[0] == key:
            logger.debug("file=%s unchanged since it was read: not read again", path)
            return self._last[1]
        self._last = None
        try:
            workbook = self._pool.submit(read_workbook, path).result()
        except BrokenProcessPool as crash:
            self._pool = None
            logger.debug("reader process died file=%s", path)
            raise WorkbookError(
                Location(path.name),
                "cannot be opened: the Excel reader crashed on it (the workbook "
                "is damaged)",
            ) from crash
        if key is not None and key == _file_key(path):
            self._last = (key, workbook)
        return workbook


def _file_key(path: Path) -> tuple[str, int, int, int] | None:
    """What tells an unchanged file: path, size, time stamp, inode."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ino)
