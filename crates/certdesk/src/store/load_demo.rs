//! The bulk loader of synthetic tickets for load tests (`certdesk load-demo`): one
//! transaction of set-based `INSERT … SELECT` statements (`load_demo.sql`), so a million
//! tickets with their applicants, payments, certificates, batches and history are written
//! by the database engine itself rather than row by row through the application.

use sqlx::{Executor, Row};

use super::{Backend, Store, StoreResult};

/// The statements, with `:name` placeholders for the numbers of one load.
const SQL: &str = include_str!("load_demo.sql");

/// Microseconds in a day.
pub const DAY_MICROS: i64 = 86_400_000_000;

/// One load: how many tickets, over which span, with which shared files and accounts.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    pub tickets: i64,
    /// Requester accounts; ticket i belongs to requester `i % requesters + 1`.
    pub requesters: i64,
    /// "Now" in microseconds; the newest ticket is created just before it.
    pub now: i64,
    /// Microseconds between two tickets.
    pub step: i64,
    /// SHA-256 of the stored photo, signature and receipt every row shares.
    pub photo: &'a str,
    pub signature: &'a str,
    pub receipt: &'a str,
    /// The stand-in package of every batch whose files are still kept, and its size.
    pub package: &'a str,
    pub package_bytes: i64,
    /// The retention setting, in microseconds.
    pub retention: i64,
    /// The one password hash of every account the load creates.
    pub password_hash: &'a str,
    /// E-mail domain of the accounts (an institutional domain of the settings).
    pub domain: &'a str,
}

/// The id of the load's analyst account.
pub const ANALYST_ID: &str = "01900000-0000-7000-8003-000000000000";

/// The e-mail of the load's analyst.
pub fn analyst_email(domain: &str) -> String {
    format!("carga.analista@{domain}")
}

/// The e-mail of requester `k` (from 1).
pub fn requester_email(k: i64, domain: &str) -> String {
    format!("carga.solicitante.{k}@{domain}")
}

impl Plan<'_> {
    /// Microseconds of ticket 0 (ticket i is created at `start + i * step`).
    fn start(&self) -> i64 {
        self.now - (self.tickets + 1) * self.step
    }

    /// The first of the tickets still open (the newest 1 %, at least one).
    fn first_open(&self) -> i64 {
        self.tickets - (self.tickets / 100).max(1) + 1
    }

    /// The statements with this load's numbers in place of the placeholders.
    fn statements(&self) -> Vec<String> {
        let quoted = |s: &str| format!("'{}'", s.replace('\'', "''"));
        // Longest names first, so that no name is replaced inside a longer one.
        let values = [
            (":first_open", self.first_open().to_string()),
            (":package_bytes", self.package_bytes.to_string()),
            (":requesters", self.requesters.to_string()),
            (":retention", self.retention.to_string()),
            (":signature", quoted(self.signature)),
            (":analyst", quoted(ANALYST_ID)),
            (":receipt", quoted(self.receipt)),
            (":package", quoted(self.package)),
            (":photo", quoted(self.photo)),
            (":start", self.start().to_string()),
            (":today", (self.now / DAY_MICROS).to_string()),
            (":step", self.step.to_string()),
            (":now", self.now.to_string()),
        ];
        let text: String = SQL
            .lines()
            .filter(|line| !line.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        text.split(";\n")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|statement| {
                values
                    .iter()
                    .fold(statement.trim_end_matches(';').to_owned(), |acc, (k, v)| {
                        acc.replace(k, v)
                    })
            })
            .collect()
    }
}

/// True when the database has no tickets yet (the loader fills only such a database).
pub async fn has_tickets(store: &Store) -> StoreResult<bool> {
    let mut conn = store.conn().await?;
    let row = sqlx::query("SELECT COUNT(*) AS n FROM (SELECT 1 FROM tickets LIMIT 1) t")
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Writes the whole load in one transaction, then refreshes the planner's statistics.
pub async fn fill(store: &Store, plan: &Plan<'_>) -> StoreResult<()> {
    let mut tx = store.begin().await?;
    let first_day = plan.start() / DAY_MICROS - 1;
    let last_day = plan.now / DAY_MICROS + 800;
    match store.backend() {
        Backend::Sqlite => {
            tx.execute(
                format!(
                    "CREATE TABLE nums (i BIGINT PRIMARY KEY);
                     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n})
                     INSERT INTO nums SELECT i FROM n;
                     CREATE TABLE day_str (d BIGINT PRIMARY KEY, s TEXT NOT NULL);
                     WITH RECURSIVE n(d) AS (SELECT {first_day} UNION ALL SELECT d + 1 FROM n WHERE d < {last_day})
                     INSERT INTO day_str SELECT d, date(d * 86400, 'unixepoch') FROM n",
                    n = plan.tickets
                )
                .as_str(),
            )
            .await?;
        }
        Backend::Postgres => {
            tx.execute(
                format!(
                    "CREATE TABLE nums (i BIGINT PRIMARY KEY);
                     INSERT INTO nums SELECT generate_series(1, {n});
                     CREATE TABLE day_str (d BIGINT PRIMARY KEY, s TEXT NOT NULL);
                     INSERT INTO day_str SELECT d, to_char(date '1970-01-01' + d::int, 'YYYY-MM-DD')
                     FROM generate_series({first_day}::bigint, {last_day}::bigint) AS d",
                    n = plan.tickets
                )
                .as_str(),
            )
            .await?;
        }
    }
    sqlx::query(
        "INSERT INTO users (id, email, name, role, password_hash, active, created_at) \
         VALUES ($1, $2, 'Analista de carga', 'analista', $3, 1, $4)",
    )
    .bind(ANALYST_ID)
    .bind(analyst_email(plan.domain))
    .bind(plan.password_hash)
    .bind(plan.start())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO users (id, email, name, role, password_hash, active, created_at) \
         SELECT '01900000-0000-7000-8003-' || (100000000000 + i), \
                'carga.solicitante.' || i || '@' || $1, 'Solicitante de carga ' || i, \
                'solicitante', $2, 1, $3 \
         FROM nums WHERE i <= $4",
    )
    .bind(plan.domain)
    .bind(plan.password_hash)
    .bind(plan.start())
    .bind(plan.requesters)
    .execute(&mut *tx)
    .await?;
    for statement in plan.statements() {
        tx.execute(statement.as_str()).await?;
    }
    tx.commit().await?;
    let mut conn = store.conn().await?;
    conn.execute("ANALYZE").await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn every_placeholder_is_replaced() {
        let plan = Plan {
            tickets: 1000,
            requesters: 40,
            now: 1_796_223_600_000_000,
            step: 123_000_000,
            photo: "p",
            signature: "s",
            receipt: "r",
            package: "z",
            package_bytes: 22,
            retention: 365 * DAY_MICROS,
            password_hash: "h",
            domain: "regioncajamarca.gob.pe",
        };
        let statements = plan.statements();
        assert!(statements.len() > 20, "{}", statements.len());
        for s in &statements {
            // Colons remain only inside the quoted times of no statement: there are none.
            assert!(!s.contains(':'), "a placeholder is left in: {s}");
        }
        assert_eq!(plan.first_open(), 991);
    }
}
