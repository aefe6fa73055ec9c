"""`loanflow watch`: publish each new workbook content once, stream it in.

``run_watch`` starts (or uses) Kafka as `loanflow run` does, keeps the Spark
stream job running on the warehouse's own checkpoint, and polls the sources
(local folders, HDFS directories, anything fsspec lists) every
``watch_poll_seconds``. Each file is taken once its listing stays the same for
two polls; its content (SHA-256) is published once: the same bytes again, at
any URI, are a duplicate. Every decision goes to the ingest log.
"""

from __future__ import annotations

import logging
import signal
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from py4j.protocol import Py4JError
from pyspark.sql import SparkSession

from loanflow.broker import ensure_topic
from loanflow.broker.admin import admin_client, cluster_answers
from loanflow.broker.jvm import java_executable, spark_connector_jars
from loanflow.errors import (
    ConfigurationError,
    DeliveryError,
    WorkbookError,
    first_line,
)
from loanflow.inputs import file_digest
from loanflow.pipeline import kafka_for_run, topic_end_offsets
from loanflow.publish.producer import publish_workbooks
from loanflow.settings import Settings
from loanflow.sources import SourceFile, find_sources, local_copy
from loanflow.stream.checkpoint import checkpoint_lock
from loanflow.stream.parse import warm_up
from loanflow.stream.spark import build_spark
from loanflow.warehouse import connect, integrated_publications
from loanflow.warehouse.records import record_digest
from loanflow.watch.ingest_log import (
    IngestEntry,
    Outcome,
    decided_digests,
    latest_decisions,
    record_ingest,
)
from loanflow.watch.stream_runner import StreamRunner, spark_gone_is_an_error
from loanflow.watch.tracker import FileTracker, listing_key
from loanflow.workbooks.isolation import IsolatedReader

log = logging.getLogger(__name__)

OnEntry = Callable[[IngestEntry], None]


@dataclass
class WatchReport:
    """What one watch did, for its closing summary.

    Attributes:
        outcomes: ingest log rows written, by outcome.
        stream_starts: how many times the stream job was started.
        started_broker: the watch started the embedded broker (and stopped it).
        stopped_by: the signal that stopped it (``SIGINT``, ``SIGTERM``).
        seconds: how long it ran.
    """

    outcomes: Counter[str] = field(default_factory=Counter)
    stream_starts: int = 0
    started_broker: bool = False
    stopped_by: str | None = None
    seconds: float = 0.0


def run_watch(
    specs: Sequence[str],
    settings: Settings,
    stop: threading.Event,
    *,
    on_entry: OnEntry | None = None,
) -> WatchReport:
    """Watch sources and integrate every new workbook content, until ``stop``.

    Args:
        specs: local folders, files, globs or URIs (``hdfs://``, ``webhdfs://``).
        settings: Kafka, topic, warehouse, poll interval.
        stop: set it to end the watch cleanly; SIGINT and SIGTERM set it too
            (when called from the main thread), and a second signal acts as
            usual.
        on_entry: called with each ingest log row as it is written.

    Returns:
        What the watch did.

    Raises:
        ConfigurationError: a source does not exist, or none was given.
        JvmDependencyError: Java or the jars are missing.
        BrokerError: Kafka could not be started or reached at the start.
        StreamError: Spark did not start, or its JVM went away.
        CheckpointBusyError: another watch or stream feeds this warehouse.
        WarehouseError: the warehouse cannot be opened or written.
    """
    if not specs:
        raise ConfigurationError("name at least one folder or URI to watch")
    java_executable()
    spark_connector_jars(settings)
    # A source that is not there at the start is a typo, not a later outage.
    for spec in specs:
        find_sources([spec], settings)

    began = time.monotonic()
    report = WatchReport()
    with (
        _stop_on_signals(stop, report),
        kafka_for_run(settings) as started,
        ExitStack() as held,
    ):
        report.started_broker = started
        ensure_topic(settings.bootstrap, settings.topic, settings.topic_partitions)
        if stop.is_set():
            return report
        # The workbooks this warehouse sent, by any watch or run: the stream
        # takes only their records from the shared topic, and a new checkpoint
        # starts at the topic's end rather than at what others left there.
        with closing(connect(settings.db)) as conn:
            ours = set(decided_digests(conn))
        # Held for the watch's whole life: a second watch or stream on this
        # warehouse is refused at its start, before it publishes anything that
        # this one's stream would not take.
        held.enter_context(
            checkpoint_lock(settings.checkpoint_dir(settings.db).resolve())
        )
        starting_offsets = topic_end_offsets(settings)
        with spark_gone_is_an_error(settings):
            spark = build_spark(settings)
            warm_up(spark)
        runner = StreamRunner(
            settings,
            settings.db,
            spark,
            accept=lambda record: record_digest(record) in ours,
            starting_offsets=starting_offsets,
        )
        try:
            runner.start()
            # Again: PySpark's context put its own SIGINT handler in place.
            with (
                _stop_on_signals(stop, report),
                IsolatedReader() as reader,
                closing(connect(settings.db)) as conn,
            ):
                poller = _Poller(specs, settings, conn, reader, runner, report)
                poller.ours = ours
                poller.on_entry = on_entry
                log.info(
                    "watching sources=%s poll_seconds=%g db=%s topic=%s",
                    ",".join(specs),
                    settings.watch_poll_seconds,
                    settings.db,
                    settings.topic,
                )
                while not stop.is_set():
                    poller.poll(stop)
                    stop.wait(settings.watch_poll_seconds)
        finally:
            log.info("stopping the watch: stream job, Spark, Kafka if started")
            report.stream_starts = runner.starts
            _stop_spark(runner, spark)
    report.seconds = time.monotonic() - began
    log.info(
        "watch stopped: %s stream_starts=%d seconds=%.1f",
        " ".join(f"{name}={count}" for name, count in sorted(report.outcomes.items()))
        or "files=0",
        report.stream_starts,
        report.seconds,
    )
    return report


