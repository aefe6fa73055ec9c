"""The ingest log: every file a command saw, and what became of it.

One row per decision about a file's content: ``published`` (Kafka confirmed
every record), ``duplicate`` (the same bytes were published or integrated
before: not sent again), ``rejected`` (not a readable workbook: reported, kept
aside in ``rejected_records``, not retried), ``waiting`` (still being written:
taken once it is complete) and ``failed`` (Kafka did not confirm: retried on a
later poll). ``loanflow files`` lists it; the dashboard reads it through
``list_ingest_log``.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from loanflow.inputs import file_digest
from loanflow.warehouse.db import transaction, utc_now

if TYPE_CHECKING:
    from loanflow.publish.producer import FileOutcome
    from loanflow.sources import SourceFile

log = logging.getLogger(__name__)

Outcome = Literal["published", "duplicate", "rejected", "waiting", "failed"]
Command = Literal["watch", "run"]

# Outcomes after which the same content is never sent again.
FINAL_OUTCOMES: frozenset[str] = frozenset({"published", "duplicate", "rejected"})


@dataclass(frozen=True)
class IngestEntry:
    """One row of the ingest log (the table's columns, in order).

    Attributes:
        entry_id: increasing with time.
        seen_at: when it was recorded, ISO 8601 in UTC.
        command: ``watch`` or ``run``.
        uri: an absolute local path, or a URI with its scheme.
        file_name: the file's base name.
        size: bytes.
        modified_at: modification time as listed, None when unknown.
        sha256: hex SHA-256 of the bytes; None while being written.
        outcome: published, duplicate, rejected, waiting or failed.
        detail: the reason, in words.
        school_rows: school rows sent (published) or held (duplicate).
        rejected_rows: rows of the workbook kept aside.
    """

    entry_id: int
    seen_at: str
    command: str
    uri: str
    file_name: str
    size: int
    modified_at: str | None
    sha256: str | None
    outcome: str
    detail: str | None
    school_rows: int | None
    rejected_rows: int | None


_COLUMNS = (
    "entry_id, seen_at, command, uri, file_name, size, modified_at, sha256, "
    "outcome, detail, school_rows, rejected_rows"
)


def record_ingest(
    conn: sqlite3.Connection,
    *,
    command: Command,
    uri: str,
    file_name: str,
    size: int,
    modified_at: str | None,
    sha256: str | None,
    outcome: Outcome,
    detail: str | None = None,
    school_rows: int | None = None,
    rejected_rows: int | None = None,
) -> IngestEntry:
    """Add one row to the ingest log, in its own transaction.

    Returns:
        The row as recorded.
    """
    seen_at = utc_now()
    with transaction(conn):
        cursor = conn.execute(
            "INSERT INTO ingest_log (seen_at, command, uri, file_name, size, "
            "modified_at, sha256, outcome, detail, school_rows, rejected_rows) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                seen_at,
                command,
                uri,
                file_name,
                size,
                modified_at,
                sha256,
                outcome,
                detail,
                school_rows,
                rejected_rows,
            ),
        )
    entry = IngestEntry(
        int(cursor.lastrowid or 0),
        seen_at,
        command,
        uri,
        file_name,
        size,
        modified_at,
        sha256,
        outcome,
        detail,
        school_rows,
        rejected_rows,
    )
    log.debug(
        "ingest log entry=%d command=%s file=%s outcome=%s",
        entry.entry_id,
        command,
        uri,
        outcome,
    )
    return entry


def list_ingest_log(
    conn: sqlite3.Connection, limit: int = 100, *, uri: str | None = None
) -> list[IngestEntry]:
    """The latest rows of the ingest log, newest first.

    Args:
        conn: the warehouse.
        limit: at most this many rows.
        uri: only the rows of this file.
    """
    where, params = ("WHERE uri = ?", (uri,)) if uri is not None else ("", ())
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM ingest_log {where} ORDER BY entry_id DESC LIMIT ?",
        (*params, limit),
    )
    return [IngestEntry(*row) for row in rows]


def latest_decisions(conn: sqlite3.Connection) -> dict[str, IngestEntry]:
    """The last final decision (published, duplicate, rejected) of each URI."""
    rows = conn.execute(
        f"""
        SELECT {_COLUMNS} FROM ingest_log
        WHERE entry_id IN (
            SELECT max(entry_id) FROM ingest_log
            WHERE outcome IN ('published', 'duplicate', 'rejected')
            GROUP BY uri
        )
        """
    )
    return {entry.uri: entry for entry in (IngestEntry(*row) for row in rows)}


def decided_digests(conn: sqlite3.Connection) -> dict[str, str]:
    """Content already sent or refused: SHA-256 -> the first URI it came from."""
    rows = conn.execute(
        "SELECT sha256, uri FROM ingest_log "
        "WHERE outcome IN ('published', 'rejected') AND sha256 IS NOT NULL "
        "ORDER BY entry_id DESC"
    )
    # Newest first, so the oldest URI of each content is the one kept.
    return dict(rows.fetchall())


def record_run(
    conn: sqlite3.Connection,
    sources: Sequence[SourceFile],
    outcomes: Sequence[FileOutcome],
    *,
    delivery_failed: bool,
) -> None:
    """Add what one `loanflow run` did with each file to the ingest log.

    Args:
        conn: the warehouse.
        sources: the files as listed (URI, size, modification time).
        outcomes: what the run did with each.
        delivery_failed: Kafka did not confirm some of the run's records.
    """
    listed = {source.uri: source for source in sources}
    for outcome in outcomes:
        uri = outcome.source_uri or os.path.abspath(outcome.path)
        source = listed.get(uri)
        publication = outcome.publication
        digest = publication.source_sha256 if publication else None
        decision: Outcome
        detail: str | None
        if outcome.already_integrated:
            decision, detail = "duplicate", "already in the warehouse"
        elif publication is None:
            decision, detail = "rejected", outcome.error
            if source is None or source.is_local:
                digest = file_digest(Path(uri))
        elif delivery_failed:
            decision, detail = "failed", "Kafka did not confirm every record"
        else:
            decision, detail = "published", outcome.error
        record_ingest(
            conn,
            command="run",
            uri=uri,
            file_name=source.name if source else outcome.path.name,
            size=source.size if source else 0,
            modified_at=source.modified.isoformat()
            if source and source.modified
            else None,
            sha256=digest,
            outcome=decision,
            detail=detail,
            school_rows=outcome.school_rows if publication else None,
            rejected_rows=outcome.rejected_rows if publication else None,
        )
