"""The Kafka message schema, version 1 (docs/message-schema.md describes it).

Every message value is a UTF-8 JSON object with ``schema_version`` and ``kind``:

- ``school_row``: one school's line on one sheet of one publication, with one
  entry per loan type in ``volumes``. ``publication.school_rows`` is how many
  ``school_row`` messages the publication has in all, so the warehouse knows
  when it holds the whole publication. ``publication.source_uri`` (optional:
  absent or null means unknown) says where the workbook was read.
- ``rejected``: input kept aside: a row that failed validation, or a whole
  workbook that could not be read (``sheet`` and ``row`` null).

Keys are deterministic, so publishing a workbook twice sends the same keys.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from loanflow.workbooks.model import Publication, RowProblem, SchoolRow

SCHEMA_VERSION = 1
KIND_SCHOOL_ROW = "school_row"
KIND_REJECTED = "rejected"


def _publication_fields(
    publication: Publication, school_rows: int, source_uri: str | None
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "program": publication.program,
        "award_year": publication.award_year,
        "quarter": publication.quarter,
        "run_date": publication.run_date.isoformat() if publication.run_date else None,
        "source_file": publication.source_file,
        "source_sha256": publication.source_sha256,
        "school_rows": school_rows,
    }
    # Optional in schema v1: left out when unknown, as older producers do.
    if source_uri is not None:
        fields["source_uri"] = source_uri
    return fields


def school_row_key(publication: Publication, row: SchoolRow) -> str:
    """The message key of a school row: report, publication, sheet period, row."""
    quarter = publication.quarter if publication.quarter is not None else "AY"
    return (
        f"{publication.program}:{publication.award_year}:{quarter}:"
        f"{publication.source_sha256[:16]}:{row.period}:{row.row}"
    )


def encode_school_row(
    publication: Publication,
    row: SchoolRow,
    school_rows: int,
    source_uri: str | None = None,
) -> tuple[bytes, bytes]:
    """Key and value of a ``school_row`` message.

    Args:
        publication: the workbook's publication.
        row: the school row.
        school_rows: how many school rows the publication has in all.
        source_uri: where the workbook was read (an absolute path or a URI
            such as ``hdfs://...``); None leaves the field out.
    """
    value = {
        "schema_version": SCHEMA_VERSION,
        "kind": KIND_SCHOOL_ROW,
        "publication": _publication_fields(publication, school_rows, source_uri),
        "period": row.period,
        "sheet": row.sheet,
        "row": row.row,
        "ope_id": row.ope_id,
        "school_name": row.school_name,
        "state": row.state,
        "zip_code": row.zip_code,
        "school_type": row.school_type,
        "volumes": [asdict(volume) for volume in row.volumes],
    }
    return _encode(school_row_key(publication, row), value)


def encode_rejected(
    source_file: str,
    problems: list[tuple[str | None, str]],
    *,
    source_sha256: str | None = None,
    sheet: str | None = None,
    row: int | None = None,
    cells: tuple[str, ...] = (),
) -> tuple[bytes, bytes]:
    """Key and value of a ``rejected`` message.

    Args:
        source_file: the workbook's file name.
        problems: ``(column or None, reason)`` pairs.
        source_sha256: the workbook's digest when its bytes could be read.
        sheet: the sheet, for a rejected row.
        row: the 1-based row number, for a rejected row.
        cells: the row's raw cells as text.
    """
    value = {
        "schema_version": SCHEMA_VERSION,
        "kind": KIND_REJECTED,
        "source_file": source_file,
        "source_sha256": source_sha256,
        "sheet": sheet,
        "row": row,
        "problems": [
            {"column": column, "reason": reason} for column, reason in problems
        ],
        "cells": list(cells),
    }
    digest = (source_sha256 or "")[:16]
    return _encode(f"rejected:{source_file}:{digest}:{sheet}:{row}", value)


def encode_rejected_row(
    publication: Publication, problem: RowProblem
) -> tuple[bytes, bytes]:
    """Key and value of a ``rejected`` message for a row that failed validation."""
    return encode_rejected(
        publication.source_file,
        [(column, reason) for column, reason in problem.problems],
        source_sha256=publication.source_sha256,
        sheet=problem.sheet,
        row=problem.row,
        cells=problem.cells,
    )


def _encode(key: str, value: dict[str, Any]) -> tuple[bytes, bytes]:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return key.encode(), body.encode()
