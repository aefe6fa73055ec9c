"""Which files the watch takes: complete (two listings agree) and undecided."""

from __future__ import annotations

from datetime import UTC, datetime

from loanflow.sources import SourceFile
from loanflow.watch.tracker import FileTracker, listing_key


def _file(size: int, second: int = 0, uri: str = "/in/a.xls") -> SourceFile:
    return SourceFile(
        uri, "a.xls", size, datetime(2026, 1, 1, 0, 0, second, tzinfo=UTC)
    )


def test_a_file_is_ready_once_two_listings_agree() -> None:
    tracker = FileTracker()

    first = tracker.poll([_file(100)])
    second = tracker.poll([_file(100)])

    assert first.ready == [] and first.growing == []
    assert second.ready == [_file(100)]


def test_a_growing_file_is_reported_once_and_taken_when_it_stops() -> None:
    tracker = FileTracker()
    tracker.poll([_file(100, 1)])

    growing = [tracker.poll([_file(size, 2 + n)]) for n, size in enumerate((200, 300))]
    settled = tracker.poll([_file(300, 3)])

    assert [result.growing for result in growing] == [[_file(200, 2)], []]
    assert all(result.ready == [] for result in growing)
    assert settled.ready == [_file(300, 3)]


def test_a_decided_file_is_left_alone_until_its_content_changes() -> None:
    tracker = FileTracker()
    tracker.poll([_file(100)])
    tracker.decide(tracker.poll([_file(100)]).ready[0])

    unchanged = tracker.poll([_file(100)])
    tracker.poll([_file(150, 5)])
    changed = tracker.poll([_file(150, 5)])

    assert unchanged.ready == []
    assert changed.ready == [_file(150, 5)]


def test_decisions_remembered_from_the_log_are_not_taken_again() -> None:
    tracker = FileTracker()
    tracker.remember_decided("/in/a.xls", listing_key(_file(100)))

    assert tracker.poll([_file(100)]).ready == []
    assert tracker.poll([_file(100)]).ready == []


def test_a_file_that_went_away_and_came_back_is_looked_at_again() -> None:
    tracker = FileTracker()
    tracker.poll([_file(100)])
    tracker.decide(_file(100))
    tracker.poll([])

    tracker.poll([_file(100)])

    assert tracker.poll([_file(100)]).ready == [_file(100)]


def test_a_failure_is_reported_once_per_content() -> None:
    tracker = FileTracker()
    tracker.poll([_file(100)])

    assert tracker.first_failure(_file(100), "Kafka does not answer")
    assert not tracker.first_failure(_file(100), "Kafka does not answer")
