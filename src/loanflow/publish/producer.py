"""Publish workbooks to Kafka: every record confirmed, nothing lost on exit.

``publish_workbooks`` reads each workbook, sends one ``school_row`` message per
school row and one ``rejected`` message per row (or whole file) kept aside, and
waits for the broker to confirm every message. A file that cannot be read is
reported and the others go on. Every ``rejected`` message also goes to the
dead-letter topic (``Settings.dead_letter``), with the same key and value.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from loanflow.broker.admin import DebugLog, ensure_topic
from loanflow.errors import DeliveryError, WorkbookError
from loanflow.inputs import file_digest
from loanflow.publish.messages import (
    encode_rejected,
    encode_rejected_row,
    encode_school_row,
)
from loanflow.quality.checks import structural_check
from loanflow.settings import Settings
from loanflow.workbooks.isolation import IsolatedReader
from loanflow.workbooks.model import Publication

log = logging.getLogger(__name__)
_client_log = logging.getLogger("loanflow.publish.librdkafka")

# Past the delivery timeout, how long to wait for librdkafka's last reports.
FLUSH_MARGIN_SECONDS = 10.0


@dataclass
class FileOutcome:
    """What happened to one workbook.

    Attributes:
        path: the file as given.
        publication: what the workbook says it is; None when it could not be read.
        school_rows: school rows sent.
        rejected_rows: rows kept aside (each sent as a ``rejected`` message).
        error: why the whole file was rejected, None when it was read.
        problems: one line per rejected row, naming sheet, row and columns.
        already_integrated: the warehouse held this very workbook whole, so it
            was not published again (``loanflow run``).
        source_uri: where the workbook was read, as its messages say: the
            absolute path of a local file, or the URI given for it.
    """

    path: Path
    publication: Publication | None = None
    school_rows: int = 0
    rejected_rows: int = 0
    error: str | None = None
    problems: list[str] = field(default_factory=list)
    already_integrated: bool = False
    source_uri: str | None = None
    # (key, value, check names) of the rejected messages, for the dead-letter
    # topic; emptied once they are sent there.
    dead_letters: list[tuple[bytes, bytes, tuple[str, ...]]] = field(
        default_factory=list
    )

    @property
    def ok(self) -> bool:
        """True when the whole file was read and no row was kept aside."""
        return self.error is None and self.rejected_rows == 0


@dataclass
class PublishReport:
    """The outcome of one ``publish_workbooks`` call."""

    files: list[FileOutcome] = field(default_factory=list)
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    seconds: float = 0.0
    dead_lettered: int = 0

    @property
    def ok(self) -> bool:
        """True when every file was read whole and every message delivered."""
        return self.failed == 0 and all(outcome.ok for outcome in self.files)


class _Deliveries:
    """Counts the broker's confirmations; remembers the first failure."""

    def __init__(self) -> None:
        self.delivered = 0
        self.failed = 0
        self.first_error: KafkaError | None = None

    def __call__(self, error: KafkaError | None, message: Message) -> None:
        if error is None:
            self.delivered += 1
            return
        self.failed += 1
        if self.first_error is None:
            self.first_error = error
            log.error(
                "delivery failed topic=%s key=%s error=%s",
                message.topic(),
                (message.key() or b"").decode(errors="replace"),
                error.str(),
            )


def make_producer(settings: Settings) -> Producer:
    """A producer that waits for all in-sync replicas and never duplicates."""
    config: dict[str, Any] = {
        "bootstrap.servers": settings.bootstrap,
        "client.id": "loanflow-producer",
        "enable.idempotence": True,
        "acks": "all",
        "compression.type": "lz4",
        "linger.ms": 20,
        "queue.buffering.max.messages": 200_000,
        "message.timeout.ms": int(settings.kafka_delivery_seconds * 1000),
        "logger": DebugLog(_client_log),
    }
    return Producer(config)


