"""Writing batches: exactly once, versions, the public view, rejected records."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

from loanflow.warehouse import (
    BatchResult,
    KafkaOrigin,
    RejectedRecord,
    SchoolRowRecord,
    write_batch,
)
from tests.warehouse.factories import (
    LOAN_VOLUME_ORDER,
    loan_volume_rows,
    publication,
    records,
    school_row,
    volume,
)

CHECKPOINT = "checkpoint-a"

Q1 = publication("DL_Dashboard_AY2009_2010_Q1.xls")
ALABAMA = school_row(
    7,
    "00100200",
    volume("subsidized", 1_234, 1_300, 4_567_890, 2_500, 4_000_000),
    volume("grad_plus", None, None, None, None, None),
)
# More than 32 bits of dollars: amounts are 64-bit integers, never floats.
BIG = school_row(
    8,
    "00100800",
    volume("unsubsidized", 10, 11, 9_876_543_210_123, 0, 0),
    school_name="AUBURN UNIVERSITY",
    zip_code="03682",
)


def _loan_volume(conn: sqlite3.Connection) -> list[tuple]:
    return conn.execute(f"SELECT * FROM loan_volume {LOAN_VOLUME_ORDER}").fetchall()


def _versions(conn: sqlite3.Connection) -> list[tuple]:
    return conn.execute(
        "SELECT source_file, run_date, school_rows, received_school_rows, complete, "
        "latest FROM publication_versions ORDER BY publication_id"
    ).fetchall()


def _tables(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    return {
        table: conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
        for table in ("reports", "publications", "school_volumes", "rejected_records")
    }


def test_a_complete_publication_shows_its_exact_values(
    conn: sqlite3.Connection,
) -> None:
    result = write_batch(conn, CHECKPOINT, 0, records(Q1, ALABAMA, BIG))

    assert result == BatchResult(
        CHECKPOINT,
        0,
        records=2,
        school_rows_written=2,
        publications_completed=1,
    )
    assert _loan_volume(conn) == loan_volume_rows(Q1, ALABAMA, BIG)
    assert _loan_volume(conn)[0] == (
        "DL",
        "2009-2010",
        1,
        "quarter",
        "00100200",
        "ALABAMA A & M UNIVERSITY",
        "AL",
        "35762",
        "public",
        "grad_plus",
        None,
        None,
        None,
        None,
        None,
        "2010-01-05",
        "DL_Dashboard_AY2009_2010_Q1.xls",
    )
    assert conn.execute(
        "SELECT typeof(loans_originated_amount), loans_originated_amount, "
        "typeof(zip_code), zip_code FROM loan_volume WHERE ope_id = '00100800'"
    ).fetchone() == ("integer", 9_876_543_210_123, "text", "03682")
    assert conn.execute(
        "SELECT checkpoint_id, batch_id, records, school_rows_written "
        "FROM stream_batches"
    ).fetchall() == [(CHECKPOINT, 0, 2, 2)]


def test_a_batch_written_twice_changes_nothing(conn: sqlite3.Connection) -> None:
    write_batch(conn, CHECKPOINT, 0, records(Q1, ALABAMA, BIG))
    before = _tables(conn)

    # Spark replays batch 0 after a crash; whatever it holds, it is done.
    replay = write_batch(conn, CHECKPOINT, 0, records(publication("other.xls"), BIG))

    assert replay == BatchResult(CHECKPOINT, 0, already_written=True)
    assert _tables(conn) == before


def test_the_same_records_in_a_new_batch_change_nothing(
    conn: sqlite3.Connection,
) -> None:
    stream_reject = RejectedRecord(
        "stream", ((None, "is not JSON"),), raw_value="{", origin=KafkaOrigin("t", 0, 3)
    )
    write_batch(conn, CHECKPOINT, 0, [*records(Q1, ALABAMA, BIG), stream_reject])
    before = _tables(conn)

    again = write_batch(
        conn, "checkpoint-b", 0, [*records(Q1, BIG, ALABAMA), stream_reject]
    )

    assert again == BatchResult("checkpoint-b", 0, records=3, duplicates_ignored=3)
    assert _tables(conn) == before


def test_a_publication_is_shown_only_once_complete(conn: sqlite3.Connection) -> None:
    first_half = [SchoolRowRecord(Q1, 2, ALABAMA)]
    second_half = [SchoolRowRecord(Q1, 2, BIG)]

    write_batch(conn, CHECKPOINT, 0, first_half)
    assert _loan_volume(conn) == []
    assert _versions(conn) == [(Q1.source_file, "2010-01-05", 2, 1, 0, 0)]

    result = write_batch(conn, CHECKPOINT, 1, second_half)
    assert result.publications_completed == 1
    assert _loan_volume(conn) == loan_volume_rows(Q1, ALABAMA, BIG)
    assert _versions(conn) == [(Q1.source_file, "2010-01-05", 2, 2, 1, 1)]


def test_a_half_loaded_newer_publication_does_not_replace_a_complete_one(
    conn: sqlite3.Connection,
) -> None:
    revised = publication("DL_Q1_revised.xls", run_date=date(2011, 4, 2))
    revised_alabama = school_row(
        7, "00100200", volume("subsidized", 1_240, 1_310, 4_600_000, 2_510, 4_100_000)
    )
    write_batch(conn, CHECKPOINT, 0, records(Q1, ALABAMA))
    write_batch(conn, CHECKPOINT, 1, [SchoolRowRecord(revised, 2, revised_alabama)])

    assert _loan_volume(conn) == loan_volume_rows(Q1, ALABAMA)
    assert _versions(conn) == [
        (Q1.source_file, "2010-01-05", 1, 1, 1, 1),
        ("DL_Q1_revised.xls", "2011-04-02", 2, 1, 0, 0),
    ]

    write_batch(conn, CHECKPOINT, 2, [SchoolRowRecord(revised, 2, BIG)])

    assert _loan_volume(conn) == loan_volume_rows(revised, revised_alabama, BIG)
    assert _versions(conn) == [
        (Q1.source_file, "2010-01-05", 1, 1, 1, 0),
        ("DL_Q1_revised.xls", "2011-04-02", 2, 2, 1, 1),
    ]


def test_the_latest_run_date_wins_whatever_the_order_of_loading(
    conn: sqlite3.Connection,
) -> None:
    newer = publication("newer.xls", run_date=date(2011, 1, 5))
    older = publication("older.xls", run_date=date(2010, 7, 5))
    write_batch(conn, CHECKPOINT, 0, records(newer, ALABAMA))
    write_batch(conn, CHECKPOINT, 1, records(older, ALABAMA))

    assert {row[-1] for row in _loan_volume(conn)} == {"newer.xls"}


def test_undated_ranks_below_dated_and_ties_go_to_the_later_loaded(
    conn: sqlite3.Connection,
) -> None:
    dated = publication("dated.xls", run_date=date(2010, 1, 5))
    undated = publication("undated.xls", run_date=None)
    same_day = publication("same_day.xls", run_date=date(2010, 1, 5))

    write_batch(conn, CHECKPOINT, 0, records(dated, ALABAMA))
    write_batch(conn, CHECKPOINT, 1, records(undated, ALABAMA))
    assert {row[-1] for row in _loan_volume(conn)} == {"dated.xls"}

    write_batch(conn, CHECKPOINT, 2, records(same_day, ALABAMA))
    assert {row[-1] for row in _loan_volume(conn)} == {"same_day.xls"}


def test_reports_without_quarter_are_one_report(conn: sqlite3.Connection) -> None:
    first = publication(
        "DL_AwardYr_Summary_AY2003_2004_All.xls",
        award_year="2003-2004",
        quarter=None,
        run_date=date(2004, 10, 1),
    )
    later = publication(
        "dl_awardyr_summary_2003_2004_rerun.xls",
        award_year="2003-2004",
        quarter=None,
        run_date=date(2005, 1, 3),
    )
    year = school_row(9, "00100200", period="year_to_date")

    write_batch(conn, CHECKPOINT, 0, records(first, year))
    write_batch(conn, CHECKPOINT, 1, records(later, year))

    assert conn.execute(
        "SELECT program, award_year, quarter FROM reports"
    ).fetchall() == [("DL", "2003-2004", None)]
    assert _loan_volume(conn) == loan_volume_rows(later, year)


def test_rejected_records_are_kept_once_with_where_they_came_from(
    conn: sqlite3.Connection,
) -> None:
    workbook_reject = RejectedRecord(
        "workbook",
        (("Recipients", "not a number: 'abc'"), ("Zip Code", "is blank")),
        source_file=Q1.source_file,
        source_sha256=Q1.source_sha256,
        sheet="Quarterly Activity",
        row=12,
        cells=("00100200", "ALABAMA A & M UNIVERSITY", "abc"),
        raw_value='{"kind":"rejected"}',
        origin=KafkaOrigin("loanflow.loan-volume.v1", 2, 17),
    )
    stream_reject = RejectedRecord(
        "stream",
        (("volumes[0].recipients", "must be an integer, not a string"),),
        source_file=Q1.source_file,
        raw_value='{"kind":"school_row","volumes":[{"recipients":"12"}]}',
        origin=KafkaOrigin("loanflow.loan-volume.v1", 0, 41),
    )

    result = write_batch(conn, CHECKPOINT, 0, [workbook_reject, stream_reject])
    # Published again: the workbook's reject comes back at a new offset.
    moved = RejectedRecord(
        **{
            **workbook_reject.__dict__,
            "origin": KafkaOrigin("loanflow.loan-volume.v1", 1, 99),
        }
    )
    replay = write_batch(conn, CHECKPOINT, 1, [moved, stream_reject])

    assert result.rejected == 2
    assert replay == BatchResult(CHECKPOINT, 1, records=2, duplicates_ignored=2)
    stored = conn.execute(
        "SELECT source, source_file, sheet, sheet_row, columns, reasons, problems, "
        "cells, raw_value, kafka_topic, kafka_partition, kafka_offset "
        "FROM rejected_records ORDER BY rejected_record_id"
    ).fetchall()
    assert stored == [
        (
            "workbook",
            Q1.source_file,
            "Quarterly Activity",
            12,
            "Recipients, Zip Code",
            "Recipients: not a number: 'abc'; Zip Code: is blank",
            json.dumps(
                [
                    {"column": "Recipients", "reason": "not a number: 'abc'"},
                    {"column": "Zip Code", "reason": "is blank"},
                ]
            ),
            '["00100200", "ALABAMA A & M UNIVERSITY", "abc"]',
            '{"kind":"rejected"}',
            "loanflow.loan-volume.v1",
            2,
            17,
        ),
        (
            "stream",
            Q1.source_file,
            None,
            None,
            "volumes[0].recipients",
            "volumes[0].recipients: must be an integer, not a string",
            json.dumps(
                [
                    {
                        "column": "volumes[0].recipients",
                        "reason": "must be an integer, not a string",
                    }
                ]
            ),
            None,
            '{"kind":"school_row","volumes":[{"recipients":"12"}]}',
            "loanflow.loan-volume.v1",
            0,
            41,
        ),
    ]


def test_a_record_contradicting_its_publication_is_kept_aside(
    conn: sqlite3.Connection,
) -> None:
    write_batch(conn, CHECKPOINT, 0, [SchoolRowRecord(Q1, 2, ALABAMA)])

    result = write_batch(conn, CHECKPOINT, 1, [SchoolRowRecord(Q1, 5, BIG)])

    assert result.rejected == 1
    assert result.school_rows_written == 0
    assert conn.execute("SELECT source, reasons FROM rejected_records").fetchall() == [
        (
            "stream",
            "publication: contradicts the publication with this source_sha256: "
            "first seen as DL 2009-2010 Q1, run 2010-01-05, 2 school rows, here "
            "DL 2009-2010 Q1, run 2010-01-05, 5 school rows",
        )
    ]
    assert _versions(conn) == [(Q1.source_file, "2010-01-05", 2, 1, 0, 0)]


def test_a_row_the_tables_refuse_is_kept_aside_not_fatal(
    conn: sqlite3.Connection,
) -> None:
    # The stream checks OPE IDs first; the table's CHECK is the last guard.
    short = school_row(10, "1002")

    result = write_batch(conn, CHECKPOINT, 0, records(Q1, ALABAMA, short))

    assert (result.school_rows_written, result.rejected) == (1, 1)
    (reasons,) = conn.execute("SELECT reasons FROM rejected_records").fetchone()
    assert (
        reasons == "row: cannot be stored: CHECK constraint failed: length(ope_id) = 8"
    )
    assert conn.execute("SELECT count(*) FROM school_volumes").fetchone() == (2,)


def test_another_school_on_a_stored_sheet_row_is_kept_aside(
    conn: sqlite3.Connection,
) -> None:
    # Same publication, period and sheet row as ALABAMA: not a replay of it.
    impostor = school_row(7, "00100800", school_name="AUBURN UNIVERSITY")
    write_batch(conn, CHECKPOINT, 0, [SchoolRowRecord(Q1, 2, ALABAMA)])

    result = write_batch(conn, CHECKPOINT, 1, [SchoolRowRecord(Q1, 2, impostor)])

    assert (result.school_rows_written, result.duplicates_ignored) == (0, 0)
    assert result.rejected == 1
    assert conn.execute("SELECT reasons FROM rejected_records").fetchone() == (
        "row: sheet row 7 of the quarter sheet is already stored with other values",
    )
    assert conn.execute("SELECT DISTINCT ope_id FROM school_volumes").fetchall() == [
        ("00100200",)
    ]
