//! Failed logins, counted per account and per client address to slow down guessing.

use super::{attempts, ts_to_db, Conn, StoreResult};
use jiff::Timestamp;

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
    attempts::count_since(conn, "login_failures", email, ip, since).await
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
    attempts::purge_before(conn, "login_failures", before).await
}
