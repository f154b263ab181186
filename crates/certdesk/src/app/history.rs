//! The one way anything is written to a ticket's history. Every [`Event`] — the moves of
//! the state machine, the edits of a ticket being written, RENIEC's answers — passes here,
//! inside the transaction of the change it records; so does the batch, many at a time.
//!
//! This is the seam later features subscribe to: notifications and the audit log are
//! written from here, by `match`ing on the event, so none can be forgotten.

use jiff::Timestamp;

use super::{audit, notify, App, AppResult};
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
    let audited: Vec<audit::Entry> = entries.iter().map(audit_entry).collect();
    audit::record_all(conn, now, &audited).await?;
    notify::on_history(app, conn, &entries, now).await
}

/// A history line as the audit log keeps it: the move, not the comment (free text may hold
/// personal data).
fn audit_entry(line: &Line<'_>) -> audit::Entry {
    let mut detail = serde_json::json!({ "status": line.to_status.as_str() });
    if let Some(from) = line.from_status {
        detail["from"] = from.as_str().into();
    }
    if let Some(applicant) = &line.applicant_id {
        detail["applicant"] = applicant.to_string().into();
    }
    audit::Entry::with_action(
        domain::audit::ticket_action(line.event),
        line.actor_id.as_ref(),
        audit::ticket_subject(&line.ticket_id),
    )
    .with_detail(detail)
}
