"""Logging set-up, done once by the CLI."""

from __future__ import annotations

import logging
import os
import sys

from rich.console import Console
from rich.logging import RichHandler

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str | None = None, console: Console | None = None) -> None:
    """Send loanflow's logs to stderr: through rich on a terminal, plain otherwise.

    Plain lines are never wrapped, so each problem stays on one line in files and
    CI logs.

    Args:
        level: a logging level name; ``LOANFLOW_LOG_LEVEL`` otherwise, else INFO.
        console: the terminal console to log through, shared with progress bars
            so that log lines print above them.
    """
    name = (level or os.environ.get("LOANFLOW_LOG_LEVEL") or "INFO").upper()
    handler: logging.Handler
    if sys.stderr.isatty():
        handler = RichHandler(
            console=console or Console(stderr=True), show_path=False, markup=False
        )
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(PLAIN_FORMAT))
    handler.addFilter(_not_from_py4j)
    logging.basicConfig(level=name, handlers=[handler], force=True)


def _not_from_py4j(record: logging.LogRecord) -> bool:
    """Leave out py4j's own lines, whatever logger they use.

    py4j logs a lost connection to Spark's JVM with a traceback, some of it
    through the root logger; loanflow says what that means in one line of its
    own (``SparkGoneError``, the stream job's errors). Shown at DEBUG.
    """
    if record.levelno <= logging.DEBUG or logging.getLogger().level <= logging.DEBUG:
        return True
    return not (record.name.startswith("py4j") or "/py4j/" in record.pathname)
