//! `POST /api/v1/password-resets`: "¿Olvidó su contraseña?" for API clients. The answer is
//! the same whether or not the address has an account.

use axum::{extract::State, http::StatusCode, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    app::accounts,
    web::{
        error::{ApiResult, Problem},
        extract::{ApiJson, ClientIp},
        WebState,
    },
};

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordResetRequest {
    /// The account's e-mail. Any string is accepted: an address without an active account
    /// (or not an address at all) gets the same answer and no mail.
    #[serde(default)]
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordResetAccepted {
    /// What happens next, for people; always the same text.
    pub detail: String,
}

/// The one answer to every reset request.
fn reset_accepted() -> String {
    format!(
        "Si el correo corresponde a una cuenta activa, le enviamos un enlace para elegir una \
         nueva contraseña. Vale por {} horas y se usa una sola vez.",
        accounts::RESET_LINK_TTL.as_hours()
    )
}

/// Ask for a one-time link to choose a new password, sent by e-mail.
///
/// Always 202 with the same body for any JSON body of this shape, whether or not the
/// address has an active account, so the answer reveals nothing. The link goes only to
/// the account's address; at most 3 requests per address and 30 per client address in an
/// hour send a mail (later ones are answered the same and send nothing). A new link retires
/// the older unused ones.
#[utoipa::path(post, path = "/api/v1/password-resets", tag = "sesión",
    request_body = PasswordResetRequest,
    responses((status = 202, body = PasswordResetAccepted),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 415, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<WebState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<PasswordResetRequest>,
) -> ApiResult<(StatusCode, Json<PasswordResetAccepted>)> {
    accounts::request_password_reset(&state.app, &body.email, &ip).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(PasswordResetAccepted {
            detail: reset_accepted(),
        }),
    ))
}
