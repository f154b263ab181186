//! Server-side sessions (browser) and API tokens: both stored by the SHA-256 of their secret.
//! Each also has a public handle (`id`), so its owner can list and close it without the
//! hash ever leaving the server, and the address and browser it was opened from.

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
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Web => "web",
            SessionKind::Api => "api",
        }
    }
}

pub struct NewSession<'a> {
    /// The public handle (random, not derived from the secret).
    pub id: &'a str,
    pub token_hash: &'a str,
    pub user_id: UserId,
    pub kind: SessionKind,
    pub csrf_token: &'a str,
    pub expires_at: Timestamp,
    /// The client's address and user agent at login, for its owner's list.
    pub ip: &'a str,
    pub user_agent: &'a str,
}

/// A live session or token, as its owner sees it in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: String,
    pub kind: SessionKind,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

pub async fn insert(conn: &mut Conn, s: &NewSession<'_>, now: Timestamp) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO sessions (id, token_hash, user_id, kind, csrf_token, created_at, expires_at, ip, user_agent) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(s.id)
    .bind(s.token_hash)
    .bind(s.user_id.to_string())
    .bind(s.kind.as_str())
    .bind(s.csrf_token)
    .bind(ts_to_db(now))
    .bind(ts_to_db(s.expires_at))
    .bind(s.ip)
    .bind(s.user_agent)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The live session's user, CSRF token and handle, if the token is known, unexpired and
/// the account active.
pub async fn find(
    conn: &mut Conn,
    token_hash: &str,
    kind: SessionKind,
    now: Timestamp,
) -> StoreResult<Option<(User, String, String)>> {
    let row = sqlx::query(
        "SELECT s.user_id, s.csrf_token, s.id FROM sessions s JOIN users u ON u.id = s.user_id \
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
    let id: String = row.try_get("id")?;
    let user = super::users::by_id(conn, user_id).await?;
    Ok(Some((user, csrf, id)))
}

pub async fn delete(conn: &mut Conn, token_hash: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The user's live sessions and tokens, newest first.
pub async fn list_for_user(
    conn: &mut Conn,
    user_id: UserId,
    now: Timestamp,
) -> StoreResult<Vec<SessionInfo>> {
    let rows = sqlx::query(
        "SELECT id, kind, created_at, expires_at, ip, user_agent FROM sessions \
         WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at DESC, id",
    )
    .bind(user_id.to_string())
    .bind(ts_to_db(now))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let kind: String = row.try_get("kind")?;
            Ok(SessionInfo {
                id: row.try_get("id")?,
                kind: if kind == "api" {
                    SessionKind::Api
                } else {
                    SessionKind::Web
                },
                created_at: row.ts("created_at")?,
                expires_at: row.ts("expires_at")?,
                ip: row.try_get("ip")?,
                user_agent: row.try_get("user_agent")?,
            })
        })
        .collect()
}

/// Closes one of the user's sessions by its handle; false when the user has none by it.
pub async fn delete_by_id(conn: &mut Conn, user_id: UserId, id: &str) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id = $2")
        .bind(user_id.to_string())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Closes every session and token of the user except `keep` (a handle), if given; returns
/// how many.
pub async fn delete_all_but(
    conn: &mut Conn,
    user_id: UserId,
    keep: Option<&str>,
) -> StoreResult<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
        .bind(user_id.to_string())
        // No handle is empty, so "" keeps nothing.
        .bind(keep.unwrap_or_default())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

/// Removes expired sessions; returns how many.
pub async fn purge_expired(conn: &mut Conn, now: Timestamp) -> StoreResult<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(ts_to_db(now))
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}
