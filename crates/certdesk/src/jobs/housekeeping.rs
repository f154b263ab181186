//! Removes expired sessions and old failed-login records.

use jiff::{SignedDuration, Timestamp};

use crate::{
    app::{auth::FAILURE_WINDOW, App},
    store::{login_failures, sessions},
};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub sessions_removed: u64,
    pub failures_removed: u64,
}

pub async fn run_once(app: &App, now: Timestamp) -> anyhow::Result<Report> {
    let mut conn = app.store.conn().await?;
    let sessions_removed = sessions::purge_expired(&mut conn, now).await?;
    // Keep failures a while past the rate-limit window, for the audit of attacks.
    let keep = FAILURE_WINDOW
        .checked_mul(4)
        .unwrap_or(SignedDuration::from_hours(1));
    let failures_removed = login_failures::purge_before(&mut conn, now.checked_sub(keep)?).await?;
    Ok(Report {
        sessions_removed,
        failures_removed,
    })
}
