//! What the tables of attempts kept to slow down abuse (failed logins, password-reset
//! requests) have in common: rows of an e-mail, a client address and a time, counted in a
//! window and purged once out of it.

use jiff::Timestamp;
use sqlx::Row;

use super::{ts_to_db, Conn, StoreResult};

/// Rows of `table` since `since` for this e-mail and from this client address.
pub(super) async fn count_since(
    conn: &mut Conn,
    table: &'static str,
    email: &str,
    ip: &str,
    since: Timestamp,
) -> StoreResult<(i64, i64)> {
    let row = sqlx::query(&format!(
        "SELECT \
           (SELECT COUNT(*) FROM {table} WHERE email = $1 AND at > $3) AS by_email, \
           (SELECT COUNT(*) FROM {table} WHERE ip = $2 AND at > $3) AS by_ip"
    ))
    .bind(email)
    .bind(ip)
    .bind(ts_to_db(since))
    .fetch_one(&mut *conn)
    .await?;
    Ok((row.try_get("by_email")?, row.try_get("by_ip")?))
}

/// Deletes the rows of `table` up to `before`; how many went.
pub(super) async fn purge_before(
    conn: &mut Conn,
    table: &'static str,
    before: Timestamp,
) -> StoreResult<u64> {
    let done = sqlx::query(&format!("DELETE FROM {table} WHERE at <= $1"))
        .bind(ts_to_db(before))
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}
