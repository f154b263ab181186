-- Helper tables for fill.sql on SQLite: the numbers 1..1,000,000 and day strings.
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
CREATE TABLE nums (i BIGINT PRIMARY KEY);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
INSERT INTO nums SELECT i FROM n;
CREATE TABLE day_str (d BIGINT PRIMARY KEY, s TEXT NOT NULL);
WITH RECURSIVE n(d) AS (SELECT 19000 UNION ALL SELECT d + 1 FROM n WHERE d < 23000)
INSERT INTO day_str SELECT d, date(d * 86400, 'unixepoch') FROM n;
