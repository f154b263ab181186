-- The reports page (issue 12): which canned texts each observation used, and the indexes
-- that keep the report queries fast at a million tickets (plans in BENCHMARKS.md,
-- "Report queries at 1M tickets"). Keep in step with ../postgres.

-- Which canned observation texts an observation used: one row per text, written with the
-- `observe` history line (same ticket, same instant `at`). The history keeps the words, so
-- an admin editing a text later does not change what past observations are counted as.
CREATE TABLE observation_reasons (
    ticket_id TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    at        BIGINT NOT NULL,
    text_id   TEXT NOT NULL REFERENCES observation_texts (id),
    PRIMARY KEY (ticket_id, at, text_id)
);
CREATE INDEX observation_reasons_at ON observation_reasons (at, text_id, ticket_id);

-- Observations made before this migration: the texts whose words they contain.
INSERT INTO observation_reasons (ticket_id, at, text_id)
SELECT DISTINCT e.ticket_id, e.at, o.id
FROM ticket_events e
JOIN observation_texts o ON e.comment LIKE '%' || o.body || '%'
WHERE e.event = 'observe';

-- Tickets registered in a period, counted by status and kind (an index-only range scan).
CREATE INDEX tickets_created ON tickets (created_at, status, kind);
-- Review decisions (observe, approve, reject) per week.
CREATE INDEX ticket_events_event_at ON ticket_events (event, at);
-- When each batch item's ticket was first submitted, written when the batch closes: the
-- start of the wait from submission to dispatch, kept beside the batch so the report reads
-- one index instead of each ticket's history. Within a batch (one close instant), the
-- latest submission is the shortest wait, so a percentile is an offset in this index.
ALTER TABLE batch_items ADD COLUMN first_submitted_at BIGINT;
UPDATE batch_items SET first_submitted_at = (
    SELECT MIN(e.at) FROM ticket_events e JOIN applicants a ON a.ticket_id = e.ticket_id
    WHERE a.id = batch_items.applicant_id AND e.event = 'submit'
);
CREATE INDEX batch_items_submitted ON batch_items (batch_id, first_submitted_at);
-- Certificates expiring soon, and download deadlines at risk.
CREATE INDEX certificates_expiry ON certificates (state, expires_on);
CREATE INDEX certificates_deadline ON certificates (state, download_deadline);
-- The open installation ticket of a certificate whose download deadline is at risk.
CREATE INDEX tickets_certificate ON tickets (certificate_id);
