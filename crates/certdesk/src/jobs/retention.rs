//! Once a day: deletes the photos, signatures and receipts of tickets that finished longer
//! ago than the retention setting (Ley 29733), and the batch packages whose tickets all
//! went. The rules, and why a crash half-way is harmless, are in `app::retention`.

use anyhow::Context;
use jiff::Timestamp;

use crate::app::{retention, App};

pub use retention::Report;

pub async fn run_once(app: &App, now: Timestamp) -> anyhow::Result<Report> {
    retention::purge_due(app, now)
        .await
        .context("purging personal files past their retention period")
}
