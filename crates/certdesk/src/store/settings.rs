//! Settings an admin may change (key → text value), with defaults seeded by migrations.

use sqlx::Row;

use super::{Conn, StoreResult};

pub const INSTITUTIONAL_DOMAINS: &str = "institutional_domains";
pub const ENTITY_NAME: &str = "entity_name";
pub const DEMO_LOADED: &str = "demo_loaded";

pub async fn get(conn: &mut Conn, key: &str) -> StoreResult<Option<String>> {
    let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match row {
        Some(row) => Some(row.try_get("value")?),
        None => None,
    })
}

pub async fn set(conn: &mut Conn, key: &str, value: &str) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets the key only when absent; true when this call set it.
pub async fn set_once(conn: &mut Conn, key: &str, value: &str) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(value)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The configured institutional e-mail domains (comma-separated in storage).
pub async fn institutional_domains(conn: &mut Conn) -> StoreResult<Vec<String>> {
    let raw = get(conn, INSTITUTIONAL_DOMAINS).await?.unwrap_or_default();
    let domains: Vec<String> = raw
        .split(',')
        .map(|d| d.trim().to_lowercase())
        .filter(|d| !d.is_empty())
        .collect();
    if domains.is_empty() {
        Ok(vec![
            domain::identity::DEFAULT_INSTITUTIONAL_DOMAIN.to_owned()
        ])
    } else {
        Ok(domains)
    }
}
