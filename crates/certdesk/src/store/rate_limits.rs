//! Fixed-window counters that hold across instances: failed logins per (address typed,
//! client) pair and per client, access requests per client.
//!
//! An attempt takes its place with [`reserve`], one conditional upsert: it either counts
//! itself in (and learns the count) or finds the window full and changes nothing. One
//! statement is atomic on both databases: SQLite takes its write lock before reading, and
//! PostgreSQL's `ON CONFLICT DO UPDATE` locks the row and re-checks the `WHERE` on its latest
//! version, so parallel attempts can never all see a count below the limit.
//!
//! Keys are the SHA-256 of what is counted; callers build them with [`key`].

use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{ts_from_db, ts_to_db, Conn, StoreResult};

/// The stored key of a counter: the scope (`login-pair`, `login-ip`, …) and its parts,
/// hashed so that typed addresses are not kept.
pub fn key(scope: &str, parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(scope.as_bytes());
    for part in parts {
        hasher.update([0u8]);
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// What [`reserve`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Counted in: this is hit number `hits` of the window that ends at `window_ends`.
    Taken { hits: i64, window_ends: Timestamp },
    /// The window is full until `window_ends`; nothing was changed.
    Full { window_ends: Timestamp },
}

/// Counts one hit against `key` unless `limit` hits are already counted in its window
/// (`window` long from its first hit). Atomic: see the module comment.
pub async fn reserve(
    conn: &mut Conn,
    key: &str,
    limit: i64,
    window: SignedDuration,
    now: Timestamp,
) -> StoreResult<Reservation> {
    let window_micros = i64::try_from(window.as_micros()).unwrap_or(i64::MAX);
    let fresh_end = ts_to_db(now).saturating_add(window_micros);
    let row = sqlx::query(
        "INSERT INTO rate_limits (key, hits, window_ends) VALUES ($1, 1, $2) \
         ON CONFLICT (key) DO UPDATE SET \
           hits = CASE WHEN rate_limits.window_ends <= $3 THEN 1 ELSE rate_limits.hits + 1 END, \
           window_ends = CASE WHEN rate_limits.window_ends <= $3 THEN $2 \
                              ELSE rate_limits.window_ends END \
         WHERE rate_limits.window_ends <= $3 OR rate_limits.hits < $4 \
         RETURNING hits, window_ends",
    )
    .bind(key)
    .bind(fresh_end)
    .bind(ts_to_db(now))
    .bind(limit)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = row {
        return Ok(Reservation::Taken {
            hits: row.try_get("hits")?,
            window_ends: ts_from_db(row.try_get("window_ends")?)?,
        });
    }
    let ends: Option<i64> =
        sqlx::query_scalar("SELECT window_ends FROM rate_limits WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(Reservation::Full {
        window_ends: ts_from_db(ends.unwrap_or(fresh_end))?,
    })
}

/// Gives back one hit taken in the window that ends at `window_ends` (an attempt that
/// turned out not to count); a later window is left alone.
pub async fn release(conn: &mut Conn, key: &str, window_ends: Timestamp) -> StoreResult<()> {
    sqlx::query(
        "UPDATE rate_limits SET hits = hits - 1 \
         WHERE key = $1 AND window_ends = $2 AND hits > 0",
    )
    .bind(key)
    .bind(ts_to_db(window_ends))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Forgets a counter (a pair whose owner just proved the password).
pub async fn clear(conn: &mut Conn, key: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM rate_limits WHERE key = $1")
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes counters whose window ended at or before `before`; how many went.
pub async fn purge_ended(conn: &mut Conn, before: Timestamp) -> StoreResult<u64> {
    let done = sqlx::query("DELETE FROM rate_limits WHERE window_ends <= $1")
        .bind(ts_to_db(before))
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}
