//! Leases on the background jobs (issue 15): with several instances on one database, each
//! job's step runs on one instance at a time. `jobs::lease` holds one around a step.
//!
//! Taking a lease is one conditional upsert: it inserts the job's row, or takes it over when
//! the holder's lease ran out, and changes nothing when another holder's is still good.
//! One statement is atomic on both databases, as in `rate_limits`: SQLite takes its write
//! lock before reading, and PostgreSQL's `ON CONFLICT DO UPDATE` locks the row and
//! re-checks the `WHERE` on its latest version, so two instances can never both win.
//! Renewing and releasing only touch a row that names the caller as its holder.

use jiff::Timestamp;

use super::{ts_to_db, Conn, StoreResult};

/// Takes `job`'s lease for `holder` until `until`, if nobody holds it at `now` (no row, or
/// the holder's lease ran out). True when this call took it.
pub async fn take(
    conn: &mut Conn,
    job: &str,
    holder: &str,
    until: Timestamp,
    now: Timestamp,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO job_leases (job, holder, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (job) DO UPDATE SET holder = $2, expires_at = $3 \
         WHERE job_leases.expires_at <= $4",
    )
    .bind(job)
    .bind(holder)
    .bind(ts_to_db(until))
    .bind(ts_to_db(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Extends `holder`'s lease on `job` to `until`. False when it is no longer theirs (it ran
/// out and another instance took it).
pub async fn renew(
    conn: &mut Conn,
    job: &str,
    holder: &str,
    until: Timestamp,
) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE job_leases SET expires_at = $1 WHERE job = $2 AND holder = $3")
        .bind(ts_to_db(until))
        .bind(job)
        .bind(holder)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives back `holder`'s lease on `job` (nothing when another instance holds it now).
pub async fn release(conn: &mut Conn, job: &str, holder: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM job_leases WHERE job = $1 AND holder = $2")
        .bind(job)
        .bind(holder)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Who holds `job`'s lease at `now`, if anyone.
pub async fn holder(conn: &mut Conn, job: &str, now: Timestamp) -> StoreResult<Option<String>> {
    let holder =
        sqlx::query_scalar("SELECT holder FROM job_leases WHERE job = $1 AND expires_at > $2")
            .bind(job)
            .bind(ts_to_db(now))
            .fetch_optional(&mut *conn)
            .await?;
    Ok(holder)
}
