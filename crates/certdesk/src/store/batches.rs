//! The weekly RENIEC batches. Exactly once is the database's job: one batch per cut-off
//! (`batches.cutoff_at` is unique) and one batch per applicant (`batch_items.applicant_id`
//! is unique), and closings and approvals serialise on the `batch_lock` row.

use jiff::Timestamp;
use sqlx::{any::AnyRow, Row};

use super::{new_id, ts_from_db, ts_to_db, Conn, StoreError, StoreResult};

/// The unique constraint that makes a cut-off close once.
pub const ONE_BATCH_PER_CUTOFF: &str = "cutoff_at";

#[derive(Debug, Clone)]
pub struct Batch {
    pub id: String,
    pub cutoff_at: Timestamp,
    pub closed_at: Timestamp,
    pub closed_by: Option<String>,
    pub item_count: i64,
    pub package_sha256: Option<String>,
    pub package_bytes: Option<i64>,
}

fn from_row(row: &AnyRow) -> StoreResult<Batch> {
    Ok(Batch {
        id: row.try_get("id")?,
        cutoff_at: ts_from_db(row.try_get("cutoff_at")?)?,
        closed_at: ts_from_db(row.try_get("closed_at")?)?,
        closed_by: row.try_get("closed_by")?,
        item_count: row.try_get("item_count")?,
        package_sha256: row.try_get("package_sha256")?,
        package_bytes: row.try_get("package_bytes")?,
    })
}

