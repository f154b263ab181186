//! Failed logins, counted per account and per client address to slow down guessing.

use jiff::Timestamp;
use sqlx::Row;

use super::{ts_to_db, Conn, StoreResult};

pub async fn record(conn: &mut Conn, email: &str, ip: &str, now: Timestamp) -> StoreResult<()> {
    sqlx::query("INSERT INTO login_failures (email, ip, at) VALUES ($1, $2, $3)")
        .bind(email)
        .bind(ip)
        .bind(ts_to_db(now))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Failures since `since` for this account and for this address.
pub async fn count_since(
    conn: &mut Conn,
    email: &str,
    ip: &str,
    since: Timestamp,
) -> StoreResult<(i64, i64)> {
    let row = sqlx::query(
        "SELECT \
           (SELECT COUNT(*) FROM login_failures WHERE email = $1 AND at > $3) AS by_email, \
           (SELECT COUNT(*) FROM login_failures WHERE ip = $2 AND at > $3) AS by_ip",
    )
    .bind(email)
    .bind(ip)
    .bind(ts_to_db(since))
    .fetch_one(&mut *conn)
    .await?;
    Ok((row.try_get("by_email")?, row.try_get("by_ip")?))
}

/// A successful login clears the account's failures.
pub async fn clear_for_email(conn: &mut Conn, email: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM login_failures WHERE email = $1")
        .bind(email)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn purge_before(conn: &mut Conn, before: Timestamp) -> StoreResult<u64> {
    let done = sqlx::query("DELETE FROM login_failures WHERE at <= $1")
        .bind(ts_to_db(before))
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}
