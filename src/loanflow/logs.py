"""Logging set-up, done once by the CLI."""

from __future__ import annotations

import logging
import os

from rich.logging import RichHandler


def configure_logging(level: str | None = None) -> None:
    """Send loanflow's logs to stderr through rich.

    Args:
        level: a logging level name; ``LOANFLOW_LOG_LEVEL`` otherwise, else INFO.
    """
    name = (level or os.environ.get("LOANFLOW_LOG_LEVEL") or "INFO").upper()
    handler = RichHandler(show_path=False, rich_tracebacks=False, markup=False)
    logging.basicConfig(
        level=name, format="%(name)s: %(message)s", handlers=[handler], force=True
    )
    # py4j and Kafka's client chatter is not the user's business at INFO.
    logging.getLogger("py4j").setLevel(logging.WARNING)
