//! Persistence: the only module that knows SQL.
//!
//! One code path for SQLite and PostgreSQL through sqlx's `Any` driver with runtime queries.
//! Columns use portable types (TEXT ids, BIGINT microseconds, BIGINT céntimos, TEXT enums).
//! Where the dialects differ there is one explicit `match self.backend`, in this file only.
//! Must not depend on `web` or `app`.

pub mod access_requests;
pub mod applicants;
pub mod audit;
pub mod backup;
pub mod batches;
pub mod certificates;
pub mod holidays;
pub mod job_leases;
pub mod job_runs;
pub mod load_demo;
pub mod notes;
pub mod notifications;
pub mod observation_texts;
pub mod outbox;
pub mod password_tokens;
pub mod payments;
pub mod rate_limits;
pub mod reminders;
pub mod reports;
pub mod retention;
pub mod server_keys;
pub mod sessions;
pub mod settings;
mod sql;
pub(crate) use sql::fold;
pub mod tickets;
pub mod users;

use std::{str::FromStr, time::Duration};

use jiff::Timestamp;
use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions},
    error::ErrorKind,
    AnyConnection, AnyPool, Connection, Executor, Transaction,
};

pub use sqlx::Any;

/// A write transaction; commit it or it rolls back on drop.
pub type Tx = Transaction<'static, Any>;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Config(
                "la URL de base de datos debe empezar con sqlite:// o postgres://".into(),
            ))
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflict on {constraint}")]
    Conflict { constraint: String },
    #[error("configuration: {0}")]
    Config(String),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Other(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.kind() == ErrorKind::UniqueViolation => {
                // PostgreSQL names the constraint; SQLite names the columns in its message.
                let constraint = db
                    .constraint()
                    .map(str::to_owned)
                    .unwrap_or_else(|| db.message().to_owned());
                StoreError::Conflict { constraint }
            }
            _ => StoreError::Other(err),
        }
    }
}

impl StoreError {
    /// True when this is a unique violation on a constraint or column matching `name`
    /// (a PostgreSQL constraint name, or `table.column` as SQLite reports it).
    pub fn on_constraint(&self, name: &str) -> bool {
        matches!(self, StoreError::Conflict { constraint } if constraint.contains(name))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Whether an error (or any error in its chain) says the database is out of reach for now
/// rather than that the request was wrong: the server is down or restarting, a connection
/// broke, no connection came free in time, or SQLite stayed locked past its busy timeout.
/// Such failures are answered 503 and pass by themselves; the pool reconnects on its own.
pub fn is_unavailable(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(err) = next {
        let sqlx_err = match err.downcast_ref::<StoreError>() {
            Some(StoreError::Other(e)) => Some(e),
            Some(StoreError::Migrate(sqlx::migrate::MigrateError::Execute(e))) => Some(e),
            _ => err.downcast_ref::<sqlx::Error>(),
        };
        if sqlx_err.is_some_and(sqlx_unavailable) {
            return true;
        }
        next = err.source();
    }
    false
}

fn sqlx_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        // "server closed the connection unexpectedly" and kin.
        sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => {
            let code = db.code();
            let code = code.as_deref().unwrap_or_default();
            // PostgreSQL: connection exceptions (08…), shutting down or starting up
            // (57P01–57P03), too many connections (53300).
            code.starts_with("08")
                || matches!(code, "57P01" | "57P02" | "57P03" | "53300")
                // SQLite: SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes
                // (SQLite's codes are short numbers; PostgreSQL's always five characters).
                || (code.len() < 5
                    && code
                        .parse::<i32>()
                        .is_ok_and(|c| matches!(c & 0xff, 5 | 6)))
        }
        _ => false,
    }
}

/// SQLite connections for reads (each keeps its own page cache).
const SQLITE_READERS: u32 = 4;

/// PostgreSQL connections per instance: a few per core of a small server; several
/// instances share the server's `max_connections` (100 by default).
const POSTGRES_CONNECTIONS: u32 = 10;

/// How long the health check waits for the database.
pub const PING_TIMEOUT: Duration = Duration::from_secs(3);

/// How long a request waits for a pooled connection (or, with the database down, for it to
/// come back) before it is answered 503.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Creates the SQLite file private to the service's user before SQLite opens it (SQLite
/// gives its `-wal` and `-shm` files the database's permissions), and makes an existing
/// one private. `:memory:` and the like are left alone.
fn private_database_file(file: &std::path::Path) -> std::io::Result<()> {
    let name = file.to_string_lossy();
    if name.is_empty() || name.starts_with(':') {
        return Ok(());
    }
    if !file.exists() {
        let mut options = crate::private_fs::file_options();
        options.truncate(false);
        options.open(file)?;
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut path = file.as_os_str().to_owned();
        path.push(suffix);
        crate::private_fs::secure_existing(std::path::Path::new(&path))?;
    }
    Ok(())
}

/// The database handle shared by every request.
#[derive(Debug, Clone)]
pub struct Store {
    /// Reads, and the writes of PostgreSQL.
    pool: AnyPool,
    /// Where write transactions begin: on SQLite a pool of one connection, so that writers
    /// wait their turn in the pool's fair queue instead of in SQLite's busy handler, which
    /// sleeps and retries (1, 2, 5 … 25 ms) and so wastes most of the time it waits; on
    /// PostgreSQL the same pool as reads. BENCHMARKS.md has the figures.
    writer: AnyPool,
    backend: Backend,
}

