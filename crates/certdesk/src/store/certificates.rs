//! The certificate registry: each staff member's certificates and their dates.

use domain::certificate::{CertificateState, Medium, Ownership};
use jiff::{civil::Date, Timestamp};
use sqlx::{any::AnyRow, Row};

use super::{new_id, ts_from_db, ts_to_db, Conn, StoreError, StoreResult};

#[derive(Debug, Clone)]
pub struct Certificate {
    pub id: String,
    pub owner_id: String,
    pub holder_name: String,
    pub dni: String,
    pub applicant_id: Option<String>,
    pub medium: Option<Medium>,
    pub ownership: Option<Ownership>,
    pub issued_on: Option<Date>,
    pub expires_on: Option<Date>,
    pub serial: Option<String>,
    pub subject: Option<String>,
    pub state: CertificateState,
    pub delivery_sent_on: Option<Date>,
    pub download_deadline: Option<Date>,
    pub created_at: Timestamp,
}

fn date(row: &AnyRow, column: &str) -> StoreResult<Option<Date>> {
    let raw: Option<String> = row.try_get(column)?;
    raw.map(|d| {
        d.parse()
            .map_err(|_| StoreError::Corrupt(format!("{column} {d}")))
    })
    .transpose()
}

fn parsed<T: std::str::FromStr>(row: &AnyRow, column: &str) -> StoreResult<Option<T>> {
    let raw: Option<String> = row.try_get(column)?;
    raw.map(|v| {
        v.parse()
            .map_err(|_| StoreError::Corrupt(format!("{column} {v}")))
    })
    .transpose()
}

fn from_row(row: &AnyRow) -> StoreResult<Certificate> {
    Ok(Certificate {
        id: row.try_get("id")?,
        owner_id: row.try_get("owner_id")?,
        holder_name: row.try_get("holder_name")?,
        dni: row.try_get("dni")?,
        applicant_id: row.try_get("applicant_id")?,
        medium: parsed(row, "medium")?,
        ownership: parsed(row, "ownership")?,
        issued_on: date(row, "issued_on")?,
        expires_on: date(row, "expires_on")?,
        serial: row.try_get("serial")?,
        subject: row.try_get("subject")?,
        state: parsed(row, "state")?
            .ok_or_else(|| StoreError::Corrupt("certificate without state".into()))?,
        delivery_sent_on: date(row, "delivery_sent_on")?,
        download_deadline: date(row, "download_deadline")?,
        created_at: ts_from_db(row.try_get("created_at")?)?,
    })
}

/// A certificate to record.
#[derive(Debug, Clone)]
pub struct NewCertificate<'a> {
    pub owner_id: &'a str,
    pub holder_name: &'a str,
    pub dni: &'a str,
    pub applicant_id: Option<&'a str>,
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
) -> StoreResult<String> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO certificates (id, owner_id, holder_name, dni, applicant_id, medium, ownership, \
         issued_on, expires_on, state, delivery_sent_on, download_deadline, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&id)
    .bind(c.owner_id)
    .bind(c.holder_name)
    .bind(c.dni)
    .bind(c.applicant_id)
    .bind(c.medium.map(|m| m.as_str()))
    .bind(c.ownership.map(|o| o.as_str()))
    .bind(c.issued_on.map(|d| d.to_string()))
    .bind(c.expires_on.map(|d| d.to_string()))
    .bind(c.state.as_str())
    .bind(c.delivery_sent_on.map(|d| d.to_string()))
    .bind(c.download_deadline.map(|d| d.to_string()))
    .bind(ts_to_db(now))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn by_id(conn: &mut Conn, id: &str) -> StoreResult<Certificate> {
    let row = sqlx::query("SELECT * FROM certificates WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// Newest first; `owner` limits to one person's certificates; `before` is the last id seen.
pub async fn list(
    conn: &mut Conn,
    owner: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<Certificate>> {
    let mut sql = String::from("SELECT * FROM certificates WHERE 1 = 1");
    let mut n = 0;
    if owner.is_some() {
        n += 1;
        sql.push_str(&format!(" AND owner_id = ${n}"));
    }
    if before.is_some() {
        n += 1;
        sql.push_str(&format!(" AND id < ${n}"));
    }
    sql.push_str(&format!(" ORDER BY id DESC LIMIT ${}", n + 1));
    let mut query = sqlx::query(&sql);
    if let Some(owner) = owner {
        query = query.bind(owner);
    }
    if let Some(before) = before {
        query = query.bind(before);
    }
    let rows = query.bind(limit).fetch_all(&mut *conn).await?;
    rows.iter().map(from_row).collect()
}

/// The expiry date of the latest certificate on record for a DNI (for the 10-day rule when
/// the applicant did not type it).
pub async fn latest_expiry_for_dni(conn: &mut Conn, dni: &str) -> StoreResult<Option<Date>> {
    let row = sqlx::query(
        "SELECT MAX(expires_on) AS e FROM certificates WHERE dni = $1 AND state IN ('instalado', 'pendiente_descarga')",
    )
    .bind(dni)
    .fetch_one(&mut *conn)
    .await?;
    let raw: Option<String> = row.try_get("e")?;
    raw.map(|d| {
        d.parse()
            .map_err(|_| StoreError::Corrupt(format!("expires_on {d}")))
    })
    .transpose()
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
    id: &str,
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
    .bind(u.issued_on.map(|d| d.to_string()))
    .bind(u.expires_on.map(|d| d.to_string()))
    .bind(u.crl_reason.map(i64::from))
    .bind(u.public_part_sha256)
    .bind(ts_to_db(now))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Certificates whose state dates can still change it.
pub async fn not_final(conn: &mut Conn) -> StoreResult<Vec<Certificate>> {
    let rows = sqlx::query("SELECT * FROM certificates WHERE state IN ('pendiente_descarga', 'instalado', 'descarga_vencida')")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(from_row).collect()
}
