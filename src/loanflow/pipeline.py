"""The main job: workbooks -> Kafka -> Spark -> SQLite, start to finish.

``run_pipeline`` integrates the workbooks it is given into one warehouse. It
skips workbooks the warehouse already holds whole (same bytes), starts the
embedded broker unless a cluster is named, publishes the others, streams what
it published into the warehouse, and stops what it started, whatever happens
in between.

A run streams from the topic's end offsets noted before it published, with a
checkpoint of its own that is removed afterwards: it integrates its own
workbooks (and whatever else reaches the topic while it runs), never records
that other runs or `loanflow produce` left in the topic for other warehouses.
`loanflow stream` is the command that follows the whole topic.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from loanflow.broker import broker_for, ensure_topic, wait_for_cluster
from loanflow.broker.admin import end_offsets
from loanflow.broker.jvm import java_executable, spark_connector_jars
from loanflow.errors import BrokerError, ConfigurationError, SourceReadError
from loanflow.inputs import file_digest
from loanflow.publish.producer import FileOutcome, PublishReport, publish_workbooks
from loanflow.settings import Settings
from loanflow.sources import SourceFile, find_sources, local_copy
from loanflow.stream.checkpoint import run_checkpoint
from loanflow.stream.job import StreamReport, run_stream
from loanflow.warehouse import connect, integrated_publications
from loanflow.warehouse.records import Record, RejectedRecord, record_digest
from loanflow.watch.ingest_log import record_run
from loanflow.workbooks.sample import write_sample

log = logging.getLogger(__name__)

# In the broker's folder while the broker runs because a run started it.
RUN_STARTED_MARK = "started-by-run"


@dataclass
class PipelineReport:
    """What one run did: the inputs, the publishing and the streaming."""

    inputs: list[Path]
    wrote_sample: bool
    published: PublishReport
    streamed: StreamReport | None
    started_broker: bool

    @property
    def ok(self) -> bool:
        """True when every file was integrated whole and nothing was lost."""
        return self.published.ok


def resolve_inputs(
    paths: Sequence[str | Path], settings: Settings
) -> tuple[list[SourceFile], bool]:
    """The workbooks to read: ``paths``, else the inbox, else a fresh sample there.

    Args:
        paths: local files, folders or globs, or URIs (``hdfs://``,
            ``webhdfs://``) of any of them.

    Returns:
        The files, and whether a sample was written into the inbox.

    Raises:
        ConfigurationError: a source does not exist or cannot be listed
            (``SourceError``), or holds no workbook.
    """
    if paths:
        found = find_sources(paths, settings)
        if not found:
            raise ConfigurationError(
                f"no workbooks (*.xls, *.xlsx, *.xlsm) in "
                f"{', '.join(str(path) for path in paths)}"
            )
        return found, False
    settings.inbox.mkdir(parents=True, exist_ok=True)
    found = find_sources([settings.inbox], settings)
    if found:
        return found, False
    written = write_sample(settings.inbox)
    log.info(
        "inbox %s was empty: wrote a generated sample of %d workbooks there",
        settings.inbox,
        len(written),
    )
    return find_sources([settings.inbox], settings), True


def fetch_sources(
    sources: list[SourceFile], settings: Settings, copies: ExitStack
) -> tuple[list[Path], dict[Path, str], list[FileOutcome]]:
    """Local paths to read the sources from, copying remote files once.

    A remote file is copied to a temporary file that lives as long as
    ``copies``; its digest and its reading both use that copy.

    Returns:
        The local paths in source order, the URI of each copied path, and an
        outcome with the error of each remote file that could not be copied.
    """
    paths: list[Path] = []
    uris: dict[Path, str] = {}
    unreadable: list[FileOutcome] = []
    for source in sources:
        try:
            path = copies.enter_context(local_copy(source, settings))
        except SourceReadError as error:
            log.error("%s", error)
            unreadable.append(
                FileOutcome(
                    path=Path(source.name), error=str(error), source_uri=source.uri
                )
            )
            continue
        paths.append(path)
        if not source.is_local:
            uris[path] = source.uri
    return paths, uris, unreadable


def topic_end_offsets(settings: Settings) -> dict[str, dict[str, int]]:
    """The topic's current end offsets, in Spark's ``startingOffsets`` form.

    A run streams from here, so its warehouse gets this run's workbooks and not
    whatever other runs left in the topic.
    """
    ends = end_offsets(
        settings.bootstrap, settings.topic, timeout=settings.kafka_ready_seconds
    )
    return {settings.topic: {str(number): end for number, end in ends.items()}}


def require_cluster(settings: Settings) -> None:
    """Check that Kafka answers, for commands that do not start a broker.

    Raises:
        BrokerError: the embedded broker is not running, or the named cluster
            does not answer.
    """
    broker = broker_for(settings)
    if broker is not None and not broker.status().running:
        raise BrokerError(
            f"the embedded Kafka broker is not running at {settings.bootstrap}: "
            "start it with `loanflow kafka start`, or name a cluster with "
            "--bootstrap-servers"
        )
    wait_for_cluster(settings.bootstrap, settings.kafka_ready_seconds)


@contextmanager
def kafka_for_run(settings: Settings) -> Iterator[bool]:
    """Kafka for the length of one run: the named cluster, or the embedded broker.

    The embedded broker is shared: runs started at the same time use the same
    one. Each run holds a shared lock on ``<home>/kafka/users.lock`` while it
    uses the broker; the last run to finish stops the broker if a run started
    it (a broker started by `loanflow kafka start` keeps running).

    Yields:
        Whether this run started the embedded broker.
    """
    broker = broker_for(settings)
    if broker is None:
        wait_for_cluster(settings.bootstrap, settings.kafka_ready_seconds)
        yield False
        return

    folder = settings.home / "kafka"
    folder.mkdir(parents=True, exist_ok=True)
    users = folder / "users.lock"
    started_by_run = folder / RUN_STARTED_MARK
    try:
        with _flock(users, fcntl.LOCK_SH):
            started = broker.start()
            if started:
                started_by_run.touch()
            yield started
    finally:
        # Our shared lock is released: an exclusive one means no run is left.
        with _flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB) as last:
            if not last:
                log.info("the embedded broker stays up: another run still uses it")
            elif started_by_run.exists():
                try:
                    broker.stop()
                    started_by_run.unlink(missing_ok=True)
                except BrokerError as error:
                    log.error("could not stop the broker a run started: %s", error)


@contextmanager
def _flock(path: Path, operation: int) -> Iterator[bool]:
    """Hold ``flock(operation)`` on ``path``; yields False if it would block."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, operation)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(descriptor)


def run_pipeline(
    paths: Sequence[str | Path],
    settings: Settings,
    *,
    on_file: Callable[[FileOutcome], None] | None = None,
    on_batch: Callable[..., None] | None = None,
) -> PipelineReport:
    """Integrate workbooks into ``settings.db`` through Kafka and Spark.

    Args:
        paths: workbooks, folders or globs, local or as URIs (``hdfs://``,
            ``webhdfs://``); empty means the inbox.
        settings: where everything is.
        on_file: progress callback after each file is published.
        on_batch: progress callback after each micro-batch is written.

    Raises:
        JvmDependencyError: Java or the jars are missing, or the Kafka
            connector's version differs from PySpark's.
        BrokerError: Kafka could not be started or reached.
        StreamError: the Spark job failed.
        SourceError: a source cannot be listed.
    """
    # Refuse early, before anything is published, if the JVM side is not right.
    java_executable()
    spark_connector_jars(settings)

    sources, wrote_sample = resolve_inputs(paths, settings)
    with ExitStack() as copies:
        inputs, source_uris, unreadable = fetch_sources(sources, settings, copies)
        report = _run_inputs(
            inputs, source_uris, wrote_sample, settings, on_file, on_batch
        )
    # A remote file that could not be copied is reported like an unreadable one.
    report.published.files = unreadable + report.published.files
    with closing(connect(settings.db)) as conn:
        record_run(
            conn,
            sources,
            report.published.files,
            delivery_failed=report.published.failed > 0,
        )
    return report


def _run_inputs(
    inputs: list[Path],
    source_uris: dict[Path, str],
    wrote_sample: bool,
    settings: Settings,
    on_file: Callable[[FileOutcome], None] | None,
    on_batch: Callable[..., None] | None,
) -> PipelineReport:
    known, fresh = split_integrated(inputs, settings.db, source_uris)
    if not fresh:
        log.info("every workbook is in the warehouse already: nothing to publish")
        return PipelineReport(
            inputs=inputs,
            wrote_sample=wrote_sample,
            published=PublishReport(files=_in_input_order(inputs, known, [])),
            streamed=None,
            started_broker=False,
        )

    with kafka_for_run(settings) as started:
        ensure_topic(settings.bootstrap, settings.topic, settings.topic_partitions)
        starting_offsets = topic_end_offsets(settings)

        published = publish_workbooks(
            fresh, settings, on_file=on_file, source_uris=source_uris
        )
        with run_checkpoint(settings.home / "checkpoints" / "runs") as checkpoint:
            streamed = run_stream(
                settings,
                settings.db,
                until_caught_up=True,
                starting_offsets=starting_offsets,
                on_batch=on_batch,
                checkpoint=checkpoint,
                accept=records_of(fresh),
            )
    check_integrated(published.files, settings.db)
    published.files = _in_input_order(inputs, known, published.files)
    return PipelineReport(
        inputs=inputs,
        wrote_sample=wrote_sample,
        published=published,
        streamed=streamed,
        started_broker=started,
    )


def records_of(workbooks: list[Path]) -> Callable[[Record], bool]:
    """Whether a record came from one of these workbooks (by SHA-256).

    Other runs may publish to the same topic at the same time for their own
    warehouses; a run's stream takes only its own workbooks' records. A file
    that could not even be read has no digest: its rejection is known by name.
    """
    digests: set[str] = set()
    unread: set[str] = set()
    for path in workbooks:
        digest = file_digest(path)
        if digest is None:
            unread.add(path.name)
        else:
            digests.add(digest)

    def accept(record: Record) -> bool:
        digest = record_digest(record)
        if digest is not None:
            return digest in digests
        return (
            isinstance(record, RejectedRecord)
            and record.source == "workbook"
            and record.source_file in unread
        )

    return accept


def check_integrated(outcomes: list[FileOutcome], db: Path) -> None:
    """Mark each published workbook that the warehouse does not hold whole.

    A school row can still be refused on the way (the stream keeps aside a
    message that does not fit); then its publication stays incomplete and is
    not shown in ``loan_volume``. That is an error of the file, said in one line.
    """
    with closing(connect(db)) as conn:
        held = integrated_publications(conn)
    for outcome in outcomes:
        if outcome.publication is None or outcome.error is not None:
            continue
        found = held.get(outcome.publication.source_sha256)
        if found is not None and found.complete:
            continue
        received = found.received_school_rows if found else 0
        outcome.error = (
            f"only {received:,} of {outcome.school_rows:,} school rows reached the "
            f"warehouse, so it is not in loan_volume; see `loanflow rejected`"
        )
        log.error("%s: %s", outcome.path, outcome.error)


def split_integrated(
    inputs: list[Path], db: Path, source_uris: Mapping[Path, str] | None = None
) -> tuple[dict[Path, FileOutcome], list[Path]]:
    """Workbooks the warehouse holds whole already, and the others.

    ``source_uris`` names where a local copy came from (``hdfs://...``), for
    the outcome and the log.

    Returns:
        An outcome for each workbook already integrated (by its SHA-256), and
        the workbooks to publish, in input order.
    """
    with closing(connect(db)) as conn:
        integrated = integrated_publications(conn)
    known: dict[Path, FileOutcome] = {}
    fresh: list[Path] = []
    for path in inputs:
        found = integrated.get(file_digest(path) or "")
        if found is None or not found.complete:
            fresh.append(path)
            continue
        source_uri = (source_uris or {}).get(path) or str(path)
        known[path] = FileOutcome(
            path=path,
            source_uri=source_uri,
            publication=found.publication,
            school_rows=found.school_rows,
            rejected_rows=found.rejected_rows,
            already_integrated=True,
        )
        log.info(
            "already integrated, not published again: file=%s sha256=%s",
            source_uri,
            found.publication.source_sha256[:16],
        )
    return known, fresh


def _in_input_order(
    inputs: list[Path], known: dict[Path, FileOutcome], sent: list[FileOutcome]
) -> list[FileOutcome]:
    by_path = {outcome.path: outcome for outcome in sent} | known
    return [by_path[path] for path in inputs if path in by_path]
