"""Where workbooks come from: local paths and URIs, read through fsspec.

A *source* is what a user names: a file, a folder or a glob, locally or as a
URI. ``find_sources`` expands sources into the workbook files they hold;
``local_copy`` gives a local path to read one of them (the file itself when it
is local, a spooled copy otherwise), because the workbook reader reads files.

HDFS is read through WebHDFS (HTTP, fsspec's ``webhdfs`` file system), which
needs no Hadoop client, JNI or libhdfs:

- ``webhdfs://namenode:httpport/dir/...`` names the NameNode's HTTP port;
- ``hdfs://namenode:rpcport/dir/...`` is read through WebHDFS on the same host
  at ``Settings.hdfs_http_port`` (``LOANFLOW_HDFS_HTTP_PORT``), since the RPC
  port itself cannot be spoken from Python; the file keeps its ``hdfs://`` URI.

Every HDFS request is made as ``Settings.hdfs_user`` (``LOANFLOW_HDFS_USER``),
which errors name.
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
from urllib.parse import urlsplit

import fsspec
import requests
from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

from loanflow.errors import SourceError, SourceReadError, first_line
from loanflow.settings import Settings

log = logging.getLogger(__name__)

# In a folder, files with these endings are taken as workbooks. A file named
# directly is read whatever its name: its bytes decide its format.
WORKBOOK_SUFFIXES = frozenset({".xls", ".xlsx", ".xlsm"})
HDFS_SCHEMES = frozenset({"hdfs", "webhdfs"})
# The NameNode's HTTP port since Hadoop 3, for webhdfs:// URIs without a port.
DEFAULT_WEBHDFS_PORT = 9870
# A NameNode or DataNode that does not answer must not hang a command.
_CONNECT_SECONDS = 10.0
_READ_SECONDS = 120.0
_CHUNK = 1 << 20


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


@dataclass(frozen=True)
class _Location:
    """A source resolved to a file system, a path in it and how to name files."""

    fs: Any
    path: str
    prefix: str  # "hdfs://host:port" for remote files, "" for local ones
    user: str | None  # the HDFS user, None when not HDFS
    hint: str  # what to check when the server does not answer

    @property
    def local(self) -> bool:
        return isinstance(self.fs, LocalFileSystem)

    def uri(self, path: str) -> str:
        if self.local:
            return os.path.abspath(path)
        if self.prefix:
            return self.prefix + path
        return str(self.fs.unstrip_protocol(path))


def find_sources(
    specs: Sequence[str | Path], settings: Settings | None = None
) -> list[SourceFile]:
    """Expand files, folders and globs into the workbook files they hold.

    Args:
        specs: local paths or URIs (``hdfs://``, ``webhdfs://``), each a file, a
            folder or a glob.
        settings: the HDFS user and NameNode HTTP port; default: from the
            environment.

    Returns:
        Files in a stable order, each once.

    Raises:
        SourceError: a source does not exist or cannot be listed (a
            ``ConfigurationError``: the command stops).
    """
    settings = settings or Settings()
    found: dict[str, SourceFile] = {}
    for spec in specs:
        for source in _expand(str(spec), settings):
            found.setdefault(source.uri, source)
    log.debug("sources specs=%d files=%d", len(specs), len(found))
    return list(found.values())


@contextmanager
def local_copy(source: SourceFile, settings: Settings | None = None) -> Iterator[Path]:
    """A local path holding the file's bytes, for as long as the block runs.

    Raises:
        SourceReadError: a remote file cannot be copied (permission, a DataNode
            that cannot be reached, a file removed since it was listed).
    """
    if source.is_local:
        yield Path(source.uri.removeprefix("file://"))
        return
    location = _locate(source.uri, settings or Settings())
    folder = tempfile.mkdtemp(prefix="loanflow-source-")
    try:
        target = Path(folder) / source.name
        _copy(location, source, target)
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def put_files(
    paths: Sequence[Path], target: str, settings: Settings | None = None
) -> list[str]:
    """Upload local files into a remote folder (made if missing), overwriting.

    Args:
        paths: local files.
        target: a folder URI, e.g. ``hdfs://namenode:8020/fsa``.
        settings: the HDFS user and NameNode HTTP port.

    Returns:
        The URI of each uploaded file, in the scheme of ``target``.

    Raises:
        SourceError: the folder cannot be made or a file cannot be written.
    """
    location = _locate(target, settings or Settings())
    if location.local:
        raise SourceError(target, "name a remote folder, e.g. hdfs://HOST:PORT/dir")
    folder = location.path.rstrip("/") or "/"
    written: list[str] = []
    try:
        location.fs.makedirs(folder, exist_ok=True)
        for path in paths:
            remote = f"{folder.rstrip('/')}/{path.name}"
            location.fs.put_file(str(path), remote)
            written.append(location.uri(remote))
            log.debug("uploaded file=%s to=%s", path, written[-1])
    except (OSError, RuntimeError, ValueError) as error:
        raise SourceError(target, _reason(error, location), location.user) from error
    return written


def _locate(spec: str, settings: Settings) -> _Location:
    """The file system, path and naming of one source."""
    parts = urlsplit(spec)
    scheme = parts.scheme.lower() if "://" in spec else ""
    if scheme not in HDFS_SCHEMES:
        fs, path = url_to_fs(spec)
        return _Location(fs, path, "", None, "")
    if not parts.hostname:
        raise SourceError(
            spec, f"name the NameNode: {scheme}://HOST:PORT/path", settings.hdfs_user
        )
    try:
        given_port = parts.port
    except ValueError as error:
        raise SourceError(spec, f"bad port: {error}", settings.hdfs_user) from None
    if scheme == "hdfs":
        http_port = settings.hdfs_http_port
        hint = (
            f"hdfs:// URIs are read through WebHDFS on port {http_port} of the "
            f"same host: set LOANFLOW_HDFS_HTTP_PORT to the NameNode's HTTP port"
        )
    else:
        http_port = given_port or DEFAULT_WEBHDFS_PORT
        hint = "check the host and the NameNode's HTTP port"
    fs = fsspec.filesystem(
        "webhdfs", host=parts.hostname, port=http_port, user=settings.hdfs_user
    )
    netloc = parts.hostname + (f":{given_port}" if given_port else "")
    return _Location(
        fs, parts.path or "/", f"{scheme}://{netloc}", settings.hdfs_user, hint
    )


def _expand(spec: str, settings: Settings) -> list[SourceFile]:
    location = _locate(spec, settings)
    fs, path = location.fs, location.path
    magic = any(char in path for char in "*?[")
    try:
        listed = _list(fs, path, magic, strict=location.user is not None)
    except (OSError, RuntimeError, ValueError) as error:
        raise SourceError(spec, _reason(error, location), location.user) from error
    if listed is None:
        raise SourceError(spec, "no such file or folder", location.user)
    return sorted(
        (_source_file(location, info) for info in listed), key=lambda s: s.uri
    )


def _list(
    fs: Any, path: str, magic: bool, *, strict: bool
) -> list[dict[str, Any]] | None:
    """The files of a source; None when it does not exist.

    With ``strict``, a folder that cannot be listed raises, where fsspec would
    leave it out (a local walk leaves out unreadable folders, as before).
    """
    on_error = "raise" if strict else "omit"
    try:
        info = fs.info(path)
    except FileNotFoundError:
        if not magic:
            return None
        return [
            found
            for found in fs.glob(path, detail=True, on_error=on_error).values()
            if found.get("type") == "file"
        ]
    if info.get("type") != "directory":
        return [info]
    return [
        found
        for found in fs.find(path, detail=True, on_error=on_error).values()
        if found.get("type") == "file" and _is_workbook_name(found["name"])
    ]


def _copy(location: _Location, source: SourceFile, target: Path) -> None:
    """Copy a remote file to ``target``, checking every step and the size."""
    fs = location.fs
    try:
        if location.user is None:
            with fs.open(location.path, "rb") as remote, target.open("wb") as local:
                shutil.copyfileobj(remote, local, length=_CHUNK)
        else:
            _copy_webhdfs(location, target)
    except (OSError, RuntimeError, ValueError) as error:
        reason = _reason(error, location)
        raise SourceReadError(source.uri, reason, location.user) from error
    copied = target.stat().st_size
    if copied != source.size:
        raise SourceReadError(
            source.uri,
            f"{copied:,} bytes arrived of {source.size:,} listed: the file changed "
            f"or the transfer was cut; run again",
            location.user,
        )
    log.debug("copied file=%s bytes=%d", source.uri, copied)


def _copy_webhdfs(location: _Location, target: Path) -> None:
    """Read a file through WebHDFS: the NameNode redirects to a DataNode.

    fsspec's WebHDFS file does not check the DataNode's answer, so an error
    page would pass for the file's bytes; this follows the redirect itself.
    """
    fs = location.fs
    answer = fs._call("OPEN", path=location.path, redirect=False)
    url = answer.headers.get("Location")
    if url is None:
        # A NameNode that serves the data itself (no redirect).
        target.write_bytes(answer.content)
        return
    url = fs._apply_proxy(url)
    try:
        with fs.session.get(
            url, stream=True, timeout=(_CONNECT_SECONDS, _READ_SECONDS)
        ) as data:
            data.raise_for_status()
            with target.open("wb") as local:
                for chunk in data.iter_content(_CHUNK):
                    local.write(chunk)
    except requests.ConnectionError as error:
        host = urlsplit(url).netloc
        raise _DataNodeUnreachable(
            f"the DataNode at {host} that the NameNode sent the read to cannot be "
            f"reached ({_cause(error)}): loanflow must reach every DataNode "
            f"(dfs.datanode.hostname, dfs.datanode.http.address)"
        ) from error


class _DataNodeUnreachable(OSError):
    """The NameNode answered, the DataNode holding the data did not."""


def _reason(error: BaseException, location: _Location) -> str:
    """One line for a failed listing or read, with what to do."""
    if isinstance(error, _DataNodeUnreachable):
        return str(error)
    if isinstance(error, PermissionError):
        fix = (
            "; set LOANFLOW_HDFS_USER to a user who may read it"
            if location.user is not None
            else ""
        )
        return f"permission denied: {first_line(error)}{fix}"
    if isinstance(error, FileNotFoundError):
        return "no such file or folder"
    if isinstance(error, requests.ConnectionError):
        where = getattr(location.fs, "url", "the server").removesuffix("/webhdfs/v1")
        return (
            f"the NameNode's WebHDFS at {where} does not answer "
            f"({_cause(error)}); {location.hint}"
        )
    if isinstance(error, requests.HTTPError) and error.response is not None:
        status = error.response.status_code
        server = urlsplit(error.response.url).netloc
        if status in (401, 403):
            return (
                f"permission denied (HTTP {status} from {server}); set "
                f"LOANFLOW_HDFS_USER to a user who may read it"
            )
        return f"HTTP {status} from {server}"
    return f"cannot be listed or read: {first_line(error)}"


def _cause(error: requests.ConnectionError) -> str:
    """The innermost reason of a connection error: refused, unknown host..."""
    text = str(error)
    for known in (
        "Connection refused",
        "Name or service not known",
        "Temporary failure in name resolution",
        "No route to host",
        "timed out",
    ):
        if known in text:
            return known.lower()
    return first_line(error)


def _is_workbook_name(path: str) -> bool:
    name = os.path.basename(path)
    return not name.startswith(".") and Path(name).suffix.lower() in WORKBOOK_SUFFIXES


def _source_file(location: _Location, info: dict[str, Any]) -> SourceFile:
    name = info["name"]
    modified = info.get("mtime") or info.get("modificationTime")
    when: datetime | None = None
    if isinstance(modified, int | float):
        # WebHDFS gives milliseconds, the local file system seconds.
        seconds = modified / 1000 if modified > 1e11 else modified
        when = datetime.fromtimestamp(seconds).astimezone()
    elif isinstance(modified, datetime):
        when = modified
    return SourceFile(
        uri=location.uri(name),
        name=os.path.basename(name),
        size=int(info.get("size") or 0),
        modified=when,
    )
