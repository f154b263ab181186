-- Issue 11, the requester's side: the "sin lentes" line the requester confirms with each
-- photo, the phone of the person whose certificate is installed, and the certificate a
-- renewal was started from (so an open renewal is found from the certificate).
-- Keep in step with ../sqlite.
ALTER TABLE applicants ADD COLUMN no_glasses_confirmed BIGINT NOT NULL DEFAULT 0 CHECK (no_glasses_confirmed IN (0, 1));
ALTER TABLE tickets ADD COLUMN contact_phone TEXT;
ALTER TABLE tickets ADD COLUMN renews_certificate_id TEXT REFERENCES certificates (id);
CREATE INDEX tickets_renews ON tickets (renews_certificate_id);
