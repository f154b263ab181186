//! Account administration (admins): `GET /api/v1/users`, `GET`/`PATCH /api/v1/users/{id}`
//! and `POST /api/v1/users/{id}/password-link`.

use axum::{extract::State, http::StatusCode, Json};
use domain::{ids::UserId, role::Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Page, PageParams};
use crate::{
    app::{
        auth,
        users::{self, UserChange, UserQuery},
        AppError,
    },
    store::users::User,
    web::{
        error::{ApiResult, Problem},
        extract::{ApiJson, ApiQuery, ApiUser, Id},
        WebState,
    },
};

/// An account as admins see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminUserJson {
    pub id: String,
    pub email: String,
    pub full_name: String,
    /// `solicitante`, `analista` or `admin`.
    pub role: String,
    /// False once deactivated: the account cannot sign in and its sessions and tokens are
    /// closed.
    pub active: bool,
    pub created_at: String,
    /// The last successful sign-in (browser or API); null if never recorded.
    pub last_login_at: Option<String>,
}

impl From<User> for AdminUserJson {
    fn from(u: User) -> Self {
        Self {
            id: u.id.to_string(),
            email: u.email,
            full_name: u.name,
            role: u.role.as_str().to_owned(),
            active: u.active,
            created_at: crate::web::rfc3339(u.created_at),
            last_login_at: u.last_login_at.map(crate::web::rfc3339),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListParams {
    /// Words that must all appear in the name or the e-mail (case and accents ignored).
    pub q: Option<String>,
    /// `solicitante`, `analista` or `admin`.
    pub role: Option<String>,
    /// `true` (active accounts) or `false` (deactivated ones).
    pub active: Option<String>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    pub limit: Option<i64>,
}

/// List accounts by name (admins). Keyset pages: pass `next` as `after`.
#[utoipa::path(get, path = "/api/v1/users", tag = "cuentas", security(("bearer" = [])),
    params(ListParams),
    responses((status = 200, body = Page<AdminUserJson>),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<Page<AdminUserJson>>> {
    auth::require_admin(&user)?;
    let query = UserQuery {
        q: params.q.unwrap_or_default(),
        role: params.role.unwrap_or_default(),
        active: params.active.unwrap_or_default(),
    };
    let page = PageParams {
        after: params.after,
        limit: params.limit,
    };
    let limit = page.limit();
    let after = page.after::<UserId>()?;
    let items = users::list(&state.app, &user, &query, after, limit).await?;
    let items = items.into_iter().map(AdminUserJson::from).collect();
    Ok(Json(Page::new(items, limit, |u: &AdminUserJson| {
        u.id.clone()
    })))
}

/// One account (admins).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "cuentas", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = AdminUserJson),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn show(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<UserId>,
) -> ApiResult<Json<AdminUserJson>> {
    let found = users::get(&state.app, &user, id).await?;
    Ok(Json(found.into()))
}

/// What an admin may change on an account; what is left out stays.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// `solicitante`, `analista` or `admin`.
    pub role: Option<String>,
    /// `false` deactivates (its sessions and API tokens stop working at once), `true`
    /// reactivates.
    pub active: Option<bool>,
}

/// Change an account's role or deactivate/reactivate it (admins). The last active admin can
/// be neither demoted nor deactivated (409).
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "cuentas", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = UserPatch,
    responses((status = 200, body = AdminUserJson),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<UserId>,
    ApiJson(body): ApiJson<UserPatch>,
) -> ApiResult<Json<AdminUserJson>> {
    auth::require_admin(&user)?;
    let role = match body.role.as_deref() {
        None => None,
        Some(typed) => Some(
            typed
                .parse::<Role>()
                .map_err(|e| AppError::field("role", e.to_string()))?,
        ),
    };
    let changed = users::update(
        &state.app,
        &user,
        id,
        UserChange {
            role,
            active: body.active,
        },
    )
    .await?;
    Ok(Json(changed.user.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordLinkSent {
    /// Where the link was e-mailed.
    pub email: String,
    /// When the link stops working.
    pub expires_at: String,
}

/// E-mail the account a new one-time link to choose its password (admins): valid for 72
/// hours; its older unused links stop working; the current password keeps working until the
/// link is used. A deactivated account is 409.
#[utoipa::path(post, path = "/api/v1/users/{id}/password-link", tag = "cuentas", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 202, body = PasswordLinkSent),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn password_link(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<UserId>,
) -> ApiResult<(StatusCode, Json<PasswordLinkSent>)> {
    let sent = users::send_password_link(&state.app, &user, id).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(PasswordLinkSent {
            email: sent.user.email,
            expires_at: crate::web::rfc3339(sent.expires_at),
        }),
    ))
}
