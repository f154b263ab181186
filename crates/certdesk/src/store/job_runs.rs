//! The background jobs' last run: one row per job, rewritten after each run.

use jiff::Timestamp;
use sqlx::{any::AnyRow, Row};

use super::{sql::RowExt, ts_to_db, Conn, StoreResult};

/// How a job's last run went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRun {
    pub job: String,
    pub last_started_at: Timestamp,
    pub last_finished_at: Timestamp,
    /// The error of the last run; None when it went well.
    pub last_error: Option<String>,
    /// When it last went well.
    pub last_ok_at: Option<Timestamp>,
}

fn from_row(row: &AnyRow) -> StoreResult<JobRun> {
    Ok(JobRun {
        job: row.try_get("job")?,
        last_started_at: row.ts("last_started_at")?,
        last_finished_at: row.ts("last_finished_at")?,
        last_error: row.try_get("last_error")?,
        last_ok_at: row.ts_opt("last_ok_at")?,
    })
}

/// Records one run of `job` (one statement, after the run).
pub async fn record(
    conn: &mut Conn,
    job: &str,
    started_at: Timestamp,
    finished_at: Timestamp,
    error: Option<&str>,
) -> StoreResult<()> {
    let ok_at = error.is_none().then(|| ts_to_db(finished_at));
    sqlx::query(
        "INSERT INTO job_runs (job, last_started_at, last_finished_at, last_error, last_ok_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (job) DO UPDATE SET last_started_at = $2, last_finished_at = $3, \
         last_error = $4, last_ok_at = COALESCE($5, job_runs.last_ok_at)",
    )
    .bind(job)
    .bind(ts_to_db(started_at))
    .bind(ts_to_db(finished_at))
    .bind(error)
    .bind(ok_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// `job`'s last run, if it ever ran.
pub async fn get(conn: &mut Conn, job: &str) -> StoreResult<Option<JobRun>> {
    let row = sqlx::query("SELECT * FROM job_runs WHERE job = $1")
        .bind(job)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every job's last run.
pub async fn all(conn: &mut Conn) -> StoreResult<Vec<JobRun>> {
    let rows = sqlx::query("SELECT * FROM job_runs ORDER BY job")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(from_row).collect()
}
