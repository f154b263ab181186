//! `POST /api/v1/session` (log in, get a bearer token), `DELETE` (revoke it), `GET /me`.

use axum::{
    extract::State,
    http::{header, HeaderMap, StatusCode},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    app::auth,
    store::{sessions::SessionKind, users::User},
    web::{
        error::{ApiResult, Problem},
        extract::{ApiJson, ApiUser, ClientInfo},
        WebState,
    },
};

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserJson {
    pub id: String,
    pub email: String,
    pub name: String,
    /// `solicitante`, `analista` or `admin`.
    pub role: String,
    /// Also receives by e-mail the notices that are in-app only by default.
    pub mail_copies: bool,
}

impl From<User> for UserJson {
    fn from(user: User) -> Self {
        Self {
            id: user.id.to_string(),
            email: user.email,
            name: user.name,
            role: user.role.as_str().to_owned(),
            mail_copies: user.mail_copies,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`; valid for 30 days.
    pub token: String,
    pub user: UserJson,
}

/// Log in and receive an API token.
#[utoipa::path(post, path = "/api/v1/session", tag = "sesión", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<WebState>,
    ClientInfo(client): ClientInfo,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let login = auth::login(
        &state.app,
        &body.email,
        &body.password,
        &client,
        SessionKind::Api,
    )
    .await?;
    Ok(Json(LoginResponse {
        token: login.token,
        user: login.user.into(),
    }))
}

/// Revoke the bearer token used for this call.
#[utoipa::path(delete, path = "/api/v1/session", tag = "sesión", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn delete(
    State(state): State<WebState>,
    _user: ApiUser,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| Problem::bad_request("Solo se revoca un token enviado como Bearer."))?;
    auth::logout(&state.app, token.trim()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "sesión", security(("bearer" = [])),
    responses((status = 200, body = UserJson), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn me(ApiUser(user): ApiUser) -> Json<UserJson> {
    Json(user.into())
}
