-- The analyst's desk: canned observation texts that admins keep and analysts pick when
-- observing a ticket, and internal notes on tickets that requesters never see.
-- Keep in step with ../sqlite.

-- Canned observation texts. `title` is the short name on the observe form; `body` is the
-- text the requester reads. Deactivated texts stay (the observations that used them were
-- copied into the history as words, not as references).
CREATE TABLE observation_texts (
    id         TEXT PRIMARY KEY,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    active     BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX observation_texts_active ON observation_texts (active, title);

INSERT INTO observation_texts (id, title, body, active, created_at, updated_at) VALUES
('01938a00-0000-7000-8000-000000000001', 'Foto con lentes',
 'La foto del solicitante lleva lentes. RENIEC no acepta fotos con lentes: tómese una foto nueva sin lentes, de frente, con fondo claro, y reemplácela en el trámite.',
 1, 1764651600000000, 1764651600000000),
('01938a00-0000-7000-8000-000000000002', 'Firma con tinta negra',
 'La firma está hecha con tinta negra. RENIEC la pide con lapicero de tinta azul: firme de nuevo sobre papel blanco con lapicero azul, de tamaño mediano y centrada, sin escribir su nombre ni cargo debajo (sin posfirma); tómele una foto de frente y reemplácela en el trámite.',
 1, 1764651600000000, 1764651600000000),
('01938a00-0000-7000-8000-000000000003', 'Constancia de pago no corresponde',
 'La constancia de pago adjunta no corresponde a este trámite: revise que el monto sea S/ 8.10, que el código de tributo sea 00529 (Tasa Emisión de Certificados Digitales para Suscriptor) y que la constancia se lea completa. Registre la constancia correcta y enlácela al solicitante.',
 1, 1764651600000000, 1764651600000000),
('01938a00-0000-7000-8000-000000000004', 'DNI caducado',
 'El DNI del solicitante está caducado. Renueve su DNI en RENIEC y, cuando tenga el nuevo, corrija la fecha de emisión del DNI en el trámite tal como figura en el documento, y vuelva a enviarlo.',
 1, 1764651600000000, 1764651600000000);

-- Internal notes: analysts and admins write them on a ticket for each other. They are not
-- history lines, so no notice, page or API answer for requesters ever carries them.
CREATE TABLE ticket_notes (
    id         TEXT PRIMARY KEY,
    ticket_id  TEXT NOT NULL REFERENCES tickets (id),
    author_id  TEXT NOT NULL REFERENCES users (id),
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX ticket_notes_by_ticket ON ticket_notes (ticket_id, created_at);
