"""Publications (versions) of reports: list, find, compare, retract, restore.

Plain functions over a ``sqlite3`` connection from ``connect``, for the CLI and
the dashboard alike. The model (docs/versions.md): every workbook integrated is
one publication of its report; the view ``publications`` gives each one a
status (``receiving``, ``current``, ``superseded``, ``retracted``);
``loan_volume`` shows the current one of each report. A retraction or a
restoration is an event in ``publication_events``; the latest event of a
publication decides whether it is retracted.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

from loanflow.errors import FatalError
from loanflow.warehouse.db import transaction, utc_now
from loanflow.workbooks.model import METRICS

logger = logging.getLogger(__name__)

Action = Literal["retract", "restore"]
Metrics = dict[str, int | None]


class VersionError(FatalError):
    """A publication named by the user does not exist or cannot take the action.

    Attributes:
        publication_id: the publication concerned, when one was named.
    """

    def __init__(self, message: str, publication_id: int | None = None) -> None:
        self.publication_id = publication_id
        super().__init__(message)


@dataclass(frozen=True)
class PublicationEvent:
    """A retraction or restoration of a publication, with its reason."""

    event_id: int
    publication_id: int
    action: str
    reason: str
    at: str


@dataclass(frozen=True)
class PublicationInfo:
    """One publication as the view ``publications`` shows it, with its events.

    Attributes:
        publication_id: the warehouse's id of the publication.
        program, award_year, quarter: its report (quarter None for award-year
            summaries).
        run_date: ISO date the data were run, None when the workbook has none.
        source_file: the workbook's file name.
        source_uri: where it was read (absolute path or URI), None if unknown.
        source_sha256: the SHA-256 of the workbook's bytes: its identity.
        ingested_at: when its first row reached the warehouse (UTC).
        completed_at: when its last row did, None while receiving.
        school_rows: school rows the workbook has.
        received_school_rows: school rows the warehouse holds.
        status: ``receiving``, ``current``, ``superseded`` or ``retracted``.
        is_current: ``loan_volume`` shows it.
        events: its retractions and restorations, oldest first.
    """

    publication_id: int
    program: str
    award_year: str
    quarter: int | None
    run_date: str | None
    source_file: str
    source_uri: str | None
    source_sha256: str
    ingested_at: str
    completed_at: str | None
    school_rows: int
    received_school_rows: int
    status: str
    is_current: bool
    events: tuple[PublicationEvent, ...] = ()

    @property
    def report(self) -> str:
        """The report in words: ``DL 2012-2013 Q4`` (``... award year``)."""
        part = "award year" if self.quarter is None else f"Q{self.quarter}"
        return f"{self.program} {self.award_year} {part}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping of every field."""
        return asdict(self)


_PUBLICATION_COLUMNS = (
    "publication_id, program, award_year, quarter, run_date, source_file, "
    "source_uri, source_sha256, ingested_at, completed_at, school_rows, "
    "received_school_rows, status, is_current"
)


def list_publications(conn: sqlite3.Connection) -> list[PublicationInfo]:
    """Every publication with its status and events.

    Ordered by report (program, award year, quarter), then run date (undated
    first), then id.
    """
    events: dict[int, list[PublicationEvent]] = defaultdict(list)
    for row in conn.execute(
        "SELECT event_id, publication_id, action, reason, at "
        "FROM publication_events ORDER BY event_id"
    ):
        event = PublicationEvent(*row)
        events[event.publication_id].append(event)
    rows = conn.execute(
        f"SELECT {_PUBLICATION_COLUMNS} FROM publications "
        "ORDER BY program, award_year, ifnull(quarter, 0), run_date IS NOT NULL, "
        "run_date, publication_id"
    ).fetchall()
    return [_info(row, events.get(row[0], [])) for row in rows]


