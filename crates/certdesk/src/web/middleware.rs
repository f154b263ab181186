//! Cross-cutting request handling: the anonymous CSRF cookie, request metrics, and the
//! client address the audit log records.

use std::{net::SocketAddr, sync::OnceLock, time::Instant};

use axum::{
    extract::{ConnectInfo, MatchedPath, Request},
    http::{header, HeaderValue},
    middleware::Next,
    response::{IntoResponse, Response},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use super::{
    error::{is_foreign_error, Answer, Problem},
    extract::{AnonCsrf, CSRF_COOKIE},
};
use crate::app::auth::random_token;

/// Gives every browser a CSRF secret before it has a session (double-submit cookie), so
/// the login and access-request forms are protected too.
pub async fn csrf_cookie(mut req: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(req.headers());
    let existing = jar
        .get(CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() >= 32);
    let (token, is_new) = match existing {
        Some(token) => (token, false),
        None => (random_token(), true),
    };
    req.extensions_mut().insert(AnonCsrf(token.clone()));
    let mut res = next.run(req).await;
    if is_new {
        let cookie = Cookie::build((CSRF_COOKIE, token))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .build();
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            res.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    res
}

/// Answers in Spanish every error that none of our handlers worded (see
/// [`Answer::generic`]): problem+json under `/api/` (and for `/metrics`, `/healthz`), the
/// error page elsewhere. Pages get theirs from `pages::show_errors`, with the viewer's
/// header; this catches the rest (a method a route does not take, static files).
pub async fn spanish_errors(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let api = path.starts_with("/api/") || path == "/metrics" || path == "/healthz";
    let res = next.run(req).await;
    if !is_foreign_error(&res) {
        return res;
    }
    let answer = Answer::generic(res.status());
    let allow = res.headers().get(header::ALLOW).cloned();
    let mut out = if api {
        Problem::from(answer).into_response()
    } else {
        super::pages::error_page(&answer, None)
    };
    if let Some(allow) = allow {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    out
}

/// Serves the request with its client address in scope, for the audit log's entries.
pub async fn audit_context(req: Request, next: Next) -> Response {
    let ip = client_ip(&req);
    crate::app::audit::with_client_ip(ip, next.run(req)).await
}

/// The client's address: the socket peer.
fn client_ip(req: &Request) -> String {
    peer_ip(req.extensions())
}

/// The socket peer's address, from a request's extensions.
pub fn peer_ip(extensions: &axum::http::Extensions) -> String {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|| "desconocida".into())
}

/// The process-wide Prometheus recorder (installed once, shared by every router).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder is installed; then ours just stays empty.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Counts requests and their latency by route template and status.
pub async fn record_metrics(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "sin_ruta".into());
    let method = req.method().as_str().to_owned();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("certdesk_http_requests_total", &labels).increment(1);
    metrics::histogram!("certdesk_http_request_duration_seconds", &labels)
        .record(start.elapsed().as_secs_f64());
    res
}
