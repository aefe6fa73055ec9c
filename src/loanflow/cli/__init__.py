"""The `loanflow` command line.

Every command takes its settings from its options, then ``LOANFLOW_*``
environment variables, then defaults (`loanflow --help` lists them). A domain
error ends the command with one line and exit code 2 (bad setting, broker or
Spark down) or 1 (some input was bad: the rest was integrated); `--verbose`
adds the traceback.

Each module of this package registers its commands on ``app`` when imported;
importing them here builds the whole command line.
"""

# Imported to register their commands.
from loanflow.cli import (  # noqa: F401
    dashboard,
    export,
    files,
    hdfs,
    kafka,
    pipeline,
    quality,
    schools,
    status,
    versions,
    watch,
)
from loanflow.cli.common import app

__all__ = ["app"]