impl Store {
    /// Connects, creating the SQLite file (and its directory) when missing.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Sqlite => {
                let path = url
                    .trim_start_matches("sqlite://")
                    .trim_start_matches("sqlite:");
                let path = path.split('?').next().unwrap_or(path);
                let file = std::path::Path::new(path);
                if let Some(dir) = file.parent() {
                    if !dir.as_os_str().is_empty() {
                        crate::private_fs::create_dir_all(dir).map_err(|e| {
                            StoreError::Config(format!("no se pudo crear {}: {e}", dir.display()))
                        })?;
                    }
                }
                private_database_file(file).map_err(|e| {
                    StoreError::Config(format!("no se pudo preparar {}: {e}", file.display()))
                })?;
                if url.contains('?') {
                    url.to_owned()
                } else {
                    format!("{url}?mode=rwc")
                }
            }
            Backend::Postgres => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool_of = |max: u32| {
            AnyPoolOptions::new()
                .max_connections(max)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .after_connect(|conn, _meta| {
                    Box::pin(async move {
                        if conn.backend_name() == "SQLite" {
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            conn.execute("PRAGMA busy_timeout = 5000").await?;
                            conn.execute("PRAGMA synchronous = NORMAL").await?;
                        }
                        Ok(())
                    })
                })
        };
        let (pool, writer) = match backend {
            // Readers under WAL never wait for the writer; SQLite has one writer at a time.
            Backend::Sqlite => {
                let pool = pool_of(SQLITE_READERS)
                    .connect_with(options.clone())
                    .await?;
                let writer = pool_of(1).connect_with(options).await?;
                (pool, writer)
            }
            Backend::Postgres => {
                let pool = pool_of(POSTGRES_CONNECTIONS).connect_with(options).await?;
                (pool.clone(), pool)
            }
        };
        Ok(Self {
            pool,
            writer,
            backend,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Applies pending migrations of this backend's set.
    pub async fn migrate(&self) -> StoreResult<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    /// The newest migration this build knows for `backend` (the schema it expects).
    pub fn known_schema(backend: Backend) -> Option<i64> {
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.iter().map(|m| m.version).max()
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`), so concurrent writers queue on the busy timeout instead of
    /// failing when a read lock cannot be upgraded.
    pub async fn begin(&self) -> StoreResult<Tx> {
        let tx = match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.writer.begin().await?,
        };
        Ok(tx)
    }

    /// A pooled connection for reads.
    pub async fn conn(&self) -> StoreResult<sqlx::pool::PoolConnection<Any>> {
        Ok(self.pool.acquire().await?)
    }

    /// Starts a transaction that only reads, for a page that must show one consistent
    /// snapshot: on PostgreSQL `REPEATABLE READ READ ONLY`; on SQLite a deferred
    /// transaction, which under WAL reads one snapshot and never takes the write lock (a
    /// write inside it fails instead of waiting). Drop it when done.
    pub async fn read(&self) -> StoreResult<Tx> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN DEFERRED").await?,
            Backend::Postgres => {
                self.pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?
            }
        };
        Ok(tx)
    }

    /// True when the database answers within [`PING_TIMEOUT`] (a health check must not
    /// wait out the pool's acquire timeout while the database is down).
    pub async fn ping(&self) -> bool {
        let ping = async {
            match self.pool.acquire().await {
                Ok(mut conn) => conn.ping().await.is_ok(),
                Err(_) => false,
            }
        };
        tokio::time::timeout(PING_TIMEOUT, ping)
            .await
            .unwrap_or(false)
    }

    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

/// ` INDEXED BY index` on SQLite, whose planner sometimes misjudges a partial index (and
/// then fails loudly rather than silently if the index cannot serve the query); nothing on
/// PostgreSQL, which has no such hint.
pub(crate) fn index_hint(conn: &Conn, index: &str) -> String {
    if conn.backend_name() == "SQLite" {
        format!(" INDEXED BY {index}")
    } else {
        String::new()
    }
}

/// Timestamps are stored as BIGINT microseconds since the Unix epoch, UTC.
pub fn ts_to_db(ts: Timestamp) -> i64 {
    ts.as_microsecond()
}

pub fn ts_from_db(micros: i64) -> StoreResult<Timestamp> {
    Timestamp::from_microsecond(micros)
        .map_err(|e| StoreError::Corrupt(format!("timestamp {micros}: {e}")))
}

/// Keeps ids made in the same millisecond in the order they were made.
static ID_SEQUENCE: std::sync::Mutex<uuid::ContextV7> =
    std::sync::Mutex::new(uuid::ContextV7::new());

/// A new time-ordered id (UUIDv7) stamped with `now`, the use case's clock rather than the
/// system's: ids sort in the order things happened, under a test's fixed clock too.
pub fn new_id<T: From<uuid::Uuid>>(now: Timestamp) -> T {
    let seconds = u64::try_from(now.as_second()).unwrap_or(0);
    let nanos = u32::try_from(now.subsec_nanosecond()).unwrap_or(0);
    let stamp = uuid::Timestamp::from_unix(&ID_SEQUENCE, seconds, nanos);
    T::from(uuid::Uuid::new_v7(stamp))
}

/// Shorthand used by every store module.
pub(crate) type Conn = AnyConnection;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_database_is_told_apart_from_a_broken_request() {
        let down = [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
            sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused)),
        ];
        for err in down {
            let text = err.to_string();
            let wrapped = anyhow::Error::new(StoreError::from(err)).context("opening a ticket");
            assert!(is_unavailable(wrapped.as_ref()), "{text}");
        }
        for err in [
            sqlx::Error::RowNotFound,
            sqlx::Error::ColumnNotFound("x".into()),
        ] {
            let wrapped = anyhow::Error::new(StoreError::from(err));
            assert!(!is_unavailable(wrapped.as_ref()));
        }
        let io = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(
            !is_unavailable(io.as_ref()),
            "a file error is not the database's"
        );
    }
}
