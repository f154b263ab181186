//! Tickets, their yearly numbers and their history.

use std::{fmt, str::FromStr};

use domain::{
    identity::Dni,
    ids::{ApplicantId, CertificateId, TicketId, TicketNumber, UserId},
    ticket::{Event, Kind, Reason, Status},
};
use jiff::Timestamp;
use sqlx::{any::AnyRow, Row};

use super::{
    new_id,
    sql::{values_rows, RowExt, Select, ROWS_PER_INSERT},
    ts_to_db, Conn, StoreError, StoreResult,
};

#[derive(Debug, Clone)]
pub struct Ticket {
    pub id: TicketId,
    pub number: TicketNumber,
    pub kind: Kind,
    pub reason: Reason,
    pub requester_id: UserId,
    pub requester_name: String,
    pub certificate_id: Option<CertificateId>,
    pub status: Status,
    pub submitted_at: Option<Timestamp>,
    /// The analyst who took it, and their name.
    pub assigned_to: Option<(UserId, String)>,
    /// The installation appointment, once booked.
    pub appointment: Option<Appointment>,
    /// Instalación: the phone of the person whose certificate is installed (digits as
    /// dialled inside Peru), when the requester gave one.
    pub contact_phone: Option<String>,
    /// A renewal started from a certificate ("Solicitar renovación"): that certificate.
    pub renews_certificate_id: Option<CertificateId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// When its photos, signatures and receipts were deleted, their retention period over
    /// (Ley 29733); the ticket and its data stay.
    pub files_purged_at: Option<Timestamp>,
}

/// An installation appointment agreed with the subscriber.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    pub at: Timestamp,
    pub note: Option<String>,
}

/// The columns of a ticket query: the ticket's own and the names of its people.
macro_rules! ticket_columns {
    () => {
        "SELECT t.*, u.name AS requester_name, a.name AS assignee_name FROM "
    };
}

/// The joins that give those names to the tickets `t`.
macro_rules! ticket_names {
    () => {
        " t JOIN users u ON u.id = t.requester_id LEFT JOIN users a ON a.id = t.assigned_to"
    };
}

const SELECT: &str = concat!(ticket_columns!(), "tickets", ticket_names!());

/// [`SELECT`] around an inner query `t` that chooses a page of tickets.
const NAMES_OF_PAGE: (&str, &str) = (
    concat!(ticket_columns!(), "("),
    concat!(")", ticket_names!()),
);

