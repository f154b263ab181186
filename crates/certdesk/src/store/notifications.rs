//! In-app notices: each user's list, newest first, and what they have read.

use domain::{
    ids::{NotificationId, TicketId, UserId},
    notice::NoticeKind,
};
use jiff::Timestamp;
use sqlx::{any::AnyRow, Row};

use super::{
    new_id,
    sql::{values_rows, RowExt, Select, ROWS_PER_INSERT},
    ts_to_db, Conn, StoreResult,
};

/// A notice to write.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub user_id: UserId,
    pub kind: NoticeKind,
    pub ticket_id: Option<TicketId>,
    pub title: String,
    pub body: String,
    /// A path of the service.
    pub link: Option<String>,
}

/// A notice as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: NotificationId,
    pub user_id: UserId,
    pub kind: NoticeKind,
    pub ticket_id: Option<TicketId>,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
}

fn from_row(row: &AnyRow) -> StoreResult<Notification> {
    Ok(Notification {
        id: row.parse("id")?,
        user_id: row.parse("user_id")?,
        kind: row.parse("kind")?,
        ticket_id: row.parse_opt("ticket_id")?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        link: row.try_get("link")?,
        created_at: row.ts("created_at")?,
        read_at: row.ts_opt("read_at")?,
    })
}

/// Writes the notices, many rows per statement.
pub async fn insert_many(
    conn: &mut Conn,
    notices: &[NewNotification],
    now: Timestamp,
) -> StoreResult<()> {
    for chunk in notices.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO notifications (id, user_id, kind, ticket_id, title, body, link, created_at) VALUES {}",
            values_rows(chunk.len(), 8)
        );
        let mut query = sqlx::query(&sql);
        for n in chunk {
            query = query
                .bind(new_id::<NotificationId>(now).to_string())
                .bind(n.user_id.to_string())
                .bind(n.kind.as_str())
                .bind(n.ticket_id.map(|t| t.to_string()))
                .bind(&n.title)
                .bind(&n.body)
                .bind(n.link.as_deref())
                .bind(ts_to_db(now));
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The user's notices, newest first; `before` is the last id of the previous page.
pub async fn for_user(
    conn: &mut Conn,
    user_id: UserId,
    unread_only: bool,
    before: Option<NotificationId>,
    limit: i64,
) -> StoreResult<Vec<Notification>> {
    let mut select =
        Select::new("SELECT * FROM notifications").filter("user_id = ?", user_id.to_string());
    if unread_only {
        select = select.where_sql("read_at IS NULL");
    }
    select
        .filter_opt("id < ?", before.map(|b| b.to_string()))
        .order_limit("id DESC", limit)
        .fetch(conn, from_row)
        .await
}

/// How many notices the user has not read.
pub async fn unread_count(conn: &mut Conn, user_id: UserId) -> StoreResult<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL",
    )
    .bind(user_id.to_string())
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("n")?)
}

/// Marks one of the user's notices read (again is fine). `NotFound` when it is not theirs.
pub async fn mark_read(
    conn: &mut Conn,
    user_id: UserId,
    id: NotificationId,
    now: Timestamp,
) -> StoreResult<Notification> {
    sqlx::query(
        "UPDATE notifications SET read_at = $1 WHERE id = $2 AND user_id = $3 AND read_at IS NULL",
    )
    .bind(ts_to_db(now))
    .bind(id.to_string())
    .bind(user_id.to_string())
    .execute(&mut *conn)
    .await?;
    Select::new("SELECT * FROM notifications")
        .filter("id = ?", id.to_string())
        .filter("user_id = ?", user_id.to_string())
        .one(conn, from_row)
        .await
}

/// Marks every notice of the user read; returns how many were unread.
pub async fn mark_all_read(conn: &mut Conn, user_id: UserId, now: Timestamp) -> StoreResult<u64> {
    let done =
        sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
            .bind(ts_to_db(now))
            .bind(user_id.to_string())
            .execute(&mut *conn)
            .await?;
    Ok(done.rows_affected())
}
