//! The report queries: every one aggregates in the database (`GROUP BY`, window functions),
//! so that no report reads more than a few hundred rows into Rust however many tickets
//! there are. Their plans at a million tickets are in BENCHMARKS.md; the indexes they use
//! are created by migration 0014.
//!
//! Weeks are computed in SQL with integer arithmetic on the microsecond columns
//! (`domain::report::WEEK_ORIGIN_MICROS`, `WEEK_MICROS`), the same on both engines.
//! Durations are summed in seconds, which cannot overflow a BIGINT.

use domain::{
    ids::{CertificateId, ObservationTextId, TicketId},
    report::{self, WEEK_MICROS, WEEK_ORIGIN_MICROS},
    ticket::{Kind, Status},
};
use jiff::{civil::Date, Timestamp};
use sqlx::{any::AnyRow, Row};

use super::{
    sql::{date_to_db, RowExt},
    ts_to_db, Backend, Conn, StoreResult,
};

/// The instants a report covers: `start <= t < end`.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Span {
    fn args(&self) -> (i64, i64) {
        (ts_to_db(self.start), ts_to_db(self.end))
    }
}

/// The SQL of the week (number) of the microsecond column `column`.
fn week_sql(column: &str) -> String {
    format!("(({column} - {WEEK_ORIGIN_MICROS}) / {WEEK_MICROS})")
}

/// How many tickets have this status and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusKindCount {
    pub status: Status,
    pub kind: Kind,
    pub count: i64,
}

const STATUS_KIND: &str = "SELECT status, kind, COUNT(*) AS n FROM tickets \
     WHERE created_at >= $1 AND created_at < $2 GROUP BY status, kind";

/// Tickets registered in `span`, counted by their current status and kind.
pub async fn status_kind(conn: &mut Conn, span: Span) -> StoreResult<Vec<StatusKindCount>> {
    let (start, end) = span.args();
    let rows = sqlx::query(STATUS_KIND)
        .bind(start)
        .bind(end)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(StatusKindCount {
                status: row.parse("status")?,
                kind: row.parse("kind")?,
                count: row.try_get("n")?,
            })
        })
        .collect()
}

/// The batches of one Lima week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchWeek {
    /// The week's Monday.
    pub week: Date,
    pub batches: i64,
    pub applicants: i64,
    pub largest: i64,
}

fn batch_weeks_sql() -> String {
    format!(
        "SELECT {week} AS week, COUNT(*) AS batches, CAST(SUM(item_count) AS BIGINT) AS applicants, \
         MAX(item_count) AS largest FROM batches \
         WHERE cutoff_at >= $1 AND cutoff_at < $2 GROUP BY {week} ORDER BY week",
        week = week_sql("cutoff_at")
    )
}

/// Batches whose cut-off falls in `span`, per week (weeks without a batch are left out).
pub async fn batch_weeks(conn: &mut Conn, span: Span) -> StoreResult<Vec<BatchWeek>> {
    let (start, end) = span.args();
    let rows = sqlx::query(&batch_weeks_sql())
        .bind(start)
        .bind(end)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(BatchWeek {
                week: report::week_monday(row.try_get("week")?),
                batches: row.try_get("batches")?,
                applicants: row.try_get("applicants")?,
                largest: row.try_get("largest")?,
            })
        })
        .collect()
}

/// How long the applicants of a batch (or of all the period's batches) waited, from their
/// ticket's first submission to the close of their batch, in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Waits {
    /// The batch's cut-off day (Lima); `None` for the whole period.
    pub cutoff_on: Option<Date>,
    pub count: i64,
    pub total_seconds: i64,
    /// Nearest-rank percentiles (`domain::report::nearest_rank`).
    pub median_seconds: i64,
    pub p90_seconds: i64,
}

impl Waits {
    pub fn mean_seconds(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.total_seconds as f64 / self.count as f64
        }
    }
}

