//! `GET /api/v1/audit`: the audit log, newest first (admins).

use axum::{extract::State, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{page_limit, Page};
use crate::{
    app::audit::{self, Listed},
    web::{
        error::{ApiResult, Problem},
        extract::{ApiQuery, ApiUser},
        rfc3339, WebState,
    },
};

/// What to look for; every part optional.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuditParams {
    /// The user who acted: e-mail or user id.
    pub actor: Option<String>,
    /// The ticket: number (`CD-2026-000123`) or id.
    pub ticket: Option<String>,
    /// An action code (`auth.login_failed`) or an area (`ticket`, `auth`).
    pub action: Option<String>,
    /// From this day (`YYYY-MM-DD`, Lima) or moment (RFC 3339).
    pub from: Option<String>,
    /// Up to this day, included (`YYYY-MM-DD`), or moment, excluded (RFC 3339).
    pub to: Option<String>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryJson {
    /// Position in the hash chain, from 1.
    pub seq: i64,
    pub at: String,
    /// The user id of who acted; null for the system or an anonymous visitor.
    pub actor: Option<String>,
    pub actor_email: Option<String>,
    pub actor_name: Option<String>,
    /// Stable code: `auth.login`, `ticket.submit`, `settings.changed`, …
    pub action: String,
    /// The action in Spanish.
    pub action_label: String,
    /// What it is about: `ticket:<id>`, `user:<id>`, `batch:<id>`, …
    pub subject: String,
    /// Details as recorded (JSON).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    /// The client's address; null for the system.
    pub ip: Option<String>,
    /// SHA-256 (hex) chained to the previous entry.
    pub hash: String,
}

impl From<Listed> for AuditEntryJson {
    fn from(l: Listed) -> Self {
        let e = l.entry;
        Self {
            seq: e.seq.unwrap_or_default(),
            at: rfc3339(e.at),
            actor: e.actor_id,
            actor_email: l.actor_email,
            actor_name: l.actor_name,
            action_label: domain::audit::action_label(&e.action),
            action: e.action,
            subject: e.subject,
            detail: serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::String(e.detail)),
            ip: e.ip,
            hash: e.hash.unwrap_or_default(),
        }
    }
}

/// The audit log, newest first, filtered by user, ticket, action and dates (admins).
#[utoipa::path(get, path = "/api/v1/audit", tag = "auditoria", security(("bearer" = [])),
    params(AuditParams),
    responses((status = 200, body = Page<AuditEntryJson>),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    ApiQuery(params): ApiQuery<AuditParams>,
) -> ApiResult<Json<Page<AuditEntryJson>>> {
    let limit = page_limit(params.limit);
    let query = audit::Query {
        actor: params.actor,
        ticket: params.ticket,
        action: params.action,
        from: params.from,
        to: params.to,
        before: super::after(params.after.as_deref())?,
    };
    let entries = audit::search(&state.app, &user, &query, limit).await?;
    let items = entries.into_iter().map(AuditEntryJson::from).collect();
    Ok(Json(Page::new(items, limit, |e: &AuditEntryJson| {
        e.seq.to_string()
    })))
}
