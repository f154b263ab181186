//! Access requests: anyone files one; admins list, approve and reject.

use axum::{extract::State, http::StatusCode, Json};
use domain::{
    access::{AccessRequestInput, AccessRequestStatus},
    ids::AccessRequestId,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{session::UserJson, Page, PageParams};
use crate::{
    app::access,
    store::access_requests::AccessRequest,
    web::{
        error::{ApiResult, Problem},
        extract::{ApiJson, ApiQuery, ApiUser, ClientIp, Id},
        WebState,
    },
};

/// The access-request form. Every field is required.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewAccessRequest {
    #[serde(default)]
    pub full_name: String,
    /// 8 digits.
    #[serde(default)]
    pub dni: String,
    #[serde(default)]
    pub position: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub dependency: String,
    /// `YYYY-MM-DD`, not in the future.
    #[serde(default)]
    pub start_date: String,
    /// Institutional e-mail only.
    #[serde(default)]
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: String,
    /// `pendiente`.
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccessRequestJson {
    pub id: String,
    pub full_name: String,
    pub dni: String,
    pub position: String,
    pub unit: String,
    pub dependency: String,
    pub start_date: String,
    pub email: String,
    /// `pendiente`, `aprobada` or `rechazada`.
    pub status: String,
    pub created_at: String,
    pub decided_at: Option<String>,
    pub decision_reason: Option<String>,
    pub user_id: Option<String>,
}

impl From<AccessRequest> for AccessRequestJson {
    fn from(r: AccessRequest) -> Self {
        Self {
            id: r.id.to_string(),
            full_name: r.full_name,
            dni: r.dni.to_string(),
            position: r.position,
            unit: r.unit,
            dependency: r.dependency,
            start_date: r.start_date.to_string(),
            email: r.email,
            status: r.status.as_str().to_owned(),
            created_at: crate::web::rfc3339(r.created_at),
            decided_at: r.decided_at.map(crate::web::rfc3339),
            decision_reason: r.decision_reason,
            user_id: r.user_id.map(|u| u.to_string()),
        }
    }
}

/// File an access request (public).
#[utoipa::path(post, path = "/api/v1/access-requests", tag = "acceso", request_body = NewAccessRequest,
    responses((status = 201, body = Created,
               description = "Registered; the same answer when the address already has an account or a pending request"),
              (status = 422, body = Problem, content_type = "application/problem+json"),
              (status = 429, body = Problem, content_type = "application/problem+json",
               description = "Too many requests from this client address; see Retry-After")))]
pub async fn create(
    State(state): State<WebState>,
    ClientIp(client_ip): ClientIp,
    ApiJson(body): ApiJson<NewAccessRequest>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let input = AccessRequestInput {
        full_name: body.full_name,
        dni: body.dni,
        position: body.position,
        unit: body.unit,
        dependency: body.dependency,
        start_date: body.start_date,
        email: body.email,
    };
    let request = access::file(&state.app, &input, &client_ip).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id: request.id.to_string(),
            status: request.status.as_str().to_owned(),
        }),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListParams {
    /// `pendiente` (default), `aprobada`, `rechazada` or `todas`.
    pub status: Option<String>,
    pub after: Option<String>,
    pub limit: Option<i64>,
}

/// List access requests, oldest first (admins).
#[utoipa::path(get, path = "/api/v1/access-requests", tag = "acceso", security(("bearer" = [])),
    params(ListParams),
    responses((status = 200, body = Page<AccessRequestJson>),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<Page<AccessRequestJson>>> {
    let status = match params.status.as_deref() {
        None => Some(AccessRequestStatus::Pendiente),
        Some("todas") => None,
        Some(s) => Some(s.parse().map_err(|_| {
            Problem::bad_request("status debe ser pendiente, aprobada, rechazada o todas.")
        })?),
    };
    let page = PageParams {
        after: params.after,
        limit: params.limit,
    };
    let limit = page.limit();
    let items = access::list(&state.app, &user, status, page.after()?, limit).await?;
    let items = items.into_iter().map(AccessRequestJson::from).collect();
    Ok(Json(Page::new(items, limit, |r: &AccessRequestJson| {
        r.id.clone()
    })))
}

/// Approve: creates the account and e-mails a one-time set-password link (admins).
#[utoipa::path(post, path = "/api/v1/access-requests/{id}/approve", tag = "acceso", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = UserJson),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn approve(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<AccessRequestId>,
) -> ApiResult<Json<UserJson>> {
    let created = access::approve(&state.app, &user, id).await?;
    Ok(Json(created.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RejectRequest {
    /// Sent to the person by e-mail.
    #[serde(default)]
    pub reason: String,
}

/// Reject with a reason (admins).
#[utoipa::path(post, path = "/api/v1/access-requests/{id}/reject", tag = "acceso", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = RejectRequest,
    responses((status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 200, body = AccessRequestJson),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn reject(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<AccessRequestId>,
    ApiJson(body): ApiJson<RejectRequest>,
) -> ApiResult<Json<AccessRequestJson>> {
    let request = access::reject(&state.app, &user, id, &body.reason).await?;
    Ok(Json(request.into()))
}
