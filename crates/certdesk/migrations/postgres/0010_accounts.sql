-- Accounts look after themselves (issue 11): sessions people can list and close, and
-- password-reset requests counted per address and per client. Keep in step with ../sqlite.

-- A session's public handle for the profile page (its token hash never leaves the server),
-- and where it was opened. Sessions open before this migration get a handle from their hash.
ALTER TABLE sessions ADD COLUMN id TEXT;
UPDATE sessions SET id = substr(token_hash, 1, 32) WHERE id IS NULL;
CREATE UNIQUE INDEX sessions_id ON sessions (id);
ALTER TABLE sessions ADD COLUMN ip TEXT;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;

-- Every request for a password-reset link, whether or not the address has an account: the
-- rate limits count them. Purged by the housekeeping job.
CREATE TABLE password_resets (
    id    TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    ip    TEXT NOT NULL,
    at    BIGINT NOT NULL
);
CREATE INDEX password_resets_email ON password_resets (email, at);
CREATE INDEX password_resets_ip ON password_resets (ip, at);

-- A new link retires the user's older unused ones.
CREATE INDEX password_tokens_user ON password_tokens (user_id);
