-- Password-reset requests are counted in rate_limits (issue 13): one atomic reservation per
-- address and per client, keyed by a hash, so the typed addresses are no longer kept.
-- Keep in step with the other database's migration of the same number.
DROP TABLE password_resets;
