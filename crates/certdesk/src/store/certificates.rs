//! The certificate registry: each staff member's certificates and their dates.

use domain::{
    certificate::{self, CertificateState, Medium, Ownership},
    identity::Dni,
    ids::{ApplicantId, CertificateId, UserId},
};
use jiff::{civil::Date, Timestamp};
use sqlx::{any::AnyRow, Row};

use super::{
    new_id,
    sql::{date_to_db, RowExt, Select},
    ts_to_db, Conn, StoreError, StoreResult,
};

#[derive(Debug, Clone)]
pub struct Certificate {
    pub id: CertificateId,
    pub owner_id: UserId,
    pub holder_name: String,
    pub dni: Dni,
    pub applicant_id: Option<ApplicantId>,
    pub medium: Option<Medium>,
    pub ownership: Option<Ownership>,
    pub issued_on: Option<Date>,
    pub expires_on: Option<Date>,
    pub serial: Option<String>,
    pub subject: Option<String>,
    pub state: CertificateState,
    pub delivery_sent_on: Option<Date>,
    pub download_deadline: Option<Date>,
    /// The stored public part (.cer), when one was attached: its dates came from it.
    pub public_part_sha256: Option<String>,
    pub created_at: Timestamp,
}

fn from_row(row: &AnyRow) -> StoreResult<Certificate> {
    Ok(Certificate {
        id: row.parse("id")?,
        owner_id: row.parse("owner_id")?,
        holder_name: row.try_get("holder_name")?,
        dni: row.parse("dni")?,
        applicant_id: row.parse_opt("applicant_id")?,
        medium: row.parse_opt("medium")?,
        ownership: row.parse_opt("ownership")?,
        issued_on: row.parse_opt("issued_on")?,
        expires_on: row.parse_opt("expires_on")?,
        serial: row.try_get("serial")?,
        subject: row.try_get("subject")?,
        state: row.parse("state")?,
        delivery_sent_on: row.parse_opt("delivery_sent_on")?,
        download_deadline: row.parse_opt("download_deadline")?,
        public_part_sha256: row.try_get("public_part_sha256")?,
        created_at: row.ts("created_at")?,
    })
}

/// A certificate to record.
#[derive(Debug, Clone)]
pub struct NewCertificate<'a> {
    pub owner_id: UserId,
    pub holder_name: &'a str,
    pub dni: &'a Dni,
    pub applicant_id: Option<ApplicantId>,
    pub medium: Option<Medium>,
    pub ownership: Option<Ownership>,
    pub issued_on: Option<Date>,
    pub expires_on: Option<Date>,
    pub state: CertificateState,
    pub delivery_sent_on: Option<Date>,
    pub download_deadline: Option<Date>,
}

