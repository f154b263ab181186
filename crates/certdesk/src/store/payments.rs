//! Payment receipts (constancias de pago), registered on a ticket before its applicants.

use domain::{
    identity::Dni,
    ids::{ApplicantId, PaymentId, TicketId, TicketNumber},
    money::Money,
    payment::{PaymentChannel, ValidPayment},
};
use jiff::{civil::Date, Timestamp};
use sqlx::{any::AnyRow, Row};

use super::{
    new_id,
    sql::{date_to_db, RowExt, Select},
    ts_to_db, Conn, StoreError, StoreResult,
};

/// The unique constraint on operation numbers (`payments.operation_number` on SQLite).
pub const OPERATION_NUMBER_UNIQUE: &str = "operation_number";

#[derive(Debug, Clone)]
pub struct Payment {
    pub id: PaymentId,
    pub ticket_id: TicketId,
    pub operation_number: String,
    pub paid_on: Date,
    pub amount: Money,
    pub tribute_code: String,
    pub payer_dni: Dni,
    pub channel: PaymentChannel,
    pub receipt_sha256: String,
    pub receipt_mime: String,
    /// The applicant that uses it, if any.
    pub applicant_id: Option<ApplicantId>,
    pub created_at: Timestamp,
}

const SELECT: &str = "SELECT p.*, a.id AS applicant_id FROM payments p LEFT JOIN applicants a ON a.payment_id = p.id";

fn from_row(row: &AnyRow) -> StoreResult<Payment> {
    let centimos: i64 = row.try_get("amount_centimos")?;
    Ok(Payment {
        id: row.parse("id")?,
        ticket_id: row.parse("ticket_id")?,
        operation_number: row.try_get("operation_number")?,
        paid_on: row.parse("paid_on")?,
        amount: Money::from_centimos(centimos)
            .ok_or_else(|| StoreError::Corrupt(format!("amount {centimos}")))?,
        tribute_code: row.try_get("tribute_code")?,
        payer_dni: row.parse("payer_dni")?,
        channel: row.parse("channel")?,
        receipt_sha256: row.try_get("receipt_sha256")?,
        receipt_mime: row.try_get("receipt_mime")?,
        applicant_id: row.parse_opt("applicant_id")?,
        created_at: row.ts("created_at")?,
    })
}

/// Inserts a receipt; a used operation number is `Conflict` on [`OPERATION_NUMBER_UNIQUE`].
pub async fn insert(
    conn: &mut Conn,
    ticket_id: TicketId,
    p: &ValidPayment,
    receipt_sha256: &str,
    receipt_mime: &str,
    now: Timestamp,
) -> StoreResult<PaymentId> {
    let id: PaymentId = new_id(now);
    sqlx::query(
        "INSERT INTO payments (id, ticket_id, operation_number, paid_on, amount_centimos, tribute_code, \
         payer_dni, channel, receipt_sha256, receipt_mime, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id.to_string())
    .bind(ticket_id.to_string())
    .bind(&p.operation_number)
    .bind(date_to_db(p.paid_on))
    .bind(p.amount.centimos())
    .bind(&p.tribute_code)
    .bind(p.payer_dni.as_str())
    .bind(p.channel.as_str())
    .bind(receipt_sha256)
    .bind(receipt_mime)
    .bind(ts_to_db(now))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn by_id(conn: &mut Conn, id: PaymentId) -> StoreResult<Payment> {
    Select::new(SELECT)
        .filter("p.id = ?", id.to_string())
        .one(conn, from_row)
        .await
}

pub async fn for_ticket(conn: &mut Conn, ticket_id: TicketId) -> StoreResult<Vec<Payment>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE p.ticket_id = $1 ORDER BY p.created_at, p.id"
    ))
    .bind(ticket_id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The ticket that holds a receipt with this operation number, if any (to show analysts
/// where a reused receipt was first registered).
pub async fn ticket_with_operation(
    conn: &mut Conn,
    operation_number: &str,
) -> StoreResult<Option<TicketNumber>> {
    let row = sqlx::query(
        "SELECT t.number FROM payments p JOIN tickets t ON t.id = p.ticket_id WHERE p.operation_number = $1",
    )
    .bind(operation_number)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some(row) => Some(row.parse("number")?),
        None => None,
    })
}

pub async fn delete(conn: &mut Conn, id: PaymentId) -> StoreResult<()> {
    sqlx::query("DELETE FROM payments WHERE id = $1")
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}
