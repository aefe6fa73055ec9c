"""The Spark Structured Streaming job: Kafka records into the SQLite warehouse."""

from loanflow.stream.job import OnBatch, StreamReport, run_stream
from loanflow.stream.spark import build_spark

__all__ = ["OnBatch", "StreamReport", "build_spark", "run_stream"]
