//! Analysts' internal notes on tickets. Kept apart from the history on purpose: nothing
//! that shows a ticket to its requester reads this table.

use domain::ids::{NoteId, TicketId, UserId};
use jiff::Timestamp;
use sqlx::Row;

use super::{new_id, sql::RowExt, ts_to_db, Conn, StoreResult};

#[derive(Debug, Clone)]
pub struct Note {
    pub id: NoteId,
    pub ticket_id: TicketId,
    pub author_id: UserId,
    pub author_name: String,
    pub body: String,
    pub created_at: Timestamp,
}

pub async fn insert(
    conn: &mut Conn,
    ticket_id: TicketId,
    author_id: UserId,
    body: &str,
    now: Timestamp,
) -> StoreResult<NoteId> {
    let id: NoteId = new_id(now);
    sqlx::query(
        "INSERT INTO ticket_notes (id, ticket_id, author_id, body, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id.to_string())
    .bind(ticket_id.to_string())
    .bind(author_id.to_string())
    .bind(body)
    .bind(ts_to_db(now))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// A ticket's notes, oldest first.
pub async fn for_ticket(conn: &mut Conn, ticket_id: TicketId) -> StoreResult<Vec<Note>> {
    let rows = sqlx::query(
        "SELECT n.*, u.name AS author_name FROM ticket_notes n JOIN users u ON u.id = n.author_id \
         WHERE n.ticket_id = $1 ORDER BY n.created_at ASC, n.id ASC",
    )
    .bind(ticket_id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Note {
                id: row.parse("id")?,
                ticket_id: row.parse("ticket_id")?,
                author_id: row.parse("author_id")?,
                author_name: row.try_get("author_name")?,
                body: row.try_get("body")?,
                created_at: row.ts("created_at")?,
            })
        })
        .collect()
}
