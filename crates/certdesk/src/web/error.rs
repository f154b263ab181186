//! Errors as HTTP answers: RFC 9457 problem details for the API, Spanish pages for people.
//!
//! 4xx answers carry a message for people; 5xx answers are opaque to the client and logged
//! once, here, with their cause.

use std::collections::BTreeMap;

use axum::{
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::app::AppError;

/// An RFC 9457 problem (`application/problem+json`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI that identifies the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short Spanish summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Spanish explanation of this occurrence.
    pub detail: String,
    /// Every failing field with its Spanish messages (empty unless a validation failure).
    pub errors: BTreeMap<String, Vec<String>>,
    /// Seconds to wait before trying again: sent as `Retry-After`, not in the body.
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, slug: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("urn:certdesk:problema:{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: BTreeMap::new(),
            retry_after: None,
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "solicitud-invalida",
            "Solicitud inválida",
            detail,
        )
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        AppError::Unauthorized(detail.into()).into()
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "prohibido",
            "Acceso denegado",
            detail,
        )
    }

    pub fn not_found() -> Self {
        AppError::NotFound.into()
    }

    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut res = (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
        }
        res
    }
}

/// What people read while the database is out of reach (503).
pub const UNAVAILABLE: &str = "El servicio no está disponible en este momento porque no se puede \
     acceder a la base de datos. Intente de nuevo en unos minutos.";

/// How a use-case error is answered: the one mapping from [`AppError`] to an HTTP status
/// and Spanish words, shared by the API (problem+json) and the pages (the error page).
/// Internal errors are logged here, once, with their cause; people see an opaque message.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    /// The problem type's slug, `urn:certdesk:problema:<slug>`.
    pub slug: &'static str,
    /// Short Spanish summary (the problem's title, the error page's heading).
    pub title: &'static str,
    /// Spanish explanation of this occurrence.
    pub detail: String,
    /// Every failing field with its Spanish messages (validation only).
    pub errors: BTreeMap<String, Vec<String>>,
    /// Seconds to wait before trying again (429 only): the `Retry-After` header.
    pub retry_after: Option<u64>,
}

impl Answer {
    /// An answer with its own words, for pages (a form that expired, a broken link).
    pub fn page(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Self {
        Answer::new(status, "pagina", title, detail)
    }

    fn new(
        status: StatusCode,
        slug: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Answer {
            status,
            slug,
            title,
            detail: detail.into(),
            errors: BTreeMap::new(),
            retry_after: None,
        }
    }

    /// The `Retry-After` header of this answer, if it has one.
    pub fn retry_after_header(&self) -> Option<(header::HeaderName, header::HeaderValue)> {
        self.retry_after
            .map(|secs| (header::RETRY_AFTER, header::HeaderValue::from(secs)))
    }
}

impl Answer {
    /// Spanish words for an error answer that none of our handlers wrote: an extractor's
    /// rejection (English plain text: a body over the limit, a broken query string or
    /// path, a repeated form field) or an empty one (a method the route does not take).
    pub fn generic(status: StatusCode) -> Self {
        let (slug, title, detail) = match status {
            StatusCode::PAYLOAD_TOO_LARGE => (
                "demasiado-grande",
                "Solicitud demasiado grande",
                "Lo enviado pesa demasiado: un formulario o JSON puede pesar hasta 1 MB, y cada \
                 archivo hasta 10 MB.",
            ),
            StatusCode::METHOD_NOT_ALLOWED => (
                "metodo-no-permitido",
                "Método no permitido",
                "Esta dirección no acepta esa operación. Vuelva a la página anterior e intente \
                 desde el formulario o botón correspondiente.",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                "tipo-no-soportado",
                "Tipo de contenido no soportado",
                "El tipo de contenido enviado no es el que esta dirección espera.",
            ),
            StatusCode::NOT_FOUND => (
                "no-encontrado",
                "No encontrado",
                "No existe lo que busca, o no tiene acceso a ello.",
            ),
            StatusCode::UNPROCESSABLE_ENTITY => (
                "validacion",
                "Datos inválidos",
                "Los datos enviados no tienen la forma esperada. Vuelva a cargar la página e \
                 intente de nuevo.",
            ),
            s if s.is_server_error() => (
                "error-interno",
                "Error inesperado",
                "Ocurrió un error inesperado. Intente de nuevo; si persiste, avise a la Mesa de \
                 Servicios.",
            ),
            _ => (
                "solicitud-invalida",
                "Solicitud inválida",
                "No pudimos leer la solicitud: el formulario o el enlace está incompleto o \
                 tiene un campo repetido. Vuelva a cargar la página e intente de nuevo.",
            ),
        };
        Answer::new(status, slug, title, detail)
    }
}

/// True for an error answer whose body is not one of ours (see [`Answer::generic`]): no
/// content type, or plain text without the marker of a [`PageError`].
pub fn is_foreign_error(res: &Response) -> bool {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return false;
    }
    if res.extensions().get::<PageFailure>().is_some() {
        return false;
    }
    match res.headers().get(header::CONTENT_TYPE) {
        None => true,
        Some(value) => value
            .to_str()
            .map(|v| v.starts_with("text/plain"))
            .unwrap_or(true),
    }
}

