-- Synthetic tickets for load tests (`certdesk load-demo --tickets N`; BENCHMARKS.md).
-- Portable SQL for SQLite and PostgreSQL. Before it runs, `load_demo.rs` creates `nums`
-- (1..N) and `day_str` (day number -> 'YYYY-MM-DD', UTC) and replaces the :names below
-- with numbers and ids. Statements are separated by a semicolon at the end of a line.
--
-- Ticket i is created at :start + i * :step (four years spread evenly, the last one just
-- before now): 60 % emision, 20 % reemision, 10 % instalacion, 10 % cancelacion. The newest
-- 1 % are still open: a tenth drafts, a tenth observed, a tenth being attended and the rest
-- waiting in the queue. Of the older ones every 5th was observed once (resubmitted two
-- days later), every 50th rejected and every 50th withdrawn as a draft; approved ones went in the batch of the next Friday
-- 16:30 cut-off (holidays aside); half of the dispatched applicants have a certificate.
-- Every applicant has its own payment; all share one photo, one signature and one receipt
-- file. As if the retention job had run until now: finished tickets keep their files for
-- the retention setting's days after they finished, and a batch keeps its package until its tickets' files
-- are gone; the packages still kept are one small stand-in ZIP (load_demo.rs says why). Ticket i belongs to requester (i % :requesters) + 1. Ids are UUID-shaped, as the
-- application reads them: 0190000S-0000-7000-80KK-<100000000000 + i>, KK naming the table.

CREATE TABLE load_names (k BIGINT PRIMARY KEY, paternal TEXT NOT NULL, maternal TEXT NOT NULL, given TEXT NOT NULL);
INSERT INTO load_names (k, paternal, maternal, given) VALUES
(0, 'Quispe', 'Mamani', 'María'), (1, 'Flores', 'Huamán', 'José Luis'), (2, 'Sánchez', 'Chávez', 'Rosa'),
(3, 'Rodríguez', 'Vásquez', 'Juan Carlos'), (4, 'García', 'Ramírez', 'Carmen'), (5, 'Rojas', 'Torres', 'Luis Alberto'),
(6, 'Díaz', 'Mendoza', 'Ana Lucía'), (7, 'López', 'Cruz', 'Jorge'), (8, 'Gonzales', 'Castillo', 'Elena'),
(9, 'Pérez', 'Ruiz', 'Pedro Pablo'), (10, 'Huamán', 'Romero', 'Julia'), (11, 'Ramos', 'Salazar', 'César'),
(12, 'Cruz', 'Herrera', 'Milagros'), (13, 'Castro', 'Medina', 'Walter'), (14, 'Vargas', 'Aguilar', 'Gladys'),
(15, 'Mendoza', 'Gutiérrez', 'Víctor Raúl'), (16, 'Chávez', 'Espinoza', 'Patricia'), (17, 'Torres', 'Campos', 'Miguel Ángel'),
(18, 'Gutiérrez', 'Cabrera', 'Sonia'), (19, 'Ruiz', 'Llanos', 'Edwin'), (20, 'Cabrera', 'Tello', 'Yolanda'),
(21, 'Tello', 'Núñez', 'Segundo'), (22, 'Núñez', 'Zegarra', 'Lourdes'), (23, 'Zegarra', 'Ñique', 'Fernando'),
(24, 'Llanos', 'Quispe', 'Maritza');

CREATE TABLE load_years AS
SELECT CAST(substr(d.s, 1, 4) AS BIGINT) AS year, MIN(n.i) AS first_i
FROM nums n JOIN day_str d ON d.d = (:start + n.i * :step) / 86400000000
GROUP BY CAST(substr(d.s, 1, 4) AS BIGINT);

CREATE TABLE load_gen AS
SELECT i, c, kind, observed, rejected, withdrawn, queued, open_status, s1, s2, decision_at, requester,
       CASE WHEN decision_at >= cut0 THEN cut0 + 604800000000 ELSE cut0 END AS cut
