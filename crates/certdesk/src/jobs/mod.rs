//! Background work. Each job is a `run_once(app, now)` step, tested with a fixed clock,
//! plus the loop below that `serve` runs until shutdown. Mail delivery ([`outbox`]) has a
//! loop of its own, run only when an SMTP server is configured. Each run is recorded in
//! `job_runs` (`app::job_runs`), which the admins' home reads.
//!
//! Several instances may share the database (issue 15), each running this loop. A step of
//! [`tick`] runs under its job's lease ([`lease`]), so on one instance at a time, and only
//! when [`due`] says so from the job's last run in `job_runs`, whichever instance ran it:
//! the batch close at most every half [`TICK`], the hourly jobs once an hour, the queue
//! summary and retention once a day. Nothing of this is kept in the process, so a second
//! instance, or a restart, does not redo what was done. The steps are idempotent besides
//! (unique keys claim what they send), so a lease lost half-way costs work, not mail.
//! Mail delivery needs no lease: each mail is claimed (`store::outbox::claim`).

pub mod batch;
pub mod certificates;
pub mod housekeeping;
pub mod lease;
pub mod outbox;
pub mod reminders;
pub mod retention;

use std::{future::Future, time::Duration};

use jiff::{SignedDuration, Timestamp};
use tokio::sync::watch;

use crate::{
    app::{
        job_runs::{record, Job},
        App,
    },
    store::job_runs::{self, JobRun},
};

/// How often the loop wakes. A cut-off is closed within this long of its time.
pub const TICK: Duration = Duration::from_secs(20);

/// The batch step runs at most this often across all instances (each wakes every
/// [`TICK`]; with several, one of them finds it due about every [`TICK`] or sooner).
pub const BATCH_EVERY: SignedDuration = SignedDuration::from_secs(TICK.as_secs() as i64 / 2);

/// The period of the hourly jobs.
pub const HOURLY: SignedDuration = SignedDuration::from_hours(1);

/// A last run this far after `now` means the clock went back (or was set wrong, then
/// right): the job is due again rather than stalled until time catches up. Below it, it is
/// the instances' clocks differing a little.
const CLOCK_SKEW: SignedDuration = SignedDuration::from_mins(1);

/// Runs every job until `shutdown` turns true. The first tick runs at once, so a batch
/// whose cut-off passed while the server was down is closed on start.
pub async fn run_all(app: App, mut shutdown: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(TICK);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tracing::info!(instance = %app.instance, "background jobs started");
    loop {
        tokio::select! {
            _ = every.tick() => {
                tick(&app).await;
            }
            _ = shutdown.changed() => break,
        }
    }
    tracing::info!("background jobs stopped");
}

/// One wake of the loop at the app's time: each job that is due runs under its lease (see
/// the module comment), then the audit log is sealed. Returns the jobs this instance ran;
/// another instance may have run the others, or be running them.
pub async fn tick(app: &App) -> Vec<Job> {
    let now = app.now();
    let mut ran = Vec::new();
    step(app, Job::Batch, now, &mut ran, || batch::run_once(app, now)).await;
    // The morning summary is due at 08:00, not on the next hourly run.
    let summary = || reminders::summary_once(app, now);
    step(app, Job::QueueSummary, now, &mut ran, summary).await;
    // Retention purges once a day (retried on the next tick after a failure).
    let purge = || retention::run_once(app, now);
    step(app, Job::Retention, now, &mut ran, purge).await;
    let states = || certificates::run_once(app, now);
    step(app, Job::Certificates, now, &mut ran, states).await;
    let remind = || reminders::run_once(app, now);
    step(app, Job::Reminders, now, &mut ran, remind).await;
    let housekeeping = || housekeeping::run_once(app, now);
    step(app, Job::Housekeeping, now, &mut ran, housekeeping).await;
    // Last, so the entries this tick's jobs wrote are chained at once. Every instance
    // seals: one sealer at a time is `app::audit::seal`'s own guarantee.
    if let Err(err) = crate::app::audit::seal(app).await {
        tracing::error!(error = ?err, "sealing the audit log failed; will retry");
    }
    ran
}

/// Runs `job`'s step through `run` when this instance gets the job's lease and the job is
/// due, records the run, logs a failure (retried on a later tick) and adds `job` to `ran`.
/// The due check is made again under the lease, so an instance that waited for it sees the
/// run of the one that held it.
async fn step<T, F, Fut>(app: &App, job: Job, now: Timestamp, ran: &mut Vec<Job>, run: F)
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    // Asked first without the lease, so a tick takes leases (writes) only for jobs that are
    // due; asked again under it.
    if !due_now(app, job, now).await {
        return;
    }
    let work = async {
        if !due_now(app, job, now).await {
            return None;
        }
        let started = app.now();
        let outcome = run().await;
        record(app, job, started, &outcome).await;
        Some(outcome)
    };
    let outcome = match lease::hold(app, job, work).await {
        Ok(ran) => ran.flatten(),
        Err(err) => {
            tracing::warn!(job = job.as_str(), error = %err,
                "could not take the job's lease; will retry");
            None
        }
    };
    let Some(outcome) = outcome else {
        return;
    };
    ran.push(job);
    match outcome {
        Ok(_) => {}
        // A batch not closed misses RENIEC's weekly cut-off: an error, not a warning.
        Err(err) if job == Job::Batch => {
            tracing::error!(job = job.as_str(), error = ?err, "the job failed; will retry");
        }
        Err(err) => {
            tracing::warn!(job = job.as_str(), error = ?err, "the job failed; will retry");
        }
    }
}

