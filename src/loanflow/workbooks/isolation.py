"""Reading workbooks in a child process: a crash costs one file, not the run.

python-calamine's Rust core can abort the whole process on some damaged files
(an allocation of many gigabytes that fails, for one), which no ``except``
catches. Reading in a child process turns such a crash into a
``WorkbookError`` for that file; the other files and the run go on.

A child can also die for reasons that are not the file's (the OOM killer, a
signal sent to it): a file is called damaged only when a second, fresh child
dies on it too. The child ignores Ctrl-C, which the terminal sends to the
whole process group, so the parent decides when reading stops; and it ends by
itself when its parent is gone, even after a ``kill -9`` of the parent.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from types import TracebackType

from loanflow.errors import Location, WorkbookError
from loanflow.logs import configure_logging
from loanflow.workbooks.model import Workbook
from loanflow.workbooks.reader import read_workbook

logger = logging.getLogger(__name__)

FileKey = tuple[str, int, int, int]


class IsolatedReader:
    """Reads workbooks one at a time in a child process, started once.

    The last file read is remembered with its workbook or its error:
    `loanflow watch` reads a file to decide whether it is complete, then
    publishes it, and the second read of the same unchanged file (same size,
    time stamp and inode) costs nothing.

    Use as a context manager; the child ends with it.
    """

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._last: tuple[FileKey, Workbook | WorkbookError] | None = None

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
            WorkbookError: the workbook is bad, or the reader crashed on it
                twice.
        """
        key = _file_key(path)
        if key is not None and self._last is not None and self._last[0] == key:
            logger.debug("file=%s unchanged since it was read: not read again", path)
            return _result(self._last[1])
        self._last = None
        try:
            result: Workbook | WorkbookError = self._read_in_child(path)
        except WorkbookError as error:
            result = error
        if key is not None and key == _file_key(path):
            self._last = (key, result)
        return _result(result)

    def _read_in_child(self, path: Path) -> Workbook:
        for attempt in (1, 2):
            try:
                return self._child().submit(read_workbook, path).result()
            except BrokenProcessPool as crash:
                self._pool = None
                logger.warning(
                    "the Excel reader's process died reading file=%s (attempt %d of 2)",
                    path,
                    attempt,
                )
                if attempt == 2:
                    raise WorkbookError(
                        Location(path.name),
                        "cannot be opened: the Excel reader crashed on it twice "
                        "(the workbook is damaged)",
                    ) from crash
        raise AssertionError("unreachable")

    def _child(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                # Not fork: the parent runs Kafka's client threads.
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_child,
                initargs=(logging.getLevelName(logging.getLogger().level),),
            )
        return self._pool


def _result(result: Workbook | WorkbookError) -> Workbook:
    if isinstance(result, WorkbookError):
        raise result
    return result


def _file_key(path: Path) -> FileKey | None:
    """What tells an unchanged file: path, size, time stamp, inode."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ino)


def _start_child(level: str) -> None:
    """The reader child's set-up: logging, no Ctrl-C, an end with its parent."""
    configure_logging(level)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def end_with_parent() -> None:
        # Returns when the parent's end of their pipe closes: when it exits,
        # even by SIGKILL.
        parent.join()
        os._exit(0)

    threading.Thread(
        target=end_with_parent, name="loanflow-reader-parent", daemon=True
    ).start()