impl From<AppError> for Answer {
    fn from(err: AppError) -> Self {
        match err {
            AppError::Validation(errors) => Answer {
                errors: errors.into_inner(),
                ..Answer::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validacion",
                    "Datos inválidos",
                    "Revise los campos marcados: cada uno dice qué corregir.",
                )
            },
            AppError::Unauthorized(detail) => Answer::new(
                StatusCode::UNAUTHORIZED,
                "no-autenticado",
                "Inicie sesión",
                detail,
            ),
            AppError::Forbidden => Answer::new(
                StatusCode::FORBIDDEN,
                "prohibido",
                "Acceso denegado",
                "Su cuenta no tiene permiso para esto.",
            ),
            AppError::NotFound => Answer::new(
                StatusCode::NOT_FOUND,
                "no-encontrado",
                "No encontrado",
                "No existe lo que busca, o no tiene acceso a ello.",
            ),
            AppError::Conflict(detail) => Answer::new(
                StatusCode::CONFLICT,
                "conflicto",
                "No se pudo completar",
                detail,
            ),
            AppError::Gone(detail) => {
                Answer::new(StatusCode::GONE, "eliminado", "Archivo eliminado", detail)
            }
            AppError::RateLimited {
                detail,
                retry_after_secs,
            } => Answer {
                retry_after: Some(retry_after_secs),
                ..Answer::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "demasiados-intentos",
                    "Demasiados intentos",
                    detail,
                )
            },
            AppError::Internal(cause)
                if crate::store::is_unavailable(
                    cause.as_ref() as &(dyn std::error::Error + 'static)
                ) =>
            {
                tracing::warn!(error = %cause, "database unavailable");
                Answer::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "no-disponible",
                    "Servicio no disponible",
                    UNAVAILABLE,
                )
            }
            AppError::Internal(cause) => {
                tracing::error!(error = ?cause, "internal error");
                Answer::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "error-interno",
                    "Error inesperado",
                    "Ocurrió un error inesperado. Intente de nuevo; si persiste, avise a la Mesa de Servicios.",
                )
            }
        }
    }
}

impl From<Answer> for Problem {
    fn from(a: Answer) -> Self {
        Problem {
            errors: a.errors,
            retry_after: a.retry_after,
            ..Problem::new(a.status, a.slug, a.title, a.detail)
        }
    }
}

impl From<AppError> for Problem {
    fn from(err: AppError) -> Self {
        Answer::from(err).into()
    }
}

/// The API's error type: any use-case error, answered as problem+json.
#[derive(Debug)]
pub struct ApiError(pub Problem);

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        ApiError(err.into())
    }
}

impl From<Problem> for ApiError {
    fn from(problem: Problem) -> Self {
        ApiError(problem)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// What a page handler returns when it cannot show its page: the Spanish error page, for
/// the person who asked, or a redirect to where they should be instead. Handlers return it
/// with `?`; the pages' `show_errors` layer knows the viewer and renders the error page
/// with their header and navigation.
#[derive(Debug)]
pub enum PageError {
    /// The error page.
    Show(Answer),
    /// Not this page, now: go there (a ticket no longer editable goes to its own page).
    Elsewhere(String),
}

impl PageError {
    /// An error page with its own words (a form that expired, a broken link).
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Self {
        PageError::Show(Answer::page(status, title, detail))
    }

    /// A redirect (303) to `to`.
    pub fn elsewhere(to: impl Into<String>) -> Self {
        PageError::Elsewhere(to.into())
    }
}

impl From<AppError> for PageError {
    fn from(err: AppError) -> Self {
        PageError::Show(err.into())
    }
}

impl From<crate::store::StoreError> for PageError {
    fn from(err: crate::store::StoreError) -> Self {
        AppError::from(err).into()
    }
}

/// The marker a [`PageError`] leaves on its response for the `show_errors` layer.
#[derive(Debug, Clone)]
pub struct PageFailure(pub Answer);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Show(answer) => {
                let mut res = (answer.status, answer.detail.clone()).into_response();
                res.extensions_mut().insert(PageFailure(answer));
                res
            }
            PageError::Elsewhere(to) => axum::response::Redirect::to(&to).into_response(),
        }
    }
}

/// A page handler's result.
pub type PageResult<T = Response> = Result<T, PageError>;
