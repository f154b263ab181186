//! The baseline server (`certdesk-load baseline`): what the same stack does with almost no
//! application in it, so that certdesk's figures can be read as ratios that hold on any
//! machine (issue 14).
//!
//! - `GET /hello` answers "hello": tokio multi-thread + axum 0.8 and nothing else.
//! - `POST /insert` takes the ticket-creation JSON body behind a bearer token compared to a
//!   constant, and does one raw sqlx INSERT of a ticket-shaped row: the database's share of
//!   creating a ticket, without sessions, history, audit or rules. On SQLite the row goes
//!   into a fresh file with certdesk's pool settings (WAL, `synchronous=NORMAL`, 5 s busy
//!   timeout, 4 connections); on PostgreSQL into `baseline_tickets`, dropped and created at
//!   start (10 connections), so certdesk's own tables are never touched.
//!
//! The row has the columns, constraints and indexes of certdesk's `tickets` table except
//! its foreign keys (there are no users or certificates here).

use std::{
    str::FromStr,
    sync::{
        atomic::{AtomicI64, AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use anyhow::Context;
use axum::{
    extract::State,
    http::{header::AUTHORIZATION, HeaderMap, StatusCode},
    response::IntoResponse,
    routing::{get, post},
    Json, Router,
};
use serde_json::{json, Value};
use sqlx::{
    postgres::PgPoolOptions,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    PgPool, SqlitePool,
};

/// The bearer token `POST /insert` wants (a constant: the baseline measures no auth work
/// beyond reading and comparing a header).
pub const TOKEN: &str = "certdesk-load-baseline";

/// certdesk's pool settings (crates/certdesk/src/store/mod.rs), copied.
const SQLITE_CONNECTIONS: u32 = 4;
const POSTGRES_CONNECTIONS: u32 = 10;
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

const TABLE_COLUMNS: &str = "
    id           TEXT PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,
    year         BIGINT NOT NULL,
    seq          BIGINT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('emision', 'reemision', 'instalacion', 'cancelacion')),
    reason       TEXT,
    requester_id TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('borrador', 'enviado', 'en_atencion', 'observado', 'programado', 'enviado_reniec', 'atendido', 'rechazado', 'anulado', 'instalado', 'cancelado')),
    submitted_at BIGINT,
    assigned_to  TEXT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (year, seq)";

#[derive(Clone)]
enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Clone)]
struct Baseline {
    db: Db,
    insert_sql: Arc<str>,
    seq: Arc<AtomicI64>,
    ids: Arc<AtomicU64>,
    year: i64,
}

/// Opens the database and creates the table (a fresh one).
async fn open(url: &str) -> anyhow::Result<(Db, &'static str)> {
    if url.starts_with("sqlite:") {
        let path = url
            .trim_start_matches("sqlite://")
            .trim_start_matches("sqlite:");
        let path = path.split('?').next().unwrap_or(path);
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{path}{suffix}");
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e).with_context(|| format!("removing {file}")),
            }
        }
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("reading the database URL {url}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(SQLITE_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .with_context(|| format!("opening {url}"))?;
        sqlx::raw_sql(&format!(
            "CREATE TABLE tickets ({TABLE_COLUMNS});
             CREATE INDEX tickets_requester ON tickets (requester_id, id);
             CREATE INDEX tickets_queue ON tickets (status, submitted_at);"
        ))
        .execute(&pool)
        .await
        .context("creating the tickets table")?;
        Ok((Db::Sqlite(pool), "tickets"))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let pool = PgPoolOptions::new()
            .max_connections(POSTGRES_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect(url)
            .await
            .context("connecting to PostgreSQL")?;
        sqlx::raw_sql(&format!(
            "DROP TABLE IF EXISTS baseline_tickets;
             CREATE TABLE baseline_tickets ({TABLE_COLUMNS});
             CREATE INDEX baseline_tickets_requester ON baseline_tickets (requester_id, id);
             CREATE INDEX baseline_tickets_queue ON baseline_tickets (status, submitted_at);"
        ))
        .execute(&pool)
        .await
        .context("creating the baseline_tickets table")?;
        Ok((Db::Postgres(pool), "baseline_tickets"))
    } else {
        anyhow::bail!("the database URL must start with sqlite:// or postgres://")
    }
}

