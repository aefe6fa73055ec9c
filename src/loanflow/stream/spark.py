"""The Spark session of the stream job."""

from __future__ import annotations

import logging

from py4j.protocol import Py4JError
from pyspark.errors import PySparkException
from pyspark.sql import SparkSession

from loanflow.broker.jvm import java_executable, spark_connector_jars
from loanflow.errors import StreamError
from loanflow.settings import Settings

logger = logging.getLogger(__name__)


def build_spark(settings: Settings) -> SparkSession:
    """Start Spark (or return the session already running in this process).

    The session has Spark's Kafka connector on its classpath, no UI, few
    shuffle partitions (batches are small), UTC as its time zone and WARN as
    its log level.

    Args:
        settings: ``spark_master`` and ``jvm_lib`` are used.

    Raises:
        JvmDependencyError: Java is missing or too old, or the connector's jars
            are missing or do not match PySpark.
        StreamError: Spark did not start.
    """
    java_executable()
    jars = spark_connector_jars(settings)
    builder = (
        SparkSession.builder.master(settings.spark_master)
        .appName("loanflow-stream")
        .config("spark.jars", ",".join(str(jar) for jar in jars))
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        # Streaming queries do not use adaptive execution; saying so spares a
        # warning at every start.
        .config("spark.sql.adaptive.enabled", "false")
    )
    try:
        session = builder.getOrCreate()
    except (PySparkException, Py4JError, OSError) as exc:
        raise StreamError(
            f"Spark did not start (master={settings.spark_master}): {exc}. Check "
            f"that `java -version` works and LOANFLOW_SPARK_MASTER is right"
        ) from exc
    session.sparkContext.setLogLevel("WARN")
    logger.info(
        "spark ready: master=%s version=%s", settings.spark_master, session.version
    )
    return session
