//! HTML pages for people, in Spanish. Each page is an askama template struct next to its
//! handler; every form works without JavaScript and carries a CSRF token.

mod access;
mod admin;
mod analyst;
mod audit;
mod auth;
mod certificates;
mod help;
mod holidays;
mod home;
pub(crate) mod notices;
mod observation_texts;
mod profile;
mod reports;
mod settings;
mod ticket_search;
mod tickets;
mod users;
pub(crate) mod wizard;

use askama::Template;
use axum::{
    extract::{DefaultBodyLimit, FromRequestParts, Request, State},
    http::StatusCode,
    middleware::Next,
    response::{Html, IntoResponse, Response},
    routing::{get, post},
};
use domain::{role::Role, settings::DEFAULT_ENTITY_NAME, validation::FieldErrors};
use jiff::Timestamp;

use super::{
    api::UPLOAD_BODY_LIMIT,
    assets,
    error::{Answer, PageError, PageFailure, PageResult},
    extract::Viewer,
    Routes, WebState,
};
use crate::store::users::User;

/// Every page and form, each path once (see [`Routes`]).
pub fn routes() -> Routes {
    Routes::new()
        .route("/", get(home::show))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/logout", post(auth::logout))
        .route(
            "/establecer-clave/{token}",
            get(auth::set_password_form).post(auth::set_password),
        )
        .route("/solicitar-acceso", get(access::form).post(access::submit))
        .route(admin::HUB_PATH, get(admin::hub))
        .route("/admin/solicitudes", get(admin::access_requests))
        .route("/admin/solicitudes/{id}/aprobar", post(admin::approve))
        .route("/admin/solicitudes/{id}/rechazar", post(admin::reject))
        .route("/admin/correos", get(admin::outbox))
        .route(audit::PATH, get(audit::show))
        .route("/procedimiento", get(help::show))
        .route(notices::PATH, get(notices::list))
        .route("/avisos/leer-todos", post(notices::mark_all_read))
        .route("/avisos/preferencia", post(notices::preference))
        .route("/avisos/{id}/abrir", post(notices::open))
        .route("/avisos/{id}/leido", post(notices::mark_read))
        .route(notices::SAMPLES_PATH, get(notices::samples))
        .route("/admin/avisos/{kind}", get(notices::sample))
        .route("/certificados", get(certificates::list))
        .route("/tramites", get(tickets::list))
        .route(
            "/tramites/nuevo",
            get(wizard::kind::new_form).post(wizard::kind::create),
        )
        .route("/tramites/{id}", get(tickets::show))
        .route(
            "/tramites/{id}/anular",
            get(tickets::withdraw_form).post(tickets::withdraw),
        )
        .route(
            "/tramites/{id}/pagos",
            get(wizard::payments::payments_form)
                .post(wizard::payments::add_payment)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/tramites/{id}/pagos/{payment_id}/quitar",
            post(wizard::payments::remove_payment),
        )
        .route(
            "/tramites/{id}/solicitantes",
            get(wizard::applicants::applicants_form)
                .post(wizard::applicants::add_applicant)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/tramites/{id}/solicitantes/{applicant_id}/quitar",
            post(wizard::applicants::remove_applicant),
        )
        .route(
            "/tramites/{id}/enviar",
            get(wizard::send::submit_form).post(wizard::send::submit),
        )
        .route(auth::FORGOT_PATH, get(auth::forgot_form).post(auth::forgot))
        .route(auth::FORGOT_SENT_PATH, get(auth::forgot_sent))
        .route("/establecer-clave/{token}/nuevo", post(auth::resend_link))
        .route(profile::PATH, get(profile::show))
        .route("/perfil/clave", post(profile::change_password))
        .route("/perfil/sesiones/{id}/cerrar", post(profile::close))
        .route("/perfil/sesiones/cerrar-otras", post(profile::close_others))
        .route(
            observation_texts::PATH,
            get(observation_texts::list).post(observation_texts::create),
        )
        .route(
            "/admin/observaciones/{id}",
            get(observation_texts::edit_form).post(observation_texts::update),
        )
        .route(
            "/tramites/{id}/solicitantes/{applicant_id}/editar",
            get(wizard::applicants::edit_form)
                .post(wizard::applicants::edit)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/certificados/{id}/renovar",
            get(certificates::renew_form).post(certificates::renew),
        )
        .route(users::PATH, get(users::list))
        .route("/admin/usuarios/{id}", get(users::show))
        .route("/admin/usuarios/{id}/rol", post(users::change_role))
        .route("/admin/usuarios/{id}/desactivar", post(users::deactivate))
        .route("/admin/usuarios/{id}/reactivar", post(users::reactivate))
        .route("/admin/usuarios/{id}/enlace", post(users::send_link))
        .route(reports::PATH, get(reports::show))
        .route("/reportes/{file}", get(reports::csv))
        .route(settings::PATH, get(settings::show).post(settings::save))
        .route(holidays::PATH, get(holidays::list).post(holidays::add))
        .route("/admin/feriados/{date}/quitar", post(holidays::remove))
        .merge(analyst::routes())
}

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// What the base layout needs on every page.
pub struct Layout {
    pub title: String,
    /// The entity's name (a setting), in the header and footer.
    pub entity: String,
    pub user: Option<User>,
    pub csrf_token: String,
    pub css_url: String,
    /// The SVG icon, fingerprinted.
    pub favicon_url: String,
    pub nav: Vec<NavItem>,
    pub notice: Option<String>,
    /// Unread in-app notices, for the bell.
    pub unread: i64,
    /// This page is the notices page (the bell is then the current entry).
    pub on_notices: bool,
    /// This page is the profile page (the name in the header is then the current entry).
    pub on_profile: bool,
}

