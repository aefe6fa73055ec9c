"""Where workbooks come from: local paths and URIs, read through fsspec.

A *source* is what a user names: a file, a folder or a glob, locally or as a
URI. ``find_sources`` expands sources into the workbook files they hold;
``local_copy`` gives a local path to read one of them (the file itself when it
is local, a spooled copy otherwise), because the workbook reader reads files.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import fsspec
from fsspec.core import url_to_fs

from loanflow.errors import ConfigurationError

log = logging.getLogger(__name__)

# In a folder, files with these endings are taken as workbooks. A file named
# directly is read whatever its name: its bytes decide its format.
WORKBOOK_SUFFIXES = frozenset({".xls", ".xlsx", ".xlsm"})


@dataclass(frozen=True)
class SourceFile:
    """One workbook file as found in a source.

    Attributes:
        uri: where it is: an absolute local path, or a URI with its scheme.
        name: the file's base name.
        size: bytes, as listed.
        modified: last modification time as listed, when the file system says.
    """

    uri: str
    name: str
    size: int
    modified: datetime | None = None

    @property
    def is_local(self) -> bool:
        return "://" not in self.uri or self.uri.startswith("file://")


def find_sources(specs: Sequence[str | Path]) -> list[SourceFile]:
    """Expand files, folders and globs into the workbook files they hold.

    Args:
        specs: local paths or URIs, each a file, a folder or a glob.

    Returns:
        Files in a stable order, each once.

    Raises:
        ConfigurationError: a source does not exist or cannot be listed.
    """
    found: dict[str, SourceFile] = {}
    for spec in specs:
        for source in _expand(str(spec)):
            found.setdefault(source.uri, source)
    log.debug("sources specs=%d files=%d", len(specs), len(found))
    return list(found.values())


@contextmanager
def local_copy(source: SourceFile) -> Iterator[Path]:
    """A local path holding the file's bytes, for as long as the block runs."""
    if source.is_local:
        yield Path(source.uri.removeprefix("file://"))
        return
    fs, path = url_to_fs(source.uri)
    folder = tempfile.mkdtemp(prefix="loanflow-source-")
    try:
        target = Path(folder) / source.name
        with fs.open(path, "rb") as remote, target.open("wb") as local:
            shutil.copyfileobj(remote, local, length=1 << 20)
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _expand(spec: str) -> list[SourceFile]:
    fs, path = url_to_fs(spec)
    local = isinstance(fs, fsspec.implementations.local.LocalFileSystem)
    try:
        if fs.isdir(path):
            listed = [
                info
                for info in fs.find(path, detail=True).values()
                if info.get("type") == "file" and _is_workbook_name(info["name"])
            ]
        elif fs.isfile(path):
            listed = [fs.info(path)]
        elif any(char in path for char in "*?["):
            listed = [
                info
                for info in fs.glob(path, detail=True).values()
                if info.get("type") == "file"
            ]
        else:
            listed = []
    except OSError as error:
        raise ConfigurationError(f"{spec}: cannot be listed: {error}") from error
    if not listed and not any(char in path for char in "*?["):
        raise ConfigurationError(f"{spec}: no such file or folder")
    return sorted(
        (_source_file(fs, info, local) for info in listed), key=lambda s: s.uri
    )


def _is_workbook_name(path: str) -> bool:
    name = os.path.basename(path)
    return not name.startswith(".") and Path(name).suffix.lower() in WORKBOOK_SUFFIXES


def _source_file(fs: Any, info: dict[str, Any], local: bool) -> SourceFile:
    name = info["name"]
    uri = os.path.abspath(name) if local else fs.unstrip_protocol(name)
    modified = info.get("mtime") or info.get("modificationTime")
    when: datetime | None = None
    if isinstance(modified, int | float):
        # WebHDFS gives milliseconds, the local file system seconds.
        seconds = modified / 1000 if modified > 1e11 else modified
        when = datetime.fromtimestamp(seconds).astimezone()
    elif isinstance(modified, datetime):
        when = modified
    return SourceFile(
        uri=uri,
        name=os.path.basename(name),
        size=int(info.get("size") or 0),
        modified=when,
    )