FROM (
  SELECT i, c, kind, observed, rejected, withdrawn, queued, open_status, s1, s2, decision_at, requester,
         363600000000 + ((decision_at - 363600000000) / 604800000000) * 604800000000
           + 405000000000 AS cut0
  FROM (
    SELECT i, c, kind, observed, rejected, withdrawn, queued, open_status, s1, requester,
           CASE WHEN observed = 1 THEN s1 + 172800000000 ELSE NULL END AS s2,
           CASE WHEN observed = 1 THEN s1 + 172800000000 + 7200000000 ELSE s1 + 7200000000 END AS decision_at
    FROM (
      SELECT i,
             :start + i * :step AS c,
             CASE WHEN i % 10 < 6 THEN 'emision' WHEN i % 10 < 8 THEN 'reemision'
                  WHEN i % 10 = 8 THEN 'instalacion' ELSE 'cancelacion' END AS kind,
             CASE WHEN i % 5 = 0 AND i < :first_open THEN 1 ELSE 0 END AS observed,
             CASE WHEN i % 50 = 1 AND i < :first_open THEN 1 ELSE 0 END AS rejected,
             CASE WHEN i % 50 = 2 AND i < :first_open THEN 1 ELSE 0 END AS withdrawn,
             CASE WHEN i >= :first_open THEN 1 ELSE 0 END AS queued,
             CASE WHEN i < :first_open THEN NULL
                  WHEN i % 10 = 0 THEN 'borrador' WHEN i % 10 = 1 THEN 'observado'
                  WHEN i % 10 = 2 THEN 'en_atencion' ELSE 'enviado' END AS open_status,
             :start + i * :step + 600000000 AS s1,
             (i % :requesters) + 1 AS requester
      FROM nums
    ) a
  ) b
) g;

CREATE TABLE load_people AS
SELECT g.i, p.paternal, m.maternal, n.given
FROM load_gen g
JOIN load_names p ON p.k = g.i % 25
JOIN load_names m ON m.k = (g.i / 25) % 25
JOIN load_names n ON n.k = (g.i / 625) % 25
WHERE g.kind IN ('emision', 'reemision');

-- Certificates of half the dispatched applicants: installed, valid two years from their
-- batch (caducado once past), or waiting for download when the batch was in the last 5 weeks.
INSERT INTO certificates (id, owner_id, holder_name, dni, applicant_id, state, issued_on, expires_on, delivery_sent_on, download_deadline, created_at)
SELECT '01900000-0000-7000-8001-' || (100000000000 + g.i),
       '01900000-0000-7000-8003-' || (100000000000 + g.requester),
       p.given || ' ' || p.paternal || ' ' || p.maternal, CAST(10000000 + g.i AS TEXT),
       '01900000-0000-7000-8002-' || (100000000000 + g.i),
       CASE WHEN g.cut > :now - 3024000000000 THEN 'pendiente_descarga'
            WHEN (g.cut / 86400000000) + 730 < :today THEN 'caducado'
            ELSE 'instalado' END,
       CASE WHEN g.cut > :now - 3024000000000 THEN NULL ELSE issued.s END,
       CASE WHEN g.cut > :now - 3024000000000 THEN NULL ELSE expires.s END,
       delivered.s, deadline.s, g.cut + 259200000000
FROM load_gen g
JOIN load_people p ON p.i = g.i
JOIN day_str issued ON issued.d = g.cut / 86400000000 + 10
JOIN day_str expires ON expires.d = g.cut / 86400000000 + 740
JOIN day_str delivered ON delivered.d = g.cut / 86400000000 + 3
JOIN day_str deadline ON deadline.d = g.cut / 86400000000 + 33
WHERE g.queued = 0 AND g.rejected = 0 AND g.withdrawn = 0 AND g.cut <= :now - 604800000000 AND g.i % 2 = 0;

INSERT INTO tickets (id, number, year, seq, kind, reason, requester_id, certificate_id, status, submitted_at, assigned_to, created_at, updated_at, files_purged_at)
SELECT '01900000-0000-7000-8000-' || (100000000000 + g.i),
       'CD-' || y.year || '-' || substr('000000', 1, 6 - length(CAST(g.i - y.first_i + 1 AS TEXT))) || (g.i - y.first_i + 1),
       y.year, g.i - y.first_i + 1, g.kind,
       CASE g.kind WHEN 'instalacion' THEN NULL WHEN 'cancelacion' THEN 'g' ELSE 'a' END,
       '01900000-0000-7000-8003-' || (100000000000 + g.requester),
       CASE WHEN g.kind = 'instalacion' AND EXISTS (SELECT 1 FROM certificates c WHERE c.id = '01900000-0000-7000-8001-' || (100000000000 + g.i - 8))
            THEN '01900000-0000-7000-8001-' || (100000000000 + g.i - 8) ELSE NULL END,
       CASE WHEN g.queued = 1 THEN g.open_status
            WHEN g.rejected = 1 THEN 'rechazado'
            WHEN g.withdrawn = 1 THEN 'anulado'
            WHEN g.kind = 'instalacion' THEN 'instalado'
            WHEN g.kind = 'cancelacion' THEN 'cancelado'
            WHEN g.cut > :now THEN 'programado'
            WHEN g.cut > :now - 1209600000000 THEN 'enviado_reniec'
            ELSE 'atendido' END,
       CASE WHEN g.open_status = 'borrador' OR g.withdrawn = 1 THEN NULL ELSE COALESCE(g.s2, g.s1) END,
       CASE WHEN g.open_status = 'en_atencion' THEN :analyst ELSE NULL END,
       g.c,
       CASE WHEN g.queued = 1 THEN g.s1 ELSE g.decision_at END,
       CASE WHEN g.queued = 0 AND g.kind IN ('emision', 'reemision')
                 AND (g.rejected = 1 OR g.withdrawn = 1 OR g.cut <= :now - 1209600000000)
                 AND g.decision_at + :retention <= :now
            THEN g.decision_at + :retention ELSE NULL END
