//! Removes expired sessions and rate-limit counters whose window ended, seeds the national
//! holidays of the coming years ahead of time (so reading the calendar never has to write),
//! and sweeps the files that nothing refers to (`app::files`).

use anyhow::Context;
use jiff::Timestamp;

use crate::{
    app::{schedule, App},
    store::{rate_limits, sessions},
};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub sessions_removed: u64,
    /// Rate-limit counters (failed logins, access requests) whose window had ended.
    pub failures_removed: u64,
    /// Years whose national holidays were seeded by this run.
    pub holiday_years_seeded: Vec<i16>,
    /// Files that no row named, deleted by the sweep.
    pub orphan_files_removed: u64,
}

pub async fn run_once(app: &App, now: Timestamp) -> anyhow::Result<Report> {
    let holiday_years_seeded = schedule::seed_holidays(app, now)
        .await
        .context("seeding the national holidays")?;
    let mut conn = app.store.conn().await?;
    let sessions_removed = sessions::purge_expired(&mut conn, now).await?;
    // A counter whose window ended counts nothing any more (the audit log keeps the
    // failed logins themselves).
    let failures_removed = rate_limits::purge_ended(&mut conn, now).await?;
    drop(conn);
    let swept = crate::app::files::sweep_orphans(app, crate::app::files::Sweep::WhileServing)
        .await
        .context("sweeping orphan files")?;
    Ok(Report {
        sessions_removed,
        failures_removed,
        holiday_years_seeded,
        orphan_files_removed: swept.orphans + swept.partial,
    })
}