fn from_row(row: &AnyRow) -> StoreResult<Ticket> {
    let kind: Kind = row.parse("kind")?;
    let reason: Option<String> = row.try_get("reason")?;
    let reason = Reason::parse(kind, reason.as_deref())
        .map_err(|_| StoreError::Corrupt("column reason does not fit the ticket's kind".into()))?;
    let assignee: Option<UserId> = row.parse_opt("assigned_to")?;
    let assignee_name: Option<String> = row.try_get("assignee_name")?;
    let appointment = match row.ts_opt("appointment_at")? {
        Some(at) => Some(Appointment {
            at,
            note: row.try_get("appointment_note")?,
        }),
        None => None,
    };
    Ok(Ticket {
        id: row.parse("id")?,
        number: row.parse("number")?,
        kind,
        reason,
        requester_id: row.parse("requester_id")?,
        requester_name: row.try_get("requester_name")?,
        certificate_id: row.parse_opt("certificate_id")?,
        status: row.parse("status")?,
        submitted_at: row.ts_opt("submitted_at")?,
        assigned_to: assignee.map(|id| (id, assignee_name.unwrap_or_default())),
        appointment,
        contact_phone: row.try_get("contact_phone")?,
        renews_certificate_id: row.parse_opt("renews_certificate_id")?,
        created_at: row.ts("created_at")?,
        updated_at: row.ts("updated_at")?,
        files_purged_at: row.ts_opt("files_purged_at")?,
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

pub struct NewTicket {
    pub number: TicketNumber,
    pub kind: Kind,
    pub reason: Reason,
    pub requester_id: UserId,
    pub certificate_id: Option<CertificateId>,
    pub contact_phone: Option<String>,
    pub renews_certificate_id: Option<CertificateId>,
}

pub async fn insert(conn: &mut Conn, t: &NewTicket, now: Timestamp) -> StoreResult<TicketId> {
    let id: TicketId = new_id(now);
    sqlx::query(
        "INSERT INTO tickets (id, number, year, seq, kind, reason, requester_id, certificate_id, \
         status, created_at, updated_at, contact_phone, renews_certificate_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12)",
    )
    .bind(id.to_string())
    .bind(t.number.to_string())
    .bind(i64::from(t.number.year()))
    .bind(i64::from(t.number.seq()))
    .bind(t.kind.as_str())
    .bind(t.reason.code_str())
    .bind(t.requester_id.to_string())
    .bind(t.certificate_id.map(|c| c.to_string()))
    .bind(Status::Borrador.as_str())
    .bind(ts_to_db(now))
    .bind(t.contact_phone.as_deref())
    .bind(t.renews_certificate_id.map(|c| c.to_string()))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Open reemisión tickets that renew the certificate `id` of `dni`: started from it, or
/// with an applicant of that DNI (the same person cannot be in two open tickets of a
/// kind). Oldest first.
pub async fn open_renewals(
    conn: &mut Conn,
    id: CertificateId,
    dni: &Dni,
) -> StoreResult<Vec<Ticket>> {
    let sql = format!(
        "{SELECT} WHERE t.kind = $1 AND t.status IN ({}) AND (t.renews_certificate_id = $2 \
         OR EXISTS (SELECT 1 FROM applicants x WHERE x.ticket_id = t.id AND x.dni = $3)) \
         ORDER BY t.created_at, t.id",
        statuses_where(Status::is_open)
    );
    let rows = sqlx::query(&sql)
        .bind(Kind::Reemision.as_str())
        .bind(id.to_string())
        .bind(dni.as_str())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Sets (or clears) an instalación's contact phone.
pub async fn set_contact_phone(
    conn: &mut Conn,
    id: TicketId,
    phone: Option<&str>,
) -> StoreResult<()> {
    sqlx::query("UPDATE tickets SET contact_phone = $1 WHERE id = $2")
        .bind(phone)
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The id of the ticket with this number, if there is one.
pub async fn id_by_number(conn: &mut Conn, number: TicketNumber) -> StoreResult<Option<TicketId>> {
    let row = sqlx::query("SELECT id FROM tickets WHERE number = $1")
        .bind(number.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| r.parse("id")).transpose()
}

pub async fn by_id(conn: &mut Conn, id: TicketId) -> StoreResult<Ticket> {
    Select::new(SELECT)
        .filter("t.id = ?", id.to_string())
        .one(conn, from_row)
        .await
}

/// Moves the ticket from `from` to `to`; `NotFound` when it was no longer in `from`
/// (someone else moved it first). A submission also stamps the arrival time.
pub async fn set_status(
    conn: &mut Conn,
    id: TicketId,
    from: Status,
    to: Status,
    submitted_at: Option<Timestamp>,
    now: Timestamp,
) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE tickets SET status = $1, submitted_at = COALESCE($2, submitted_at), \
         updated_at = $3 WHERE id = $4 AND status = $5",
    )
    .bind(to.as_str())
    .bind(submitted_at.map(ts_to_db))
    .bind(ts_to_db(now))
    .bind(id.to_string())
    .bind(from.as_str())
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Moves many tickets from `from` to `to` at once (the batch); tickets no longer in `from`
/// are left as they are. Returns how many moved.
pub async fn set_statuses(
    conn: &mut Conn,
    ids: &[TicketId],
    from: Status,
    to: Status,
    now: Timestamp,
) -> StoreResult<u64> {
    let mut moved = 0;
    for chunk in ids.chunks(500) {
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 4)).collect();
        let sql = format!(
            "UPDATE tickets SET status = $1, updated_at = $2 WHERE status = $3 AND id IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql)
            .bind(to.as_str())
            .bind(ts_to_db(now))
            .bind(from.as_str());
        for id in chunk {
            query = query.bind(id.to_string());
        }
        moved += query.execute(&mut *conn).await?.rows_affected();
    }
    Ok(moved)
}

pub async fn touch(conn: &mut Conn, id: TicketId, now: Timestamp) -> StoreResult<()> {
    sqlx::query("UPDATE tickets SET updated_at = $1 WHERE id = $2")
        .bind(ts_to_db(now))
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Newest first; `requester` limits to one person's tickets; `before` is the last id seen.
pub async fn list(
    conn: &mut Conn,
    requester: Option<UserId>,
    before: Option<TicketId>,
    limit: i64,
) -> StoreResult<Vec<Ticket>> {
    Select::new(SELECT)
        .filter_opt("t.requester_id = ?", requester.map(|r| r.to_string()))
        .filter_opt("t.id < ?", before.map(|b| b.to_string()))
        .order_limit("t.id DESC", limit)
        .fetch(conn, from_row)
        .await
}

/// `'a', 'b'`: the statuses for which `keep` holds, from the domain, never from input.
fn statuses_where(keep: impl Fn(&Status) -> bool) -> String {
    Status::ALL
        .iter()
        .filter(|s| keep(s))
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Which of `dnis` are on an applicant of another open ticket of `kind`.
pub async fn dnis_in_other_open_tickets(
    conn: &mut Conn,
    kind: Kind,
    ticket_id: TicketId,
    dnis: &[Dni],
) -> StoreResult<Vec<Dni>> {
    let mut found = Vec::new();
    for chunk in dnis.chunks(500) {
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "SELECT DISTINCT a.dni FROM applicants a JOIN tickets t ON t.id = a.ticket_id \
             WHERE t.kind = $1 AND t.id <> $2 AND t.status IN ({}) AND a.dni IN ({})",
            statuses_where(Status::is_open),
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql)
            .bind(kind.as_str())
            .bind(ticket_id.to_string());
        for dni in chunk {
            query = query.bind(dni.as_str());
        }
        for row in query.fetch_all(&mut *conn).await? {
            found.push(row.parse("dni")?);
        }
    }
    Ok(found)
}

/// One line of a ticket's history.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub at: Timestamp,
    pub actor_id: Option<UserId>,
    pub actor_name: Option<String>,
    pub event: Event,
    pub from_status: Option<Status>,
    pub to_status: Status,
    pub comment: Option<String>,
}

/// A line to add to a ticket's history.
#[derive(Debug, Clone)]
pub struct NewHistory<'a> {
    pub ticket_id: TicketId,
    /// None for the system (the scheduled batch close).
    pub actor_id: Option<UserId>,
    pub event: Event,
    /// The status before, when the event changed it.
    pub from_status: Option<Status>,
    pub to_status: Status,
    pub comment: Option<&'a str>,
    /// The applicant the line is about (RENIEC answers per applicant).
    pub applicant_id: Option<ApplicantId>,
}

/// Appends lines to ticket histories, many at once when a batch moves many tickets.
pub async fn record_history(
    conn: &mut Conn,
    entries: &[NewHistory<'_>],
    now: Timestamp,
) -> StoreResult<()> {
    for chunk in entries.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO ticket_events (id, ticket_id, at, actor_id, event, from_status, to_status, comment, applicant_id) \
             VALUES {}",
            values_rows(chunk.len(), 9)
        );
        let mut query = sqlx::query(&sql);
        for e in chunk {
            query = query
                .bind(new_id::<uuid::Uuid>(now).to_string())
                .bind(e.ticket_id.to_string())
                .bind(ts_to_db(now))
                .bind(e.actor_id.map(|a| a.to_string()))
                .bind(e.event.code())
                .bind(e.from_status.map(|s| s.as_str()))
                .bind(e.to_status.as_str())
                .bind(e.comment)
                .bind(e.applicant_id.map(|a| a.to_string()));
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Oldest first.
pub async fn history(conn: &mut Conn, ticket_id: TicketId) -> StoreResult<Vec<HistoryEntry>> {
    let rows = sqlx::query(
        "SELECT e.*, u.name AS actor_name FROM ticket_events e LEFT JOIN users u ON u.id = e.actor_id \
         WHERE e.ticket_id = $1 ORDER BY e.at ASC, e.id ASC",
    )
    .bind(ticket_id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let code: String = row.try_get("event")?;
            Ok(HistoryEntry {
                at: row.ts("at")?,
                actor_id: row.parse_opt("actor_id")?,
                actor_name: row.try_get("actor_name")?,
                event: Event::parse(&code)
                    .map_err(|_| StoreError::Corrupt(format!("ticket event code {code}")))?,
                from_status: row.parse_opt("from_status")?,
                to_status: row.parse("to_status")?,
                comment: row.try_get("comment")?,
            })
        })
        .collect()
}

/// A place in the queue, as the API and the pages page through it: the last ticket seen,
/// written `<submitted_at µs>_<id>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueCursor {
    pub submitted_at: Timestamp,
    pub id: TicketId,
}

impl QueueCursor {
    /// The cursor after `ticket` (a queued ticket always has a submission time).
    pub fn after(ticket: &Ticket) -> Self {
        QueueCursor {
            submitted_at: ticket.submitted_at.unwrap_or(ticket.created_at),
            id: ticket.id,
        }
    }
}

impl fmt::Display for QueueCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}", self.submitted_at.as_microsecond(), self.id)
    }
}

