-- Administration (issue 12): retention of personal files (Ley 29733). A finished ticket's
-- photos, signatures and receipts are deleted some time after it finished; the ticket, its
-- applicants and payments stay, marked with when their files were purged. A batch package
-- (copies of the same files) is purged once every ticket in it was. Keep in step with ../postgres.

ALTER TABLE tickets ADD COLUMN files_purged_at BIGINT;
ALTER TABLE batches ADD COLUMN files_purged_at BIGINT;

-- The daily job looks for finished tickets by status and last change.
CREATE INDEX tickets_finished ON tickets (status, updated_at);

-- Files whose rows were marked purged, to delete from the files directory once the marking
-- committed. A file still used by a row that was not purged (the same photo in a newer
-- ticket) is kept. A crash between the commit and the deletion leaves the row here, and the
-- next run deletes the file: the marking and the deletion never disagree for long.
CREATE TABLE blob_purges (
    sha256    TEXT PRIMARY KEY,
    queued_at BIGINT NOT NULL
);

-- Whether a queued file is still used is asked by hash.
CREATE INDEX applicants_photo ON applicants (photo_sha256);
CREATE INDEX applicants_signature ON applicants (signature_sha256);
CREATE INDEX payments_receipt ON payments (receipt_sha256);
