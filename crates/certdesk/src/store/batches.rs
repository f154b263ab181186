//! The weekly RENIEC batches. Exactly once is the database's job: one batch per cut-off
//! (`batches.cutoff_at` is unique) and one batch per applicant (`batch_items.applicant_id`
//! is unique), and closings and approvals serialise on the `batch_lock` row.

use domain::{
    applicant::ApplicantStatus,
    identity::Dni,
    ids::{ApplicantId, BatchId, TicketId, TicketNumber, UserId},
    money::Money,
    ticket::{Kind, Reason, Status},
};
use jiff::{civil::Date, Timestamp};
use sqlx::{any::AnyRow, Row};

use super::{
    applicants::full_name_of,
    new_id,
    sql::{RowExt, Select},
    ts_to_db, Conn, StoreError, StoreResult,
};

/// The unique constraint that makes a cut-off close once.
pub const ONE_BATCH_PER_CUTOFF: &str = "cutoff_at";

#[derive(Debug, Clone)]
pub struct Batch {
    pub id: BatchId,
    pub cutoff_at: Timestamp,
    pub closed_at: Timestamp,
    /// The analyst who closed it and their name; None for the scheduled close.
    pub closed_by: Option<(UserId, String)>,
    pub item_count: i64,
    pub package_sha256: Option<String>,
    pub package_bytes: Option<i64>,
    /// When its package was deleted, every ticket in it having had its files purged.
    pub files_purged_at: Option<Timestamp>,
}

const SELECT: &str =
    "SELECT b.*, u.name AS closer_name FROM batches b LEFT JOIN users u ON u.id = b.closed_by";

fn from_row(row: &AnyRow) -> StoreResult<Batch> {
    let closer: Option<UserId> = row.parse_opt("closed_by")?;
    let closer_name: Option<String> = row.try_get("closer_name")?;
    Ok(Batch {
        id: row.parse("id")?,
        cutoff_at: row.ts("cutoff_at")?,
        closed_at: row.ts("closed_at")?,
        closed_by: closer.map(|id| (id, closer_name.unwrap_or_default())),
        item_count: row.try_get("item_count")?,
        package_sha256: row.try_get("package_sha256")?,
        package_bytes: row.try_get("package_bytes")?,
        files_purged_at: row.ts_opt("files_purged_at")?,
    })
}

/// A reason read back from its kind and letter.
fn reason_of(kind: Kind, row: &AnyRow) -> StoreResult<Reason> {
    let letter: Option<String> = row.try_get("reason")?;
    Reason::parse(kind, letter.as_deref())
        .map_err(|_| StoreError::Corrupt("column reason does not fit the ticket's kind".into()))
}

