//! The RENIEC batch (`/analista/lotes`): this week's cut-off (holidays applied) and how many
//! applicants wait for it, the closed batches with their package, a "close now" button, and
//! one batch's items in FIFO order (`/analista/lotes/{id}`).

use std::collections::HashMap;

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use domain::schedule;

use crate::{
    app::{batch, review, AppError},
    store::{batches::Batch, users::User},
    web::{
        extract::{CsrfForm, SignedIn},
        pages::{app_error_page, datetime, render, Layout},
        WebState,
    },
};

use super::refuse_non_analysts;

/// Batches per page of the list.
const PAGE: i64 = 20;

struct BatchRow {
    id: String,
    cutoff: String,
    closed: String,
    closed_by: String,
    items: i64,
    package_url: String,
    package_size: Option<String>,
}

/// The state of the batch this week, in words.
struct OutlookView {
    next_cutoff: String,
    due_next: i64,
    held: i64,
    overdue: i64,
    /// The latest cut-off already passed, and whether its batch is closed.
    last_cutoff: Option<(String, bool)>,
}

#[derive(Template)]
#[template(path = "analyst_batches.html")]
struct BatchesPage {
    layout: Layout,
    outlook: OutlookView,
    batches: Vec<BatchRow>,
    next: Option<String>,
    first_page: bool,
    alert: Option<String>,
    /// The latest cut-off's batch is closed (or there is none): closing is not urgent.
    last_closed: bool,
}

/// `1,2 MB`, `850 kB`: how big a download is.
fn size_text(bytes: i64) -> String {
    const MB: i64 = 1024 * 1024;
    if bytes >= MB {
        let tenths = (bytes * 10 + MB / 2) / MB;
        format!("{},{} MB", tenths / 10, tenths % 10)
    } else {
        format!("{} kB", (bytes + 1023) / 1024)
    }
}

fn cutoff_text(b: &Batch) -> String {
    schedule::format_dispatch(&schedule::to_lima(b.cutoff_at))
}

fn rows(batches: Vec<Batch>, names: &HashMap<String, User>) -> Vec<BatchRow> {
    batches
        .into_iter()
        .map(|b| BatchRow {
            cutoff: cutoff_text(&b),
            closed: datetime(b.closed_at),
            closed_by: match &b.closed_by {
                Some(id) => names
                    .get(id)
                    .map(|u| u.name.clone())
                    .unwrap_or_else(|| "Un analista".into()),
                None => "Automático, al corte".into(),
            },
            items: b.item_count,
            package_url: format!("/api/v1/batches/{}/package.zip", b.id),
            package_size: b.package_bytes.map(size_text),
            id: b.id,
        })
        .collect()
}

#[derive(serde::Deserialize)]
pub struct ListQuery {
    antes: Option<String>,
}

async fn list_page(
    state: &WebState,
    me: &SignedIn,
    before: Option<&str>,
    status: StatusCode,
    alert: Option<String>,
) -> Response {
    let app = &state.app;
    let outlook = match batch::outlook(app, me.user(), app.now()).await {
        Ok(o) => o,
        Err(err) => return app_error_page(err, Some(&me.viewer)),
    };
    let batches = match batch::list(app, me.user(), before, PAGE).await {
        Ok(b) => b,
        Err(err) => return app_error_page(err, Some(&me.viewer)),
    };
    let closers: Vec<&str> = batches
        .iter()
        .filter_map(|b| b.closed_by.as_deref())
        .collect();
    let names = match review::people(app, me.user(), &closers).await {
        Ok(n) => n,
        Err(err) => return app_error_page(err, Some(&me.viewer)),
    };
    let next = (batches.len() as i64 == PAGE)
        .then(|| batches.last().map(|b| b.id.clone()))
        .flatten();
    let last_closed = outlook
        .last_cutoff
        .as_ref()
        .is_none_or(|(_, closed)| *closed);
    let page = BatchesPage {
        layout: Layout::new("Lote RENIEC", Some(&me.viewer), "/analista/lotes"),
        last_closed,
        outlook: OutlookView {
            next_cutoff: schedule::format_dispatch(&outlook.next_cutoff),
            due_next: outlook.due_next,
            held: outlook.held,
            overdue: outlook.overdue,
            last_cutoff: outlook
                .last_cutoff
                .map(|(z, closed)| (schedule::format_dispatch(&z), closed)),
        },
        batches: rows(batches, &names),
        next,
        first_page: before.is_none(),
        alert,
    };
    render(status, &page)
}

pub async fn list(
    State(state): State<WebState>,
    me: SignedIn,
    Query(query): Query<ListQuery>,
) -> Response {
    if let Some(res) = refuse_non_analysts(&me) {
        return res;
    }
    let before = query.antes.as_deref().filter(|a| !a.is_empty());
    list_page(&state, &me, before, StatusCode::OK, None).await
}

