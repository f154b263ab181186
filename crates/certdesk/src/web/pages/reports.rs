//! `/reportes` (analysts and admins): every report of the period, each a chart drawn on the
//! server (inline SVG, no JavaScript) followed by its table, which is the chart's text
//! alternative, and a «Descargar CSV» link (`/reportes/{name}.csv`, the same file as the
//! API's `/api/v1/reports/{name}.csv`).

use askama::Template;
use axum::extract::{Path, Query, State};
use domain::{
    report::{Period, ReportName},
    schedule::format_date,
    validation::FieldErrors,
};

use super::{render_form, summary, Layout, SummaryItem};
use crate::{
    app::{reports, AppError},
    web::{
        api::reports::csv_download,
        error::{PageError, PageResult},
        extract::Analyst,
        report_table::{self, Table},
        WebState,
    },
};

/// The page's path.
pub const PATH: &str = "/reportes";

/// The period's fields: `?desde=AAAA-MM-DD&hasta=AAAA-MM-DD`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PeriodQuery {
    desde: Option<String>,
    hasta: Option<String>,
}

/// The most rows of a list the page shows; the CSV has them all.
const PAGE_ROWS: usize = 100;

/// A column heading of a report's table.
struct Heading {
    label: &'static str,
    numeric: bool,
}

/// A cell as the page shows it; the first of a row is the row's header.
struct PageCell {
    /// The column's title, shown before the value when the table becomes cards on a phone.
    label: &'static str,
    text: String,
    href: Option<String>,
    numeric: bool,
}

struct PageRow {
    /// A row that sums up the others (the whole period, the total).
    summary: bool,
    cells: Vec<PageCell>,
}

/// One report on the page.
struct Section {
    id: String,
    title: &'static str,
    /// What the numbers are.
    about: &'static str,
    /// What the page says when there is nothing to show.
    empty: &'static str,
    chart: Option<String>,
    headings: Vec<Heading>,
    rows: Vec<PageRow>,
    /// Rows left out of the page (they are in the CSV).
    more: usize,
    csv_href: String,
}

impl Section {
    fn new(reading: &reports::Reading, period: &Period) -> Section {
        let table: Table = report_table::table(reading);
        let headings = table
            .people_columns()
            .map(|(_, c)| Heading {
                label: c.label,
                numeric: c.numeric,
            })
            .collect();
        let more = table.rows.len().saturating_sub(PAGE_ROWS);
        let rows = table
            .rows
            .iter()
            .enumerate()
            .take(PAGE_ROWS)
            .map(|(i, row)| PageRow {
                summary: table.summary_rows.contains(&i),
                cells: table
                    .people_columns()
                    .filter_map(|(j, c)| {
                        row.get(j).map(|cell| PageCell {
                            label: c.label,
                            text: cell.text.clone(),
                            href: cell.href.clone(),
                            numeric: c.numeric,
                        })
                    })
                    .collect(),
            })
            .collect();
        Section {
            id: reading.name.as_str().replace('_', "-"),
            title: reading.name.title(),
            about: about(reading.name),
            empty: match reading.name {
                ReportName::DescargasEnRiesgo => {
                    "Ningún plazo de descarga vence en los próximos 7 días."
                }
                ReportName::CertificadosPorVencer => {
                    "Ningún certificado vigente caduca en los próximos 90 días."
                }
                _ => "No hay datos para este periodo.",
            },
            chart: report_table::chart(reading).map(|c| c.svg),
            headings,
            rows,
            more,
            csv_href: csv_href(reading.name, Some(period)),
        }
    }
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    layout: Layout,
    desde: String,
    hasta: String,
    /// «del 14/09/2026 al 02/12/2026».
    period_text: String,
    today_text: String,
    summary: Vec<SummaryItem>,
    errors: FieldErrors,
    sections: Vec<Section>,
}

const FIELDS: (&str, &str) = ("desde", "hasta");
const LABELS: [(&str, &str); 2] = [("desde", "Desde"), ("hasta", "Hasta")];

