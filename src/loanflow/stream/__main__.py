"""``python -m loanflow.stream``: the stream job without the CLI.

Settings come from ``LOANFLOW_*`` environment variables. Used by the tests that
kill the job mid-run, and handy for running the job under a supervisor.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from loanflow.errors import LoanflowError
from loanflow.logs import configure_logging
from loanflow.settings import Settings
from loanflow.stream.job import run_stream

logger = logging.getLogger("loanflow.stream")


def main(argv: list[str] | None = None) -> int:
    """Run the stream job; the exit code is 0 on success, 1 on a loanflow error."""
    parser = argparse.ArgumentParser(
        prog="python -m loanflow.stream",
        description="Stream the topic's records into the warehouse.",
    )
    parser.add_argument(
        "--db", type=Path, help="the warehouse (default: LOANFLOW_DB, else settings)"
    )
    parser.add_argument(
        "--until-caught-up",
        action="store_true",
        help="stop once the records the topic holds now are written",
    )
    parser.add_argument("--log-level", help="logging level (default: INFO)")
    args = parser.parse_args(argv)

    configure_logging(args.log_level)
    overrides: dict[str, Any] = {} if args.db is None else {"db": args.db}
    settings = Settings(**overrides)
    try:
        run_stream(settings, settings.db, until_caught_up=args.until_caught_up)
    except LoanflowError as exc:
        logger.error("%s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
