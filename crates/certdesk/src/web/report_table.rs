//! One report as a table, the same for the page, the JSON API and the CSV file: its columns
//! (a key for programs, a Spanish label for people) and, per cell, the value programs read
//! (dates `YYYY-MM-DD`, plain numbers) and the text people read (dd/mm/aaaa, one decimal,
//! «23.4 %»). Also the chart each report is drawn as.

use domain::{
    schedule::format_date,
    ticket::{Kind, Status},
};
use jiff::civil::Date;
use serde_json::{json, Value};

use super::{
    charts::{self, Chart, Series},
    csv::Sheet,
    error::PageError,
    pages::datetime,
};
use crate::app::reports::{Reading, Report};

/// A column: the key of its value in the JSON rows, and its Spanish title.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub key: &'static str,
    pub label: &'static str,
    /// Numbers are right-aligned on the page.
    pub numeric: bool,
    /// Shown to people (page and CSV); ids are for programs only (JSON).
    pub people: bool,
}

const fn col(key: &'static str, label: &'static str) -> Column {
    Column {
        key,
        label,
        numeric: false,
        people: true,
    }
}

const fn num(key: &'static str, label: &'static str) -> Column {
    Column {
        key,
        label,
        numeric: true,
        people: true,
    }
}

/// A column of ids, in the JSON rows only.
const fn id(key: &'static str) -> Column {
    Column {
        key,
        label: key,
        numeric: false,
        people: false,
    }
}

/// One cell: the value for programs, the text for people, and a link for the page.
#[derive(Debug, Clone)]
pub struct Cell {
    pub value: Value,
    pub text: String,
    pub href: Option<String>,
}

impl Cell {
    fn int(n: i64) -> Cell {
        Cell {
            value: json!(n),
            text: n.to_string(),
            href: None,
        }
    }

    fn text(s: impl Into<String>) -> Cell {
        let s = s.into();
        Cell {
            value: json!(s),
            text: s,
            href: None,
        }
    }

    fn date(d: Date) -> Cell {
        Cell {
            value: json!(d.to_string()),
            text: format_date(d),
            href: None,
        }
    }

    /// A value for programs shown with other words to people (a code and its label).
    fn coded(value: Value, text: impl Into<String>) -> Cell {
        Cell {
            value,
            text: text.into(),
            href: None,
        }
    }

    /// Days from seconds, two decimals for programs, one for people.
    fn days(seconds: f64) -> Cell {
        let days = seconds / 86_400.0;
        Cell {
            value: json!((days * 100.0).round() / 100.0),
            text: format!("{days:.1}"),
            href: None,
        }
    }

    fn empty() -> Cell {
        Cell {
            value: Value::Null,
            text: String::new(),
            href: None,
        }
    }

    fn link(mut self, href: impl Into<String>) -> Cell {
        self.href = Some(href.into());
        self
    }
}

/// A share as a fraction for programs (4 decimals) and a percentage for people.
fn share(part: i64, whole: i64) -> Cell {
    if whole == 0 {
        return Cell::coded(Value::Null, "—");
    }
    let fraction = part as f64 / whole as f64;
    Cell::coded(
        json!((fraction * 10_000.0).round() / 10_000.0),
        format!("{:.1} %", fraction * 100.0),
    )
}

/// A report's table.
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// Rows that sum up the others (shown in bold on the page): their indexes.
    pub summary_rows: Vec<usize>,
}

impl Table {
    /// The rows as JSON objects keyed by the columns' keys.
    pub fn json_rows(&self) -> Vec<serde_json::Map<String, Value>> {
        self.rows
            .iter()
            .map(|row| {
                self.columns
                    .iter()
                    .zip(row)
                    .map(|(c, cell)| (c.key.to_owned(), cell.value.clone()))
                    .collect()
            })
            .collect()
    }

    /// The columns people see, with their positions in each row.
    pub fn people_columns(&self) -> impl Iterator<Item = (usize, &Column)> {
        self.columns.iter().enumerate().filter(|(_, c)| c.people)
    }

    /// The CSV file: the labels, then the people's texts (ids left out).
    pub fn sheet(&self) -> Result<Sheet, PageError> {
        let labels: Vec<&str> = self.people_columns().map(|(_, c)| c.label).collect();
        let mut sheet = Sheet::new(&labels);
        for row in &self.rows {
            let cells: Vec<String> = self
                .people_columns()
                .filter_map(|(i, _)| row.get(i).map(|c| c.text.clone()))
                .collect();
            sheet.row(&cells)?;
        }
        Ok(sheet)
    }
}