def get_publication(conn: sqlite3.Connection, publication_id: int) -> PublicationInfo:
    """One publication by id.

    Raises:
        VersionError: no publication has this id.
    """
    # SQLite integers are 64-bit: a larger id names no publication.
    row = (
        conn.execute(
            f"SELECT {_PUBLICATION_COLUMNS} FROM publications WHERE publication_id = ?",
            (publication_id,),
        ).fetchone()
        if -(2**63) <= publication_id < 2**63
        else None
    )
    if row is None:
        raise VersionError(
            f"no publication {publication_id} in the warehouse: "
            "`loanflow versions list` shows the ids",
            publication_id,
        )
    events = conn.execute(
        "SELECT event_id, publication_id, action, reason, at "
        "FROM publication_events WHERE publication_id = ? ORDER BY event_id",
        (publication_id,),
    ).fetchall()
    return _info(row, [PublicationEvent(*event) for event in events])


def find_publication(
    conn: sqlite3.Connection,
    run_date: date,
    *,
    program: str | None = None,
    award_year: str | None = None,
    quarter: int | None = None,
) -> PublicationInfo:
    """The publication of a report that was run on a date.

    The report may be left out, or named in part, as long as one publication
    fits. A publication still receiving its rows does not count.

    Raises:
        VersionError: no publication fits, or several do (the message lists
            their ids).
    """
    query = (
        "SELECT publication_id, program, award_year, quarter FROM publications "
        "WHERE run_date = ? AND status != 'receiving'"
    )
    params: list[Any] = [run_date.isoformat()]
    for column, value in (
        ("program", program),
        ("award_year", award_year),
        ("quarter", quarter),
    ):
        if value is not None:
            query += f" AND {column} = ?"
            params.append(value)
    found = conn.execute(query + " ORDER BY publication_id", params).fetchall()
    if len(found) == 1:
        return get_publication(conn, found[0][0])
    wanted = " ".join(
        str(part)
        for part in (program, award_year, None if quarter is None else f"Q{quarter}")
        if part is not None
    )
    of_report = f" of {wanted}" if wanted else ""
    if not found:
        raise VersionError(
            f"no complete publication{of_report} was run on {run_date.isoformat()}: "
            "`loanflow versions list` shows the run dates"
        )
    candidates = ", ".join(
        f"{pid} ({prog} {year} {'AY' if q is None else f'Q{q}'})"
        for pid, prog, year, q in found
    )
    raise VersionError(
        f"{len(found)} publications{of_report} were run on {run_date.isoformat()}: "
        f"{candidates}; name one by its id, or the report with --program, "
        "--award-year and --quarter"
    )


def retract_publication(
    conn: sqlite3.Connection, publication_id: int, reason: str
) -> PublicationEvent:
    """Hide a publication from ``loan_volume`` without deleting it.

    The previous publication of its report (by run date) becomes current
    again. ``restore_publication`` undoes it.

    Raises:
        VersionError: no such publication, it is retracted already, or the
            reason is empty.
    """
    return _record_event(conn, publication_id, "retract", reason)


def restore_publication(
    conn: sqlite3.Connection, publication_id: int, reason: str
) -> PublicationEvent:
    """Undo the retraction of a publication: it ranks with the others again.

    Raises:
        VersionError: no such publication, it is not retracted, or the reason
            is empty.
    """
    return _record_event(conn, publication_id, "restore", reason)


def _record_event(
    conn: sqlite3.Connection, publication_id: int, action: Action, reason: str
) -> PublicationEvent:
    if not reason.strip():
        raise VersionError(
            f"a reason is needed to {action} publication {publication_id}: "
            "pass --reason TEXT",
            publication_id,
        )
    with transaction(conn):
        # Read under the write lock, so two users cannot both retract.
        publication = get_publication(conn, publication_id)
        retracted = publication.status == "retracted"
        if action == "retract" and retracted:
            raise VersionError(
                f"publication {publication_id} is retracted already "
                f"({publication.events[-1].at}: {publication.events[-1].reason})",
                publication_id,
            )
        if action == "restore" and not retracted:
            raise VersionError(
                f"publication {publication_id} is not retracted (it is "
                f"{publication.status}): there is nothing to restore",
                publication_id,
            )
        at = utc_now()
        cursor = conn.execute(
            "INSERT INTO publication_events (publication_id, action, reason, at) "
            "VALUES (?, ?, ?, ?)",
            (publication_id, action, reason.strip(), at),
        )
    assert cursor.lastrowid is not None
    logger.debug(
        "publication %s: publication_id=%d report=%s run_date=%s reason=%r",
        "retracted" if action == "retract" else "restored",
        publication_id,
        publication.report,
        publication.run_date,
        reason.strip(),
    )
    return PublicationEvent(
        cursor.lastrowid, publication_id, action, reason.strip(), at
    )


