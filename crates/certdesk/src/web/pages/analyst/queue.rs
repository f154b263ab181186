//! The queue (`/analista/cola`): open tickets in strict FIFO order by their last submission,
//! as one dense table, with filters by kind and status (a GET form) and keyset pages.

use askama::Template;
use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::Response,
};
use domain::{
    ticket::{Kind, Status},
    validation::FieldErrors,
};
use jiff::Timestamp;

use super::{refuse_non_analysts, summary_of, waited};
use crate::{
    app::review,
    store::tickets::Ticket,
    web::{
        extract::SignedIn,
        pages::{app_error_page, datetime, error_page, render, tickets::StatusBadge, Layout},
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
fn href(kind: Option<Kind>, status: Option<Status>, after: Option<&str>) -> String {
    let mut params: Vec<(&str, &str)> = Vec::new();
    if let Some(kind) = kind {
        params.push(("tipo", kind.as_str()));
    }
    if let Some(status) = status {
        params.push(("estado", status.as_str()));
    }
    if let Some(after) = after {
        params.push(("despues", after));
    }
    match serde_urlencoded::to_string(&params) {
        Ok(query) if !query.is_empty() => format!("/analista/cola?{query}"),
        _ => "/analista/cola".to_owned(),
    }
}

fn cursor(t: &Ticket) -> String {
    format!(
        "{}_{}",
        t.submitted_at.map(|s| s.as_microsecond()).unwrap_or(0),
        t.id
    )
}

fn parse_cursor(raw: &str) -> Option<(Timestamp, String)> {
    let (micros, id) = raw.split_once('_')?;
    let at = Timestamp::from_microsecond(micros.parse().ok()?).ok()?;
    (!id.is_empty()).then(|| (at, id.to_owned()))
}

pub async fn show(
    State(state): State<WebState>,
    me: SignedIn,
    Query(query): Query<QueueQuery>,
) -> Response {
    if let Some(res) = refuse_non_analysts(&me) {
        return res;
    }
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
    let after =
        match non_empty(&query.despues) {
            Some(raw) => match parse_cursor(raw) {
                Some(after) => Some(after),
                None => return error_page(
                    StatusCode::BAD_REQUEST,
                    "Enlace inválido",
                    "El enlace de esta página de la cola no es válido. Vuelva a la primera página.",
                    Some(&me.viewer),
                ),
            },
            None => None,
        };
    let tickets = match review::queue(
        &state.app,
        me.user(),
        kind,
        status,
        after.as_ref().map(|(at, id)| (*at, id.as_str())),
        PAGE,
    )
    .await
    {
        Ok(tickets) => tickets,
        Err(err) => return app_error_page(err, Some(&me.viewer)),
    };
    // Positions are places in the whole queue, filters or not: FIFO is one line for all.
    let mut positions = Vec::with_capacity(tickets.len());
    if kind.is_none() && status.is_none() {
        let first = match tickets.first() {
            Some(t) => match review::queue_position(&state.app, t).await {
                Ok(p) => p.unwrap_or(1),
                Err(err) => return app_error_page(err, Some(&me.viewer)),
            },
            None => 1,
        };
        positions.extend((0..tickets.len() as i64).map(|i| first + i));
    } else {
        for t in &tickets {
            match review::queue_position(&state.app, t).await {
                Ok(p) => positions.push(p.unwrap_or(0)),
                Err(err) => return app_error_page(err, Some(&me.viewer)),
            }
        }
    }
    let assigned: Vec<&str> = tickets
        .iter()
        .filter_map(|t| t.assigned_to.as_deref())
        .collect();
    let names = match review::people(&state.app, me.user(), &assigned).await {
        Ok(names) => names,
        Err(err) => return app_error_page(err, Some(&me.viewer)),
    };
    let now = state.app.now();
    let next_href = (tickets.len() as i64 == PAGE)
        .then(|| tickets.last().map(|t| href(kind, status, Some(&cursor(t)))))
        .flatten();
    let me_id = me.user().id.clone();
    let rows = tickets
        .into_iter()
        .zip(positions)
        .map(|(t, position)| Row {
            position,
            arrived: t.submitted_at.map(datetime).unwrap_or_default(),
            waited: t.submitted_at.map(|s| waited(now, s)).unwrap_or_default(),
            kind: t.kind.label(),
            reason: t.reason.text(),
            reason_code: t.reason.code_str(),
            status: t.status.into(),
            assignee: t
                .assigned_to
                .as_ref()
                .filter(|_| t.status == Status::EnAtencion)
                .map(|a| {
                    names
                        .get(a)
                        .map(|u| u.name.clone())
                        .unwrap_or_else(|| "—".into())
                }),
            mine: t.assigned_to.as_deref() == Some(me_id.as_str())
                && t.status == Status::EnAtencion,
            requester: t.requester_name,
            id: t.id,
            number: t.number,
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
    let code = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        code,
        &QueuePage {
            layout: Layout::new("Cola de atención", Some(&me.viewer), "/analista/cola"),
            rows,
            kinds,
            statuses,
            filtered: kind.is_some() || status.is_some(),
            first_page: after.is_none(),
            next_href,
            first_href: href(kind, status, None),
            errors,
            summary,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_links_keep_the_filters_and_the_cursor_round_trips() {
        assert_eq!(href(None, None, None), "/analista/cola");
        assert_eq!(
            href(Some(Kind::Emision), Some(Status::Enviado), Some("5_abc")),
            "/analista/cola?tipo=emision&estado=enviado&despues=5_abc"
        );
        let (at, id) = parse_cursor("1764690000000000_0192-ab").unwrap();
        assert_eq!(at.as_microsecond(), 1_764_690_000_000_000);
        assert_eq!(id, "0192-ab");
        assert!(parse_cursor("x_1").is_none());
        assert!(parse_cursor("15_").is_none());
    }
}
