-- Indexes the load tests asked for (issue 14; BENCHMARKS.md).
-- Keep in step with the other database's migration of the same number.

-- Whether a stored file is still named (the orphan sweep on start, retention): found by
-- its hash instead of reading every certificate.
CREATE INDEX certificates_public_part ON certificates (public_part_sha256);

-- The retention job's next tickets: only those whose files are still kept, by when they
-- finished (without it, every finished ticket of every year was read to find a few).
CREATE INDEX tickets_files_kept ON tickets (updated_at) WHERE files_purged_at IS NULL;

-- The analysts' queue in its order (first come, first served): a page is an index walk
-- of the waiting tickets instead of a sort of all of them. The condition is the one the
-- queue query writes (`Status::is_in_queue`), so both planners can use it.
CREATE INDEX tickets_in_queue ON tickets (submitted_at, id) WHERE status IN ('enviado', 'en_atencion');

-- A search by DNI finds the tickets from the certificates with that DNI (as it does from
-- the applicants, through applicants_dni) instead of reading every ticket.
CREATE INDEX certificates_dni ON certificates (dni);
