-- User administration (issue 12): when each account last signed in, for the admins' list,
-- and a lock row that role and activation changes take first, so that on PostgreSQL two
-- admins demoting or deactivating each other at once run one after the other and can never
-- leave the desk without an active admin (SQLite has a single writer anyway). The row lives
-- in batch_lock, whose rows are named locks. Keep in step with ../postgres.

ALTER TABLE users ADD COLUMN last_login_at BIGINT;
INSERT INTO batch_lock (name, ticks) VALUES ('accounts', 0);