/// Per batch whose cut-off is in the period: how many applicants it took and their waits'
/// sum, from the index on `(batch_id, first_submitted_at)` alone.
const BATCH_WAITS: &str =
    "SELECT b.id, b.cutoff_at, b.closed_at, COUNT(bi.first_submitted_at) AS n, \
            CAST(SUM((b.closed_at - bi.first_submitted_at) / 1000000) AS BIGINT) AS total \
     FROM batches b JOIN batch_items bi ON bi.batch_id = b.id \
     WHERE b.cutoff_at >= $1 AND b.cutoff_at < $2 \
     GROUP BY b.id, b.cutoff_at, b.closed_at ORDER BY b.cutoff_at";

/// The `$2`-th (0-based) latest first submission among a batch's applicants: every
/// applicant of a batch left at the same instant, so the latest submission is the shortest
/// wait. An index walk of at most `$2 + 1` entries, no sort.
const NTH_LATEST_SUBMISSION: &str = "SELECT first_submitted_at FROM batch_items \
     WHERE batch_id = $1 AND first_submitted_at IS NOT NULL \
     ORDER BY first_submitted_at DESC LIMIT 1 OFFSET $2";

/// The first submission at 1-based `rank` of the batch `id`'s applicants, latest first
/// (shortest wait first).
async fn nth_latest_submission(conn: &mut Conn, id: &str, rank: u64) -> StoreResult<i64> {
    let row = sqlx::query(NTH_LATEST_SUBMISSION)
        .bind(id)
        .bind(i64::try_from(rank.saturating_sub(1)).unwrap_or(i64::MAX))
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get("first_submitted_at")?)
}

/// The waits of all the period's applicants, `ASC` or `DESC`, one row at an offset: the
/// whole period's percentiles. A sort of the period's applicants (bounded by the offset),
/// done by the database.
fn nth_wait_sql(order: &str) -> String {
    format!(
        "SELECT (b.closed_at - bi.first_submitted_at) / 1000000 AS seconds \
         FROM batches b JOIN batch_items bi ON bi.batch_id = b.id \
         WHERE b.cutoff_at >= $1 AND b.cutoff_at < $2 AND bi.first_submitted_at IS NOT NULL \
         ORDER BY seconds {order} LIMIT 1 OFFSET $3"
    )
}

/// The wait at 1-based rank `rank` (shortest first) among `n` in the whole period; the
/// sort runs from whichever end is nearer, so it never keeps more than half of them.
async fn nth_wait(conn: &mut Conn, span: Span, n: u64, rank: u64) -> StoreResult<i64> {
    let (start, end) = span.args();
    let (order, offset) = if rank <= n / 2 {
        ("ASC", rank.saturating_sub(1))
    } else {
        ("DESC", n - rank)
    };
    let row = sqlx::query(&nth_wait_sql(order))
        .bind(start)
        .bind(end)
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get("seconds")?)
}

/// The waits of the applicants in the batches whose cut-off falls in `span`: the whole
/// period's (`cutoff_on` None) first, then each batch's that took anyone.
pub async fn waits(conn: &mut Conn, span: Span) -> StoreResult<Vec<Waits>> {
    let (start, end) = span.args();
    let rows = sqlx::query(BATCH_WAITS)
        .bind(start)
        .bind(end)
        .fetch_all(&mut *conn)
        .await?;
    let mut batches = Vec::with_capacity(rows.len());
    for row in &rows {
        let n: i64 = row.try_get("n")?;
        if n == 0 {
            continue;
        }
        let id: String = row.try_get("id")?;
        let closed_at: i64 = row.try_get("closed_at")?;
        let cutoff = row.ts("cutoff_at")?;
        let count = u64::try_from(n).unwrap_or(0);
        let median_seconds = closed_at
            - nth_latest_submission(conn, &id, report::nearest_rank(count, report::MEDIAN)).await?;
        let p90_seconds = closed_at
            - nth_latest_submission(conn, &id, report::nearest_rank(count, report::P90)).await?;
        batches.push(Waits {
            cutoff_on: Some(domain::schedule::today_in_lima(cutoff)),
            count: n,
            total_seconds: row.try_get("total")?,
            median_seconds: median_seconds / 1_000_000,
            p90_seconds: p90_seconds / 1_000_000,
        });
    }
    let n: i64 = batches.iter().map(|w| w.count).sum();
    if n == 0 {
        return Ok(batches);
    }
    let count = u64::try_from(n).unwrap_or(0);
    let whole = Waits {
        cutoff_on: None,
        count: n,
        total_seconds: batches.iter().map(|w| w.total_seconds).sum(),
        median_seconds: nth_wait(
            conn,
            span,
            count,
            report::nearest_rank(count, report::MEDIAN),
        )
        .await?,
        p90_seconds: nth_wait(conn, span, count, report::nearest_rank(count, report::P90)).await?,
    };
    Ok(std::iter::once(whole).chain(batches).collect())
}

