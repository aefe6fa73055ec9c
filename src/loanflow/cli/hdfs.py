"""`loanflow hdfs start|stop|status|put`: a single-node HDFS for development."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from loanflow.cli.common import (
    EXIT_NOT_RUNNING,
    app,
    console,
    domain_errors,
    settings_from,
)
from loanflow.errors import ConfigurationError

hdfs_app = typer.Typer(
    help="A single-node HDFS (NameNode and DataNode, WebHDFS on) on localhost."
)
app.add_typer(hdfs_app, name="hdfs")

HdfsPortOption = Annotated[
    int | None,
    typer.Option(
        "--hdfs-port",
        envvar="LOANFLOW_HDFS_PORT",
        help="RPC port of the local NameNode (default: 19820).",
    ),
]
HttpPortOption = Annotated[
    int | None,
    typer.Option(
        "--hdfs-http-port",
        envvar="LOANFLOW_HDFS_HTTP_PORT",
        help="HTTP (WebHDFS) port of the NameNode (default: 19870).",
    ),
]
UserOption = Annotated[
    str | None,
    typer.Option(
        "--hdfs-user",
        envvar="LOANFLOW_HDFS_USER",
        help="HDFS user to act as (default: the OS user).",
    ),
]


@hdfs_app.command("start")
def hdfs_start(port: HdfsPortOption = None, http_port: HttpPortOption = None) -> None:
    """Start the local HDFS (it keeps running until `loanflow hdfs stop`)."""
    from loanflow.hdfs import LocalHdfs

    settings = settings_from(hdfs_port=port, hdfs_http_port=http_port)
    with domain_errors():
        cluster = LocalHdfs(settings)
        started = cluster.start()
    word = "started" if started else "already running"
    console.print(
        f"HDFS {word}: {cluster.hdfs_uri} (WebHDFS {cluster.webhdfs_uri}), "
        f"superuser {cluster.superuser}, files in {cluster.folder}"
    )


@hdfs_app.command("stop")
def hdfs_stop(port: HdfsPortOption = None, http_port: HttpPortOption = None) -> None:
    """Stop the local HDFS; its files stay for the next start."""
    from loanflow.hdfs import LocalHdfs

    settings = settings_from(hdfs_port=port, hdfs_http_port=http_port)
    with domain_errors():
        stopped = LocalHdfs(settings).stop()
    console.print("HDFS stopped" if stopped else "HDFS was not running")


@hdfs_app.command("status")
def hdfs_status(port: HdfsPortOption = None, http_port: HttpPortOption = None) -> None:
    """Say whether the local HDFS runs; exit code 3 when it does not."""
    from loanflow.hdfs import LocalHdfs

    settings = settings_from(hdfs_port=port, hdfs_http_port=http_port)
    with domain_errors():
        status = LocalHdfs(settings).status()
    if status.running:
        live = (
            "does not answer yet"
            if status.live_datanodes is None
            else f"counts {status.live_datanodes} live DataNode(s)"
        )
        console.print(
            f"HDFS runs at {status.hdfs_uri} (WebHDFS {status.webhdfs_uri}; "
            f"NameNode pid {status.namenode_pid}, DataNode pid "
            f"{status.datanode_pid}) and the NameNode {live}; files in "
            f"{status.folder}"
        )
        return
    half = ""
    if status.namenode_pid or status.datanode_pid:
        half = " (only one of its processes runs: `loanflow hdfs start` restarts it)"
    console.print(f"HDFS is not running at {status.hdfs_uri}{half}")
    raise typer.Exit(EXIT_NOT_RUNNING)


@hdfs_app.command("put")
def hdfs_put(
    paths: Annotated[
        list[Path], typer.Argument(help="Local files or folders of workbooks.")
    ],
    target: Annotated[
        str,
        typer.Argument(
            help="Folder URI: hdfs://HOST:RPCPORT/dir or webhdfs://HOST:HTTPPORT/dir."
        ),
    ],
    user: UserOption = None,
    http_port: HttpPortOption = None,
) -> None:
    """Upload workbooks to HDFS through WebHDFS (folders: their workbooks)."""
    from loanflow.sources import find_sources, put_files

    settings = settings_from(hdfs_user=user, hdfs_http_port=http_port)
    with domain_errors():
        files = [Path(found.uri) for found in find_sources(paths, settings)]
        if not files:
            raise ConfigurationError(
                f"no workbooks (*.xls, *.xlsx, *.xlsm) in "
                f"{', '.join(str(path) for path in paths)}"
            )
        written = put_files(files, target, settings)
    for uri in written:
        console.print(f"uploaded {uri}")
