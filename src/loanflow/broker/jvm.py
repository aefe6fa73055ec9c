"""The JVM side: jars that `make jvm` resolved from Maven Central, and Java itself.

``jvm/pom.xml`` copies the Kafka broker's jars to ``jvm/lib/kafka`` and Spark's
Kafka connector to ``jvm/lib/spark``. The connector must be built for exactly
the installed PySpark version.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from loanflow.errors import JvmDependencyError
from loanflow.settings import Settings

_CONNECTOR = re.compile(r"spark-sql-kafka-0-10_(?P<scala>[\d.]+)-(?P<version>.+)\.jar")
_FIX = "run `make jvm` (or `mvn -q -B -f jvm/pom.xml package`) to resolve the jars"


def java_executable() -> str:
    """Path of ``java``, checked to be Java 17 or newer.

    Raises:
        JvmDependencyError: java is missing or too old.
    """
    java = shutil.which("java")
    if java is None:
        raise JvmDependencyError("java is not on PATH: install Java 17 or newer")
    shown = subprocess.run(
        [java, "-version"], capture_output=True, text=True, check=False
    ).stderr
    match = re.search(r'version "(\d+)', shown)
    if match is None or int(match.group(1)) < 17:
        raise JvmDependencyError(
            f"Java 17 or newer is needed; `java -version` says: "
            f"{shown.strip().splitlines()[0] if shown else '?'}"
        )
    return java


def kafka_classpath(settings: Settings) -> str:
    """The Kafka broker's classpath.

    Raises:
        JvmDependencyError: the broker's jars are not there.
    """
    folder = settings.jvm_lib / "kafka"
    if not any(folder.glob("kafka_*.jar")):
        raise JvmDependencyError(
            f"the Kafka broker's jars are missing in {folder}: {_FIX}"
        )
    return f"{folder}/*"


def spark_connector_jars(settings: Settings) -> list[Path]:
    """Jars to give Spark (``spark.jars``) for its Kafka source, checked.

    Raises:
        JvmDependencyError: the connector is missing or does not match PySpark.
    """
    import pyspark

    folder = settings.jvm_lib / "spark"
    jars = sorted(folder.glob("*.jar"))
    connectors = [m for jar in jars if (m := _CONNECTOR.fullmatch(jar.name))]
    if not connectors:
        raise JvmDependencyError(
            f"Spark's Kafka connector (spark-sql-kafka-0-10) is missing in {folder}: "
            f"{_FIX}"
        )
    found = {m.group("version") for m in connectors}
    if found != {pyspark.__version__}:
        raise JvmDependencyError(
            f"Spark's Kafka connector is version {', '.join(sorted(found))} but "
            f"PySpark is {pyspark.__version__}: they must be equal. Set "
            f"spark.version in jvm/pom.xml to {pyspark.__version__} and {_FIX}"
        )
    return jars