/// A cursor that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("El cursor de la cola no es válido: vuelva a la primera página.")]
pub struct BadCursor;

impl FromStr for QueueCursor {
    type Err = BadCursor;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (micros, id) = s.trim().split_once('_').ok_or(BadCursor)?;
        let micros: i64 = micros.parse().map_err(|_| BadCursor)?;
        Ok(QueueCursor {
            submitted_at: Timestamp::from_microsecond(micros).map_err(|_| BadCursor)?,
            id: id.parse().map_err(|_| BadCursor)?,
        })
    }
}

/// The queue in strict FIFO order by last submission, after `after` if given.
pub async fn queue(
    conn: &mut Conn,
    kind: Option<Kind>,
    status: Option<Status>,
    after: Option<QueueCursor>,
    limit: i64,
) -> StoreResult<Vec<Ticket>> {
    // The page is chosen from the queue index alone, then its names are joined: planning the
    // joins with it, PostgreSQL misjudged how many tickets lie past a cursor (the newest
    // submissions are past its statistics) and joined all of them before sorting (10-14 ms
    // a page). SQLite 3.46's planner preferred sorting every waiting ticket (6.5 ms at 1M
    // tickets) to walking the index (0.07 ms), so it is named there; BENCHMARKS.md.
    let mut select = Select::new(&format!(
        "SELECT * FROM tickets t{}",
        super::index_hint(conn, "tickets_in_queue")
    ))
    .where_sql(&format!(
        "t.status IN ({})",
        statuses_where(Status::is_in_queue)
    ))
    .filter_opt("t.kind = ?", kind.map(|k| k.as_str()))
    .filter_opt("t.status = ?", status.map(|s| s.as_str()));
    if let Some(after) = after {
        // A row value, which both databases read as a range of the index; spelled out with
        // OR, PostgreSQL filtered the index from its start (11 ms a page 100 pages deep).
        select = select.filter_pair(
            "(t.submitted_at, t.id) > (?1, ?2)",
            ts_to_db(after.submitted_at),
            after.id.to_string(),
        );
    }
    select
        .order_limit("t.submitted_at ASC, t.id ASC", limit)
        .wrapped(NAMES_OF_PAGE.0, NAMES_OF_PAGE.1)
        .order_by("t.submitted_at ASC, t.id ASC")
        .fetch(conn, from_row)
        .await
}

