//! The queue (`/analista/cola`): open tickets in strict FIFO order by their last submission,
//! as one dense table, with filters by kind and status (a GET form) and keyset pages.

use askama::Template;
use axum::extract::{Query, State};
use domain::{
    ticket::{Kind, Status},
    validation::FieldErrors,
};

use super::{summary_of, waited};
use crate::web::pages::render_form;
use crate::{
    app::review,
    store::tickets::QueueCursor,
    web::{
        error::PageResult,
        extract::Analyst,
        pages::{datetime, page_cursor, tickets::StatusBadge, Layout},
        WebState,
    },
};

/// Tickets per page of the queue.
const PAGE: i64 = 50;

struct Choice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

struct Row {
    position: i64,
    id: String,
    number: String,
    kind: &'static str,
    reason: &'static str,
    reason_code: Option<&'static str>,
    requester: String,
    arrived: String,
    waited: String,
    status: StatusBadge,
    assignee: Option<String>,
    mine: bool,
}

#[derive(Template)]
#[template(path = "analyst_queue.html")]
struct QueuePage {
    layout: Layout,
    rows: Vec<Row>,
    kinds: Vec<Choice>,
    statuses: Vec<Choice>,
    filtered: bool,
    first_page: bool,
    next_href: Option<String>,
    first_href: String,
    /// The CSV export with the same filters.
    csv_href: String,
    errors: FieldErrors,
    summary: Vec<crate::web::pages::SummaryItem>,
}

