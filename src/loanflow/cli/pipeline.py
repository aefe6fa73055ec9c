"""The pipeline commands: run, produce, stream, sample, rejected."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from loanflow.cli.common import (
    EXIT_BAD_INPUT,
    BootstrapOption,
    DbOption,
    PortOption,
    TopicOption,
    app,
    console,
    count_of,
    dollars,
    domain_errors,
    err_console,
    open_warehouse,
    progress_bar,
    settings_from,
)
from loanflow.cli.quality import print_quality_line


@app.command()
def run(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Workbooks, folders or globs, local or as hdfs:// or webhdfs:// "
            "URIs. None: the inbox (data/inbox), where a generated sample is "
            "written first when it is empty.",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    bootstrap_servers: BootstrapOption = None,
    topic: TopicOption = None,
    kafka_port: PortOption = None,
) -> None:
    """Run the main job: read, publish to Kafka, stream into SQLite, summarize."""
    from loanflow.pipeline import run_pipeline

    settings = settings_from(
        db=db, kafka_bootstrap=bootstrap_servers, topic=topic, kafka_port=kafka_port
    )
    with domain_errors(), progress_bar() as progress:
        files = progress.add_task("publishing workbooks", total=None)
        batches = progress.add_task("streaming into SQLite", total=None, start=False)

        def on_file(outcome: Any) -> None:
            progress.advance(files)

        def on_batch(result: Any) -> None:
            progress.start_task(batches)
            progress.advance(batches)

        report = run_pipeline(
            list(paths or []), settings, on_file=on_file, on_batch=on_batch
        )
    if report.wrote_sample:
        console.print(
            f"The inbox {settings.inbox} was empty: loanflow wrote a generated "
            f"sample there (`loanflow sample`) and integrated it."
        )
    _print_files(report.published.files)
    digests = {
        f.publication.source_sha256 for f in report.published.files if f.publication
    }
    _print_warehouse(settings.db, digests)
    print_quality_line(settings.db, digests)
    _finish(report.published)


@app.command()
def produce(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Workbooks, folders or globs, local or as hdfs:// or webhdfs:// URIs."
        ),
    ],
    bootstrap_servers: BootstrapOption = None,
    topic: TopicOption = None,
    kafka_port: PortOption = None,
) -> None:
    """Publish workbooks' records to Kafka; every record confirmed."""
    from contextlib import ExitStack

    from loanflow.broker import ensure_topic
    from loanflow.pipeline import fetch_sources, require_cluster
    from loanflow.publish.producer import publish_workbooks
    from loanflow.sources import find_sources

    settings = settings_from(
        kafka_bootstrap=bootstrap_servers, topic=topic, kafka_port=kafka_port
    )
    with domain_errors():
        sources = find_sources(paths, settings)
        require_cluster(settings)
        ensure_topic(settings.bootstrap, settings.topic, settings.topic_partitions)
        with progress_bar() as progress, ExitStack() as copies:
            task = progress.add_task("publishing workbooks", total=len(sources))
            files, uris, unreadable = fetch_sources(sources, settings, copies)
            report = publish_workbooks(
                files,
                settings,
                on_file=lambda _: progress.advance(task),
                source_uris=uris,
            )
        report.files = unreadable + report.files
    _print_files(report.files)
    console.print(
        f"{report.delivered} of {report.sent} messages confirmed by Kafka "
        f"(topic {settings.topic}) in {report.seconds:.1f} s."
    )
    _finish(report)


@app.command()
def stream(
    db: DbOption = None,
    until_caught_up: Annotated[
        bool,
        typer.Option(
            "--until-caught-up",
            help="Process what the topic holds, then stop. Without it the job "
            "keeps running until Ctrl-C or SIGTERM.",
        ),
    ] = False,
    starting_offsets: Annotated[
        str,
        typer.Option(
            help="Where a new checkpoint starts: earliest or latest (an existing "
            "checkpoint goes on where it stopped)."
        ),
    ] = "earliest",
    bootstrap_servers: BootstrapOption = None,
    topic: TopicOption = None,
    kafka_port: PortOption = None,
    master: Annotated[
        str | None,
        typer.Option(
            envvar="LOANFLOW_SPARK_MASTER", help="Spark master URL (default: local[2])."
        ),
    ] = None,
) -> None:
    """Run the Spark Structured Streaming job from Kafka into SQLite."""
    from loanflow.pipeline import require_cluster
    from loanflow.stream.job import run_stream

    settings = settings_from(
        db=db,
        kafka_bootstrap=bootstrap_servers,
        topic=topic,
        kafka_port=kafka_port,
        spark_master=master,
    )
    with domain_errors():
        require_cluster(settings)
        report = run_stream(
            settings,
            settings.db,
            until_caught_up=until_caught_up,
            starting_offsets=starting_offsets,
        )
    console.print(
        f"{report.batches} batches written ({report.batches_skipped} replayed and "
        f"skipped): {report.records:,} records, {report.school_rows_written:,} "
        f"school rows new, {report.duplicates_ignored:,} already there, "
        f"{report.rejected:,} kept aside, {report.publications_completed} "
        f"publications completed, in {report.seconds:.1f} s."
    )


