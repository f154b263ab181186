//! Access requests: anyone asks for an account, an admin decides.

use domain::access::{AccessRequestStatus, ValidAccessRequest};
use jiff::Timestamp;
use sqlx::{any::AnyRow, Row};

use super::{new_id, ts_from_db, ts_to_db, Conn, StoreError, StoreResult};

/// Unique index that keeps one pending request per e-mail.
pub const ONE_PENDING_PER_EMAIL: &str = "access_requests";

#[derive(Debug, Clone)]
pub struct AccessRequest {
    pub id: String,
    pub full_name: String,
    pub dni: String,
    pub position: String,
    pub unit: String,
    pub dependency: String,
    pub start_date: String,
    pub email: String,
    pub status: AccessRequestStatus,
    pub created_at: Timestamp,
    pub decided_at: Option<Timestamp>,
    pub decision_reason: Option<String>,
    pub user_id: Option<String>,
}

fn from_row(row: &AnyRow) -> StoreResult<AccessRequest> {
    let status: String = row.try_get("status")?;
    Ok(AccessRequest {
        id: row.try_get("id")?,
        full_name: row.try_get("full_name")?,
        dni: row.try_get("dni")?,
        position: row.try_get("position")?,
        unit: row.try_get("unit")?,
        dependency: row.try_get("dependency")?,
        start_date: row.try_get("start_date")?,
        email: row.try_get("email")?,
        status: status
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("access request status {status}")))?,
        created_at: ts_from_db(row.try_get("created_at")?)?,
        decided_at: row
            .try_get::<Option<i64>, _>("decided_at")?
            .map(ts_from_db)
            .transpose()?,
        decision_reason: row.try_get("decision_reason")?,
        user_id: row.try_get("user_id")?,
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
    .bind(new_id())
    .bind(req.full_name.as_str())
    .bind(req.dni.as_str())
    .bind(&req.position)
    .bind(&req.unit)
    .bind(&req.dependency)
    .bind(req.start_date.to_string())
    .bind(req.email.as_str())
    .bind(AccessRequestStatus::Pendiente.as_str())
    .bind(ts_to_db(now))
    .fetch_one(&mut *conn)
    .await?;
    from_row(&row)
}

pub async fn by_id(conn: &mut Conn, id: &str) -> StoreResult<AccessRequest> {
    let row = sqlx::query("SELECT * FROM access_requests WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
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
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<AccessRequest>> {
    let mut sql = String::from("SELECT * FROM access_requests WHERE 1 = 1");
    let mut n = 0;
    if status.is_some() {
        n += 1;
        sql.push_str(&format!(" AND status = ${n}"));
    }
    if after.is_some() {
        n += 1;
        sql.push_str(&format!(" AND id > ${n}"));
    }
    sql.push_str(&format!(" ORDER BY id ASC LIMIT ${}", n + 1));
    let mut query = sqlx::query(&sql);
    if let Some(status) = status {
        query = query.bind(status.as_str());
    }
    if let Some(after) = after {
        query = query.bind(after);
    }
    let rows = query.bind(limit).fetch_all(&mut *conn).await?;
    rows.iter().map(from_row).collect()
}

/// Records the decision on a still-pending request; `NotFound` if it was not pending
/// (decided meanwhile by someone else).
pub async fn decide(
    conn: &mut Conn,
    id: &str,
    status: AccessRequestStatus,
    decided_by: &str,
    reason: Option<&str>,
    user_id: Option<&str>,
    now: Timestamp,
) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE access_requests SET status = $1, decided_by = $2, decision_reason = $3, \
         user_id = $4, decided_at = $5 WHERE id = $6 AND status = 'pendiente'",
    )
    .bind(status.as_str())
    .bind(decided_by)
    .bind(reason)
    .bind(user_id)
    .bind(ts_to_db(now))
    .bind(id)
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