/// 1-based place in the queue of a ticket that is waiting in it.
pub async fn queue_position(conn: &mut Conn, at: QueueCursor) -> StoreResult<i64> {
    let row = sqlx::query(&format!(
        "SELECT COUNT(*) AS n FROM tickets WHERE status IN ({}) \
         AND (submitted_at, id) < ($1, $2)",
        statuses_where(Status::is_in_queue)
    ))
    .bind(ts_to_db(at.submitted_at))
    .bind(at.id.to_string())
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")? + 1)
}

/// How many tickets waiting to be taken (enviado) arrived before `at`: taking `at` now
/// would skip them.
pub async fn waiting_before(conn: &mut Conn, at: QueueCursor) -> StoreResult<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM tickets WHERE status = $1 \
         AND (submitted_at, id) < ($2, $3)",
    )
    .bind(Status::Enviado.as_str())
    .bind(ts_to_db(at.submitted_at))
    .bind(at.id.to_string())
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("n")?)
}

/// Nobody attends the ticket any more (it went back to the queue).
pub async fn unassign(conn: &mut Conn, id: TicketId) -> StoreResult<()> {
    sqlx::query("UPDATE tickets SET assigned_to = NULL WHERE id = $1")
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn assign(conn: &mut Conn, id: TicketId, analyst_id: UserId) -> StoreResult<()> {
    sqlx::query("UPDATE tickets SET assigned_to = $1 WHERE id = $2")
        .bind(analyst_id.to_string())
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_appointment(
    conn: &mut Conn,
    id: TicketId,
    appointment: &Appointment,
) -> StoreResult<()> {
    sqlx::query("UPDATE tickets SET appointment_at = $1, appointment_note = $2 WHERE id = $3")
        .bind(ts_to_db(appointment.at))
        .bind(appointment.note.as_deref())
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_queue_cursor_round_trips_and_anything_else_is_refused() {
        let cursor = QueueCursor {
            submitted_at: Timestamp::from_microsecond(1_764_690_000_000_000).unwrap(),
            id: "0192f0c4-7e2a-7cc0-8a7e-6c1f0f6f2b11".parse().unwrap(),
        };
        let text = cursor.to_string();
        assert_eq!(
            text,
            "1764690000000000_0192f0c4-7e2a-7cc0-8a7e-6c1f0f6f2b11"
        );
        assert_eq!(text.parse::<QueueCursor>().unwrap(), cursor);
        for bad in ["", "x_1", "15_", "15_no-es-un-id", "15"] {
            assert_eq!(bad.parse::<QueueCursor>(), Err(BadCursor), "{bad}");
        }
    }

    /// A planner uses a partial index only when the query's condition implies the index's:
    /// the queue index (migration 0018) must keep naming exactly the statuses the queue
    /// query writes, on both databases.
    #[test]
    fn the_queue_index_names_the_statuses_the_queue_query_writes() {
        let condition = format!("WHERE status IN ({});", statuses_where(Status::is_in_queue));
        for migration in [
            include_str!("../../migrations/sqlite/0018_performance.sql"),
            include_str!("../../migrations/postgres/0018_performance.sql"),
        ] {
            let index = migration
                .lines()
                .find(|l| l.starts_with("CREATE INDEX tickets_in_queue"))
                .unwrap();
            assert!(index.ends_with(&condition), "{index} vs {condition}");
        }
    }
}

/// Who did `event` on the ticket last (the analyst who observed it, for instance).
pub async fn last_actor_of(
    conn: &mut Conn,
    ticket_id: TicketId,
    event: Event,
) -> StoreResult<Option<UserId>> {
    match last_event(conn, ticket_id, event).await? {
        Some(row) => row.parse_opt("actor_id"),
        None => Ok(None),
    }
}

/// The last `event` on the ticket (its `actor_id` and `comment`), if any.
async fn last_event(
    conn: &mut Conn,
    ticket_id: TicketId,
    event: Event,
) -> StoreResult<Option<AnyRow>> {
    Ok(sqlx::query(
        "SELECT actor_id, comment FROM ticket_events WHERE ticket_id = $1 AND event = $2 \
         ORDER BY at DESC, id DESC LIMIT 1",
    )
    .bind(ticket_id.to_string())
    .bind(event.code())
    .fetch_optional(&mut *conn)
    .await?)
}

/// How many times `event` was recorded on the ticket.
pub async fn count_events(conn: &mut Conn, ticket_id: TicketId, event: Event) -> StoreResult<i64> {
    let row =
        sqlx::query("SELECT COUNT(*) AS n FROM ticket_events WHERE ticket_id = $1 AND event = $2")
            .bind(ticket_id.to_string())
            .bind(event.code())
            .fetch_one(&mut *conn)
            .await?;
    Ok(row.try_get("n")?)
}

/// A ticket's number and kind with the account that filed it, as notices need them.
#[derive(Debug, Clone)]
pub struct Filed {
    pub id: TicketId,
    pub number: TicketNumber,
    pub kind: Kind,
    pub requester: super::users::User,
}

/// The tickets of `ids` with their requesters, one query per 500 tickets.
pub async fn filed(conn: &mut Conn, ids: &[TicketId]) -> StoreResult<Vec<Filed>> {
    let user_columns: Vec<String> = super::users::COLUMNS
        .split(", ")
        .map(|c| format!("u.{c}"))
        .collect();
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "SELECT t.id AS ticket_id, t.number, t.kind, {} \
             FROM tickets t JOIN users u ON u.id = t.requester_id WHERE t.id IN {}",
            user_columns.join(", "),
            values_rows(1, chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(id.to_string());
        }
        for row in query.fetch_all(&mut *conn).await? {
            out.push(Filed {
                id: row.parse("ticket_id")?,
                number: row.parse("number")?,
                kind: row.parse("kind")?,
                requester: super::users::from_row(&row)?,
            });
        }
    }
    Ok(out)
}

/// How many tickets wait in the queue (enviado and en_atencion).
pub async fn queue_count(conn: &mut Conn) -> StoreResult<i64> {
    let row = sqlx::query(&format!(
        "SELECT COUNT(*) AS n FROM tickets WHERE status IN ({})",
        statuses_where(Status::is_in_queue)
    ))
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("n")?)
}

