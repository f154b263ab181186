//! Retention of personal files (Ley 29733, SPEC "Data, privacy, audit"): the photos,
//! signatures and receipts of a finished ticket are deleted once the retention setting's
//! days have passed since it finished. The ticket, its applicants and payments stay; pages
//! then say the files were deleted. A batch package, which holds copies of the same files,
//! goes once every ticket in it has gone.
//!
//! Crash-safe and idempotent: one transaction marks the tickets purged, queues their files
//! (`blob_purges`) and writes one audit entry per ticket (and per batch package); only after it commits are the files deleted
//! and taken off the queue. A run that stops half-way leaves files queued, and the next run
//! deletes them first; a file already gone is fine. A file still named by a row that was
//! not purged (files are stored by content, and a renewal may reuse a photo) is kept.

use jiff::{SignedDuration, Timestamp};

use super::{
    audit::{self, AuditEvent, Entry},
    settings, App, AppResult,
};
use crate::store::{retention, StoreError};

/// What pages and answers say where a purged file was.
pub const PURGED_NOTICE: &str = "Archivo eliminado por plazo de conservación (Ley 29733)";

/// The error for a file asked for after it was purged (410).
pub fn purged() -> super::AppError {
    super::AppError::Gone(format!(
        "{PURGED_NOTICE}. El trámite y sus datos se conservan; el archivo ya no existe."
    ))
}

/// Tickets marked in one transaction: short transactions, so the job never holds the
/// database for long.
pub const TICKETS_PER_TRANSACTION: i64 = 100;

/// Queued files read at a time.
const FILES_PER_ROUND: i64 = 500;

/// What a run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Tickets whose files were purged now.
    pub tickets_purged: usize,
    /// Batches whose package was purged now.
    pub batches_purged: usize,
    /// Files deleted from the files directory.
    pub files_deleted: usize,
    /// Queued files kept because a row not purged still names them.
    pub files_kept: usize,
}

/// The moment before which a ticket must have finished for its files to be due.
pub fn finished_by(now: Timestamp, retention_days: u32) -> Timestamp {
    let keep = SignedDuration::from_hours(24 * i64::from(retention_days));
    now.checked_sub(keep).unwrap_or(Timestamp::MIN)
}

/// Purges what is due at `now` (the daily job).
pub async fn purge_due(app: &App, now: Timestamp) -> AppResult<Report> {
    let mut report = Report::default();
    // Files an earlier run queued but did not get to delete.
    delete_queued(app, &mut report).await?;
    let days = settings::load(app).await?.retention_days;
    let before = finished_by(now, days);
    loop {
        let mut tx = app.store.begin().await?;
        let due = retention::due_tickets(&mut tx, before, TICKETS_PER_TRANSACTION).await?;
        for ticket in &due {
            if !retention::mark_ticket(&mut tx, ticket.id, now).await? {
                continue;
            }
            let files = retention::ticket_files(&mut tx, ticket.id).await?;
            for sha256 in files.hashes() {
                retention::queue_blob(&mut tx, sha256, now).await?;
            }
            audit::record(
                &mut tx,
                now,
                Entry::new(
                    AuditEvent::FilesPurged,
                    None,
                    audit::ticket_subject(&ticket.id),
                )
                .with_detail(serde_json::json!({
                    "ticket": ticket.number.to_string(),
                    "photos": files.photos.len(),
                    "signatures": files.signatures.len(),
                    "receipts": files.receipts.len(),
                    "retention_days": days,
                })),
            )
            .await?;
            tracing::info!(
                ticket = %ticket.number,
                photos = files.photos.len(),
                signatures = files.signatures.len(),
                receipts = files.receipts.len(),
                "personal files purged (retention)"
            );
            report.tickets_purged += 1;
        }
        tx.commit().await.map_err(StoreError::from)?;
        delete_queued(app, &mut report).await?;
        if (due.len() as i64) < TICKETS_PER_TRANSACTION {
            break;
        }
    }
    loop {
        let mut tx = app.store.begin().await?;
        let due = retention::due_batches(&mut tx, TICKETS_PER_TRANSACTION).await?;
        for (batch, package) in &due {
            if !retention::mark_batch(&mut tx, *batch, now).await? {
                continue;
            }
            if let Some(sha256) = package {
                retention::queue_blob(&mut tx, sha256, now).await?;
            }
            audit::record(
                &mut tx,
                now,
                Entry::new(AuditEvent::FilesPurged, None, format!("batch:{batch}")).with_detail(
                    serde_json::json!({
                        "package": package.is_some(),
                        "retention_days": days,
                    }),
                ),
            )
            .await?;
            tracing::info!(batch = %batch, "batch package purged (retention)");
            report.batches_purged += 1;
        }
        tx.commit().await.map_err(StoreError::from)?;
        delete_queued(app, &mut report).await?;
        if (due.len() as i64) < TICKETS_PER_TRANSACTION {
            break;
        }
    }
    Ok(report)
}

/// Deletes the queued files that no row still uses, and empties the queue.
async fn delete_queued(app: &App, report: &mut Report) -> AppResult<()> {
    loop {
        let mut conn = app.store.conn().await?;
        let queued = retention::queued_blobs(&mut conn, FILES_PER_ROUND).await?;
        for sha256 in &queued {
            if retention::blob_in_use(&mut conn, sha256).await? {
                report.files_kept += 1;
            } else if app
                .blobs
                .remove(sha256)
                .await
                .map_err(|e| anyhow::Error::new(e).context("deleting a purged file"))?
            {
                report.files_deleted += 1;
            }
            retention::dequeue_blob(&mut conn, sha256).await?;
        }
        if (queued.len() as i64) < FILES_PER_ROUND {
            return Ok(());
        }
    }
}
