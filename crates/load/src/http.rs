//! HTTP against certdesk: clients, one call with its verdict, API and browser sign-in, and
//! the request bodies the scenarios send (fixture photo and signature included).

use std::{
    sync::Arc,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use anyhow::{bail, Context};
use reqwest::{cookie::Jar, redirect::Policy, Client, RequestBuilder};
use serde_json::{json, Value};

/// How long one request may take before it counts as a transport error.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The fixture photo and signature the integration tests use (they pass every check).
pub const PHOTO: &[u8] = include_bytes!("../../certdesk/tests/fixtures/images/photo_ok.jpg");
pub const SIGNATURE: &[u8] =
    include_bytes!("../../certdesk/tests/fixtures/images/signature_ok.png");

/// A small PDF, as a scanned receipt would be (the tests' `receipt_pdf`).
pub const RECEIPT: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// A client of its own per simulated user, so that each keeps its own keep-alive
/// connection; with `jar`, it sends that browser session's cookies.
pub fn client(jar: Option<Arc<Jar>>) -> anyhow::Result<Client> {
    let mut b = Client::builder()
        .redirect(Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .pool_max_idle_per_host(2);
    if let Some(jar) = jar {
        b = b.cookie_provider(jar);
    }
    b.build().context("building the HTTP client")
}

/// Sends `req` and reads the whole body; a transport error or a non-2xx answer is an
/// error naming `what`, the status and the start of the body.
pub async fn call(what: &str, req: RequestBuilder) -> Result<Vec<u8>, String> {
    let res = req
        .send()
        .await
        .map_err(|e| format!("{what}: {}", transport(&e)))?;
    let status = res.status();
    let body = res
        .bytes()
        .await
        .map_err(|e| format!("{what}: reading the body: {}", transport(&e)))?;
    if status.is_success() {
        Ok(body.to_vec())
    } else {
        let text = String::from_utf8_lossy(&body);
        let snippet: String = text.chars().take(300).collect();
        Err(format!("{what}: {status}: {snippet}"))
    }
}

/// A reqwest error with its causes (the top one alone says little).
fn transport(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        source = cause.source();
    }
    s
}

/// Like [`call`], timing it: (µs, body).
pub async fn timed(what: &str, req: RequestBuilder) -> (u64, Result<Vec<u8>, String>) {
    let t = Instant::now();
    let r = call(what, req).await;
    (micros(t), r)
}

pub fn micros(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX)
}

/// The body as JSON.
pub fn json_of(what: &str, body: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(body).map_err(|e| format!("{what}: not JSON: {e}"))
}

/// A string field of a JSON answer.
pub fn field(what: &str, v: &Value, name: &str) -> Result<String, String> {
    v.get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("{what}: no \"{name}\" in the answer"))
}

/// Logs in through `POST /api/v1/session`: the bearer token.
pub async fn token(
    http: &Client,
    base: &str,
    email: &str,
    password: &str,
) -> anyhow::Result<String> {
    let what = format!("login of {email}");
    let body = call(
        &what,
        http.post(format!("{base}/api/v1/session"))
            .json(&json!({"email": email, "password": password})),
    )
    .await
    .map_err(anyhow::Error::msg)?;
    let v = json_of(&what, &body).map_err(anyhow::Error::msg)?;
    field(&what, &v, "token").map_err(anyhow::Error::msg)
}

/// Signs a browser in through the login form, as a person would (GET the form, post it with
/// its CSRF token, expect 303); the session cookie is then in the returned jar.
pub async fn browser_session(base: &str, email: &str, password: &str) -> anyhow::Result<Arc<Jar>> {
    let jar = Arc::new(Jar::default());
    let http = client(Some(jar.clone()))?;
    let page = call("GET /login", http.get(format!("{base}/login")))
        .await
        .map_err(anyhow::Error::msg)?;
    let html = String::from_utf8_lossy(&page);
    let csrf = csrf_token(&html).context("the login page has no csrf_token field")?;
    let res = http
        .post(format!("{base}/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .with_context(|| format!("posting the login form of {email}"))?;
    if res.status().as_u16() != 303 {
        bail!(
            "the login form of {email} answered {} instead of 303",
            res.status()
        );
    }
    Ok(jar)
}

/// The CSRF token embedded in a page's form.
fn csrf_token(html: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}

/// The requester accounts' addresses: `--requester` with its number (the digits just
/// before `@`) replaced by 1..=n, e.g. `carga.solicitante.{k}@regioncajamarca.gob.pe`.
/// Without such digits, the one address n times.
pub fn requester_emails(first: &str, n: usize) -> Vec<String> {
    let n = n.max(1);
    let Some((local, domain)) = first.rsplit_once('@') else {
        return vec![first.to_owned(); n];
    };
    let prefix = local.trim_end_matches(|c: char| c.is_ascii_digit());
    if prefix.len() == local.len() {
        return vec![first.to_owned(); n];
    }
    (1..=n).map(|k| format!("{prefix}{k}@{domain}")).collect()
}

/// Time since the Unix epoch: this crate's one reading of the wall clock (clippy.toml bans
/// `SystemTime::now` so that certdesk reads time through its `Clock`; a load generator has
/// no rules to test with a fixed clock, only receipts dated "today" and ids to stamp).
#[allow(clippy::disallowed_methods)]
pub fn since_epoch() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
}

/// Seconds since the Unix epoch.
pub fn unix_secs() -> u64 {
    since_epoch().as_secs()
}

/// Today in Lima (UTC−5 all year: Peru keeps no summer time), `YYYY-MM-DD`: a receipt may
/// not be paid after the server's today.
pub fn lima_today() -> String {
    let days = (unix_secs() as i64 - 5 * 3600).div_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn days_become_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_789), (2026, 12, 2));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn requester_addresses_number_from_one() {
        assert_eq!(
            requester_emails("carga.solicitante.1@regioncajamarca.gob.pe", 3),
            [
                "carga.solicitante.1@regioncajamarca.gob.pe",
                "carga.solicitante.2@regioncajamarca.gob.pe",
                "carga.solicitante.3@regioncajamarca.gob.pe"
            ]
        );
        assert_eq!(requester_emails("ana@x.pe", 2), ["ana@x.pe", "ana@x.pe"]);
    }

    #[test]
    fn the_login_form_token_is_found() {
        let html = r#"<input type="hidden" name="csrf_token" value="abc.def">"#;
        assert_eq!(csrf_token(html).as_deref(), Some("abc.def"));
    }
}
