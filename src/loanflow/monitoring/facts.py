"""The pipeline's health in one object: what the Pipeline page and `status` show.

Gathered from three places, each allowed to be missing:

- Kafka: each partition's end offset (``Kafka not reachable`` within about a
  second and a half when the broker does not answer);
- the stream job's Spark checkpoint: its committed position per partition, so
  lag = end offset - position;
- the warehouse, read-only: recent batches, the files (publications) seen, what
  was set aside, and data-quality warnings where the warehouse has them.
"""

from __future__ import annotations

import logging
import socket
import sqlite3
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from confluent_kafka import KafkaException

from loanflow.broker.admin import admin_client, cluster_answers, end_offsets
from loanflow.errors import BrokerError, WarehouseError
from loanflow.monitoring.positions import read_position
from loanflow.monitoring.warehouse import columns_of, open_read_only
from loanflow.settings import Settings

logger = logging.getLogger(__name__)

CONNECT_SECONDS = 0.5
KAFKA_ANSWER_SECONDS = 1.5
END_OFFSETS_SECONDS = 5.0
RECENT_BATCHES = 10
RECENT_WARNINGS = 10


@dataclass(frozen=True)
class PartitionLag:
    """One partition: its end offset, the stream's position, and the lag.

    ``position`` is None when the stream job has committed no batch yet; a new
    job starts from the beginning of the topic, so lag is then the end offset.
    ``lag`` is None when Kafka did not answer.
    """

    partition: int
    end_offset: int | None
    position: int | None
    lag: int | None


@dataclass(frozen=True)
class BatchFacts:
    """One stream micro-batch as the warehouse recorded it.

    ``seconds`` (and with it ``rows_per_second``) is None for batches written
    before the warehouse recorded when a batch finished (migration 0006).
    """

    checkpoint_id: str
    batch_id: int
    records: int
    school_rows_written: int
    duplicates_ignored: int
    rejected: int
    committed_at: str
    seconds: float | None
    rows_per_second: float | None


@dataclass(frozen=True)
class FileFacts:
    """One workbook (publication) the warehouse has seen."""

    source_file: str
    program: str
    award_year: str
    quarter: int | None
    run_date: str | None
    school_rows: int
    received_school_rows: int
    complete: bool
    latest: bool
    rejected_rows: int
    first_seen_at: str


@dataclass(frozen=True)
class SetAside:
    """A workbook that could not be read at all, or a message the stream refused."""

    source: str
    what: str
    reasons: str
    first_seen_at: str


@dataclass(frozen=True)
class IngestFacts:
    """The ingest log of `loanflow watch` and `loanflow run` (migration 0005).

    Attributes:
        available: whether the warehouse has the log.
        outcomes: (outcome, files) over the whole log: published, duplicate,
            rejected, waiting, failed.
        recent: the most recent entries, newest first.
    """

    available: bool
    outcomes: list[tuple[str, int]] = field(default_factory=list)
    recent: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class QualityFacts:
    """Data-quality warnings, when the warehouse has the table for them."""

    available: bool
    total: int = 0
    by_kind: list[tuple[str, int]] = field(default_factory=list)
    recent: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class PipelineFacts:
    """Everything the Pipeline page and `loanflow status` report.

    Attributes:
        db: the warehouse.
        warehouse_exists: whether the file is there; before the first stream
            batch it is not, which is no error: the whole topic is lag.
        warehouse_error: why an existing warehouse could not be read, else
            None.
        bootstrap, topic: the Kafka cluster and topic asked.
        kafka_reachable: whether the cluster answered.
        kafka_error: why there are no end offsets (cluster silent, no topic).
        partitions: per partition, end offset, stream position and lag.
        lag: the total lag, None when unknown.
        checkpoint: the stream job's checkpoint folder.
        checkpoint_exists: whether a `loanflow stream` ever ran for this
            warehouse and topic.
        stream_running: a stream job holds the checkpoint now (None: unknown).
        committed_batch: the checkpoint's latest committed batch.
        batches: the most recent batches, newest first.
        files: every publication seen, newest first.
        ingest: what the file-reading commands saw and did with each file.
        set_aside: unreadable workbooks and refused messages.
        rejected_rows: rows kept aside from readable workbooks.
        quality: data-quality warnings.
        gathered_at: when these facts were gathered (UTC).
    """

    db: str
    warehouse_exists: bool
    warehouse_error: str | None
    bootstrap: str
    topic: str
    kafka_reachable: bool
    kafka_error: str | None
    partitions: list[PartitionLag]
    lag: int | None
    checkpoint: str
    checkpoint_exists: bool
    stream_running: bool | None
    committed_batch: int | None
    batches: list[BatchFacts]
    files: list[FileFacts]
    ingest: IngestFacts
    set_aside: list[SetAside]
    rejected_rows: int
    quality: QualityFacts
    gathered_at: str

    @property
    def healthy(self) -> bool:
        """Kafka answers, the warehouse reads and the stream has caught up."""
        return (
            self.kafka_reachable
            and self.warehouse_error is None
            and self.kafka_error is None
            and self.lag == 0
        )

    def to_json(self) -> dict[str, Any]:
        """The facts as JSON-ready data (what `loanflow status --json` prints)."""
        data = asdict(self)
        data["healthy"] = self.healthy
        data["quality"]["by_kind"] = [
            {"kind": kind, "count": count} for kind, count in self.quality.by_kind
        ]
        data["ingest"]["outcomes"] = [
            {"outcome": outcome, "files": files}
            for outcome, files in self.ingest.outcomes
        ]
        return data


