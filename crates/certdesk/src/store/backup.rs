//! The SQL of backups: a consistent copy of a live SQLite database, and the check of a
//! restored one. PostgreSQL is copied with `pg_dump`, outside certdesk.

use std::path::Path;

use sqlx::Row;

use super::{Backend, Store, StoreError, StoreResult};

/// Writes a consistent copy of the SQLite database to `dest` (which must not exist) with
/// `VACUUM INTO`: it reads one snapshot, so it works while `serve` writes (WAL), and the
/// copy is compact and self-contained (no `-wal` file beside it).
pub async fn vacuum_into(store: &Store, dest: &Path) -> StoreResult<()> {
    if store.backend() != Backend::Sqlite {
        return Err(StoreError::Config(
            "VACUUM INTO solo existe en SQLite; en PostgreSQL use pg_dump".into(),
        ));
    }
    let dest = dest
        .to_str()
        .ok_or_else(|| StoreError::Config("la ruta de la copia no es UTF-8".into()))?;
    let mut conn = store.conn().await?;
    sqlx::query("VACUUM INTO $1")
        .bind(dest)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// SQLite's own check of a database file: empty when it is sound, else its complaints.
pub async fn integrity_problems(store: &Store) -> StoreResult<Vec<String>> {
    let mut conn = store.conn().await?;
    let rows = sqlx::query("PRAGMA integrity_check")
        .fetch_all(&mut *conn)
        .await?;
    let mut problems = Vec::new();
    for row in rows {
        let line: String = row.try_get(0)?;
        if line != "ok" {
            problems.push(line);
        }
    }
    Ok(problems)
}

/// The newest migration applied to the database, if any (what schema a copy holds).
pub async fn schema_version(store: &Store) -> StoreResult<Option<i64>> {
    let mut conn = store.conn().await?;
    let row = sqlx::query("SELECT MAX(version) AS v FROM _sqlx_migrations WHERE success = TRUE")
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get::<Option<i64>, _>("v")?)
}
