"""`loanflow status`: the Pipeline page's facts in the terminal, or as JSON."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from loanflow.cli.common import (
    EXIT_FATAL,
    EXIT_NOT_RUNNING,
    BootstrapOption,
    DbOption,
    PortOption,
    TopicOption,
    app,
    console,
    count_of,
    settings_from,
)
from loanflow.monitoring import PipelineFacts, gather_pipeline_facts


@app.command()
def status(
    db: DbOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the facts as one JSON object.")
    ] = False,
    bootstrap_servers: BootstrapOption = None,
    topic: TopicOption = None,
    kafka_port: PortOption = None,
) -> None:
    """Kafka end offsets, the stream job's position and lag, recent batches, files.

    Exit code 0 when Kafka answered (whatever the lag), 2 when the warehouse
    file is there but cannot be read (not a warehouse), else 3 when Kafka did
    not answer. A warehouse not made yet is said, and is no error: every
    message in the topic is then lag.
    """
    settings = settings_from(
        db=db, kafka_bootstrap=bootstrap_servers, topic=topic, kafka_port=kafka_port
    )
    facts = gather_pipeline_facts(settings)
    if as_json:
        # print, not console.print: rich would wrap and colour the JSON.
        typer.echo(json.dumps(facts.to_json(), indent=2))
    else:
        _print_facts(facts)
    if facts.warehouse_error:
        raise typer.Exit(EXIT_FATAL)
    if not facts.kafka_reachable:
        raise typer.Exit(EXIT_NOT_RUNNING)


def _print_facts(facts: PipelineFacts) -> None:
    if not facts.kafka_reachable:
        console.print(f"Kafka not reachable at {facts.bootstrap}", style="red")
    elif facts.kafka_error:
        console.print(facts.kafka_error, style="red")
    else:
        word = "caught up" if facts.lag == 0 else "behind"
        console.print(
            f"Topic {facts.topic} at {facts.bootstrap}: lag "
            f"{count_of(facts.lag or 0, 'record')} ({word})."
        )
    if not facts.checkpoint_exists:
        console.print(
            f"The standing stream job (`loanflow stream`) never ran for {facts.db} "
            f"(no checkpoint at {facts.checkpoint}), so lag counts the whole topic. "
            "`loanflow run` streams with checkpoints of its own, removed when it "
            "ends: a warehouse filled by runs is complete even when this says "
            "it is behind."
        )
    else:
        state = {True: "running", False: "stopped", None: "state unknown"}
        console.print(
            f"Stream job: {state[facts.stream_running]}, last committed batch "
            f"{facts.committed_batch if facts.committed_batch is not None else '-'} "
            f"(checkpoint {facts.checkpoint})."
        )

    table = Table(title="Partitions", title_justify="left")
    for column in ("partition", "end offset", "stream position", "lag"):
        table.add_column(column, justify="right")
    for p in facts.partitions:
        table.add_row(
            str(p.partition),
            _number(p.end_offset),
            _number(p.position),
            _number(p.lag),
        )
    console.print(table)

    if facts.warehouse_error:
        console.print(facts.warehouse_error, style="red")
        return
    if not facts.warehouse_exists:
        console.print(
            f"No warehouse at {facts.db} yet: no stream batch has written one "
            "(`loanflow stream` or `loanflow run` makes it; check --db)",
            markup=False,
            highlight=False,
        )
        return
    batches = Table(title="Recent batches", title_justify="left")
    batches.add_column("batch", justify="right")
    batches.add_column("began (UTC)")
    for column in ("records", "new rows", "kept aside", "seconds", "rows/s"):
        batches.add_column(column, justify="right")
    for b in facts.batches:
        batches.add_row(
            str(b.batch_id),
            b.committed_at,
            f"{b.records:,}",
            f"{b.school_rows_written:,}",
            f"{b.rejected:,}",
            "-" if b.seconds is None else f"{b.seconds:.1f}",
            "-" if b.rows_per_second is None else f"{b.rows_per_second:,.0f}",
        )
    console.print(batches)

    complete = sum(1 for f in facts.files if f.complete)
    console.print(
        f"Files seen: {len(facts.files)} ({complete} complete); set aside: "
        f"{len(facts.set_aside):,} unreadable files or refused messages, "
        f"{count_of(facts.rejected_rows, 'row')} (`loanflow rejected`)."
    )
    if facts.ingest.available:
        outcomes = ", ".join(f"{o} {n:,}" for o, n in facts.ingest.outcomes)
        console.print(f"Ingest log: {outcomes or 'no file recorded yet'}.")
    if facts.quality.available:
        kinds = ", ".join(f"{kind} {n:,}" for kind, n in facts.quality.by_kind)
        console.print(
            f"Data-quality warnings: {facts.quality.total:,}"
            + (f" ({kinds})" if kinds else "")
        )
    else:
        console.print("Data-quality warnings: not recorded in this warehouse.")


def _number(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"
