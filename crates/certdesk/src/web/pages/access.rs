//! The public access-request form.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use domain::{access::AccessRequestInput, validation::FieldErrors};

use super::{render, summary, Layout, SummaryItem};
use crate::{
    app::{access, AppError},
    web::{
        error::PageResult,
        extract::{ClientIp, CsrfForm, Viewer},
        WebState,
    },
};

const LABELS: &[(&str, &str)] = &[
    ("full_name", "Nombre completo"),
    ("dni", "DNI"),
    ("position", "Cargo"),
    ("unit", "Órgano o unidad orgánica"),
    ("dependency", "Dependencia"),
    ("start_date", "Fecha de inicio en el puesto"),
    ("email", "Correo institucional"),
];

#[derive(Template)]
#[template(path = "access_request.html")]
struct AccessRequestPage {
    layout: Layout,
    form: AccessRequestInput,
    errors: FieldErrors,
    summary: Vec<SummaryItem>,
    hint_email: String,
}

#[derive(Template)]
#[template(path = "access_request_done.html")]
struct AccessRequestDone {
    layout: Layout,
    email: String,
}

fn page(viewer: &Viewer, form: AccessRequestInput, errors: FieldErrors) -> AccessRequestPage {
    AccessRequestPage {
        layout: Layout::new("Solicitar acceso", Some(viewer), "/solicitar-acceso"),
        form,
        summary: summary(&errors, LABELS),
        errors,
        hint_email: format!(
            "Solo el correo institucional ({}); no se acepta correo personal.",
            viewer.settings.domains_hint()
        ),
    }
}

pub async fn form(viewer: Viewer) -> Response {
    render(
        StatusCode::OK,
        &page(&viewer, AccessRequestInput::default(), FieldErrors::new()),
    )
}

pub async fn submit(
    State(state): State<WebState>,
    ClientIp(client_ip): ClientIp,
    form: CsrfForm<AccessRequestInput>,
) -> PageResult {
    let CsrfForm { viewer, data } = form;
    Ok(match access::file(&state.app, &data, &client_ip).await {
        Ok(request) => render(
            StatusCode::OK,
            &AccessRequestDone {
                layout: Layout::new("Solicitud registrada", Some(&viewer), ""),
                email: request.email,
            },
        ),
        Err(AppError::Validation(errors)) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&viewer, data, errors),
        ),
        Err(err) => return Err(err.into()),
    })
}
