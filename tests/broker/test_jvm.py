"""The jar checks of jvm.py, on a folder of empty files named like jars."""

from __future__ import annotations

from pathlib import Path

import pyspark
import pytest

from loanflow.broker.jvm import java_executable, kafka_classpath, spark_connector_jars
from loanflow.errors import JvmDependencyError
from loanflow.settings import Settings

FIX = "run `make jvm` (or `mvn -q -B -f jvm/pom.xml package`) to resolve the jars"


@pytest.fixture
def jvm_lib(tmp_path: Path) -> Path:
    """An empty ``jvm/lib`` with its ``kafka`` and ``spark`` folders."""
    for name in ("kafka", "spark"):
        (tmp_path / name).mkdir()
    return tmp_path


def _jars(folder: Path, *names: str) -> None:
    for name in names:
        (folder / name).touch()


def test_kafka_classpath_names_the_folder(jvm_lib: Path) -> None:
    _jars(jvm_lib / "kafka", "kafka_2.13-4.1.1.jar", "kafka-clients-4.1.1.jar")

    assert kafka_classpath(Settings(jvm_lib=jvm_lib)) == f"{jvm_lib / 'kafka'}/*"


def test_kafka_classpath_without_broker_jars(jvm_lib: Path) -> None:
    _jars(jvm_lib / "kafka", "kafka-clients-4.1.1.jar")

    with pytest.raises(JvmDependencyError) as raised:
        kafka_classpath(Settings(jvm_lib=jvm_lib))

    assert str(raised.value) == (
        f"the Kafka broker's jars are missing in {jvm_lib / 'kafka'}: {FIX}"
    )


def test_spark_connector_of_pyspark_version(jvm_lib: Path) -> None:
    connector = f"spark-sql-kafka-0-10_2.13-{pyspark.__version__}.jar"
    _jars(jvm_lib / "spark", connector, "commons-pool2-2.12.0.jar")

    jars = spark_connector_jars(Settings(jvm_lib=jvm_lib))

    assert [jar.name for jar in jars] == ["commons-pool2-2.12.0.jar", connector]


def test_spark_connector_missing(jvm_lib: Path) -> None:
    _jars(jvm_lib / "spark", "commons-pool2-2.12.0.jar")

    with pytest.raises(JvmDependencyError) as raised:
        spark_connector_jars(Settings(jvm_lib=jvm_lib))

    assert str(raised.value) == (
        "Spark's Kafka connector (spark-sql-kafka-0-10) is missing in "
        f"{jvm_lib / 'spark'}: {FIX}"
    )


def test_spark_connector_of_another_version(jvm_lib: Path) -> None:
    _jars(jvm_lib / "spark", "spark-sql-kafka-0-10_2.13-3.5.1.jar")
    version = pyspark.__version__

    with pytest.raises(JvmDependencyError) as raised:
        spark_connector_jars(Settings(jvm_lib=jvm_lib))

    assert str(raised.value) == (
        f"Spark's Kafka connector is version 3.5.1 but PySpark is {version}: they "
        f"must be equal. Set spark.version in jvm/pom.xml to {version} and {FIX}"
    )


def test_java_missing_from_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(JvmDependencyError) as raised:
        java_executable()

    assert str(raised.value) == "java is not on PATH: install Java 17 or newer"
