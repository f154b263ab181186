//! Applicants of emision/reemision tickets.

use domain::{
    applicant::{ApplicantStatus, ValidApplicant},
    identity::Dni,
    ids::{ApplicantId, PaymentId, TicketId},
};
use jiff::{civil::Date, Timestamp};
use sqlx::{
    any::{AnyArguments, AnyRow},
    query::Query,
    Any, Row,
};

use super::{
    new_id,
    sql::{date_to_db, RowExt, Select},
    ts_to_db, Conn, StoreError, StoreResult,
};

/// The unique constraint that keeps one DNI once per ticket.
pub const DNI_ONCE_PER_TICKET: &str = "dni";
/// The unique constraint that links a receipt to one applicant only.
pub const RECEIPT_ONCE: &str = "payment_id";

/// An applicant as stored. `Debug` shows the DNI masked, as [`Dni`] does.
#[derive(Debug, Clone)]
pub struct Applicant {
    pub id: ApplicantId,
    pub ticket_id: TicketId,
    pub paternal_surname: String,
    pub maternal_surname: Option<String>,
    pub given_names: String,
    pub dni: Dni,
    pub dni_check_digit: Option<String>,
    pub dni_issued_on: Date,
    pub email: String,
    pub position: String,
    pub unit: String,
    pub payment_id: Option<PaymentId>,
    /// The expiry of the current certificate, as the requester declared it.
    pub current_expires_on: Option<Date>,
    pub photo_sha256: String,
    pub signature_sha256: String,
    /// The requester confirmed "sin lentes" for the current photo.
    pub no_glasses_confirmed: bool,
    pub status: ApplicantStatus,
    pub dispatch_at: Option<Timestamp>,
    /// The date RENIEC sent the DCDelivery e-mail (approved).
    pub delivery_sent_on: Option<Date>,
    /// RENIEC's reason (rejected).
    pub reniec_reason: Option<String>,
    pub created_at: Timestamp,
}

impl Applicant {
    /// `TELLO VÁSQUEZ, Carmen Rosa`.
    pub fn full_name(&self) -> String {
        full_name(
            &self.paternal_surname,
            self.maternal_surname.as_deref(),
            &self.given_names,
        )
    }
}

/// `Paterno Materno, Nombres` (or `Paterno, Nombres`).
pub fn full_name(paternal: &str, maternal: Option<&str>, given: &str) -> String {
    match maternal {
        Some(m) => format!("{paternal} {m}, {given}"),
        None => format!("{paternal}, {given}"),
    }
}

/// [`full_name`] of a row with the applicant's `paternal_surname`, `maternal_surname` and
/// `given_names`.
pub(super) fn full_name_of(row: &AnyRow) -> StoreResult<String> {
    let maternal: Option<String> = row.try_get("maternal_surname")?;
    let paternal: String = row.try_get("paternal_surname")?;
    let given: String = row.try_get("given_names")?;
    Ok(full_name(&paternal, maternal.as_deref(), &given))
}

fn from_row(row: &AnyRow) -> StoreResult<Applicant> {
    Ok(Applicant {
        id: row.parse("id")?,
        ticket_id: row.parse("ticket_id")?,
        paternal_surname: row.try_get("paternal_surname")?,
        maternal_surname: row.try_get("maternal_surname")?,
        given_names: row.try_get("given_names")?,
        dni: row.parse("dni")?,
        dni_check_digit: row.try_get("dni_check_digit")?,
        dni_issued_on: row.parse("dni_issued_on")?,
        email: row.try_get("email")?,
        position: row.try_get("position")?,
        unit: row.try_get("unit")?,
        payment_id: row.parse_opt("payment_id")?,
        current_expires_on: row.parse_opt("current_expires_on")?,
        photo_sha256: row.try_get("photo_sha256")?,
        signature_sha256: row.try_get("signature_sha256")?,
        no_glasses_confirmed: row.try_get::<i64, _>("no_glasses_confirmed")? == 1,
        status: row.parse("status")?,
        dispatch_at: row.ts_opt("dispatch_at")?,
        delivery_sent_on: row.parse_opt("delivery_sent_on")?,
        reniec_reason: row.try_get("reniec_reason")?,
        created_at: row.ts("created_at")?,
    })
}

