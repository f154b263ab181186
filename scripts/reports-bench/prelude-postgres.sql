-- Helper tables for fill.sql on PostgreSQL: the numbers 1..1,000,000 and day strings.
CREATE TABLE nums (i BIGINT PRIMARY KEY);
INSERT INTO nums SELECT generate_series(1, 1000000);
CREATE TABLE day_str (d BIGINT PRIMARY KEY, s TEXT NOT NULL);
INSERT INTO day_str SELECT d, to_char(date '1970-01-01' + d::int, 'YYYY-MM-DD') FROM generate_series(19000, 23000) AS d;
