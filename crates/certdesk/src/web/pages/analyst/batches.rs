//! The RENIEC batch (`/analista/lotes`): this week's cut-off (holidays applied) and how many
//! applicants wait for it, the closed batches with their package, a "close now" button, and
//! one batch's items in FIFO order (`/analista/lotes/{id}`).

use crate::web::pages::NoticeQuery;
use askama::Template;
use axum::{
    extract::{Query, State},
    http::StatusCode,
};
use domain::{ids::BatchId, schedule};

use crate::web::pages::see_other;
use crate::{
    app::{batch, AppError},
    store::batches::Batch,
    web::{
        error::PageResult,
        extract::{Analyst, CsrfForm, Id},
        pages::{datetime, page_cursor, render, Layout},
        WebState,
    },
};

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

/// Who closed a batch, in words.
fn closer(b: &Batch) -> String {
    match &b.closed_by {
        Some((_, name)) => name.clone(),
        None => "Automático, al corte".into(),
    }
}

fn rows(batches: Vec<Batch>) -> Vec<BatchRow> {
    batches
        .into_iter()
        .map(|b| BatchRow {
            cutoff: cutoff_text(&b),
            closed: datetime(b.closed_at),
            closed_by: closer(&b),
            items: b.item_count,
            package_url: format!("/api/v1/batches/{}/package.zip", b.id),
            package_size: b.package_bytes.map(size_text),
            id: b.id.to_string(),
        })
        .collect()
}

#[derive(serde::Deserialize)]
pub struct ListQuery {
    antes: Option<String>,
}

async fn list_page(
    state: &WebState,
    me: &Analyst,
    before: Option<BatchId>,
    status: StatusCode,
    alert: Option<String>,
) -> PageResult {
    let (outlook, batches) = batch::overview(&state.app, me.user(), before, PAGE).await?;
    let next = (batches.len() as i64 == PAGE)
        .then(|| batches.last().map(|b| b.id.to_string()))
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
            due_next: outlook.waiting.due_next,
            held: outlook.waiting.held,
            overdue: outlook.waiting.overdue,
            last_cutoff: outlook
                .last_cutoff
                .map(|(z, closed)| (schedule::format_dispatch(&z), closed)),
        },
        batches: rows(batches),
        next,
        first_page: before.is_none(),
        alert,
    };
    Ok(render(status, &page))
}

pub async fn list(
    State(state): State<WebState>,
    me: Analyst,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let before = page_cursor::<BatchId>(query.antes.as_deref())?;
    list_page(&state, &me, before, StatusCode::OK, None).await
}

#[derive(serde::Deserialize)]
pub struct Empty {}

/// Closes the batch of the latest cut-off already passed (the same use case as the
/// scheduler's); pressing twice, or after the scheduler, changes nothing.
pub async fn close(
    State(state): State<WebState>,
    me: Analyst,
    _form: CsrfForm<Empty>,
) -> PageResult {
    match batch::close(&state.app, Some(me.user()), state.app.now()).await {
        Ok(closed) => {
            let notice = if closed.newly_closed {
                "cerrado"
            } else {
                "ya-cerrado"
            };
            see_other(format!(
                "/analista/lotes/{}?aviso={notice}#contenido",
                closed.batch.id
            ))
        }
        Err(AppError::Conflict(message)) => {
            list_page(&state, &me, None, StatusCode::CONFLICT, Some(message)).await
        }
        Err(err) => Err(err.into()),
    }
}

struct ItemRow {
    position: i64,
    ticket_id: String,
    ticket_number: String,
    applicant_id: String,
    name: String,
    dni: String,
    status_code: &'static str,
    status_label: &'static str,
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

pub async fn show(
    State(state): State<WebState>,
    me: Analyst,
    Id(id): Id<BatchId>,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let (b, items) = batch::view(&state.app, me.user(), id).await?;
    let items: Vec<ItemRow> = items
        .into_iter()
        .map(|i| ItemRow {
            position: i.position,
            waiting: i.status.awaits_result(),
            status_label: i.status.label(),
            status_code: i.status.as_str(),
            ticket_id: i.ticket_id.to_string(),
            ticket_number: i.ticket_number.to_string(),
            applicant_id: i.applicant_id.to_string(),
            name: i.full_name,
            dni: i.dni.to_string(),
        })
        .collect();
    let waiting = items.iter().filter(|i| i.waiting).count();
    let cutoff = cutoff_text(&b);
    let notice = match query.aviso.as_deref() {
        Some("cerrado") => Some(format!(
            "Lote cerrado: {} solicitante(s) pasaron a «Enviado a RENIEC». Descargue el paquete y envíelo a RENIEC.",
            b.item_count
        )),
        Some("ya-cerrado") => Some(
            "El lote del último corte ya estaba cerrado: no cambió nada. Este es ese lote.".into(),
        ),
        _ => None,
    };
    let layout = Layout::new(
        format!("Lote del {cutoff}"),
        Some(&me.viewer),
        "/analista/lotes",
    )
    .with_notice(notice);
    let page = BatchPage {
        layout,
        cutoff,
        closed: datetime(b.closed_at),
        closed_by: closer(&b),
        count: b.item_count,
        package_url: format!("/api/v1/batches/{}/package.zip", b.id),
        package_size: b.package_bytes.map(size_text),
        package_sha256: b.package_sha256,
        items,
        waiting,
    };
    Ok(render(StatusCode::OK, &page))
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
