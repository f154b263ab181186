//! Admin pages: access requests and the mail outbox.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use domain::access::AccessRequestStatus;

use super::{app_error_page, datetime, render, Layout};
use crate::{
    app::{access, outbox},
    web::{
        extract::{CsrfForm, SignedIn},
        WebState,
    },
};

/// A request as the list shows it.
struct RequestRow {
    id: String,
    full_name: String,
    email: String,
    dni: String,
    position: String,
    unit: String,
    dependency: String,
    start_date: String,
    received: String,
}

#[derive(Template)]
#[template(path = "admin_access_requests.html")]
struct AccessRequestsPage {
    layout: Layout,
    requests: Vec<RequestRow>,
}

#[derive(serde::Deserialize)]
pub struct NoticeQuery {
    aviso: Option<String>,
}

pub async fn access_requests(
    State(state): State<WebState>,
    me: SignedIn,
    Query(query): Query<NoticeQuery>,
) -> Response {
    let list = match access::list(
        &state.app,
        me.user(),
        Some(AccessRequestStatus::Pendiente),
        None,
        200,
    )
    .await
    {
        Ok(list) => list,
        Err(err) => return app_error_page(err, Some(&me.viewer)),
    };
    let requests = list
        .into_iter()
        .map(|r| RequestRow {
            received: datetime(r.created_at),
            start_date: r.start_date,
            id: r.id,
            full_name: r.full_name,
            email: r.email,
            dni: r.dni,
            position: r.position,
            unit: r.unit,
            dependency: r.dependency,
        })
        .collect();
    let mut layout = Layout::new(
        "Solicitudes de acceso",
        Some(&me.viewer),
        "/admin/solicitudes",
    );
    match query.aviso.as_deref() {
        Some("aprobada") => layout = layout.with_notice(
            "Solicitud aprobada: se creó la cuenta y se envió el enlace para elegir la contraseña.",
        ),
        Some("rechazada") => {
            layout = layout.with_notice("Solicitud rechazada: se envió el motivo a la persona.")
        }
        _ => {}
    }
    render(StatusCode::OK, &AccessRequestsPage { layout, requests })
}

#[derive(serde::Deserialize)]
pub struct Empty {}

pub async fn approve(
    State(state): State<WebState>,
    me: SignedIn,
    Path(id): Path<String>,
    _form: CsrfForm<Empty>,
) -> Response {
    match access::approve(&state.app, me.user(), &id).await {
        Ok(_) => Redirect::to("/admin/solicitudes?aviso=aprobada").into_response(),
        Err(err) => app_error_page(err, Some(&me.viewer)),
    }
}

#[derive(serde::Deserialize)]
pub struct RejectForm {
    #[serde(default)]
    reason: String,
}

pub async fn reject(
    State(state): State<WebState>,
    me: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<RejectForm>,
) -> Response {
    match access::reject(&state.app, me.user(), &id, &form.data.reason).await {
        Ok(_) => Redirect::to("/admin/solicitudes?aviso=rechazada").into_response(),
        Err(err) => app_error_page(err, Some(&me.viewer)),
    }
}

struct MailRow {
    to: String,
    subject: String,
    body: String,
    created: String,
    sent: bool,
}

#[derive(Template)]
#[template(path = "admin_outbox.html")]
struct OutboxPage {
    layout: Layout,
    mails: Vec<MailRow>,
    next: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct OutboxQuery {
    antes: Option<String>,
}

const OUTBOX_PAGE: i64 = 50;

pub async fn outbox(
    State(state): State<WebState>,
    me: SignedIn,
    Query(query): Query<OutboxQuery>,
) -> Response {
    let mails = match outbox::list(&state.app, me.user(), query.antes.as_deref(), OUTBOX_PAGE).await
    {
        Ok(mails) => mails,
        Err(err) => return app_error_page(err, Some(&me.viewer)),
    };
    let next = if mails.len() as i64 == OUTBOX_PAGE {
        mails.last().map(|m| m.id.clone())
    } else {
        None
    };
    let mails = mails
        .into_iter()
        .map(|m| MailRow {
            created: datetime(m.created_at),
            sent: m.sent_at.is_some(),
            to: m.to,
            subject: m.subject,
            body: m.body_text,
        })
        .collect();
    render(
        StatusCode::OK,
        &OutboxPage {
            layout: Layout::new("Correos", Some(&me.viewer), "/admin/correos"),
            mails,
            next,
        },
    )
}
