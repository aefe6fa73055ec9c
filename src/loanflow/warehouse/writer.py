"""Writing one stream micro-batch to the warehouse, exactly once.

A batch is identified by its checkpoint and batch id and written in ONE
transaction together with its row in ``stream_batches``. Spark replays a batch
whose commit it did not record (a crash, a kill); the replay finds the batch
already written and changes nothing. Within a batch every insert is idempotent
too, so the same records in a new batch (after the checkpoint was lost) change
nothing either.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sqlite3
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from loanflow.quality.checks import check_publication
from loanflow.warehouse.db import transaction, utc_now
from loanflow.warehouse.records import (
    Record,
    RejectedRecord,
    SchoolRowRecord,
)
from loanflow.workbooks.model import METRICS

logger = logging.getLogger(__name__)

# What makes a publication the same one: program, award year, quarter, run date
# (ISO) and school rows. Not the file name: the same bytes may be renamed.
_Identity = tuple[str, str, int | None, str | None, int]

_VOLUME_COLUMNS = (
    "publication_id, period, sheet, sheet_row, ope_id, school_name, state, "
    f"zip_code, school_type, loan_type, {', '.join(METRICS)}"
)
# ON CONFLICT on the key, not INSERT OR IGNORE: that would also drop a row
# failing a CHECK in silence.
_INSERT_VOLUME = f"""
INSERT INTO school_volumes ({_VOLUME_COLUMNS})
VALUES ({", ".join("?" * (10 + len(METRICS)))})
ON CONFLICT (publication_id, period, sheet_row, loan_type) DO NOTHING
"""

_INSERT_REJECTED = """
INSERT INTO rejected_records (
    dedupe_key, source, source_file, source_sha256, sheet, sheet_row, columns,
    reasons, problems, cells, raw_value, kafka_topic, kafka_partition,
    kafka_offset, first_seen_at, checkpoint_id, batch_id
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (dedupe_key) DO NOTHING
"""

_RECOUNT = """
UPDATE publication_records
SET received_school_rows = (
        SELECT count(*) FROM (
            SELECT DISTINCT period, sheet_row FROM school_volumes
            WHERE publication_id = publication_records.publication_id
        )
    ),
    last_seen_checkpoint_id = ?,
    last_seen_batch_id = ?
WHERE publication_id = ?
"""

_COMPLETE = """
UPDATE publication_records SET completed_at = ?
WHERE publication_id = ? AND completed_at IS NULL
    AND received_school_rows >= school_rows
RETURNING source_file, school_rows, received_school_rows
"""


@dataclass(frozen=True)
class BatchResult:
    """What one ``write_batch`` did.

    Attributes:
        checkpoint_id: the stream checkpoint the batch belongs to.
        batch_id: Spark's id of the micro-batch.
        already_written: the batch had been written before; nothing changed.
        records: records in the batch.
        school_rows_written: school rows new to the warehouse.
        duplicates_ignored: school rows and rejected records it already had.
        rejected: rejected records new to the warehouse.
        publications_completed: publications the batch made complete.
        quality_warnings: plausibility warnings recorded on the publications
            it completed (``loanflow.quality.checks``).
    """

    checkpoint_id: str
    batch_id: int
    already_written: bool = False
    records: int = 0
    school_rows_written: int = 0
    duplicates_ignored: int = 0
    rejected: int = 0
    publications_completed: int = 0
    quality_warnings: int = 0


def batch_written(conn: sqlite3.Connection, checkpoint_id: str, batch_id: int) -> bool:
    """Whether this micro-batch of this checkpoint is in the warehouse already."""
    seen = conn.execute(
        "SELECT 1 FROM stream_batches WHERE checkpoint_id = ? AND batch_id = ?",
        (checkpoint_id, batch_id),
    ).fetchone()
    return seen is not None


def write_batch(
    conn: sqlite3.Connection,
    checkpoint_id: str,
    batch_id: int,
    records: Iterable[Record],
    *,
    began_at: str | None = None,
) -> BatchResult:
    """Write one micro-batch in one transaction, or nothing if it was written.

    Records are consumed inside the transaction, and only when the batch is
    new. The stream job computes them first (``batch_written`` tells whether
    to), so that the write lock is held only while SQLite writes.

    Args:
        conn: a connection from ``connect``.
        checkpoint_id: the stable id of the stream's checkpoint.
        batch_id: Spark's micro-batch id, unique within the checkpoint.
        records: the batch's school rows and rejected records.
        began_at: when the batch began (ISO 8601 UTC), before Spark computed
            it; stored as ``committed_at``. By default: now.

    Returns:
        What was written.
    """
    with transaction(conn):
        if batch_written(conn, checkpoint_id, batch_id):
            logger.info(
                "batch already written, nothing to do: checkpoint=%s batch_id=%d",
                checkpoint_id,
                batch_id,
            )
            return BatchResult(checkpoint_id, batch_id, already_written=True)

        batch = _Batch(conn, checkpoint_id, batch_id, began_at)
        for record in records:
            batch.add(record)
        return batch.finish()


class _Batch:
    """The work of one batch inside its transaction."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        checkpoint_id: str,
        batch_id: int,
        began_at: str | None = None,
    ):
        self.conn = conn
        self.checkpoint_id = checkpoint_id
        self.batch_id = batch_id
        self.now = utc_now()
        self.publications: dict[str, tuple[int, _Identity]] = {}
        # Publications that gained rows: only their counts and completion move.
        self.grown: set[int] = set()
        self.counts: Counter[str] = Counter()
        # First, so the rows of the batch can refer to it.
        conn.execute(
            "INSERT INTO stream_batches (checkpoint_id, batch_id, committed_at) "
            "VALUES (?, ?, ?)",
            (checkpoint_id, batch_id, began_at or self.now),
        )

    def add(self, record: Record) -> None:
        self.counts["records"] += 1
        if isinstance(record, RejectedRecord):
            self._add_rejected(record)
            return
        publication_id, conflict = self._publication(record)
        if conflict is not None:
            self._add_rejected(conflict)
            return
        row = record.row
        values = [
            (
                publication_id,
                row.period,
                row.sheet,
                row.row,
                row.ope_id,
                row.school_name,
                row.state,
                row.zip_code,
                row.school_type,
                volume.loan_type,
                *(getattr(volume, metric) for metric in METRICS),
            )
            for volume in row.volumes
        ]
        self.conn.execute("SAVEPOINT school_row")
        written, problem = self._insert(values)
        if problem is not None:
            self.conn.execute("ROLLBACK TO school_row")
        self.conn.execute("RELEASE school_row")
        if problem is not None:
            self._add_rejected(_rejected(record, ("row", problem)))
            return
        if written:
            self.grown.add(publication_id)
        self.counts["school_rows_written" if written else "duplicates_ignored"] += 1

    def _insert(self, values: list[tuple[object, ...]]) -> tuple[int, str | None]:
        """Insert one school row's volumes: how many are new, or why none can be."""
        try:
            written = self.conn.executemany(_INSERT_VOLUME, values).rowcount
        except sqlite3.IntegrityError as exc:
            # The stream checks every message first; this keeps one bad record
            # from failing its batch on every replay if a check was missed.
            return 0, f"cannot be stored: {exc}"
        if written < len(values) and set(values) != self._stored(values[0][:4]):
            # Same key, other content: a replay is identical, this is not.
            _, period, _, sheet_row = values[0][:4]
            return 0, (
                f"sheet row {sheet_row} of the {period} sheet is already stored "
                f"with other values"
            )
        return written, None

    def _stored(self, key: tuple[object, ...]) -> set[tuple[object, ...]]:
        """The stored volumes of one school row: (publication, period, sheet, row)."""
        return set(
            self.conn.execute(
                f"SELECT {_VOLUME_COLUMNS} FROM school_volumes "
                "WHERE publication_id = ? AND period = ? AND sheet = ? "
                "AND sheet_row = ?",
                key,
            ).fetchall()
        )

    def finish(self) -> BatchResult:
        completed = 0
        warnings = 0
        for publication_id in sorted(self.grown):
            self.conn.execute(
                _RECOUNT, (self.checkpoint_id, self.batch_id, publication_id)
            )
            for source_file, expected, received in self.conn.execute(
                _COMPLETE, (self.now, publication_id)
            ).fetchall():
                completed += 1
                # In this transaction: the checks run once, with the whole
                # publication (both sheets) at hand.
                warnings += check_publication(self.conn, publication_id, self.now) or 0
                log = logger.warning if received > expected else logger.info
                log(
                    "publication complete: file=%s school_rows=%d received=%d "
                    "batch_id=%d",
                    source_file,
                    expected,
                    received,
                    self.batch_id,
                )
        counts = BatchResult(
            self.checkpoint_id,
            self.batch_id,
            records=self.counts["records"],
            school_rows_written=self.counts["school_rows_written"],
            duplicates_ignored=self.counts["duplicates_ignored"],
            rejected=self.counts["rejected"],
            publications_completed=completed,
            quality_warnings=warnings,
        )
        self.conn.execute(
            "UPDATE stream_batches SET records = ?, school_rows_written = ?, "
            "duplicates_ignored = ?, rejected = ?, finished_at = ? "
            "WHERE checkpoint_id = ? AND batch_id = ?",
            (
                counts.records,
                counts.school_rows_written,
                counts.duplicates_ignored,
                counts.rejected,
                utc_now(),
                self.checkpoint_id,
                self.batch_id,
            ),
        )
        return counts

    def _publication(
        self, record: SchoolRowRecord
    ) -> tuple[int, RejectedRecord | None]:
        """The publication's id, and a rejection if the record contradicts it."""
        digest = record.publication.source_sha256
        if digest not in self.publications:
            self.publications[digest] = self._stored_publication(record)
        publication_id, first = self.publications[digest]
        here = _identity(record)
        if here == first:
            return publication_id, None
        return publication_id, _rejected(
            record,
            (
                "publication",
                f"contradicts the publication with this source_sha256: first seen "
                f"as {_describe(first)}, here {_describe(here)}",
            ),
        )

    def _stored_publication(self, record: SchoolRowRecord) -> tuple[int, _Identity]:
        """The publication of a record as stored, stored now if it is new."""
        publication = record.publication
        stored = self.conn.execute(
            "SELECT p.publication_id, r.program, r.award_year, r.quarter, "
            "p.run_date, p.school_rows "
            "FROM publication_records AS p JOIN reports AS r USING (report_id) "
            "WHERE p.source_sha256 = ?",
            (publication.source_sha256,),
        ).fetchone()
        if stored is not None:
            publication_id, program, award_year, quarter, run_date, rows = stored
            return publication_id, (program, award_year, quarter, run_date, rows)

        self.conn.execute(
            "INSERT INTO reports (program, award_year, quarter) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (publication.program, publication.award_year, publication.quarter),
        )
        (report_id,) = self.conn.execute(
            "SELECT report_id FROM reports "
            "WHERE program = ? AND award_year = ? AND quarter IS ?",
            (publication.program, publication.award_year, publication.quarter),
        ).fetchone()
        cursor = self.conn.execute(
            "INSERT INTO publication_records (report_id, source_sha256, "
            "source_file, source_uri, run_date, school_rows, first_seen_at, "
            "first_seen_checkpoint_id, first_seen_batch_id, "
            "last_seen_checkpoint_id, last_seen_batch_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                report_id,
                publication.source_sha256,
                publication.source_file,
                record.source_uri,
                publication.run_date.isoformat() if publication.run_date else None,
                record.school_rows,
                self.now,
                self.checkpoint_id,
                self.batch_id,
                self.checkpoint_id,
                self.batch_id,
            ),
        )
        assert cursor.lastrowid is not None
        logger.debug(
            "new publication: file=%s report=%s batch_id=%d",
            publication.source_file,
            _describe(_identity(record)),
            self.batch_id,
        )
        return cursor.lastrowid, _identity(record)

    def _add_rejected(self, record: RejectedRecord) -> None:
        origin = record.origin
        columns = sorted({column for column, _ in record.problems if column})
        cursor = self.conn.execute(
            _INSERT_REJECTED,
            (
                record.dedupe_key(),
                record.source,
                record.source_file,
                record.source_sha256,
                record.sheet,
                record.row,
                ", ".join(columns) or None,
                record.reasons,
                json.dumps(
                    [{"column": c, "reason": r} for c, r in record.problems],
                    ensure_ascii=False,
                ),
                None if record.cells is None else json.dumps(list(record.cells)),
                record.raw_value,
                origin.topic if origin else None,
                origin.partition if origin else None,
                origin.offset if origin else None,
                self.now,
                self.checkpoint_id,
                self.batch_id,
            ),
        )
        self.counts["rejected" if cursor.rowcount else "duplicates_ignored"] += 1


def _identity(record: SchoolRowRecord) -> _Identity:
    publication = record.publication
    run_date = publication.run_date.isoformat() if publication.run_date else None
    return (
        publication.program,
        publication.award_year,
        publication.quarter,
        run_date,
        record.school_rows,
    )


def _describe(identity: _Identity) -> str:
    program, award_year, quarter, run_date, school_rows = identity
    report = "award year" if quarter is None else f"Q{quarter}"
    return (
        f"{program} {award_year} {report}, run {run_date or 'undated'}, "
        f"{school_rows} school rows"
    )


def _rejected(record: SchoolRowRecord, found: tuple[str, str]) -> RejectedRecord:
    """A school row kept aside by the warehouse itself, with its content."""
    content = dataclasses.asdict(record)
    return RejectedRecord(
        source="stream",
        problems=(found,),
        source_file=record.publication.source_file,
        source_sha256=record.publication.source_sha256,
        sheet=record.row.sheet,
        row=record.row.row,
        raw_value=json.dumps(content, default=str, ensure_ascii=False),
        origin=record.origin,
    )
