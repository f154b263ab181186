//! The transactional mail outbox: written in the same transaction as the change that causes it.

use domain::{
    ids::{OutboxId, UserId},
    notice::NoticeKind,
};
use jiff::Timestamp;
use sqlx::{any::AnyRow, Row};

use super::{
    new_id,
    sql::{RowExt, Select},
    ts_to_db, Conn, StoreResult,
};

/// A mail to write to the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    pub kind: NoticeKind,
    pub to: String,
    /// The recipient's account, when they have one.
    pub user_id: Option<UserId>,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub attachment: Option<Attachment>,
}

/// A text attachment (the appointment's `.ics`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    pub body: String,
}

#[derive(Debug, Clone)]
pub struct OutboxMail {
    pub id: OutboxId,
    /// None for mail written before notices had kinds.
    pub kind: Option<NoticeKind>,
    pub to: String,
    /// `<id@domain>`, fixed when the row is written: every retry is the same message.
    pub message_id: Option<String>,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: Timestamp,
    /// The server refused the mail for good (a 5xx answer); it is not retried.
    pub failed_at: Option<Timestamp>,
    pub attachment: Option<Attachment>,
}

/// Writes a mail, due at once. `domain` is the right-hand side of its Message-ID.
pub async fn enqueue(
    conn: &mut Conn,
    mail: &NewMail,
    domain: &str,
    now: Timestamp,
) -> StoreResult<OutboxId> {
    let id: OutboxId = new_id(now);
    let attachment = mail.attachment.as_ref();
    sqlx::query(
        "INSERT INTO outbox (id, kind, to_address, user_id, message_id, subject, body_text, body_html, \
         attachment_name, attachment_type, attachment_body, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
    )
    .bind(id.to_string())
    .bind(mail.kind.as_str())
    .bind(&mail.to)
    .bind(mail.user_id.map(|u| u.to_string()))
    .bind(format!("<{id}@{domain}>"))
    .bind(&mail.subject)
    .bind(&mail.body_text)
    .bind(&mail.body_html)
    .bind(attachment.map(|a| a.name.as_str()))
    .bind(attachment.map(|a| a.content_type.as_str()))
    .bind(attachment.map(|a| a.body.as_str()))
    .bind(ts_to_db(now))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

fn from_row(row: &AnyRow) -> StoreResult<OutboxMail> {
    Ok(OutboxMail {
        id: row.parse("id")?,
        kind: row.parse_opt("kind")?,
        to: row.try_get("to_address")?,
        message_id: row.try_get("message_id")?,
        subject: row.try_get("subject")?,
        body_text: row.try_get("body_text")?,
        body_html: row.try_get("body_html")?,
        created_at: row.ts("created_at")?,
        sent_at: row.ts_opt("sent_at")?,
        attempts: row.try_get("attempts")?,
        last_error: row.try_get("last_error")?,
        next_attempt_at: row.ts("next_attempt_at")?,
        failed_at: row.ts_opt("failed_at")?,
        attachment: match row.try_get::<Option<String>, _>("attachment_name")? {
            Some(name) => Some(Attachment {
                name,
                content_type: row.try_get("attachment_type")?,
                body: row.try_get("attachment_body")?,
            }),
            None => None,
        },
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
