-- Several instances on one database (issue 15): a background job's step runs on one
-- instance at a time. An instance takes a job's lease with one conditional upsert (it
-- wins when nobody holds the lease or the holder's ran out), renews it while the step
-- runs, and gives it back after; the step's bookkeeping (when it last ran) is job_runs.
-- Keep in step with ../sqlite.

CREATE TABLE job_leases (
    job        TEXT PRIMARY KEY,
    -- The holding instance: a random id each process makes when it starts.
    holder     TEXT NOT NULL,
    -- Until when the lease holds unless renewed (BIGINT microseconds UTC); past it,
    -- another instance may take it (the holder died or lost the database).
    expires_at BIGINT NOT NULL
);
