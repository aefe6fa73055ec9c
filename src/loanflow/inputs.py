"""Which files a command reads: paths as given, folders expanded."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path

from loanflow.errors import ConfigurationError

log = logging.getLogger(__name__)

# In a folder, files with these endings are taken as workbooks. A file named on
# the command line is read whatever its name: its bytes decide its format.
WORKBOOK_SUFFIXES = frozenset({".xls", ".xlsx", ".xlsm"})


def find_workbooks(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into the workbooks they hold, sorted; keep files as given.

    Args:
        paths: files or folders.

    Returns:
        Files in a stable order, each once.

    Raises:
        ConfigurationError: a path does not exist.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    child
                    for child in path.rglob("*")
                    if child.is_file()
                    and not child.name.startswith(".")
                    and child.suffix.lower() in WORKBOOK_SUFFIXES
                )
            )
        elif path.is_file():
            found.append(path)
        else:
            raise ConfigurationError(f"{path}: no such file or folder")
    unique = list(dict.fromkeys(found))
    log.debug("inputs files=%d", len(unique))
    return unique


def file_digest(path: Path) -> str | None:
    """Hex SHA-256 of a file's bytes, None when it cannot be read."""
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None
