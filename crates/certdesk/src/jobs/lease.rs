//! A job's lease in the database (`store::job_leases`), held around one step so that, with
//! several instances on one database, the step runs on one instance at a time (issue 15).
//!
//! The holder is the instance's random id ([`App::instance`]). The lease lasts [`LEASE`]
//! and is renewed every [`RENEW_EVERY`] while the step runs, by a task of its own (a step
//! that holds SQLite's only writer must not stall its own renewal), then given back. An
//! instance that dies holding a lease keeps the job from the others for [`LEASE`] at most.
//! Losing a lease half-way (the database out of reach for longer than [`LEASE`]) is logged,
//! not fatal: every step is idempotent by its own unique keys, so a second instance doing
//! the same work at worst wastes it.

use std::future::Future;

use jiff::{SignedDuration, Timestamp};
use tokio::sync::oneshot;

use crate::{
    app::{job_runs::Job, App},
    store::{job_leases, StoreResult},
};

/// How long a lease holds unless renewed: how long a dead instance can keep a job from the
/// others (a cut-off is then closed up to this much later).
pub const LEASE: SignedDuration = SignedDuration::from_secs(60);

/// How often a held lease is renewed: a few times within [`LEASE`], so that one slow
/// renewal does not lose it.
pub const RENEW_EVERY: std::time::Duration = std::time::Duration::from_secs(20);

/// Runs `work` if this instance can take `job`'s lease; `Ok(None)` when another instance
/// holds it. The lease is held while `work` runs and given back after.
pub async fn hold<F: Future>(app: &App, job: Job, work: F) -> StoreResult<Option<F::Output>> {
    let holder = app.instance.to_string();
    if !take(app, job, &holder).await? {
        return Ok(None);
    }
    let (stop, stopped) = oneshot::channel::<()>();
    let renewer = tokio::spawn(keep(app.clone(), job, holder.clone(), stopped));
    let out = work.await;
    let _ = stop.send(());
    // After the last renewal, so that none runs after the release.
    let _ = renewer.await;
    if let Err(err) = release(app, job, &holder).await {
        tracing::warn!(job = job.as_str(), error = %err,
            "could not give back the job's lease; it runs out by itself");
    }
    Ok(Some(out))
}

/// When a lease taken or renewed at `now` runs out.
fn until(now: Timestamp) -> Timestamp {
    now.saturating_add(LEASE).unwrap_or(Timestamp::MAX)
}

async fn take(app: &App, job: Job, holder: &str) -> StoreResult<bool> {
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let taken = job_leases::take(&mut tx, job.as_str(), holder, until(now), now).await?;
    tx.commit().await?;
    Ok(taken)
}

async fn release(app: &App, job: Job, holder: &str) -> StoreResult<()> {
    let mut tx = app.store.begin().await?;
    job_leases::release(&mut tx, job.as_str(), holder).await?;
    tx.commit().await?;
    Ok(())
}

/// Renews the lease every [`RENEW_EVERY`] until `stopped` fires.
async fn keep(app: App, job: Job, holder: String, mut stopped: oneshot::Receiver<()>) {
    let start = tokio::time::Instant::now() + RENEW_EVERY;
    let mut every = tokio::time::interval_at(start, RENEW_EVERY);
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            _ = every.tick() => {}
        }
        let renewed = async {
            let mut tx = app.store.begin().await?;
            let held = job_leases::renew(&mut tx, job.as_str(), &holder, until(app.now())).await?;
            tx.commit().await?;
            StoreResult::Ok(held)
        }
        .await;
        match renewed {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                job = job.as_str(),
                "the job's lease ran out while it ran; another instance may run it too"
            ),
            Err(err) => tracing::warn!(job = job.as_str(), error = %err,
                "could not renew the job's lease; will retry"),
        }
    }
}
