"""The embedded broker: the one-node Kafka that loanflow runs when no cluster is named.

The broker is a detached Java process: it outlives the ``loanflow`` command that
started it, and later commands find it through its pid file. Its files live in
``<home>/kafka``:

- ``server.properties``: written from the settings at each start;
- ``cluster.id``: the id the storage was formatted with, on the first start;
- ``data/``: the topics (``log.dirs``);
- ``broker.log`` (older runs in ``broker.log.1`` to ``.3``): the broker's log;
- ``jvm.out``: what Java printed outside that log, usually nothing;
- ``broker.pid`` and ``start.lock``.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import re
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from loanflow.broker.admin import admin_client, await_answer, cluster_answers

# Re-exported: whoever starts the broker goes on to these.
from loanflow.broker.admin import ensure_topic as ensure_topic
from loanflow.broker.admin import wait_for_cluster as wait_for_cluster
from loanflow.broker.jvm import java_executable, kafka_classpath
from loanflow.broker.ports import port_in_use
from loanflow.broker.processes import exclusive, is_running, read_pid, wait_for_exit
from loanflow.errors import BrokerError
from loanflow.settings import Settings

logger = logging.getLogger(__name__)

_NODE_ID = 1
_JVM_OPTIONS = ("-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true")
# Kafka's controlled shutdown takes a few seconds; then it gets SIGKILL.
_STOP_SECONDS = 30.0
_KILL_SECONDS = 10.0
_STATUS_SECONDS = 2.0
# Formatting takes about a second; this bounds a JVM that hangs.
_FORMAT_SECONDS = 60.0
_KEPT_LOGS = 3
_EXCERPT_LINES = 12
# Java stack frames say little to a person reading an excerpt of the log.
_STACK_FRAME = re.compile(r"\s+(at |\.\.\. \d+ more)")
_PORT_HINT = (
    "choose another port with LOANFLOW_KAFKA_PORT or --kafka-port (the broker "
    "uses that port and the next one)"
)


@dataclass(frozen=True)
class BrokerStatus:
    """What ``loanflow`` knows about its embedded broker.

    Attributes:
        running: its process runs.
        pid: the process id when it runs.
        bootstrap: the address clients use.
        data_dir: where the topics are stored.
        log_file: the broker's log.
        answering: it answered a metadata request just now.
    """

    running: bool
    pid: int | None
    bootstrap: str
    data_dir: Path
    log_file: Path
    answering: bool


class EmbeddedBroker:
    """A single-node Kafka broker (KRaft, broker and controller in one process).

    It listens on ``localhost:<kafka_port>`` and its controller on the next port;
    its files are in ``<home>/kafka``.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.bootstrap = settings.embedded_bootstrap
        # Absolute, because the detached Java process does not share our cwd.
        self.folder = (settings.home / "kafka").resolve()
        self.data_dir = self.folder / "data"
        self.log_file = self.folder / "broker.log"
        self.properties = self.folder / "server.properties"
        self._pid_file = self.folder / "broker.pid"
        self._cluster_id_file = self.folder / "cluster.id"
        self._jvm_out = self.folder / "jvm.out"
        self._log_config = self.folder / "log4j2.properties"

    def start(self) -> bool:
        """Start the broker unless it runs already, and wait until it answers.

        Returns:
            True if this call started it, False if it was running and answers.

        Raises:
            BrokerError: a port is taken by another program, the running broker
                has other settings, the storage cannot be formatted, or the
                broker exits or stays silent past ``kafka_ready_seconds``.
            JvmDependencyError: Java or the broker's jars are missing.
        """
        java = java_executable()
        classpath = kafka_classpath(self.settings)
        self.folder.mkdir(parents=True, exist_ok=True)

        with exclusive(self.folder / "start.lock"):
            pid = self._running_pid()
            if pid is not None:
                self._check_same_settings(pid)
                self._wait_until_answering(pid, None)
                logger.info(
                    "embedded broker already running bootstrap=%s pid=%d",
                    self.bootstrap,
                    pid,
                )
                return False

            began = time.monotonic()
            self._check_ports()
            self._prepare_files()
            if not (self.data_dir / "meta.properties").exists():
                self._format_storage(java, classpath)
            process = self._launch(java, classpath)
            try:
                self._wait_until_answering(process.pid, process)
            except BrokerError:
                self._abandon(process)
                raise

        logger.info(
            "embedded broker started bootstrap=%s pid=%d seconds=%.1f log=%s",
            self.bootstrap,
            process.pid,
            time.monotonic() - began,
            self.log_file,
        )
        return True

    def stop(self, timeout: float = _STOP_SECONDS) -> bool:
        """Stop the broker: SIGTERM, then SIGKILL after ``timeout`` seconds.

        Returns:
            True if it was running.

        Raises:
            BrokerError: it survives even SIGKILL.
        """
        pid = self._running_pid()
        if pid is None:
            return False

        began = time.monotonic()
        _signal(pid, signal.SIGTERM)
        if not wait_for_exit(pid, timeout):
            logger.warning(
                "embedded broker ignored SIGTERM for %g s, killing it pid=%d",
                timeout,
                pid,
            )
            _signal(pid, signal.SIGKILL)
            if not wait_for_exit(pid, _KILL_SECONDS):
                raise BrokerError(
                    f"the embedded broker (pid {pid}) survived SIGKILL for "
                    f"{_KILL_SECONDS:g} s: look at it with `ps -p {pid}`"
                )

        self._pid_file.unlink(missing_ok=True)
        logger.info(
            "embedded broker stopped pid=%d seconds=%.1f", pid, time.monotonic() - began
        )
        return True

    def status(self) -> BrokerStatus:
        """Whether the broker runs and answers (asking it for at most 2 s)."""
        pid = self._running_pid()
        answering = pid is not None and cluster_answers(
            admin_client(self.bootstrap), _STATUS_SECONDS
        )
        return BrokerStatus(
            running=pid is not None,
            pid=pid,
            bootstrap=self.bootstrap,
            data_dir=self.data_dir,
            log_file=self.log_file,
            answering=answering,
        )

    def _running_pid(self) -> int | None:
        """The pid of our broker if it runs; a stale pid file is removed."""
        pid = read_pid(self._pid_file)
        if pid is not None and is_running(pid, str(self.properties)):
            return pid
        if self._pid_file.exists():
            logger.info("removed stale pid file pid=%s file=%s", pid, self._pid_file)
            self._pid_file.unlink(missing_ok=True)
        return None

    def _check_same_settings(self, pid: int) -> None:
        """A running broker must have been started with the settings we have."""
        with contextlib.suppress(FileNotFoundError):
            if self.properties.read_text(encoding="utf-8") == self._server_properties():
                return
        raise BrokerError(
            f"the embedded broker (pid {pid}) runs with other settings than these "
            f"(see {self.properties}): stop it with `loanflow kafka stop`, then "
            f"start it again"
        )

    def _check_ports(self) -> None:
        port = self.settings.kafka_port
        for taken, role in ((port, ""), (port + 1, " (its controller's)")):
            if port_in_use(taken):
                raise BrokerError(
                    f"cannot start the embedded broker: port {taken}{role} on "
                    f"localhost is in use by another program; {_PORT_HINT}"
                )

    def _prepare_files(self) -> None:
        """Roll the logs and write this run's configuration of Kafka and log4j."""
        # broker.log.2 -> .3, .1 -> .2, broker.log -> .1: the same scheme as
        # log4j's rollover while the broker runs.
        for index in range(_KEPT_LOGS - 1, -1, -1):
            log = self._rolled_log(index)
            if log.exists():
                log.replace(self._rolled_log(index + 1))
        self._jvm_out.unlink(missing_ok=True)

        packaged = resources.files("loanflow.broker") / "log4j2.properties"
        self._log_config.write_text(packaged.read_text(encoding="utf-8"))
        self.properties.write_text(self._server_properties(), encoding="utf-8")

    def _rolled_log(self, index: int) -> Path:
        """``broker.log`` itself for 0, else the older log number ``index``."""
        if index == 0:
            return self.log_file
        return self.log_file.with_name(f"{self.log_file.name}.{index}")

    def _server_properties(self) -> str:
        port = self.settings.kafka_port
        controller = f"localhost:{port + 1}"
        lines = [
            "# Written by loanflow at each start of its embedded broker: edits are",
            "# lost. Change the settings (LOANFLOW_KAFKA_PORT, ...) instead.",
            "process.roles=broker,controller",
            f"node.id={_NODE_ID}",
            f"controller.quorum.bootstrap.servers={controller}",
            f"listeners=PLAINTEXT://localhost:{port},CONTROLLER://{controller}",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name=PLAINTEXT",
            "controller.listener.names=CONTROLLER",
            f"log.dirs={self.data_dir}",
            # Topics are created explicitly (ensure_topic): a typo must not
            # silently make a new one-partition topic.
            "auto.create.topics.enable=false",
            "num.partitions=1",
            "default.replication.factor=1",
            "offsets.topic.replication.factor=1",
            # One node: 50 partitions of consumer offsets only slow the first
            # consumer group down.
            "offsets.topic.num.partitions=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
        ]
        return "\n".join(lines) + "\n"

    def _java_command(self, java: str, classpath: str, *args: str) -> list[str]:
        return [
            java,
            f"-Xmx{self.settings.kafka_heap}",
            *_JVM_OPTIONS,
            f"-Dlog4j2.configurationFile={self._log_config}",
            f"-Dloanflow.kafka.log={self.log_file}",
            "-cp",
            classpath,
            *args,
        ]

    def _format_storage(self, java: str, classpath: str) -> None:
        """Format the data folder, once: the first start, or after it was wiped."""
        cluster_id = self._cluster_id()
        command = self._java_command(
            java,
            classpath,
            "kafka.tools.StorageTool",
            "format",
            "--standalone",
            "--cluster-id",
            cluster_id,
            "--config",
            str(self.properties),
        )
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
            raise BrokerError(
                f"formatting the embedded broker's storage in {self.data_dir} took "
                f"more than {_FORMAT_SECONDS:g} s"
            ) from error
        if done.returncode != 0:
            raise BrokerError(
                f"cannot format the embedded broker's storage in {self.data_dir} "
                f"(exit code {done.returncode}):\n"
                f"{_excerpt((done.stdout + done.stderr).splitlines())}"
            )
        logger.info(
            "formatted embedded broker storage cluster_id=%s data_dir=%s",
            cluster_id,
            self.data_dir,
        )

    def _cluster_id(self) -> str:
        """The stored cluster id, made and stored on the first call."""
        with contextlib.suppress(FileNotFoundError):
            stored = self._cluster_id_file.read_text(encoding="ascii").strip()
            if stored:
                return stored
        made = _new_cluster_id()
        self._cluster_id_file.write_text(made + "\n", encoding="ascii")
        return made

    def _launch(self, java: str, classpath: str) -> subprocess.Popen[bytes]:
        command = self._java_command(
            java, classpath, "kafka.Kafka", str(self.properties)
        )
        with self._jvm_out.open("wb") as out:
            # A new session: Ctrl-C in the terminal of `loanflow` and the end of
            # the command leave the broker running.
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.folder,
                start_new_session=True,
            )
        self._pid_file.write_text(f"{process.pid}\n", encoding="ascii")
        logger.debug("embedded broker launched pid=%d", process.pid)
        return process

    def _wait_until_answering(
        self, pid: int, process: subprocess.Popen[bytes] | None
    ) -> None:
        """Wait for the broker to answer, giving up early if it exits.

        Args:
            pid: the broker's process.
            process: the same, when this Python process started it (it then
                tells the exit code).
        """
        seconds = self.settings.kafka_ready_seconds

        def alive() -> bool:
            if process is not None:
                return process.poll() is None
            return is_running(pid, str(self.properties))

        if await_answer(self.bootstrap, time.monotonic() + seconds, alive):
            return
        if alive():
            raise BrokerError(
                f"the embedded broker (pid {pid}) did not answer at "
                f"{self.bootstrap} within {seconds:g} s (raise "
                f"LOANFLOW_KAFKA_READY_SECONDS on a slow machine); last lines of "
                f"{self.log_file}:\n{self._log_excerpt()}"
            )
        code = f" with code {process.returncode}" if process is not None else ""
        raise BrokerError(
            f"the embedded broker (pid {pid}) exited{code} before it answered at "
            f"{self.bootstrap}; last lines of {self.log_file}:\n"
            f"{self._log_excerpt()}"
        )

    def _abandon(self, process: subprocess.Popen[bytes]) -> None:
        """Kill a broker that failed to come up, so no half-started one stays."""
        if process.poll() is None:
            process.kill()
            process.wait(timeout=_KILL_SECONDS)
        self._pid_file.unlink(missing_ok=True)

    def _log_excerpt(self) -> str:
        lines: list[str] = []
        # jvm.out last: what Java says when it cannot even start comes after
        # whatever the log holds.
        for path in (self.log_file, self._jvm_out):
            with contextlib.suppress(FileNotFoundError):
                lines += path.read_text(encoding="utf-8", errors="replace").splitlines()
        return _excerpt(lines)