FROM load_gen g
JOIN day_str d ON d.d = g.c / 86400000000
JOIN load_years y ON y.year = CAST(substr(d.s, 1, 4) AS BIGINT);

INSERT INTO ticket_counters (year, last_seq)
SELECT year, MAX(seq) FROM tickets GROUP BY year;

INSERT INTO payments (id, ticket_id, operation_number, paid_on, amount_centimos, tribute_code, payer_dni, channel, receipt_sha256, receipt_mime, created_at)
SELECT '01900000-0000-7000-8006-' || (100000000000 + g.i), '01900000-0000-7000-8000-' || (100000000000 + g.i),
       'CARGA' || g.i, d.s, 810, '00529', CAST(10000000 + g.i AS TEXT),
       CASE g.i % 3 WHEN 0 THEN 'ventanilla' WHEN 1 THEN 'agente' ELSE 'pagalo.pe' END,
       :receipt, 'image/jpeg', g.c + 60000000
FROM load_gen g
JOIN day_str d ON d.d = g.c / 86400000000
WHERE g.kind IN ('emision', 'reemision') AND (g.open_status IS NULL OR g.open_status <> 'borrador' OR g.i % 20 = 0);

INSERT INTO applicants (id, ticket_id, paternal_surname, maternal_surname, given_names, dni, dni_issued_on, email, position, unit, payment_id, photo_sha256, signature_sha256, status, dispatch_at, created_at)
SELECT '01900000-0000-7000-8002-' || (100000000000 + g.i), '01900000-0000-7000-8000-' || (100000000000 + g.i),
       p.paternal, p.maternal, p.given, CAST(10000000 + g.i AS TEXT), '2019-05-14',
       'p' || g.i || '@regioncajamarca.gob.pe', 'Asistente administrativo', 'Oficina de Recursos Humanos',
       '01900000-0000-7000-8006-' || (100000000000 + g.i), :photo, :signature,
       CASE WHEN g.queued = 1 OR g.rejected = 1 OR g.withdrawn = 1 THEN 'registrado'
            WHEN g.cut > :now THEN 'programado'
            WHEN g.cut > :now - 1209600000000 THEN 'enviado_reniec'
            ELSE 'aprobado' END,
       CASE WHEN g.queued = 0 AND g.rejected = 0 AND g.withdrawn = 0 THEN g.cut ELSE NULL END,
       g.c + 120000000
FROM load_gen g
JOIN load_people p ON p.i = g.i
WHERE g.open_status IS NULL OR g.open_status <> 'borrador' OR g.i % 20 = 0;

INSERT INTO batches (id, cutoff_at, closed_at, item_count, package_sha256, package_bytes, files_purged_at)
SELECT '01900000-0000-7000-8004-' || (100000000000 + w), 363600000000 + w * 604800000000 + 405000000000,
       363600000000 + w * 604800000000 + 405000000000 + 60000000, 0, :package, :package_bytes,
       CASE WHEN 363600000000 + w * 604800000000 + 405000000000 + :retention <= :now
            THEN 363600000000 + w * 604800000000 + 405000000000 + :retention ELSE NULL END
FROM (SELECT DISTINCT (cut - 363600000000) / 604800000000 AS w FROM load_gen
      WHERE queued = 0 AND rejected = 0 AND withdrawn = 0 AND cut <= :now) x;

INSERT INTO batch_items (batch_id, applicant_id, position, first_submitted_at)
SELECT '01900000-0000-7000-8004-' || (100000000000 + (cut - 363600000000) / 604800000000),
       '01900000-0000-7000-8002-' || (100000000000 + i), i, s1
FROM load_gen
WHERE kind IN ('emision', 'reemision') AND queued = 0 AND rejected = 0 AND withdrawn = 0 AND cut <= :now;

UPDATE batches SET item_count = (SELECT COUNT(*) FROM batch_items bi WHERE bi.batch_id = batches.id)
WHERE id LIKE '01900000-0000-7000-8004-%';

-- History: create, submit, take, (observe, submit, take), decision, dispatch.
INSERT INTO ticket_events (id, ticket_id, at, actor_id, event, from_status, to_status)
SELECT '01900001-0000-7000-8005-' || (100000000000 + i), '01900000-0000-7000-8000-' || (100000000000 + i), c,
       '01900000-0000-7000-8003-' || (100000000000 + requester), 'create', NULL, 'borrador'
