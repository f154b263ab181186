//! The one way anything is written to a ticket's history. Every [`Event`] — the moves of
//! the state machine, the edits of a ticket being written, RENIEC's answers — passes here,
//! inside the transaction of the change it records; so does the batch, many at a time.
//!
//! This is the seam later features subscribe to: notifications and the audit log are
//! written from here, by `match`ing on the event, so none can be forgotten.

use domain::{
    ids::{TicketId, UserId},
    ticket::{Event, Status},
};
use jiff::Timestamp;

use super::AppResult;
use crate::store::{
    tickets::{self, NewHistory},
    Conn,
};

/// One line of history to write.
#[derive(Debug, Clone)]
pub struct Line<'a> {
    pub ticket: TicketId,
    /// None for the scheduled job.
    pub actor: Option<UserId>,
    pub event: Event,
    /// The status before, when the event changed it.
    pub from: Option<Status>,
    /// The status after (the same as before for edits).
    pub to: Status,
    /// The comment typed with the action, or what the edit was.
    pub comment: Option<&'a str>,
}

/// Writes the lines, in the caller's transaction.
pub async fn record(conn: &mut Conn, lines: &[Line<'_>], now: Timestamp) -> AppResult<()> {
    let entries: Vec<NewHistory<'_>> = lines
        .iter()
        .map(|l| NewHistory {
            ticket_id: l.ticket,
            actor_id: l.actor,
            event: l.event,
            from_status: l.from.filter(|from| *from != l.to),
            to_status: l.to,
            comment: l.comment.map(str::trim).filter(|c| !c.is_empty()),
        })
        .collect();
    tickets::record_history(conn, &entries, now).await?;
    Ok(())
}
