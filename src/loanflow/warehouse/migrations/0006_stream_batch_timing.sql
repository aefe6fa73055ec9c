-- When each stream batch finished writing, so that the dashboard and
-- `loanflow status` can show its duration and rows per second.
-- `committed_at` is set when the batch's transaction begins (its rows refer to
-- it); Spark reads the batch lazily inside that transaction, so the span from
-- `committed_at` to `finished_at` covers the batch's whole work. NULL for
-- batches written before this migration.
ALTER TABLE stream_batches ADD COLUMN finished_at TEXT;
