"""The main job: workbooks -> Kafka -> Spark -> SQLite, start to finish.

``run_pipeline`` starts the embedded broker unless a cluster is named, publishes
the workbooks, streams until the warehouse has caught up with the topic, and
stops what it started, whatever happens in between.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from confluent_kafka import Consumer, TopicPartition

from loanflow.broker import broker_for, ensure_topic, wait_for_cluster
from loanflow.broker.jvm import java_executable, spark_connector_jars
from loanflow.errors import BrokerError
from loanflow.inputs import find_workbooks
from loanflow.publish.producer import FileOutcome, PublishReport, publish_workbooks
from loanflow.settings import Settings
from loanflow.stream.job import StreamReport, run_stream
from loanflow.workbooks.sample import write_sample

log = logging.getLogger(__name__)


@dataclass
class PipelineReport:
    """What one run did: the inputs, the publishing and the streaming."""

    inputs: list[Path]
    wrote_sample: bool
    published: PublishReport
    streamed: StreamReport
    started_broker: bool
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every file was integrated whole and nothing was lost."""
        return self.published.ok


def resolve_inputs(paths: list[Path], settings: Settings) -> tuple[list[Path], bool]:
    """The workbooks to read: ``paths``, else the inbox, else a fresh sample there.

    Returns:
        The files, and whether a sample was written into the inbox.
    """
    if paths:
        return find_workbooks(paths), False
    settings.inbox.mkdir(parents=True, exist_ok=True)
    found = find_workbooks([settings.inbox])
    if found:
        return found, False
    written = write_sample(settings.inbox)
    log.info(
        "inbox %s was empty: wrote a generated sample of %d workbooks there",
        settings.inbox,
        len(written),
    )
    return find_workbooks([settings.inbox]), True


def topic_end_offsets(settings: Settings) -> dict[str, dict[str, int]]:
    """The topic's current end offsets, in Spark's ``startingOffsets`` form.

    A run that starts a new checkpoint reads from here, so a new warehouse gets
    this run's workbooks and not whatever older runs left in the topic.
    """
    consumer = Consumer(
        {"bootstrap.servers": settings.bootstrap, "group.id": "loanflow-offsets"}
    )
    try:
        metadata = consumer.list_topics(settings.topic, timeout=30)
        partitions = metadata.topics[settings.topic].partitions
        ends = {}
        for number in sorted(partitions):
            _, high = consumer.get_watermark_offsets(
                TopicPartition(settings.topic, number), timeout=30
            )
            ends[str(number)] = high
    finally:
        consumer.close()
    return {settings.topic: ends}


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


def run_pipeline(
    paths: list[Path],
    settings: Settings,
    *,
    on_file: Callable[[FileOutcome], None] | None = None,
    on_batch: Callable[..., None] | None = None,
) -> PipelineReport:
    """Integrate workbooks into ``settings.db`` through Kafka and Spark.

    Args:
        paths: workbooks or folders; empty means the inbox.
        settings: where everything is.
        on_file: progress callback after each file is published.
        on_batch: progress callback after each micro-batch is written.

    Raises:
        JvmDependencyError: Java or the jars are missing, or the Kafka
            connector's version differs from PySpark's.
        BrokerError: Kafka could not be started or reached.
        StreamError: the Spark job failed.
    """
    # Refuse early, before anything is published, if the JVM side is not right.
    java_executable()
    spark_connector_jars(settings)

    inputs, wrote_sample = resolve_inputs(paths, settings)
    broker = broker_for(settings)
    started = False
    try:
        # Kafka first: the embedded broker, or the named cluster must answer.
        if broker is not None:
            started = broker.start()
        else:
            wait_for_cluster(settings.bootstrap, settings.kafka_ready_seconds)
        ensure_topic(settings.bootstrap, settings.topic, settings.topic_partitions)
        starting_offsets = topic_end_offsets(settings)

        published = publish_workbooks(inputs, settings, on_file=on_file)
        streamed = run_stream(
            settings,
            settings.db,
            until_caught_up=True,
            starting_offsets=starting_offsets,
            on_batch=on_batch,
        )
    finally:
        if started and broker is not None:
            try:
                broker.stop()
            except BrokerError as error:
                log.error("could not stop the broker this run started: %s", error)
    return PipelineReport(
        inputs=inputs,
        wrote_sample=wrote_sample,
        published=published,
        streamed=streamed,
        started_broker=started,
    )
