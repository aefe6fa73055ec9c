"""What the warehouse stores: school rows of publications and rejected records.

The stream job turns each Kafka message into one of these; tests build them by
hand. They reuse the reader's model (``Publication``, ``SchoolRow``) so both
ends of the pipeline speak of the same things.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Literal

from loanflow.workbooks.model import Publication, SchoolRow

RejectSource = Literal["workbook", "stream"]


@dataclass(frozen=True)
class KafkaOrigin:
    """Where a record was read: topic, partition and offset."""

    topic: str
    partition: int
    offset: int

    def __str__(self) -> str:
        return f"topic={self.topic} partition={self.partition} offset={self.offset}"


@dataclass(frozen=True)
class SchoolRowRecord:
    """A school row of a publication (a ``school_row`` message).

    Attributes:
        publication: the publication the row belongs to.
        school_rows: how many school rows the publication has in all.
        row: the school's line on one sheet.
        origin: where the message was read, None when not from Kafka.
        source_uri: where the workbook was read (absolute path or URI), None
            when unknown.
    """

    publication: Publication
    school_rows: int
    row: SchoolRow
    origin: KafkaOrigin | None = None
    source_uri: str | None = None


@dataclass(frozen=True)
class RejectedRecord:
    """Input kept aside with every reason it was not accepted.

    Attributes:
        source: ``workbook`` for a row or file the reader rejected, ``stream``
            for a message the stream job could not accept.
        problems: ``(column or None, reason)`` pairs, all of the record's.
        source_file: the workbook's file name, when known.
        source_sha256: the workbook's digest, when known.
        sheet: the sheet, for a rejected row.
        row: the 1-based sheet row, for a rejected row.
        cells: the row's raw cells as text (workbook rejects).
        raw_value: the Kafka message value as text.
        origin: where the message was read.
    """

    source: RejectSource
    problems: tuple[tuple[str | None, str], ...]
    source_file: str | None = None
    source_sha256: str | None = None
    sheet: str | None = None
    row: int | None = None
    cells: tuple[str, ...] | None = None
    raw_value: str | None = None
    origin: KafkaOrigin | None = None

    def dedupe_key(self) -> str:
        """A key equal for replays of this record, so it is stored once.

        A stream reject is one Kafka record: its topic, partition and offset. A
        workbook reject is the same when published again: its content.
        """
        if self.source == "stream" and self.origin is not None:
            return f"stream:{self.origin.topic}:{self.origin.partition}:" + str(
                self.origin.offset
            )
        content = [
            self.source_file,
            self.source_sha256,
            self.sheet,
            self.row,
            [list(problem) for problem in self.problems],
            list(self.cells or ()),
        ]
        if self.source == "stream":
            content.append(self.raw_value)
        digest = hashlib.sha256(json.dumps(content).encode()).hexdigest()
        return f"{self.source}:{digest}"

    @property
    def reasons(self) -> str:
        """The problems as one line a person can read."""
        return "; ".join(
            f"{column}: {reason}" if column else reason
            for column, reason in self.problems
        )


Record = SchoolRowRecord | RejectedRecord


def record_digest(record: Record) -> str | None:
    """The SHA-256 of the workbook a record came from, None when unknown."""
    if isinstance(record, SchoolRowRecord):
        return record.publication.source_sha256
    return record.source_sha256
