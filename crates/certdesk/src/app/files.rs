//! The orphan sweep: deletes the files that no row names (RELIABILITY.md).
//!
//! Files are written before the transaction that names them commits (`blobs`), so a crash,
//! a lost connection or a refused insert between the two leaves a file behind; so does a
//! replaced photo. On start (before the server listens) and every hour, the sweep deletes
//! such files once they are older than a grace period, and the half-written temporary
//! files of interrupted writes. The grace keeps the files of requests in flight: on start
//! it is [`AppConfig::orphan_grace`] (only another server sharing the files directory can
//! have requests in flight then; 0 for a lone server), while serving never less than
//! [`DEFAULT_ORPHAN_GRACE`].
//!
//! [`AppConfig::orphan_grace`]: super::AppConfig::orphan_grace

use std::{
    collections::HashSet,
    time::{Duration, SystemTime},
};

use anyhow::Context;

use super::{job_runs::Job, App, AppResult};
use crate::{
    blobs::SweepReport,
    store::{job_runs, retention},
};

/// The grace period by default: far longer than any request takes from writing its files
/// to committing the rows that name them (uploads are bounded and time out sooner).
pub const DEFAULT_ORPHAN_GRACE: Duration = Duration::from_secs(15 * 60);

/// When the sweep runs, and so how long it leaves unreferenced files alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sweep {
    /// On start, before this server listens: only another server sharing the files could
    /// have requests in flight, so the configured grace applies (0 for a lone server).
    OnStart,
    /// While serving: this server's own requests are in flight, so never less than
    /// [`DEFAULT_ORPHAN_GRACE`].
    WhileServing,
}

/// Where the sweep on start may begin: the files changed since the last full sweep that
/// went well (the hourly one, recorded as the housekeeping job) began, less the grace it
/// kept and a minute. Every older file was judged then, so the start costs what changed
/// since, not what is stored: a million stored files no longer delay the first answer.
/// Files orphaned since in other ways (a replaced photo) wait for the next full sweep,
/// which also runs at start, in the background. `None` (look at everything) when no full
/// sweep is known to have gone well.
async fn changed_since_last_full_sweep(
    app: &App,
    now: SystemTime,
) -> AppResult<Option<SystemTime>> {
    let runs = {
        let mut conn = app.store.conn().await?;
        job_runs::all(&mut conn).await?
    };
    let Some(run) = runs
        .into_iter()
        .find(|run| run.job == Job::Housekeeping.as_str() && run.last_error.is_none())
    else {
        return Ok(None);
    };
    let Ok(started) = u64::try_from(run.last_started_at.as_microsecond()) else {
        return Ok(None);
    };
    let kept = app.config.orphan_grace.max(DEFAULT_ORPHAN_GRACE) + Duration::from_secs(60);
    let since = (SystemTime::UNIX_EPOCH + Duration::from_micros(started))
        .checked_sub(kept)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    // The job's time is the app's clock; never look at less than the filesystem's "now".
    Ok(Some(since.min(now)))
}

/// Deletes the orphan files older than the grace period of `when`.
pub async fn sweep_orphans(app: &App, when: Sweep) -> AppResult<SweepReport> {
    let grace = match when {
        Sweep::OnStart => app.config.orphan_grace,
        Sweep::WhileServing => app.config.orphan_grace.max(DEFAULT_ORPHAN_GRACE),
    };
    // File times are the filesystem's clock: compare with it, not with the app's clock.
    #[allow(clippy::disallowed_methods)]
    let now = SystemTime::now();
    let older_than = now.checked_sub(grace).unwrap_or(now);
    let changed_since = match when {
        Sweep::OnStart => changed_since_last_full_sweep(app, now).await?,
        Sweep::WhileServing => None,
    };
    // Read before looking at the files: a file older than the grace whose row committed
    // later would belong to a request slower than the grace allows.
    let referenced = match changed_since {
        None => {
            let mut conn = app.store.conn().await?;
            retention::referenced_blobs(&mut conn).await?
        }
        Some(since) => {
            let changed = app
                .blobs
                .changed_since(since)
                .await
                .context("listing the files changed since the last sweep")?;
            let mut conn = app.store.conn().await?;
            let mut referenced = HashSet::new();
            for sha256 in changed {
                if retention::blob_in_use(&mut conn, &sha256).await? {
                    referenced.insert(sha256);
                }
            }
            referenced
        }
    };
    let report = app
        .blobs
        .sweep(referenced, older_than, changed_since)
        .await
        .context("sweeping orphan files")?;
    if report != SweepReport::default() {
        tracing::warn!(
            orphans = report.orphans,
            bytes = report.bytes,
            partial = report.partial,
            "deleted files that nothing refers to"
        );
    }
    Ok(report)
}