/// One word of a ticket search, as the store matches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// A ticket number: its sequence, and its year when the word gave one.
    Number { year: Option<i16>, seq: u32 },
    /// The start of a DNI (an applicant's, or the holder's of the certificate named).
    Dni(String),
    /// Text, already folded ([`super::sql::fold`]), found in a name: an applicant's, the
    /// requester's or the holder's of the certificate named.
    Text(String),
}

/// What a ticket search asks for; every part that is given must hold.
#[derive(Debug, Clone, Default)]
pub struct TicketSearch {
    /// Only this person's tickets.
    pub requester: Option<UserId>,
    /// Only tickets in one of these statuses (none: any).
    pub statuses: Vec<Status>,
    pub kind: Option<Kind>,
    /// Every term must match.
    pub terms: Vec<Term>,
}

/// Where a page of a newest-first list starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageAt {
    /// The newest.
    First,
    /// Older than this ticket (the next page).
    Before(TicketId),
    /// Newer than this ticket (the previous page).
    After(TicketId),
}

/// The names a text term is looked for in, folded.
fn name_match() -> String {
    use super::sql::fold_sql;
    format!(
        "({} LIKE ? ESCAPE '\\' \
         OR EXISTS (SELECT 1 FROM applicants sa WHERE sa.ticket_id = t.id AND {} LIKE ? ESCAPE '\\') \
         OR EXISTS (SELECT 1 FROM certificates sc WHERE sc.id = t.certificate_id AND {} LIKE ? ESCAPE '\\'))",
        fold_sql("u.name"),
        fold_sql("sa.paternal_surname || ' ' || COALESCE(sa.maternal_surname, '') || ' ' || sa.given_names"),
        fold_sql("sc.holder_name"),
    )
}

