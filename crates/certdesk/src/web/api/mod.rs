//! The JSON API under `/api/v1` (CONTRACT.md). Field names are English snake_case; enum
//! values are the Spanish words of SPEC.md. The OpenAPI document is generated from the
//! annotations on these handlers.

mod access;
mod analyst;
mod outbox;
mod session;
pub(crate) mod tickets;

use axum::{
    extract::DefaultBodyLimit,
    routing::{delete, get, post},
    Json, Router,
};
use serde::{Deserialize, Serialize};
use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi, ToSchema,
};

use super::{error::Problem, WebState};

/// Body limit of routes that take files: a photo, a signature and the form fields.
pub const UPLOAD_BODY_LIMIT: usize = 2 * crate::images::MAX_UPLOAD_BYTES + 1024 * 1024;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/session", post(session::create).delete(session::delete))
        .route("/me", get(session::me))
        .route("/access-requests", post(access::create).get(access::list))
        .route("/access-requests/{id}/approve", post(access::approve))
        .route("/access-requests/{id}/reject", post(access::reject))
        .route("/outbox", get(outbox::list))
        .route("/catalogue", get(tickets::catalogue))
        .route(
            "/image-checks",
            post(tickets::image_check).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/tickets", post(tickets::create).get(tickets::list))
        .route("/tickets/{id}", get(tickets::show))
        .route(
            "/tickets/{id}/payments",
            post(tickets::add_payment).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/tickets/{id}/payments/{payment_id}",
            delete(tickets::remove_payment),
        )
        .route(
            "/tickets/{id}/applicants",
            post(tickets::add_applicant).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/tickets/{id}/applicants/{applicant_id}",
            delete(tickets::remove_applicant),
        )
        .route("/tickets/{id}/submit", post(tickets::submit))
        .route("/tickets/{id}/withdraw", post(tickets::withdraw))
        .route("/applicants/{id}/photo", get(tickets::photo))
        .route("/applicants/{id}/signature", get(tickets::signature))
        .route("/payments/{id}/receipt", get(tickets::receipt))
        .route("/certificates", get(tickets::certificates))
        .route("/certificates/{id}", get(tickets::certificate))
        .route(
            "/certificates/{id}/public-part",
            post(analyst::public_part).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/queue", get(analyst::queue))
        .route("/tickets/{id}/take", post(analyst::take))
        .route("/tickets/{id}/observe", post(analyst::observe))
        .route("/tickets/{id}/approve", post(analyst::approve))
        .route("/tickets/{id}/reject", post(analyst::reject))
        .route("/tickets/{id}/appointment", post(analyst::appointment))
        .route("/tickets/{id}/complete", post(analyst::complete))
        .route("/batches", get(analyst::list))
        .route("/batches/close", post(analyst::close))
        .route("/batches/{id}", get(analyst::show))
        .route("/batches/{id}/package.zip", get(analyst::package))
        .route(
            "/applicants/{id}/reniec-result",
            post(analyst::reniec_result),
        )
        .route("/openapi.json", get(openapi))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "certdesk API", version = "1", description = "Mesa de servicios de certificados digitales RENIEC."),
    paths(
        session::create, session::delete, session::me,
        access::create, access::list, access::approve, access::reject,
        outbox::list,
        tickets::create, tickets::list, tickets::show, tickets::add_payment, tickets::add_applicant,
        tickets::remove_applicant, tickets::remove_payment, tickets::submit, tickets::withdraw,
        tickets::photo, tickets::signature, tickets::receipt, tickets::catalogue, tickets::image_check,
        tickets::certificates, tickets::certificate,
        analyst::queue, analyst::take, analyst::observe, analyst::approve, analyst::reject,
        analyst::appointment, analyst::complete, analyst::close, analyst::list, analyst::show,
        analyst::package, analyst::reniec_result, analyst::public_part,
        super::healthz,
    ),
    components(schemas(Problem)),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// Keyset pagination: `?after=<cursor>&limit=N`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PageParams {
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    pub limit: Option<i64>,
}

impl PageParams {
    pub const DEFAULT_LIMIT: i64 = 50;
    pub const MAX_LIMIT: i64 = 200;

    pub fn limit(&self) -> i64 {
        page_limit(self.limit)
    }

    /// The `after` cursor read into what it stands for; one that is not ours is 400.
    pub fn after<T: std::str::FromStr>(&self) -> Result<Option<T>, Problem> {
        after(self.after.as_deref())
    }
}

/// A page size, 1 to [`PageParams::MAX_LIMIT`] (default [`PageParams::DEFAULT_LIMIT`]).
pub fn page_limit(limit: Option<i64>) -> i64 {
    limit
        .unwrap_or(PageParams::DEFAULT_LIMIT)
        .clamp(1, PageParams::MAX_LIMIT)
}

/// A list's `after` cursor, read into what it stands for; one that is not ours is 400.
pub fn after<T: std::str::FromStr>(raw: Option<&str>) -> Result<Option<T>, Problem> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(None),
        Some(raw) => raw
            .parse()
            .map(Some)
            .map_err(|_| Problem::bad_request("El cursor `after` no es válido.")),
    }
}

/// Every list answers `{"items":[…],"next":<cursor or null>}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `after` to get the next page; null on the last page.
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// A page of at most `limit` items; `cursor` gives an item's cursor.
    pub fn new(items: Vec<T>, limit: i64, cursor: impl Fn(&T) -> String) -> Self {
        let next = if items.len() as i64 >= limit {
            items.last().map(&cursor)
        } else {
            None
        };
        Page { items, next }
    }
}
