"""What every `loanflow` command shares: the app, options, settings, errors.

Every command takes its settings from its options, then ``LOANFLOW_*``
environment variables, then defaults (`loanflow --help` lists them). A domain
error ends the command with one line and exit code 2 (bad setting, broker or
Spark down) or 1 (some input was bad: the rest was integrated); `--verbose`
adds the traceback.
"""

from __future__ import annotations

import logging
import signal
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from loanflow import __version__
from loanflow.errors import ConfigurationError, LoanflowError, SkippableError
from loanflow.logs import configure_logging
from loanflow.settings import Settings

log = logging.getLogger("loanflow")
# Piped or redirected output is not cut to 80 columns: tables keep whole names.
# No console markup: file names, school names and reasons print as written
# (a "[/]" in them is text); styles are given as Text or style=.
console = Console(
    soft_wrap=True, markup=False, width=None if sys.stdout.isatty() else 160
)
err_console = Console(stderr=True, soft_wrap=True, markup=False)

app = typer.Typer(
    help="Integrate U.S. federal student loan volume workbooks (FSA Title IV "
    "reports) through Kafka and Spark into a versioned SQLite warehouse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# How a line of error output starts.
ERROR_LABEL = Text("error: ", style="bold red")

EXIT_BAD_INPUT = 1
EXIT_FATAL = 2
EXIT_NOT_RUNNING = 3

cli_state: dict[str, Any] = {"verbose": False}

# Options shared by several commands. None means "not given": the environment
# variable or the default applies.
DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        envvar="LOANFLOW_DB",
        help="SQLite warehouse file (default: data/loanflow.db).",
    ),
]
BootstrapOption = Annotated[
    str | None,
    typer.Option(
        "--bootstrap-servers",
        envvar="LOANFLOW_KAFKA_BOOTSTRAP",
        help="Use this Kafka cluster (host:port,...) and start no broker.",
    ),
]
TopicOption = Annotated[
    str | None,
    typer.Option(
        "--topic",
        envvar="LOANFLOW_TOPIC",
        help="Kafka topic (default: loanflow.loan-volume.v1).",
    ),
]
PortOption = Annotated[
    int | None,
    typer.Option(
        "--kafka-port",
        envvar="LOANFLOW_KAFKA_PORT",
        help="Port of the embedded broker (default: 19092).",
    ),
]


def settings_from(**options: Any) -> Settings:
    """Settings from CLI options (when given), then environment, then defaults."""
    given = {name: value for name, value in options.items() if value is not None}
    if cli_state.get("home") is not None:
        given["home"] = cli_state["home"]
    try:
        return Settings(**given)
    except ValidationError as error:
        for problem in error.errors():
            name = str(problem["loc"][0]) if problem["loc"] else "?"
            err_console.print(
                ERROR_LABEL,
                f"setting {name} (LOANFLOW_{name.upper()}): "
                f"{problem['msg']}, got {problem.get('input')!r}",
                highlight=False,
            )
        raise typer.Exit(EXIT_FATAL) from None


@contextmanager
def domain_errors() -> Iterator[None]:
    """Turn a loanflow error into one line and an exit code."""
    try:
        yield
    except LoanflowError as error:
        if cli_state["verbose"]:
            err_console.print_exception()
        err_console.print(ERROR_LABEL, str(error), sep="", highlight=False)
        code = EXIT_BAD_INPUT if isinstance(error, SkippableError) else EXIT_FATAL
        raise typer.Exit(code) from None
    except sqlite3.Error as error:
        # One a loanflow function did not expect (a disk full, a lock held
        # past the timeout): still one line, and the command stops.
        if cli_state["verbose"]:
            err_console.print_exception()
        err_console.print(
            ERROR_LABEL, f"the warehouse failed: {error}", sep="", highlight=False
        )
        raise typer.Exit(EXIT_FATAL) from None
    except KeyboardInterrupt:
        err_console.print("interrupted")
        raise typer.Exit(130) from None


@contextmanager
def open_warehouse(db: Path | None) -> Iterator[sqlite3.Connection]:
    """The warehouse named by --db (or LOANFLOW_DB), which must exist, opened.

    Raises:
        ConfigurationError: there is no warehouse at the path.
    """
    from loanflow.warehouse import connect

    path = settings_from(db=db).db
    if not path.is_file():
        raise ConfigurationError(
            f"no warehouse at {path}: name one with --db or LOANFLOW_DB"
        )
    with closing(connect(path)) as conn:
        yield conn


def _version(value: bool) -> None:
    if value:
        console.print(f"loanflow {__version__}")
        raise typer.Exit()


# Commands that only read and print: a closed pipe (`| head`) may end them at
# once, as it ends `cat`. Commands that start or feed a broker, Spark or HDFS
# keep Python's handling, so that they can clean up.
_READERS = frozenset(
    {"export", "files", "quality", "rejected", "schools", "status", "versions"}
)


@app.callback()
def main(
    ctx: typer.Context,
    log_level: Annotated[
        str | None,
        typer.Option(
            envvar="LOANFLOW_LOG_LEVEL", help="DEBUG, INFO, WARNING or ERROR."
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show tracebacks of errors.")
    ] = False,
    home: Annotated[
        Path | None,
        typer.Option(
            envvar="LOANFLOW_HOME",
            help="State folder: broker data, checkpoints (default: .loanflow).",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Version."),
    ] = False,
) -> None:
    """Integrate U.S. federal student loan volume workbooks."""
    if ctx.invoked_subcommand in _READERS:
        previous = signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        # Put back when the command ends (it may run inside another program).
        ctx.call_on_close(lambda: signal.signal(signal.SIGPIPE, previous))
    configure_logging(log_level, err_console)
    cli_state["verbose"] = verbose
    cli_state["home"] = home


def progress_bar() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


def count_of(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def dollars(amount: int | None) -> str:
    return "-" if amount is None else f"{amount:,}"
