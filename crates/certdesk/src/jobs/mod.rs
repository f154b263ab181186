//! Background work. Each job is a `run_once(app, now)` step, tested with a fixed clock,
//! plus the loop below that `serve` runs until shutdown. Mail delivery ([`outbox`]) has a
//! loop of its own, run only when an SMTP server is configured. Each run is recorded in
//! `job_runs` (`app::job_runs`), which the admins' home reads.

pub mod batch;
pub mod certificates;
pub mod housekeeping;
pub mod outbox;
pub mod reminders;
pub mod retention;

use std::time::Duration;

use tokio::sync::watch;

use crate::app::{
    job_runs::{record, Job},
    App,
};

/// How often the loop wakes. A cut-off is closed within this long of its time.
pub const TICK: Duration = Duration::from_secs(20);

/// Runs every job until `shutdown` turns true. The first tick runs at once, so a batch
/// whose cut-off passed while the server was down is closed on start.
pub async fn run_all(app: App, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_hourly: Option<jiff::Timestamp> = None;
    let mut summary_tried: Option<jiff::civil::Date> = None;
    let mut retention_done: Option<jiff::civil::Date> = None;
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let now = app.now();
                let outcome = batch::run_once(&app, now).await;
                record(&app, Job::Batch, now, &outcome).await;
                if let Err(err) = outcome {
                    tracing::error!(error = ?err, "closing the batch failed; will retry");
                }
                // The morning summary is due at 08:00, not on the next hourly run.
                let today = app.today();
                if summary_tried != Some(today) && crate::app::reminders::summary_due(now) {
                    let outcome = reminders::summary_once(&app, now).await;
                    record(&app, Job::QueueSummary, now, &outcome).await;
                    match outcome {
                        Ok(_) => summary_tried = Some(today),
                        Err(err) => tracing::warn!(error = ?err, "queue summary failed; will retry"),
                    }
                }
                // Retention purges once a day (retried on the next tick after a failure).
                if retention_done != Some(today) {
                    let outcome = retention::run_once(&app, now).await;
                    record(&app, Job::Retention, now, &outcome).await;
                    match outcome {
                        Ok(_) => retention_done = Some(today),
                        Err(err) => tracing::warn!(error = ?err, "retention purge failed; will retry"),
                    }
                }
                let hourly_due = last_hourly
                    .is_none_or(|t| now.duration_since(t) >= jiff::SignedDuration::from_hours(1));
                if hourly_due {
                    last_hourly = Some(now);
                    let outcome = certificates::run_once(&app, now).await;
                    record(&app, Job::Certificates, now, &outcome).await;
                    if let Err(err) = outcome {
                        tracing::warn!(error = ?err, "certificate states failed; will retry");
                    }
                    let started = app.now();
                    let outcome = reminders::run_once(&app, now).await;
                    record(&app, Job::Reminders, started, &outcome).await;
                    if let Err(err) = outcome {
                        tracing::warn!(error = ?err, "reminders failed; will retry");
                    }
                    let started = app.now();
                    let outcome = housekeeping::run_once(&app, now).await;
                    record(&app, Job::Housekeeping, started, &outcome).await;
                    if let Err(err) = outcome {
                        tracing::warn!(error = ?err, "housekeeping failed; will retry");
                    }
                }
                // Last, so the entries this tick's jobs wrote are chained at once.
                if let Err(err) = crate::app::audit::seal(&app).await {
                    tracing::error!(error = ?err, "sealing the audit log failed; will retry");
                }
            }
            _ = shutdown.changed() => break,
        }
    }
    tracing::info!("background jobs stopped");
}