/// Takes the batch lock for the rest of the transaction.
pub async fn lock(conn: &mut Conn) -> StoreResult<()> {
    sqlx::query("UPDATE batch_lock SET ticks = ticks + 1 WHERE name = 'batch'")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn by_cutoff(conn: &mut Conn, cutoff_at: Timestamp) -> StoreResult<Option<Batch>> {
    let row = sqlx::query("SELECT * FROM batches WHERE cutoff_at = $1")
        .bind(ts_to_db(cutoff_at))
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn by_id(conn: &mut Conn, id: &str) -> StoreResult<Batch> {
    let row = sqlx::query("SELECT * FROM batches WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// Newest first; `before` is the last id seen.
pub async fn list(conn: &mut Conn, before: Option<&str>, limit: i64) -> StoreResult<Vec<Batch>> {
    let rows = match before {
        Some(before) => {
            sqlx::query("SELECT * FROM batches WHERE id < $1 ORDER BY id DESC LIMIT $2")
                .bind(before)
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?
        }
        None => {
            sqlx::query("SELECT * FROM batches ORDER BY id DESC LIMIT $1")
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?
        }
    };
    rows.iter().map(from_row).collect()
}

/// Creates the batch of `cutoff_at` with every programado applicant due by then, in FIFO
/// order (ticket arrival, then applicant registration), and marks them sent. Returns the
/// batch; `Conflict` on [`ONE_BATCH_PER_CUTOFF`] if another closer won.
pub async fn create(
    conn: &mut Conn,
    cutoff_at: Timestamp,
    closed_at: Timestamp,
    closed_by: Option<&str>,
) -> StoreResult<Batch> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO batches (id, cutoff_at, closed_at, closed_by, item_count) VALUES ($1, $2, $3, $4, 0)",
    )
    .bind(&id)
    .bind(ts_to_db(cutoff_at))
    .bind(ts_to_db(closed_at))
    .bind(closed_by)
    .execute(&mut *conn)
    .await?;
    let added = sqlx::query(
        "INSERT INTO batch_items (batch_id, applicant_id, position) \
         SELECT $1, a.id, ROW_NUMBER() OVER (ORDER BY t.submitted_at, t.id, a.created_at, a.id) \
         FROM applicants a JOIN tickets t ON t.id = a.ticket_id \
         WHERE a.status = 'programado' AND a.dispatch_at <= $2",
    )
    .bind(&id)
    .bind(ts_to_db(cutoff_at))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query(
        "UPDATE applicants SET status = 'enviado_reniec' \
         WHERE id IN (SELECT applicant_id FROM batch_items WHERE batch_id = $1)",
    )
    .bind(&id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE batches SET item_count = $1 WHERE id = $2")
        .bind(i64::try_from(added).unwrap_or(i64::MAX))
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    by_id(conn, &id).await
}

/// A ticket touched by a batch, with how many of its applicants still wait for one.
#[derive(Debug, Clone)]
pub struct TouchedTicket {
    pub ticket_id: String,
    pub kind: String,
    pub reason: Option<String>,
    pub still_programado: i64,
}

pub async fn touched_tickets(conn: &mut Conn, batch_id: &str) -> StoreResult<Vec<TouchedTicket>> {
    let rows = sqlx::query(
        "SELECT t.id AS ticket_id, t.kind, t.reason, \
           (SELECT COUNT(*) FROM applicants o WHERE o.ticket_id = t.id AND o.status = 'programado') AS still_programado \
         FROM tickets t WHERE t.status = 'programado' AND t.id IN \
           (SELECT a.ticket_id FROM batch_items i JOIN applicants a ON a.id = i.applicant_id WHERE i.batch_id = $1)",
    )
    .bind(batch_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(TouchedTicket {
                ticket_id: row.try_get("ticket_id")?,
                kind: row.try_get("kind")?,
                reason: row.try_get("reason")?,
                still_programado: row.try_get("still_programado")?,
            })
        })
        .collect()
}

/// Moves many tickets from programado to enviado_reniec with one history line each.
pub async fn mark_tickets_sent(
    conn: &mut Conn,
    ticket_ids: &[String],
    actor_id: Option<&str>,
    now: Timestamp,
) -> StoreResult<()> {
    for chunk in ticket_ids.chunks(500) {
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "UPDATE tickets SET status = 'enviado_reniec', updated_at = $1 WHERE status = 'programado' AND id IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(ts_to_db(now));
        for id in chunk {
            query = query.bind(id);
        }
        query.execute(&mut *conn).await?;
        let mut values = Vec::with_capacity(chunk.len());
        let mut n = 0;
        for _ in chunk {
            values.push(format!(
                "(${}, ${}, ${}, ${}, 'dispatch', 'programado', 'enviado_reniec')",
                n + 1,
                n + 2,
                n + 3,
                n + 4
            ));
            n += 4;
        }
        let sql = format!(
            "INSERT INTO ticket_events (id, ticket_id, at, actor_id, event, from_status, to_status) VALUES {}",
            values.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query
                .bind(new_id())
                .bind(id)
                .bind(ts_to_db(now))
                .bind(actor_id);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// One line of a batch, as the API lists it.
#[derive(Debug, Clone)]
pub struct Item {
    pub position: i64,
    pub applicant_id: String,
    pub ticket_id: String,
    pub ticket_number: String,
    pub dni: String,
    pub full_name: String,
    pub status: String,
}

/// Items in FIFO order, `after_position` exclusive.
pub async fn items(
    conn: &mut Conn,
    batch_id: &str,
    after_position: i64,
    limit: i64,
) -> StoreResult<Vec<Item>> {
    let rows = sqlx::query(
        "SELECT i.position, a.id AS applicant_id, t.id AS ticket_id, t.number, a.dni, a.paternal_surname, \
           a.maternal_surname, a.given_names, a.status \
         FROM batch_items i JOIN applicants a ON a.id = i.applicant_id JOIN tickets t ON t.id = a.ticket_id \
         WHERE i.batch_id = $1 AND i.position > $2 ORDER BY i.position LIMIT $3",
    )
    .bind(batch_id)
    .bind(after_position)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let maternal: Option<String> = row.try_get("maternal_surname")?;
            let paternal: String = row.try_get("paternal_surname")?;
            let given: String = row.try_get("given_names")?;
            Ok(Item {
                position: row.try_get("position")?,
                applicant_id: row.try_get("applicant_id")?,
                ticket_id: row.try_get("ticket_id")?,
                ticket_number: row.try_get("number")?,
                dni: row.try_get("dni")?,
                full_name: match maternal {
                    Some(m) => format!("{paternal} {m}, {given}"),
                    None => format!("{paternal}, {given}"),
                },
                status: row.try_get("status")?,
            })
        })
        .collect()
}

/// Everything the package says about one applicant.
#[derive(Debug, Clone)]
pub struct PackageRow {
    pub position: i64,
    pub ticket_number: String,
    pub kind: String,
    pub reason: Option<String>,
    pub paternal_surname: String,
    pub maternal_surname: Option<String>,
    pub given_names: String,
    pub dni: String,
    pub dni_check_digit: Option<String>,
    pub dni_issued_on: String,
    pub email: String,
    pub position_title: String,
    pub unit: String,
    pub current_expires_on: Option<String>,
    pub photo_sha256: String,
    pub signature_sha256: String,
    pub operation_number: Option<String>,
    pub paid_on: Option<String>,
    pub amount_centimos: Option<i64>,
    pub receipt_sha256: Option<String>,
    pub receipt_mime: Option<String>,
}

/// A page of the package's rows in FIFO order, `after_position` exclusive.
pub async fn package_rows(
    conn: &mut Conn,
    batch_id: &str,
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
    .bind(batch_id)
    .bind(after_position)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(PackageRow {
                position: row.try_get("position")?,
                ticket_number: row.try_get("number")?,
                kind: row.try_get("kind")?,
                reason: row.try_get("reason")?,
                paternal_surname: row.try_get("paternal_surname")?,
                maternal_surname: row.try_get("maternal_surname")?,
                given_names: row.try_get("given_names")?,
                dni: row.try_get("dni")?,
                dni_check_digit: row.try_get("dni_check_digit")?,
                dni_issued_on: row.try_get("dni_issued_on")?,
                email: row.try_get("email")?,
                position_title: row.try_get("position_title")?,
                unit: row.try_get("unit")?,
                current_expires_on: row.try_get("current_expires_on")?,
                photo_sha256: row.try_get("photo_sha256")?,
                signature_sha256: row.try_get("signature_sha256")?,
                operation_number: row.try_get("operation_number")?,
                paid_on: row.try_get("paid_on")?,
                amount_centimos: row.try_get("amount_centimos")?,
                receipt_sha256: row.try_get("receipt_sha256")?,
                receipt_mime: row.try_get("receipt_mime")?,
            })
        })
        .collect()
}

pub async fn set_package(
    conn: &mut Conn,
    batch_id: &str,
    sha256: &str,
    bytes: i64,
) -> StoreResult<()> {
    sqlx::query("UPDATE batches SET package_sha256 = $1, package_bytes = $2 WHERE id = $3")
        .bind(sha256)
        .bind(bytes)
        .bind(batch_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
