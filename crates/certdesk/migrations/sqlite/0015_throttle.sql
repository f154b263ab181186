-- Login throttling and other rate limits that hold across instances (issue 13, auth), and
-- the server's own keys. Keep in step with ../postgres (same tables, same columns).

-- One fixed-window counter per thing limited: a (typed e-mail, client address) pair's failed
-- logins, a client address's failed logins, a client address's access requests. The key is
-- the SHA-256 of the scope and what it counts, so the typed addresses are not kept. An
-- attempt reserves its place with one conditional upsert (atomic on both databases), before
-- the password is checked.
CREATE TABLE rate_limits (
    key         TEXT PRIMARY KEY,
    hits        BIGINT NOT NULL,
    window_ends BIGINT NOT NULL
);
CREATE INDEX rate_limits_window_ends ON rate_limits (window_ends);

-- Secrets the server makes for itself once, shared by every instance on this database
-- (the key that signs anonymous CSRF tokens).
CREATE TABLE server_keys (
    name       TEXT PRIMARY KEY,
    secret     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Replaced by rate_limits.
DROP TABLE login_failures;
