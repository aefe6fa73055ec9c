"""Which listed files are complete and not yet decided: the watch's memory.

A file is *ready* when two polls in a row list it with the same size and
modification time and its content has not been decided yet. A file whose
listing changes between polls is being written: it is reported once as
``waiting`` and looked at again when it stops changing. A decided file is left
alone until its listing changes (new content at the same URI).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from loanflow.sources import SourceFile


def listing_key(source: SourceFile) -> tuple[int, str | None]:
    """What must stay the same between polls: size and modification time."""
    modified = source.modified.isoformat() if source.modified else None
    return source.size, modified


@dataclass
class _Seen:
    key: tuple[int, str | None]
    decided: bool = False
    reported_waiting: bool = False
    reported_failure: str | None = None


@dataclass(frozen=True)
class PollResult:
    """What one poll found.

    Attributes:
        ready: files complete and undecided, to be read and published.
        growing: files whose listing changed since the previous poll and
            which were not reported as waiting yet.
    """

    ready: list[SourceFile]
    growing: list[SourceFile]


class FileTracker:
    """Remembers each URI's last listing and whether its content is decided."""

    def __init__(self) -> None:
        self._seen: dict[str, _Seen] = {}

    def remember_decided(self, uri: str, key: tuple[int, str | None]) -> None:
        """Mark a listing as decided already (from the ingest log at start)."""
        self._seen[uri] = _Seen(key, decided=True)

    def poll(self, listed: Iterable[SourceFile]) -> PollResult:
        """Compare a new listing with the previous one."""
        ready: list[SourceFile] = []
        growing: list[SourceFile] = []
        present: set[str] = set()
        for source in listed:
            present.add(source.uri)
            key = listing_key(source)
            seen = self._seen.get(source.uri)
            if seen is None:
                # First sight: complete only if the next poll lists it alike.
                self._seen[source.uri] = _Seen(key)
            elif seen.decided and seen.key != key:
                # New content at a known URI: like a first sight.
                self._seen[source.uri] = _Seen(key)
            elif seen.key != key:
                self._seen[source.uri] = _Seen(key, reported_waiting=True)
                if not seen.reported_waiting:
                    growing.append(source)
            elif not seen.decided:
                ready.append(source)
        # A file that went away is forgotten: if it comes back it is looked at.
        for uri in set(self._seen) - present:
            del self._seen[uri]
        return PollResult(ready, growing)

    def decide(self, source: SourceFile) -> None:
        """The content of this listing is decided: leave it alone from now on."""
        self._seen[source.uri] = _Seen(listing_key(source), decided=True)

    def still_changing(self, source: SourceFile, now: SourceFile | None) -> bool:
        """Whether ``now`` (a fresh listing) differs from ``source``; remembers it.

        A workbook that fails to read is rejected only if it did not change
        meanwhile; otherwise it is being written and waits.
        """
        if now is None:
            self._seen.pop(source.uri, None)
            return True
        if listing_key(now) == listing_key(source):
            return False
        self._seen[source.uri] = _Seen(listing_key(now), reported_waiting=True)
        return True

    def first_failure(self, source: SourceFile, reason: str) -> bool:
        """Whether this failure is new for the file (reported once, not each poll)."""
        seen = self._seen.setdefault(source.uri, _Seen(listing_key(source)))
        new = seen.reported_failure is None
        seen.reported_failure = reason
        return new
