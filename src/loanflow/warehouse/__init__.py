"""The SQLite warehouse: publications (versions) of reports and their rows.

Tables: ``reports``, ``publication_records``, ``publication_events``,
``school_volumes``, ``rejected_records``, ``stream_batches`` and
``schema_migrations``. Views: ``loan_volume`` (the public table: the current
publication of each report), ``loan_volume_history`` (every complete
publication's rows), ``publications`` (every publication with its status) and
``publication_versions`` (schema 1's view, kept). Versions, diff, retractions:
``loanflow.warehouse.versions``; exports: ``loanflow.warehouse.export``.
"""

from loanflow.warehouse.db import connect, last_batch_id, transaction
from loanflow.warehouse.records import (
    KafkaOrigin,
    Record,
    RejectedRecord,
    SchoolRowRecord,
)
from loanflow.warehouse.summary import (
    Integrated,
    KeptAside,
    PeriodTotals,
    PublicationSummary,
    count_rejected,
    integrated_publications,
    list_rejected,
    summarize,
)
from loanflow.warehouse.writer import BatchResult, batch_written, write_batch

__all__ = [
    "BatchResult",
    "Integrated",
    "KafkaOrigin",
    "KeptAside",
    "PeriodTotals",
    "PublicationSummary",
    "Record",
    "RejectedRecord",
    "SchoolRowRecord",
    "batch_written",
    "connect",
    "count_rejected",
    "integrated_publications",
    "last_batch_id",
    "list_rejected",
    "summarize",
    "transaction",
    "write_batch",
]