impl Layout {
    /// `current` is the path of the page, to mark its navigation entry.
    pub fn new(title: impl Into<String>, viewer: Option<&Viewer>, current: &str) -> Self {
        let user = viewer.and_then(Viewer::user).cloned();
        let nav = nav_for(user.as_ref().map(|u| u.role), current);
        Self {
            title: title.into(),
            entity: viewer
                .map(|v| v.settings.entity_name.clone())
                .unwrap_or_else(|| DEFAULT_ENTITY_NAME.to_owned()),
            user,
            csrf_token: viewer.map(|v| v.csrf_token.clone()).unwrap_or_default(),
            css_url: assets::url("app.css"),
            favicon_url: assets::url("favicon.svg"),
            nav,
            notice: None,
            unread: viewer.map_or(0, |v| v.unread),
            on_notices: current == notices::PATH,
            on_profile: current == profile::PATH,
        }
    }

    /// Shows `notice` (what the last action did) at the top of the page, when there is one.
    pub fn with_notice(mut self, notice: Option<impl Into<String>>) -> Self {
        self.notice = notice.map(Into::into);
        self
    }
}

/// Navigation by role: each role sees only what it may use.
fn nav_for(role: Option<Role>, current: &str) -> Vec<NavItem> {
    let mut items: Vec<(&'static str, &'static str)> = Vec::new();
    match role {
        None => {
            items.push(("/login", "Ingresar"));
            items.push(("/solicitar-acceso", "Solicitar acceso"));
            items.push(("/procedimiento", "Procedimiento"));
        }
        Some(role) => {
            items.push(("/", "Inicio"));
            if role.is_analyst() {
                items.push(("/analista/cola", "Cola"));
                items.push(("/analista/buscar", "Buscar"));
                items.push(("/analista/lotes", "Lote RENIEC"));
                items.push(("/analista/certificados", "Certificados"));
                items.push(("/reportes", "Reportes"));
            }
            items.push(("/tramites", "Mis trámites"));
            items.push(("/certificados", "Mis certificados"));
            if role.is_admin() {
                // One entry: the admin pages are listed on its page.
                items.push((admin::HUB_PATH, "Administración"));
            }
            items.push(("/procedimiento", "Procedimiento"));
        }
    }
    items
        .into_iter()
        .map(|(href, label)| NavItem {
            href,
            label,
            current: href == current || (href == admin::HUB_PATH && admin::is_admin_page(current)),
        })
        .collect()
}

/// A search's results, or, when what was typed does not validate, no results and the
/// errors keyed by the page's own field names (`field` renames them) to show beside the
/// form. Any other error passes on.
pub(crate) fn found_or_errors<T>(
    result: crate::app::AppResult<Vec<T>>,
    field: fn(&str) -> &str,
) -> Result<(Vec<T>, FieldErrors), crate::app::AppError> {
    match result {
        Ok(found) => Ok((found, FieldErrors::new())),
        Err(crate::app::AppError::Validation(errors)) => {
            let mut placed = FieldErrors::new();
            for (name, messages) in errors.iter() {
                for m in messages {
                    placed.add(field(name), m.clone());
                }
            }
            Ok((Vec::new(), placed))
        }
        Err(other) => Err(other),
    }
}

/// One line of a form's error summary.
pub struct SummaryItem {
    pub field: String,
    pub label: String,
    pub message: String,
}

