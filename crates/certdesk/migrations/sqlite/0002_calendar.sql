-- The RENIEC batch calendar: the weekly cut-off setting and the non-working days.
-- National holidays are seeded per year on first use (holiday_years records which years
-- were seeded, so a holiday an admin deleted is not added back). Keep in step with ../postgres.

CREATE TABLE holidays (
    day    TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('nacional', 'decretado'))
);

CREATE TABLE holiday_years (
    year      BIGINT PRIMARY KEY,
    seeded_at BIGINT NOT NULL
);

INSERT INTO settings (key, value) VALUES ('batch_weekday', 'viernes');
INSERT INTO settings (key, value) VALUES ('batch_time', '16:30');
