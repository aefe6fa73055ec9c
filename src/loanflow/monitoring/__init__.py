"""How the pipeline is doing: Kafka end offsets, the stream's lag, recent work.

Shared by the dashboard's Pipeline page and `loanflow status`.
"""

from loanflow.monitoring.facts import (
    BatchFacts,
    FileFacts,
    IngestFacts,
    PartitionLag,
    PipelineFacts,
    QualityFacts,
    SetAside,
    gather_pipeline_facts,
)
from loanflow.monitoring.positions import StreamPosition, read_position
from loanflow.monitoring.warehouse import open_read_only

__all__ = [
    "BatchFacts",
    "FileFacts",
    "IngestFacts",
    "PartitionLag",
    "PipelineFacts",
    "QualityFacts",
    "SetAside",
    "StreamPosition",
    "gather_pipeline_facts",
    "open_read_only",
    "read_position",
]