#[derive(serde::Deserialize)]
pub struct Empty {}

/// Closes the batch of the latest cut-off already passed (the same use case as the
/// scheduler's); pressing twice, or after the scheduler, changes nothing.
pub async fn close(
    State(state): State<WebState>,
    me: SignedIn,
    _form: CsrfForm<Empty>,
) -> Response {
    if let Some(res) = refuse_non_analysts(&me) {
        return res;
    }
    match batch::close(&state.app, Some(me.user()), state.app.now()).await {
        Ok(closed) => {
            let notice = if closed.newly_closed {
                "cerrado"
            } else {
                "ya-cerrado"
            };
            Redirect::to(&format!(
                "/analista/lotes/{}?aviso={notice}#contenido",
                closed.batch.id
            ))
            .into_response()
        }
        Err(AppError::Conflict(message)) => {
            list_page(&state, &me, None, StatusCode::CONFLICT, Some(message)).await
        }
        Err(err) => app_error_page(err, Some(&me.viewer)),
    }
}

struct ItemRow {
    position: i64,
    ticket_id: String,
    ticket_number: String,
    applicant_id: String,
    name: String,
    dni: String,
    status_code: String,
    status_label: String,
    waiting: bool,
}

#[derive(Template)]
#[template(path = "analyst_batch.html")]
struct BatchPage {
    layout: Layout,
    cutoff: String,
    closed: String,
    closed_by: String,
    count: i64,
    package_url: String,
    package_size: Option<String>,
    package_sha256: Option<String>,
    items: Vec<ItemRow>,
    waiting: usize,
}

#[derive(serde::Deserialize)]
pub struct NoticeQuery {
    aviso: Option<String>,
}

pub async fn show(
    State(state): State<WebState>,
    me: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Response {
    if let Some(res) = refuse_non_analysts(&me) {
        return res;
    }
    let (b, items) = match batch::view(&state.app, me.user(), &id).await {
        Ok(found) => found,
        Err(err) => return app_error_page(err, Some(&me.viewer)),
    };
    let closers: Vec<&str> = b.closed_by.as_deref().into_iter().collect();
    let names = match review::people(&state.app, me.user(), &closers).await {
        Ok(n) => n,
        Err(err) => return app_error_page(err, Some(&me.viewer)),
    };
    let items: Vec<ItemRow> = items
        .into_iter()
        .map(|i| {
            let status = i.status.parse::<domain::applicant::ApplicantStatus>().ok();
            ItemRow {
                position: i.position,
                waiting: status == Some(domain::applicant::ApplicantStatus::EnviadoReniec),
                status_label: status
                    .map(|s| s.label().to_owned())
                    .unwrap_or_else(|| i.status.clone()),
                status_code: i.status,
                ticket_id: i.ticket_id,
                ticket_number: i.ticket_number,
                applicant_id: i.applicant_id,
                name: i.full_name,
                dni: i.dni,
            }
        })
        .collect();
    let waiting = items.iter().filter(|i| i.waiting).count();
    let cutoff = cutoff_text(&b);
    let mut layout = Layout::new(
        format!("Lote del {cutoff}"),
        Some(&me.viewer),
        "/analista/lotes",
    );
    match query.aviso.as_deref() {
        Some("cerrado") => {
            layout = layout.with_notice(format!(
                "Lote cerrado: {} solicitante(s) pasaron a «Enviado a RENIEC». Descargue el paquete y envíelo a RENIEC.",
                b.item_count
            ))
        }
        Some("ya-cerrado") => {
            layout = layout.with_notice(
                "El lote del último corte ya estaba cerrado: no cambió nada. Este es ese lote.",
            )
        }
        _ => {}
    }
    let page = BatchPage {
        layout,
        cutoff,
        closed: datetime(b.closed_at),
        closed_by: match &b.closed_by {
            Some(id) => names
                .get(id)
                .map(|u| u.name.clone())
                .unwrap_or_else(|| "Un analista".into()),
            None => "Automático, al corte".into(),
        },
        count: b.item_count,
        package_url: format!("/api/v1/batches/{}/package.zip", b.id),
        package_size: b.package_bytes.map(size_text),
        package_sha256: b.package_sha256,
        items,
        waiting,
    };
    render(StatusCode::OK, &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_sizes_read_as_people_write_them() {
        assert_eq!(size_text(512), "1 kB");
        assert_eq!(size_text(850 * 1024), "850 kB");
        assert_eq!(size_text(1024 * 1024), "1,0 MB");
        assert_eq!(size_text(1_258_291), "1,2 MB");
    }
}
