//! The signed-in user's in-app notices (`GET /api/v1/notifications`,
//! `POST /api/v1/notifications/{id}/read`) and their mail preference (`PATCH /api/v1/me`).

use axum::{extract::State, Json};
use domain::ids::NotificationId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{session::UserJson, Page};
use crate::{
    app::notifications,
    store::notifications::Notification,
    web::{
        error::{ApiResult, Problem},
        extract::{ApiJson, ApiQuery, ApiUser, Id},
        rfc3339, WebState,
    },
};

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationJson {
    pub id: String,
    /// What it is about: `ticket_observed`, `ticket_approved`, `expiry_reminder`…
    pub kind: String,
    pub title: String,
    pub body: String,
    /// A path of the service to open (`/tramites/…`), when there is one.
    pub link: Option<String>,
    pub ticket_id: Option<String>,
    pub created_at: String,
    pub read: bool,
    pub read_at: Option<String>,
}

impl From<Notification> for NotificationJson {
    fn from(n: Notification) -> Self {
        Self {
            id: n.id.to_string(),
            kind: n.kind.as_str().to_owned(),
            title: n.title,
            body: n.body,
            link: n.link,
            ticket_id: n.ticket_id.map(|t| t.to_string()),
            created_at: rfc3339(n.created_at),
            read: n.read_at.is_some(),
            read_at: n.read_at.map(rfc3339),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListParams {
    /// `true` for unread notices only.
    pub unread: Option<bool>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    pub limit: Option<i64>,
}

/// The user's notices, newest first, each with `read`.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "avisos", security(("bearer" = [])),
    params(ListParams),
    responses((status = 200, body = Page<NotificationJson>),
              (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<Page<NotificationJson>>> {
    let limit = super::page_limit(params.limit);
    let before = super::after(params.after.as_deref())?;
    let items = notifications::list(
        &state.app,
        &user,
        params.unread.unwrap_or(false),
        before,
        limit,
    )
    .await?;
    let items = items.into_iter().map(NotificationJson::from).collect();
    Ok(Json(Page::new(items, limit, |n: &NotificationJson| {
        n.id.clone()
    })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadJson {
    pub unread: i64,
}

/// How many notices the user has not read.
#[utoipa::path(get, path = "/api/v1/notifications/unread", tag = "avisos", security(("bearer" = [])),
    responses((status = 200, body = UnreadJson),
              (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn unread(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<UnreadJson>> {
    let unread = notifications::unread_count(&state.app, &user).await?;
    Ok(Json(UnreadJson { unread }))
}

/// Marks one of the user's notices read (again is fine); someone else's is 404.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "avisos", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = NotificationJson),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn read(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<NotificationId>,
) -> ApiResult<Json<NotificationJson>> {
    let notice = notifications::mark_read(&state.app, &user, id).await?;
    Ok(Json(notice.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedJson {
    /// How many were unread.
    pub marked: u64,
}

/// Marks every notice of the user read.
#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "avisos", security(("bearer" = [])),
    responses((status = 200, body = MarkedJson),
              (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn read_all(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<MarkedJson>> {
    let marked = notifications::mark_all_read(&state.app, &user).await?;
    Ok(Json(MarkedJson { marked }))
}

/// What a user may change about themselves.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeChange {
    /// Also receive by e-mail the notices that are in-app only by default. Important
    /// notices (observations, approvals, deadlines…) always go by e-mail.
    pub mail_copies: Option<bool>,
}

/// Changes the signed-in user's preferences.
#[utoipa::path(patch, path = "/api/v1/me", tag = "sesión", security(("bearer" = [])),
    request_body = MeChange,
    responses((status = 200, body = UserJson),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn update_me(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    ApiJson(change): ApiJson<MeChange>,
) -> ApiResult<Json<UserJson>> {
    let user = match change.mail_copies {
        Some(wanted) => notifications::set_mail_copies(&state.app, &user, wanted).await?,
        None => user,
    };
    Ok(Json(user.into()))
}
