"""One settings object: CLI option, then environment variable, then default.

Every field can be set through ``LOANFLOW_<FIELD>`` (for example
``LOANFLOW_KAFKA_BOOTSTRAP``); the CLI overrides with its options.
"""

from __future__ import annotations

import getpass
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
    dead_letter_topic: str | None = Field(
        None,
        description="Topic that also receives every record set aside (rows and "
        "files the reader refused). Unset: <topic>.dead-letter.",
    )
    spark_master: str = Field(
        "local[2]", description="Spark master URL (local[N], spark://…, yarn)."
    )
    stream_max_records_per_batch: int = Field(
        20000, gt=0, description="Upper bound on Kafka records in one micro-batch."
    )
    stream_trigger_seconds: float = Field(
        1.0,
        gt=0,
        description="Interval between micro-batches when the job keeps running.",
    )
    watch_poll_seconds: float = Field(
        1.0,
        gt=0,
        description="Interval between two listings of the sources by "
        "`loanflow watch`; a file is taken once two listings agree.",
    )
    watch_settle_seconds: float = Field(
        10.0,
        ge=0,
        description="A file that `loanflow watch` cannot read as a workbook is "
        "set aside only once it has not changed for this long; before that it "
        "may still be being written, and it waits.",
    )
    jvm_lib: Path = Field(
        _CHECKOUT / "jvm" / "lib",
        description="Jars resolved by `make jvm` (kafka/ and spark/ below it).",
    )
    hdfs_user: str = Field(
        default_factory=getpass.getuser,
        min_length=1,
        description="HDFS user that reads and writes hdfs:// and webhdfs:// "
        "sources (default: the OS user).",
    )
    hdfs_port: int = Field(
        19820,
        gt=0,
        lt=65536,
        description="RPC port of the local HDFS NameNode (`loanflow hdfs start`).",
    )
    hdfs_http_port: int = Field(
        19870,
        gt=0,
        lt=65536,
        description="HTTP (WebHDFS) port of the NameNode: of the local HDFS, and "
        "the port hdfs://host:rpcport/ URIs are read through.",
    )
    hdfs_heap: str = Field(
        "256m", description="JVM heap of each local HDFS process (NameNode, DataNode)."
    )
    hdfs_ready_seconds: float = Field(
        90.0, gt=0, description="How long to wait for the local HDFS to be ready."
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
    def dead_letter(self) -> str:
        """The dead-letter topic: the named one, else ``<topic>.dead-letter``."""
        return self.dead_letter_topic or f"{self.topic}.dead-letter"

    @property
    def bootstrap(self) -> str:
        """The cluster to talk to: the named one, else the embedded broker."""
        return self.kafka_bootstrap or self.embedded_bootstrap
