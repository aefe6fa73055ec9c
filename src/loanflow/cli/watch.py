"""`loanflow watch SOURCE...`: integrate new workbooks as they arrive."""

from __future__ import annotations

import threading
from typing import Annotated

import typer

from loanflow.cli.common import (
    BootstrapOption,
    DbOption,
    PortOption,
    TopicOption,
    app,
    console,
    domain_errors,
    err_console,
    settings_from,
)

EXIT_INTERRUPTED = 130


@app.command()
def watch(
    sources: Annotated[
        list[str],
        typer.Argument(
            help="Folders to watch: local paths, hdfs://host:port/dir or "
            "webhdfs:// URIs (also files and globs).",
            show_default=False,
        ),
    ],
    db: DbOption = None,
    bootstrap_servers: BootstrapOption = None,
    topic: TopicOption = None,
    kafka_port: PortOption = None,
    poll_seconds: Annotated[
        float | None,
        typer.Option(
            envvar="LOANFLOW_WATCH_POLL_SECONDS",
            help="Seconds between two listings of the sources (default: 1).",
        ),
    ] = None,
) -> None:
    """Keep integrating: publish each new or changed workbook once, stream it in.

    Runs until Ctrl-C (exit 130) or SIGTERM (exit 0), then stops the stream
    job, Spark, and the broker if it started it. Every file seen is in the
    ingest log: `loanflow files`.
    """
    from loanflow.watch.service import run_watch

    settings = settings_from(
        db=db,
        kafka_bootstrap=bootstrap_servers,
        topic=topic,
        kafka_port=kafka_port,
        watch_poll_seconds=poll_seconds,
    )
    err_console.print(
        f"Watching {', '.join(sources)} into {settings.db} (Ctrl-C stops it)."
    )
    with domain_errors():
        report = run_watch(
            sources,
            settings,
            threading.Event(),
            on_entry=lambda entry: console.print(
                f"{entry.seen_at}  {entry.outcome:<9}  {entry.uri}"
                + (f"  ({entry.detail})" if entry.detail else ""),
                highlight=False,
            ),
        )
    # "waiting" and "failed" say what happened on the way; a file that waited
    # or failed is also counted by its decision when it got one.
    decided = {"published", "duplicate", "rejected"}
    counts = ", ".join(
        f"{n} {name}" for name, n in sorted(report.outcomes.items()) if name in decided
    )
    on_the_way = ", ".join(
        f"{n} {name}"
        for name, n in sorted(report.outcomes.items())
        if name not in decided
    )
    if on_the_way:
        counts = f"{counts or 'nothing decided'} (on the way: {on_the_way})"
    console.print(
        f"Watch stopped after {report.seconds:.0f} s: {counts or 'no file seen'}; "
        f"stream job started {report.stream_starts} time(s)"
        + ("; the broker it started is stopped." if report.started_broker else ".")
    )
    if report.stopped_by == "SIGINT":
        raise typer.Exit(EXIT_INTERRUPTED)
