//! Certificate reminders and the analysts' queue summary (`app::reminders`). Both may run
//! as often as wanted: what was sent is claimed by a unique key, so each goes out once.

use anyhow::Context;
use jiff::Timestamp;

use crate::app::{reminders, App};

/// What one run wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// Certificate reminders written.
    pub reminders: usize,
    /// Whether this run wrote today's queue summary.
    pub summary: bool,
}

pub async fn run_once(app: &App, now: Timestamp) -> anyhow::Result<Report> {
    let reminders = reminders::send_due(app, now)
        .await
        .context("writing certificate reminders")?;
    let summary = reminders::queue_summary(app, now)
        .await
        .context("writing the queue summary")?;
    Ok(Report { reminders, summary })
}
