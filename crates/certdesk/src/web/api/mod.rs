//! The JSON API under `/api/v1` (CONTRACT.md). Field names are English snake_case; enum
//! values are the Spanish words of SPEC.md. Each handler is registered once, in [`router`],
//! which routes it and adds it to the OpenAPI document from its `#[utoipa::path]`.

mod access;
mod accounts;
mod analyst;
mod audit;
mod holidays;
mod notifications;
mod outbox;
pub(crate) mod reports;
mod session;
mod settings;
pub(crate) mod tickets;
mod users;

use std::sync::Arc;

use axum::{
    extract::DefaultBodyLimit,
    response::IntoResponse,
    routing::{get, MethodRouter},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi, ToSchema,
};
use utoipa_axum::{
    router::{OpenApiRouter, UtoipaMethodRouterExt},
    routes,
};

use super::{error::Problem, Routes, WebState};

/// Body limit of routes that take files: a photo, a signature and the form fields.
pub const UPLOAD_BODY_LIMIT: usize = 2 * crate::images::MAX_UPLOAD_BYTES + 1024 * 1024;

/// Where the OpenAPI document is served; the one API route that is not in it.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

/// The API under `/api/v1`, `GET /healthz`, and at [`OPENAPI_PATH`] the OpenAPI document of
/// exactly these routes, built from the same router that serves them. The paths listed
/// with the router are the document's: every API route is a documented one.
pub fn routes() -> Routes {
    let (router, mut document) = documented().split_for_parts();
    complete_operations(&mut document);
    let paths: Vec<String> = document.paths.paths.keys().cloned().collect();
    Routes::from_parts(router, paths).route(OPENAPI_PATH, openapi(document))
}

/// The problem answers every operation of a kind can give, whatever its handler declares:
/// - a bearer-secured operation: 401 (no or a bad token) and 403 (the role may not; a
///   cookie session without its CSRF header);
/// - a path with an id: 404 (an id that does not parse, or that the caller may not see);
/// - a request body: 400 (not JSON, not a readable form), 413 (over the body limit), 415
///   (another content type) and 422 (fields that fail their rules);
/// - query parameters: 400 (a bad cursor) and 422.
///
/// Every problem answer is `application/problem+json`, and every operation id is unique
/// (`list_tickets`, `list_users`… when two handlers share a name). schemathesis checks the
/// answers against this document (scripts/schemathesis.sh).
fn complete_operations(document: &mut utoipa::openapi::OpenApi) {
    use std::collections::HashMap;
    use utoipa::openapi::{path::ParameterIn, Content, Ref, RefOr, ResponseBuilder};

    const PROBLEM: &str = "application/problem+json";
    let describe = |code: &str| match code {
        "400" => "The body or the query cannot be read",
        "401" => "No token, or not a valid one (POST /api/v1/session)",
        "403" => "The caller's role may not do this (or a cookie session sent no X-CSRF-Token)",
        "404" => "No such thing, or the caller may not see it",
        "413" => "The body is over the size limit",
        "415" => "Unsupported content type",
        _ => "Invalid fields, each with its Spanish messages",
    };

    let mut ids: HashMap<String, usize> = HashMap::new();
    for item in document.paths.paths.values() {
        for op in [&item.get, &item.put, &item.post, &item.delete, &item.patch]
            .into_iter()
            .flatten()
        {
            if let Some(id) = &op.operation_id {
                *ids.entry(id.clone()).or_default() += 1;
            }
        }
    }

    for (path, item) in document.paths.paths.iter_mut() {
        let has_path_id = path.contains('{');
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            if let Some(id) = op.operation_id.clone() {
                if ids.get(&id).copied().unwrap_or(0) > 1 {
                    op.operation_id = Some(format!("{id}_{}", resource_name(path)));
                }
            }
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let has_body = op.request_body.is_some();
            let has_query = op
                .parameters
                .iter()
                .flatten()
                .any(|p| matches!(p.parameter_in, ParameterIn::Query));
            let mut codes = Vec::new();
            if secured {
                codes.extend(["401", "403"]);
            }
            if has_path_id {
                codes.push("404");
            }
            if has_body {
                codes.extend(["400", "413", "415", "422"]);
            }
            if has_query {
                codes.extend(["400", "422"]);
            }
            for code in codes {
                op.responses
                    .responses
                    .entry(code.to_owned())
                    .or_insert_with(|| {
                        RefOr::T(
                            ResponseBuilder::new()
                                .description(describe(code))
                                .content(
                                    PROBLEM,
                                    Content::new(Some(Ref::from_schema_name("Problem"))),
                                )
                                .build(),
                        )
                    });
            }
            // A problem is never plain JSON.
            for (code, response) in op.responses.responses.iter_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                if !code.starts_with('4') && !code.starts_with('5') {
                    continue;
                }
                let is_problem = response.content.get("application/json").is_some_and(|c| {
                    matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem"))
                });
                if is_problem {
                    if let Some(content) = response.content.shift_remove("application/json") {
                        response.content.insert(PROBLEM.to_owned(), content);
                    }
                }
            }
        }
    }
}