/// The week a row is about: its Monday, or the whole period.
fn week_cell(week: Option<Date>) -> Cell {
    match week {
        Some(monday) => Cell::date(monday),
        None => Cell::coded(Value::Null, "Todo el periodo"),
    }
}

/// "30/11" for a chart's axis.
fn short(d: Date) -> String {
    format!("{:02}/{:02}", d.day(), d.month())
}

/// The table of a reading.
pub fn table(reading: &Reading) -> Table {
    let mut summary_rows = Vec::new();
    let (columns, rows) = match &reading.report {
        Report::TramitesPorEstado(counts) => {
            let mut columns = vec![col("status", "Estado")];
            columns.extend(Kind::ALL.iter().map(|k| num(k.as_str(), k.label())));
            columns.push(num("total", "Total"));
            let count = |s: Option<Status>, k: Option<Kind>| -> i64 {
                counts
                    .iter()
                    .filter(|c| s.is_none_or(|s| c.status == s) && k.is_none_or(|k| c.kind == k))
                    .map(|c| c.count)
                    .sum()
            };
            let row = |s: Option<Status>| -> Vec<Cell> {
                let mut cells = vec![match s {
                    Some(s) => Cell::coded(json!(s.as_str()), s.label()),
                    None => Cell::coded(Value::Null, "Total"),
                }];
                cells.extend(Kind::ALL.iter().map(|k| Cell::int(count(s, Some(*k)))));
                cells.push(Cell::int(count(s, None)));
                cells
            };
            let mut rows: Vec<Vec<Cell>> = Status::ALL.iter().map(|s| row(Some(*s))).collect();
            summary_rows.push(rows.len());
            rows.push(row(None));
            (columns, rows)
        }
        Report::LotesPorSemana(weeks) => (
            vec![
                col("week", "Semana del"),
                num("batches", "Lotes"),
                num("applicants", "Solicitantes enviados"),
                num("largest", "Lote más grande"),
            ],
            weeks
                .iter()
                .map(|w| {
                    vec![
                        Cell::date(w.week),
                        Cell::int(w.batches),
                        Cell::int(w.applicants),
                        Cell::int(w.largest),
                    ]
                })
                .collect(),
        ),
        Report::TiempoHastaEnvio(waits) => {
            summary_rows.extend(
                waits
                    .iter()
                    .enumerate()
                    .filter(|(_, w)| w.cutoff_on.is_none())
                    .map(|(i, _)| i),
            );
            (
                vec![
                    col("batch_cutoff", "Lote del corte"),
                    num("applicants", "Solicitantes enviados"),
                    num("mean_days", "Promedio (días)"),
                    num("median_days", "Mediana (días)"),
                    num("p90_days", "Percentil 90 (días)"),
                ],
                waits
                    .iter()
                    .map(|w| {
                        vec![
                            match w.cutoff_on {
                                Some(day) => Cell::date(day),
                                None => Cell::coded(Value::Null, "Todo el periodo"),
                            },
                            Cell::int(w.count),
                            Cell::days(w.mean_seconds()),
                            Cell::days(w.median_seconds as f64),
                            Cell::days(w.p90_seconds as f64),
                        ]
                    })
                    .collect(),
            )
        }
        Report::TasaDeObservacion(weeks) => {
            summary_rows.extend(
                weeks
                    .iter()
                    .enumerate()
                    .filter(|(_, w)| w.week.is_none())
                    .map(|(i, _)| i),
            );
            (
                vec![
                    col("week", "Semana del"),
                    num("reviews", "Revisiones"),
                    num("observed", "Observadas"),
                    num("approved", "Aprobadas"),
                    num("rejected", "Rechazadas"),
                    num("observation_rate", "Tasa de observación"),
                ],
                weeks
                    .iter()
                    .map(|w| {
                        vec![
                            week_cell(w.week),
                            Cell::int(w.total()),
                            Cell::int(w.observed),
                            Cell::int(w.approved),
                            Cell::int(w.rejected),
                            share(w.observed, w.total()),
                        ]
                    })
                    .collect(),
            )
        }
        Report::MotivosDeObservacion(reasons) => {
            let mut rows: Vec<Vec<Cell>> = reasons
                .by_text
                .iter()
                .map(|r| {
                    let title = if r.active {
                        r.title.clone()
                    } else {
                        format!("{} (desactivada)", r.title)
                    };
                    vec![
                        Cell::coded(json!(r.text_id.to_string()), ""),
                        Cell::text(title),
                        Cell::int(r.count),
                        share(r.count, reasons.observations),
                    ]
                })
                .collect();
            let own = reasons.observations - reasons.with_canned;
            if own > 0 {
                rows.push(vec![
                    Cell::empty(),
                    Cell::text("Solo con palabras del analista (sin texto frecuente)"),
                    Cell::int(own),
                    share(own, reasons.observations),
                ]);
            }
            summary_rows.push(rows.len());
            rows.push(vec![
                Cell::empty(),
                Cell::text("Observaciones en el periodo"),
                Cell::int(reasons.observations),
                share(reasons.observations, reasons.observations),
            ]);
            (
                vec![
                    id("reason_id"),
                    col("reason", "Motivo"),
                    num("observations", "Observaciones"),
                    num("share", "% de las observaciones"),
                ],
                rows,
            )
        }
        Report::CertificadosPorVencer(windows) => {
            let mut previous = 0;
            let mut cumulative = 0;
            let rows = windows
                .iter()
                .map(|(days, count)| {
                    let from = domain::report::days_after(reading.today, previous + 1);
                    let from = if previous == 0 { reading.today } else { from };
                    let to = domain::report::days_after(reading.today, *days);
                    let label = if previous == 0 {
                        format!("En los próximos {days} días")
                    } else {
                        format!("Entre {} y {days} días", previous + 1)
                    };
                    previous = *days;
                    cumulative += count;
                    vec![
                        Cell::coded(json!(days), label)
                            .link(format!("/analista/certificados?vence={days}")),
                        Cell::date(from),
                        Cell::date(to),
                        Cell::int(*count),
                        Cell::int(cumulative),
                    ]
                })
                .collect();
            (
                vec![
                    col("within_days", "Caducan"),
                    col("from", "Desde"),
                    col("to", "Hasta"),
                    num("certificates", "Certificados"),
                    num("cumulative", "Acumulado"),
                ],
                rows,
            )
        }
        Report::DescargasEnRiesgo(list) => (
            vec![
                id("certificate_id"),
                col("holder", "Titular"),
                col("download_deadline", "Plazo de descarga"),
                num("days_left", "Días restantes"),
                col("installation_ticket", "Trámite de instalación"),
                col("appointment_at", "Cita de instalación"),
            ],
            list.iter()
                .map(|c| {
                    let days = days_between(reading.today, c.download_deadline);
                    vec![
                        Cell::coded(json!(c.certificate_id.to_string()), ""),
                        Cell::text(c.holder_name.clone()),
                        Cell::date(c.download_deadline),
                        Cell::coded(json!(days), days_left(days)),
                        match &c.installation {
                            Some((id, number)) => {
                                Cell::text(number.clone()).link(format!("/analista/tramites/{id}"))
                            }
                            None => Cell::coded(Value::Null, "Sin trámite"),
                        },
                        match c.appointment_at {
                            Some(at) => Cell::coded(json!(super::rfc3339(at)), datetime(at)),
                            None => Cell::empty(),
                        },
                    ]
                })
                .collect(),
        ),
    };
    Table {
        columns,
        rows,
        summary_rows,
    }
}

