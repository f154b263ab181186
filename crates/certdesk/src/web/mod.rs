//! HTTP: HTML pages for people (`pages`), the JSON API (`api`), static assets, health and
//! metrics. Handlers are thin: they read the request, call one use case in `app`, and render.
//! Must not contain rules or SQL.

pub mod api;
pub mod assets;
mod charts;
pub mod csv;
pub mod error;
pub mod extract;
mod middleware;
pub mod pages;
mod report_table;
mod routes;

pub use routes::Routes;

use std::{future::Future, net::SocketAddr, time::Duration};

use axum::{
    extract::{DefaultBodyLimit, MatchedPath, State},
    http::{header, HeaderValue, Request, StatusCode},
    response::IntoResponse,
    routing::get,
    Json, Router,
};
use metrics_exporter_prometheus::PrometheusHandle;
use tower_http::{set_header::SetResponseHeaderLayer, trace::TraceLayer};

use crate::app::App;

/// What every handler can reach.
#[derive(Clone)]
pub struct WebState {
    pub app: App,
    pub metrics: PrometheusHandle,
}

/// Largest JSON or form body accepted (uploads get their own limit where they are taken).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// `Strict-Transport-Security` when the public URL is `https://` (see
/// [`crate::app::AppConfig::served_over_https`]).
pub const HSTS: &str = "max-age=31536000";

/// The whole application as one router.
pub fn router(app: App) -> Router {
    let https = app.config.served_over_https();
    let state = WebState {
        app,
        metrics: middleware::metrics_handle(),
    };
    let security_headers = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        // Set-password links carry their secret in the path: never leak it to other sites.
        (header::REFERRER_POLICY, "no-referrer"),
        // Pages and answers show DNIs, photos and signatures: no cache keeps a copy.
        // Static files set their own long cache; the layer leaves them alone.
        (header::CACHE_CONTROL, "no-store"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    ];
    let mut router = Router::new()
        .merge(
            pages::routes()
                .into_router()
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    pages::show_errors,
                )),
        )
        // The API under `/api/v1`, `/healthz` and the OpenAPI document of both.
        .merge(api::routes().into_router())
        .merge(operations().into_router())
        .fallback(not_found)
        .layer(axum::middleware::from_fn(middleware::spanish_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::csrf_cookie,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::client_context,
        ))
        .layer(axum::middleware::from_fn(middleware::record_metrics))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    // The route template, never the raw path: paths carry ids and one-time
                    // secrets that do not belong in logs.
                    let route = req
                        .extensions()
                        .get::<MatchedPath>()
                        .map(|p| p.as_str().to_owned())
                        .unwrap_or_else(|| "-".into());
                    tracing::info_span!("http", method = %req.method(), route)
                })
                .on_response(
                    |res: &axum::response::Response, latency: Duration, _span: &tracing::Span| {
                        tracing::info!(
                            status = res.status().as_u16(),
                            ms = latency.as_millis() as u64,
                            "answered"
                        );
                    },
                ),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    for (name, value) in security_headers {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    if https {
        // One year; not for subdomains, which may be other services of the entity.
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        ));
    }
    router.with_state(state)
}

/// The routes besides the pages and the API: metrics and static files.
fn operations() -> Routes {
    Routes::new()
        .route("/metrics", get(metrics))
        .route("/static/{*path}", get(assets::serve))
        .route("/favicon.ico", get(assets::favicon))
}

/// Every path [`router`] serves, as registered (`/tramites/{id}`): the pages, the API and
/// the operational routes. Only [`Routes`] add routes to the router, so nothing it serves
/// is missing here; the authorization matrix test goes through each of these paths.
pub fn route_paths() -> Vec<String> {
    pages::routes()
        .merge(api::routes())
        .merge(operations())
        .paths()
        .to_vec()
}

/// Serves until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` when the database and the files store answer; otherwise which one does not
    /// (`sin base de datos`, `sin almacén de archivos`).
    status: &'static str,
}

/// Health check for the load balancer: 200 when the database and the files store (the data
/// dir, or the bucket shared by every instance) answer, 503 otherwise.
#[utoipa::path(get, path = "/healthz", tag = "operación",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(state): State<WebState>) -> impl IntoResponse {
    let (database, files) = tokio::join!(state.app.database_answers(), state.app.files_answer());
    let status = match (database, files) {
        (true, true) => return (StatusCode::OK, Json(Health { status: "ok" })),
        (false, _) => "sin base de datos",
        (true, false) => "sin almacén de archivos",
    };
    (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status }))
}

/// Prometheus metrics, for the scraper (`Authorization: Bearer <CERTDESK_METRICS_TOKEN>`)
/// or an admin (API token or session); anyone else gets a Spanish 401 or 403.
async fn metrics(
    State(state): State<WebState>,
    headers: axum::http::HeaderMap,
    user: Result<extract::ApiUser, error::Problem>,
) -> axum::response::Response {
    let scraper = match (
        &state.app.config.metrics_token,
        headers.get(header::AUTHORIZATION),
    ) {
        (Some(expected), Some(given)) => given
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| extract::tokens_match(given.trim(), expected.0.trim())),
        _ => false,
    };
    if !scraper {
        match user {
            Ok(extract::ApiUser(user)) if user.role.is_admin() => {}
            Ok(_) => {
                return error::Problem::forbidden(
                    "Solo los administradores y el recolector de métricas pueden leer /metrics.",
                )
                .into_response()
            }
            Err(problem) => return problem.into_response(),
        }
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

async fn not_found(
    uri: axum::http::Uri,
    viewer: Result<extract::Viewer, axum::response::Response>,
) -> axum::response::Response {
    if uri.path().starts_with("/api/") {
        error::Problem::not_found().into_response()
    } else {
        pages::error_page(
            &error::Answer::page(
                StatusCode::NOT_FOUND,
                "Página no encontrada",
                "La página que busca no existe. Vuelva al inicio.",
            ),
            viewer.as_ref().ok(),
        )
    }
}

pub use crate::app::rfc3339;
