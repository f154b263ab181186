//! The transactional mail outbox: written in the same transaction as the change that causes it,
//! and delivered by the worker (`jobs::outbox`), which claims a row before sending it.
//!
//! A claim is a compare-and-set on `claim_token` and `claimed_until` (a lease): the `UPDATE`
//! only matches a row nobody holds, so two workers never hold one row (PostgreSQL re-checks
//! the `WHERE` after a concurrent update commits; SQLite runs one write at a time). Every
//! outcome is written only by the holder of the claim, and each is one `mail_attempts` row.

use domain::{
    ids::{OutboxId, UserId},
    notice::NoticeKind,
};
use jiff::Timestamp;
use sqlx::{any::AnyRow, Row};
use uuid::Uuid;

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
    /// A set-password link minted only when the mail is delivered.
    pub link: Option<PendingLink>,
}

/// A set-password link that a mail carries: its bodies hold [`LINK_PLACEHOLDER`] where the
/// link's secret goes, and the delivering worker mints the secret (storing only its hash)
/// for `user_id`, working until `expires_at`. No row ever holds the secret itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingLink {
    pub user_id: UserId,
    pub expires_at: Timestamp,
}

/// Stands in the stored bodies for a link's secret until delivery.
pub const LINK_PLACEHOLDER: &str = "[enlace-de-un-solo-uso]";

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
    /// The set-password link to mint at delivery, if the mail carries one.
    pub link: Option<PendingLink>,
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
         attachment_name, attachment_type, attachment_body, created_at, next_attempt_at, \
         link_user_id, link_expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14)",
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
    .bind(mail.link.map(|l| l.user_id.to_string()))
    .bind(mail.link.map(|l| ts_to_db(l.expires_at)))
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
        link: match row.parse_opt::<UserId>("link_user_id")? {
            Some(user_id) => Some(PendingLink {
                user_id,
                expires_at: row.ts("link_expires_at")?,
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

/// One mail, whatever its state.
pub async fn get(conn: &mut Conn, id: OutboxId) -> StoreResult<OutboxMail> {
    Select::new("SELECT * FROM outbox")
        .filter("id = ?", id.to_string())
        .one(conn, from_row)
        .await
}

/// Mails to try now: not sent, not refused for good, due at `now` and held by nobody
/// (or by a worker whose lease ran out). Longest waiting first; uses `outbox_due`.
pub async fn due(conn: &mut Conn, now: Timestamp, limit: i64) -> StoreResult<Vec<OutboxId>> {
    Select::new("SELECT id FROM outbox")
        .where_sql("sent_at IS NULL")
        .where_sql("failed_at IS NULL")
        .filter("next_attempt_at <= ?", ts_to_db(now))
        .filter(
            "(claimed_until IS NULL OR claimed_until < ?)",
            ts_to_db(now),
        )
        .order_limit("next_attempt_at, id", limit)
        .fetch(conn, |row| row.parse("id"))
        .await
}

/// Takes the mail for the holder of `token` until `until`, if it is still due and nobody
/// else holds it. True when this call got it.
pub async fn claim(
    conn: &mut Conn,
    id: OutboxId,
    token: &str,
    until: Timestamp,
    now: Timestamp,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE outbox SET claim_token = $1, claimed_until = $2 \
         WHERE id = $3 AND sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $4 \
         AND (claimed_until IS NULL OR claimed_until < $4)",
    )
    .bind(token)
    .bind(ts_to_db(until))
    .bind(id.to_string())
    .bind(ts_to_db(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What became of one attempt.
#[derive(Debug, Clone, Copy)]
enum Outcome<'a> {
    Sent,
    Retry {
        error: &'a str,
        next_attempt_at: Timestamp,
    },
    Failed {
        error: &'a str,
    },
}

/// Records an attempt by the holder of `token` and releases the claim. False (and nothing
/// written) when the claim is no longer this holder's: its lease ran out and another
/// worker took the mail. Run it in a transaction: the row and its attempt go together.
async fn record(
    conn: &mut Conn,
    id: OutboxId,
    token: &str,
    outcome: Outcome<'_>,
    now: Timestamp,
) -> StoreResult<bool> {
    let (sent_at, failed_at, error, next_attempt_at) = match outcome {
        Outcome::Sent => (Some(now), None, None, None),
        Outcome::Retry {
            error,
            next_attempt_at,
        } => (None, None, Some(error), Some(next_attempt_at)),
        Outcome::Failed { error } => (None, Some(now), Some(error), None),
    };
    let done = sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, last_error = $1, sent_at = $2, \
         failed_at = $3, next_attempt_at = COALESCE($4, next_attempt_at), \
         claim_token = NULL, claimed_until = NULL \
         WHERE id = $5 AND claim_token = $6",
    )
    .bind(error)
    .bind(sent_at.map(ts_to_db))
    .bind(failed_at.map(ts_to_db))
    .bind(next_attempt_at.map(ts_to_db))
    .bind(id.to_string())
    .bind(token)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query("INSERT INTO mail_attempts (id, outbox_id, at, error) VALUES ($1, $2, $3, $4)")
        .bind(new_id::<Uuid>(now).to_string())
        .bind(id.to_string())
        .bind(ts_to_db(now))
        .bind(error)
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

/// The server accepted the mail.
pub async fn mark_sent(
    conn: &mut Conn,
    id: OutboxId,
    token: &str,
    now: Timestamp,
) -> StoreResult<bool> {
    record(conn, id, token, Outcome::Sent, now).await
}

/// The attempt failed for a reason that may pass (the server is down, a 4xx answer): the
/// mail is due again at `next_attempt_at`.
pub async fn mark_retry(
    conn: &mut Conn,
    id: OutboxId,
    token: &str,
    error: &str,
    now: Timestamp,
    next_attempt_at: Timestamp,
) -> StoreResult<bool> {
    let outcome = Outcome::Retry {
        error,
        next_attempt_at,
    };
    record(conn, id, token, outcome, now).await
}

/// The server refused the mail for good (a 5xx answer), or it cannot be written as a
/// mail at all: it is not tried again.
pub async fn mark_failed(
    conn: &mut Conn,
    id: OutboxId,
    token: &str,
    error: &str,
    now: Timestamp,
) -> StoreResult<bool> {
    record(conn, id, token, Outcome::Failed { error }, now).await
}

/// One delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAttempt {
    pub at: Timestamp,
    /// The error, or None when the server accepted the mail.
    pub error: Option<String>,
}

/// A mail's attempts, oldest first.
pub async fn attempts(conn: &mut Conn, outbox_id: OutboxId) -> StoreResult<Vec<MailAttempt>> {
    let rows =
        sqlx::query("SELECT at, error FROM mail_attempts WHERE outbox_id = $1 ORDER BY at, id")
            .bind(outbox_id.to_string())
            .fetch_all(&mut *conn)
            .await?;
    rows.iter()
        .map(|row| {
            Ok(MailAttempt {
                at: row.ts("at")?,
                error: row.try_get("error")?,
            })
        })
        .collect()
}

/// How many mails are not delivered: refused for good, and failed once or more and
/// waiting to be tried again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Undelivered {
    pub failed: i64,
    pub retrying: i64,
}

pub async fn undelivered_counts(conn: &mut Conn) -> StoreResult<Undelivered> {
    let row = sqlx::query(
        "SELECT \
           COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS failed, \
           COALESCE(SUM(CASE WHEN failed_at IS NULL AND attempts > 0 THEN 1 ELSE 0 END), 0) AS retrying \
         FROM outbox WHERE sent_at IS NULL",
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Undelivered {
        failed: row.try_get("failed")?,
        retrying: row.try_get("retrying")?,
    })
}

/// The newest mails not delivered (refused, or waiting to be tried again), newest first.
pub async fn undelivered(conn: &mut Conn, limit: i64) -> StoreResult<Vec<OutboxMail>> {
    Select::new("SELECT * FROM outbox")
        .where_sql("sent_at IS NULL")
        .where_sql("(failed_at IS NOT NULL OR attempts > 0)")
        .order_limit("id DESC", limit)
        .fetch(conn, from_row)
        .await
}

/// Mails written before links were minted at delivery whose bodies may still hold a
/// link's secret (see `app::outbox::scrub_stored_links`).
pub async fn with_stored_links(conn: &mut Conn) -> StoreResult<Vec<OutboxMail>> {
    Select::new("SELECT * FROM outbox")
        .where_sql("link_user_id IS NULL")
        .where_sql("(kind IS NULL OR kind IN ('access_approved', 'password_reset'))")
        .where_sql(
            "(body_text LIKE '%/establecer-clave/%' OR body_html LIKE '%/establecer-clave/%')",
        )
        // Not those scrubbed already (LIKE takes the brackets as they are on both databases).
        .where_sql(&format!(
            "body_text NOT LIKE '%/establecer-clave/{LINK_PLACEHOLDER}%'"
        ))
        .order_limit("id", i64::MAX)
        .fetch(conn, from_row)
        .await
}

/// Rewrites a mail's bodies (a stored secret replaced by [`LINK_PLACEHOLDER`]) and the
/// link to mint when it is delivered.
pub async fn replace_bodies(
    conn: &mut Conn,
    id: OutboxId,
    body_text: &str,
    body_html: &str,
    link: Option<PendingLink>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE outbox SET body_text = $1, body_html = $2, link_user_id = $3, link_expires_at = $4 \
         WHERE id = $5",
    )
    .bind(body_text)
    .bind(body_html)
    .bind(link.map(|l| l.user_id.to_string()))
    .bind(link.map(|l| ts_to_db(l.expires_at)))
    .bind(id.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}
