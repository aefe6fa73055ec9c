-- The first schema of the warehouse: reports, their publications (versions),
-- school volumes, rows kept aside, and the stream batches that wrote them.
-- Tables are STRICT so money and counts can only ever be INTEGER (or NULL).

-- One report: a program, an award year and a quarter (NULL for award-year
-- summaries without quarters).
CREATE TABLE reports (
    report_id INTEGER PRIMARY KEY,
    program TEXT NOT NULL,
    award_year TEXT NOT NULL,
    quarter INTEGER CHECK (quarter BETWEEN 1 AND 4)
) STRICT;

-- NULLs are distinct in a UNIQUE constraint: key the NULL quarter as 0.
CREATE UNIQUE INDEX reports_key ON reports (program, award_year, ifnull(quarter, 0));

-- One micro-batch of the Spark stream, written in the same transaction as the
-- rows it carried, so a replayed batch is recognised and changes nothing.
CREATE TABLE stream_batches (
    checkpoint_id TEXT NOT NULL,
    batch_id INTEGER NOT NULL,
    records INTEGER NOT NULL DEFAULT 0,
    school_rows_written INTEGER NOT NULL DEFAULT 0,
    duplicates_ignored INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    committed_at TEXT NOT NULL,
    PRIMARY KEY (checkpoint_id, batch_id)
) STRICT;

-- One release of a report: one workbook, identified by the SHA-256 of its
-- bytes. Complete once it holds all its `school_rows` school rows.
CREATE TABLE publications (
    publication_id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports (report_id),
    source_sha256 TEXT NOT NULL UNIQUE,
    source_file TEXT NOT NULL,
    run_date TEXT CHECK (run_date IS NULL OR date(run_date) IS run_date),
    school_rows INTEGER NOT NULL CHECK (school_rows > 0),
    received_school_rows INTEGER NOT NULL DEFAULT 0,
    first_seen_at TEXT NOT NULL,
    first_seen_checkpoint_id TEXT NOT NULL,
    first_seen_batch_id INTEGER NOT NULL,
    last_seen_checkpoint_id TEXT NOT NULL,
    last_seen_batch_id INTEGER NOT NULL,
    completed_at TEXT,
    FOREIGN KEY (first_seen_checkpoint_id, first_seen_batch_id)
        REFERENCES stream_batches (checkpoint_id, batch_id),
    FOREIGN KEY (last_seen_checkpoint_id, last_seen_batch_id)
        REFERENCES stream_batches (checkpoint_id, batch_id)
) STRICT;

CREATE INDEX publications_report ON publications (report_id);

-- One school's volume of one loan type on one sheet (period) of a
-- publication. The key makes a replayed record change nothing.
CREATE TABLE school_volumes (
    publication_id INTEGER NOT NULL REFERENCES publications (publication_id),
    period TEXT NOT NULL CHECK (period IN ('quarter', 'year_to_date')),
    sheet TEXT NOT NULL,
    sheet_row INTEGER NOT NULL CHECK (sheet_row > 0),
    ope_id TEXT NOT NULL CHECK (length(ope_id) = 8),
    school_name TEXT,
    state TEXT,
    zip_code TEXT,
    school_type TEXT NOT NULL,
    loan_type TEXT NOT NULL,
    recipients INTEGER,
    loans_originated INTEGER,
    loans_originated_amount INTEGER,
    disbursements INTEGER,
    disbursements_amount INTEGER,
    PRIMARY KEY (publication_id, period, sheet_row, loan_type)
) STRICT;

CREATE INDEX school_volumes_school ON school_volumes (ope_id, period, loan_type);

-- Input kept aside with its reasons: rows the reader rejected ('workbook')
-- and messages the stream could not accept ('stream'). `dedupe_key` makes a
-- replayed record change nothing.
CREATE TABLE rejected_records (
    rejected_record_id INTEGER PRIMARY KEY,
    dedupe_key TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL CHECK (source IN ('workbook', 'stream')),
    source_file TEXT,
    source_sha256 TEXT,
    sheet TEXT,
    sheet_row INTEGER,
    columns TEXT,
    reasons TEXT NOT NULL,
    problems TEXT NOT NULL,
    cells TEXT,
    raw_value TEXT,
    kafka_topic TEXT,
    kafka_partition INTEGER,
    kafka_offset INTEGER,
    first_seen_at TEXT NOT NULL,
    checkpoint_id TEXT NOT NULL,
    batch_id INTEGER NOT NULL,
    FOREIGN KEY (checkpoint_id, batch_id)
        REFERENCES stream_batches (checkpoint_id, batch_id)
) STRICT;

CREATE INDEX rejected_records_file ON rejected_records (source_sha256, source_file);

-- Every publication with its report, how complete it is and whether it is the
-- one `loan_volume` shows: the latest complete one of its report by run date
-- (undated ranks below dated), ties going to the publication first seen later.
CREATE VIEW publication_versions AS
WITH ranked AS (
    SELECT
        publication_id,
        row_number() OVER (
            PARTITION BY report_id
            ORDER BY run_date IS NULL, run_date DESC, publication_id DESC
        ) AS rank_in_report
    FROM publications
    WHERE completed_at IS NOT NULL
)
SELECT
    p.publication_id,
    r.program,
    r.award_year,
    r.quarter,
    p.run_date,
    p.source_file,
    p.source_sha256,
    p.school_rows,
    p.received_school_rows,
    p.completed_at IS NOT NULL AS complete,
    ifnull(ranked.rank_in_report = 1, 0) AS latest,
    p.first_seen_at,
    p.completed_at
FROM publications AS p
JOIN reports AS r USING (report_id)
LEFT JOIN ranked USING (publication_id);

-- The public table: one row per school, report sheet (period) and loan type,
-- from the latest complete publication of each report.
CREATE VIEW loan_volume AS
SELECT
    v.program,
    v.award_year,
    v.quarter,
    f.period,
    f.ope_id,
    f.school_name,
    f.state,
    f.zip_code,
    f.school_type,
    f.loan_type,
    f.recipients,
    f.loans_originated,
    f.loans_originated_amount,
    f.disbursements,
    f.disbursements_amount,
    v.run_date,
    v.source_file
FROM publication_versions AS v
JOIN school_volumes AS f ON f.publication_id = v.publication_id
WHERE v.latest;
