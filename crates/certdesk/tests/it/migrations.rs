//! Both migration sets must stay in step: same versions, same names, same columns.

use std::{collections::BTreeSet, path::Path};

use certdesk::store::Store;
use sqlx::Row;

use crate::helpers::{spawn_app, POSTGRES_ENV};

fn versions(dir: &str) -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dir);
    std::fs::read_dir(&path)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".sql"))
        .collect()
}

#[test]
fn both_migration_sets_have_the_same_versions_and_names() {
    let sqlite = versions("sqlite");
    let postgres = versions("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
}

/// `table.column` for every column of the database behind `store`.
async fn columns(store: &Store) -> BTreeSet<String> {
    let mut conn = store.conn().await.unwrap();
    let sql = match store.backend() {
        certdesk::store::Backend::Sqlite => {
            "SELECT m.name || '.' || p.name AS col FROM sqlite_master m \
             JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'"
        }
        certdesk::store::Backend::Postgres => {
            "SELECT (table_name || '.' || column_name)::text AS col FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'"
        }
    };
    sqlx::query(sql)
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|row| row.get::<String, _>("col"))
        .collect()
}

#[tokio::test]
async fn both_migration_sets_end_in_the_same_columns() {
    // The app under test runs on this run's backend; compare it with a fresh SQLite one.
    let app = spawn_app().await;
    let here = columns(&app.app.store).await;
    assert!(here.contains("users.email"), "{here:?}");
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Store::connect(&format!("sqlite://{}", dir.path().join("x.db").display()))
        .await
        .unwrap();
    sqlite.migrate().await.unwrap();
    let reference = columns(&sqlite).await;
    assert_eq!(here, reference);
    if std::env::var(POSTGRES_ENV).is_ok() {
        assert_eq!(app.app.store.backend(), certdesk::store::Backend::Postgres);
    }
}
