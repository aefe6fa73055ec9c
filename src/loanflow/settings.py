"""One settings object: CLI option, then environment variable, then default.

Every field can be set through ``LOANFLOW_<FIELD>`` (for example
``LOANFLOW_KAFKA_BOOTSTRAP``); the CLI overrides with its options.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# src/loanflow/settings.py -> the checkout's root, where jvm/lib is resolved.
_CHECKOUT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Where loanflow keeps things and which services it talks to."""

    model_config = SettingsConfigDict(env_prefix="LOANFLOW_", extra="ignore")

    home: Path = Field(
        Path(".loanflow"),
        description="State folder: broker data and log, Spark checkpoints.",
    )
    db: Path = Field(Path("data/loanflow.db"), description="The SQLite warehouse.")
    inbox: Path = Field(
        Path("data/inbox"), description="Workbooks read by `loanflow run` with no PATH."
    )
    kafka_bootstrap: str | None = Field(
        None,
        description="A Kafka cluster to use (host:port,...). Unset: loanflow starts "
        "its own single-node broker.",
    )
    kafka_port: int = Field(
        19092,
        gt=0,
        lt=65535,
        description="Port of the embedded broker; its controller uses port+1.",
    )
    kafka_ready_seconds: float = Field(
        60.0, description="How long to wait for the embedded broker to answer."
    )
    kafka_delivery_seconds: float = Field(
        120.0,
        description="How long the producer keeps trying to deliver a record "
        "before it counts as not delivered.",
    )
    kafka_heap: str = Field("512m", description="JVM heap of the embedded broker.")
    topic: str = Field("loanflow.loan-volume.v1", description="Topic of the records.")
    topic_partitions: int = Field(
        3, gt=0, description="Partitions when loanflow creates it."
    )
    spark_master: str = Field(
        "local[2]", description="Spark master URL (local[N], spark://…, yarn)."
    )
    stream_max_records_per_batch: int = Field(
        20000, gt=0, description="Upper bound on Kafka records in one micro-batch."
    )
    stream_trigger_seconds: float = Field(
        5.0,
        gt=0,
        description="Interval between micro-batches when the job keeps running.",
    )
    jvm_lib: Path = Field(
        _CHECKOUT / "jvm" / "lib",
        description="Jars resolved by `make jvm` (kafka/ and spark/ below it).",
    )

    def checkpoint_dir(self, db: Path | None = None) -> Path:
        """The Spark checkpoint of the stream that feeds ``db`` from ``topic``.

        One checkpoint per (warehouse, topic): two warehouses never share offsets.
        """
        target = (db or self.db).resolve()
        digest = hashlib.sha256(f"{target}|{self.topic}".encode()).hexdigest()[:12]
        return self.home / "checkpoints" / f"{target.stem}-{digest}"

    @property
    def embedded_bootstrap(self) -> str:
        """Bootstrap address of the broker loanflow starts itself."""
        return f"localhost:{self.kafka_port}"

    @property
    def bootstrap(self) -> str:
        """The cluster to talk to: the named one, else the embedded broker."""
        return self.kafka_bootstrap or self.embedded_bootstrap