def broker_for(settings: Settings) -> EmbeddedBroker | None:
    """The broker loanflow runs itself; None when the settings name a cluster."""
    return None if settings.kafka_bootstrap else EmbeddedBroker(settings)


def ensure_cluster(settings: Settings) -> str:
    """Make sure the cluster of ``settings`` answers; start the embedded one if so.

    Returns:
        The bootstrap address to use.

    Raises:
        BrokerError: the named cluster does not answer within
            ``kafka_ready_seconds``, or the embedded broker cannot start.
    """
    broker = broker_for(settings)
    if broker is None:
        wait_for_cluster(settings.bootstrap, settings.kafka_ready_seconds)
    else:
        broker.start()
    return settings.bootstrap


def _signal(pid: int, signum: signal.Signals) -> None:
    # The process may end on its own between the check and the signal.
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _new_cluster_id() -> str:
    """A random cluster id in Kafka's form: a UUID, base64url without padding."""
    while True:
        made = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        # Kafka's own generator avoids ids a command line takes for an option.
        if not made.startswith("-"):
            return made


def _excerpt(lines: list[str]) -> str:
    kept = [line for line in lines if line.strip() and not _STACK_FRAME.match(line)]
    return "\n".join(kept[-_EXCERPT_LINES:]) or "(nothing was written)"
