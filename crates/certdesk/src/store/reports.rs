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

/// How long the applicants of a group of batches waited, from their ticket's first
/// submission to the close of their batch, in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Waits {
    /// The week's Monday; `None` for the whole period.
    pub week: Option<Date>,
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

/// The group of the whole period's row in [`WAITS`]'s answer (weeks are numbered from 0).
const WHOLE_PERIOD: i64 = -1;

/// Every applicant's wait is computed once (`MATERIALIZED`), then ranked twice: within its
/// week and within the whole period. Only the rows at the median's and the 90th
/// percentile's rank leave the database: at most two per week, plus two. Each ranking is
/// one window (the count and the sum share the row number's sort).
fn waits_sql() -> String {
    let whole = "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING";
    format!(
        "WITH waited AS MATERIALIZED ( \
           SELECT {week} AS week, \
                  (b.closed_at - (SELECT MIN(e.at) FROM ticket_events e \
                                  WHERE e.ticket_id = a.ticket_id AND e.event = 'submit')) / 1000000 AS seconds \
           FROM batches b \
           JOIN batch_items bi ON bi.batch_id = b.id \
           JOIN applicants a ON a.id = bi.applicant_id \
           WHERE b.cutoff_at >= $1 AND b.cutoff_at < $2 \
         ), ranked AS ( \
           SELECT week AS grp, seconds, ROW_NUMBER() OVER w AS rn, \
                  COUNT(*) OVER (w {whole}) AS n, SUM(seconds) OVER (w {whole}) AS total \
           FROM waited WHERE seconds IS NOT NULL \
           WINDOW w AS (PARTITION BY week ORDER BY seconds) \
           UNION ALL \
           SELECT {WHOLE_PERIOD} AS grp, seconds, ROW_NUMBER() OVER v AS rn, \
                  COUNT(*) OVER (v {whole}) AS n, SUM(seconds) OVER (v {whole}) AS total \
           FROM waited WHERE seconds IS NOT NULL \
           WINDOW v AS (ORDER BY seconds) \
         ) \
         SELECT grp, n, CAST(total AS BIGINT) AS total, rn, seconds FROM ranked \
         WHERE rn = ({median} * n + 99) / 100 OR rn = ({p90} * n + 99) / 100 \
         ORDER BY grp, rn",
        week = week_sql("b.cutoff_at"),
        median = report::MEDIAN,
        p90 = report::P90,
    )
}

/// The waits of the applicants in the batches whose cut-off falls in `span`: the whole
/// period's (`week` None) first, then each week's; nothing when no applicant was sent.
pub async fn waits(conn: &mut Conn, span: Span) -> StoreResult<Vec<Waits>> {
    let (start, end) = span.args();
    let rows = sqlx::query(&waits_sql())
        .bind(start)
        .bind(end)
        .fetch_all(&mut *conn)
        .await?;
    let mut out: Vec<Waits> = Vec::new();
    let mut last_group = None;
    for row in &rows {
        let grp: i64 = row.try_get("grp")?;
        let n: i64 = row.try_get("n")?;
        let rn: i64 = row.try_get("rn")?;
        let seconds: i64 = row.try_get("seconds")?;
        if last_group != Some(grp) {
            last_group = Some(grp);
            out.push(Waits {
                week: (grp != WHOLE_PERIOD).then(|| report::week_monday(grp)),
                count: n,
                total_seconds: row.try_get("total")?,
                median_seconds: 0,
                p90_seconds: 0,
            });
        }
        let Some(current) = out.last_mut() else {
            continue;
        };
        let n = u64::try_from(n).unwrap_or(0);
        let rn = u64::try_from(rn).unwrap_or(0);
        if rn == report::nearest_rank(n, report::MEDIAN) {
            current.median_seconds = seconds;
        }
        if rn == report::nearest_rank(n, report::P90) {
            current.p90_seconds = seconds;
        }
    }
    Ok(out)
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

const EXPIRING: &str = "SELECT CASE WHEN expires_on <= $2 THEN 1 WHEN expires_on <= $3 THEN 2 ELSE 3 END AS win, \
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
        if let Some(slot) = usize::try_from(win - 1).ok().and_then(|i| counts.get_mut(i)) {
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
/// PostgreSQL), for the benchmark: `(query, plan lines)`.
pub async fn explain(
    conn: &mut Conn,
    backend: Backend,
    span: Span,
    today: Date,
) -> StoreResult<Vec<(&'static str, Vec<String>)>> {
    let (start, end) = (ts_to_db(span.start).to_string(), ts_to_db(span.end).to_string());
    let literal = |sql: &str| sql.replace("$1", &start).replace("$2", &end);
    let dates = |sql: &str, dates: &[Date]| {
        dates.iter().enumerate().rev().fold(sql.to_owned(), |acc, (i, d)| {
            acc.replace(&format!("${}", i + 1), &format!("'{}'", date_to_db(*d)))
        })
    };
    let [w30, w60, w90] = report::EXPIRY_WINDOWS;
    let queries: Vec<(&'static str, String)> = vec![
        ("tramites_por_estado", literal(STATUS_KIND)),
        ("lotes_por_semana", literal(&batch_weeks_sql())),
        ("tiempo_hasta_envio", literal(&waits_sql())),
        ("tasa_de_observacion", literal(&decisions_sql())),
        ("motivos_de_observacion: observaciones", literal(OBSERVATIONS)),
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
        out.push((name, lines));
    }
    Ok(out)
}
