//! `GET /api/v1/outbox`: the e-mails written, newest first, with their delivery state (admins).

use axum::{extract::State, Json};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Page, PageParams};
use crate::{
    app::outbox::{self, DeliveryStatus},
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
    /// The notice it carries (`access_received`, `ticket_observed`, …); null for mail
    /// written before notices had kinds.
    pub kind: Option<String>,
    pub to: String,
    pub subject: String,
    pub body_text: String,
    /// `<id@domain>`: the same on every attempt.
    pub message_id: Option<String>,
    /// `pendiente`, `enviado`, `reintentando` or `fallido`.
    #[schema(example = "pendiente")]
    pub status: String,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub attempts: i64,
    /// The last failed attempt's error (the server's answer when it gave one).
    pub last_error: Option<String>,
    /// When the next attempt is due; null once the mail is sent or has failed for good.
    pub next_attempt_at: Option<String>,
    /// When the server refused the mail for good; it is not retried.
    pub failed_at: Option<String>,
}

impl From<OutboxMail> for MailJson {
    fn from(m: OutboxMail) -> Self {
        let status = DeliveryStatus::of(&m);
        let waiting = matches!(
            status,
            DeliveryStatus::Pendiente | DeliveryStatus::Reintentando
        );
        Self {
            id: m.id.to_string(),
            kind: m.kind.map(|k| k.as_str().to_owned()),
            to: m.to,
            subject: m.subject,
            body_text: m.body_text,
            message_id: m.message_id,
            status: status.as_str().to_owned(),
            created_at: rfc3339(m.created_at),
            sent_at: m.sent_at.map(rfc3339),
            attempts: m.attempts,
            last_error: m.last_error,
            next_attempt_at: waiting.then(|| rfc3339(m.next_attempt_at)),
            failed_at: m.failed_at.map(rfc3339),
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