# --- Comparing two publications --------------------------------------------


@dataclass(frozen=True)
class SchoolRef:
    """A school on one sheet (period) of a publication."""

    period: str
    ope_id: str
    school_name: str | None
    state: str | None


@dataclass(frozen=True)
class LoanTypeChange:
    """A school whose numbers of one loan type differ between publications.

    ``old`` or ``new`` is None when that publication has no block of this loan
    type for the school (a layout change); otherwise each maps the five
    metrics to their value (None for a blank cell).
    """

    period: str
    ope_id: str
    school_name: str | None
    state: str | None
    loan_type: str
    old: Metrics | None
    new: Metrics | None

    @property
    def changed_metrics(self) -> tuple[str, ...]:
        """The metrics whose value differs."""
        old = self.old or {}
        new = self.new or {}
        return tuple(m for m in METRICS if old.get(m) != new.get(m))


@dataclass(frozen=True)
class LoanTypeTotals:
    """One loan type's sums on one sheet, in both publications.

    Sums run over every school row of the publication (a blank cell counts
    nothing), so ``difference`` is exactly new minus old. Recipients are added
    within one loan type only.
    """

    period: str
    loan_type: str
    old: dict[str, int]
    new: dict[str, int]

    @property
    def difference(self) -> dict[str, int]:
        return {m: self.new[m] - self.old[m] for m in METRICS}


