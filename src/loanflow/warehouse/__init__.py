"""The SQLite warehouse: publications (versions) of reports and their rows.

Tables: ``reports``, ``publications``, ``school_volumes``, ``rejected_records``,
``stream_batches`` and ``schema_migrations``. Views: ``loan_volume`` (the
public table: the latest complete publication of each report) and
``publication_versions`` (every publication, complete or not, latest or not).
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
from loanflow.warehouse.writer import BatchResult, write_batch

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
    "connect",
    "count_rejected",
    "integrated_publications",
    "last_batch_id",
    "list_rejected",
    "summarize",
    "transaction",
    "write_batch",
]
