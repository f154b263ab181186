//! Server-side sessions (browser) and API tokens: both stored by the SHA-256 of their secret.

use jiff::Timestamp;
use sqlx::Row;

use domain::ids::UserId;

use super::{sql::RowExt, ts_to_db, users::User, Conn, StoreResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Web,
    Api,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Web => "web",
            SessionKind::Api => "api",
        }
    }
}

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: UserId,
    pub kind: SessionKind,
    pub csrf_token: &'a str,
    pub expires_at: Timestamp,
}

pub async fn insert(conn: &mut Conn, s: &NewSession<'_>, now: Timestamp) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, kind, csrf_token, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(s.token_hash)
    .bind(s.user_id.to_string())
    .bind(s.kind.as_str())
    .bind(s.csrf_token)
    .bind(ts_to_db(now))
    .bind(ts_to_db(s.expires_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The live session's user and CSRF token, if the token is known, unexpired and the
/// account active.
pub async fn find(
    conn: &mut Conn,
    token_hash: &str,
    kind: SessionKind,
    now: Timestamp,
) -> StoreResult<Option<(User, String)>> {
    let row = sqlx::query(
        "SELECT s.user_id, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.kind = $2 AND s.expires_at > $3 AND u.active = 1",
    )
    .bind(token_hash)
    .bind(kind.as_str())
    .bind(ts_to_db(now))
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let user_id: UserId = row.parse("user_id")?;
    let csrf: String = row.try_get("csrf_token")?;
    let user = super::users::by_id(conn, user_id).await?;
    Ok(Some((user, csrf)))
}

pub async fn delete(conn: &mut Conn, token_hash: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Removes expired sessions; returns how many.
pub async fn purge_expired(conn: &mut Conn, now: Timestamp) -> StoreResult<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(ts_to_db(now))
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}
