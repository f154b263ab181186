//! The reports for analysts and admins (SPEC "Reports", issue 12): tickets by status and
//! kind, batches per week, the time from submission to dispatch, the observation rate and
//! its reasons, certificates expiring, and download deadlines at risk.
//!
//! Each report is read by aggregate queries (`store::reports`): nothing here loops over
//! tickets. The page reads them all in one read-only snapshot; a GET never writes.

use domain::report::{self, Period, ReportName};
use jiff::civil::Date;

use super::{auth, App, AppError, AppResult};
use crate::store::{
    reports::{self, AtRisk, BatchWeek, Decisions, Reasons, Span, StatusKindCount, Waits},
    users::User,
    Conn,
};

/// One report's data.
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    TramitesPorEstado(Vec<StatusKindCount>),
    LotesPorSemana(Vec<BatchWeek>),
    /// The whole period first (`cutoff_on` None), then each batch.
    TiempoHastaEnvio(Vec<Waits>),
    /// The whole period first (`week` None), then each week.
    TasaDeObservacion(Vec<Decisions>),
    MotivosDeObservacion(Reasons),
    /// `(window's days, certificates)` for 30, 60 and 90 days.
    CertificadosPorVencer(Vec<(i64, i64)>),
    DescargasEnRiesgo(Vec<AtRisk>),
}

/// A report as it was read: which, for which period, on which day.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub name: ReportName,
    pub period: Period,
    /// Lima's today when it was read (the look-ahead reports count from it).
    pub today: Date,
    pub report: Report,
}

/// The period of `from` and `to` as typed (`YYYY-MM-DD`, blank for the default), errors on
/// the fields named `fields`.
pub fn period(
    app: &App,
    from: Option<&str>,
    to: Option<&str>,
    fields: (&str, &str),
) -> AppResult<Period> {
    Period::parse(from, to, app.today(), fields).map_err(AppError::Validation)
}

/// One report (analysts and admins).
pub async fn one(app: &App, actor: &User, name: ReportName, period: Period) -> AppResult<Reading> {
    auth::require_analyst(actor)?;
    let today = app.today();
    let mut tx = app.store.read().await?;
    let report = read(&mut tx, name, period, today).await?;
    Ok(Reading {
        name,
        period,
        today,
        report,
    })
}

/// Every report, in the page's order, from one snapshot (analysts and admins).
pub async fn all(app: &App, actor: &User, period: Period) -> AppResult<Vec<Reading>> {
    auth::require_analyst(actor)?;
    let today = app.today();
    let mut tx = app.store.read().await?;
    let mut out = Vec::with_capacity(ReportName::ALL.len());
    for name in ReportName::ALL {
        out.push(Reading {
            name: *name,
            period,
            today,
            report: read(&mut tx, *name, period, today).await?,
        });
    }
    Ok(out)
}

async fn read(conn: &mut Conn, name: ReportName, period: Period, today: Date) -> AppResult<Report> {
    let (start, end) = period.bounds();
    let span = Span { start, end };
    Ok(match name {
        ReportName::TramitesPorEstado => {
            Report::TramitesPorEstado(reports::status_kind(conn, span).await?)
        }
        ReportName::LotesPorSemana => {
            Report::LotesPorSemana(reports::batch_weeks(conn, span).await?)
        }
        ReportName::TiempoHastaEnvio => Report::TiempoHastaEnvio(reports::waits(conn, span).await?),
        ReportName::TasaDeObservacion => {
            let weeks = reports::decisions(conn, span).await?;
            // The period's row adds up the weeks' (a dozen rows, not the history).
            let whole = weeks.iter().fold(Decisions::default(), |acc, w| Decisions {
                week: None,
                observed: acc.observed + w.observed,
                approved: acc.approved + w.approved,
                rejected: acc.rejected + w.rejected,
            });
            Report::TasaDeObservacion(std::iter::once(whole).chain(weeks).collect())
        }
        ReportName::MotivosDeObservacion => {
            Report::MotivosDeObservacion(reports::reasons(conn, span).await?)
        }
        ReportName::CertificadosPorVencer => {
            Report::CertificadosPorVencer(reports::expiring(conn, today).await?)
        }
        ReportName::DescargasEnRiesgo => Report::DescargasEnRiesgo(
            reports::at_risk(conn, today, report::days_after(today, report::RISK_DAYS)).await?,
        ),
    })
}
