//! The `settings` table: one text row per key. What the keys mean and how their values
//! read is `domain::settings`; this module only reads and writes rows. Migrations seed the
//! defaults.

use domain::settings::Setting;
use sqlx::Row;

use super::{Conn, StoreResult};

/// Not a setting: the marker `serve --demo` leaves once the demo data is in.
pub const DEMO_LOADED: &str = "demo_loaded";

/// Every row, `(key, value)`.
pub async fn all(conn: &mut Conn) -> StoreResult<Vec<(String, String)>> {
    let rows = sqlx::query("SELECT key, value FROM settings ORDER BY key")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("key")?, row.try_get("value")?)))
        .collect()
}

/// Serialises changes of settings: the first statement of a transaction that changes them,
/// so that on PostgreSQL a second admin saving at the same moment waits, then reads what
/// the first one saved (SQLite has one writer anyway). Touches the `fee` row, which the
/// migrations seed and nothing deletes.
pub async fn lock(conn: &mut Conn) -> StoreResult<()> {
    sqlx::query("UPDATE settings SET value = value WHERE key = $1")
        .bind(Setting::Fee.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Stores one setting's text.
pub async fn set(conn: &mut Conn, setting: Setting, value: &str) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(setting.as_str())
    .bind(value)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets a marker row only when absent; true when this call set it.
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

/// Whether a marker row exists.
pub async fn has_marker(conn: &mut Conn, key: &str) -> StoreResult<bool> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM settings WHERE key = $1")
        .bind(key)
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}
