//! Retention of personal files (Ley 29733): which finished tickets and batches are due for
//! their files to be purged, the marks that say they were, and the queue of files to delete
//! from the files directory once those marks committed (`blob_purges`).
//!
//! Files are stored by content hash, so one file can back several rows (the same photo in
//! a renewal a year later): a queued file is deleted only when no row that was not purged
//! still names it ([`blob_in_use`]).

use domain::{
    ids::{BatchId, TicketId, TicketNumber},
    ticket::Status,
};
use jiff::Timestamp;
use sqlx::Row;

use super::{sql::RowExt, ts_to_db, Conn, StoreResult};

/// A finished ticket whose files are due.
#[derive(Debug, Clone)]
pub struct DueTicket {
    pub id: TicketId,
    pub number: TicketNumber,
}

/// The hashes of one ticket's files.
#[derive(Debug, Clone, Default)]
pub struct TicketFiles {
    pub photos: Vec<String>,
    pub signatures: Vec<String>,
    pub receipts: Vec<String>,
}

impl TicketFiles {
    /// Every hash, each once.
    pub fn hashes(&self) -> Vec<&str> {
        let mut all: Vec<&str> = self
            .photos
            .iter()
            .chain(&self.signatures)
            .chain(&self.receipts)
            .map(String::as_str)
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// The final statuses, as stored (`'atendido', 'rechazado', …`), for an `IN (…)` list.
fn final_statuses() -> String {
    Status::ALL
        .iter()
        .filter(|s| s.is_terminal())
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Finished tickets with files not purged yet whose last change is at or before
/// `finished_by`, oldest first, at most `limit`. Tickets without applicants or receipts
/// (installations, cancellations) have no files and never come up.
pub async fn due_tickets(
    conn: &mut Conn,
    finished_by: Timestamp,
    limit: i64,
) -> StoreResult<Vec<DueTicket>> {
    let sql = format!(
        "SELECT t.id, t.number FROM tickets t \
         WHERE t.status IN ({}) AND t.files_purged_at IS NULL AND t.updated_at <= $1 \
         AND (EXISTS (SELECT 1 FROM applicants a WHERE a.ticket_id = t.id) \
              OR EXISTS (SELECT 1 FROM payments p WHERE p.ticket_id = t.id)) \
         ORDER BY t.updated_at, t.id LIMIT $2",
        final_statuses()
    );
    let rows = sqlx::query(&sql)
        .bind(ts_to_db(finished_by))
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(DueTicket {
                id: row.parse("id")?,
                number: row.parse("number")?,
            })
        })
        .collect()
}

/// The hashes of a ticket's photos, signatures and receipts.
pub async fn ticket_files(conn: &mut Conn, id: TicketId) -> StoreResult<TicketFiles> {
    let mut files = TicketFiles::default();
    let rows =
        sqlx::query("SELECT photo_sha256, signature_sha256 FROM applicants WHERE ticket_id = $1")
            .bind(id.to_string())
            .fetch_all(&mut *conn)
            .await?;
    for row in rows {
        files.photos.push(row.try_get("photo_sha256")?);
        files.signatures.push(row.try_get("signature_sha256")?);
    }
    let rows = sqlx::query("SELECT receipt_sha256 FROM payments WHERE ticket_id = $1")
        .bind(id.to_string())
        .fetch_all(&mut *conn)
        .await?;
    for row in rows {
        files.receipts.push(row.try_get("receipt_sha256")?);
    }
    Ok(files)
}

/// Marks a ticket's files purged; false when it already was (another run got there first).
pub async fn mark_ticket(conn: &mut Conn, id: TicketId, now: Timestamp) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE tickets SET files_purged_at = $1 WHERE id = $2 AND files_purged_at IS NULL",
    )
    .bind(ts_to_db(now))
    .bind(id.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Batches not purged yet, with at least one item, every one of whose items belongs to a
/// ticket whose files were purged: their id and package hash.
pub async fn due_batches(
    conn: &mut Conn,
    limit: i64,
) -> StoreResult<Vec<(BatchId, Option<String>)>> {
    let rows = sqlx::query(
        "SELECT b.id, b.package_sha256 FROM batches b \
         WHERE b.files_purged_at IS NULL \
         AND EXISTS (SELECT 1 FROM batch_items i WHERE i.batch_id = b.id) \
         AND NOT EXISTS (SELECT 1 FROM batch_items i \
                         JOIN applicants a ON a.id = i.applicant_id \
                         JOIN tickets t ON t.id = a.ticket_id \
                         WHERE i.batch_id = b.id AND t.files_purged_at IS NULL) \
         ORDER BY b.cutoff_at LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| Ok((row.parse("id")?, row.try_get("package_sha256")?)))
        .collect()
}

/// Marks a batch's package purged; false when it already was.
pub async fn mark_batch(conn: &mut Conn, id: BatchId, now: Timestamp) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE batches SET files_purged_at = $1 WHERE id = $2 AND files_purged_at IS NULL",
    )
    .bind(ts_to_db(now))
    .bind(id.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Queues a file for deletion (once).
pub async fn queue_blob(conn: &mut Conn, sha256: &str, now: Timestamp) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO blob_purges (sha256, queued_at) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(sha256)
    .bind(ts_to_db(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Queued files, oldest first, at most `limit`.
pub async fn queued_blobs(conn: &mut Conn, limit: i64) -> StoreResult<Vec<String>> {
    let rows = sqlx::query("SELECT sha256 FROM blob_purges ORDER BY queued_at, sha256 LIMIT $1")
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(|row| Ok(row.try_get("sha256")?)).collect()
}

/// Takes a file off the queue.
pub async fn dequeue_blob(conn: &mut Conn, sha256: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM blob_purges WHERE sha256 = $1")
        .bind(sha256)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Whether a row that was not purged still names this file: an applicant's photo or
/// signature or a receipt of a ticket not purged, a batch package not purged, or a
/// certificate's public part.
pub async fn blob_in_use(conn: &mut Conn, sha256: &str) -> StoreResult<bool> {
    // EXISTS, one per indexed column: it stops at the first row that names the file.
    let row = sqlx::query(
        "SELECT CAST(CASE WHEN \
           EXISTS (SELECT 1 FROM applicants a JOIN tickets t ON t.id = a.ticket_id \
                   WHERE a.photo_sha256 = $1 AND t.files_purged_at IS NULL) \
           OR EXISTS (SELECT 1 FROM applicants a JOIN tickets t ON t.id = a.ticket_id \
                   WHERE a.signature_sha256 = $1 AND t.files_purged_at IS NULL) \
           OR EXISTS (SELECT 1 FROM payments p JOIN tickets t ON t.id = p.ticket_id \
                   WHERE p.receipt_sha256 = $1 AND t.files_purged_at IS NULL) \
           OR EXISTS (SELECT 1 FROM batches b \
                   WHERE b.package_sha256 = $1 AND b.files_purged_at IS NULL) \
           OR EXISTS (SELECT 1 FROM certificates c WHERE c.public_part_sha256 = $1) \
         THEN 1 ELSE 0 END AS BIGINT) AS n",
    )
    .bind(sha256)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Every file a row that was not purged names: applicants' photos and signatures and
/// receipts of tickets not purged, batch packages not purged, certificates' public parts.
/// Anything else in the files directory is an orphan (see `app::files`).
pub async fn referenced_blobs(conn: &mut Conn) -> StoreResult<std::collections::HashSet<String>> {
    let rows = sqlx::query(
        "SELECT a.photo_sha256 AS sha256 FROM applicants a JOIN tickets t ON t.id = a.ticket_id \
           WHERE t.files_purged_at IS NULL \
         UNION SELECT a.signature_sha256 FROM applicants a JOIN tickets t ON t.id = a.ticket_id \
           WHERE t.files_purged_at IS NULL \
         UNION SELECT p.receipt_sha256 FROM payments p JOIN tickets t ON t.id = p.ticket_id \
           WHERE t.files_purged_at IS NULL \
         UNION SELECT b.package_sha256 FROM batches b \
           WHERE b.files_purged_at IS NULL AND b.package_sha256 IS NOT NULL \
         UNION SELECT c.public_part_sha256 FROM certificates c WHERE c.public_part_sha256 IS NOT NULL",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|row| Ok(row.try_get("sha256")?)).collect()
}