/// A page of tickets matching `search`, newest first, at most `limit`.
pub async fn search(
    conn: &mut Conn,
    search: &TicketSearch,
    at: PageAt,
    limit: i64,
) -> StoreResult<Vec<Ticket>> {
    let mut select = Select::new(SELECT)
        .filter_opt(
            "t.requester_id = ?",
            search.requester.map(|r| r.to_string()),
        )
        .filter_opt("t.kind = ?", search.kind.map(|k| k.as_str()));
    if !search.statuses.is_empty() {
        select = select.where_sql(&format!(
            "t.status IN ({})",
            statuses_where(|s| search.statuses.contains(s))
        ));
    }
    for term in &search.terms {
        select = match term {
            Term::Number {
                year: Some(year),
                seq,
            } => select.filter_pair(
                "(t.year = ?1 AND t.seq = ?2)",
                i64::from(*year),
                i64::from(*seq),
            ),
            // Every year that has numbers, so that the (year, seq) index answers.
            Term::Number { year: None, seq } => select.filter(
                "(t.year IN (SELECT year FROM ticket_counters) AND t.seq = ?)",
                i64::from(*seq),
            ),
            // A range of the DNI indexes (a DNI is digits, and ':' sorts right after '9'),
            // so the matching tickets are found from the few applicants and certificates
            // with that DNI instead of by reading every ticket (BENCHMARKS.md).
            Term::Dni(start) => select.filter_pair(
                "(t.id IN (SELECT sa.ticket_id FROM applicants sa WHERE sa.dni >= ?1 AND sa.dni < ?2) \
                 OR t.certificate_id IN (SELECT sc.id FROM certificates sc WHERE sc.dni >= ?1 AND sc.dni < ?2))",
                start.clone(),
                format!("{start}:"),
            ),
            Term::Text(text) => {
                select.filter(&name_match(), super::sql::contains_pattern(text))
            }
        };
    }
    let mut found = match at {
        PageAt::First => select.order_limit("t.id DESC", limit),
        PageAt::Before(id) => select
            .filter("t.id < ?", id.to_string())
            .order_limit("t.id DESC", limit),
        PageAt::After(id) => select
            .filter("t.id > ?", id.to_string())
            .order_limit("t.id ASC", limit),
    }
    .fetch(conn, from_row)
    .await?;
    if matches!(at, PageAt::After(_)) {
        found.reverse();
    }
    Ok(found)
}

/// The comment of the last `event` on the ticket (the observation being answered), if any.
pub async fn last_comment(
    conn: &mut Conn,
    ticket_id: TicketId,
    event: Event,
) -> StoreResult<Option<String>> {
    match last_event(conn, ticket_id, event).await? {
        Some(row) => Ok(row.try_get("comment")?),
        None => Ok(None),
    }
}

/// A ticket's applicants in short: name and DNI, for lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicantBrief {
    pub ticket_id: TicketId,
    pub full_name: String,
    pub dni: Dni,
}

/// The applicants of `ids`, in registration order, one query per 500 tickets.
pub async fn applicant_briefs(
    conn: &mut Conn,
    ids: &[TicketId],
) -> StoreResult<Vec<ApplicantBrief>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "SELECT ticket_id, dni, paternal_surname, maternal_surname, given_names \
             FROM applicants WHERE ticket_id IN {} ORDER BY created_at, id",
            values_rows(1, chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(id.to_string());
        }
        for row in query.fetch_all(&mut *conn).await? {
            out.push(ApplicantBrief {
                ticket_id: row.parse("ticket_id")?,
                full_name: super::applicants::full_name_of(&row)?,
                dni: row.parse("dni")?,
            });
        }
    }
    Ok(out)
}