@app.command()
def sample(
    folder: Annotated[
        Path | None,
        typer.Argument(help="Where to write; default: the inbox (LOANFLOW_INBOX)."),
    ] = None,
) -> None:
    """Write a small generated sample of workbooks in the real layouts."""
    from loanflow.workbooks.sample import write_sample

    settings = settings_from()
    target = folder or settings.inbox
    with domain_errors():
        target.mkdir(parents=True, exist_ok=True)
        written = write_sample(target)
    for path in written:
        console.print(f"wrote {path}")


@app.command()
def rejected(
    db: DbOption = None,
    limit: Annotated[int, typer.Option(help="Show at most this many.")] = 50,
) -> None:
    """List what was kept aside: bad rows, unreadable files, malformed messages.

    To replay a rejected row or file, correct the workbook and run it again: the
    corrected publication replaces the earlier one in loan_volume, and both stay
    in the warehouse.
    """
    from loanflow.warehouse import list_rejected

    settings = settings_from(db=db)
    with domain_errors(), open_warehouse(settings.db) as conn:
        records = list_rejected(conn, limit)
    if not records:
        console.print(f"Nothing is kept aside in {settings.db}.")
        return
    table = Table(title=f"Kept aside in {settings.db}", title_justify="left")
    for column in ("seen", "source", "file", "sheet", "row", "what is wrong"):
        table.add_column(column)
    for record in records:
        table.add_row(
            record.first_seen_at,
            record.source
            if record.kafka_position is None
            else f"{record.source} {record.kafka_position}",
            record.source_file or "-",
            record.sheet or "-",
            str(record.sheet_row or "-"),
            record.reasons,
        )
    console.print(table)


def _print_files(outcomes: list[Any]) -> None:
    table = Table(title="Workbooks", title_justify="left")
    for column in ("file", "program", "award year", "quarter", "run date"):
        table.add_column(column)
    table.add_column("school rows", justify="right")
    table.add_column("rejected", justify="right")
    table.add_column("status")
    for outcome in outcomes:
        publication = outcome.publication
        if publication is None:
            table.add_row(
                outcome.path.name,
                "",
                "",
                "",
                "",
                "0",
                "file",
                Text(str(outcome.error), style="red"),
            )
            continue
        table.add_row(
            publication.source_file,
            publication.program,
            publication.award_year,
            str(publication.quarter or "-"),
            publication.run_date.isoformat() if publication.run_date else "-",
            f"{outcome.school_rows:,}",
            f"{outcome.rejected_rows:,}",
            _status(outcome),
        )
    console.print(table)


def _status(outcome: Any) -> Text:
    if outcome.error:
        return Text(outcome.error, style="red")
    status = "already in the warehouse" if outcome.already_integrated else "ok"
    if outcome.rejected_rows:
        return Text(
            f"{status}, {count_of(outcome.rejected_rows, 'row')} kept aside",
            style="yellow",
        )
    return Text(status)


def _print_warehouse(db: Path, digests: set[str]) -> None:
    """This run's publications as the warehouse holds them, and its size."""
    from loanflow.warehouse import connect, count_rejected, summarize

    with closing(connect(db)) as conn:
        publications = summarize(conn)
        kept_aside = count_rejected(conn)
        reports, volume_rows = conn.execute(
            "SELECT COUNT(DISTINCT program || award_year || IFNULL(quarter, '')),"
            " COUNT(*) FROM loan_volume"
        ).fetchone()
    table = Table(title=f"Warehouse {db}", title_justify="left")
    for column in ("report", "run date", "file", "state", "period"):
        table.add_column(column)
    for column in ("schools", "$ originated", "$ disbursed"):
        table.add_column(column, justify="right")
    for publication in publications:
        if publication.source_sha256 not in digests:
            continue
        report = (
            f"{publication.program} {publication.award_year} "
            f"Q{publication.quarter or '-'}"
        )
        # The words of `loanflow versions list`: current, superseded, retracted.
        state = publication.status
        if not publication.complete:
            state = (
                f"incomplete {publication.received_school_rows:,}/"
                f"{publication.school_rows:,}"
            )
        for totals in publication.periods:
            table.add_row(
                report,
                publication.run_date or "-",
                publication.source_file,
                state,
                totals.period,
                f"{totals.schools:,}",
                dollars(totals.loans_originated_amount),
                dollars(totals.disbursements_amount),
            )
    console.print(table)
    console.print(
        f"loan_volume: {count_of(volume_rows, 'row')}, {count_of(reports, 'report')} "
        f"(the current publication of each); "
        f"{count_of(len(publications), 'publication')} kept; "
        f"{count_of(sum(kept_aside.values()), 'record')} kept aside."
    )


def _finish(report: Any) -> None:
    if report.ok:
        return
    # Each problem was logged once already, naming file, sheet, row and column.
    bad = [o for o in report.files if not o.ok]
    if bad:
        err_console.print(
            Text(f"{len(bad)} of {len(report.files)} files had problems", "bold red"),
            " (above); the rest was integrated. What was kept aside is in the "
            "warehouse table rejected_records.",
            sep="",
            highlight=False,
        )
    if report.failed:
        err_console.print(
            Text(f"{report.failed} messages were not confirmed by Kafka.", "bold red")
        )
    raise typer.Exit(EXIT_BAD_INPUT)