/// The review decisions of one week (or of the whole period: `week` None).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Decisions {
    pub week: Option<Date>,
    pub observed: i64,
    pub approved: i64,
    pub rejected: i64,
}

impl Decisions {
    pub fn total(&self) -> i64 {
        self.observed + self.approved + self.rejected
    }
}

fn decisions_sql() -> String {
    format!(
        "SELECT {week} AS week, event, COUNT(*) AS n FROM ticket_events \
         WHERE event IN ('observe', 'approve', 'reject') AND at >= $1 AND at < $2 \
         GROUP BY {week}, event ORDER BY week",
        week = week_sql("at")
    )
}

/// The observe, approve and reject lines of the history in `span`, per week.
pub async fn decisions(conn: &mut Conn, span: Span) -> StoreResult<Vec<Decisions>> {
    let (start, end) = span.args();
    let rows = sqlx::query(&decisions_sql())
        .bind(start)
        .bind(end)
        .fetch_all(&mut *conn)
        .await?;
    let mut out: Vec<Decisions> = Vec::new();
    for row in &rows {
        let week = Some(report::week_monday(row.try_get("week")?));
        if out.last().map(|d| d.week) != Some(week) {
            out.push(Decisions {
                week,
                ..Decisions::default()
            });
        }
        let Some(current) = out.last_mut() else {
            continue;
        };
        let n: i64 = row.try_get("n")?;
        let event: String = row.try_get("event")?;
        match event.as_str() {
            "observe" => current.observed = n,
            "approve" => current.approved = n,
            _ => current.rejected = n,
        }
    }
    Ok(out)
}

/// How many observations used one canned text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonCount {
    pub text_id: ObservationTextId,
    pub title: String,
    pub active: bool,
    pub count: i64,
}

/// The observations in `span`: how many there were, how many used at least one canned
/// text, and how many used each text (most used first).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reasons {
    pub observations: i64,
    pub with_canned: i64,
    pub by_text: Vec<ReasonCount>,
}

const OBSERVATIONS: &str = "SELECT COUNT(*) AS n FROM ticket_events \
     WHERE event = 'observe' AND at >= $1 AND at < $2";
const WITH_CANNED: &str = "SELECT COUNT(*) AS n FROM \
     (SELECT DISTINCT ticket_id, at FROM observation_reasons WHERE at >= $1 AND at < $2) x";
const BY_TEXT: &str = "SELECT r.text_id, o.title, o.active, COUNT(*) AS n \
     FROM observation_reasons r JOIN observation_texts o ON o.id = r.text_id \
     WHERE r.at >= $1 AND r.at < $2 \
     GROUP BY r.text_id, o.title, o.active ORDER BY n DESC, o.title";

pub async fn reasons(conn: &mut Conn, span: Span) -> StoreResult<Reasons> {
    let observations = count_with(conn, OBSERVATIONS, span).await?;
    let with_canned = count_with(conn, WITH_CANNED, span).await?;
    let (start, end) = span.args();
    let rows = sqlx::query(BY_TEXT)
        .bind(start)
        .bind(end)
        .fetch_all(&mut *conn)
        .await?;
    let by_text = rows
        .iter()
        .map(|row: &AnyRow| {
            let active: i64 = row.try_get("active")?;
            Ok(ReasonCount {
                text_id: row.parse("text_id")?,
                title: row.try_get("title")?,
                active: active == 1,
                count: row.try_get("n")?,
            })
        })
        .collect::<StoreResult<_>>()?;
    Ok(Reasons {
        observations,
        with_canned,
        by_text,
    })
}

