"""The local HDFS: one NameNode and one DataNode that loanflow runs itself.

Both are detached Java processes started from the jars that ``jvm/hadoop``
resolved: they outlive the ``loanflow hdfs start`` that started them, and later
commands find them through their pid files. Their files live in ``<home>/hdfs``:

- ``conf/``: ``core-site.xml``, ``hdfs-site.xml``, ``log4j.properties``,
  written from the settings at each start;
- ``name/`` (the NameNode's metadata, formatted on the first start) and
  ``data/`` (the DataNode's blocks);
- ``namenode.log``, ``datanode.log``, and ``*.out`` for what Java printed
  outside them; ``namenode.pid``, ``datanode.pid`` and ``start.lock``.

The OS user who starts the cluster is its superuser. WebHDFS listens on the
NameNode's HTTP port; the DataNode takes free ports on localhost and the
NameNode's redirects name them.
"""

from __future__ import annotations

import contextlib
import getpass
import logging
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from loanflow.broker.jvm import java_executable
from loanflow.broker.ports import port_in_use
from loanflow.broker.processes import exclusive, is_running, read_pid, wait_for_exit
from loanflow.errors import HdfsError, JvmDependencyError
from loanflow.hdfs.configuration import hdfs_site, write_configuration
from loanflow.settings import Settings

logger = logging.getLogger(__name__)

NAMENODE = "namenode"
DATANODE = "datanode"
_MAIN_CLASS = {
    NAMENODE: "org.apache.hadoop.hdfs.server.namenode.NameNode",
    DATANODE: "org.apache.hadoop.hdfs.server.datanode.DataNode",
}
_JVM_OPTIONS = ("-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true")
_STOP_SECONDS = 30.0
_KILL_SECONDS = 10.0
_FORMAT_SECONDS = 120.0
# Between two readiness checks the NameNode's exit is awaited this long.
_CHECK_SECONDS = 0.25
_HTTP_SECONDS = 5.0
_PROBE = "/.loanflow-ready-probe"
_EXCERPT_LINES = 12
_STACK_FRAME = re.compile(r"\s+(at |\.\.\. \d+ more)")
_FIX_JARS = "run `make jvm` (or `mvn -q -B -f jvm/pom.xml package`) to resolve them"


@dataclass(frozen=True)
class HdfsStatus:
    """What loanflow knows about its local HDFS.

    Attributes:
        running: both processes run.
        namenode_pid, datanode_pid: their pids, None when not running.
        webhdfs_uri: ``webhdfs://localhost:<http port>``.
        hdfs_uri: ``hdfs://localhost:<rpc port>``.
        live_datanodes: DataNodes the NameNode counts as live; None when it
            does not answer.
        folder: where its files are.
    """

    running: bool
    namenode_pid: int | None
    datanode_pid: int | None
    webhdfs_uri: str
    hdfs_uri: str
    live_datanodes: int | None
    folder: Path


