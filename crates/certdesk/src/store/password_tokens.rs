//! One-time links to set a password, stored by the SHA-256 of their secret.

use jiff::Timestamp;

use domain::ids::{OutboxId, UserId};

use super::{sql::RowExt, ts_to_db, Conn, StoreResult};

pub async fn insert(
    conn: &mut Conn,
    token_hash: &str,
    user_id: UserId,
    now: Timestamp,
    expires_at: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO password_tokens (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(user_id.to_string())
    .bind(ts_to_db(now))
    .bind(ts_to_db(expires_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The user id of an unused, unexpired token.
pub async fn find_valid(
    conn: &mut Conn,
    token_hash: &str,
    now: Timestamp,
) -> StoreResult<Option<UserId>> {
    let row = sqlx::query(
        "SELECT user_id FROM password_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(ts_to_db(now))
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some(row) => Some(row.parse("user_id")?),
        None => None,
    })
}

/// Marks the token used; false when it was already used (a concurrent use lost the race).
pub async fn mark_used(conn: &mut Conn, token_hash: &str, now: Timestamp) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE password_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
    )
    .bind(ts_to_db(now))
    .bind(token_hash)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The user a token was issued to, used or expired or not: an old link can still ask for
/// a new one to be sent to its account's address.
pub async fn owner(conn: &mut Conn, token_hash: &str) -> StoreResult<Option<UserId>> {
    let row = sqlx::query("SELECT user_id FROM password_tokens WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match row {
        Some(row) => Some(row.parse("user_id")?),
        None => None,
    })
}

/// Retires the user's unused links that are still valid (they expire now); returns how
/// many.
pub async fn expire_unused(conn: &mut Conn, user_id: UserId, now: Timestamp) -> StoreResult<u64> {
    let done = sqlx::query(
        "UPDATE password_tokens SET expires_at = $1 \
         WHERE user_id = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(ts_to_db(now))
    .bind(user_id.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// Writes a link minted for the mail `outbox_id` as it is delivered.
pub async fn insert_for_mail(
    conn: &mut Conn,
    token_hash: &str,
    user_id: UserId,
    now: Timestamp,
    expires_at: Timestamp,
    outbox_id: OutboxId,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO password_tokens (token_hash, user_id, created_at, expires_at, outbox_id) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(user_id.to_string())
    .bind(ts_to_db(now))
    .bind(ts_to_db(expires_at))
    .bind(outbox_id.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Whose an unused token is and when it stops working; None when it is used or unknown.
pub async fn unused(conn: &mut Conn, token_hash: &str) -> StoreResult<Option<(UserId, Timestamp)>> {
    let row = sqlx::query(
        "SELECT user_id, expires_at FROM password_tokens WHERE token_hash = $1 AND used_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some(row) => Some((row.parse("user_id")?, row.ts("expires_at")?)),
        None => None,
    })
}

/// Retires one unused token (it expires now).
pub async fn expire(conn: &mut Conn, token_hash: &str, now: Timestamp) -> StoreResult<()> {
    sqlx::query(
        "UPDATE password_tokens SET expires_at = $1 \
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(ts_to_db(now))
    .bind(token_hash)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