async fn count_with(conn: &mut Conn, sql: &str, span: Span) -> StoreResult<i64> {
    let (start, end) = span.args();
    let row = sqlx::query(sql)
        .bind(start)
        .bind(end)
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get("n")?)
}

const EXPIRING: &str =
    "SELECT CASE WHEN expires_on <= $2 THEN 1 WHEN expires_on <= $3 THEN 2 ELSE 3 END AS win, \
            COUNT(*) AS n \
     FROM certificates \
     WHERE state IN ('instalado', 'pendiente_descarga') AND expires_on >= $1 AND expires_on <= $4 \
     GROUP BY CASE WHEN expires_on <= $2 THEN 1 WHEN expires_on <= $3 THEN 2 ELSE 3 END";

/// Usable certificates (installed, or waiting to be downloaded) expiring from `today` to
/// each window's end: `(window's days, count)` for every window of
/// `domain::report::EXPIRY_WINDOWS`, zeros included, each window counting only what the
/// previous one did not.
pub async fn expiring(conn: &mut Conn, today: Date) -> StoreResult<Vec<(i64, i64)>> {
    let [w30, w60, w90] = report::EXPIRY_WINDOWS;
    let rows = sqlx::query(EXPIRING)
        .bind(date_to_db(today))
        .bind(date_to_db(report::days_after(today, w30)))
        .bind(date_to_db(report::days_after(today, w60)))
        .bind(date_to_db(report::days_after(today, w90)))
        .fetch_all(&mut *conn)
        .await?;
    let mut counts = [0i64; 3];
    for row in &rows {
        let win: i64 = row.try_get("win")?;
        let n: i64 = row.try_get("n")?;
        if let Some(slot) = usize::try_from(win - 1)
            .ok()
            .and_then(|i| counts.get_mut(i))
        {
            *slot = n;
        }
    }
    Ok(report::EXPIRY_WINDOWS.into_iter().zip(counts).collect())
}

/// A certificate waiting to be downloaded whose deadline is near, and the installation
/// ticket already open for it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtRisk {
    pub certificate_id: CertificateId,
    pub holder_name: String,
    pub download_deadline: Date,
    /// The open instalacion ticket naming it: id and number.
    pub installation: Option<(TicketId, String)>,
    pub appointment_at: Option<Timestamp>,
}

const AT_RISK: &str = "SELECT c.id, c.holder_name, c.download_deadline, t.id AS ticket_id, t.number, \
            t.appointment_at \
     FROM certificates c \
     LEFT JOIN tickets t ON t.certificate_id = c.id AND t.kind = 'instalacion' \
          AND t.status IN ('borrador', 'enviado', 'en_atencion', 'observado') \
     WHERE c.state = 'pendiente_descarga' AND c.download_deadline >= $1 AND c.download_deadline <= $2 \
     ORDER BY c.download_deadline, c.holder_name, c.id, t.created_at DESC";

/// Certificates in pendiente_descarga whose download deadline is from `today` to `last`,
/// soonest first.
pub async fn at_risk(conn: &mut Conn, today: Date, last: Date) -> StoreResult<Vec<AtRisk>> {
    let rows = sqlx::query(AT_RISK)
        .bind(date_to_db(today))
        .bind(date_to_db(last))
        .fetch_all(&mut *conn)
        .await?;
    let mut out: Vec<AtRisk> = Vec::with_capacity(rows.len());
    for row in &rows {
        let id: CertificateId = row.parse("id")?;
        // Two open installation tickets for one certificate: the newest is shown.
        if out.last().is_some_and(|last| last.certificate_id == id) {
            continue;
        }
        let ticket: Option<TicketId> = row.parse_opt("ticket_id")?;
        let number: Option<String> = row.try_get("number")?;
        out.push(AtRisk {
            certificate_id: id,
            holder_name: row.try_get("holder_name")?,
            download_deadline: row.parse("download_deadline")?,
            installation: ticket.zip(number),
            appointment_at: row.ts_opt("appointment_at")?,
        });
    }
    Ok(out)
}

