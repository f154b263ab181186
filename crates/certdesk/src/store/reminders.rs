//! What was already sent once: each certificate's reminders, and the daily jobs. The
//! primary keys are the guarantee; a second writer (a restart, another instance) finds the
//! row there and sends nothing.

use std::collections::HashMap;

use domain::{certificate::ReminderKind, ids::CertificateId};
use jiff::{civil::Date, Timestamp};

use super::{
    sql::{date_to_db, values_rows, RowExt, ROWS_PER_INSERT},
    ts_to_db, Conn, StoreResult,
};

/// The reminders already sent to each of `certificates`.
pub async fn sent_for(
    conn: &mut Conn,
    certificates: &[CertificateId],
) -> StoreResult<HashMap<CertificateId, Vec<ReminderKind>>> {
    let mut out: HashMap<CertificateId, Vec<ReminderKind>> = HashMap::new();
    for chunk in certificates.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "SELECT certificate_id, kind FROM reminders_sent WHERE certificate_id IN {}",
            values_rows(1, chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(id.to_string());
        }
        for row in query.fetch_all(&mut *conn).await? {
            out.entry(row.parse("certificate_id")?)
                .or_default()
                .push(row.parse("kind")?);
        }
    }
    Ok(out)
}

/// Claims a reminder: true when this call wrote it, false when it was there already.
pub async fn claim(
    conn: &mut Conn,
    certificate: CertificateId,
    kind: ReminderKind,
    day: Date,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO reminders_sent (certificate_id, kind, day) VALUES ($1, $2, $3) \
         ON CONFLICT (certificate_id, kind) DO NOTHING",
    )
    .bind(certificate.to_string())
    .bind(kind.as_str())
    .bind(date_to_db(day))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Claims a daily job's run for `day`: true when this call is the one that runs it.
pub async fn claim_day(conn: &mut Conn, job: &str, day: Date, now: Timestamp) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO daily_runs (job, day, at) VALUES ($1, $2, $3) ON CONFLICT (job, day) DO NOTHING",
    )
    .bind(job)
    .bind(date_to_db(day))
    .bind(ts_to_db(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
