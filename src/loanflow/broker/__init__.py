"""The Kafka side: the embedded broker, the cluster's topics, the JVM's jars."""

from loanflow.broker.admin import ensure_topic, wait_for_cluster
from loanflow.broker.embedded import (
    BrokerStatus,
    EmbeddedBroker,
    broker_for,
    ensure_cluster,
)

__all__ = [
    "BrokerStatus",
    "EmbeddedBroker",
    "broker_for",
    "ensure_cluster",
    "ensure_topic",
    "wait_for_cluster",
]
