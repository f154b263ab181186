//! Certificate reminders (hourly) and the analysts' queue summary (from 08:00 on working
//! days), from `app::reminders`. Both may run as often as wanted: what was sent is claimed
//! by a unique key, so each goes out once.

use anyhow::Context;
use jiff::Timestamp;

use crate::app::{reminders, App};

/// How many certificate reminders this run wrote.
pub async fn run_once(app: &App, now: Timestamp) -> anyhow::Result<usize> {
    reminders::send_due(app, now)
        .await
        .context("writing certificate reminders")
}

/// Whether this run wrote today's queue summary.
pub async fn summary_once(app: &App, now: Timestamp) -> anyhow::Result<bool> {
    reminders::queue_summary(app, now)
        .await
        .context("writing the queue summary")
}
