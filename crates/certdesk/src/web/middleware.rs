//! Cross-cutting request handling: the anonymous CSRF cookie, request metrics, and where a
//! request comes from (the client address rate limits and the audit log record, through
//! the reverse proxies of `CERTDESK_TRUSTED_PROXIES` only).

use std::{
    net::{IpAddr, SocketAddr},
    sync::OnceLock,
    time::Instant,
};

use axum::{
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::{header, HeaderValue},
    middleware::Next,
    response::{IntoResponse, Response},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use super::{
    error::{is_foreign_error, Answer, Problem},
    extract::{AnonCsrf, CSRF_COOKIE},
    WebState,
};
use crate::{app::auth, config::TrustedProxies};

/// Where a request comes from, worked out once by [`client_context`]: the client's address
/// (through trusted proxies) and whether it reached us over HTTPS.
#[derive(Debug, Clone)]
pub struct ClientContext {
    pub ip: String,
    pub https: bool,
}

/// Gives every browser a CSRF secret before it has a session (double-submit cookie), so
/// the login and access-request forms are protected too. The secret is signed by the
/// server ([`auth::new_anon_csrf`]): a cookie the server did not issue is replaced, so a
/// cookie and field pair chosen by someone else never passes. The cookie is `Secure` when
/// the request came over HTTPS.
pub async fn csrf_cookie(State(state): State<WebState>, mut req: Request, next: Next) -> Response {
    let key = match auth::anon_csrf_key(&state.app).await {
        Ok(key) => key,
        Err(err) => {
            // Without the key no anonymous form can pass: they answer the expired-form page.
            tracing::error!(error = ?err, "the anonymous CSRF key could not be read");
            return next.run(req).await;
        }
    };
    let jar = CookieJar::from_headers(req.headers());
    let existing = jar
        .get(CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| auth::anon_csrf_is_valid(&key, v));
    let (token, is_new) = match existing {
        Some(token) => (token, false),
        None => (auth::new_anon_csrf(&key), true),
    };
    let secure = came_over_https(req.extensions());
    req.extensions_mut().insert(AnonCsrf(token.clone()));
    let mut res = next.run(req).await;
    if is_new {
        let cookie = Cookie::build((CSRF_COOKIE, token))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(secure)
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

/// Works out where the request comes from ([`ClientContext`], for rate limits, sessions and
/// cookies) and serves it with the client address in scope for the audit log's entries.
pub async fn client_context(
    State(state): State<WebState>,
    mut req: Request,
    next: Next,
) -> Response {
    let config = &state.app.config;
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_canonical());
    let proxied = peer.is_some_and(|p| config.trusted_proxies.trusts(p));
    let ip = match peer {
        Some(peer) if proxied => forwarded_client(peer, req.headers(), &config.trusted_proxies),
        Some(peer) => peer.to_string(),
        None => "desconocida".into(),
    };
    let forwarded_https = proxied
        && req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"));
    let context = ClientContext {
        ip: ip.clone(),
        https: state.app.always_https() || forwarded_https,
    };
    req.extensions_mut().insert(context);
    crate::app::audit::with_client_ip(ip, next.run(req)).await
}

/// The client behind trusted proxies: walking `X-Forwarded-For` from the right (the hop
/// our peer added last), the first address that is not a trusted proxy. Anything to its
/// left was written by the client and proves nothing. When every hop is trusted, the
/// leftmost; when a hop is not an address, the last trusted one seen.
fn forwarded_client(
    peer: IpAddr,
    headers: &axum::http::HeaderMap,
    trusted: &TrustedProxies,
) -> String {
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .collect();
    let mut last_trusted = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            break;
        };
        if !trusted.trusts(ip) {
            return ip.to_string();
        }
        last_trusted = ip;
    }
    last_trusted.to_string()
}

/// One `X-Forwarded-For` entry: `1.2.3.4`, `1.2.3.4:5678`, `::1` or `[::1]:80`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .map(|ip| ip.to_canonical())
}

/// The client's address (see [`client_context`]), from a request's extensions; the socket
/// peer when the middleware did not run.
pub fn client_ip(extensions: &axum::http::Extensions) -> String {
    match extensions.get::<ClientContext>() {
        Some(context) => context.ip.clone(),
        None => peer_ip(extensions),
    }
}

/// True when the request reached us over HTTPS (see [`client_context`]).
pub fn came_over_https(extensions: &axum::http::Extensions) -> bool {
    extensions.get::<ClientContext>().is_some_and(|c| c.https)
}

/// The socket peer's address, from a request's extensions.
pub fn peer_ip(extensions: &axum::http::Extensions) -> String {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_canonical().to_string())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn xff(values: &[&str]) -> axum::http::HeaderMap {
        let mut headers = axum::http::HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        headers
    }

    #[test]
    fn the_client_is_the_rightmost_hop_that_is_not_a_trusted_proxy() {
        let trusted = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let peer: IpAddr = "10.0.0.1".parse().unwrap();
        // The client wrote 6.6.6.6 itself; our proxies added 203.0.113.9 and 10.0.0.2.
        let headers = xff(&["6.6.6.6, 203.0.113.9", "10.0.0.2"]);
        assert_eq!(forwarded_client(peer, &headers, &trusted), "203.0.113.9");
        assert_eq!(
            forwarded_client(peer, &xff(&["[2001:db8::7]:443"]), &trusted),
            "2001:db8::7"
        );
        // Every hop trusted: the leftmost; no header: the peer.
        assert_eq!(
            forwarded_client(peer, &xff(&["10.9.9.9, 10.0.0.2"]), &trusted),
            "10.9.9.9"
        );
        assert_eq!(forwarded_client(peer, &xff(&[]), &trusted), "10.0.0.1");
        // Garbage stops the walk at the last hop we trust.
        assert_eq!(
            forwarded_client(peer, &xff(&["1.2.3.4, nonsense, 10.0.0.2"]), &trusted),
            "10.0.0.2"
        );
    }
}
