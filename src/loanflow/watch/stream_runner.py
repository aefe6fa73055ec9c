"""The watch's stream job: ``run_stream`` kept running in a thread, restartable.

The job uses the warehouse's own checkpoint (``settings.checkpoint_dir(db)``,
the one `loanflow stream` uses), so stopping and starting it again loses and
repeats nothing. The watch restarts it when Kafka answers again after an
outage, and when it failed because of Kafka or of its Spark query. It does not
restart it when another stream holds the checkpoint, or when Spark's JVM is
gone (killed, out of memory): the watch then stops with that error, and a new
watch goes on where this one stopped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from py4j.protocol import Py4JError
from pyspark.sql import SparkSession

from loanflow.errors import (
    BrokerError,
    CheckpointBusyError,
    SparkGoneError,
    StreamError,
    first_line,
)
from loanflow.settings import Settings
from loanflow.stream.job import run_stream
from loanflow.warehouse.records import Record

log = logging.getLogger(__name__)

# How long stopping the query may take before the watch goes on without it.
STOP_SECONDS = 60.0


@contextmanager
def spark_gone_is_an_error(settings: Settings) -> Iterator[None]:
    """Turn a lost connection to Spark's JVM into one ``SparkGoneError``."""
    try:
        yield
    except (Py4JError, ConnectionError) as error:
        raise SparkGoneError(
            f"Spark's JVM is gone (killed, or out of memory; see "
            f"{settings.home / 'spark.log'}): {first_line(error)}. Start the "
            f"watch again: it goes on where it stopped"
        ) from error


class StreamRunner:
    """One streaming query at a time, in a background thread."""

    def __init__(
        self,
        settings: Settings,
        db: Path,
        spark: SparkSession,
        *,
        accept: Callable[[Record], bool] | None = None,
        starting_offsets: str | dict[str, dict[str, int]] = "earliest",
    ) -> None:
        self.settings = settings
        self.db = db
        self.spark = spark
        self.accept = accept
        self.starting_offsets = starting_offsets
        self.starts = 0
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    @property
    def running(self) -> bool:
        """Whether the job's thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def restartable(self) -> bool:
        """Whether the last failure came from Kafka or the Spark query.

        Not: the warehouse's errors, another stream holding the checkpoint,
        and Spark's JVM gone, which a restart in this process cannot mend.
        """
        if isinstance(self.error, CheckpointBusyError | SparkGoneError):
            return False
        return self.error is None or isinstance(self.error, BrokerError | StreamError)

    def start(self) -> None:
        """Start the job; it runs until ``stop`` or a failure."""
        self.error = None
        self._stopping.clear()
        self.starts += 1
        self._thread = threading.Thread(
            target=self._run, name=f"loanflow-watch-stream-{self.starts}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop the query after the batch in progress and wait for the thread."""
        thread = self._thread
        if thread is None:
            return
        self._stopping.set()
        deadline = time.monotonic() + STOP_SECONDS
        # The thread may not have started its query yet: stop it once it has.
        while thread.is_alive() and time.monotonic() < deadline:
            try:
                for query in self.spark.streams.active:
                    query.stop()
            except (Py4JError, ConnectionError) as error:
                # Spark's JVM is gone (it got the signal too): nothing to stop.
                log.warning("cannot reach Spark to stop the stream: %s", error)
                break
            thread.join(timeout=0.5)
        if thread.is_alive():
            log.warning(
                "the stream job did not stop within %.0f s; leaving it", STOP_SECONDS
            )
        self._thread = None

    def restart(self, reason: str) -> None:
        """Stop the job (if it runs) and start it again from its checkpoint."""
        log.info("restarting the stream job: %s", reason)
        self.stop()
        self.start()

    def _run(self) -> None:
        try:
            with spark_gone_is_an_error(self.settings):
                run_stream(
                    self.settings,
                    self.db,
                    until_caught_up=False,
                    spark=self.spark,
                    accept=self.accept,
                    starting_offsets=self.starting_offsets,
                    # The watch holds the checkpoint's lock for its whole life.
                    lock=False,
                )
        except BaseException as error:
            if self._stopping.is_set():
                log.debug("stream job ended while stopping: %s", error)
                return
            self.error = error
            log.error("stream job failed: %s", error)
