-- The school directory: the Federal School Code List loaded by
-- `loanflow schools load`, and the view `school` that joins it to the schools
-- of the loan files by the matching rule of docs/schools.md.

-- Every load of a list: which file, when, what it held. The directory is the
-- list of the current load (replaced_at NULL), and a newer load replaces it.
CREATE TABLE school_directory_loads (
    load_id INTEGER PRIMARY KEY,
    source_file TEXT NOT NULL,
    source_sha256 TEXT NOT NULL,
    sheets TEXT NOT NULL,
    schools INTEGER NOT NULL CHECK (schools > 0),
    rejected_rows INTEGER NOT NULL CHECK (rejected_rows >= 0),
    blank_rows INTEGER NOT NULL CHECK (blank_rows >= 0),
    loaded_at TEXT NOT NULL,
    replaced_at TEXT
) STRICT;

-- At most one current load.
CREATE UNIQUE INDEX school_directory_loads_current
    ON school_directory_loads ((replaced_at IS NULL)) WHERE replaced_at IS NULL;

-- The directory: one row per school code of the current list, every text
-- exactly as the list writes it (NULL where a cell is blank).
CREATE TABLE schools (
    school_code TEXT PRIMARY KEY
        CHECK (school_code GLOB '[0GEB][0-9][0-9][0-9][0-9][0-9]'),
    school_name TEXT NOT NULL,
    address TEXT,
    city TEXT,
    state TEXT,
    zip_code TEXT,
    province TEXT,
    country TEXT,
    postal_code TEXT,
    -- Any further column of the list, as a JSON object {header: text}.
    other_columns TEXT,
    load_id INTEGER NOT NULL REFERENCES school_directory_loads (load_id),
    sheet TEXT NOT NULL,
    sheet_row INTEGER NOT NULL CHECK (sheet_row > 0)
) STRICT;

-- Rows of a list kept aside with every problem they have and their cells.
CREATE TABLE school_directory_rejected (
    load_id INTEGER NOT NULL REFERENCES school_directory_loads (load_id),
    sheet TEXT NOT NULL,
    sheet_row INTEGER NOT NULL CHECK (sheet_row > 0),
    columns TEXT,
    reasons TEXT NOT NULL,
    problems TEXT NOT NULL,
    cells TEXT NOT NULL,
    PRIMARY KEY (load_id, sheet, sheet_row)
) STRICT;

-- One row per OPE ID of the loan files: the latest name, state, zip code and
-- type the loan files give it (latest award year and quarter, the current
-- publication of a report first, then the latest run date), and the directory
-- entry whose code carries its 6-digit root:
--   `0` code   the root itself (`001008` for 00100800),
--   `G` code   `G` and the root's last five digits, for a root starting with 0
--              (`G01169` for 00116900), a `0` code of the same root wins,
--   `B` code   `B` and the last five digits, only when the list's state and
--              zip code agree with the loan files' (the series is not tied to
--              the OPE ID),
--   `E` code   never: a separate series whose digits mean nothing here.
-- Where nothing matches, `unmatched_reason` says why.
CREATE VIEW school AS
SELECT
    l.ope_id,
    l.school_name,
    l.state,
    l.zip_code,
    l.school_type,
    l.program AS latest_program,
    l.award_year AS latest_award_year,
    l.quarter AS latest_quarter,
    l.run_date AS latest_run_date,
    l.source_file AS latest_source_file,
    d.school_code,
    CASE substr(d.school_code, 1, 1)
        WHEN '0' THEN '0 code'
        WHEN 'G' THEN 'G code'
        WHEN 'B' THEN 'B code, state and zip agree'
    END AS match_rule,
    d.school_name AS directory_name,
    d.address,
    d.city,
    d.state AS directory_state,
    d.zip_code AS directory_zip_code,
    d.province,
    d.country,
    d.postal_code,
    (
        SELECT source_file FROM school_directory_loads WHERE replaced_at IS NULL
    ) AS directory_file,
    CASE
        WHEN d.school_code IS NOT NULL THEN NULL
        WHEN NOT EXISTS (SELECT 1 FROM school_directory_loads)
            THEN 'no Federal School Code List is loaded'
        WHEN substr(l.ope_id, 1, 1) != '0'
            THEN 'root ' || substr(l.ope_id, 1, 6) || ' starts with '
                || substr(l.ope_id, 1, 1) || ': no school code carries it'
        ELSE ifnull(
            'no 0 or G code with root ' || substr(l.ope_id, 1, 6) || '; ' || (
                -- The codes with the root's digits that the rule refuses.
                SELECT group_concat(reason, '; ') FROM (
                    SELECT
                        CASE substr(c.school_code, 1, 1)
                            WHEN 'E' THEN c.school_code
                                || ' is an E code (a separate series)'
                            ELSE c.school_code || ' is a B code whose state and '
                                || 'zip (' || ifnull(c.state, '-') || ' '
                                || ifnull(c.zip_code, '-')
                                || ') differ from the loan files ('
                                || ifnull(l.state, '-') || ' '
                                || ifnull(l.zip_code, '-') || ')'
                        END AS reason
                    FROM schools AS c
                    WHERE c.school_code IN (
                        'B' || substr(l.ope_id, 2, 5), 'E' || substr(l.ope_id, 2, 5)
                    )
                    ORDER BY c.school_code
                )
            ),
            'no code with root ' || substr(l.ope_id, 1, 6) || ' ('
                || substr(l.ope_id, 1, 6) || ' or G' || substr(l.ope_id, 2, 5)
                || ') in the list'
        )
    END AS unmatched_reason
FROM (
    SELECT * FROM (
        SELECT
            seen.*,
            row_number() OVER (
                PARTITION BY ope_id
                ORDER BY
                    award_year DESC,
                    ifnull(quarter, 4) DESC,
                    is_current DESC,
                    run_date IS NULL,
                    run_date DESC,
                    source_file DESC,
                    school_name, state, zip_code, school_type
            ) AS rank_of_ope_id
        FROM (
            SELECT DISTINCT
                ope_id, school_name, state, zip_code, school_type, program,
                award_year, quarter, run_date, source_file, is_current
            FROM loan_volume_history
        ) AS seen
    )
    WHERE rank_of_ope_id = 1
) AS l
LEFT JOIN schools AS d ON d.school_code = (
    -- The entry the rule picks: the 0 code, else the G code, else a B code
    -- whose state and zip agree. A root not starting with 0 has none.
    SELECT c.school_code
    FROM schools AS c
    WHERE substr(l.ope_id, 1, 1) = '0'
        AND (
            c.school_code IN (substr(l.ope_id, 1, 6), 'G' || substr(l.ope_id, 2, 5))
            OR (
                c.school_code = 'B' || substr(l.ope_id, 2, 5)
                AND c.state IS l.state
                AND c.zip_code IS substr(l.zip_code, 1, 5)
            )
        )
    ORDER BY CASE substr(c.school_code, 1, 1) WHEN '0' THEN 1 WHEN 'G' THEN 2 ELSE 3 END
    LIMIT 1
);
