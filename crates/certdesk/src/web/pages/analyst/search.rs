//! Finding any ticket (`/analista/buscar`): by number, applicant DNI or name, with status
//! and kind filters and keyset pages, newest first. The search itself is `app::search`.

use askama::Template;
use axum::extract::{Query, State};

use crate::web::{
    error::PageResult,
    extract::Analyst,
    pages::{
        datetime, render_form,
        ticket_search::{self, SearchForm, SearchQuery},
        tickets::StatusBadge,
        Layout,
    },
    WebState,
};

/// Tickets per page.
const PAGE: i64 = 50;

struct Row {
    id: String,
    number: String,
    kind: &'static str,
    reason: String,
    status: StatusBadge,
    requester: String,
    /// "Tello Vásquez, Carmen Rosa (DNI 10117410)", one per applicant.
    applicants: Vec<String>,
    /// Sent on, or created on for drafts.
    date: String,
}

#[derive(Template)]
#[template(path = "analyst_search.html")]
struct SearchPage {
    layout: Layout,
    rows: Vec<Row>,
    searched: bool,
    search: SearchForm,
}

pub async fn show(
    State(state): State<WebState>,
    me: Analyst,
    Query(query): Query<SearchQuery>,
) -> PageResult {
    let (found, errors) = ticket_search::run(&state.app, me.user(), &query, false, PAGE).await?;
    let search = ticket_search::form("/analista/buscar", &query, found.as_ref(), errors);
    let failed = found.is_none();
    let rows = match &found {
        Some(f) => f
            .tickets
            .iter()
            .map(|t| Row {
                id: t.id.to_string(),
                number: t.number.to_string(),
                kind: t.kind.label(),
                reason: t.reason.label(),
                status: t.status.into(),
                requester: t.requester_name.clone(),
                applicants: f
                    .applicants_of(t.id)
                    .map(|a| format!("{} (DNI {})", a.full_name, a.dni))
                    .collect(),
                date: match t.submitted_at {
                    Some(at) => datetime(at),
                    None => format!("Sin enviar (creado el {})", datetime(t.created_at)),
                },
            })
            .collect(),
        None => Vec::new(),
    };
    Ok(render_form(
        failed,
        &SearchPage {
            layout: Layout::new("Buscar trámites", Some(&me.viewer), "/analista/buscar"),
            searched: search.narrowed,
            rows,
            search,
        },
    ))
}
