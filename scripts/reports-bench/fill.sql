-- One million synthetic tickets for the report benchmarks (BENCHMARKS.md, "Report queries at
-- 1M tickets"). Portable SQL; the prelude of each engine creates `nums` (1..1,000,000) and
-- `day_str` (day number -> 'YYYY-MM-DD'). Run on a freshly migrated, empty database.
--
-- A ticket every 123 s from Monday 2 Jan 2023 to late Nov 2026 ("now" is Wednesday
-- 2 Dec 2026 10:00 Lima): 60 % emision, 20 % reemision, 10 % instalacion, 10 % cancelacion;
-- every 5th observed once (resubmitted two days later), every 50th rejected; approved ones
-- go in the batch of the next Friday 16:30 cut-off; half of the dispatched applicants get a
-- certificate (installed with a two-year validity, or waiting for download when recent).
-- Ticket and certificate ids are UUID-shaped, as the application reads them.

INSERT INTO users (id, email, name, role, created_at) VALUES
('u-req', 'bench-req@regioncajamarca.gob.pe', 'Solicitante de carga', 'solicitante', 1672635600000000),
('u-an', 'bench-an@regioncajamarca.gob.pe', 'Analista de carga', 'analista', 1672635600000000);

CREATE TABLE gen AS
SELECT i,
       c,
       kind,
       observed,
       rejected,
       queued,
       s1,
       s2,
       decision_at,
       CASE WHEN decision_at >= cut0 THEN cut0 + 604800000000 ELSE cut0 END AS cut
FROM (
  SELECT i, c, kind, observed, rejected, queued, s1, s2, decision_at,
         363600000000 + ((decision_at - 363600000000) / 604800000000) * 604800000000
           + 405000000000 AS cut0
  FROM (
    SELECT i, c, kind, observed, rejected, queued, s1,
           CASE WHEN observed = 1 THEN s1 + 172800000000 ELSE NULL END AS s2,
           CASE WHEN observed = 1 THEN s1 + 172800000000 + 7200000000 ELSE s1 + 7200000000 END AS decision_at
    FROM (
      SELECT i,
             1672635600000000 + i * 123000000 AS c,
             CASE WHEN i % 10 < 6 THEN 'emision' WHEN i % 10 < 8 THEN 'reemision'
                  WHEN i % 10 = 8 THEN 'instalacion' ELSE 'cancelacion' END AS kind,
             CASE WHEN i % 5 = 0 THEN 1 ELSE 0 END AS observed,
             CASE WHEN i % 50 = 1 THEN 1 ELSE 0 END AS rejected,
             CASE WHEN i > 999500 THEN 1 ELSE 0 END AS queued,
             1672635600000000 + i * 123000000 + 600000000 AS s1
      FROM nums
    ) a
  ) b
) g;

INSERT INTO tickets (id, number, year, seq, kind, reason, requester_id, status, submitted_at, created_at, updated_at)
SELECT '01900000-0000-7000-8000-' || (100000000000 + i), 'CD-B-' || i, 2026, i, kind,
       CASE kind WHEN 'instalacion' THEN NULL WHEN 'cancelacion' THEN 'g' ELSE 'a' END,
       'u-req',
       CASE WHEN queued = 1 THEN 'enviado'
            WHEN rejected = 1 THEN 'rechazado'
            WHEN kind = 'instalacion' THEN 'instalado'
            WHEN kind = 'cancelacion' THEN 'cancelado'
            WHEN cut > 1796223600000000 THEN 'programado'
            WHEN cut > 1796223600000000 - 1209600000000 THEN 'enviado_reniec'
            ELSE 'atendido' END,
       COALESCE(s2, s1), c, decision_at
FROM gen;

INSERT INTO applicants (id, ticket_id, paternal_surname, maternal_surname, given_names, dni, dni_issued_on, email, position, unit, photo_sha256, signature_sha256, status, dispatch_at, created_at)
SELECT 'a' || i, '01900000-0000-7000-8000-' || (100000000000 + i), 'Apellido', 'Materno', 'Persona ' || i, CAST(10000000 + i AS TEXT), '2019-05-14',
       'p' || i || '@regioncajamarca.gob.pe', 'Asistente', 'Oficina', 'x', 'x',
       CASE WHEN queued = 1 THEN 'registrado'
            WHEN rejected = 1 THEN 'registrado'
            WHEN cut > 1796223600000000 THEN 'programado'
            WHEN cut > 1796223600000000 - 1209600000000 THEN 'enviado_reniec'
            ELSE 'aprobado' END,
       CASE WHEN queued = 0 AND rejected = 0 THEN cut ELSE NULL END,
       c
FROM gen WHERE kind IN ('emision', 'reemision');

INSERT INTO batches (id, cutoff_at, closed_at, item_count)
SELECT 'b' || w, 363600000000 + w * 604800000000 + 405000000000,
       363600000000 + w * 604800000000 + 405000000000 + 60000000, 0
FROM (SELECT DISTINCT (cut - 363600000000) / 604800000000 AS w FROM gen
      WHERE queued = 0 AND cut <= 1796223600000000) x;

INSERT INTO batch_items (batch_id, applicant_id, position, first_submitted_at)
SELECT 'b' || ((cut - 363600000000) / 604800000000), 'a' || i, i, s1
FROM gen
WHERE kind IN ('emision', 'reemision') AND queued = 0 AND rejected = 0 AND cut <= 1796223600000000;

UPDATE batches SET item_count = (SELECT COUNT(*) FROM batch_items bi WHERE bi.batch_id = batches.id);

-- History: create, submit, take, (observe, submit, take), decision, dispatch.
INSERT INTO ticket_events (id, ticket_id, at, actor_id, event, from_status, to_status)
SELECT 'e' || i || '-1', '01900000-0000-7000-8000-' || (100000000000 + i), c, 'u-req', 'create', NULL, 'borrador' FROM gen;
INSERT INTO ticket_events (id, ticket_id, at, actor_id, event, from_status, to_status)
SELECT 'e' || i || '-2', '01900000-0000-7000-8000-' || (100000000000 + i), s1, 'u-req', 'submit', 'borrador', 'enviado' FROM gen;
INSERT INTO ticket_events (id, ticket_id, at, actor_id, event, from_status, to_status)
SELECT 'e' || i || '-3', '01900000-0000-7000-8000-' || (100000000000 + i), s1 + 1800000000, 'u-an', 'take', 'enviado', 'en_atencion' FROM gen WHERE queued = 0;
INSERT INTO ticket_events (id, ticket_id, at, actor_id, event, from_status, to_status, comment)
SELECT 'e' || i || '-4', '01900000-0000-7000-8000-' || (100000000000 + i), s1 + 3600000000, 'u-an', 'observe', 'en_atencion', 'observado',
       'La foto del solicitante lleva lentes.'
FROM gen WHERE queued = 0 AND observed = 1;
INSERT INTO ticket_events (id, ticket_id, at, actor_id, event, from_status, to_status)
SELECT 'e' || i || '-5', '01900000-0000-7000-8000-' || (100000000000 + i), s2, 'u-req', 'submit', 'observado', 'enviado' FROM gen WHERE queued = 0 AND observed = 1;
INSERT INTO ticket_events (id, ticket_id, at, actor_id, event, from_status, to_status)
SELECT 'e' || i || '-6', '01900000-0000-7000-8000-' || (100000000000 + i), s2 + 1800000000, 'u-an', 'take', 'enviado', 'en_atencion' FROM gen WHERE queued = 0 AND observed = 1;
INSERT INTO ticket_events (id, ticket_id, at, actor_id, event, from_status, to_status)
SELECT 'e' || i || '-7', '01900000-0000-7000-8000-' || (100000000000 + i), decision_at, 'u-an',
       CASE WHEN rejected = 1 THEN 'reject' WHEN kind IN ('instalacion', 'cancelacion') THEN 'complete' ELSE 'approve' END,
       'en_atencion',
       CASE WHEN rejected = 1 THEN 'rechazado' WHEN kind = 'instalacion' THEN 'instalado'
            WHEN kind = 'cancelacion' THEN 'cancelado' ELSE 'programado' END
FROM gen WHERE queued = 0;
INSERT INTO ticket_events (id, ticket_id, at, actor_id, event, from_status, to_status)
SELECT 'e' || i || '-8', '01900000-0000-7000-8000-' || (100000000000 + i), cut + 60000000, NULL, 'dispatch', 'programado', 'enviado_reniec'
FROM gen WHERE kind IN ('emision', 'reemision') AND queued = 0 AND rejected = 0 AND cut <= 1796223600000000;

-- Reasons of the observations: one of the four seeded texts, or none (own words only);
-- every 7th also a second text.
INSERT INTO observation_reasons (ticket_id, at, text_id)
SELECT '01900000-0000-7000-8000-' || (100000000000 + i), s1 + 3600000000, '01938a00-0000-7000-8000-00000000000' || ((i / 5) % 5 + 1)
FROM gen WHERE queued = 0 AND observed = 1 AND (i / 5) % 5 < 4;
INSERT INTO observation_reasons (ticket_id, at, text_id)
SELECT '01900000-0000-7000-8000-' || (100000000000 + i), s1 + 3600000000, '01938a00-0000-7000-8000-000000000004'
FROM gen WHERE queued = 0 AND observed = 1 AND (i / 5) % 5 < 3 AND (i / 5) % 7 = 0;

-- Certificates of half the dispatched applicants: installed, valid two years from their
-- batch (caducado once past), or waiting for download when the batch was in the last 5 weeks.
INSERT INTO certificates (id, owner_id, holder_name, dni, applicant_id, state, issued_on, expires_on, delivery_sent_on, download_deadline, created_at)
SELECT '01900000-0000-7000-8001-' || (100000000000 + g.i), 'u-req', 'Persona ' || g.i, CAST(10000000 + g.i AS TEXT), 'a' || g.i,
       CASE WHEN g.cut > 1796223600000000 - 3024000000000 THEN 'pendiente_descarga'
            WHEN (g.cut / 86400000000) + 730 < 20789 THEN 'caducado'
            ELSE 'instalado' END,
       CASE WHEN g.cut > 1796223600000000 - 3024000000000 THEN NULL ELSE issued.s END,
       CASE WHEN g.cut > 1796223600000000 - 3024000000000 THEN NULL ELSE expires.s END,
       delivered.s, deadline.s, g.cut + 259200000000
FROM gen g
JOIN day_str issued ON issued.d = g.cut / 86400000000 + 10
JOIN day_str expires ON expires.d = g.cut / 86400000000 + 740
JOIN day_str delivered ON delivered.d = g.cut / 86400000000 + 3
JOIN day_str deadline ON deadline.d = g.cut / 86400000000 + 33
WHERE g.kind IN ('emision', 'reemision') AND g.queued = 0 AND g.rejected = 0
  AND g.cut <= 1796223600000000 - 604800000000 AND g.i % 2 = 0;

UPDATE tickets SET certificate_id = '01900000-0000-7000-8001-' || (100000000000 + seq - 8)
WHERE kind = 'instalacion' AND EXISTS (SELECT 1 FROM certificates c WHERE c.id = '01900000-0000-7000-8001-' || (100000000000 + tickets.seq - 8));

DROP TABLE gen;
DROP TABLE nums;
DROP TABLE day_str;