@dataclass(frozen=True)
class PublicationDiff:
    """What changed from one publication to another.

    Schools are matched on a sheet by OPE ID (a school listed twice on one
    sheet is matched by order of appearance).
    """

    old: PublicationInfo
    new: PublicationInfo
    schools_added: list[SchoolRef] = field(default_factory=list)
    schools_removed: list[SchoolRef] = field(default_factory=list)
    changes: list[LoanTypeChange] = field(default_factory=list)
    totals: list[LoanTypeTotals] = field(default_factory=list)

    @property
    def same_report(self) -> bool:
        return self.old.report == self.new.report

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping: both publications, schools, changes, totals."""
        return {
            "old": self.old.to_dict(),
            "new": self.new.to_dict(),
            "schools_added": [asdict(school) for school in self.schools_added],
            "schools_removed": [asdict(school) for school in self.schools_removed],
            "changes": [
                asdict(change) | {"changed_metrics": list(change.changed_metrics)}
                for change in self.changes
            ],
            "totals": [
                asdict(totals) | {"difference": totals.difference}
                for totals in self.totals
            ],
        }


# One school's line on a sheet: (period, OPE ID, occurrence on the sheet).
_SchoolKey = tuple[str, str, int]


@dataclass
class _School:
    ref: SchoolRef
    volumes: dict[str, Metrics] = field(default_factory=dict)


def diff_publications(
    conn: sqlite3.Connection, old_id: int, new_id: int
) -> PublicationDiff:
    """Compare two publications: schools added and removed, numbers changed.

    Args:
        conn: an open warehouse.
        old_id: the publication to compare from.
        new_id: the publication to compare to.

    Returns:
        Schools only in ``new`` (added) or only in ``old`` (removed), each
        matched school and loan type whose metrics differ with the old and new
        values, and the totals of every loan type and sheet in both.

    Raises:
        VersionError: a publication does not exist or is still receiving rows.
    """
    old = get_publication(conn, old_id)
    new = get_publication(conn, new_id)
    for publication in (old, new):
        if publication.status == "receiving":
            raise VersionError(
                f"publication {publication.publication_id} is still receiving its "
                f"rows ({publication.received_school_rows:,} of "
                f"{publication.school_rows:,}): compare it once it is complete",
                publication.publication_id,
            )
    before = _schools(conn, old_id)
    after = _schools(conn, new_id)
    diff = PublicationDiff(old, new)

    # Schools on one side only.
    diff.schools_added.extend(after[key].ref for key in after if key not in before)
    diff.schools_removed.extend(before[key].ref for key in before if key not in after)

    # Matched schools, loan type by loan type.
    for key in sorted(before.keys() & after.keys()):
        was, now = before[key], after[key]
        for loan_type in _ordered(was.volumes, now.volumes):
            old_metrics = was.volumes.get(loan_type)
            new_metrics = now.volumes.get(loan_type)
            if old_metrics != new_metrics:
                diff.changes.append(
                    LoanTypeChange(
                        now.ref.period,
                        now.ref.ope_id,
                        now.ref.school_name,
                        now.ref.state,
                        loan_type,
                        old_metrics,
                        new_metrics,
                    )
                )

    # Totals over every school of both.
    old_totals = _totals(conn, old_id)
    new_totals = _totals(conn, new_id)
    zero = dict.fromkeys(METRICS, 0)
    for period, loan_type in sorted(old_totals.keys() | new_totals.keys()):
        diff.totals.append(
            LoanTypeTotals(
                period,
                loan_type,
                old_totals.get((period, loan_type), zero),
                new_totals.get((period, loan_type), zero),
            )
        )
    logger.debug(
        "compared publications old=%d new=%d added=%d removed=%d changed=%d",
        old_id,
        new_id,
        len(diff.schools_added),
        len(diff.schools_removed),
        len(diff.changes),
    )
    return diff


def _schools(
    conn: sqlite3.Connection, publication_id: int
) -> dict[_SchoolKey, _School]:
    rows = conn.execute(
        f"SELECT period, ope_id, sheet_row, school_name, state, loan_type, "
        f"{', '.join(METRICS)} FROM school_volumes WHERE publication_id = ? "
        "ORDER BY period, ope_id, sheet_row",
        (publication_id,),
    )
    schools: dict[_SchoolKey, _School] = {}
    # Occurrence of an OPE ID on its sheet, counted by sheet row.
    seen_rows: dict[tuple[str, str], list[int]] = defaultdict(list)
    for period, ope_id, sheet_row, name, state, loan_type, *values in rows:
        rows_of_school = seen_rows[(period, ope_id)]
        if sheet_row not in rows_of_school:
            rows_of_school.append(sheet_row)
        key = (period, ope_id, rows_of_school.index(sheet_row))
        school = schools.get(key)
        if school is None:
            school = schools[key] = _School(SchoolRef(period, ope_id, name, state))
        school.volumes[loan_type] = dict(zip(METRICS, values, strict=True))
    return schools


def _totals(
    conn: sqlite3.Connection, publication_id: int
) -> dict[tuple[str, str], dict[str, int]]:
    sums = ", ".join(f"ifnull(sum({metric}), 0)" for metric in METRICS)
    rows = conn.execute(
        f"SELECT period, loan_type, {sums} FROM school_volumes "
        "WHERE publication_id = ? GROUP BY period, loan_type",
        (publication_id,),
    )
    return {
        (period, loan_type): dict(zip(METRICS, values, strict=True))
        for period, loan_type, *values in rows
    }


def _ordered(*volumes: dict[str, Metrics]) -> list[str]:
    """Loan types of both sides, in the order the sheets list them."""
    return list(dict.fromkeys(loan_type for side in volumes for loan_type in side))


def _info(row: tuple[Any, ...], events: list[PublicationEvent]) -> PublicationInfo:
    names = [name.strip() for name in _PUBLICATION_COLUMNS.split(",")]
    fields = dict(zip(names, row, strict=True))
    fields["is_current"] = bool(fields["is_current"])
    return PublicationInfo(**fields, events=tuple(events))
