-- The background jobs' last run, for the admins' home: one row per job, rewritten after
-- each run (one small write; no history is kept).
-- Keep in step with ../sqlite.

CREATE TABLE job_runs (
    job              TEXT PRIMARY KEY,
    last_started_at  BIGINT NOT NULL,
    last_finished_at BIGINT NOT NULL,
    -- The error of the last run; NULL when it went well.
    last_error       TEXT,
    -- When it last went well; NULL when it never did.
    last_ok_at       BIGINT
);
