"""The one exception hierarchy of loanflow.

Classes say what the caller can do: a ``SkippableError`` concerns one input (a
file, a row, a message) and the rest goes on; a ``FatalError`` stops the command.
Every error carries the fields a person needs to find the problem.
"""

from __future__ import annotations

from dataclasses import dataclass


def first_line(error: BaseException) -> str:
    """An error's first line: Java's and py4j's messages carry stack traces."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class LoanflowError(Exception):
    """Root of every error loanflow raises on purpose."""


class FatalError(LoanflowError):
    """The command cannot go on; the message says what to fix."""


class SkippableError(LoanflowError):
    """One input is bad; the others are still processed."""


class ConfigurationError(FatalError):
    """A setting, an option or the installation is wrong."""


class JvmDependencyError(ConfigurationError):
    """A jar is missing or of the wrong version (run ``make jvm``)."""


class BrokerError(FatalError):
    """The Kafka broker could not be started, reached or stopped."""


class DeliveryError(FatalError):
    """Kafka did not confirm delivery of some records."""


class StreamError(FatalError):
    """The Spark streaming job failed."""


class CheckpointBusyError(StreamError):
    """Another stream (a `loanflow stream` or a watch) holds the checkpoint."""


class SparkGoneError(StreamError):
    """Spark's JVM went away (killed, out of memory): its session is unusable."""


class WarehouseError(FatalError):
    """The SQLite warehouse cannot be opened or migrated."""


class HdfsError(FatalError):
    """The local HDFS (`loanflow hdfs`) could not be started, reached or stopped."""


class SourceError(ConfigurationError):
    """A source (a folder, glob or URI) cannot be listed; nothing was read.

    Attributes:
        uri: the source as the user named it.
        user: the HDFS user it was listed as, None for a local source.
        reason: what is wrong and what to do.
    """

    def __init__(self, uri: str, reason: str, user: str | None = None) -> None:
        self.uri = uri
        self.user = user
        self.reason = reason
        as_user = f" (HDFS user '{user}')" if user is not None else ""
        super().__init__(f"{uri}{as_user}: {reason}")


class SourceReadError(SkippableError, OSError):
    """One file of a source cannot be copied or read; the other files go on.

    It is an ``OSError`` too, like the failure to read a local file.

    Attributes:
        uri: the file.
        user: the HDFS user it was read as, None for a local file.
        reason: what is wrong and what to do.
    """

    def __init__(self, uri: str, reason: str, user: str | None = None) -> None:
        self.uri = uri
        self.user = user
        self.reason = reason
        as_user = f" (HDFS user '{user}')" if user is not None else ""
        super().__init__(f"{uri}{as_user}: {reason}")


@dataclass(frozen=True)
class Location:
    """Where in a workbook something is: file, sheet, 1-based row, column header."""

    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet is not None:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)


class WorkbookError(SkippableError):
    """A whole workbook cannot be read; other files go on.

    Attributes:
        location: the file (and sheet, row, column when known).
        reason: what is wrong, in words a person can act on.
    """

    def __init__(self, location: Location, reason: str) -> None:
        self.location = location
        self.reason = reason
        super().__init__(f"{location}: {reason}")

    def __reduce__(self) -> tuple[type[WorkbookError], tuple[Location, str]]:
        # Pickled across processes (workbooks are read in a child process).
        return (type(self), (self.location, self.reason))
