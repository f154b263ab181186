//! The errors use cases return; the web layer maps each to an HTTP status.

use domain::validation::FieldErrors;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input that breaks a rule: every failing field with its Spanish message (422).
    #[error("validation failed")]
    Validation(FieldErrors),
    /// Not signed in, or bad credentials (401). The message is for people.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// Signed in, but this role may not do this (403).
    #[error("forbidden")]
    Forbidden,
    /// Missing, or not visible to this user (404).
    #[error("not found")]
    NotFound,
    /// The thing is in a state that does not allow this (409). The message is for people.
    #[error("conflict: {0}")]
    Conflict(String),
    /// It existed but was deleted for good, e.g. a file past its retention period (410).
    /// The message is for people.
    #[error("gone: {0}")]
    Gone(String),
    /// Too many attempts (429): the message is for people; try again after that many
    /// seconds (the `Retry-After` header).
    #[error("rate limited: {detail}")]
    RateLimited {
        detail: String,
        retry_after_secs: u64,
    },
    /// Anything else: logged, never shown (500).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// A validation error on one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.add(field, message);
        AppError::Validation(errors)
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => AppError::NotFound,
            other => AppError::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        AppError::Validation(errors)
    }
}
