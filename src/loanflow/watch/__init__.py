"""Watch mode and the ingest log: new workbooks integrated as they arrive.

``loanflow.watch.service.run_watch`` is the watch (it imports Spark: import it
where it runs); the ingest log's functions here need only sqlite3.
"""

from loanflow.watch.ingest_log import (
    IngestEntry,
    latest_decisions,
    list_ingest_log,
    record_ingest,
)

__all__ = [
    "IngestEntry",
    "latest_decisions",
    "list_ingest_log",
    "record_ingest",
]
