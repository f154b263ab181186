//! The background jobs by name, their last run, and whether each is healthy (the admins'
//! home). Each job loop iteration records its run in one small write; reading never
//! writes.

use jiff::{SignedDuration, Timestamp};

use super::{auth, App, AppResult};
use crate::store::{job_runs, users::User};

/// The background jobs, each with how often it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// Closes the batch at each cut-off (every [`crate::jobs::TICK`]).
    Batch,
    /// The analysts' morning summary (daily, from 08:00).
    QueueSummary,
    /// Certificate states (hourly).
    Certificates,
    /// Certificate reminders (hourly).
    Reminders,
    /// Sessions, failed logins, holidays (hourly).
    Housekeeping,
    /// Mail delivery over SMTP (every few seconds, when a server is configured).
    Outbox,
    /// Deletes personal files past their retention period (daily).
    Retention,
}

impl Job {
    pub const ALL: [Job; 7] = [
        Job::Batch,
        Job::Outbox,
        Job::Certificates,
        Job::Reminders,
        Job::Housekeeping,
        Job::QueueSummary,
        Job::Retention,
    ];

    /// The key of its `job_runs` row.
    pub fn as_str(self) -> &'static str {
        match self {
            Job::Batch => "batch",
            Job::QueueSummary => "queue_summary",
            Job::Certificates => "certificates",
            Job::Reminders => "reminders",
            Job::Housekeeping => "housekeeping",
            Job::Outbox => "outbox",
            Job::Retention => "retention",
        }
    }

    /// What it does, for people.
    pub fn label(self) -> &'static str {
        match self {
            Job::Batch => "Cierre del lote RENIEC en cada corte",
            Job::QueueSummary => "Resumen diario de la cola a los analistas",
            Job::Certificates => "Estados de los certificados (caducidad, plazo de descarga)",
            Job::Reminders => "Recordatorios de caducidad y de descarga",
            Job::Housekeeping => "Mantenimiento (sesiones vencidas, feriados)",
            Job::Outbox => "Envío de correos por SMTP",
            Job::Retention => "Eliminación de fotos, firmas y constancias vencidas (Ley 29733)",
        }
    }

    /// How often it runs, in words.
    pub fn cadence(self) -> &'static str {
        match self {
            Job::Batch => "cada 20 segundos",
            Job::Outbox => "cada 5 segundos",
            Job::Certificates | Job::Reminders | Job::Housekeeping => "cada hora",
            Job::QueueSummary => "cada día desde las 08:00",
            Job::Retention => "cada día",
        }
    }

    /// Without a run for this long, the job is late: a few of its periods, so that one
    /// slow run or a restart does not raise the alarm.
    pub fn late_after(self) -> SignedDuration {
        match self {
            Job::Batch | Job::Outbox => SignedDuration::from_mins(5),
            Job::Certificates | Job::Reminders | Job::Housekeeping => SignedDuration::from_hours(3),
            Job::QueueSummary | Job::Retention => SignedDuration::from_hours(26),
        }
    }
}

/// The longest error text kept (the log has the whole chain).
const MAX_ERROR_CHARS: usize = 300;

/// Records a run of `job` that started at `started` and ended now with `outcome`. A
/// failure to record is logged, never passed on: the job itself must go on.
pub async fn record<T>(app: &App, job: Job, started: Timestamp, outcome: &anyhow::Result<T>) {
    let error = outcome.as_ref().err().map(|e| {
        let text = format!("{e:#}");
        match text.char_indices().nth(MAX_ERROR_CHARS) {
            Some((cut, _)) => format!("{}…", &text[..cut]),
            None => text,
        }
    });
    let finished = app.now().max(started);
    let result = async {
        let mut conn = app.store.conn().await?;
        job_runs::record(&mut conn, job.as_str(), started, finished, error.as_deref()).await
    }
    .await;
    if let Err(err) = result {
        tracing::warn!(job = job.as_str(), error = %err, "could not record the job's run");
    }
}

/// A job's health as the admins' home shows it.
#[derive(Debug, Clone)]
pub struct JobHealth {
    pub job: Job,
    /// Its last run, if it ever ran.
    pub last: Option<job_runs::JobRun>,
    /// No run for longer than [`Job::late_after`].
    pub late: bool,
    /// Its last run failed.
    pub failing: bool,
}

/// Every job's health at `now`, read in `conn`.
pub(crate) async fn health_in(
    conn: &mut crate::store::Conn,
    now: Timestamp,
) -> AppResult<Vec<JobHealth>> {
    let runs = job_runs::all(conn).await?;
    Ok(Job::ALL
        .iter()
        .map(|&job| {
            let last = runs.iter().find(|r| r.job == job.as_str()).cloned();
            let late = last
                .as_ref()
                .is_some_and(|r| now.duration_since(r.last_finished_at) > job.late_after());
            let failing = last.as_ref().is_some_and(|r| r.last_error.is_some());
            JobHealth {
                job,
                last,
                late,
                failing,
            }
        })
        .collect())
}

/// Every job's health now (admins).
pub async fn health(app: &App, actor: &User) -> AppResult<Vec<JobHealth>> {
    auth::require_admin(actor)?;
    let mut conn = app.store.conn().await?;
    health_in(&mut conn, app.now()).await
}
