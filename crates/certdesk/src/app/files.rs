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

use std::time::{Duration, SystemTime};

use anyhow::Context;

use super::{App, AppResult};
use crate::{blobs::SweepReport, store::retention};

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
    // Read before looking at the files: a file older than the grace whose row committed
    // later would belong to a request slower than the grace allows.
    let referenced = {
        let mut conn = app.store.conn().await?;
        retention::referenced_blobs(&mut conn).await?
    };
    let blobs = app.blobs.clone();
    let report = tokio::task::spawn_blocking(move || blobs.sweep_blocking(&referenced, older_than))
        .await
        .context("the sweep task")?
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