def gather_pipeline_facts(settings: Settings, db: Path | None = None) -> PipelineFacts:
    """Ask Kafka, the stream's checkpoint and the warehouse how the pipeline is.

    Never raises for a service that is down: what could not be read is said in
    the facts (``kafka_error``, ``warehouse_error``).

    Args:
        settings: the cluster (``bootstrap``), ``topic`` and ``home``.
        db: the warehouse; by default ``settings.db``.
    """
    db = db or settings.db
    checkpoint = settings.checkpoint_dir(db)
    position = read_position(checkpoint, settings.topic)
    ends, kafka_reachable, kafka_error = _end_offsets(settings)
    committed = position.offsets if position else {}

    numbers = sorted(set(ends) | set(committed))
    partitions = []
    for number in numbers:
        end = ends.get(number)
        at = committed.get(number)
        lag = None if end is None else max(end - (at or 0), 0)
        partitions.append(PartitionLag(number, end, at, lag))
    known = [p.lag for p in partitions]
    lag = sum(x for x in known if x is not None) if ends else None

    warehouse_exists = db.is_file()
    warehouse_error = None
    batches: list[BatchFacts] = []
    files: list[FileFacts] = []
    set_aside: list[SetAside] = []
    rejected_rows = 0
    quality = QualityFacts(available=False)
    ingest = IngestFacts(available=False)
    try:
        if warehouse_exists:
            with closing(open_read_only(db)) as conn:
                batches = recent_batches(conn)
                files = files_seen(conn)
                set_aside = things_set_aside(conn)
                rejected_rows = rejected_row_count(conn)
                quality = quality_warnings(conn)
                ingest = ingest_log(conn)
    except (WarehouseError, sqlite3.Error) as exc:
        warehouse_error = str(exc)

    return PipelineFacts(
        db=str(db),
        warehouse_exists=warehouse_exists,
        warehouse_error=warehouse_error,
        bootstrap=settings.bootstrap,
        topic=settings.topic,
        kafka_reachable=kafka_reachable,
        kafka_error=kafka_error,
        partitions=partitions,
        lag=lag,
        checkpoint=str(checkpoint),
        checkpoint_exists=position is not None,
        stream_running=position.running if position else False,
        committed_batch=position.batch_id if position else None,
        batches=batches,
        files=files,
        ingest=ingest,
        set_aside=set_aside,
        rejected_rows=rejected_rows,
        quality=quality,
        gathered_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _end_offsets(settings: Settings) -> tuple[dict[int, int], bool, str | None]:
    """End offsets by partition, whether Kafka answered, and why none if none."""
    if not _any_port_open(settings.bootstrap):
        return {}, False, f"Kafka not reachable at {settings.bootstrap}"
    admin = admin_client(settings.bootstrap)
    if not cluster_answers(admin, KAFKA_ANSWER_SECONDS):
        return {}, False, f"Kafka not reachable at {settings.bootstrap}"
    try:
        topics = admin.list_topics(settings.topic, timeout=KAFKA_ANSWER_SECONDS)
        described = topics.topics.get(settings.topic)
        if described is None or described.error is not None or not described.partitions:
            return {}, True, f"topic {settings.topic} does not exist yet"
        ends = end_offsets(
            settings.bootstrap, settings.topic, timeout=END_OFFSETS_SECONDS
        )
    except BrokerError as exc:
        return {}, True, str(exc)
    except KafkaException as exc:
        logger.warning(
            "cannot read end offsets topic=%s reason=%s", settings.topic, exc
        )
        return {}, True, f"cannot read the end offsets of {settings.topic}: {exc}"
    return ends, True, None


def _any_port_open(bootstrap: str) -> bool:
    """Whether some bootstrap address accepts a TCP connection.

    A refused connection is known at once, whereas the Kafka client would
    wait out its whole timeout: this keeps the answer quick when Kafka is down.
    """
    for address in bootstrap.split(","):
        host, _, port = address.strip().rpartition(":")
        try:
            with socket.create_connection(
                (host.strip("[]") or "localhost", int(port)), timeout=CONNECT_SECONDS
            ):
                return True
        except (OSError, ValueError):
            continue
    return False


def recent_batches(
    conn: sqlite3.Connection, limit: int = RECENT_BATCHES
) -> list[BatchFacts]:
    """The most recent stream batches, newest first."""
    timed = "finished_at" in columns_of(conn, "stream_batches")
    finished = "finished_at" if timed else "NULL"
    rows = conn.execute(
        f"""
        SELECT checkpoint_id, batch_id, records, school_rows_written,
            duplicates_ignored, rejected, committed_at,
            (julianday({finished}) - julianday(committed_at)) * 86400.0
        FROM stream_batches
        ORDER BY committed_at DESC, batch_id DESC
        LIMIT ?
        """,
        (limit,),
    ).fetchall()
    return [
        BatchFacts(
            checkpoint_id=row[0],
            batch_id=row[1],
            records=row[2],
            school_rows_written=row[3],
            duplicates_ignored=row[4],
            rejected=row[5],
            committed_at=row[6],
            seconds=row[7],
            rows_per_second=row[2] / row[7] if row[7] else None,
        )
        for row in rows
    ]


def files_seen(conn: sqlite3.Connection) -> list[FileFacts]:
    """Every publication the warehouse has seen, newest first."""
    rows = conn.execute(
        """
        SELECT v.source_file, v.program, v.award_year, v.quarter, v.run_date,
            v.school_rows, v.received_school_rows, v.complete, v.latest,
            (SELECT count(*) FROM rejected_records AS r
             WHERE r.source = 'workbook' AND r.source_sha256 = v.source_sha256),
            v.first_seen_at
        FROM publication_versions AS v
        ORDER BY v.first_seen_at DESC, v.source_file
        """
    ).fetchall()
    return [
        FileFacts(
            source_file=row[0],
            program=row[1],
            award_year=row[2],
            quarter=row[3],
            run_date=row[4],
            school_rows=row[5],
            received_school_rows=row[6],
            complete=bool(row[7]),
            latest=bool(row[8]),
            rejected_rows=row[9],
            first_seen_at=row[10],
        )
        for row in rows
    ]


def things_set_aside(conn: sqlite3.Connection) -> list[SetAside]:
    """Workbooks that could not be read at all and messages the stream refused."""
    rows = conn.execute(
        """
        SELECT source,
            CASE WHEN source = 'stream'
                THEN kafka_topic || ' partition ' || kafka_partition
                    || ' offset ' || kafka_offset
                ELSE source_file END,
            reasons, first_seen_at
        FROM rejected_records
        WHERE sheet IS NULL
        ORDER BY first_seen_at DESC
        LIMIT 50
        """
    ).fetchall()
    return [SetAside(*row) for row in rows]


def rejected_row_count(conn: sqlite3.Connection) -> int:
    """Rows of readable workbooks kept aside."""
    (count,) = conn.execute(
        "SELECT count(*) FROM rejected_records WHERE sheet IS NOT NULL"
    ).fetchone()
    return int(count)


_WARNING_COLUMNS = (
    "check_name",
    "ope_id",
    "school_name",
    "period",
    "loan_type",
    "message",
)
_KIND_COLUMNS = ("check_name", "kind", "rule", "code", "category")


def quality_warnings(conn: sqlite3.Connection) -> QualityFacts:
    """Data-quality warnings by kind, and the most recent ones.

    The table ``quality_warnings`` arrives with migration 0003; a warehouse
    without it reports the warnings as not available.
    """
    columns = columns_of(conn, "quality_warnings")
    if not columns:
        return QualityFacts(available=False)
    (total,) = conn.execute("SELECT count(*) FROM quality_warnings").fetchone()
    kind = next((name for name in _KIND_COLUMNS if name in columns), None)
    by_kind: list[tuple[str, int]] = []
    if kind is not None:
        # The column name comes from the fixed list above.
        by_kind = [
            (str(name), int(count))
            for name, count in conn.execute(
                f'SELECT "{kind}", count(*) FROM quality_warnings '
                f'GROUP BY "{kind}" ORDER BY count(*) DESC'
            )
        ]
    shown = [name for name in _WARNING_COLUMNS if name in columns] or ["*"]
    # Column names come from the fixed list above, checked against the table.
    cursor = conn.execute(
        f"SELECT {', '.join(shown)} FROM quality_warnings ORDER BY rowid DESC LIMIT ?",
        (RECENT_WARNINGS,),
    )
    names = [d[0] for d in cursor.description]
    recent = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return QualityFacts(True, int(total), by_kind, recent)


_INGEST_COLUMNS = (
    "seen_at",
    "command",
    "file_name",
    "outcome",
    "school_rows",
    "rejected_rows",
    "detail",
)


def ingest_log(conn: sqlite3.Connection, limit: int = 20) -> IngestFacts:
    """What `loanflow watch` and `loanflow run` saw, when the log exists."""
    columns = columns_of(conn, "ingest_log")
    if not columns:
        return IngestFacts(available=False)
    outcomes: list[tuple[str, int]] = []
    if "outcome" in columns:
        outcomes = [
            (str(outcome), int(files))
            for outcome, files in conn.execute(
                "SELECT outcome, count(*) FROM ingest_log GROUP BY outcome "
                "ORDER BY count(*) DESC"
            )
        ]
    shown = [name for name in _INGEST_COLUMNS if name in columns] or ["*"]
    # Column names come from the fixed list above, checked against the table.
    cursor = conn.execute(
        f"SELECT {', '.join(shown)} FROM ingest_log ORDER BY rowid DESC LIMIT ?",
        (limit,),
    )
    names = [d[0] for d in cursor.description]
    recent = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return IngestFacts(True, outcomes, recent)
