"""Talking to a Kafka cluster as its administrator: is it there, make the topic."""

from __future__ import annotations

import concurrent.futures
import logging
import time
from collections.abc import Callable
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from loanflow.errors import BrokerError

logger = logging.getLogger(__name__)

# librdkafka's own log: connection refused while a broker starts is expected.
_client_log = logging.getLogger("loanflow.broker.librdkafka")

# How long one question to the cluster may take while waiting for it; also how
# late a broker that died is noticed.
_ASK_SECONDS = 1.0


class DebugLog:
    """Hands librdkafka's messages (whatever their level) to a DEBUG logger.

    Give it as the ``logger`` of a confluent-kafka client: its retries while a
    broker starts or a coordinator loads are routine, and what matters reaches
    loanflow through errors and delivery reports.
    """

    def __init__(self, logger: logging.Logger = _client_log) -> None:
        self._logger = logger

    def log(self, level: int, message: str, *args: Any) -> None:
        self._logger.debug(message, *args)


def admin_client(bootstrap: str) -> AdminClient:
    """An admin client of ``bootstrap`` whose chatter goes to DEBUG logging."""
    # Typed Any: the client's stubs allow only scalars, yet it takes a logger.
    config: dict[str, Any] = {
        "bootstrap.servers": bootstrap,
        "logger": DebugLog(),
        # The default backoff grows to 10 s and would hide a broker that has just
        # come up.
        "reconnect.backoff.max.ms": 500,
    }
    return AdminClient(config)


def cluster_answers(admin: AdminClient, timeout: float = _ASK_SECONDS) -> bool:
    """Whether the cluster answers a metadata request with at least one broker.

    Blocks at most ``timeout`` seconds.
    """
    try:
        metadata = admin.list_topics(timeout=max(timeout, 0.01))
    except KafkaException as error:
        _client_log.debug("no answer reason=%s", error.args[0])
        return False
    finally:
        # Delivers the queued librdkafka log lines to the logger.
        admin.poll(0)
    return bool(metadata.brokers)


def await_answer(
    bootstrap: str, deadline: float, alive: Callable[[], bool] | None = None
) -> bool:
    """Ask the cluster at ``bootstrap`` until it answers or there is no point.

    Args:
        bootstrap: the cluster (host:port,...).
        deadline: a ``time.monotonic()`` instant after which to give up.
        alive: says whether the process behind the cluster still runs; asked
            after each unanswered question.

    Returns:
        True once it answers; False when the deadline has passed or ``alive``
        returned False.
    """
    admin = admin_client(bootstrap)
    while not cluster_answers(admin, min(_ASK_SECONDS, deadline - time.monotonic())):
        if (alive is not None and not alive()) or time.monotonic() >= deadline:
            return False
    return True


def wait_for_cluster(bootstrap: str, timeout: float) -> None:
    """Wait until the Kafka cluster at ``bootstrap`` answers.

    Raises:
        BrokerError: it does not answer within ``timeout`` seconds.
    """
    if not await_answer(bootstrap, time.monotonic() + timeout):
        raise BrokerError(
            f"cannot reach Kafka at {bootstrap} within {timeout:g} s: is the "
            f"cluster running, and is the address (LOANFLOW_KAFKA_BOOTSTRAP or "
            f"--bootstrap-servers) right?"
        )
    logger.debug("cluster answers bootstrap=%s", bootstrap)


def ensure_topic(
    bootstrap: str, topic: str, partitions: int, *, timeout: float = 30
) -> bool:
    """Create ``topic`` unless it exists; its replication is the cluster's default.

    Args:
        bootstrap: the cluster (host:port,...).
        topic: the topic name.
        partitions: how many partitions a new topic gets (an existing topic keeps
            its own).
        timeout: seconds to wait for the cluster to confirm.

    Returns once every partition's leader answers, so that producers and
    consumers can use the topic at once (a new topic, or one on a broker that has just
    restarted, answers "not leader" for a moment otherwise).

    Returns:
        True if the topic was created, False if it existed already.

    Raises:
        BrokerError: the cluster refused or did not confirm in time.
    """
    admin = admin_client(bootstrap)
    created = _create_topic(admin, bootstrap, topic, partitions, timeout)
    # Usable means every partition's leader answers with its end offset.
    end_offsets(bootstrap, topic, timeout=timeout)
    return created


def _create_topic(
    admin: AdminClient, bootstrap: str, topic: str, partitions: int, timeout: float
) -> bool:
    futures = admin.create_topics(
        [NewTopic(topic, num_partitions=partitions, replication_factor=-1)],
        operation_timeout=timeout,
        request_timeout=timeout,
    )
    try:
        futures[topic].result(timeout=timeout)
    except KafkaException as error:
        reason: KafkaError = error.args[0]
        if reason.code() == KafkaError.TOPIC_ALREADY_EXISTS:
            logger.debug("topic exists topic=%s bootstrap=%s", topic, bootstrap)
            return False
        raise BrokerError(
            f"cannot create topic {topic} at {bootstrap}: {reason.str()}"
        ) from error
    except concurrent.futures.TimeoutError as error:
        raise BrokerError(
            f"cannot create topic {topic} at {bootstrap}: no answer within "
            f"{timeout:g} s"
        ) from error
    logger.info(
        "created topic topic=%s partitions=%d bootstrap=%s",
        topic,
        partitions,
        bootstrap,
    )
    return True


# Answers of a partition that is still settling (just created, or its broker
# just restarted); librdkafka does not always mark them retriable.
_SETTLING = frozenset(
    {
        KafkaError.NOT_LEADER_FOR_PARTITION,
        KafkaError.LEADER_NOT_AVAILABLE,
        KafkaError.UNKNOWN_TOPIC_OR_PART,
        KafkaError._TIMED_OUT,
    }
)


def end_offsets(bootstrap: str, topic: str, *, timeout: float = 30) -> dict[int, int]:
    """The end offset of each partition of ``topic``, once every one answers.

    A partition whose metadata already names its leader can still answer "not
    leader" for a moment; it is asked again until ``timeout`` runs out.

    Raises:
        BrokerError: a partition gave no end offset within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": "loanflow-offsets",
            "logger": DebugLog(),
        }
    )
    try:
        metadata = consumer.list_topics(topic, timeout=timeout)
        numbers = sorted(metadata.topics[topic].partitions)
        return {
            number: _end_offset(consumer, topic, number, deadline) for number in numbers
        }
    except KafkaException as error:
        raise BrokerError(
            f"cannot read the partitions of {topic} at {bootstrap}: {error}"
        ) from error
    finally:
        consumer.close()


def _end_offset(consumer: Consumer, topic: str, partition: int, deadline: float) -> int:
    while True:
        try:
            _, high = consumer.get_watermark_offsets(
                TopicPartition(topic, partition), timeout=_ASK_SECONDS
            )
            return int(high)
        except KafkaException as error:
            reason: KafkaError = error.args[0]
            settling = reason.retriable() or reason.code() in _SETTLING
            if not settling or time.monotonic() >= deadline:
                raise BrokerError(
                    f"cannot read the end offset of {topic} partition {partition}: "
                    f"{reason.str()}; is the broker healthy? (`loanflow kafka "
                    f"status`, its log)"
                ) from error
            _client_log.debug("settling topic=%s partition=%d", topic, partition)
