-- Hardening (issue 13). Keep in step with the other set.

-- Set-password links are minted when their mail is delivered, never stored: the outbox row
-- keeps a placeholder in its bodies, the account the link is for and until when it works.
ALTER TABLE outbox ADD COLUMN link_user_id TEXT;
ALTER TABLE outbox ADD COLUMN link_expires_at BIGINT;
-- The mail a link was minted for (a retry of the same mail retires the earlier one).
ALTER TABLE password_tokens ADD COLUMN outbox_id TEXT;
