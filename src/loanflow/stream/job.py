"""The streaming job: Kafka to the warehouse, one transaction per micro-batch.

Spark reads the topic in micro-batches of at most
``stream_max_records_per_batch`` records and records its progress in a
checkpoint. Each batch is parsed and checked in Spark (``parse``), collected
to the driver and written by ``write_batch`` in one transaction together with
its (checkpoint id, batch id). A batch Spark replays after a crash is found
already written and skipped, so a killed job that is started again ends with
exactly the warehouse of a run that was never interrupted.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from py4j.protocol import Py4JError
from pyspark.errors import PySparkException, StreamingQueryException
from pyspark.sql import DataFrame, Row, SparkSession
from pyspark.sql.streaming import StreamingQuery

from loanflow.broker.admin import wait_for_cluster
from loanflow.errors import StreamError
from loanflow.settings import Settings
from loanflow.stream.checkpoint import checkpoint_lock, prepare_checkpoint
from loanflow.stream.parse import parse_messages, to_record
from loanflow.stream.spark import build_spark
from loanflow.warehouse import BatchResult, batch_written, connect, write_batch
from loanflow.warehouse.db import utc_now
from loanflow.warehouse.records import Record

logger = logging.getLogger(__name__)

OnBatch = Callable[[BatchResult], None]


@dataclass(frozen=True)
class StreamReport:
    """What one ``run_stream`` did.

    Attributes:
        checkpoint_id: the checkpoint's stable id.
        started_over: a stale checkpoint was removed (see ``checkpoint``).
        batches: batches written by this run.
        batches_skipped: batches Spark replayed that were already written.
        records: Kafka records in the written batches.
        school_rows_written: school rows new to the warehouse.
        duplicates_ignored: records the warehouse already had.
        rejected: records newly kept aside.
        publications_completed: publications this run made complete.
        seconds: how long the run took.
        not_ours: records ``accept`` left for other warehouses.
    """

    checkpoint_id: str
    started_over: bool
    batches: int
    batches_skipped: int
    records: int
    school_rows_written: int
    duplicates_ignored: int
    rejected: int
    publications_completed: int
    seconds: float
    not_ours: int = 0


def run_stream(
    settings: Settings,
    db: Path,
    *,
    until_caught_up: bool,
    starting_offsets: str | dict[str, dict[str, int]] = "earliest",
    on_batch: OnBatch | None = None,
    spark: SparkSession | None = None,
    checkpoint: Path | None = None,
    accept: Callable[[Record], bool] | None = None,
    lock: bool = True,
) -> StreamReport:
    """Stream the topic's records into the warehouse.

    Args:
        settings: the broker (``bootstrap``), ``topic``, batch size, trigger
            interval and the checkpoint folder (``checkpoint_dir(db)``).
        db: the warehouse.
        until_caught_up: stop once every record the topic held at the start
            is written; otherwise run until SIGINT or SIGTERM, then stop after
            the batch in progress.
        starting_offsets: where a NEW checkpoint starts: ``earliest``,
            ``latest`` or Spark's JSON form as a dict (``{topic: {partition:
            offset}}``). An existing checkpoint resumes where it stopped.
        on_batch: called after every batch with what it wrote (for a progress
            display); it runs on Spark's callback thread.
        spark: a running session to use; by default ``build_spark(settings)``.
        checkpoint: the checkpoint folder; by default the one of this warehouse
            and topic, ``settings.checkpoint_dir(db)``.
        accept: which records belong in this warehouse; by default all. A run
            takes only the workbooks it published, since other runs may be
            publishing to the same topic for other warehouses at the same time.
        lock: take the checkpoint's lock for the run; False when the caller
            holds it already (`loanflow watch` holds it for its whole life).

    Returns:
        What the run wrote.

    Raises:
        BrokerError: Kafka did not answer.
        StreamError: the query failed, or another stream holds the checkpoint.
        KeyboardInterrupt: SIGINT or SIGTERM stopped a run that was to catch up
            (the batches written so far stay written).
        WarehouseError: the warehouse cannot be opened or written.
    """
    started = time.monotonic()
    path = (checkpoint or settings.checkpoint_dir(db)).resolve()
    with checkpoint_lock(path) if lock else nullcontext():
        with closing(connect(db)) as conn:
            prepared = prepare_checkpoint(path, conn)
        wait_for_cluster(settings.bootstrap, settings.kafka_ready_seconds)
        session = spark or build_spark(settings)
        try:
            writer = _BatchWriter(db, prepared.checkpoint_id, on_batch, accept)
            query = _start(
                session,
                settings,
                prepared.path,
                writer,
                until_caught_up,
                starting_offsets,
            )
            interrupted = _await(query, writer, prepared.path)
        finally:
            if spark is None:
                # Ours: stop Spark's JVM now rather than leave it to exit late.
                session.stop()
    report = writer.report(prepared.started_over, time.monotonic() - started)
    if interrupted and until_caught_up:
        # Not caught up: the caller must not take the warehouse as complete.
        logger.warning("stream interrupted before it caught up: %s", report)
        raise KeyboardInterrupt
    logger.info(
        "stream %s: batches=%d skipped=%d records=%d school_rows=%d duplicates=%d "
        "rejected=%d completed=%d not_ours=%d seconds=%.1f",
        "caught up" if until_caught_up else "stopped",
        report.batches,
        report.batches_skipped,
        report.records,
        report.school_rows_written,
        report.duplicates_ignored,
        report.rejected,
        report.publications_completed,
        report.not_ours,
        report.seconds,
    )
    return report


class _BatchWriter:
    """The ``foreachBatch`` function: one batch, one transaction."""

    def __init__(
        self,
        db: Path,
        checkpoint_id: str,
        on_batch: OnBatch | None,
        accept: Callable[[Record], bool] | None = None,
    ):
        self.db = db
        self.checkpoint_id = checkpoint_id
        self.on_batch = on_batch
        self.accept = accept
        self.not_ours = 0
        self.results: list[BatchResult] = []
        self.failure: BaseException | None = None

    def __call__(self, frame: DataFrame, batch_id: int) -> None:
        started = time.monotonic()
        began_at = utc_now()
        try:
            with closing(connect(self.db)) as conn:
                # Spark computes the batch before the write transaction starts,
                # so the warehouse is locked only while SQLite writes it.
                rows = (
                    []
                    if batch_written(conn, self.checkpoint_id, batch_id)
                    else _collected(frame)
                )
                records: Iterable[Record] = (to_record(row) for row in rows)
                if self.accept is not None:
                    records = self._ours(records)
                result = write_batch(
                    conn, self.checkpoint_id, batch_id, records, began_at=began_at
                )
            if self.on_batch is not None:
                self.on_batch(result)
        except BaseException as exc:
            # Spark only sees the failure as text; keep the error for the caller.
            self.failure = exc
            raise
        self.results.append(result)
        if result.already_written:
            return
        seconds = time.monotonic() - started
        logger.info(
            "batch_id=%d records=%d school_rows=%d duplicates=%d rejected=%d "
            "completed=%d seconds=%.2f rate=%.0f/s",
            batch_id,
            result.records,
            result.school_rows_written,
            result.duplicates_ignored,
            result.rejected,
            result.publications_completed,
            seconds,
            result.records / seconds if seconds else 0.0,
        )

    def _ours(self, records: Iterable[Record]) -> Iterator[Record]:
        """The records ``accept`` takes; the others are counted and left."""
        assert self.accept is not None
        for record in records:
            if self.accept(record):
                yield record
            else:
                self.not_ours += 1

    def report(self, started_over: bool, seconds: float) -> StreamReport:
        written = [result for result in self.results if not result.already_written]
        return StreamReport(
            checkpoint_id=self.checkpoint_id,
            started_over=started_over,
            batches=len(written),
            batches_skipped=len(self.results) - len(written),
            records=sum(result.records for result in written),
            school_rows_written=sum(r.school_rows_written for r in written),
            duplicates_ignored=sum(r.duplicates_ignored for r in written),
            rejected=sum(result.rejected for result in written),
            publications_completed=sum(r.publications_completed for r in written),
            seconds=seconds,
            not_ours=self.not_ours,
        )


def _collected(frame: DataFrame) -> list[Row]:
    """The batch's rows, parsed and checked by Spark, on the driver.

    One ``collect`` runs a single Spark job over every partition at once; it is
    several times faster than ``toLocalIterator``, which runs one job per
    partition in turn. A batch holds at most ``stream_max_records_per_batch``
    records, so it fits in the driver's memory.
    """
    began = time.monotonic()
    rows = frame.collect()
    logger.debug("collected rows=%d seconds=%.2f", len(rows), time.monotonic() - began)
    return rows


def _start(
    session: SparkSession,
    settings: Settings,
    checkpoint: Path,
    writer: _BatchWriter,
    until_caught_up: bool,
    starting_offsets: str | dict[str, dict[str, int]],
) -> StreamingQuery:
    offsets = (
        starting_offsets
        if isinstance(starting_offsets, str)
        else json.dumps(starting_offsets)
    )
    kafka = (
        session.readStream.format("kafka")
        .option("kafka.bootstrap.servers", settings.bootstrap)
        .option("subscribe", settings.topic)
        .option("startingOffsets", offsets)
        .option("maxOffsetsPerTrigger", settings.stream_max_records_per_batch)
        # The default, said aloud: records that vanish from Kafka before the
        # warehouse has them must stop the job, not be skipped in silence.
        .option("failOnDataLoss", "true")
        .load()
    )
    stream = (
        parse_messages(kafka)
        .writeStream.foreachBatch(writer)
        .option("checkpointLocation", str(checkpoint))
    )
    if until_caught_up:
        stream = stream.trigger(availableNow=True)
    else:
        milliseconds = round(settings.stream_trigger_seconds * 1000)
        stream = stream.trigger(processingTime=f"{milliseconds} milliseconds")
    query = stream.start()
    logger.info(
        "stream started: topic=%s bootstrap=%s checkpoint=%s until_caught_up=%s "
        "max_records_per_batch=%d",
        settings.topic,
        settings.bootstrap,
        checkpoint,
        until_caught_up,
        settings.stream_max_records_per_batch,
    )
    return query


def _await(query: StreamingQuery, writer: _BatchWriter, checkpoint: Path) -> bool:
    """Wait for the query to end: caught up, stopped by a signal, or failed.

    Returns:
        True when a signal stopped it.
    """
    with _stop_on_signals(query) as signals:
        try:
            query.awaitTermination()
        except StreamingQueryException as exc:
            failure = writer.failure
            # Our own errors (the warehouse's, the caller's hook) as they are;
            # Spark's, said in one line.
            if failure is not None and not isinstance(
                failure, Py4JError | PySparkException
            ):
                raise failure from exc
            raise StreamError(_explain(exc, checkpoint)) from failure or exc
        finally:
            if query.isActive:
                query.stop()
    return bool(signals)


@contextmanager
def _stop_on_signals(query: StreamingQuery) -> Iterator[list[str]]:
    """Stop the query on the first SIGINT or SIGTERM; a second acts as usual.

    The query is stopped from another thread: the main thread is waiting in
    ``awaitTermination``, which returns once the query has stopped.

    Yields:
        A list that receives the name of the signal that stopped the query.
    """
    received: list[str] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {number: signal.getsignal(number) for number in signals}

    def stop(number: int, frame: FrameType | None) -> None:
        received.append(signal.Signals(number).name)
        logger.info(
            "signal=%s: stopping the stream after the batch in progress",
            signal.Signals(number).name,
        )
        for other, handler in previous.items():
            signal.signal(other, handler)
        threading.Thread(target=query.stop, name="loanflow-stop-stream").start()

    for number in signals:
        signal.signal(number, stop)
    try:
        yield received
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _explain(exc: StreamingQueryException, checkpoint: Path) -> str:
    text = str(exc)
    first_line = text.strip().splitlines()[0] if text.strip() else repr(exc)
    # Spark's data-loss errors all name the option that would silence them.
    if "failOnDataLoss" in text:
        return (
            f"Kafka no longer holds records the stream's checkpoint expects (the "
            f"topic was recreated, or its retention deleted them): {first_line}. "
            f"To read what the topic holds now, delete {checkpoint}; records the "
            f"warehouse already has are ignored"
        )
    return f"the Spark stream failed: {first_line}"
