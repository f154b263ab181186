//! Canned observation texts: admins keep them, analysts pick them when observing a ticket.

use domain::ids::ObservationTextId;
use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{
    new_id,
    sql::{RowExt, Select},
    ts_to_db, Conn, StoreError, StoreResult,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservationText {
    pub id: ObservationTextId,
    /// The short name on the observe form ("Foto con lentes").
    pub title: String,
    /// What the requester reads.
    pub body: String,
    pub active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

const SELECT: &str = "SELECT * FROM observation_texts";

fn from_row(row: &AnyRow) -> StoreResult<ObservationText> {
    let active: i64 = row.try_get("active")?;
    Ok(ObservationText {
        id: row.parse("id")?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        active: active == 1,
        created_at: row.ts("created_at")?,
        updated_at: row.ts("updated_at")?,
    })
}

/// Every text, active ones first, each group by title. `only_active` leaves the others out.
pub async fn list(conn: &mut Conn, only_active: bool) -> StoreResult<Vec<ObservationText>> {
    let mut select = Select::new(SELECT);
    if only_active {
        select = select.where_sql("active = 1");
    }
    select
        .order_limit("active DESC, title ASC, id ASC", 500)
        .fetch(conn, from_row)
        .await
}

pub async fn by_id(conn: &mut Conn, id: ObservationTextId) -> StoreResult<ObservationText> {
    Select::new(SELECT)
        .filter("id = ?", id.to_string())
        .one(conn, from_row)
        .await
}

pub async fn insert(
    conn: &mut Conn,
    title: &str,
    body: &str,
    now: Timestamp,
) -> StoreResult<ObservationTextId> {
    let id: ObservationTextId = new_id(now);
    sqlx::query(
        "INSERT INTO observation_texts (id, title, body, active, created_at, updated_at) \
         VALUES ($1, $2, $3, 1, $4, $4)",
    )
    .bind(id.to_string())
    .bind(title)
    .bind(body)
    .bind(ts_to_db(now))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn update(
    conn: &mut Conn,
    id: ObservationTextId,
    title: &str,
    body: &str,
    active: bool,
    now: Timestamp,
) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE observation_texts SET title = $1, body = $2, active = $3, updated_at = $4 \
         WHERE id = $5",
    )
    .bind(title)
    .bind(body)
    .bind(i64::from(active))
    .bind(ts_to_db(now))
    .bind(id.to_string())
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