pub struct NewApplicant<'a> {
    pub ticket_id: TicketId,
    pub valid: &'a ValidApplicant,
    pub dni_check_digit: Option<&'a str>,
    pub photo_sha256: &'a str,
    pub signature_sha256: &'a str,
}

/// Binds an applicant's fields in the order `insert` and `update` name their columns, from
/// `paternal_surname` to `no_glasses_confirmed`.
fn bind_fields<'q>(
    query: Query<'q, Any, AnyArguments<'q>>,
    v: &'q ValidApplicant,
    dni_check_digit: Option<&'q str>,
    photo_sha256: &'q str,
    signature_sha256: &'q str,
) -> Query<'q, Any, AnyArguments<'q>> {
    query
        .bind(v.paternal_surname.as_str())
        .bind(v.maternal_surname.as_ref().map(|m| m.as_str()))
        .bind(v.given_names.as_str())
        .bind(v.dni.as_str())
        .bind(dni_check_digit)
        .bind(date_to_db(v.dni_issued_on))
        .bind(v.email.as_str())
        .bind(&v.position)
        .bind(&v.unit)
        .bind(v.payment_id.map(|p| p.to_string()))
        .bind(v.current_expires_on.map(date_to_db))
        .bind(photo_sha256)
        .bind(signature_sha256)
        .bind(i64::from(v.no_glasses_confirmed))
}