/// Every documented route, each handler registered once: `routes!` routes it at the path
/// and method of its `#[utoipa::path]` (full paths, `/api/v1/...`) and adds that operation
/// to the document. One `routes!` per path: handlers given together are routed at every
/// path among them. Never `.route(…)` here: an undocumented route would be missing from the
/// document and from [`super::route_paths`].
fn documented() -> OpenApiRouter<WebState> {
    let uploads = || DefaultBodyLimit::max(UPLOAD_BODY_LIMIT);
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(super::healthz))
        .routes(routes!(session::create, session::delete))
        .routes(routes!(session::me, notifications::update_me))
        .routes(routes!(accounts::create))
        .routes(routes!(notifications::list))
        .routes(routes!(notifications::unread))
        .routes(routes!(notifications::read))
        .routes(routes!(notifications::read_all))
        .routes(routes!(access::create, access::list))
        .routes(routes!(access::approve))
        .routes(routes!(access::reject))
        .routes(routes!(outbox::list))
        .routes(routes!(audit::list))
        .routes(routes!(tickets::catalogue))
        .routes(routes!(tickets::image_check).layer(uploads()))
        .routes(routes!(tickets::create, tickets::list))
        .routes(routes!(tickets::show))
        .routes(routes!(tickets::add_payment).layer(uploads()))
        .routes(routes!(tickets::remove_payment))
        .routes(routes!(tickets::add_applicant).layer(uploads()))
        .routes(routes!(tickets::remove_applicant))
        .routes(routes!(tickets::submit))
        .routes(routes!(tickets::withdraw))
        .routes(routes!(tickets::photo))
        .routes(routes!(tickets::signature))
        .routes(routes!(tickets::receipt))
        .routes(routes!(tickets::certificates))
        .routes(routes!(tickets::certificate))
        .routes(routes!(analyst::public_part).layer(uploads()))
        .routes(routes!(analyst::queue))
        .routes(routes!(analyst::take))
        .routes(routes!(analyst::observe))
        .routes(routes!(analyst::approve))
        .routes(routes!(analyst::reject))
        .routes(routes!(analyst::appointment))
        .routes(routes!(analyst::complete))
        .routes(routes!(analyst::list))
        .routes(routes!(analyst::close))
        .routes(routes!(analyst::show))
        .routes(routes!(analyst::package))
        .routes(routes!(analyst::reniec_result))
        .routes(routes!(analyst::bulk_results).layer(uploads()))
        .routes(routes!(analyst::release))
        .routes(routes!(analyst::add_note, analyst::notes))
        .routes(routes!(tickets::update_applicant).layer(uploads()))
        .routes(routes!(users::list))
        .routes(routes!(users::show, users::update))
        .routes(routes!(users::password_link))
        .routes(routes!(reports::show))
        .routes(routes!(settings::show, settings::update))
        .routes(routes!(holidays::list, holidays::create))
        .routes(routes!(holidays::remove))
}

/// What the document says besides its paths, which `documented` adds.
#[derive(OpenApi)]
#[openapi(
    info(title = "certdesk API", version = "1", description = "Mesa de servicios de certificados digitales RENIEC."),
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

/// The first segment after `/api/v1/`, as an identifier: `access-requests` → `access_requests`.
fn resource_name(path: &str) -> String {
    path.trim_start_matches("/api/v1/")
        .split('/')
        .next()
        .unwrap_or_default()
        .replace('-', "_")
}

/// `GET` [`OPENAPI_PATH`]: serves `document`.
fn openapi(document: utoipa::openapi::OpenApi) -> MethodRouter<WebState> {
    let document = Arc::new(document);
    get(move || {
        let document = Arc::clone(&document);
        async move { Json(document.as_ref()).into_response() }
    })
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use utoipa::openapi::{path::Operation, RefOr};

    fn operations() -> Vec<(String, String, Operation)> {
        let (_, mut document) = documented().split_for_parts();
        complete_operations(&mut document);
        let mut all = Vec::new();
        for (path, item) in document.paths.paths {
            for (method, op) in [
                ("get", item.get),
                ("put", item.put),
                ("post", item.post),
                ("delete", item.delete),
                ("patch", item.patch),
            ] {
                if let Some(op) = op {
                    all.push((method.to_owned(), path.clone(), op));
                }
            }
        }
        all
    }

    #[test]
    fn operation_ids_are_unique_and_ascii() {
        let ops = operations();
        let mut seen = std::collections::BTreeSet::new();
        for (method, path, op) in &ops {
            let id = op.operation_id.clone().unwrap();
            assert!(
                id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
                "{id}"
            );
            assert!(seen.insert(id.clone()), "{method} {path}: {id} twice");
        }
        assert!(seen.contains("create_session") && seen.contains("list_tickets"));
    }

    #[test]
    fn every_operation_documents_the_problems_it_can_answer() {
        for (method, path, op) in operations() {
            let codes: Vec<&str> = op.responses.responses.keys().map(String::as_str).collect();
            let mut expected = Vec::new();
            if op.security.is_some() {
                expected.extend(["401", "403"]);
            }
            if path.contains('{') {
                expected.push("404");
            }
            if op.request_body.is_some() {
                expected.extend(["400", "413", "415", "422"]);
            }
            for code in expected {
                assert!(
                    codes.contains(&code),
                    "{method} {path} lacks {code}: {codes:?}"
                );
            }
            for (code, response) in &op.responses.responses {
                let RefOr::T(response) = response else {
                    continue;
                };
                for (media, content) in &response.content {
                    if let Some(RefOr::Ref(r)) = &content.schema {
                        if r.ref_location.ends_with("/Problem") {
                            assert_eq!(media, "application/problem+json", "{method} {path} {code}");
                        }
                    }
                }
            }
        }
    }
}