/// Takes the batch lock for the rest of the transaction.
pub async fn lock(conn: &mut Conn) -> StoreResult<()> {
    sqlx::query("UPDATE batch_lock SET ticks = ticks + 1 WHERE name = 'batch'")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn by_cutoff(conn: &mut Conn, cutoff_at: Timestamp) -> StoreResult<Option<Batch>> {
    Select::new(SELECT)
        .filter("b.cutoff_at = ?", ts_to_db(cutoff_at))
        .first(conn, from_row)
        .await
}

pub async fn by_id(conn: &mut Conn, id: BatchId) -> StoreResult<Batch> {
    Select::new(SELECT)
        .filter("b.id = ?", id.to_string())
        .one(conn, from_row)
        .await
}

/// Batches whose package was never recorded (the process died between the close and the
/// package) and whose files are still kept, oldest first, at most `limit`.
pub async fn without_package(conn: &mut Conn, limit: i64) -> StoreResult<Vec<Batch>> {
    Select::new(SELECT)
        .where_sql("b.package_sha256 IS NULL")
        .where_sql("b.files_purged_at IS NULL")
        .order_limit("b.id", limit)
        .fetch(conn, from_row)
        .await
}

/// Newest first; `before` is the last id seen.
pub async fn list(conn: &mut Conn, before: Option<BatchId>, limit: i64) -> StoreResult<Vec<Batch>> {
    Select::new(SELECT)
        .filter_opt("b.id < ?", before.map(|b| b.to_string()))
        .order_limit("b.id DESC", limit)
        .fetch(conn, from_row)
        .await
}

/// Creates the batch of `cutoff_at` with every programado applicant due by then, in FIFO
/// order (ticket arrival, then applicant registration), and marks them sent. Each item keeps
/// when its ticket was first submitted, for the reports' time from submission to dispatch. Returns the
/// batch; `Conflict` on [`ONE_BATCH_PER_CUTOFF`] if another closer won.
pub async fn create(
    conn: &mut Conn,
    cutoff_at: Timestamp,
    closed_at: Timestamp,
    closed_by: Option<UserId>,
) -> StoreResult<Batch> {
    let id: BatchId = new_id(closed_at);
    sqlx::query(
        "INSERT INTO batches (id, cutoff_at, closed_at, closed_by, item_count) VALUES ($1, $2, $3, $4, 0)",
    )
    .bind(id.to_string())
    .bind(ts_to_db(cutoff_at))
    .bind(ts_to_db(closed_at))
    .bind(closed_by.map(|c| c.to_string()))
    .execute(&mut *conn)
    .await?;
    let added = sqlx::query(
        "INSERT INTO batch_items (batch_id, applicant_id, position, first_submitted_at) \
         SELECT $1, a.id, ROW_NUMBER() OVER (ORDER BY t.submitted_at, t.id, a.created_at, a.id), \
                (SELECT MIN(e.at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.event = 'submit') \
         FROM applicants a JOIN tickets t ON t.id = a.ticket_id \
         WHERE a.status = $3 AND a.dispatch_at <= $2",
    )
    .bind(id.to_string())
    .bind(ts_to_db(cutoff_at))
    .bind(ApplicantStatus::Programado.as_str())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query(
        "UPDATE applicants SET status = $2 \
         WHERE id IN (SELECT applicant_id FROM batch_items WHERE batch_id = $1)",
    )
    .bind(id.to_string())
    .bind(ApplicantStatus::EnviadoReniec.as_str())
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE batches SET item_count = $1 WHERE id = $2")
        .bind(i64::try_from(added).unwrap_or(i64::MAX))
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    by_id(conn, id).await
}

/// A programado ticket touched by a batch, with how many of its applicants still wait for
/// a later one: the facts the state machine needs to send it on.
#[derive(Debug, Clone)]
pub struct TouchedTicket {
    pub ticket_id: TicketId,
    pub kind: Kind,
    pub reason: Reason,
    pub status: Status,
    pub still_programado: i64,
}

pub async fn touched_tickets(
    conn: &mut Conn,
    batch_id: BatchId,
) -> StoreResult<Vec<TouchedTicket>> {
    let rows = sqlx::query(
        "SELECT t.id AS ticket_id, t.kind, t.reason, t.status, \
           (SELECT COUNT(*) FROM applicants o WHERE o.ticket_id = t.id AND o.status = $2) AS still_programado \
         FROM tickets t WHERE t.status = $3 AND t.id IN \
           (SELECT a.ticket_id FROM batch_items i JOIN applicants a ON a.id = i.applicant_id WHERE i.batch_id = $1)",
    )
    .bind(batch_id.to_string())
    .bind(ApplicantStatus::Programado.as_str())
    .bind(Status::Programado.as_str())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let kind: Kind = row.parse("kind")?;
            Ok(TouchedTicket {
                ticket_id: row.parse("ticket_id")?,
                kind,
                reason: reason_of(kind, row)?,
                status: row.parse("status")?,
                still_programado: row.try_get("still_programado")?,
            })
        })
        .collect()
}

/// One line of a batch, as the API lists it.
#[derive(Debug, Clone)]
pub struct Item {
    pub position: i64,
    pub applicant_id: ApplicantId,
    pub ticket_id: TicketId,
    pub ticket_number: TicketNumber,
    pub dni: Dni,
    pub full_name: String,
    pub status: ApplicantStatus,
    /// RENIEC's answer, once recorded: the DCDelivery date when approved…
    pub delivery_sent_on: Option<Date>,
    /// …or RENIEC's reason when rejected.
    pub reniec_reason: Option<String>,
}

