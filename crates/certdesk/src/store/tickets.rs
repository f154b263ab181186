//! Tickets, their yearly numbers and their history.

use domain::ticket::{Kind, Reason, Status};
use jiff::Timestamp;
use sqlx::{any::AnyRow, Row};

use super::{new_id, ts_from_db, ts_to_db, Conn, StoreError, StoreResult};

#[derive(Debug, Clone)]
pub struct Ticket {
    pub id: String,
    pub number: String,
    pub kind: Kind,
    pub reason: Reason,
    pub requester_id: String,
    pub requester_name: String,
    pub certificate_id: Option<String>,
    pub status: Status,
    pub submitted_at: Option<Timestamp>,
    pub assigned_to: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

const SELECT: &str =
    "SELECT t.*, u.name AS requester_name FROM tickets t JOIN users u ON u.id = t.requester_id";

fn from_row(row: &AnyRow) -> StoreResult<Ticket> {
    let kind: String = row.try_get("kind")?;
    let kind: Kind = kind
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("ticket kind {kind}")))?;
    let reason: Option<String> = row.try_get("reason")?;
    let reason = Reason::parse(kind, reason.as_deref())
        .map_err(|_| StoreError::Corrupt(format!("ticket reason {reason:?}")))?;
    let status: String = row.try_get("status")?;
    Ok(Ticket {
        id: row.try_get("id")?,
        number: row.try_get("number")?,
        kind,
        reason,
        requester_id: row.try_get("requester_id")?,
        requester_name: row.try_get("requester_name")?,
        certificate_id: row.try_get("certificate_id")?,
        status: status
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("ticket status {status}")))?,
        submitted_at: row
            .try_get::<Option<i64>, _>("submitted_at")?
            .map(ts_from_db)
            .transpose()?,
        assigned_to: row.try_get("assigned_to")?,
        created_at: ts_from_db(row.try_get("created_at")?)?,
        updated_at: ts_from_db(row.try_get("updated_at")?)?,
    })
}

/// Takes the next number of `year`. Call inside the transaction that inserts the ticket:
/// the counter row stays locked until commit, and a rollback gives the number back.
pub async fn next_seq(conn: &mut Conn, year: i16) -> StoreResult<i64> {
    let row = sqlx::query(
        "INSERT INTO ticket_counters (year, last_seq) VALUES ($1, 1) \
         ON CONFLICT (year) DO UPDATE SET last_seq = ticket_counters.last_seq + 1 \
         RETURNING last_seq",
    )
    .bind(i64::from(year))
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("last_seq")?)
}

pub struct NewTicket<'a> {
    pub number: &'a str,
    pub year: i16,
    pub seq: i64,
    pub kind: Kind,
    pub reason: Reason,
    pub requester_id: &'a str,
    pub certificate_id: Option<&'a str>,
}

