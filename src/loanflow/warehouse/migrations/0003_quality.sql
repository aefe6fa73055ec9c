-- Data quality: the plausibility warnings of integrated school rows, which
-- publications were checked, and the placeholder "schools" that are no school.
-- Rows that fail a structural check never get here: they are in
-- rejected_records. docs/quality.md describes every check.
--
-- No foreign key to the publications table: its name belongs to the versions
-- schema (migration 0002). publication_id is publication_versions'.

-- Lines FSA publishes that are no school but are part of the published totals.
-- Exclude them with `WHERE ope_id NOT IN (SELECT ope_id FROM placeholder_schools)`.
CREATE TABLE placeholder_schools (
    ope_id TEXT PRIMARY KEY CHECK (length(ope_id) = 8),
    school_name TEXT NOT NULL,
    reason TEXT NOT NULL
) STRICT;

INSERT INTO placeholder_schools (ope_id, school_name, reason) VALUES (
    '88888800',
    'DEFAULT SCHOOL FOR CONSOLIDATED LOANS',
    'FFEL placeholder (state NR) for loans no school is named for; '
    || 'part of the published totals'
);

-- One publication whose rows were checked, once, when it became complete.
CREATE TABLE quality_checks (
    publication_id INTEGER PRIMARY KEY,
    checked_at TEXT NOT NULL,
    warnings INTEGER NOT NULL CHECK (warnings >= 0)
) STRICT;

-- One plausibility warning: a school row (loan_type NULL) or one loan type of
-- it that was integrated but looks wrong. `observed_values` is a JSON object of
-- the values the check looked at.
CREATE TABLE quality_warnings (
    warning_id INTEGER PRIMARY KEY,
    publication_id INTEGER NOT NULL,
    period TEXT NOT NULL CHECK (period IN ('quarter', 'year_to_date')),
    sheet TEXT NOT NULL,
    sheet_row INTEGER NOT NULL CHECK (sheet_row > 0),
    ope_id TEXT NOT NULL,
    school_name TEXT,
    loan_type TEXT,
    check_name TEXT NOT NULL,
    columns TEXT NOT NULL,
    message TEXT NOT NULL,
    observed_values TEXT NOT NULL CHECK (json_valid(observed_values))
) STRICT;

-- A check finds a row (or loan type) once: a replay adds nothing.
CREATE UNIQUE INDEX quality_warnings_key ON quality_warnings (
    publication_id, period, sheet_row, ifnull(loan_type, ''), check_name
);
CREATE INDEX quality_warnings_check ON quality_warnings (check_name);
