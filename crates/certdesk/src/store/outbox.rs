//! The transactional mail outbox: written in the same transaction as the change that causes it.

use jiff::Timestamp;
use sqlx::{any::AnyRow, Row};

use super::{new_id, ts_from_db, ts_to_db, Conn, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    pub to: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
}

#[derive(Debug, Clone)]
pub struct OutboxMail {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub attempts: i64,
    pub last_error: Option<String>,
}

pub async fn enqueue(conn: &mut Conn, mail: &NewMail, now: Timestamp) -> StoreResult<String> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO outbox (id, to_address, subject, body_text, body_html, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(&id)
    .bind(&mail.to)
    .bind(&mail.subject)
    .bind(&mail.body_text)
    .bind(&mail.body_html)
    .bind(ts_to_db(now))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

fn from_row(row: &AnyRow) -> StoreResult<OutboxMail> {
    Ok(OutboxMail {
        id: row.try_get("id")?,
        to: row.try_get("to_address")?,
        subject: row.try_get("subject")?,
        body_text: row.try_get("body_text")?,
        body_html: row.try_get("body_html")?,
        created_at: ts_from_db(row.try_get("created_at")?)?,
        sent_at: row
            .try_get::<Option<i64>, _>("sent_at")?
            .map(ts_from_db)
            .transpose()?,
        attempts: row.try_get("attempts")?,
        last_error: row.try_get("last_error")?,
    })
}

/// Newest first; `before` is the id of the last mail of the previous page.
pub async fn list(
    conn: &mut Conn,
    before: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<OutboxMail>> {
    let rows = match before {
        Some(cursor) => {
            sqlx::query("SELECT * FROM outbox WHERE id < $1 ORDER BY id DESC LIMIT $2")
                .bind(cursor)
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?
        }
        None => {
            sqlx::query("SELECT * FROM outbox ORDER BY id DESC LIMIT $1")
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?
        }
    };
    rows.iter().map(from_row).collect()
}