/// Items in FIFO order, `after_position` exclusive.
pub async fn items(
    conn: &mut Conn,
    batch_id: BatchId,
    after_position: i64,
    limit: i64,
) -> StoreResult<Vec<Item>> {
    let rows = sqlx::query(
        "SELECT i.position, a.id AS applicant_id, t.id AS ticket_id, t.number, a.dni, a.paternal_surname, \
           a.maternal_surname, a.given_names, a.status, a.delivery_sent_on, a.reniec_reason \
         FROM batch_items i JOIN applicants a ON a.id = i.applicant_id JOIN tickets t ON t.id = a.ticket_id \
         WHERE i.batch_id = $1 AND i.position > $2 ORDER BY i.position LIMIT $3",
    )
    .bind(batch_id.to_string())
    .bind(after_position)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Item {
                position: row.try_get("position")?,
                applicant_id: row.parse("applicant_id")?,
                ticket_id: row.parse("ticket_id")?,
                ticket_number: row.parse("number")?,
                dni: row.parse("dni")?,
                full_name: full_name_of(row)?,
                status: row.parse("status")?,
                delivery_sent_on: row.parse_opt("delivery_sent_on")?,
                reniec_reason: row.try_get("reniec_reason")?,
            })
        })
        .collect()
}

/// Everything the package says about one applicant.
#[derive(Debug, Clone)]
pub struct PackageRow {
    pub position: i64,
    pub ticket_number: TicketNumber,
    pub kind: Kind,
    pub reason: Reason,
    pub paternal_surname: String,
    pub maternal_surname: Option<String>,
    pub given_names: String,
    pub dni: Dni,
    pub dni_check_digit: Option<String>,
    pub dni_issued_on: Date,
    pub email: String,
    pub position_title: String,
    pub unit: String,
    pub current_expires_on: Option<Date>,
    pub photo_sha256: String,
    pub signature_sha256: String,
    pub operation_number: Option<String>,
    pub paid_on: Option<Date>,
    pub amount: Option<Money>,
    pub receipt_sha256: Option<String>,
    pub receipt_mime: Option<String>,
}

/// A page of the package's rows in FIFO order, `after_position` exclusive.
pub async fn package_rows(
    conn: &mut Conn,
    batch_id: BatchId,
    after_position: i64,
    limit: i64,
) -> StoreResult<Vec<PackageRow>> {
    let rows = sqlx::query(
        "SELECT i.position, t.number, t.kind, t.reason, a.paternal_surname, a.maternal_surname, a.given_names, \
           a.dni, a.dni_check_digit, a.dni_issued_on, a.email, a.position AS position_title, a.unit, \
           a.current_expires_on, a.photo_sha256, a.signature_sha256, p.operation_number, p.paid_on, \
           p.amount_centimos, p.receipt_sha256, p.receipt_mime \
         FROM batch_items i JOIN applicants a ON a.id = i.applicant_id JOIN tickets t ON t.id = a.ticket_id \
         LEFT JOIN payments p ON p.id = a.payment_id \
         WHERE i.batch_id = $1 AND i.position > $2 ORDER BY i.position LIMIT $3",
    )
    .bind(batch_id.to_string())
    .bind(after_position)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let kind: Kind = row.parse("kind")?;
            let amount: Option<i64> = row.try_get("amount_centimos")?;
            Ok(PackageRow {
                position: row.try_get("position")?,
                ticket_number: row.parse("number")?,
                kind,
                reason: reason_of(kind, row)?,
                paternal_surname: row.try_get("paternal_surname")?,
                maternal_surname: row.try_get("maternal_surname")?,
                given_names: row.try_get("given_names")?,
                dni: row.parse("dni")?,
                dni_check_digit: row.try_get("dni_check_digit")?,
                dni_issued_on: row.parse("dni_issued_on")?,
                email: row.try_get("email")?,
                position_title: row.try_get("position_title")?,
                unit: row.try_get("unit")?,
                current_expires_on: row.parse_opt("current_expires_on")?,
                photo_sha256: row.try_get("photo_sha256")?,
                signature_sha256: row.try_get("signature_sha256")?,
                operation_number: row.try_get("operation_number")?,
                paid_on: row.parse_opt("paid_on")?,
                amount: amount
                    .map(|c| {
                        Money::from_centimos(c)
                            .ok_or_else(|| StoreError::Corrupt(format!("amount {c}")))
                    })
                    .transpose()?,
                receipt_sha256: row.try_get("receipt_sha256")?,
                receipt_mime: row.try_get("receipt_mime")?,
            })
        })
        .collect()
}

