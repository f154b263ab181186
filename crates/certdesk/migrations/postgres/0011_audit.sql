-- The audit log (SPEC.md "Data, privacy, audit"): append-only, one row per thing done.
-- A row is written inside the transaction of the change it records, with seq and hash
-- NULL; the sealer (app::audit::seal) then numbers rows in order and chains each one's
-- SHA-256 to the previous one, one sealer at a time. No DNI, no secrets in detail.
-- Keep in step with ../sqlite.

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    -- Position in the chain, from 1 without gaps; NULL until sealed.
    seq      BIGINT UNIQUE,
    at       BIGINT NOT NULL,
    -- The user who acted; NULL for the system or an anonymous visitor.
    actor_id TEXT,
    action   TEXT NOT NULL,
    subject  TEXT NOT NULL,
    detail   TEXT NOT NULL,
    ip       TEXT,
    -- Lower-case hex SHA-256 chained from the previous entry; NULL until sealed.
    hash     TEXT
);

CREATE INDEX audit_log_unsealed ON audit_log (id) WHERE seq IS NULL;
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
CREATE INDEX audit_log_subject ON audit_log (subject, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_at ON audit_log (at);