pub async fn insert(
    conn: &mut Conn,
    a: &NewApplicant<'_>,
    now: Timestamp,
) -> StoreResult<ApplicantId> {
    let id: ApplicantId = new_id(now);
    let query = sqlx::query(
        "INSERT INTO applicants (id, ticket_id, paternal_surname, maternal_surname, given_names, dni, \
         dni_check_digit, dni_issued_on, email, position, unit, payment_id, current_expires_on, \
         photo_sha256, signature_sha256, no_glasses_confirmed, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    )
    .bind(id.to_string())
    .bind(a.ticket_id.to_string());
    bind_fields(
        query,
        a.valid,
        a.dni_check_digit,
        a.photo_sha256,
        a.signature_sha256,
    )
    .bind(ApplicantStatus::Registrado.as_str())
    .bind(ts_to_db(now))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// An applicant's new values, all of them (the use case merges what changed with what was
/// stored and checks the whole).
pub struct ApplicantUpdate<'a> {
    pub valid: &'a ValidApplicant,
    pub dni_check_digit: Option<&'a str>,
    pub photo_sha256: &'a str,
    pub signature_sha256: &'a str,
}

/// Rewrites an applicant still `registrado` (a ticket being written or corrected);
/// `NotFound` when it is not, or no longer, there.
pub async fn update(conn: &mut Conn, id: ApplicantId, a: &ApplicantUpdate<'_>) -> StoreResult<()> {
    let query = sqlx::query(
        "UPDATE applicants SET paternal_surname = $1, maternal_surname = $2, given_names = $3, \
         dni = $4, dni_check_digit = $5, dni_issued_on = $6, email = $7, position = $8, unit = $9, \
         payment_id = $10, current_expires_on = $11, photo_sha256 = $12, signature_sha256 = $13, \
         no_glasses_confirmed = $14 WHERE id = $15 AND status = $16",
    );
    let done = bind_fields(
        query,
        a.valid,
        a.dni_check_digit,
        a.photo_sha256,
        a.signature_sha256,
    )
    .bind(id.to_string())
    .bind(ApplicantStatus::Registrado.as_str())
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn by_id(conn: &mut Conn, id: ApplicantId) -> StoreResult<Applicant> {
    Select::new("SELECT * FROM applicants")
        .filter("id = ?", id.to_string())
        .one(conn, from_row)
        .await
}

pub async fn for_ticket(conn: &mut Conn, ticket_id: TicketId) -> StoreResult<Vec<Applicant>> {
    let rows = sqlx::query("SELECT * FROM applicants WHERE ticket_id = $1 ORDER BY created_at, id")
        .bind(ticket_id.to_string())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn delete(conn: &mut Conn, id: ApplicantId) -> StoreResult<()> {
    sqlx::query("DELETE FROM applicants WHERE id = $1")
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Schedules an approved applicant for its RENIEC batch.
pub async fn schedule(conn: &mut Conn, id: ApplicantId, dispatch_at: Timestamp) -> StoreResult<()> {
    let done = sqlx::query("UPDATE applicants SET status = $1, dispatch_at = $2 WHERE id = $3")
        .bind(ApplicantStatus::Programado.as_str())
        .bind(ts_to_db(dispatch_at))
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// RENIEC's answer for one applicant.
pub use domain::reniec::Answer as ReniecAnswer;

/// Records RENIEC's answer for an applicant that was sent; `NotFound` when it was not
/// waiting for one (someone recorded it first).
pub async fn record_result(
    conn: &mut Conn,
    id: ApplicantId,
    answer: &ReniecAnswer,
    now: Timestamp,
) -> StoreResult<()> {
    let (status, delivery, reason) = match answer {
        ReniecAnswer::Approved { delivery_sent_on } => {
            (ApplicantStatus::Aprobado, Some(*delivery_sent_on), None)
        }
        ReniecAnswer::Rejected { reason } => {
            (ApplicantStatus::Rechazado, None, Some(reason.as_str()))
        }
    };
    let done = sqlx::query(
        "UPDATE applicants SET status = $1, delivery_sent_on = $2, reniec_reason = $3, result_recorded_at = $4 \
         WHERE id = $5 AND status = $6",
    )
    .bind(status.as_str())
    .bind(delivery.map(date_to_db))
    .bind(reason)
    .bind(ts_to_db(now))
    .bind(id.to_string())
    .bind(ApplicantStatus::EnviadoReniec.as_str())
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// How many applicants wait for a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WaitingCounts {
    /// Due by now: their cut-off passed and its batch is not closed yet.
    pub overdue: i64,
    /// Due at the next cut-off.
    pub due_next: i64,
    /// Held for a later cut-off (the 10-day rule).
    pub held: i64,
}

pub async fn programado_counts(
    conn: &mut Conn,
    now: Timestamp,
    next_cutoff: Timestamp,
) -> StoreResult<WaitingCounts> {
    let row = sqlx::query(
        "SELECT \
           COALESCE(SUM(CASE WHEN dispatch_at <= $1 THEN 1 ELSE 0 END), 0) AS overdue, \
           COALESCE(SUM(CASE WHEN dispatch_at > $1 AND dispatch_at <= $2 THEN 1 ELSE 0 END), 0) AS due_next, \
           COALESCE(SUM(CASE WHEN dispatch_at > $2 THEN 1 ELSE 0 END), 0) AS held \
         FROM applicants WHERE status = $3",
    )
    .bind(ts_to_db(now))
    .bind(ts_to_db(next_cutoff))
    .bind(ApplicantStatus::Programado.as_str())
    .fetch_one(&mut *conn)
    .await?;
    Ok(WaitingCounts {
        overdue: row.try_get("overdue")?,
        due_next: row.try_get("due_next")?,
        held: row.try_get("held")?,
    })
}

/// The newest applicant with this DNI, among the tickets of `requester` when given: what a
/// renewal pre-fills when its certificate does not name the applicant it came from.
pub async fn latest_for_dni(
    conn: &mut Conn,
    dni: &Dni,
    requester: Option<domain::ids::UserId>,
) -> StoreResult<Option<Applicant>> {
    Ok(
        Select::new("SELECT a.* FROM applicants a JOIN tickets t ON t.id = a.ticket_id")
            .filter("a.dni = ?", dni.as_str().to_owned())
            .filter_opt("t.requester_id = ?", requester.map(|r| r.to_string()))
            .order_limit("a.created_at DESC, a.id DESC", 1)
            .fetch(conn, from_row)
            .await?
            .into_iter()
            .next(),
    )
}