def _stop_spark(runner: StreamRunner, spark: SparkSession) -> None:
    """Stop the query and the session; a JVM already gone is not an error."""
    try:
        runner.stop()
        spark.stop()
    except (Py4JError, ConnectionError) as error:
        # SIGTERM sent to the whole process group ends Spark's JVM first.
        log.warning("Spark had stopped already: %s", first_line(error))


@contextmanager
def _stop_on_signals(stop: threading.Event, report: WatchReport) -> Iterator[None]:
    """Let SIGINT and SIGTERM set ``stop``; a second signal acts as usual."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    numbers = (signal.SIGINT, signal.SIGTERM)
    previous = {number: signal.getsignal(number) for number in numbers}

    def request_stop(number: int, frame: FrameType | None) -> None:
        report.stopped_by = signal.Signals(number).name
        log.info("signal=%s: stopping the watch", report.stopped_by)
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    for number in numbers:
        signal.signal(number, request_stop)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


class _Poller:
    """One poll: list, find what is complete and new, publish it, log it."""

    def __init__(
        self,
        specs: Sequence[str],
        settings: Settings,
        conn: sqlite3.Connection,
        reader: IsolatedReader,
        runner: StreamRunner,
        report: WatchReport,
    ) -> None:
        self.specs = specs
        self.settings = settings
        self.conn = conn
        self.reader = reader
        self.runner = runner
        self.report = report
        self.on_entry: OnEntry | None = None
        # What the stream job accepts: a digest joins before its records are sent.
        self.ours: set[str] = set()
        self.admin = admin_client(settings.bootstrap)
        self.kafka_up = True
        self.unlistable: set[str] = set()
        self.tracker = FileTracker()
        # Content sent or refused before, by this watch or an earlier one.
        self.digests = decided_digests(conn)
        for uri, entry in latest_decisions(conn).items():
            self.tracker.remember_decided(uri, (entry.size, entry.modified_at))

    def poll(self, stop: threading.Event) -> None:
        self._check_kafka()
        found = self.tracker.poll(self._list())
        for source in found.growing:
            self._record(source, None, "waiting", "still being written")
        for source in found.ready:
            if stop.is_set():
                return
            self._take(source)

    def _check_kafka(self) -> None:
        """Notice Kafka going away and coming back; keep the stream job alive."""
        answers = cluster_answers(self.admin)
        if not answers:
            if self.kafka_up:
                log.warning(
                    "Kafka does not answer at %s: files wait until it does",
                    self.settings.bootstrap,
                )
            self.kafka_up = False
            return
        if not self.kafka_up:
            self.kafka_up = True
            # Spark's query stalls or fails while the broker is away; a fresh
            # start from the checkpoint goes on exactly where it stopped.
            self.runner.restart("Kafka answers again")
            return
        if not self.runner.running:
            if not self.runner.restartable:
                assert self.runner.error is not None
                raise self.runner.error
            self.runner.restart(f"it ended: {self.runner.error}")

    def _list(self) -> list[SourceFile]:
        listed: list[SourceFile] = []
        for spec in self.specs:
            try:
                listed += find_sources([spec], self.settings)
            except ConfigurationError as error:
                # An HDFS outage or a folder removed: say it once, keep polling.
                if spec not in self.unlistable:
                    log.warning("source=%s cannot be listed now: %s", spec, error)
                self.unlistable.add(spec)
                continue
            self.unlistable.discard(spec)
        return listed

    def _take(self, source: SourceFile) -> None:
        """Decide one complete file: duplicate, rejected, published or failed."""
        try:
            with local_copy(source, self.settings) as path:
                self._take_copy(source, path)
        except OSError as error:
            if self._relist(source) is None:
                # Gone between listing and reading: if it comes back, it is new.
                log.info("file=%s went away before it was read", source.uri)
                self.tracker.still_changing(source, None)
                return
            # There but unreadable (permissions, an HDFS datanode away): logged
            # once, tried again at every poll.
            reason = f"cannot be read now: {error}"
            if self.tracker.first_failure(source, reason):
                log.warning("file=%s %s", source.uri, reason)
                self._record(source, None, "failed", f"{reason}; retried later")

    def _take_copy(self, source: SourceFile, path: Path) -> None:
        log.debug("file=%s complete (two listings agree): reading", source.uri)
        digest = file_digest(path)
        if digest is None:
            raise OSError(f"{path} cannot be read")
        first = self._already_have(digest)
        if first is not None:
            self._record(source, digest, "duplicate", first)
            self.tracker.decide(source)
            return

        try:
            self.reader.read(path)
        except WorkbookError as error:
            # A writer may pause between chunks long enough for two listings
            # to agree: a truncated file is set aside only once it has settled.
            changed = self.tracker.still_changing(source, self._relist(source))
            if changed or self._settling(source):
                if changed or self.tracker.first_failure(source, str(error)):
                    self._record(
                        source, digest, "waiting", f"not readable yet: {error}"
                    )
                return

        if not cluster_answers(self.admin):
            reason = f"Kafka at {self.settings.bootstrap} does not answer"
            self._fail(source, digest, reason)
            return
        self.ours.add(digest)
        try:
            published = publish_workbooks(
                [path],
                self.settings,
                source_uris={path: source.uri},
                reader=self.reader,
            )
        except DeliveryError as error:
            self._fail(source, digest, str(error))
            return
        outcome = published.files[0]
        if published.failed:
            self._fail(
                source,
                digest,
                f"Kafka confirmed {published.delivered} of {published.sent} records",
            )
            return

        self.digests[digest] = source.uri
        self.tracker.decide(source)
        # The publisher's own reading decides (the reader keeps the workbook it
        # read above, or its error, while the file is unchanged).
        if outcome.error is not None:
            self._record(source, digest, "rejected", outcome.error)
            return
        self._record(
            source,
            digest,
            "published",
            None,
            school_rows=outcome.school_rows,
            rejected_rows=outcome.rejected_rows,
        )

    def _settling(self, source: SourceFile) -> bool:
        """Whether the file changed less than ``watch_settle_seconds`` ago."""
        if source.modified is None:
            return False
        age = datetime.now(UTC) - source.modified
        return age.total_seconds() < self.settings.watch_settle_seconds

    def _already_have(self, digest: str) -> str | None:
        """Where this content was seen before, None when it is new."""
        if digest in self.digests:
            return f"same content as {self.digests[digest]}"
        held = integrated_publications(self.conn).get(digest)
        if held is not None and held.complete:
            return f"already in the warehouse as {held.publication.source_file}"
        return None

    def _relist(self, source: SourceFile) -> SourceFile | None:
        try:
            again = find_sources([source.uri], self.settings)
        except ConfigurationError:
            return None
        return again[0] if again else None

    def _fail(self, source: SourceFile, digest: str, reason: str) -> None:
        log.warning("file=%s not published, retried later: %s", source.uri, reason)
        if self.tracker.first_failure(source, reason):
            self._record(source, digest, "failed", f"{reason}; retried later")

    def _record(
        self,
        source: SourceFile,
        digest: str | None,
        outcome: Outcome,
        detail: str | None,
        *,
        school_rows: int | None = None,
        rejected_rows: int | None = None,
    ) -> None:
        size, modified = listing_key(source)
        entry = record_ingest(
            self.conn,
            command="watch",
            uri=source.uri,
            file_name=source.name,
            size=size,
            modified_at=modified,
            sha256=digest,
            outcome=outcome,
            detail=detail,
            school_rows=school_rows,
            rejected_rows=rejected_rows,
        )
        self.report.outcomes[outcome] += 1
        level = logging.ERROR if outcome == "rejected" else logging.INFO
        log.log(
            level,
            "file=%s outcome=%s sha256=%s school_rows=%s%s",
            source.uri,
            outcome,
            (digest or "-")[:16],
            school_rows if school_rows is not None else "-",
            f" detail={detail}" if detail else "",
        )
        if self.on_entry is not None:
            self.on_entry(entry)
