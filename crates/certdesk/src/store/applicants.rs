//! Applicants of emision/reemision tickets.

use domain::applicant::{ApplicantStatus, ValidApplicant};
use jiff::Timestamp;
use sqlx::{any::AnyRow, Row};

use super::{new_id, ts_from_db, ts_to_db, Conn, StoreError, StoreResult};

/// The unique constraint that keeps one DNI once per ticket.
pub const DNI_ONCE_PER_TICKET: &str = "dni";
/// The unique constraint that links a receipt to one applicant only.
pub const RECEIPT_ONCE: &str = "payment_id";

#[derive(Debug, Clone)]
pub struct Applicant {
    pub id: String,
    pub ticket_id: String,
    pub paternal_surname: String,
    pub maternal_surname: Option<String>,
    pub given_names: String,
    pub dni: String,
    pub dni_check_digit: Option<String>,
    pub dni_issued_on: String,
    pub email: String,
    pub position: String,
    pub unit: String,
    pub payment_id: Option<String>,
    pub current_expires_on: Option<String>,
    pub photo_sha256: String,
    pub signature_sha256: String,
    pub status: ApplicantStatus,
    pub dispatch_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

impl Applicant {
    /// `TELLO VÁSQUEZ, Carmen Rosa`.
    pub fn full_name(&self) -> String {
        match &self.maternal_surname {
            Some(m) => format!("{} {}, {}", self.paternal_surname, m, self.given_names),
            None => format!("{}, {}", self.paternal_surname, self.given_names),
        }
    }
}

fn from_row(row: &AnyRow) -> StoreResult<Applicant> {
    let status: String = row.try_get("status")?;
    Ok(Applicant {
        id: row.try_get("id")?,
        ticket_id: row.try_get("ticket_id")?,
        paternal_surname: row.try_get("paternal_surname")?,
        maternal_surname: row.try_get("maternal_surname")?,
        given_names: row.try_get("given_names")?,
        dni: row.try_get("dni")?,
        dni_check_digit: row.try_get("dni_check_digit")?,
        dni_issued_on: row.try_get("dni_issued_on")?,
        email: row.try_get("email")?,
        position: row.try_get("position")?,
        unit: row.try_get("unit")?,
        payment_id: row.try_get("payment_id")?,
        current_expires_on: row.try_get("current_expires_on")?,
        photo_sha256: row.try_get("photo_sha256")?,
        signature_sha256: row.try_get("signature_sha256")?,
        status: status
            .parse()
            .map_err(|e: domain::word::UnknownWord| StoreError::Corrupt(e.to_string()))?,
        dispatch_at: row
            .try_get::<Option<i64>, _>("dispatch_at")?
            .map(ts_from_db)
            .transpose()?,
        created_at: ts_from_db(row.try_get("created_at")?)?,
    })
}

pub struct NewApplicant<'a> {
    pub ticket_id: &'a str,
    pub valid: &'a ValidApplicant,
    pub dni_check_digit: Option<&'a str>,
    pub photo_sha256: &'a str,
    pub signature_sha256: &'a str,
}

pub async fn insert(conn: &mut Conn, a: &NewApplicant<'_>, now: Timestamp) -> StoreResult<String> {
    let id = new_id();
    let v = a.valid;
    sqlx::query(
        "INSERT INTO applicants (id, ticket_id, paternal_surname, maternal_surname, given_names, dni, \
         dni_check_digit, dni_issued_on, email, position, unit, payment_id, current_expires_on, \
         photo_sha256, signature_sha256, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(&id)
    .bind(a.ticket_id)
    .bind(v.paternal_surname.as_str())
    .bind(v.maternal_surname.as_ref().map(|m| m.as_str()))
    .bind(v.given_names.as_str())
    .bind(v.dni.as_str())
    .bind(a.dni_check_digit)
    .bind(v.dni_issued_on.to_string())
    .bind(v.email.as_str())
    .bind(&v.position)
    .bind(&v.unit)
    .bind(v.payment_id.map(|p| p.to_string()))
    .bind(v.current_expires_on.map(|d| d.to_string()))
    .bind(a.photo_sha256)
    .bind(a.signature_sha256)
    .bind(ApplicantStatus::Registrado.as_str())
    .bind(ts_to_db(now))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn by_id(conn: &mut Conn, id: &str) -> StoreResult<Applicant> {
    let row = sqlx::query("SELECT * FROM applicants WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

pub async fn for_ticket(conn: &mut Conn, ticket_id: &str) -> StoreResult<Vec<Applicant>> {
    let rows = sqlx::query("SELECT * FROM applicants WHERE ticket_id = $1 ORDER BY created_at, id")
        .bind(ticket_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn delete(conn: &mut Conn, id: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM applicants WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Moves an applicant on (approval schedules it with its dispatch time; later steps keep it).
pub async fn set_status(
    conn: &mut Conn,
    id: &str,
    status: ApplicantStatus,
    dispatch_at: Option<Timestamp>,
) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE applicants SET status = $1, dispatch_at = COALESCE($2, dispatch_at) WHERE id = $3",
    )
    .bind(status.as_str())
    .bind(dispatch_at.map(ts_to_db))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Records RENIEC's result for an applicant that was sent.
pub async fn record_result(
    conn: &mut Conn,
    id: &str,
    approved: bool,
    delivery_sent_on: Option<jiff::civil::Date>,
    reason: Option<&str>,
    now: Timestamp,
) -> StoreResult<()> {
    let status = if approved {
        ApplicantStatus::Aprobado
    } else {
        ApplicantStatus::Rechazado
    };
    let done = sqlx::query(
        "UPDATE applicants SET status = $1, delivery_sent_on = $2, reniec_reason = $3, result_recorded_at = $4 \
         WHERE id = $5 AND status = 'enviado_reniec'",
    )
    .bind(status.as_str())
    .bind(delivery_sent_on.map(|d| d.to_string()))
    .bind(reason)
    .bind(ts_to_db(now))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// How many applicants wait for a batch: due by `now` (an unclosed cut-off passed), due at
/// the next cut-off, and held for a later one (the 10-day rule).
pub async fn programado_counts(
    conn: &mut Conn,
    now: Timestamp,
    next_cutoff: Timestamp,
) -> StoreResult<(i64, i64, i64)> {
    let row = sqlx::query(
        "SELECT \
           COALESCE(SUM(CASE WHEN dispatch_at <= $1 THEN 1 ELSE 0 END), 0) AS overdue, \
           COALESCE(SUM(CASE WHEN dispatch_at > $1 AND dispatch_at <= $2 THEN 1 ELSE 0 END), 0) AS due_next, \
           COALESCE(SUM(CASE WHEN dispatch_at > $2 THEN 1 ELSE 0 END), 0) AS held \
         FROM applicants WHERE status = 'programado'",
    )
    .bind(ts_to_db(now))
    .bind(ts_to_db(next_cutoff))
    .fetch_one(&mut *conn)
    .await?;
    Ok((
        row.try_get("overdue")?,
        row.try_get("due_next")?,
        row.try_get("held")?,
    ))
}
