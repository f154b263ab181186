//! The RENIEC batch (`/analista/lotes`): this week's cut-off (holidays applied) and how many
//! applicants wait for it, the closed batches with their package, a "close now" button, and
//! one batch's items in FIFO order (`/analista/lotes/{id}`).

use askama::Template;
use axum::{
    extract::{Query, State},
    http::StatusCode,
};
use std::collections::HashMap;

use domain::{
    ids::{ApplicantId, BatchId},
    schedule,
    validation::FieldErrors,
};

use super::result_forms::{Feedback, ResultForm, ResultForms};
use crate::web::pages::see_other;
use crate::{
    app::{batch, registry, AppError},
    store::batches::{Batch, Waiting},
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
    /// The package was deleted, every ticket in it past its retention period.
    package_purged: bool,
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

/// A programado applicant, as the batch page lists them.
struct PersonRow {
    applicant_id: String,
    ticket_id: String,
    ticket_number: String,
    name: String,
    /// "viernes 04/12/2026 a las 16:30".
    dispatch: String,
    /// dd/mm/aaaa of the dispatch, for "retenido hasta".
    held_until: String,
    /// hh:mm of the dispatch (the cut-off's time).
    time: String,
    /// Its cut-off has passed and the batch is not closed yet.
    overdue: bool,
    /// The expiry the requester declared, dd/mm/aaaa (why it is held).
    expires: Option<String>,
}

impl PersonRow {
    fn new(w: &Waiting, now: jiff::Timestamp) -> Self {
        let dispatch = schedule::to_lima(w.dispatch_at);
        PersonRow {
            applicant_id: w.applicant_id.to_string(),
            ticket_id: w.ticket_id.to_string(),
            ticket_number: w.ticket_number.to_string(),
            name: w.full_name.clone(),
            held_until: schedule::format_date(dispatch.date()),
            time: dispatch.strftime("%H:%M").to_string(),
            dispatch: schedule::format_dispatch(&dispatch),
            overdue: w.dispatch_at <= now,
            expires: w.current_expires_on.map(schedule::format_date),
        }
    }
}

#[derive(Template)]
#[template(path = "analyst_batches.html")]
struct BatchesPage {
    layout: Layout,
    outlook: OutlookView,
    /// Who goes in the next batch (and any overdue, who go in the one still to close).
    next_people: Vec<PersonRow>,
    /// Who is held for a later cut-off (10-day rule).
    held_people: Vec<PersonRow>,
    /// More programado applicants than the page lists.
    more_people: bool,
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
            package_purged: b.files_purged_at.is_some(),
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
    let now = state.app.now();
    let next_at = outlook.next_cutoff.timestamp();
    let (next_people, held_people): (Vec<&Waiting>, Vec<&Waiting>) = outlook
        .people
        .iter()
        .partition(|w| w.dispatch_at <= next_at);
    let more_people = outlook.people.len() as i64 >= batch::PEOPLE_LISTED;
    let page = BatchesPage {
        layout: Layout::new("Lote RENIEC", Some(&me.viewer), "/analista/lotes"),
        next_people: next_people
            .into_iter()
            .map(|w| PersonRow::new(w, now))
            .collect(),
        held_people: held_people
            .into_iter()
            .map(|w| PersonRow::new(w, now))
            .collect(),
        more_people,
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
    /// RENIEC's answer in words, once recorded.
    result: Option<String>,
    /// The forms to record it, while it waits.
    forms: Option<ResultForms>,
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
    package_purged: bool,
    items: Vec<ItemRow>,
    waiting: usize,
    batch_id: String,
    summary: Vec<crate::web::pages::SummaryItem>,
    /// The results file's input, with what the last upload left on it.
    upload: super::result_forms::Field,
    /// The largest results file taken, in MB.
    upload_mb: usize,
}

/// The batch page's `?aviso=` and, after results in bulk, how many were recorded.
#[derive(serde::Deserialize)]
pub struct BatchQuery {
    aviso: Option<String>,
    n: Option<usize>,
}

pub async fn show(
    State(state): State<WebState>,
    me: Analyst,
    Id(id): Id<BatchId>,
    Query(query): Query<BatchQuery>,
) -> PageResult {
    batch_page(
        &state,
        &me,
        id,
        StatusCode::OK,
        (query.aviso.as_deref(), query.n),
        Feedback::default(),
    )
    .await
}

/// The batch page with what a form left to show (the results file's errors), no notice.
pub(super) async fn batch_page_with(
    state: &WebState,
    me: &Analyst,
    id: BatchId,
    status: StatusCode,
    feedback: Feedback,
) -> PageResult {
    batch_page(state, me, id, status, (None, None), feedback).await
}

/// RENIEC's answer in words.
fn result_text(i: &crate::store::batches::Item) -> Option<String> {
    match (i.status, i.delivery_sent_on, i.reniec_reason.as_deref()) {
        (domain::applicant::ApplicantStatus::Aprobado, sent, _) => Some(match sent {
            Some(sent) => format!("correo de DCDelivery del {}", schedule::format_date(sent)),
            None => String::new(),
        }),
        (domain::applicant::ApplicantStatus::Rechazado, _, reason) => {
            Some(reason.map(|r| format!("motivo: {r}")).unwrap_or_default())
        }
        _ => None,
    }
}

/// The label of an element of the batch page in the error summary.
fn label_of(id: &str) -> String {
    if id == super::bulk_results::FILE_INPUT {
        "Archivo de resultados"
    } else if id.starts_with("entrega-") {
        "Fecha del correo de DCDelivery"
    } else if id.starts_with("motivo-reniec-") {
        "Motivo de RENIEC"
    } else {
        "Resultado de RENIEC"
    }
    .to_owned()
}

async fn batch_page(
    state: &WebState,
    me: &Analyst,
    id: BatchId,
    status: StatusCode,
    (aviso, count): (Option<&str>, Option<usize>),
    feedback: Feedback,
) -> PageResult {
    let (b, items) = batch::view(&state.app, me.user(), id).await?;
    let items: Vec<ItemRow> = items
        .into_iter()
        .map(|i| ItemRow {
            position: i.position,
            result: result_text(&i),
            forms: i
                .status
                .awaits_result()
                .then(|| ResultForms::new(&feedback, i.applicant_id)),
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
    let notice = match aviso {
        Some("cerrado") => Some(format!(
            "Lote cerrado: {} solicitante(s) pasaron a «Enviado a RENIEC». Descargue el paquete y envíelo a RENIEC.",
            b.item_count
        )),
        Some("ya-cerrado") => Some(
            "El lote del último corte ya estaba cerrado: no cambió nada. Este es ese lote.".into(),
        ),
        Some("resultado") => Some(
            "Resultado de RENIEC registrado: se avisó al solicitante por correo.".into(),
        ),
        Some("resultados-cargados") => Some(format!(
            "Se registraron {} resultado(s) de RENIEC desde el archivo: se avisó a cada solicitante por correo.",
            count.unwrap_or_default()
        )),
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
        package_purged: b.files_purged_at.is_some(),
        items,
        waiting,
        batch_id: b.id.to_string(),
        summary: super::summary_of(&feedback.errors, label_of),
        upload: feedback.field(super::bulk_results::FILE_INPUT),
        upload_mb: crate::app::bulk_results::MAX_FILE_BYTES / (1024 * 1024),
    };
    Ok(render(status, &page))
}

/// RENIEC's answer for one applicant of the batch, entered from the batch page: back to
/// the batch page, at that applicant, or the page again with what failed beside its form.
pub async fn result(
    State(state): State<WebState>,
    me: Analyst,
    Id((id, applicant_id)): Id<(BatchId, ApplicantId)>,
    form: CsrfForm<ResultForm>,
) -> PageResult {
    // The applicant must be one of this batch's: a form cannot answer for another batch.
    let (_, items) = batch::view(&state.app, me.user(), id).await?;
    if !items.iter().any(|i| i.applicant_id == applicant_id) {
        return Err(AppError::NotFound.into());
    }
    let (result, values) = form.data.into_result(applicant_id);
    let values: HashMap<String, String> = values.into_iter().collect();
    match registry::record_result(&state.app, me.user(), applicant_id, &result).await {
        Ok(_) => see_other(format!(
            "/analista/lotes/{id}?aviso=resultado#solicitante-{applicant_id}"
        )),
        Err(AppError::Validation(errors)) => {
            let mut placed = FieldErrors::new();
            for (field, messages) in errors.iter() {
                let element = match field {
                    "delivery_sent_on" => format!("entrega-{applicant_id}"),
                    "reason" => format!("motivo-reniec-{applicant_id}"),
                    _ => format!("form-resultado-{applicant_id}"),
                };
                for m in messages {
                    placed.add(&element, m.clone());
                }
            }
            let feedback = Feedback {
                errors: placed,
                values,
                alert: None,
            };
            batch_page(
                &state,
                &me,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                (None, None),
                feedback,
            )
            .await
        }
        Err(AppError::Conflict(message)) => {
            let mut errors = FieldErrors::new();
            errors.add(&format!("form-resultado-{applicant_id}"), message);
            let feedback = Feedback {
                errors,
                values,
                alert: None,
            };
            batch_page(
                &state,
                &me,
                id,
                StatusCode::CONFLICT,
                (None, None),
                feedback,
            )
            .await
        }
        Err(err) => Err(err.into()),
    }
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