#[derive(serde::Deserialize, Default)]
pub struct QueueQuery {
    tipo: Option<String>,
    estado: Option<String>,
    despues: Option<String>,
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The link to a page of the queue with the same filters.
fn href(kind: Option<Kind>, status: Option<Status>, after: Option<QueueCursor>) -> String {
    let after = after.map(|a| a.to_string());
    let mut params: Vec<(&str, &str)> = Vec::new();
    if let Some(kind) = kind {
        params.push(("tipo", kind.as_str()));
    }
    if let Some(status) = status {
        params.push(("estado", status.as_str()));
    }
    if let Some(after) = &after {
        params.push(("despues", after));
    }
    match serde_urlencoded::to_string(&params) {
        Ok(query) if !query.is_empty() => format!("/analista/cola?{query}"),
        _ => "/analista/cola".to_owned(),
    }
}

pub async fn show(
    State(state): State<WebState>,
    me: Analyst,
    Query(query): Query<QueueQuery>,
) -> PageResult {
    let mut errors = FieldErrors::new();
    let kind = non_empty(&query.tipo).and_then(|k| {
        errors.check(
            "tipo",
            k.parse::<Kind>()
                .map_err(|_| "Elija un tipo de trámite de la lista."),
        )
    });
    let status = non_empty(&query.estado).and_then(|s| match s.parse::<Status>() {
        Ok(s) if s.is_in_queue() => Some(s),
        _ => {
            errors.add("estado", "Elija «Enviado» o «En atención».");
            None
        }
    });
    let after = page_cursor::<QueueCursor>(query.despues.as_deref())?;
    let page = review::queue_page(&state.app, me.user(), kind, status, after, PAGE).await?;
    let now = state.app.now();
    let next_href = (page.tickets.len() as i64 == PAGE)
        .then(|| {
            page.tickets
                .last()
                .map(|(_, t)| href(kind, status, Some(QueueCursor::after(t))))
        })
        .flatten();
    let me_id = me.user().id;
    let rows = page
        .tickets
        .into_iter()
        .map(|(position, t)| {
            let attending = t.status == Status::EnAtencion;
            Row {
                position,
                arrived: t.submitted_at.map(datetime).unwrap_or_default(),
                waited: t.submitted_at.map(|s| waited(now, s)).unwrap_or_default(),
                kind: t.kind.label(),
                reason: t.reason.text(),
                reason_code: t.reason.code_str(),
                status: t.status.into(),
                mine: attending && t.assigned_to.as_ref().is_some_and(|(id, _)| *id == me_id),
                assignee: t.assigned_to.filter(|_| attending).map(|(_, name)| name),
                requester: t.requester_name,
                id: t.id.to_string(),
                number: t.number.to_string(),
            }
        })
        .collect();
    let kinds = Kind::ALL
        .iter()
        .map(|k| Choice {
            value: k.as_str(),
            label: k.label(),
            selected: kind == Some(*k),
        })
        .collect();
    let statuses = Status::ALL
        .iter()
        .filter(|s| s.is_in_queue())
        .map(|s| Choice {
            value: s.as_str(),
            label: s.label(),
            selected: status == Some(*s),
        })
        .collect();
    let summary = summary_of(&errors, |field| {
        match field {
            "tipo" => "Tipo",
            _ => "Estado",
        }
        .to_owned()
    });
    Ok(render_form(
        !errors.is_empty(),
        &QueuePage {
            layout: Layout::new("Cola de atención", Some(&me.viewer), "/analista/cola"),
            rows,
            kinds,
            statuses,
            filtered: kind.is_some() || status.is_some(),
            first_page: after.is_none(),
            next_href,
            first_href: href(kind, status, None),
            csv_href: href(kind, status, None).replacen("/analista/cola", "/analista/cola.csv", 1),
            errors,
            summary,
        },
    ))
}

/// Rows read per step of the export.
const EXPORT_STEP: i64 = 500;

/// The export's columns, as people read them.
const CSV_HEADERS: [&str; 9] = [
    "Orden",
    "Trámite",
    "Tipo",
    "Motivo",
    "Estado",
    "Registrado por",
    "Llegada",
    "Analista",
    "Enlace",
];

/// The queue as a CSV file (`/analista/cola.csv`), with the page's filters: UTF-8 with a
/// BOM (so spreadsheets read the accents), Spanish headers and values, dates dd/mm/aaaa
/// hh:mm in Lima. A bad filter is the queue page with its errors.
pub async fn csv(
    State(state): State<WebState>,
    me: Analyst,
    Query(query): Query<QueueQuery>,
) -> PageResult {
    let kind = non_empty(&query.tipo).and_then(|k| k.parse::<Kind>().ok());
    let status = non_empty(&query.estado).and_then(|s| s.parse::<Status>().ok());
    let bad_kind = non_empty(&query.tipo).is_some() && kind.is_none();
    let bad_status = non_empty(&query.estado).is_some() && !status.is_some_and(|s| s.is_in_queue());
    if bad_kind || bad_status {
        return show(State(state), me, Query(query)).await;
    }
    let base = &state.app.config.base_url;
    let mut out = crate::web::csv::Sheet::new(&CSV_HEADERS);
    let mut after = None;
    loop {
        let page =
            review::queue_page(&state.app, me.user(), kind, status, after, EXPORT_STEP).await?;
        let Some((_, last)) = page.tickets.last() else {
            break;
        };
        after = Some(QueueCursor::after(last));
        let full = page.tickets.len() as i64 == EXPORT_STEP;
        for (position, t) in page.tickets {
            let attending = t.status == Status::EnAtencion;
            out.row(&[
                position.to_string(),
                t.number.to_string(),
                t.kind.label().to_owned(),
                t.reason.label(),
                t.status.label().to_owned(),
                t.requester_name.clone(),
                t.submitted_at.map(datetime).unwrap_or_default(),
                t.assigned_to
                    .filter(|_| attending)
                    .map(|(_, name)| name)
                    .unwrap_or_default(),
                format!("{base}/analista/tramites/{}", t.id),
            ])?;
        }
        if !full {
            break;
        }
    }
    let name = format!("cola-{}.csv", state.app.today().strftime("%Y-%m-%d"));
    out.into_response(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_links_keep_the_filters_and_the_cursor() {
        assert_eq!(href(None, None, None), "/analista/cola");
        let cursor: QueueCursor = "5_0192f0c4-7e2a-7cc0-8a7e-6c1f0f6f2b11".parse().unwrap();
        assert_eq!(
            href(Some(Kind::Emision), Some(Status::Enviado), Some(cursor)),
            "/analista/cola?tipo=emision&estado=enviado&despues=5_0192f0c4-7e2a-7cc0-8a7e-6c1f0f6f2b11"
        );
    }
}
