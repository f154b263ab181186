//! The transactional mail outbox: written in the same transaction as the change that causes it.

use domain::ids::OutboxId;
use jiff::Timestamp;
use sqlx::{any::AnyRow, Row};

use super::{
    new_id,
    sql::{RowExt, Select},
    ts_to_db, Conn, StoreResult,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    pub to: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
}

#[derive(Debug, Clone)]
pub struct OutboxMail {
    pub id: OutboxId,
    pub to: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub attempts: i64,
    pub last_error: Option<String>,
}

pub async fn enqueue(conn: &mut Conn, mail: &NewMail, now: Timestamp) -> StoreResult<OutboxId> {
    let id: OutboxId = new_id(now);
    sqlx::query(
        "INSERT INTO outbox (id, to_address, subject, body_text, body_html, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(id.to_string())
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
        id: row.parse("id")?,
        to: row.try_get("to_address")?,
        subject: row.try_get("subject")?,
        body_text: row.try_get("body_text")?,
        body_html: row.try_get("body_html")?,
        created_at: row.ts("created_at")?,
        sent_at: row.ts_opt("sent_at")?,
        attempts: row.try_get("attempts")?,
        last_error: row.try_get("last_error")?,
    })
}

/// Newest first; `before` is the id of the last mail of the previous page.
pub async fn list(
    conn: &mut Conn,
    before: Option<OutboxId>,
    limit: i64,
) -> StoreResult<Vec<OutboxMail>> {
    Select::new("SELECT * FROM outbox")
        .filter_opt("id < ?", before.map(|b| b.to_string()))
        .order_limit("id DESC", limit)
        .fetch(conn, from_row)
        .await
}
