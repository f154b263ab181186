//! RENIEC's results for a whole batch from a file (`/analista/lotes/{id}/resultados`): the
//! upload form lives on the batch page; posting it shows every row of the file as it would
//! be recorded (matched, left out, or flagged with its errors) and saves nothing; the
//! preview's button records them all at once or none. The template to fill in is served
//! as CSV and XLSX, prefilled with the applicants still waiting for RENIEC's answer.
//!
//! The confirmation carries the rows as read (`filas`, JSON in a hidden field), so the file
//! is not sent twice and nothing of it is kept on the server between the two steps; the
//! rows are checked again, against the batch as it is then, before anything is saved.
//! Every response here carries DNIs: `Cache-Control: no-store`.

use askama::Template;
use axum::{
    extract::State,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use domain::{ids::BatchId, reniec, schedule, validation::FieldErrors};

use super::result_forms::Feedback;
use crate::{
    app::{
        bulk_results::{self, Preview, RowState},
        AppError,
    },
    sheets,
    web::{
        error::{PageError, PageResult},
        extract::{Analyst, CsrfForm, CsrfMultipart, Id},
        pages::{render, see_other, Layout, SummaryItem},
        WebState,
    },
};

/// The element id of the file input on the batch page and on the preview page.
pub(super) const FILE_INPUT: &str = "archivo-resultados";

/// Marks a response as not to be stored anywhere (it shows DNIs).
fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// One row of the preview, in words.
struct RowView {
    line: u32,
    dni: String,
    /// The matched applicant's name, ticket number and ticket id.
    person: Option<(String, String, String)>,
    result: String,
    /// The DCDelivery date (dd/mm/aaaa) or RENIEC's reason.
    detail: String,
    state_code: &'static str,
    state_label: &'static str,
    errors: Vec<String>,
}

impl RowView {
    fn new(row: &bulk_results::Row) -> Self {
        let c = &row.checked;
        let (state_code, state_label) = match row.state {
            RowState::Ready => ("listo", "Se registrará"),
            RowState::Skipped => ("sin-resultado", "Sin resultado: no se registra"),
            RowState::Unmatched => ("no-coincide", "No coincide con el lote"),
            RowState::Invalid => ("con-errores", "Con errores"),
        };
        let detail = match (c.delivery_sent_on, &c.reason) {
            (Some(date), _) => format!("DCDelivery del {}", schedule::format_date(date)),
            (None, Some(reason)) => format!("Motivo: {reason}"),
            (None, None) if !c.entry.delivery.is_empty() => c.entry.delivery.clone(),
            (None, None) => String::new(),
        };
        RowView {
            line: row.line(),
            dni: c
                .dni
                .as_ref()
                .map_or_else(|| c.entry.dni.clone(), |d| d.to_string()),
            person: row.matched.as_ref().map(|i| {
                (
                    i.full_name.clone(),
                    i.ticket_number.to_string(),
                    i.ticket_id.to_string(),
                )
            }),
            result: match c.verdict {
                Some(v) => v.as_str().to_owned(),
                None => c.entry.result.clone(),
            },
            detail,
            state_code,
            state_label,
            errors: row.errors.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "analyst_batch_results.html")]
struct PreviewPage {
    layout: Layout,
    batch_id: String,
    cutoff: String,
    rows: Vec<RowView>,
    counts: bulk_results::Counts,
    can_apply: bool,
    /// The rows as read, JSON, for the confirmation form.
    entries: String,
    format: &'static str,
    /// Errors of the rows (`fila-<n>`), or of the file when no row says anything.
    summary: Vec<SummaryItem>,
    /// Why applying failed (someone else answered meanwhile).
    alert: Option<String>,
}

fn preview_page(
    me: &Analyst,
    preview: &Preview,
    format: sheets::Format,
    status: StatusCode,
    alert: Option<String>,
) -> PageResult {
    let cutoff = schedule::format_dispatch(&schedule::to_lima(preview.batch.cutoff_at));
    let counts = preview.counts();
    let mut summary: Vec<SummaryItem> = preview
        .rows
        .iter()
        .flat_map(|r| {
            r.errors.iter().map(move |m| SummaryItem {
                field: format!("fila-{}", r.line()),
                label: format!("Fila {}", r.line()),
                message: m.clone(),
            })
        })
        .collect();
    if summary.is_empty() && counts.ready == 0 {
        for message in preview
            .errors()
            .get(bulk_results::FILE_FIELD)
            .unwrap_or_default()
        {
            summary.push(SummaryItem {
                field: FILE_INPUT.into(),
                label: "Archivo de resultados".into(),
                message: message.clone(),
            });
        }
    }
    let entries = serde_json::to_string(&preview.entries())
        .map_err(|e| PageError::from(AppError::Internal(e.into())))?;
    let page = PreviewPage {
        layout: Layout::new(
            format!("Resultados de RENIEC del lote del {cutoff}"),
            Some(&me.viewer),
            "/analista/lotes",
        ),
        batch_id: preview.batch.id.to_string(),
        cutoff,
        rows: preview.rows.iter().map(RowView::new).collect(),
        can_apply: preview.can_apply(),
        counts,
        entries,
        format: format.as_str(),
        summary,
        alert,
    };
    Ok(no_store(render(status, &page)))
}

/// The upload form's file errors, placed on the batch page's file input.
fn file_feedback(errors: FieldErrors) -> Feedback {
    let mut placed = FieldErrors::new();
    for (_, messages) in errors.iter() {
        for m in messages {
            placed.add(FILE_INPUT, m.clone());
        }
    }
    Feedback {
        errors: placed,
        ..Feedback::default()
    }
}

/// `POST /analista/lotes/{id}/resultados`: reads the file and shows the preview; a file
/// that cannot be read goes back to the batch page with the reason beside the file input.
pub async fn upload(
    State(state): State<WebState>,
    me: Analyst,
    Id(id): Id<BatchId>,
    form: CsrfMultipart,
) -> PageResult {
    let file = form.form.files.get(bulk_results::FILE_FIELD);
    match bulk_results::upload(&state.app, me.user(), id, file, true).await {
        Ok((format, preview)) => preview_page(&me, &preview, format, StatusCode::OK, None),
        Err(AppError::Validation(errors)) => super::batches::batch_page_with(
            &state,
            &me,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            file_feedback(errors),
        )
        .await
        .map(no_store),
        Err(err) => Err(err.into()),
    }
}

/// The confirmation: the rows as previewed, and the format they were read from.
#[derive(serde::Deserialize)]
pub struct ApplyForm {
    #[serde(default)]
    filas: String,
    #[serde(default)]
    formato: String,
}

/// `POST /analista/lotes/{id}/resultados/aplicar`: records every previewed row, or none;
/// back to the batch page, or the preview again with what changed.
pub async fn apply(
    State(state): State<WebState>,
    me: Analyst,
    Id(id): Id<BatchId>,
    form: CsrfForm<ApplyForm>,
) -> PageResult {
    let entries: Vec<reniec::Entry> = serde_json::from_str(&form.data.filas).map_err(|_| {
        PageError::new(
            StatusCode::BAD_REQUEST,
            "Formulario inválido",
            "No pudimos leer las filas revisadas. Vuelva a cargar el archivo desde la página del lote.",
        )
    })?;
    let format = match form.data.formato.as_str() {
        "xlsx" => sheets::Format::Xlsx,
        _ => sheets::Format::Csv,
    };
    match bulk_results::apply(&state.app, me.user(), id, &entries, format.as_str()).await {
        Ok(applied) => see_other(format!(
            "/analista/lotes/{id}?aviso=resultados-cargados&n={}#items",
            applied.counts().ready
        )),
        Err(AppError::Validation(_)) => {
            let preview = bulk_results::preview(&state.app, me.user(), id, &entries).await?;
            preview_page(
                &me,
                &preview,
                format,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
            )
        }
        Err(AppError::Conflict(message)) => {
            let preview = bulk_results::preview(&state.app, me.user(), id, &entries).await?;
            preview_page(&me, &preview, format, StatusCode::CONFLICT, Some(message))
        }
        Err(err) => Err(err.into()),
    }
}

/// Widths of the template's columns, in characters.
const WIDTHS: [f64; 6] = [12.0, 38.0, 17.0, 14.0, 16.0, 40.0];

/// The template's rows: DNI, name and ticket of each applicant still waiting.
async fn template_rows(
    state: &WebState,
    me: &Analyst,
    id: BatchId,
) -> PageResult<(String, Vec<Vec<String>>)> {
    let (batch, items) = bulk_results::template(&state.app, me.user(), id).await?;
    let cutoff = schedule::to_lima(batch.cutoff_at).strftime("%Y-%m-%d");
    let rows = items
        .into_iter()
        .map(|i| {
            vec![
                i.dni.to_string(),
                i.full_name,
                i.ticket_number.to_string(),
                String::new(),
                String::new(),
                String::new(),
            ]
        })
        .collect();
    Ok((format!("resultados-lote-{cutoff}"), rows))
}

/// `GET /analista/lotes/{id}/plantilla.csv`.
pub async fn template_csv(
    State(state): State<WebState>,
    me: Analyst,
    Id(id): Id<BatchId>,
) -> PageResult {
    let (name, rows) = template_rows(&state, &me, id).await?;
    let mut sheet = crate::web::csv::Sheet::new(&reniec::TEMPLATE_COLUMNS);
    for row in &rows {
        sheet.row(row)?;
    }
    sheet.into_response(&format!("{name}.csv"))
}

/// `GET /analista/lotes/{id}/plantilla.xlsx`: the same rows, DNIs as text, a date column,
/// and «aprobado» / «rechazado» offered in the result column.
pub async fn template_xlsx(
    State(state): State<WebState>,
    me: Analyst,
    Id(id): Id<BatchId>,
) -> PageResult {
    let (name, rows) = template_rows(&state, &me, id).await?;
    let bytes = sheets::Template {
        sheet: "Resultados",
        headers: &reniec::TEMPLATE_COLUMNS,
        widths: &WIDTHS,
        rows,
        dates: Some(4),
        choices: Some((3, &["aprobado", "rechazado"])),
    }
    .to_xlsx()
    .map_err(|e| PageError::from(AppError::Internal(e)))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.xlsx\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