pub async fn set_package(
    conn: &mut Conn,
    batch_id: BatchId,
    sha256: &str,
    bytes: i64,
) -> StoreResult<()> {
    sqlx::query("UPDATE batches SET package_sha256 = $1, package_bytes = $2 WHERE id = $3")
        .bind(sha256)
        .bind(bytes)
        .bind(batch_id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A programado applicant waiting for its batch, as the batch page lists it.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub applicant_id: ApplicantId,
    pub ticket_id: TicketId,
    pub ticket_number: TicketNumber,
    pub full_name: String,
    pub dispatch_at: Timestamp,
    /// The expiry the requester declared, when one was (why an applicant is held).
    pub current_expires_on: Option<Date>,
}

/// Programado applicants by dispatch time, then in FIFO order (the order the batch takes
/// them), at most `limit`.
pub async fn waiting(conn: &mut Conn, limit: i64) -> StoreResult<Vec<Waiting>> {
    let rows = sqlx::query(
        "SELECT a.id AS applicant_id, t.id AS ticket_id, t.number, a.paternal_surname, \
           a.maternal_surname, a.given_names, a.dispatch_at, a.current_expires_on \
         FROM applicants a JOIN tickets t ON t.id = a.ticket_id \
         WHERE a.status = $1 AND a.dispatch_at IS NOT NULL \
         ORDER BY a.dispatch_at, t.submitted_at, t.id, a.created_at, a.id LIMIT $2",
    )
    .bind(ApplicantStatus::Programado.as_str())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Waiting {
                applicant_id: row.parse("applicant_id")?,
                ticket_id: row.parse("ticket_id")?,
                ticket_number: row.parse("number")?,
                full_name: full_name_of(row)?,
                dispatch_at: row.ts("dispatch_at")?,
                current_expires_on: row.parse_opt("current_expires_on")?,
            })
        })
        .collect()
}

/// The batch each of a ticket's applicants went in: (applicant, batch, cut-off).
pub async fn of_ticket(
    conn: &mut Conn,
    ticket_id: TicketId,
) -> StoreResult<Vec<(ApplicantId, BatchId, Timestamp)>> {
    let rows = sqlx::query(
        "SELECT i.applicant_id, b.id AS batch_id, b.cutoff_at FROM batch_items i \
         JOIN batches b ON b.id = i.batch_id JOIN applicants a ON a.id = i.applicant_id \
         WHERE a.ticket_id = $1",
    )
    .bind(ticket_id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.parse("applicant_id")?,
                row.parse("batch_id")?,
                row.ts("cutoff_at")?,
            ))
        })
        .collect()
}

/// A sent batch with applicants still waiting for RENIEC's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingResults {
    pub batch_id: BatchId,
    pub cutoff_at: Timestamp,
    /// Applicants of the batch with no result yet.
    pub missing: i64,
}

/// Every batch with applicants still sent to RENIEC and not answered, oldest first.
pub async fn missing_results(conn: &mut Conn) -> StoreResult<Vec<MissingResults>> {
    let rows = sqlx::query(
        "SELECT b.id, b.cutoff_at, COUNT(*) AS missing \
         FROM batch_items i JOIN applicants a ON a.id = i.applicant_id JOIN batches b ON b.id = i.batch_id \
         WHERE a.status = $1 GROUP BY b.id, b.cutoff_at ORDER BY b.cutoff_at",
    )
    .bind(ApplicantStatus::EnviadoReniec.as_str())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(MissingResults {
                batch_id: row.parse("id")?,
                cutoff_at: row.ts("cutoff_at")?,
                missing: row.try_get("missing")?,
            })
        })
        .collect()
}