pub async fn insert(
    conn: &mut Conn,
    c: &NewCertificate<'_>,
    now: Timestamp,
) -> StoreResult<CertificateId> {
    let id: CertificateId = new_id(now);
    sqlx::query(
        "INSERT INTO certificates (id, owner_id, holder_name, dni, applicant_id, medium, ownership, \
         issued_on, expires_on, state, delivery_sent_on, download_deadline, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(id.to_string())
    .bind(c.owner_id.to_string())
    .bind(c.holder_name)
    .bind(c.dni.as_str())
    .bind(c.applicant_id.map(|a| a.to_string()))
    .bind(c.medium.map(|m| m.as_str()))
    .bind(c.ownership.map(|o| o.as_str()))
    .bind(c.issued_on.map(date_to_db))
    .bind(c.expires_on.map(date_to_db))
    .bind(c.state.as_str())
    .bind(c.delivery_sent_on.map(date_to_db))
    .bind(c.download_deadline.map(date_to_db))
    .bind(ts_to_db(now))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn by_id(conn: &mut Conn, id: CertificateId) -> StoreResult<Certificate> {
    Select::new("SELECT * FROM certificates")
        .filter("id = ?", id.to_string())
        .one(conn, from_row)
        .await
}

/// Newest first; `owner` limits to one person's certificates; `before` is the last id seen.
pub async fn list(
    conn: &mut Conn,
    owner: Option<UserId>,
    before: Option<CertificateId>,
    limit: i64,
) -> StoreResult<Vec<Certificate>> {
    Select::new("SELECT * FROM certificates")
        .filter_opt("owner_id = ?", owner.map(|o| o.to_string()))
        .filter_opt("id < ?", before.map(|b| b.to_string()))
        .order_limit("id DESC", limit)
        .fetch(conn, from_row)
        .await
}

/// What a registry list shows: whose, which words, which state, which expiries.
#[derive(Debug, Clone, Default)]
pub struct CertificateFilter {
    /// Only this person's certificates.
    pub owner: Option<UserId>,
    /// Words that must each appear in the holder's name, the DNI or the serial (folded: case
    /// and Spanish accents do not matter).
    pub words: Vec<String>,
    pub state: Option<CertificateState>,
    /// Only certificates expiring between these dates, both included.
    pub expiring: Option<(Date, Date)>,
}

/// `column` folded in SQL as `domain::certificate::fold` folds text, on both databases:
/// each letter of the table replaced, then `lower` (which SQLite applies to ASCII only).
fn folded(column: &str) -> String {
    let mut sql = column.to_owned();
    for (from, to) in certificate::FOLDED_LETTERS {
        sql = format!("replace({sql}, '{from}', '{to}')");
    }
    format!("lower({sql})")
}

/// A `LIKE` pattern that finds `word` anywhere, its own `%`, `_` and `\` taken literally.
fn contains_pattern(word: &str) -> String {
    let mut escaped = String::with_capacity(word.len() + 2);
    for c in certificate::fold(word).chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    format!("%{escaped}%")
}

/// Newest first, as `filter` says; `before` is the last id seen.
pub async fn search(
    conn: &mut Conn,
    filter: &CertificateFilter,
    before: Option<CertificateId>,
    limit: i64,
) -> StoreResult<Vec<Certificate>> {
    let matches = format!(
        "({} LIKE ? ESCAPE '\\' OR dni LIKE ? ESCAPE '\\' OR {} LIKE ? ESCAPE '\\')",
        folded("holder_name"),
        folded("COALESCE(serial, '')")
    );
    let mut select = Select::new("SELECT * FROM certificates")
        .filter_opt("owner_id = ?", filter.owner.map(|o| o.to_string()))
        .filter_opt("state = ?", filter.state.map(|s| s.as_str()))
        .filter_opt("id < ?", before.map(|b| b.to_string()));
    for word in &filter.words {
        select = select.filter(&matches, contains_pattern(word));
    }
    if let Some((from, to)) = filter.expiring {
        select = select.filter_pair(
            "expires_on IS NOT NULL AND expires_on >= ?1 AND expires_on <= ?2",
            date_to_db(from),
            date_to_db(to),
        );
    }
    select
        .order_limit("id DESC", limit)
        .fetch(conn, from_row)
        .await
}

/// `'a', 'b'`: the usable states (installed, or approved and waiting), from the domain.
fn usable_states() -> String {
    CertificateState::ALL
        .iter()
        .filter(|s| s.is_usable())
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every usable certificate with this DNI, whoever it names as holder (the 10-day rule
/// picks among them, and the review page flags the ones of another name), newest first.
pub async fn usable_for_dni(conn: &mut Conn, dni: &Dni) -> StoreResult<Vec<Certificate>> {
    let rows = sqlx::query(&format!(
        "SELECT * FROM certificates WHERE dni = $1 AND state IN ({}) ORDER BY id DESC",
        usable_states()
    ))
    .bind(dni.as_str())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Changes a certificate's state (and, when given, its medium, ownership, serial, reason).
#[derive(Debug, Default)]
pub struct CertificateUpdate<'a> {
    pub state: Option<CertificateState>,
    pub medium: Option<Medium>,
    pub ownership: Option<Ownership>,
    pub serial: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub issued_on: Option<Date>,
    pub expires_on: Option<Date>,
    pub crl_reason: Option<u8>,
    pub public_part_sha256: Option<&'a str>,
}

pub async fn update(
    conn: &mut Conn,
    id: CertificateId,
    u: &CertificateUpdate<'_>,
    now: Timestamp,
) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE certificates SET state = COALESCE($1, state), medium = COALESCE($2, medium), \
         ownership = COALESCE($3, ownership), serial = COALESCE($4, serial), subject = COALESCE($5, subject), \
         issued_on = COALESCE($6, issued_on), expires_on = COALESCE($7, expires_on), \
         crl_reason = COALESCE($8, crl_reason), public_part_sha256 = COALESCE($9, public_part_sha256), \
         updated_at = $10 WHERE id = $11",
    )
    .bind(u.state.map(|s| s.as_str()))
    .bind(u.medium.map(|m| m.as_str()))
    .bind(u.ownership.map(|o| o.as_str()))
    .bind(u.serial)
    .bind(u.subject)
    .bind(u.issued_on.map(date_to_db))
    .bind(u.expires_on.map(date_to_db))
    .bind(u.crl_reason.map(i64::from))
    .bind(u.public_part_sha256)
    .bind(ts_to_db(now))
    .bind(id.to_string())
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Certificates whose dates can still change their state and whose expiry falls in
/// `from..=to` (`from` open when `None`), and those waiting to be downloaded whose download
/// deadline does (the deadline means nothing once installed): the day's candidates of the
/// state refresh and of the reminders, read through the `(state, expires_on)` and
/// `(state, download_deadline)` indexes rather than by reading every certificate.
pub async fn not_final_dated(
    conn: &mut Conn,
    from: Option<Date>,
    to: Date,
) -> StoreResult<Vec<Certificate>> {
    let states: Vec<String> = CertificateState::ALL
        .iter()
        .filter(|s| !s.is_final())
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    let states = states.join(", ");
    let sql = format!(
        "SELECT * FROM certificates WHERE state IN ({states}) \
           AND expires_on <= $1 AND expires_on >= $2 \
         UNION SELECT * FROM certificates WHERE state = '{pending}' \
           AND download_deadline <= $1 AND download_deadline >= $2",
        pending = CertificateState::PendienteDescarga.as_str()
    );
    // Dates are stored as YYYY-MM-DD, which sorts as text; "0000-00-00" is before all.
    let from = from
        .map(date_to_db)
        .unwrap_or_else(|| "0000-00-00".to_owned());
    let rows = sqlx::query(&sql)
        .bind(date_to_db(to))
        .bind(from)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(from_row).collect()
}