/// Serves the baseline on `bind` against `database` until interrupted; prints
/// `listening on http://ADDR` once it accepts connections.
pub async fn serve(bind: &str, database: &str) -> anyhow::Result<()> {
    let (db, table) = open(database).await?;
    let now = crate::http::since_epoch();
    let state = Baseline {
        db,
        insert_sql: format!(
            "INSERT INTO {table} (id, number, year, seq, kind, reason, requester_id, status, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        )
        .into(),
        seq: Arc::new(AtomicI64::new(0)),
        // Ids start from the start time's nanoseconds, so that no two runs share one.
        ids: Arc::new(AtomicU64::new(now.subsec_nanos().into())),
        year: crate::http::lima_today()
            .get(..4)
            .and_then(|y| y.parse().ok())
            .unwrap_or(2026),
    };
    let app = Router::new()
        .route("/hello", get(hello))
        .route("/insert", post(insert))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("binding {bind}"))?;
    let addr = listener.local_addr().context("reading the bound address")?;
    println!("listening on http://{addr}");
    {
        use std::io::Write;
        std::io::stdout().flush().context("writing stdout")?;
    }
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("serving")
}

async fn hello() -> &'static str {
    "hello"
}

fn micros_now() -> i64 {
    i64::try_from(crate::http::since_epoch().as_micros()).unwrap_or(i64::MAX)
}

/// A UUIDv7-shaped id: the time in milliseconds, then a counter.
fn uuid_like(micros: i64, counter: u64) -> String {
    let ms = (micros / 1000) as u64;
    format!(
        "{:08x}-{:04x}-7{:03x}-{:04x}-{:012x}",
        (ms >> 16) & 0xffff_ffff,
        ms & 0xffff,
        (counter >> 48) & 0xfff,
        0x8000 | ((counter >> 36) & 0x0fff),
        counter & 0xffff_ffff_ffff
    )
}

async fn insert(
    State(state): State<Baseline>,
    headers: HeaderMap,
    body: Option<Json<Value>>,
) -> impl IntoResponse {
    let authorized = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| t == TOKEN);
    if !authorized {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "token"})));
    }
    let Some(Json(body)) = body else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": "body"})),
        );
    };
    let kind = body.get("kind").and_then(Value::as_str).unwrap_or_default();
    if !matches!(
        kind,
        "emision" | "reemision" | "instalacion" | "cancelacion"
    ) {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": "kind"})),
        );
    }
    let reason = body
        .get("reason")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let now = micros_now();
    let seq = state.seq.fetch_add(1, Ordering::Relaxed) + 1;
    let id = uuid_like(now, state.ids.fetch_add(1, Ordering::Relaxed));
    let number = format!("{}-{seq:06}", state.year);
    macro_rules! run {
        ($pool:expr) => {
            sqlx::query(&state.insert_sql)
                .bind(&id)
                .bind(&number)
                .bind(state.year)
                .bind(seq)
                .bind(kind)
                .bind(&reason)
                .bind("00000000-0000-7000-8000-000000000001")
                .bind("borrador")
                .bind(now)
                .bind(now)
                .execute($pool)
                .await
        };
    }
    let result = match &state.db {
        Db::Sqlite(pool) => run!(pool).map(|_| ()),
        Db::Postgres(pool) => run!(pool).map(|_| ()),
    };
    match result {
        Ok(()) => (StatusCode::CREATED, Json(json!({"id": id}))),
        Err(e) => {
            eprintln!("insert failed: {e}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({"error": "database"})),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn ids_look_like_uuids_and_differ() {
        let a = uuid_like(1_765_000_000_000_000, 1);
        let b = uuid_like(1_765_000_000_000_000, 2);
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
        assert_ne!(a, b);
    }
}