fn about(name: ReportName) -> &'static str {
    match name {
        ReportName::TramitesPorEstado => {
            "Trámites registrados en el periodo, según su estado de hoy y su tipo."
        }
        ReportName::LotesPorSemana => {
            "Lotes cuyo corte cayó en el periodo, por semana (de lunes a domingo), y cuántos solicitantes llevó cada uno."
        }
        ReportName::TiempoHastaEnvio => {
            "Días desde que se envió el trámite por primera vez hasta que se cerró el lote que llevó a cada solicitante a RENIEC, por lote (lotes con corte en el periodo). Incluye el tiempo de las observaciones y el de los retenidos por la regla de los 10 días. La mediana deja a la mitad de los solicitantes por debajo; el percentil 90, al 90 %."
        }
        ReportName::TasaDeObservacion => {
            "Revisiones terminadas en la semana (observar, aprobar o rechazar) y qué parte fueron observaciones. Un trámite observado dos veces cuenta dos revisiones."
        }
        ReportName::MotivosDeObservacion => {
            "Observaciones del periodo según las observaciones frecuentes que se eligieron. Una observación puede tener varios motivos, así que los porcentajes pueden sumar más de 100 %."
        }
        ReportName::CertificadosPorVencer => {
            "Certificados vigentes (instalados o por descargar) que caducan en los próximos 90 días, contados desde hoy."
        }
        ReportName::DescargasEnRiesgo => {
            "Certificados aprobados por RENIEC que aún no se instalan y cuyo plazo de descarga vence en los próximos 7 días, contados desde hoy. Pasado el plazo, se necesita una reemisión pagada."
        }
    }
}

fn csv_href(name: ReportName, period: Option<&Period>) -> String {
    let base = format!("{PATH}/{}.csv", name.as_str());
    match period.filter(|_| name.uses_period()) {
        Some(p) => format!("{base}?desde={}&hasta={}", p.from, p.to),
        None => base,
    }
}

pub async fn show(
    State(state): State<WebState>,
    me: Analyst,
    Query(query): Query<PeriodQuery>,
) -> PageResult {
    let desde = query.desde.clone().unwrap_or_default();
    let hasta = query.hasta.clone().unwrap_or_default();
    let layout = Layout::new("Reportes", Some(&me.viewer), PATH);
    let today = state.app.today();
    let period = match reports::period(
        &state.app,
        query.desde.as_deref(),
        query.hasta.as_deref(),
        FIELDS,
    ) {
        Ok(period) => period,
        Err(AppError::Validation(errors)) => {
            return Ok(render_form(
                true,
                &ReportsPage {
                    layout,
                    desde,
                    hasta,
                    period_text: String::new(),
                    today_text: format_date(today),
                    summary: summary(&errors, &LABELS),
                    errors,
                    sections: Vec::new(),
                },
            ));
        }
        Err(other) => return Err(other.into()),
    };
    let readings = reports::all(&state.app, me.user(), period).await?;
    let sections = readings
        .iter()
        .map(|reading| Section::new(reading, &period))
        .collect();
    Ok(render_form(
        false,
        &ReportsPage {
            layout,
            desde: period.from.to_string(),
            hasta: period.to.to_string(),
            period_text: format!(
                "del {} al {}",
                format_date(period.from),
                format_date(period.to)
            ),
            today_text: format_date(readings.first().map_or(today, |r| r.today)),
            summary: Vec::new(),
            errors: FieldErrors::new(),
            sections,
        },
    ))
}

/// `GET /reportes/{name}.csv`: a report's table as CSV, for the period of `?desde=&hasta=`.
pub async fn csv(
    State(state): State<WebState>,
    me: Analyst,
    Path(file): Path<String>,
    Query(query): Query<PeriodQuery>,
) -> PageResult {
    let name: ReportName = file
        .strip_suffix(".csv")
        .and_then(|n| n.parse().ok())
        .ok_or(PageError::from(AppError::NotFound))?;
    let period = reports::period(
        &state.app,
        query.desde.as_deref(),
        query.hasta.as_deref(),
        FIELDS,
    )?;
    let reading = reports::one(&state.app, me.user(), name, period).await?;
    let table = report_table::table(&reading);
    csv_download(&reading, &table)
}