/// Whether `job` is due at `now` by its last run in the database; false (logged, retried on
/// the next tick) when that cannot be read.
async fn due_now(app: &App, job: Job, now: Timestamp) -> bool {
    let last = async {
        let mut conn = app.store.conn().await?;
        job_runs::get(&mut conn, job.as_str()).await
    };
    match last.await {
        Ok(last) => due(job, last.as_ref(), now),
        Err(err) => {
            tracing::warn!(job = job.as_str(), error = %err,
                "could not read the job's last run; will retry");
            false
        }
    }
}

/// Whether `job` is due at `now`, given its last run on any instance (`job_runs`).
pub fn due(job: Job, last: Option<&JobRun>, now: Timestamp) -> bool {
    let started_ago = |period: SignedDuration| {
        last.is_none_or(|run| {
            let ago = now.duration_since(run.last_started_at);
            ago >= period || ago < -CLOCK_SKEW
        })
    };
    let not_done_today = || {
        let today = domain::schedule::today_in_lima(now);
        last.and_then(|run| run.last_ok_at)
            .is_none_or(|ok| domain::schedule::today_in_lima(ok) != today)
    };
    match job {
        Job::Batch => started_ago(BATCH_EVERY),
        Job::Certificates | Job::Reminders | Job::Housekeeping => started_ago(HOURLY),
        Job::QueueSummary => crate::app::reminders::summary_due(now) && not_done_today(),
        Job::Retention => not_done_today(),
        // Runs in a loop of its own, every mail under its claim.
        Job::Outbox => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn run(started: &str, ok: Option<&str>) -> JobRun {
        JobRun {
            job: String::new(),
            last_started_at: at(started),
            last_finished_at: at(started),
            last_error: None,
            last_ok_at: ok.map(at),
        }
    }

    #[test]
    fn a_job_that_never_ran_is_due_and_the_summary_waits_for_eight() {
        let early = at("2026-12-04T07:59:00-05:00");
        for job in [Job::Batch, Job::Certificates, Job::Retention] {
            assert!(due(job, None, early), "{job:?}");
        }
        assert!(!due(Job::QueueSummary, None, early));
        assert!(due(
            Job::QueueSummary,
            None,
            at("2026-12-04T08:00:00-05:00")
        ));
    }

    #[test]
    fn a_run_on_any_instance_counts_for_its_period() {
        let now = at("2026-12-04T16:30:05-05:00");
        let batch = run("2026-12-04T16:30:00-05:00", None);
        assert!(!due(Job::Batch, Some(&batch), now));
        assert!(due(Job::Batch, Some(&batch), now + BATCH_EVERY));
        let hourly = run("2026-12-04T15:31:00-05:00", None);
        assert!(!due(Job::Reminders, Some(&hourly), now));
        assert!(due(
            Job::Reminders,
            Some(&hourly),
            now + SignedDuration::from_mins(1)
        ));
        // Daily: done when it went well today (Lima), whatever the hour.
        let today = run(
            "2026-12-04T00:10:00-05:00",
            Some("2026-12-04T00:10:01-05:00"),
        );
        assert!(!due(Job::Retention, Some(&today), now));
        assert!(!due(Job::QueueSummary, Some(&today), now));
        let failed_today = run(
            "2026-12-04T00:10:00-05:00",
            Some("2026-12-03T00:10:01-05:00"),
        );
        assert!(due(Job::Retention, Some(&failed_today), now));
        // 23:30 in Lima is already the next day in UTC; it still counts for the 4th.
        let late = run(
            "2026-12-04T23:30:00-05:00",
            Some("2026-12-04T23:30:00-05:00"),
        );
        assert!(!due(Job::Retention, Some(&late), now));
    }

    #[test]
    fn a_last_run_in_the_future_means_the_clock_went_back_and_the_job_runs() {
        let now = at("2026-12-04T16:30:05-05:00");
        let skewed = run("2026-12-04T16:30:35-05:00", None);
        assert!(!due(Job::Batch, Some(&skewed), now), "a little skew waits");
        let ahead = run("2027-12-04T16:30:00-05:00", None);
        assert!(due(Job::Batch, Some(&ahead), now));
        assert!(due(Job::Housekeeping, Some(&ahead), now));
    }
}
