"""`loanflow kafka start|stop|status`: the embedded single-node broker."""

from __future__ import annotations

import typer

from loanflow.cli.common import (
    EXIT_NOT_RUNNING,
    PortOption,
    app,
    console,
    domain_errors,
    settings_from,
)

kafka_app = typer.Typer(help="The embedded single-node Kafka broker (KRaft).")
app.add_typer(kafka_app, name="kafka")


@kafka_app.command("start")
def kafka_start(port: PortOption = None) -> None:
    """Start the embedded broker (it keeps running until `loanflow kafka stop`)."""
    from loanflow.broker import EmbeddedBroker
    from loanflow.pipeline import RUN_STARTED_MARK

    settings = settings_from(kafka_port=port)
    with domain_errors():
        started = EmbeddedBroker(settings).start()
    # Started by hand: no `loanflow run` stops it when it ends.
    (settings.home / "kafka" / RUN_STARTED_MARK).unlink(missing_ok=True)
    word = "started" if started else "already running"
    console.print(f"Kafka {word} at {settings.embedded_bootstrap}")


@kafka_app.command("stop")
def kafka_stop(port: PortOption = None) -> None:
    """Stop the embedded broker."""
    from loanflow.broker import EmbeddedBroker
    from loanflow.pipeline import RUN_STARTED_MARK

    settings = settings_from(kafka_port=port)
    with domain_errors():
        stopped = EmbeddedBroker(settings).stop()
    (settings.home / "kafka" / RUN_STARTED_MARK).unlink(missing_ok=True)
    console.print("Kafka stopped" if stopped else "Kafka was not running")


@kafka_app.command("status")
def kafka_status(port: PortOption = None) -> None:
    """Say whether the embedded broker runs; exit code 3 when it does not."""
    from loanflow.broker import EmbeddedBroker

    settings = settings_from(kafka_port=port)
    with domain_errors():
        status = EmbeddedBroker(settings).status()
    if status.running:
        answer = "answers" if status.answering else "does not answer yet"
        console.print(
            f"Kafka runs at {status.bootstrap} (pid {status.pid}) and {answer}; "
            f"data {status.data_dir}, log {status.log_file}"
        )
        return
    console.print(f"Kafka is not running at {status.bootstrap}; data {status.data_dir}")
    raise typer.Exit(EXIT_NOT_RUNNING)
