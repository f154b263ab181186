-- The analyst side: the weekly RENIEC batch (exactly once per cut-off, each applicant in at
-- most one batch), RENIEC's results, installation appointments, cancellation reasons, and
-- the certificate's public part. Keep in step with ../postgres.

CREATE TABLE batches (
    id             TEXT PRIMARY KEY,
    cutoff_at      BIGINT NOT NULL UNIQUE,
    closed_at      BIGINT NOT NULL,
    closed_by      TEXT REFERENCES users (id),
    item_count     BIGINT NOT NULL,
    package_sha256 TEXT,
    package_bytes  BIGINT
);

CREATE TABLE batch_items (
    batch_id     TEXT NOT NULL REFERENCES batches (id),
    applicant_id TEXT NOT NULL UNIQUE REFERENCES applicants (id),
    position     BIGINT NOT NULL,
    PRIMARY KEY (batch_id, position)
);

-- One row that approvals and batch closings both update first, so that on PostgreSQL they
-- run one after the other (SQLite has a single writer anyway): an approval can never slip
-- into a batch that is being closed.
CREATE TABLE batch_lock (
    name  TEXT PRIMARY KEY,
    ticks BIGINT NOT NULL
);
INSERT INTO batch_lock (name, ticks) VALUES ('batch', 0);

ALTER TABLE applicants ADD COLUMN reniec_reason TEXT;
ALTER TABLE applicants ADD COLUMN delivery_sent_on TEXT;
ALTER TABLE applicants ADD COLUMN result_recorded_at BIGINT;
CREATE INDEX applicants_due ON applicants (status, dispatch_at);

ALTER TABLE tickets ADD COLUMN appointment_at BIGINT;
ALTER TABLE tickets ADD COLUMN appointment_note TEXT;

ALTER TABLE certificates ADD COLUMN crl_reason BIGINT;
ALTER TABLE certificates ADD COLUMN public_part_sha256 TEXT;
ALTER TABLE certificates ADD COLUMN updated_at BIGINT;
