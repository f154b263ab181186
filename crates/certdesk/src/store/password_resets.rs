//! Requests for a password-reset link, counted per address and per client address to keep
//! the mail from being used to flood a mailbox. Every request is recorded, whether or not
//! the address has an account, so the counts say nothing about which addresses exist.

use super::{attempts, new_id, ts_to_db, Conn, StoreResult};
use jiff::Timestamp;

pub async fn record(conn: &mut Conn, email: &str, ip: &str, now: Timestamp) -> StoreResult<()> {
    let id: uuid::Uuid = new_id(now);
    sqlx::query("INSERT INTO password_resets (id, email, ip, at) VALUES ($1, $2, $3, $4)")
        .bind(id.to_string())
        .bind(email)
        .bind(ip)
        .bind(ts_to_db(now))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Requests since `since` for this address and from this client.
pub async fn count_since(
    conn: &mut Conn,
    email: &str,
    ip: &str,
    since: Timestamp,
) -> StoreResult<(i64, i64)> {
    attempts::count_since(conn, "password_resets", email, ip, since).await
}

pub async fn purge_before(conn: &mut Conn, before: Timestamp) -> StoreResult<u64> {
    attempts::purge_before(conn, "password_resets", before).await
}
