//! Both migration sets must stay in step: same versions, same names, the same text line by
//! line except for a few named dialect differences, same columns.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
};

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

/// The only ways a line of `migrations/postgres/` may differ from the same line of
/// `migrations/sqlite/`: (what it is, SQLite text, PostgreSQL text). A SQLite line with
/// every SQLite text replaced by its PostgreSQL text must be the PostgreSQL line.
const DIALECT_PAIRS: &[(&str, &str, &str)] = &[
    (
        "auto-increment primary key",
        "INTEGER PRIMARY KEY AUTOINCREMENT",
        "BIGSERIAL PRIMARY KEY",
    ),
    (
        "header comment naming the other set",
        "Keep in step with ../postgres",
        "Keep in step with ../sqlite",
    ),
];

/// Every file of `migrations/<dir>/`, by name.
fn migration_files(dir: &str) -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dir);
    std::fs::read_dir(&path)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(entry.path())
                .unwrap_or_else(|e| panic!("{}: {e}", entry.path().display()));
            (name, text)
        })
        .collect()
}

/// Compares one SQLite migration with its PostgreSQL twin line by line. Returns one message
/// per line that differs other than by `DIALECT_PAIRS` (naming the file, the line number and
/// both lines), and the names of the pairs that were needed.
fn line_differences(
    file: &str,
    sqlite: &str,
    postgres: &str,
) -> (Vec<String>, BTreeSet<&'static str>) {
    let sqlite: Vec<&str> = sqlite.lines().collect();
    let postgres: Vec<&str> = postgres.lines().collect();
    let mut differences = Vec::new();
    let mut used = BTreeSet::new();
    for i in 0..sqlite.len().max(postgres.len()) {
        match (sqlite.get(i), postgres.get(i)) {
            (Some(s), Some(p)) if s == p => {}
            (Some(s), Some(p))
                if DIALECT_PAIRS
                    .iter()
                    .fold(s.to_string(), |line, (_, from, to)| line.replace(from, to))
                    == *p =>
            {
                used.extend(
                    DIALECT_PAIRS
                        .iter()
                        .filter(|(_, from, _)| s.contains(from))
                        .map(|(name, _, _)| *name),
                );
            }
            (s, p) => differences.push(format!(
                "{file} line {}:\n  sqlite:   {}\n  postgres: {}",
                i + 1,
                s.map_or("(no line: the file ends)".to_owned(), |s| format!("`{s}`")),
                p.map_or("(no line: the file ends)".to_owned(), |p| format!("`{p}`")),
            )),
        }
    }
    (differences, used)
}

#[test]
fn both_migration_sets_are_the_same_line_by_line_but_for_named_dialect_pairs() {
    let sqlite = migration_files("sqlite");
    let postgres = migration_files("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite.keys().collect::<Vec<_>>(),
        postgres.keys().collect::<Vec<_>>(),
        "the same file names in migrations/sqlite and migrations/postgres"
    );
    let mut differences = Vec::new();
    let mut used = BTreeSet::new();
    for (name, sqlite_text) in &sqlite {
        let (found, needed) = line_differences(name, sqlite_text, &postgres[name]);
        differences.extend(found);
        used.extend(needed);
    }
    assert!(
        differences.is_empty(),
        "migrations/sqlite and migrations/postgres differ beyond DIALECT_PAIRS:\n{}",
        differences.join("\n")
    );
    // A pair no line needs any more is taken off the list, so it cannot hide a difference.
    for (name, _, _) in DIALECT_PAIRS {
        assert!(used.contains(name), "dialect pair `{name}` is not used");
    }
}

/// The comparison above reports what it should: allowed pairs pass, anything else names the
/// file, the line number and both lines, and a line missing on one side is reported too.
#[test]
fn the_line_comparison_names_the_file_the_line_and_both_lines() {
    let sqlite = "-- Keep in step with ../postgres.\n\
                  CREATE TABLE t (\n\
                  \x20   id INTEGER PRIMARY KEY AUTOINCREMENT,\n\
                  \x20   at TEXT NOT NULL\n\
                  );\n";
    let postgres = "-- Keep in step with ../sqlite.\n\
                    CREATE TABLE t (\n\
                    \x20   id BIGSERIAL PRIMARY KEY,\n\
                    \x20   at TIMESTAMPTZ NOT NULL\n\
                    );\n\
                    CREATE INDEX t_at ON t (at);\n";
    let (differences, used) = line_differences("0009_t.sql", sqlite, postgres);
    assert_eq!(
        differences,
        vec![
            "0009_t.sql line 4:\n  sqlite:   `    at TEXT NOT NULL`\n  \
             postgres: `    at TIMESTAMPTZ NOT NULL`",
            "0009_t.sql line 6:\n  sqlite:   (no line: the file ends)\n  \
             postgres: `CREATE INDEX t_at ON t (at);`",
        ]
    );
    assert_eq!(
        used,
        BTreeSet::from([
            "auto-increment primary key",
            "header comment naming the other set"
        ])
    );
    let (differences, _) = line_differences("0009_t.sql", sqlite, sqlite);
    assert!(differences.is_empty(), "{differences:?}");
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
