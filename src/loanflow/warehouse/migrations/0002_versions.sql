-- Versions an analyst asks about: the table of publications becomes
-- `publication_records` so that `publications` can be the public view of them;
-- publications gain a source URI; retractions and restorations are events;
-- views `publications`, `loan_volume_history` and `loan_volume` are rebuilt on
-- one ranking (docs/versions.md).

-- The old views name the table: drop them before renaming it.
DROP VIEW loan_volume;
DROP VIEW publication_versions;

-- RENAME also rewrites the foreign keys of school_volumes.
ALTER TABLE publications RENAME TO publication_records;
DROP INDEX publications_report;
CREATE INDEX publication_records_report ON publication_records (report_id);

-- Where the workbook was read: an absolute local path or a URI
-- (hdfs://...). NULL when the producer did not say (older messages).
ALTER TABLE publication_records ADD COLUMN source_uri TEXT;

-- A retraction hides a publication from `loan_volume` (the previous one of its
-- report shows again); a restoration undoes it. The latest event of a
-- publication decides; nothing is ever deleted.
CREATE TABLE publication_events (
    event_id INTEGER PRIMARY KEY,
    publication_id INTEGER NOT NULL
        REFERENCES publication_records (publication_id),
    action TEXT NOT NULL CHECK (action IN ('retract', 'restore')),
    reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    at TEXT NOT NULL
) STRICT;

CREATE INDEX publication_events_publication
    ON publication_events (publication_id, event_id);

-- Every publication with its report, counts and status:
--   receiving   not all its school rows are in yet (never shown);
--   retracted   hidden by `loanflow versions retract`;
--   current     the one `loan_volume` shows for its report: the latest run
--               date (undated ranks below dated), ties to the one first seen
--               later;
--   superseded  complete, not retracted, outranked by the current one.
CREATE VIEW publications AS
WITH last_event AS (
    SELECT publication_id, action, reason, at
    FROM publication_events AS e
    WHERE event_id = (
        SELECT max(event_id) FROM publication_events
        WHERE publication_id = e.publication_id
    )
),
ranked AS (
    SELECT
        p.publication_id,
        row_number() OVER (
            PARTITION BY p.report_id
            ORDER BY p.run_date IS NULL, p.run_date DESC, p.publication_id DESC
        ) AS rank_in_report
    FROM publication_records AS p
    LEFT JOIN last_event AS e USING (publication_id)
    WHERE p.completed_at IS NOT NULL AND ifnull(e.action, '') != 'retract'
)
SELECT
    p.publication_id,
    r.program,
    r.award_year,
    r.quarter,
    p.run_date,
    p.source_file,
    p.source_uri,
    p.source_sha256,
    p.first_seen_at AS ingested_at,
    p.completed_at,
    p.school_rows,
    p.received_school_rows,
    CASE
        WHEN p.completed_at IS NULL THEN 'receiving'
        WHEN e.action = 'retract' THEN 'retracted'
        WHEN ranked.rank_in_report = 1 THEN 'current'
        ELSE 'superseded'
    END AS status,
    ifnull(ranked.rank_in_report = 1, 0) AS is_current,
    e.action AS last_action,
    e.reason AS last_action_reason,
    e.at AS last_action_at
FROM publication_records AS p
JOIN reports AS r USING (report_id)
LEFT JOIN last_event AS e USING (publication_id)
LEFT JOIN ranked USING (publication_id);

-- Kept for readers of schema 1: the same rows under the old names.
CREATE VIEW publication_versions AS
SELECT
    publication_id,
    program,
    award_year,
    quarter,
    run_date,
    source_file,
    source_sha256,
    school_rows,
    received_school_rows,
    completed_at IS NOT NULL AS complete,
    is_current AS latest,
    ingested_at AS first_seen_at,
    completed_at
FROM publications;

-- Every complete publication's rows (retracted ones too), with the
-- publication and whether `loan_volume` shows it.
CREATE VIEW loan_volume_history AS
SELECT
    p.program,
    p.award_year,
    p.quarter,
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
    p.run_date,
    p.source_file,
    p.publication_id,
    p.is_current
FROM publications AS p
JOIN school_volumes AS f ON f.publication_id = p.publication_id
WHERE p.status != 'receiving';

-- The public table: one row per school, report sheet (period) and loan type,
-- from the current publication of each report. Columns as in schema 1.
CREATE VIEW loan_volume AS
SELECT
    p.program,
    p.award_year,
    p.quarter,
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
    p.run_date,
    p.source_file
FROM publications AS p
JOIN school_volumes AS f ON f.publication_id = p.publication_id
WHERE p.is_current;