pub async fn insert(conn: &mut Conn, t: &NewTicket<'_>, now: Timestamp) -> StoreResult<String> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO tickets (id, number, year, seq, kind, reason, requester_id, certificate_id, \
         status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(&id)
    .bind(t.number)
    .bind(i64::from(t.year))
    .bind(t.seq)
    .bind(t.kind.as_str())
    .bind(t.reason.code_str())
    .bind(t.requester_id)
    .bind(t.certificate_id)
    .bind(Status::Borrador.as_str())
    .bind(ts_to_db(now))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn by_id(conn: &mut Conn, id: &str) -> StoreResult<Ticket> {
    let row = sqlx::query(&format!("{SELECT} WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// Moves the ticket from `from` to `to`; `NotFound` when it was no longer in `from`
/// (someone else moved it first). A submission also stamps the arrival time.
pub async fn set_status(
    conn: &mut Conn,
    id: &str,
    from: Status,
    to: Status,
    submitted_at: Option<Timestamp>,
    now: Timestamp,
) -> StoreResult<()> {
    let done = match submitted_at {
        Some(at) => {
            sqlx::query(
                "UPDATE tickets SET status = $1, submitted_at = $2, updated_at = $3 \
                 WHERE id = $4 AND status = $5",
            )
            .bind(to.as_str())
            .bind(ts_to_db(at))
            .bind(ts_to_db(now))
            .bind(id)
            .bind(from.as_str())
            .execute(&mut *conn)
            .await?
        }
        None => {
            sqlx::query(
                "UPDATE tickets SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
            )
            .bind(to.as_str())
            .bind(ts_to_db(now))
            .bind(id)
            .bind(from.as_str())
            .execute(&mut *conn)
            .await?
        }
    };
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn touch(conn: &mut Conn, id: &str, now: Timestamp) -> StoreResult<()> {
    sqlx::query("UPDATE tickets SET updated_at = $1 WHERE id = $2")
        .bind(ts_to_db(now))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Newest first; `requester` limits to one person's tickets; `before` is the last id seen.
pub async fn list(
    conn: &mut Conn,
    requester: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<Ticket>> {
    let mut sql = format!("{SELECT} WHERE 1 = 1");
    let mut n = 0;
    if requester.is_some() {
        n += 1;
        sql.push_str(&format!(" AND t.requester_id = ${n}"));
    }
    if before.is_some() {
        n += 1;
        sql.push_str(&format!(" AND t.id < ${n}"));
    }
    sql.push_str(&format!(" ORDER BY t.id DESC LIMIT ${}", n + 1));
    let mut query = sqlx::query(&sql);
    if let Some(requester) = requester {
        query = query.bind(requester);
    }
    if let Some(before) = before {
        query = query.bind(before);
    }
    let rows = query.bind(limit).fetch_all(&mut *conn).await?;
    rows.iter().map(from_row).collect()
}

/// DNIs of applicants in open tickets of `kind`, other than `ticket_id`.
pub async fn dnis_in_other_open_tickets(
    conn: &mut Conn,
    kind: Kind,
    ticket_id: &str,
) -> StoreResult<Vec<String>> {
    // The open statuses come from the domain, not from input.
    let open: Vec<String> = Status::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    let rows = sqlx::query(&format!(
        "SELECT DISTINCT a.dni FROM applicants a JOIN tickets t ON t.id = a.ticket_id \
         WHERE t.kind = $1 AND t.id <> $2 AND t.status IN ({})",
        open.join(", ")
    ))
    .bind(kind.as_str())
    .bind(ticket_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| Ok(row.try_get::<String, _>("dni")?))
        .collect()
}

/// One line of a ticket's history.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: String,
    pub at: Timestamp,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub event: String,
    pub from_status: Option<Status>,
    pub to_status: Status,
    pub comment: Option<String>,
}

pub struct NewEvent<'a> {
    pub ticket_id: &'a str,
    pub actor_id: Option<&'a str>,
    pub event: &'a str,
    pub from_status: Option<Status>,
    pub to_status: Status,
    pub comment: Option<&'a str>,
}

pub async fn record_event(conn: &mut Conn, e: &NewEvent<'_>, now: Timestamp) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO ticket_events (id, ticket_id, at, actor_id, event, from_status, to_status, comment) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id())
    .bind(e.ticket_id)
    .bind(ts_to_db(now))
    .bind(e.actor_id)
    .bind(e.event)
    .bind(e.from_status.map(|s| s.as_str()))
    .bind(e.to_status.as_str())
    .bind(e.comment)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn parse_status(raw: &str) -> StoreResult<Status> {
    raw.parse()
        .map_err(|_| StoreError::Corrupt(format!("status {raw}")))
}

/// Oldest first.
pub async fn events(conn: &mut Conn, ticket_id: &str) -> StoreResult<Vec<Event>> {
    let rows = sqlx::query(
        "SELECT e.*, u.name AS actor_name FROM ticket_events e LEFT JOIN users u ON u.id = e.actor_id \
         WHERE e.ticket_id = $1 ORDER BY e.at ASC, e.id ASC",
    )
    .bind(ticket_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let from: Option<String> = row.try_get("from_status")?;
            let to: String = row.try_get("to_status")?;
            Ok(Event {
                id: row.try_get("id")?,
                at: ts_from_db(row.try_get("at")?)?,
                actor_id: row.try_get("actor_id")?,
                actor_name: row.try_get("actor_name")?,
                event: row.try_get("event")?,
                from_status: from.as_deref().map(parse_status).transpose()?,
                to_status: parse_status(&to)?,
                comment: row.try_get("comment")?,
            })
        })
        .collect()
}

/// Statuses of the analysts' queue, from the domain.
fn queue_statuses() -> String {
    Status::ALL
        .iter()
        .filter(|s| s.is_in_queue())
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The queue in strict FIFO order by last submission; `after` is the (submitted_at, id)
/// of the last ticket seen.
pub async fn queue(
    conn: &mut Conn,
    kind: Option<Kind>,
    status: Option<Status>,
    after: Option<(Timestamp, &str)>,
    limit: i64,
) -> StoreResult<Vec<Ticket>> {
    let mut sql = format!("{SELECT} WHERE t.status IN ({})", queue_statuses());
    let mut n = 0;
    if kind.is_some() {
        n += 1;
        sql.push_str(&format!(" AND t.kind = ${n}"));
    }
    if status.is_some() {
        n += 1;
        sql.push_str(&format!(" AND t.status = ${n}"));
    }
    if after.is_some() {
        sql.push_str(&format!(
            " AND (t.submitted_at > ${a} OR (t.submitted_at = ${a} AND t.id > ${b}))",
            a = n + 1,
            b = n + 2
        ));
        n += 2;
    }
    sql.push_str(&format!(
        " ORDER BY t.submitted_at ASC, t.id ASC LIMIT ${}",
        n + 1
    ));
    let mut query = sqlx::query(&sql);
    if let Some(kind) = kind {
        query = query.bind(kind.as_str());
    }
    if let Some(status) = status {
        query = query.bind(status.as_str());
    }
    if let Some((at, id)) = after {
        query = query.bind(ts_to_db(at)).bind(id);
    }
    let rows = query.bind(limit).fetch_all(&mut *conn).await?;
    rows.iter().map(from_row).collect()
}

/// 1-based place in the queue of a ticket that is waiting in it.
pub async fn queue_position(
    conn: &mut Conn,
    submitted_at: Timestamp,
    id: &str,
) -> StoreResult<i64> {
    let row = sqlx::query(&format!(
        "SELECT COUNT(*) AS n FROM tickets WHERE status IN ({}) \
         AND (submitted_at < $1 OR (submitted_at = $1 AND id < $2))",
        queue_statuses()
    ))
    .bind(ts_to_db(submitted_at))
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")? + 1)
}

pub async fn assign(conn: &mut Conn, id: &str, analyst_id: &str) -> StoreResult<()> {
    sqlx::query("UPDATE tickets SET assigned_to = $1 WHERE id = $2")
        .bind(analyst_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_appointment(
    conn: &mut Conn,
    id: &str,
    at: Timestamp,
    note: Option<&str>,
) -> StoreResult<()> {
    sqlx::query("UPDATE tickets SET appointment_at = $1, appointment_note = $2 WHERE id = $3")
        .bind(ts_to_db(at))
        .bind(note)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The installation appointment, if recorded.
pub async fn appointment(
    conn: &mut Conn,
    id: &str,
) -> StoreResult<Option<(Timestamp, Option<String>)>> {
    let row = sqlx::query("SELECT appointment_at, appointment_note FROM tickets WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    let at: Option<i64> = row.try_get("appointment_at")?;
    match at {
        Some(at) => Ok(Some((ts_from_db(at)?, row.try_get("appointment_note")?))),
        None => Ok(None),
    }
}
