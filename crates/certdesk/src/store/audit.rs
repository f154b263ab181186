//! The audit log's rows: appended unsealed inside the change's transaction, then sealed
//! (numbered and hash-chained) in order by one sealer at a time. See migration 0011.

use domain::audit::AuditRecord;
use jiff::Timestamp;
use sqlx::{any::AnyRow, Row};

use super::{
    sql::{values_rows, RowExt, Select, ROWS_PER_INSERT},
    ts_to_db, Backend, Conn, StoreResult,
};

/// An entry to append.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub at: Timestamp,
    pub actor_id: Option<&'a str>,
    pub action: &'a str,
    pub subject: &'a str,
    pub detail: &'a str,
    pub ip: Option<&'a str>,
}

/// A stored entry, sealed or not.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Insertion order (not part of the chain).
    pub id: i64,
    pub seq: Option<i64>,
    pub at: Timestamp,
    pub actor_id: Option<String>,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub ip: Option<String>,
    pub hash: Option<String>,
}

impl Entry {
    /// The hashed part, as entry number `seq` of the chain.
    pub fn record(&self, seq: i64) -> AuditRecord {
        AuditRecord {
            seq,
            at: self.at,
            actor: self.actor_id.clone(),
            action: self.action.clone(),
            subject: self.subject.clone(),
            detail: self.detail.clone(),
            ip: self.ip.clone(),
        }
    }
}

fn from_row(row: &AnyRow) -> StoreResult<Entry> {
    Ok(Entry {
        id: row.try_get("id")?,
        seq: row.try_get("seq")?,
        at: row.ts("at")?,
        actor_id: row.try_get("actor_id")?,
        action: row.try_get("action")?,
        subject: row.try_get("subject")?,
        detail: row.try_get("detail")?,
        ip: row.try_get("ip")?,
        hash: row.try_get("hash")?,
    })
}

const COLUMNS: &str = "id, seq, at, actor_id, action, subject, detail, ip, hash";

/// Appends unsealed entries, many per statement (a batch writes thousands at once).
pub async fn append(conn: &mut Conn, entries: &[NewEntry<'_>]) -> StoreResult<()> {
    for chunk in entries.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO audit_log (at, actor_id, action, subject, detail, ip) VALUES {}",
            values_rows(chunk.len(), 6)
        );
        let mut query = sqlx::query(&sql);
        for e in chunk {
            query = query
                .bind(ts_to_db(e.at))
                .bind(e.actor_id)
                .bind(e.action)
                .bind(e.subject)
                .bind(e.detail)
                .bind(e.ip);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Makes the caller's transaction the only sealer until it ends. On SQLite the write
/// transaction (`BEGIN IMMEDIATE`) already excludes every other writer; PostgreSQL takes a
/// transaction-scoped advisory lock.
pub async fn lock_sealer(conn: &mut Conn, backend: Backend) -> StoreResult<()> {
    if backend == Backend::Postgres {
        // An arbitrary constant, the same in every instance: "certdesk audit" in ASCII.
        sqlx::query("SELECT pg_advisory_xact_lock(7234617560273519220)")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The last sealed entry's number and hash, if any entry is sealed.
pub async fn head(conn: &mut Conn) -> StoreResult<Option<(i64, String)>> {
    let row = sqlx::query(
        "SELECT seq, hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| Ok((r.try_get("seq")?, r.try_get("hash")?)))
        .transpose()
}

/// Up to `limit` unsealed entries, in insertion order.
pub async fn unsealed(conn: &mut Conn, limit: i64) -> StoreResult<Vec<Entry>> {
    Select::new(&format!("SELECT {COLUMNS} FROM audit_log"))
        .where_sql("seq IS NULL")
        .order_limit("id", limit)
        .fetch(conn, from_row)
        .await
}

/// Seals one entry as number `seq` with its chained hash.
pub async fn seal(conn: &mut Conn, id: i64, seq: i64, hash: &str) -> StoreResult<()> {
    sqlx::query("UPDATE audit_log SET seq = $1, hash = $2 WHERE id = $3 AND seq IS NULL")
        .bind(seq)
        .bind(hash)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Sealed entries after number `after`, in chain order, up to `limit` (for verifying).
pub async fn sealed_after(conn: &mut Conn, after: i64, limit: i64) -> StoreResult<Vec<Entry>> {
    Select::new(&format!("SELECT {COLUMNS} FROM audit_log"))
        .filter("seq > ?", after)
        .order_limit("seq", limit)
        .fetch(conn, from_row)
        .await
}

/// Entries still unsealed.
pub async fn count_unsealed(conn: &mut Conn) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE seq IS NULL")
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get("n")?)
}

/// What to look for in the log; every part optional.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub actor_id: Option<String>,
    pub subject: Option<String>,
    /// An exact action code (`auth.login`), or an area without a dot (`ticket`, `auth`)
    /// matching all its codes.
    pub action: Option<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// Keyset cursor: entries numbered below this one.
    pub before_seq: Option<i64>,
}

/// A sealed entry with its actor's name and e-mail, for the log's readers.
#[derive(Debug, Clone)]
pub struct Listed {
    pub entry: Entry,
    pub actor_name: Option<String>,
    pub actor_email: Option<String>,
    /// The ticket's number when the subject is a ticket.
    pub ticket_number: Option<String>,
    /// The account's name when the subject is a user.
    pub subject_user_name: Option<String>,
}

/// Sealed entries matching `filter`, newest first.
pub async fn search(conn: &mut Conn, filter: &Filter, limit: i64) -> StoreResult<Vec<Listed>> {
    let mut select = Select::new(
        "SELECT a.id, a.seq, a.at, a.actor_id, a.action, a.subject, a.detail, a.ip, a.hash, \
         u.name AS actor_name, u.email AS actor_email, \
         t.number AS ticket_number, su.name AS subject_user_name \
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id \
         LEFT JOIN tickets t ON a.subject LIKE 'ticket:%' AND t.id = SUBSTR(a.subject, 8) \
         LEFT JOIN users su ON a.subject LIKE 'user:%' AND su.id = SUBSTR(a.subject, 6)",
    )
    .where_sql("a.seq IS NOT NULL")
    .filter_opt("a.actor_id = ?", filter.actor_id.clone())
    .filter_opt("a.subject = ?", filter.subject.clone());
    select = match filter.action.as_deref() {
        Some(code) if code.contains('.') => select.filter("a.action = ?", code),
        // An area (`ticket`, `auth`): every code under it.
        Some(area) => select.filter(
            "a.action LIKE ? ESCAPE '\\'",
            format!("{}.%", area.replace('_', "\\_")),
        ),
        None => select,
    };
    select
        .filter_opt("a.at >= ?", filter.from.map(ts_to_db))
        .filter_opt("a.at < ?", filter.to.map(ts_to_db))
        .filter_opt("a.seq < ?", filter.before_seq)
        .order_limit("a.seq DESC", limit)
        .fetch(conn, |row| {
            Ok(Listed {
                entry: from_row(row)?,
                actor_name: row.try_get("actor_name")?,
                actor_email: row.try_get("actor_email")?,
                ticket_number: row.try_get("ticket_number")?,
                subject_user_name: row.try_get("subject_user_name")?,
            })
        })
        .await
}
