//! The one way anything is written to a ticket's history. Every [`Event`] — the moves of
//! the state machine, the edits of a ticket being written, RENIEC's answers — passes here,
//! inside the transaction of the change it records; so does the batch, many at a time.
//!
//! This is the seam later features subscribe to: notifications and the audit log are
//! written from here, by `match`ing on the event, so none can be forgotten.

use jiff::Timestamp;

use super::{notify, App, AppResult};
use crate::store::{tickets, Conn};

pub use crate::store::tickets::NewHistory as Line;

/// Writes the lines, in the caller's transaction, and the notices they announce
/// ([`notify::on_history`]). A status that did not change is not shown as a move, and a
/// blank comment is no comment. Write the change first: notices read it.
pub async fn record(
    app: &App,
    conn: &mut Conn,
    lines: &[Line<'_>],
    now: Timestamp,
) -> AppResult<()> {
    let entries: Vec<Line<'_>> = lines
        .iter()
        .map(|l| Line {
            from_status: l.from_status.filter(|from| *from != l.to_status),
            comment: l.comment.map(str::trim).filter(|c| !c.is_empty()),
            ..l.clone()
        })
        .collect();
    tickets::record_history(conn, &entries, now).await?;
    notify::on_history(app, conn, &entries, now).await
}
