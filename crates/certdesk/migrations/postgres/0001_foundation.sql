-- Accounts, sessions, access requests, the mail outbox and settings.
-- Portable types only: ids TEXT (UUIDv7), timestamps BIGINT microseconds UTC,
-- dates TEXT YYYY-MM-DD, booleans BIGINT 0/1. Keep in step with ../sqlite.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('solicitante', 'analista', 'admin')),
    password_hash TEXT,
    dni           TEXT,
    position      TEXT,
    unit          TEXT,
    dependency    TEXT,
    active        BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('web', 'api')),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE password_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);

CREATE TABLE login_failures (
    id    BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL,
    ip    TEXT NOT NULL,
    at    BIGINT NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);

CREATE TABLE access_requests (
    id              TEXT PRIMARY KEY,
    full_name       TEXT NOT NULL,
    dni             TEXT NOT NULL,
    position        TEXT NOT NULL,
    unit            TEXT NOT NULL,
    dependency      TEXT NOT NULL,
    start_date      TEXT NOT NULL,
    email           TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pendiente', 'aprobada', 'rechazada')),
    created_at      BIGINT NOT NULL,
    decided_at      BIGINT,
    decided_by      TEXT REFERENCES users (id),
    decision_reason TEXT,
    user_id         TEXT REFERENCES users (id)
);
CREATE UNIQUE INDEX access_requests_one_pending_per_email ON access_requests (email) WHERE status = 'pendiente';
CREATE INDEX access_requests_status ON access_requests (status, id);

CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    to_address      TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT,
    attempts        BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at BIGINT NOT NULL
);
CREATE INDEX outbox_pending ON outbox (sent_at, next_attempt_at);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO settings (key, value) VALUES ('institutional_domains', 'regioncajamarca.gob.pe');
INSERT INTO settings (key, value) VALUES ('entity_name', 'Gobierno Regional Cajamarca');
