//! Requests for a password-reset link, counted per address and per client address to keep
//! the mail from being used to flood a mailbox. Every request is recorded, whether or not
//! the address has an account, so the counts say nothing about which addresses exist.

use jiff::Timestamp;
use sqlx::Row;

use super::{new_id, ts_to_db, Conn, StoreResult};

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
    let row = sqlx::query(
        "SELECT \
           (SELECT COUNT(*) FROM password_resets WHERE email = $1 AND at > $3) AS by_email, \
           (SELECT COUNT(*) FROM password_resets WHERE ip = $2 AND at > $3) AS by_ip",
    )
    .bind(email)
    .bind(ip)
    .bind(ts_to_db(since))
    .fetch_one(&mut *conn)
    .await?;
    Ok((row.try_get("by_email")?, row.try_get("by_ip")?))
}

pub async fn purge_before(conn: &mut Conn, before: Timestamp) -> StoreResult<u64> {
    let done = sqlx::query("DELETE FROM password_resets WHERE at <= $1")
        .bind(ts_to_db(before))
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}