/// An error summary from errors keyed by element id (in their order), each with its label.
pub(crate) fn summary_of(errors: &FieldErrors, label: impl Fn(&str) -> String) -> Vec<SummaryItem> {
    errors
        .iter()
        .flat_map(|(field, messages)| {
            let label = label(field);
            messages.iter().map(move |m| SummaryItem {
                field: field.to_owned(),
                label: label.clone(),
                message: m.clone(),
            })
        })
        .collect()
}

/// The error summary shown above a form, in field order, with each field's label.
pub fn summary(errors: &FieldErrors, labels: &[(&str, &str)]) -> Vec<SummaryItem> {
    let mut items = Vec::new();
    for (field, label) in labels {
        for message in errors.get(field).unwrap_or_default() {
            items.push(SummaryItem {
                field: (*field).to_owned(),
                label: (*label).to_owned(),
                message: message.clone(),
            });
        }
    }
    // Errors on fields without a label (should not happen) still show.
    for (field, messages) in errors.iter() {
        if labels.iter().all(|(f, _)| *f != field) {
            for message in messages {
                items.push(SummaryItem {
                    field: field.to_owned(),
                    label: field.to_owned(),
                    message: message.clone(),
                });
            }
        }
    }
    items
}

/// Renders a form page: 422 when what was sent failed (the page shows why), 200 otherwise.
pub fn render_form(failed: bool, template: &impl Template) -> Response {
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(status, template)
}

/// A redirect (303 See Other) after a form, or to the page that fits.
pub fn see_other(to: impl AsRef<str>) -> PageResult {
    Ok(axum::response::Redirect::to(to.as_ref()).into_response())
}

/// Renders a template, or the generic error page if rendering fails.
pub fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "rendering a page");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<!doctype html><html lang=\"es-PE\"><title>Error</title><p>Ocurrió un error inesperado.</p></html>".to_owned()),
            )
                .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: Layout,
    heading: &'a str,
    message: &'a str,
    /// Each failing field's message, when the error is a validation failure.
    details: Vec<&'a str>,
}

/// The Spanish error page for `answer`, as `viewer` sees it.
pub fn error_page(answer: &Answer, viewer: Option<&Viewer>) -> Response {
    let details: Vec<&str> = answer
        .errors
        .values()
        .flat_map(|messages| messages.iter().map(String::as_str))
        .collect();
    render(
        answer.status,
        &ErrorPage {
            layout: Layout::new(answer.title, viewer, ""),
            heading: answer.title,
            message: &answer.detail,
            details,
        },
    )
}

/// Renders the error page of every [`PageError`](super::error::PageError) a page handler
/// or extractor returned, for the viewer who asked: one place for every page's errors.
pub async fn show_errors(State(state): State<WebState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    // Cached in the request: the handler's own extractors reuse it.
    let viewer = Viewer::from_request_parts(&mut parts, &state).await.ok();
    let mut res = next.run(Request::from_parts(parts, body)).await;
    match res.extensions_mut().remove::<PageFailure>() {
        Some(PageFailure(answer)) => {
            let mut page = error_page(&answer, viewer.as_ref());
            if let Some((name, value)) = answer.retry_after_header() {
                page.headers_mut().insert(name, value);
            }
            page
        }
        // An extractor's own rejection (English plain text): the same page, in Spanish.
        None if super::error::is_foreign_error(&res) => {
            error_page(&Answer::generic(res.status()), viewer.as_ref())
        }
        None => res,
    }
}

/// The notice a page shows after a redirect (`?aviso=`): a short code each page turns into
/// its own words.
#[derive(serde::Deserialize)]
pub struct NoticeQuery {
    pub aviso: Option<String>,
}

/// The `?antes=`/`?despues=` cursor of a paged list: blank is the first page; anything
/// that is not one of ours is a broken link.
pub fn page_cursor<T: std::str::FromStr>(raw: Option<&str>) -> PageResult<Option<T>> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(None),
        Some(raw) => raw.parse().map(Some).map_err(|_| {
            PageError::new(
                StatusCode::BAD_REQUEST,
                "Enlace inválido",
                "El enlace de esta página no es válido. Vuelva a la primera página de la lista.",
            )
        }),
    }
}

/// A moment as people in Lima read it: dd/mm/aaaa hh:mm.
pub fn datetime(ts: Timestamp) -> String {
    ts.to_zoned(crate::app::lima())
        .strftime("%d/%m/%Y %H:%M")
        .to_string()
}