FROM load_gen;
INSERT INTO ticket_events (id, ticket_id, at, actor_id, event, from_status, to_status)
SELECT '01900002-0000-7000-8005-' || (100000000000 + i), '01900000-0000-7000-8000-' || (100000000000 + i), s1,
       '01900000-0000-7000-8003-' || (100000000000 + requester), 'submit', 'borrador', 'enviado'
FROM load_gen WHERE (open_status IS NULL OR open_status <> 'borrador') AND withdrawn = 0;
INSERT INTO ticket_events (id, ticket_id, at, actor_id, event, from_status, to_status)
SELECT '01900003-0000-7000-8005-' || (100000000000 + i), '01900000-0000-7000-8000-' || (100000000000 + i), s1 + 1800000000,
       :analyst, 'take', 'enviado', 'en_atencion'
FROM load_gen WHERE (queued = 0 AND withdrawn = 0) OR open_status IN ('en_atencion', 'observado');
INSERT INTO ticket_events (id, ticket_id, at, actor_id, event, from_status, to_status, comment)
SELECT '01900004-0000-7000-8005-' || (100000000000 + i), '01900000-0000-7000-8000-' || (100000000000 + i), s1 + 3600000000,
       :analyst, 'observe', 'en_atencion', 'observado', 'La foto del solicitante lleva lentes.'
FROM load_gen WHERE observed = 1 OR open_status = 'observado';
INSERT INTO ticket_events (id, ticket_id, at, actor_id, event, from_status, to_status)
SELECT '01900005-0000-7000-8005-' || (100000000000 + i), '01900000-0000-7000-8000-' || (100000000000 + i), s2,
       '01900000-0000-7000-8003-' || (100000000000 + requester), 'submit', 'observado', 'enviado'
FROM load_gen WHERE observed = 1;
INSERT INTO ticket_events (id, ticket_id, at, actor_id, event, from_status, to_status)
SELECT '01900006-0000-7000-8005-' || (100000000000 + i), '01900000-0000-7000-8000-' || (100000000000 + i), s2 + 1800000000,
       :analyst, 'take', 'enviado', 'en_atencion'
FROM load_gen WHERE observed = 1;
INSERT INTO ticket_events (id, ticket_id, at, actor_id, event, from_status, to_status)
SELECT '01900007-0000-7000-8005-' || (100000000000 + i), '01900000-0000-7000-8000-' || (100000000000 + i), decision_at,
       :analyst,
       CASE WHEN rejected = 1 THEN 'reject' WHEN kind IN ('instalacion', 'cancelacion') THEN 'complete' ELSE 'approve' END,
       'en_atencion',
       CASE WHEN rejected = 1 THEN 'rechazado' WHEN kind = 'instalacion' THEN 'instalado'
            WHEN kind = 'cancelacion' THEN 'cancelado' ELSE 'programado' END
FROM load_gen WHERE queued = 0 AND withdrawn = 0;
INSERT INTO ticket_events (id, ticket_id, at, actor_id, event, from_status, to_status)
SELECT '01900009-0000-7000-8005-' || (100000000000 + i), '01900000-0000-7000-8000-' || (100000000000 + i), c + 86400000000,
       '01900000-0000-7000-8003-' || (100000000000 + requester), 'withdraw', 'borrador', 'anulado'
FROM load_gen WHERE withdrawn = 1;
INSERT INTO ticket_events (id, ticket_id, at, actor_id, event, from_status, to_status)
SELECT '01900008-0000-7000-8005-' || (100000000000 + i), '01900000-0000-7000-8000-' || (100000000000 + i), cut + 60000000,
       NULL, 'dispatch', 'programado', 'enviado_reniec'
FROM load_gen WHERE kind IN ('emision', 'reemision') AND queued = 0 AND rejected = 0 AND withdrawn = 0 AND cut <= :now;

-- Reasons of the observations: one of the four seeded texts, or none (own words only);
-- every 7th also a second text.
INSERT INTO observation_reasons (ticket_id, at, text_id)
SELECT '01900000-0000-7000-8000-' || (100000000000 + i), s1 + 3600000000, '01938a00-0000-7000-8000-00000000000' || ((i / 5) % 5 + 1)
FROM load_gen WHERE (observed = 1 OR open_status = 'observado') AND (i / 5) % 5 < 4;
INSERT INTO observation_reasons (ticket_id, at, text_id)
SELECT '01900000-0000-7000-8000-' || (100000000000 + i), s1 + 3600000000, '01938a00-0000-7000-8000-000000000004'
FROM load_gen WHERE (observed = 1 OR open_status = 'observado') AND (i / 5) % 5 < 3 AND (i / 5) % 7 = 0;

DROP TABLE load_people;
DROP TABLE load_gen;
DROP TABLE load_years;
DROP TABLE load_names;
DROP TABLE nums;
DROP TABLE day_str;
