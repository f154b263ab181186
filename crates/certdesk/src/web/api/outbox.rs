//! `GET /api/v1/outbox`: the e-mails written, newest first (admins).

use axum::{extract::State, Json};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Page, PageParams};
use crate::{
    app::outbox,
    store::outbox::OutboxMail,
    web::{
        error::{ApiResult, Problem},
        extract::{ApiQuery, ApiUser},
        rfc3339, WebState,
    },
};

#[derive(Debug, Serialize, ToSchema)]
pub struct MailJson {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub body_text: String,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub attempts: i64,
    pub last_error: Option<String>,
}

impl From<OutboxMail> for MailJson {
    fn from(m: OutboxMail) -> Self {
        Self {
            id: m.id.to_string(),
            to: m.to,
            subject: m.subject,
            body_text: m.body_text,
            created_at: rfc3339(m.created_at),
            sent_at: m.sent_at.map(rfc3339),
            attempts: m.attempts,
            last_error: m.last_error,
        }
    }
}

/// The e-mails written to the outbox, newest first (admins).
#[utoipa::path(get, path = "/api/v1/outbox", tag = "correo", security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, body = Page<MailJson>),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<Page<MailJson>>> {
    let limit = page.limit();
    let mails = outbox::list(&state.app, &user, page.after()?, limit).await?;
    let items = mails.into_iter().map(MailJson::from).collect();
    Ok(Json(Page::new(items, limit, |m: &MailJson| m.id.clone())))
}
