//! Access requests: anyone asks for an account, an admin decides.

use domain::{
    access::{AccessRequestStatus, ValidAccessRequest},
    identity::Dni,
    ids::{AccessRequestId, UserId},
};
use jiff::{civil::Date, Timestamp};
use sqlx::{any::AnyRow, Row};

use super::{
    new_id,
    sql::{date_to_db, RowExt, Select},
    ts_to_db, Conn, StoreError, StoreResult,
};

/// Unique index that keeps one pending request per e-mail.
pub const ONE_PENDING_PER_EMAIL: &str = "access_requests";

#[derive(Debug, Clone)]
pub struct AccessRequest {
    pub id: AccessRequestId,
    pub full_name: String,
    pub dni: Dni,
    pub position: String,
    pub unit: String,
    pub dependency: String,
    pub start_date: Date,
    pub email: String,
    pub status: AccessRequestStatus,
    pub created_at: Timestamp,
    pub decided_at: Option<Timestamp>,
    pub decision_reason: Option<String>,
    pub user_id: Option<UserId>,
}

fn from_row(row: &AnyRow) -> StoreResult<AccessRequest> {
    Ok(AccessRequest {
        id: row.parse("id")?,
        full_name: row.try_get("full_name")?,
        dni: row.parse("dni")?,
        position: row.try_get("position")?,
        unit: row.try_get("unit")?,
        dependency: row.try_get("dependency")?,
        start_date: row.parse("start_date")?,
        email: row.try_get("email")?,
        status: row.parse("status")?,
        created_at: row.ts("created_at")?,
        decided_at: row.ts_opt("decided_at")?,
        decision_reason: row.try_get("decision_reason")?,
        user_id: row.parse_opt("user_id")?,
    })
}

pub async fn insert(
    conn: &mut Conn,
    req: &ValidAccessRequest,
    now: Timestamp,
) -> StoreResult<AccessRequest> {
    let row = sqlx::query(
        "INSERT INTO access_requests \
         (id, full_name, dni, position, unit, dependency, start_date, email, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *",
    )
    .bind(new_id::<AccessRequestId>(now).to_string())
    .bind(req.full_name.as_str())
    .bind(req.dni.as_str())
    .bind(&req.position)
    .bind(&req.unit)
    .bind(&req.dependency)
    .bind(date_to_db(req.start_date))
    .bind(req.email.as_str())
    .bind(AccessRequestStatus::Pendiente.as_str())
    .bind(ts_to_db(now))
    .fetch_one(&mut *conn)
    .await?;
    from_row(&row)
}

pub async fn by_id(conn: &mut Conn, id: AccessRequestId) -> StoreResult<AccessRequest> {
    Select::new("SELECT * FROM access_requests")
        .filter("id = ?", id.to_string())
        .one(conn, from_row)
        .await
}

pub async fn has_pending_for_email(conn: &mut Conn, email: &str) -> StoreResult<bool> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM access_requests WHERE email = $1 AND status = 'pendiente'",
    )
    .bind(email)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Oldest first (they are handled in arrival order); `after` is the last id seen.
pub async fn list(
    conn: &mut Conn,
    status: Option<AccessRequestStatus>,
    after: Option<AccessRequestId>,
    limit: i64,
) -> StoreResult<Vec<AccessRequest>> {
    Select::new("SELECT * FROM access_requests")
        .filter_opt("status = ?", status.map(|s| s.as_str()))
        .filter_opt("id > ?", after.map(|a| a.to_string()))
        .order_limit("id ASC", limit)
        .fetch(conn, from_row)
        .await
}

/// Records the decision on a still-pending request; `NotFound` if it was not pending
/// (decided meanwhile by someone else).
pub async fn decide(
    conn: &mut Conn,
    id: AccessRequestId,
    status: AccessRequestStatus,
    decided_by: UserId,
    reason: Option<&str>,
    user_id: Option<UserId>,
    now: Timestamp,
) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE access_requests SET status = $1, decided_by = $2, decision_reason = $3, \
         user_id = $4, decided_at = $5 WHERE id = $6 AND status = 'pendiente'",
    )
    .bind(status.as_str())
    .bind(decided_by.to_string())
    .bind(reason)
    .bind(user_id.map(|u| u.to_string()))
    .bind(ts_to_db(now))
    .bind(id.to_string())
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn count_with_status(conn: &mut Conn, status: AccessRequestStatus) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM access_requests WHERE status = $1")
        .bind(status.as_str())
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get("n")?)
}
