-- Tickets, their payment receipts and applicants, the history of every change, and the
-- certificate registry that instalacion and cancelacion tickets name.
-- Files (photos, signatures, receipts) live on disk by SHA-256; rows keep the hash.
-- Keep in step with ../postgres.

CREATE TABLE certificates (
    id                TEXT PRIMARY KEY,
    owner_id          TEXT NOT NULL REFERENCES users (id),
    holder_name       TEXT NOT NULL,
    dni               TEXT NOT NULL,
    applicant_id      TEXT,
    medium            TEXT CHECK (medium IN ('pc', 'token', 'tarjeta')),
    ownership         TEXT CHECK (ownership IN ('grc', 'propio')),
    issued_on         TEXT,
    expires_on        TEXT,
    serial            TEXT,
    subject           TEXT,
    state             TEXT NOT NULL CHECK (state IN ('pendiente_descarga', 'instalado', 'caducado', 'descarga_vencida', 'cancelado')),
    delivery_sent_on  TEXT,
    download_deadline TEXT,
    created_at        BIGINT NOT NULL
);
CREATE INDEX certificates_owner ON certificates (owner_id, id);

-- One row per year; incremented inside the transaction that creates the ticket, so numbers
-- have no gaps (a rolled-back ticket rolls its number back too) and no duplicates.
CREATE TABLE ticket_counters (
    year     BIGINT PRIMARY KEY,
    last_seq BIGINT NOT NULL
);

CREATE TABLE tickets (
    id             TEXT PRIMARY KEY,
    number         TEXT NOT NULL UNIQUE,
    year           BIGINT NOT NULL,
    seq            BIGINT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('emision', 'reemision', 'instalacion', 'cancelacion')),
    reason         TEXT,
    requester_id   TEXT NOT NULL REFERENCES users (id),
    certificate_id TEXT REFERENCES certificates (id),
    status         TEXT NOT NULL CHECK (status IN ('borrador', 'enviado', 'en_atencion', 'observado', 'programado', 'enviado_reniec', 'atendido', 'rechazado', 'anulado', 'instalado', 'cancelado')),
    submitted_at   BIGINT,
    assigned_to    TEXT REFERENCES users (id),
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (year, seq)
);
CREATE INDEX tickets_requester ON tickets (requester_id, id);
CREATE INDEX tickets_queue ON tickets (status, submitted_at);

CREATE TABLE payments (
    id               TEXT PRIMARY KEY,
    ticket_id        TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    operation_number TEXT NOT NULL UNIQUE,
    paid_on          TEXT NOT NULL,
    amount_centimos  BIGINT NOT NULL,
    tribute_code     TEXT NOT NULL,
    payer_dni        TEXT NOT NULL,
    channel          TEXT NOT NULL CHECK (channel IN ('ventanilla', 'agente', 'pagalo.pe')),
    receipt_sha256   TEXT NOT NULL,
    receipt_mime     TEXT NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX payments_ticket ON payments (ticket_id);

CREATE TABLE applicants (
    id                 TEXT PRIMARY KEY,
    ticket_id          TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    paternal_surname   TEXT NOT NULL,
    maternal_surname   TEXT,
    given_names        TEXT NOT NULL,
    dni                TEXT NOT NULL,
    dni_check_digit    TEXT,
    dni_issued_on      TEXT NOT NULL,
    email              TEXT NOT NULL,
    position           TEXT NOT NULL,
    unit               TEXT NOT NULL,
    payment_id         TEXT UNIQUE REFERENCES payments (id),
    current_expires_on TEXT,
    photo_sha256       TEXT NOT NULL,
    signature_sha256   TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('registrado', 'programado', 'enviado_reniec', 'aprobado', 'rechazado')),
    dispatch_at        BIGINT,
    created_at         BIGINT NOT NULL,
    UNIQUE (ticket_id, dni)
);
CREATE INDEX applicants_dni ON applicants (dni);

CREATE TABLE ticket_events (
    id          TEXT PRIMARY KEY,
    ticket_id   TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    at          BIGINT NOT NULL,
    actor_id    TEXT REFERENCES users (id),
    event       TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT NOT NULL,
    comment     TEXT
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

INSERT INTO settings (key, value) VALUES ('fee', '8.10');
INSERT INTO settings (key, value) VALUES ('tribute_code', '00529');
INSERT INTO settings (key, value) VALUES ('entity_ruc', '20453744168');
