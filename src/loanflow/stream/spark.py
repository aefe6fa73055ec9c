"""The Spark session of the stream job."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from py4j.protocol import Py4JError
from pyspark.errors import PySparkException
from pyspark.sql import SparkSession

from loanflow.broker.jvm import java_executable, spark_connector_jars
from loanflow.errors import StreamError, first_line
from loanflow.settings import Settings

logger = logging.getLogger(__name__)

_LOG_CONFIG = Path(__file__).with_name("spark-log4j2.properties")


def build_spark(settings: Settings) -> SparkSession:
    """Start Spark (or return the session already running in this process).

    The session has Spark's Kafka connector on its classpath, no UI, few
    shuffle partitions (batches are small) and UTC as its time zone. Spark's
    own log goes to ``<home>/spark.log``; only its errors reach the terminal.

    Args:
        settings: ``spark_master`` and ``jvm_lib`` are used.

    Raises:
        JvmDependencyError: Java is missing or too old, or the connector's jars
            are missing or do not match PySpark.
        StreamError: Spark did not start.
    """
    java_executable()
    jars = spark_connector_jars(settings)
    settings.home.mkdir(parents=True, exist_ok=True)
    log_options = (
        f"-Dlog4j2.configurationFile={_LOG_CONFIG.resolve().as_uri()} "
        f"-Dloanflow.spark.log={(settings.home / 'spark.log').resolve()}"
    )
    if settings.spark_master.startswith("local"):
        # A local driver talks to itself: spares Spark's guess of a network
        # address (and its warning) on machines whose hostname is loopback.
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
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
        .config("spark.driver.extraJavaOptions", log_options)
    )
    try:
        session = builder.getOrCreate()
    except (PySparkException, Py4JError, OSError) as exc:
        raise StreamError(
            f"Spark did not start (master={settings.spark_master}): "
            f"{first_line(exc)}. Check that `java -version` works, "
            f"that the master answers and LOANFLOW_SPARK_MASTER is right; "
            f"details in {settings.home / 'spark.log'}"
        ) from exc
    logger.info(
        "spark ready: master=%s version=%s", settings.spark_master, session.version
    )
    return session