class LocalHdfs:
    """A single-node HDFS on localhost with WebHDFS on, permissions checked.

    Args:
        settings: ports, heap, home, readiness deadline.
        datanode_host: the DataNode's name in WebHDFS redirects (tests name an
            unreachable one to see how a client reports it).
    """

    def __init__(self, settings: Settings, datanode_host: str = "localhost") -> None:
        self.settings = settings
        self.datanode_host = datanode_host
        # Absolute: the detached processes do not share our working folder.
        self.folder = (settings.home / "hdfs").resolve()
        self.conf = self.folder / "conf"
        self.name_dir = self.folder / "name"
        self.data_dir = self.folder / "data"
        self.http_url = f"http://localhost:{settings.hdfs_http_port}"
        self.webhdfs_uri = f"webhdfs://localhost:{settings.hdfs_http_port}"
        self.hdfs_uri = f"hdfs://localhost:{settings.hdfs_port}"
        # The user who starts the NameNode is HDFS's superuser.
        self.superuser = getpass.getuser()

    def log_file(self, role: str) -> Path:
        return self.folder / f"{role}.log"

    def start(self) -> bool:
        """Start both processes unless they run, and wait until HDFS is ready.

        Ready means: the NameNode answers on WebHDFS, has left safe mode,
        counts a live DataNode, and a small file can be written and removed.

        Returns:
            True if this call started it, False if it was running and ready.

        Raises:
            HdfsError: a port is taken, the running cluster has other settings,
                formatting fails, or it is not ready within
                ``hdfs_ready_seconds``.
            JvmDependencyError: Java or Hadoop's jars are missing.
        """
        java = java_executable()
        classpath = self.classpath()
        self.folder.mkdir(parents=True, exist_ok=True)

        with exclusive(self.folder / "start.lock"):
            pids = self._running_pids()
            if all(pids.values()):
                self._check_same_settings()
                self._wait_until_ready(None)
                logger.info("local HDFS already running webhdfs=%s", self.webhdfs_uri)
                return False
            # Half running (one process died): start afresh.
            self._stop_processes()

            began = time.monotonic()
            self._check_ports()
            write_configuration(
                self.settings, self.folder, self.conf, self.datanode_host
            )
            if not (self.name_dir / "current" / "VERSION").exists():
                self._format(java, classpath)
            processes = {
                role: self._launch(java, classpath, role)
                for role in (NAMENODE, DATANODE)
            }
            try:
                self._wait_until_ready(processes)
            except HdfsError:
                self._stop_processes()
                raise

        logger.info(
            "local HDFS started webhdfs=%s hdfs=%s seconds=%.1f folder=%s",
            self.webhdfs_uri,
            self.hdfs_uri,
            time.monotonic() - began,
            self.folder,
        )
        return True

    def stop(self) -> bool:
        """Stop the DataNode, then the NameNode: SIGTERM, then SIGKILL.

        Returns:
            True if either was running.

        Raises:
            HdfsError: a process survives even SIGKILL.
        """
        with (
            exclusive(self.folder / "start.lock")
            if self.folder.is_dir()
            else (contextlib.nullcontext())
        ):
            return self._stop_processes()

    def status(self) -> HdfsStatus:
        """Whether both processes run, and how many DataNodes the NameNode sees."""
        pids = self._running_pids()
        live: int | None = None
        if pids[NAMENODE] is not None:
            state = self._namesystem_state()
            live = int(state["NumLiveDataNodes"]) if state else None
        return HdfsStatus(
            running=all(pids.values()),
            namenode_pid=pids[NAMENODE],
            datanode_pid=pids[DATANODE],
            webhdfs_uri=self.webhdfs_uri,
            hdfs_uri=self.hdfs_uri,
            live_datanodes=live,
            folder=self.folder,
        )

    def classpath(self) -> str:
        """The configuration folder, then Hadoop's jars.

        Raises:
            JvmDependencyError: the jars are not there.
        """
        jars = self.settings.jvm_lib / "hadoop"
        if not any(jars.glob("hadoop-hdfs-*.jar")):
            raise JvmDependencyError(
                f"Hadoop's jars are missing in {jars}: {_FIX_JARS}"
            )
        return f"{self.conf}{os.pathsep}{jars.resolve()}/*"

    def _running_pids(self) -> dict[str, int | None]:
        pids: dict[str, int | None] = {}
        for role in (NAMENODE, DATANODE):
            pid_file = self._pid_file(role)
            pid = read_pid(pid_file)
            if pid is not None and is_running(pid, self._marker(role)):
                pids[role] = pid
                continue
            if pid_file.exists():
                logger.info("removed stale pid file pid=%s file=%s", pid, pid_file)
                pid_file.unlink(missing_ok=True)
            pids[role] = None
        return pids

    def _stop_processes(self) -> bool:
        stopped = False
        for role in (DATANODE, NAMENODE):
            pid = self._running_pids()[role]
            if pid is None:
                continue
            _signal(pid, signal.SIGTERM)
            if not wait_for_exit(pid, _STOP_SECONDS):
                logger.warning("%s ignored SIGTERM, killing it pid=%d", role, pid)
                _signal(pid, signal.SIGKILL)
                if not wait_for_exit(pid, _KILL_SECONDS):
                    raise HdfsError(
                        f"the local HDFS {role} (pid {pid}) survived SIGKILL: look "
                        f"at it with `ps -p {pid}`"
                    )
            self._pid_file(role).unlink(missing_ok=True)
            logger.info("local HDFS %s stopped pid=%d", role, pid)
            stopped = True
        return stopped

    def _check_same_settings(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            written = (self.conf / "hdfs-site.xml").read_text(encoding="utf-8")
            wanted = hdfs_site(self.settings, self.folder, self.datanode_host)
            if written == wanted:
                return
        raise HdfsError(
            f"the local HDFS in {self.folder} runs with other settings than these "
            f"(see {self.conf / 'hdfs-site.xml'}): stop it with `loanflow hdfs "
            f"stop`, then start it again"
        )

    def _check_ports(self) -> None:
        for port, role in (
            (self.settings.hdfs_port, "RPC port (LOANFLOW_HDFS_PORT)"),
            (self.settings.hdfs_http_port, "HTTP port (LOANFLOW_HDFS_HTTP_PORT)"),
        ):
            if port_in_use(port):
                raise HdfsError(
                    f"cannot start the local HDFS: the NameNode's {role} {port} on "
                    f"localhost is in use by another program; choose another one"
                )

    def _format(self, java: str, classpath: str) -> None:
        """Format a new namespace; blocks of an older one are removed with it."""
        if self.data_dir.exists():
            # A DataNode refuses blocks of another namespace: they are unreachable.
            subprocess.run(["rm", "-rf", str(self.data_dir)], check=True)
        command = [
            *self._java_command(java, classpath, "format"),
            _MAIN_CLASS[NAMENODE],
            "-format",
            "-nonInteractive",
            "-force",
        ]
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                cwd=self.folder,
                timeout=_FORMAT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise HdfsError(
                f"formatting the local HDFS in {self.name_dir} took more than "
                f"{_FORMAT_SECONDS:g} s"
            ) from error
        if done.returncode != 0:
            raise HdfsError(
                f"cannot format the local HDFS in {self.name_dir} (exit code "
                f"{done.returncode}); last lines of {self.log_file('format')}:\n"
                f"{_excerpt(self.log_file('format'), done.stdout + done.stderr)}"
            )
        logger.info("formatted local HDFS name_dir=%s", self.name_dir)

    def _java_command(self, java: str, classpath: str, role: str) -> list[str]:
        return [
            java,
            f"-Xmx{self.settings.hdfs_heap}",
            *_JVM_OPTIONS,
            f"-Dlog4j.configuration=file:{self.conf / 'log4j.properties'}",
            self._marker(role),
            "-cp",
            classpath,
        ]

    def _marker(self, role: str) -> str:
        # Only our process has this argument: a reused pid is not taken for it.
        return f"-Dloanflow.hdfs.log={self.log_file(role)}"

    def _pid_file(self, role: str) -> Path:
        return self.folder / f"{role}.pid"

    def _launch(self, java: str, classpath: str, role: str) -> subprocess.Popen[bytes]:
        command = [*self._java_command(java, classpath, role), _MAIN_CLASS[role]]
        with (self.folder / f"{role}.out").open("wb") as out:
            # A new session: Ctrl-C and the end of `loanflow` leave it running.
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.folder,
                start_new_session=True,
            )
        self._pid_file(role).write_text(f"{process.pid}\n", encoding="ascii")
        logger.debug("local HDFS %s launched pid=%d", role, process.pid)
        return process

    def _wait_until_ready(
        self, processes: dict[str, subprocess.Popen[bytes]] | None
    ) -> None:
        """Wait for HDFS to be ready, giving up early when a process exits."""
        seconds = self.settings.hdfs_ready_seconds
        deadline = time.monotonic() + seconds
        last = "the NameNode does not answer yet"
        while True:
            dead = self._dead_role(processes)
            if dead is not None:
                raise HdfsError(
                    f"the local HDFS {dead} exited before HDFS was ready; last "
                    f"lines of {self.log_file(dead)}:\n"
                    f"{_excerpt(self.log_file(dead), '')}"
                )
            last = self._not_ready_because()
            if not last:
                return
            if time.monotonic() >= deadline:
                raise HdfsError(
                    f"the local HDFS was not ready within {seconds:g} s ({last}; "
                    f"raise LOANFLOW_HDFS_READY_SECONDS on a slow machine); see "
                    f"{self.log_file(NAMENODE)} and {self.log_file(DATANODE)}"
                )
            # Waiting on the NameNode's exit doubles as the pause between checks.
            if processes is not None:
                pid: int | None = processes[NAMENODE].pid
            else:
                pid = read_pid(self._pid_file(NAMENODE))
            if pid is not None:
                wait_for_exit(pid, _CHECK_SECONDS)

    def _dead_role(
        self, processes: dict[str, subprocess.Popen[bytes]] | None
    ) -> str | None:
        for role in (NAMENODE, DATANODE):
            if processes is not None:
                if processes[role].poll() is not None:
                    return role
            elif self._running_pids()[role] is None:
                return role
        return None

    def _not_ready_because(self) -> str:
        """Why HDFS is not ready yet; empty when it is."""
        state = self._namesystem_state()
        if state is None:
            return f"the NameNode does not answer at {self.http_url}"
        if state.get("FSState") != "Operational":
            return "the NameNode is in safe mode"
        if int(state.get("NumLiveDataNodes", 0)) < 1:
            return "no DataNode is live"
        return self._write_probe()

    def _namesystem_state(self) -> dict[str, Any] | None:
        try:
            answer = requests.get(
                f"{self.http_url}/jmx",
                params={"qry": "Hadoop:service=NameNode,name=FSNamesystemState"},
                timeout=_HTTP_SECONDS,
            )
            answer.raise_for_status()
            beans = answer.json().get("beans") or []
        except (requests.RequestException, ValueError):
            return None
        return beans[0] if beans else None

    def _write_probe(self) -> str:
        """Write and remove a small file through WebHDFS; empty when it worked."""
        url = f"{self.http_url}/webhdfs/v1{_PROBE}"
        user = {"user.name": self.superuser}
        try:
            created = requests.put(
                url,
                params={"op": "CREATE", "overwrite": "true", **user},
                allow_redirects=False,
                timeout=_HTTP_SECONDS,
            )
            created.raise_for_status()
            # The DataNode listens on localhost whatever name it is given.
            location = urlsplit(created.headers["Location"])
            local = location._replace(netloc=f"localhost:{location.port}").geturl()
            written = requests.put(local, data=b"ready", timeout=_HTTP_SECONDS)
            written.raise_for_status()
            requests.delete(
                url, params={"op": "DELETE", **user}, timeout=_HTTP_SECONDS
            ).raise_for_status()
        except (requests.RequestException, KeyError) as error:
            return f"a test write failed: {str(error).splitlines()[0]}"
        return ""


def _signal(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _excerpt(log_file: Path, printed: str) -> str:
    lines: list[str] = []
    with contextlib.suppress(FileNotFoundError):
        lines = log_file.read_text(encoding="utf-8", errors="replace").splitlines()
    lines += printed.splitlines()
    kept = [line for line in lines if line.strip() and not _STACK_FRAME.match(line)]
    return "\n".join(kept[-_EXCERPT_LINES:]) or "(nothing was written)"