/// Records the canned texts an observation used (`at`: the instant of its history line).
pub async fn record_reasons(
    conn: &mut Conn,
    ticket_id: TicketId,
    texts: &[ObservationTextId],
    at: Timestamp,
) -> StoreResult<()> {
    for text in texts {
        sqlx::query(
            "INSERT INTO observation_reasons (ticket_id, at, text_id) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(ticket_id.to_string())
        .bind(ts_to_db(at))
        .bind(text.to_string())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Each report query's plan on this database (`EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` on
/// PostgreSQL), for the benchmark: `(query, its SQL with the values written in, plan lines)`.
pub async fn explain(
    conn: &mut Conn,
    backend: Backend,
    span: Span,
    today: Date,
) -> StoreResult<Vec<(&'static str, String, Vec<String>)>> {
    let (start, end) = (
        ts_to_db(span.start).to_string(),
        ts_to_db(span.end).to_string(),
    );
    let literal = |sql: &str| sql.replace("$1", &start).replace("$2", &end);
    let dates = |sql: &str, dates: &[Date]| {
        dates
            .iter()
            .enumerate()
            .rev()
            .fold(sql.to_owned(), |acc, (i, d)| {
                acc.replace(&format!("${}", i + 1), &format!("'{}'", date_to_db(*d)))
            })
    };
    let [w30, w60, w90] = report::EXPIRY_WINDOWS;
    let queries: Vec<(&'static str, String)> = vec![
        ("tramites_por_estado", literal(STATUS_KIND)),
        ("lotes_por_semana", literal(&batch_weeks_sql())),
        ("tiempo_hasta_envio: por lote", literal(BATCH_WAITS)),
        (
            "tiempo_hasta_envio: un lote, en su rango",
            NTH_LATEST_SUBMISSION
                .replace(
                    "$1",
                    "(SELECT id FROM batches ORDER BY cutoff_at DESC LIMIT 1)",
                )
                .replace("$2", "1000"),
        ),
        (
            "tiempo_hasta_envio: el periodo, en su rango",
            literal(&nth_wait_sql("ASC")).replace("$3", "1000"),
        ),
        ("tasa_de_observacion", literal(&decisions_sql())),
        (
            "motivos_de_observacion: observaciones",
            literal(OBSERVATIONS),
        ),
        ("motivos_de_observacion: con texto", literal(WITH_CANNED)),
        ("motivos_de_observacion: por texto", literal(BY_TEXT)),
        (
            "certificados_por_vencer",
            dates(
                EXPIRING,
                &[
                    today,
                    report::days_after(today, w30),
                    report::days_after(today, w60),
                    report::days_after(today, w90),
                ],
            ),
        ),
        (
            "descargas_en_riesgo",
            dates(
                AT_RISK,
                &[today, report::days_after(today, report::RISK_DAYS)],
            ),
        ),
    ];
    let prefix = match backend {
        Backend::Sqlite => "EXPLAIN QUERY PLAN ",
        Backend::Postgres => "EXPLAIN ",
    };
    let mut out = Vec::new();
    for (name, sql) in queries {
        let rows = sqlx::query(&format!("{prefix}{sql}"))
            .fetch_all(&mut *conn)
            .await?;
        let lines = rows
            .iter()
            .map(|row| match backend {
                // id, parent, notused, detail
                Backend::Sqlite => {
                    let id: i64 = row.try_get(0).unwrap_or_default();
                    let parent: i64 = row.try_get(1).unwrap_or_default();
                    let detail: String = row.try_get(3).unwrap_or_default();
                    format!("{id}<-{parent} {detail}")
                }
                Backend::Postgres => row.try_get::<String, _>(0).unwrap_or_default(),
            })
            .collect();
        out.push((name, sql, lines));
    }
    Ok(out)
}
