"""Telling workbook formats apart by their bytes and opening them.

FSA files and users' copies are misnamed (an ``.xlsx`` saved as ``.xls``,
an HTML error page saved as ``.xls``), so the extension decides nothing:
an OLE2 compound file is a legacy ``.xls`` workbook, a ZIP archive holding
``xl/workbook.xml`` is an ``.xlsx`` workbook, anything else is refused with
a description of what it looks like.
"""

from __future__ import annotations

import io
import logging
import struct
import zipfile
from typing import Literal, cast

from python_calamine import CalamineWorkbook

from loanflow.errors import Location, WorkbookError
from loanflow.workbooks.values import Cell

logger = logging.getLogger(__name__)

WorkbookFormat = Literal["xls", "xlsx"]

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_FREE_SECTOR = 0xFFFFFFFF
_HEADER_DIFAT_ENTRIES = 109


def detect_format(data: bytes, location: Location) -> WorkbookFormat:
    """The workbook format of a file's bytes.

    Args:
        data: the whole file.
        location: the file, for the error message.

    Raises:
        WorkbookError: the bytes are not an Excel workbook (the message says
            what they look like), or a workbook that is damaged or truncated.
    """
    if data.startswith(OLE2_MAGIC):
        _check_ole2_complete(data, location)
        return "xls"
    if data.startswith(ZIP_MAGIC):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            raise _damaged(location, f"its ZIP structure is broken: {error}") from error
        if "xl/workbook.xml" in names:
            return "xlsx"
        raise WorkbookError(location, f"not an Excel workbook: {_describe_zip(names)}")
    raise WorkbookError(location, f"not an Excel workbook: {describe_bytes(data)}")


def open_workbook(data: bytes, location: Location) -> CalamineWorkbook:
    """Open a workbook's bytes with python-calamine, whatever their format.

    Raises:
        WorkbookError: not a workbook, or damaged or truncated.
    """
    workbook_format = detect_format(data, location)
    logger.debug("opening workbook file=%s format=%s", location.file, workbook_format)
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except BaseException as error:
        raise _calamine_failure(error, location) from error


def read_sheet_cells(
    workbook: CalamineWorkbook, sheet: str, location: Location
) -> list[list[Cell]]:
    """Every cell of a sheet from A1, one list per row (row 1 first).

    Raises:
        WorkbookError: the sheet's records are damaged.
    """
    try:
        rows = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except BaseException as error:
        raise _calamine_failure(error, location) from error
    return cast(list[list[Cell]], rows)


def describe_bytes(data: bytes) -> str:
    """What a file that is not a workbook looks like, in a few words."""
    head = data[:4096]
    if not data:
        return "the file is empty"
    if head.startswith(b"%PDF"):
        return "it is a PDF document"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<!doctype html", b"<html")):
        return "it is an HTML page"
    if stripped.startswith(b"<?xml"):
        return "it is an XML document"
    if _looks_like_text(head):
        return "it is a text file"
    return f"it starts with bytes {head[:8].hex(' ')}"


def _describe_zip(names: set[str]) -> str:
    if "content.xml" in names and "mimetype" in names:
        return "it is an OpenDocument file (save it as .xlsx)"
    if "word/document.xml" in names:
        return "it is a Word document"
    if "xl/workbook.bin" in names:
        return "it is a binary .xlsb workbook (save it as .xlsx)"
    return "it is a ZIP archive without xl/workbook.xml"


def _looks_like_text(head: bytes) -> bool:
    """Text in any 8-bit encoding has no control bytes but tabs and line ends."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16 with its byte-order mark
    return not any(byte < 0x20 and byte not in b"\t\n\r\f" for byte in head)


def _check_ole2_complete(data: bytes, location: Location) -> None:
    """Refuse an OLE2 file whose sector table points past its end.

    python-calamine panics (a Rust panic, not an exception) on some truncated
    OLE2 files, so a cut file is recognised here first: every sector the
    file allocation table uses must be inside the file.
    """
    if len(data) < 512:
        raise _damaged(location, f"{len(data)} bytes, shorter than an OLE2 header")
    sector_shift = struct.unpack_from("<H", data, 0x1E)[0]
    if sector_shift not in (9, 12):
        raise _damaged(location, f"unknown OLE2 sector size 2**{sector_shift}")
    sector_size = 1 << sector_shift
    sectors_in_file = (len(data) - sector_size) // sector_size
    fat_sector_count = struct.unpack_from("<I", data, 0x2C)[0]
    fat_sectors = [
        sector
        for sector in struct.unpack_from(f"<{_HEADER_DIFAT_ENTRIES}I", data, 0x4C)
        if sector != _FREE_SECTOR
    ]
    # Workbooks under ~7 MB list all their FAT sectors in the header; larger
    # ones chain further DIFAT sectors, which calamine checks itself.
    entries_per_sector = sector_size // 4
    used_sectors = 0
    for position, fat_sector in enumerate(fat_sectors[:fat_sector_count]):
        if fat_sector >= sectors_in_file:
            raise _damaged(location, _cut_message(len(data), fat_sector, sector_size))
        start = (fat_sector + 1) * sector_size
        entries = struct.unpack_from(f"<{entries_per_sector}I", data, start)
        for index, entry in enumerate(entries):
            if entry != _FREE_SECTOR:
                used_sectors = position * entries_per_sector + index + 1
    if used_sectors > sectors_in_file:
        raise _damaged(location, _cut_message(len(data), used_sectors - 1, sector_size))


def _cut_message(size: int, sector: int, sector_size: int) -> str:
    needed = (sector + 2) * sector_size
    return f"the file has {size} bytes, its sector table needs {needed}"


def _damaged(location: Location, detail: str) -> WorkbookError:
    return WorkbookError(location, f"cannot be opened: damaged or truncated ({detail})")


def _calamine_failure(error: BaseException, location: Location) -> WorkbookError:
    """A WorkbookError for python-calamine's error or panic; re-raise the rest.

    pyo3 turns a Rust panic into ``PanicException``, which derives from
    ``BaseException``, so it escapes ``except Exception``.
    """
    if not isinstance(error, Exception) and type(error).__name__ != "PanicException":
        raise error
    detail = str(error).strip().splitlines()[0] if str(error).strip() else "no detail"
    return _damaged(location, detail)