def publish_workbooks(
    paths: Iterable[Path],
    settings: Settings,
    *,
    on_file: Callable[[FileOutcome], None] | None = None,
    source_uris: Mapping[Path, str] | None = None,
    reader: IsolatedReader | None = None,
) -> PublishReport:
    """Read workbooks and publish their records to ``settings.topic``.

    Args:
        paths: workbook files.
        settings: bootstrap servers and topic.
        on_file: called after each file is sent, for progress displays.
        source_uris: where a file really comes from when ``paths`` holds a
            local copy (``hdfs://...``); other files are named by their
            absolute path. Stored on the publication in the warehouse.
        reader: a reader to use (`loanflow watch` keeps one); by default one
            is started for this call and stopped at its end.

    Returns:
        What was read, sent and confirmed, file by file.

    Raises:
        DeliveryError: the broker could not be reached at all.
    """
    started = time.monotonic()
    report = PublishReport()
    deliveries = _Deliveries()
    producer = make_producer(settings)
    dead_letters = _DeadLetters(producer, settings, deliveries)

    with nullcontext(reader) if reader else IsolatedReader() as reader:
        for path in paths:
            source_uri = (source_uris or {}).get(path) or os.path.abspath(path)
            outcome = _publish_file(
                producer, reader, settings.topic, path, deliveries, source_uri
            )
            dead_letters.send_rejects(outcome.dead_letters)
            outcome.dead_letters = []
            report.files.append(outcome)
            if on_file is not None:
                on_file(outcome)

    # Everything sent must be confirmed before we say anything about it.
    flush_seconds = settings.kafka_delivery_seconds + FLUSH_MARGIN_SECONDS
    in_flight = producer.flush(flush_seconds)
    report.sent = deliveries.delivered + deliveries.failed + in_flight
    report.delivered = deliveries.delivered
    report.failed = deliveries.failed + in_flight
    report.seconds = time.monotonic() - started
    report.dead_lettered = dead_letters.sent
    if in_flight:
        log.error(
            "not confirmed after %.0f s: %d messages topic=%s bootstrap=%s",
            flush_seconds,
            in_flight,
            settings.topic,
            settings.bootstrap,
        )
    if report.delivered == 0 and report.failed > 0:
        reason = deliveries.first_error.str() if deliveries.first_error else "timeout"
        raise DeliveryError(
            f"Kafka at {settings.bootstrap} confirmed none of {report.failed} "
            f"messages ({reason}); is the broker running? (`loanflow kafka status`)"
        )
    log.info(
        "published files=%d messages=%d delivered=%d failed=%d seconds=%.1f",
        len(report.files),
        report.sent,
        report.delivered,
        report.failed,
        report.seconds,
    )
    return report


def _publish_file(
    producer: Producer,
    reader: IsolatedReader,
    topic: str,
    path: Path,
    deliveries: _Deliveries,
    source_uri: str,
) -> FileOutcome:
    outcome = FileOutcome(path=path, source_uri=source_uri)
    try:
        workbook = reader.read(path)
    except WorkbookError as error:
        outcome.error = error.reason
        log.error("%s", error)
        key, value = encode_rejected(
            path.name,
            [(error.location.column, error.reason)],
            source_sha256=file_digest(path),
            sheet=error.location.sheet,
            row=error.location.row,
        )
        _send(producer, topic, key, value, deliveries)
        outcome.dead_letters.append((key, value, ("unreadable_workbook",)))
        return outcome

    publication = workbook.publication
    outcome.publication = publication
    for row in workbook.rows:
        key, value = encode_school_row(publication, row, len(workbook.rows), source_uri)
        _send(producer, topic, key, value, deliveries)
    for problem in workbook.problems:
        line = "; ".join(f"column '{col}': {why}" for col, why in problem.problems)
        outcome.problems.append(f"sheet '{problem.sheet}', row {problem.row}: {line}")
        log.error(
            "%s, sheet '%s', row %d: %s",
            publication.source_file,
            problem.sheet,
            problem.row,
            line,
        )
        key, value = encode_rejected_row(publication, problem)
        _send(producer, topic, key, value, deliveries)
        checks = tuple(dict.fromkeys(structural_check(c) for c, _ in problem.problems))
        outcome.dead_letters.append((key, value, checks))
    outcome.school_rows = len(workbook.rows)
    outcome.rejected_rows = len(workbook.problems)
    log.info(
        "sent file=%s program=%s award_year=%s quarter=%s school_rows=%d rejected=%d",
        publication.source_file,
        publication.program,
        publication.award_year,
        publication.quarter,
        outcome.school_rows,
        outcome.rejected_rows,
    )
    return outcome


class _DeadLetters:
    """Sends copies of ``rejected`` messages to the dead-letter topic.

    The topic is created the first time something is set aside, so a run with
    nothing to set aside leaves no empty topic behind.
    """

    def __init__(
        self, producer: Producer, settings: Settings, deliveries: _Deliveries
    ) -> None:
        self.producer = producer
        self.settings = settings
        self.deliveries = deliveries
        self.sent = 0

    def send_rejects(self, rejects: list[tuple[bytes, bytes, tuple[str, ...]]]) -> None:
        """Send each ``(key, value, check names)`` with its headers."""
        if not rejects:
            return
        topic = self.settings.dead_letter
        if self.sent == 0:
            ensure_topic(
                self.settings.bootstrap,
                topic,
                self.settings.topic_partitions,
                timeout=self.settings.kafka_ready_seconds,
            )
        for key, value, checks in rejects:
            headers: list[tuple[str, str | bytes | None]] = [
                ("loanflow.source_topic", self.settings.topic.encode()),
                ("loanflow.checks", ",".join(checks).encode()),
            ]
            _send(self.producer, topic, key, value, self.deliveries, headers)
            self.sent += 1
        log.info("set aside to dead-letter topic=%s records=%d", topic, len(rejects))


def _send(
    producer: Producer,
    topic: str,
    key: bytes,
    value: bytes,
    deliveries: _Deliveries,
    headers: list[tuple[str, str | bytes | None]] | None = None,
) -> None:
    while True:
        try:
            producer.produce(
                topic, value=value, key=key, headers=headers, on_delivery=deliveries
            )
        except BufferError:
            # The local queue is full: serve delivery reports until room frees up.
            producer.poll(1.0)
            continue
        except KafkaException as error:
            raise DeliveryError(f"cannot publish to topic {topic}: {error}") from error
        producer.poll(0)
        return
