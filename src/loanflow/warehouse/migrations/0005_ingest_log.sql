-- The ingest log: every file `loanflow watch` and `loanflow run` saw, with
-- what became of it. Bookkeeping of the commands that read files, written by
-- them (not by the stream job); the facts stay in school_volumes.

CREATE TABLE ingest_log (
    entry_id INTEGER PRIMARY KEY,
    -- When the command recorded it, ISO 8601 in UTC.
    seen_at TEXT NOT NULL,
    command TEXT NOT NULL CHECK (command IN ('watch', 'run')),
    -- An absolute local path, or a URI with its scheme (hdfs://, webhdfs://).
    uri TEXT NOT NULL,
    file_name TEXT NOT NULL,
    size INTEGER NOT NULL CHECK (size >= 0),
    -- Last modification time as the file system listed it, when it says.
    modified_at TEXT,
    -- NULL while the file is being written (not read yet).
    sha256 TEXT CHECK (sha256 IS NULL OR length(sha256) = 64),
    outcome TEXT NOT NULL CHECK (
        outcome IN ('published', 'duplicate', 'rejected', 'waiting', 'failed')
    ),
    -- Why: the reader's error, Kafka's error, the copy it duplicates.
    detail TEXT,
    school_rows INTEGER,
    rejected_rows INTEGER
) STRICT;

CREATE INDEX ingest_log_uri ON ingest_log (uri, entry_id);
CREATE INDEX ingest_log_sha256 ON ingest_log (sha256);
