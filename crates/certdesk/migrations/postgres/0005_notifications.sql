-- Notifications: outbox delivery over SMTP (claims, attempts, attachments), in-app notices,
-- reminders sent once, daily jobs run once, and each user's mail preference.
-- Keep in step with ../sqlite.

-- Delivery. A worker claims a row by writing its token and a lease (compare-and-set, so
-- two instances never hold one row); the Message-ID is fixed when the row is written, so
-- a retry after an unclear failure is the same mail. failed_at marks a permanent refusal.
ALTER TABLE outbox ADD COLUMN kind TEXT;
ALTER TABLE outbox ADD COLUMN user_id TEXT REFERENCES users (id);
ALTER TABLE outbox ADD COLUMN message_id TEXT;
ALTER TABLE outbox ADD COLUMN claim_token TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until BIGINT;
ALTER TABLE outbox ADD COLUMN failed_at BIGINT;
ALTER TABLE outbox ADD COLUMN attachment_name TEXT;
ALTER TABLE outbox ADD COLUMN attachment_type TEXT;
ALTER TABLE outbox ADD COLUMN attachment_body TEXT;
DROP INDEX outbox_pending;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- Every delivery attempt, with the server's answer when it failed.
CREATE TABLE mail_attempts (
    id        TEXT PRIMARY KEY,
    outbox_id TEXT NOT NULL REFERENCES outbox (id),
    at        BIGINT NOT NULL,
    error     TEXT
);
CREATE INDEX mail_attempts_by_mail ON mail_attempts (outbox_id, at);

-- In-app notices: each mail to a user has its twin here, and some notices live only here.
CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL,
    ticket_id  TEXT REFERENCES tickets (id),
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    link       TEXT,
    created_at BIGINT NOT NULL,
    read_at    BIGINT
);
CREATE INDEX notifications_by_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

-- Each reminder of each certificate, once (the key is the guarantee, across restarts and
-- instances).
CREATE TABLE reminders_sent (
    certificate_id TEXT NOT NULL REFERENCES certificates (id),
    kind           TEXT NOT NULL,
    day            TEXT NOT NULL,
    PRIMARY KEY (certificate_id, kind)
);

-- Daily jobs (the analysts' queue summary) run once per day, whichever instance is first.
CREATE TABLE daily_runs (
    job TEXT NOT NULL,
    day TEXT NOT NULL,
    at  BIGINT NOT NULL,
    PRIMARY KEY (job, day)
);

-- Whether the user also wants by mail the notices that are in-app only by default.
ALTER TABLE users ADD COLUMN mail_copies BIGINT NOT NULL DEFAULT 0 CHECK (mail_copies IN (0, 1));

-- Which applicant a history line is about (RENIEC's answer is per applicant).
ALTER TABLE ticket_events ADD COLUMN applicant_id TEXT REFERENCES applicants (id);
