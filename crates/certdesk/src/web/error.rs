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
}

impl Problem {
    pub fn new(status: StatusCode, slug: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("urn:certdesk:problema:{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: BTreeMap::new(),
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
        Self::new(
            StatusCode::UNAUTHORIZED,
            "no-autenticado",
            "No autenticado",
            detail,
        )
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
        Self::new(
            StatusCode::NOT_FOUND,
            "no-encontrado",
            "No encontrado",
            "No existe lo que busca, o no tiene acceso a ello.",
        )
    }

    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let body = serde_json::to_vec(&self).unwrap_or_default();
        (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response()
    }
}

impl From<AppError> for Problem {
    fn from(err: AppError) -> Self {
        match err {
            AppError::Validation(errors) => {
                let mut p = Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validacion",
                    "Datos inválidos",
                    "Revise los campos marcados: cada uno dice qué corregir.",
                );
                p.errors = errors.into_inner();
                p
            }
            AppError::Unauthorized(detail) => Problem::unauthorized(detail),
            AppError::Forbidden => {
                Problem::forbidden("Su cuenta no tiene permiso para hacer esto.")
            }
            AppError::NotFound => Problem::not_found(),
            AppError::Conflict(detail) => Problem::new(
                StatusCode::CONFLICT,
                "conflicto",
                "Conflicto de estado",
                detail,
            ),
            AppError::RateLimited(detail) => Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "demasiados-intentos",
                "Demasiados intentos",
                detail,
            ),
            AppError::Internal(cause) => {
                tracing::error!(error = ?cause, "internal error");
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "error-interno",
                    "Error interno",
                    "Ocurrió un error inesperado. Intente de nuevo; si persiste, avise a la Mesa de Servicios.",
                )
            }
        }
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
