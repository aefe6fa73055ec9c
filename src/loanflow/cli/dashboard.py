"""`loanflow dashboard`: the web dashboard on localhost, read-only."""

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
    settings_from,
)
from loanflow.errors import ConfigurationError


@app.command()
def dashboard(
    db: DbOption = None,
    port: Annotated[
        int,
        typer.Option(
            "--port", envvar="LOANFLOW_DASHBOARD_PORT", help="Port on localhost."
        ),
    ] = 8050,
    bootstrap_servers: BootstrapOption = None,
    topic: TopicOption = None,
    kafka_port: PortOption = None,
) -> None:
    """Serve the web dashboard on http://127.0.0.1:PORT until Ctrl-C.

    It only reads the warehouse (the stream job can write meanwhile) and
    fetches nothing from the internet.
    """
    import uvicorn

    from loanflow.broker.ports import port_in_use
    from loanflow.dashboard import create_app
    from loanflow.monitoring import open_read_only

    settings = settings_from(
        db=db, kafka_bootstrap=bootstrap_servers, topic=topic, kafka_port=kafka_port
    )
    with domain_errors():
        # Refuse at once, not on the first page, when there is nothing to read.
        open_read_only(settings.db).close()
        if port_in_use(port):
            raise ConfigurationError(
                f"port {port} on 127.0.0.1 is in use (another dashboard?): choose "
                "another with --port or LOANFLOW_DASHBOARD_PORT"
            )
        web = create_app(settings)
    console.print(
        f"loanflow dashboard of {settings.db} at http://127.0.0.1:{port}/ "
        f"(Ctrl-C stops it)"
    )
    # The trends and the school list take the longest: ready them at once.
    threading.Thread(target=web.state.warm, name="warm", daemon=True).start()
    uvicorn.run(web, host="127.0.0.1", port=port, log_level="warning")