fn days_between(today: Date, day: Date) -> i64 {
    today
        .until(day)
        .map(|s| i64::from(s.get_days()))
        .unwrap_or(0)
}

/// «hoy es el último día», «queda 1 día», «quedan 5 días».
fn days_left(days: i64) -> String {
    match days {
        0 => "Hoy es el último día".to_owned(),
        1 => "Queda 1 día".to_owned(),
        n => format!("Quedan {n} días"),
    }
}

/// The chart of a reading; `None` when there is nothing to draw.
pub fn chart(reading: &Reading) -> Option<Chart> {
    let id = format!("grafico-{}", reading.name.as_str().replace('_', "-"));
    match &reading.report {
        Report::TramitesPorEstado(counts) => {
            let labels: Vec<String> = Status::ALL.iter().map(|s| s.label().to_owned()).collect();
            let values: Vec<f64> = Status::ALL
                .iter()
                .map(|s| {
                    counts
                        .iter()
                        .filter(|c| c.status == *s)
                        .map(|c| c.count)
                        .sum::<i64>() as f64
                })
                .collect();
            if values.iter().all(|v| *v == 0.0) {
                return None;
            }
            charts::bars(
                &id,
                "Trámites registrados en el periodo, por estado actual",
                &labels,
                &values,
                "trámites",
            )
        }
        Report::LotesPorSemana(weeks) => charts::columns(
            &id,
            "Solicitantes enviados a RENIEC por semana",
            &weeks.iter().map(|w| short(w.week)).collect::<Vec<_>>(),
            &weeks
                .iter()
                .map(|w| w.applicants as f64)
                .collect::<Vec<_>>(),
            "solicitantes",
        ),
        Report::TiempoHastaEnvio(waits) => {
            let weeks: Vec<_> = waits.iter().filter(|w| w.cutoff_on.is_some()).collect();
            charts::lines(
                &id,
                "Días desde el envío del trámite hasta el lote, por lote: mediana y percentil 90",
                &weeks
                    .iter()
                    .filter_map(|w| w.cutoff_on.map(short))
                    .collect::<Vec<_>>(),
                &[
                    Series {
                        name: "Mediana".into(),
                        values: weeks
                            .iter()
                            .map(|w| w.median_seconds as f64 / 86_400.0)
                            .collect(),
                    },
                    Series {
                        name: "Percentil 90".into(),
                        values: weeks
                            .iter()
                            .map(|w| w.p90_seconds as f64 / 86_400.0)
                            .collect(),
                    },
                ],
                "días",
            )
        }
        Report::TasaDeObservacion(weeks) => {
            let weeks: Vec<_> = weeks.iter().filter(|w| w.week.is_some()).collect();
            charts::lines(
                &id,
                "Porcentaje de revisiones que terminaron en observación, por semana",
                &weeks
                    .iter()
                    .filter_map(|w| w.week.map(short))
                    .collect::<Vec<_>>(),
                &[Series {
                    name: "Tasa de observación".into(),
                    values: weeks
                        .iter()
                        .map(|w| {
                            if w.total() == 0 {
                                0.0
                            } else {
                                100.0 * w.observed as f64 / w.total() as f64
                            }
                        })
                        .collect(),
                }],
                "%",
            )
        }
        Report::MotivosDeObservacion(reasons) => {
            let mut labels: Vec<String> = reasons.by_text.iter().map(|r| r.title.clone()).collect();
            let mut values: Vec<f64> = reasons.by_text.iter().map(|r| r.count as f64).collect();
            let own = reasons.observations - reasons.with_canned;
            if own > 0 {
                labels.push("Solo palabras del analista".into());
                values.push(own as f64);
            }
            charts::bars(
                &id,
                "Observaciones por motivo",
                &labels,
                &values,
                "observaciones",
            )
        }
        Report::CertificadosPorVencer(windows) => {
            let mut previous = 0;
            let labels: Vec<String> = windows
                .iter()
                .map(|(days, _)| {
                    let label = format!("{}–{days} días", previous + usize::from(previous > 0));
                    previous = usize::try_from(*days).unwrap_or(0);
                    label
                })
                .collect();
            let values: Vec<f64> = windows.iter().map(|(_, n)| *n as f64).collect();
            charts::bars(
                &id,
                "Certificados vigentes que caducan en los próximos 90 días",
                &labels,
                &values,
                "certificados",
            )
        }
        Report::DescargasEnRiesgo(list) => {
            let days: Vec<i64> = (0..=domain::report::RISK_DAYS).collect();
            let labels: Vec<String> = days.iter().map(|d| days_left(*d)).collect();
            let values: Vec<f64> = days
                .iter()
                .map(|d| {
                    list.iter()
                        .filter(|c| days_between(reading.today, c.download_deadline) == *d)
                        .count() as f64
                })
                .collect();
            if list.is_empty() {
                return None;
            }
            charts::bars(
                &id,
                "Certificados por descargar, según los días que les quedan",
                &labels,
                &values,
                "certificados",
            )
        }
    }
}
