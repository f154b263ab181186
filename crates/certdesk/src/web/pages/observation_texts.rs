//! Canned observation texts, for admins (`/admin/observaciones`): the list with a form to
//! add one, and each text's edit page, where it is also deactivated or activated again.
//! Analysts pick the active ones on the observe form of the review page.

use askama::Template;
use axum::{
    extract::{Query, State},
    http::StatusCode,
};
use domain::{ids::ObservationTextId, validation::FieldErrors};

use super::{datetime, render, see_other, summary, Layout, NoticeQuery, SummaryItem};
use crate::{
    app::{
        observation_texts::{self, TextInput, MAX_BODY_CHARS, MAX_TITLE_CHARS},
        AppError,
    },
    store::observation_texts::ObservationText,
    web::{
        error::PageResult,
        extract::{Admin, CsrfForm, Id},
        WebState,
    },
};

pub const PATH: &str = "/admin/observaciones";

/// The labels of the form's fields, for the error summary.
const LABELS: &[(&str, &str)] = &[("titulo", "Título"), ("texto", "Texto para el solicitante")];

struct Row {
    id: String,
    title: String,
    body: String,
    active: bool,
    updated: String,
}

/// What the form shows: typed values and errors keyed by element id.
#[derive(Default)]
struct FormView {
    title: String,
    body: String,
    active: bool,
    title_errors: Vec<String>,
    body_errors: Vec<String>,
}

impl FormView {
    fn of(text: &ObservationText) -> Self {
        FormView {
            title: text.title.clone(),
            body: text.body.clone(),
            active: text.active,
            ..FormView::default()
        }
    }

    fn with_errors(mut self, errors: &FieldErrors) -> Self {
        self.title_errors = errors
            .get("titulo")
            .map(<[String]>::to_vec)
            .unwrap_or_default();
        self.body_errors = errors
            .get("texto")
            .map(<[String]>::to_vec)
            .unwrap_or_default();
        self
    }
}

#[derive(Template)]
#[template(path = "admin_observation_texts.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    form: FormView,
    summary: Vec<SummaryItem>,
    max_title: usize,
    max_body: usize,
}

#[derive(Template)]
#[template(path = "admin_observation_text.html")]
struct EditPage {
    layout: Layout,
    id: String,
    form: FormView,
    summary: Vec<SummaryItem>,
    max_title: usize,
    max_body: usize,
}

/// The use case's fields (`title`, `body`) as the form's element ids.
fn placed(errors: &FieldErrors) -> FieldErrors {
    let mut out = FieldErrors::new();
    for (field, messages) in errors.iter() {
        let element = match field {
            "title" => "titulo",
            _ => "texto",
        };
        for m in messages {
            out.add(element, m.clone());
        }
    }
    out
}

async fn list_page(
    state: &WebState,
    me: &Admin,
    status: StatusCode,
    notice: Option<&str>,
    form: FormView,
    errors: &FieldErrors,
) -> PageResult {
    let texts = observation_texts::list(&state.app, me.user()).await?;
    let rows = texts
        .into_iter()
        .map(|t| Row {
            id: t.id.to_string(),
            updated: datetime(t.updated_at),
            title: t.title,
            body: t.body,
            active: t.active,
        })
        .collect();
    let layout =
        Layout::new("Observaciones frecuentes", Some(&me.viewer), PATH).with_notice(notice);
    Ok(render(
        status,
        &ListPage {
            layout,
            rows,
            form: form.with_errors(errors),
            summary: summary(errors, LABELS),
            max_title: MAX_TITLE_CHARS,
            max_body: MAX_BODY_CHARS,
        },
    ))
}

fn notice_text(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "creada" => "Observación frecuente agregada: los analistas ya pueden elegirla.",
        "guardada" => "Cambios guardados.",
        "desactivada" => "Observación desactivada: ya no se ofrece a los analistas. Las observaciones ya enviadas no cambian.",
        "activada" => "Observación activada: los analistas pueden elegirla otra vez.",
        _ => return None,
    })
}

pub async fn list(
    State(state): State<WebState>,
    me: Admin,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let notice = notice_text(query.aviso.as_deref());
    list_page(
        &state,
        &me,
        StatusCode::OK,
        notice,
        FormView::default(),
        &FieldErrors::new(),
    )
    .await
}

#[derive(serde::Deserialize)]
pub struct TextForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    /// The edit form's checkbox; the add form has none (a new text is active).
    #[serde(default)]
    active: String,
    /// Which button: `guardar`, `desactivar` or `activar`.
    #[serde(default)]
    accion: String,
}

pub async fn create(
    State(state): State<WebState>,
    me: Admin,
    form: CsrfForm<TextForm>,
) -> PageResult {
    let input = TextInput {
        title: form.data.title.clone(),
        body: form.data.body.clone(),
        active: true,
    };
    match observation_texts::create(&state.app, me.user(), &input).await {
        Ok(_) => see_other(format!("{PATH}?aviso=creada")),
        Err(AppError::Validation(errors)) => {
            let typed = FormView {
                title: input.title,
                body: input.body,
                active: true,
                ..FormView::default()
            };
            list_page(
                &state,
                &me,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                typed,
                &placed(&errors),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_form(
    State(state): State<WebState>,
    me: Admin,
    Id(id): Id<ObservationTextId>,
) -> PageResult {
    let text = observation_texts::get(&state.app, me.user(), id).await?;
    Ok(render(
        StatusCode::OK,
        &EditPage {
            layout: Layout::new("Editar observación frecuente", Some(&me.viewer), PATH),
            id: text.id.to_string(),
            form: FormView::of(&text),
            summary: Vec::new(),
            max_title: MAX_TITLE_CHARS,
            max_body: MAX_BODY_CHARS,
        },
    ))
}

pub async fn update(
    State(state): State<WebState>,
    me: Admin,
    Id(id): Id<ObservationTextId>,
    form: CsrfForm<TextForm>,
) -> PageResult {
    let TextForm {
        title,
        body,
        active,
        accion,
    } = form.data;
    let active = match accion.as_str() {
        "desactivar" => false,
        "activar" => true,
        _ => !active.trim().is_empty(),
    };
    let input = TextInput {
        title,
        body,
        active,
    };
    match observation_texts::update(&state.app, me.user(), id, &input).await {
        Ok(_) => {
            let notice = match accion.as_str() {
                "desactivar" => "desactivada",
                "activar" => "activada",
                _ => "guardada",
            };
            see_other(format!("{PATH}?aviso={notice}"))
        }
        Err(AppError::Validation(errors)) => {
            let errors = placed(&errors);
            let form = FormView {
                title: input.title,
                body: input.body,
                active: input.active,
                ..FormView::default()
            }
            .with_errors(&errors);
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &EditPage {
                    layout: Layout::new("Editar observación frecuente", Some(&me.viewer), PATH),
                    id: id.to_string(),
                    form,
                    summary: summary(&errors, LABELS),
                    max_title: MAX_TITLE_CHARS,
                    max_body: MAX_BODY_CHARS,
                },
            ))
        }
        Err(e) => Err(e.into()),
    }
}
