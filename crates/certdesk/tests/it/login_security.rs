//! Issue 13, auth: the login throttle aims at the guesser (per typed address and client
//! pair, per client on failures only, reserved atomically), the client address behind
//! trusted proxies, logs of failed logins, and the server-signed anonymous CSRF token.

use std::{
    net::IpAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use certdesk::{
    app::auth::{self, MAX_FAILURES_PER_IP, MAX_FAILURES_PER_PAIR},
    clock::SystemClock,
    config::TrustedProxies,
};
use domain::role::Role;
use reqwest::{redirect::Policy, Client, Response};
use serde_json::{json, Value};

use crate::helpers::{csrf_token, problem, spawn_app, spawn_app_with, TestApp};

/// An HTTP client whose connections come from `ip` (any 127.x.y.z is on the loopback
/// interface), so the server sees another socket peer.
fn client_from(ip: &str) -> Client {
    Client::builder()
        .local_address(ip.parse::<IpAddr>().unwrap())
        .redirect(Policy::none())
        .cookie_store(true)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

async fn login_from(app: &TestApp, client: &Client, email: &str, password: &str) -> Response {
    client
        .post(app.url("/api/v1/session"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

/// A 429 problem in Spanish with a Retry-After of at most the failure window.
async fn throttled(res: Response) -> Value {
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=auth::FAILURE_WINDOW.as_secs() as u64).contains(&retry),
        "{retry}"
    );
    let body = problem(res, 429).await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("Demasiados intentos fallidos. Espere"),
        "{body}"
    );
    body
}

const OWNER: &str = "luisa@regioncajamarca.gob.pe";
const RIGHT: &str = "la clave buena de luisa";

#[tokio::test]
async fn thirty_parallel_wrong_logins_get_at_most_the_limit_of_401s_and_the_owner_elsewhere_still_gets_in(
) {
    let app = spawn_app().await;
    app.user(OWNER, Role::Solicitante, RIGHT).await;
    let guesser = client_from("127.0.0.1");
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..30 {
        let client = guesser.clone();
        let url = app.url("/api/v1/session");
        tasks.spawn(async move {
            let res = client
                .post(url)
                .json(&json!({"email": OWNER, "password": format!("adivinanza numero {i}")}))
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let retry_after = res.headers().get("retry-after").is_some();
            (status, retry_after)
        });
    }
    let mut statuses = Vec::new();
    while let Some(done) = tasks.join_next().await {
        statuses.push(done.unwrap());
    }
    let unauthorized = statuses.iter().filter(|(s, _)| *s == 401).count();
    let refused = statuses.iter().filter(|(s, _)| *s == 429).count();
    assert_eq!(unauthorized + refused, 30, "{statuses:?}");
    assert_eq!(
        unauthorized as i64, MAX_FAILURES_PER_PAIR,
        "each attempt reserves its place before the password is checked: {statuses:?}"
    );
    assert!(statuses.iter().all(|(s, retry)| (*s == 429) == *retry));

    // The guesser's next try, even with the right password, waits (it would otherwise tell
    // them the password is right).
    throttled(login_from(&app, &guesser, OWNER, RIGHT).await).await;

    // The owner, from elsewhere, is not locked out.
    let owner = client_from("127.0.0.2");
    let res = login_from(&app, &owner, OWNER, RIGHT).await;
    assert_eq!(res.status(), 200);
    // And her wrong attempt from there is an ordinary 401, not the guesser's 429.
    let res = login_from(&app, &owner, OWNER, "me equivoqué de clave").await;
    problem(res, 401).await;
}

#[tokio::test]
async fn the_per_address_limit_counts_failures_only_and_spares_other_addresses() {
    let app = spawn_app().await;
    app.user(OWNER, Role::Solicitante, RIGHT).await;
    let busy = client_from("127.0.0.3");
    // Failures spread over many typed addresses: no pair reaches its own limit.
    for i in 0..MAX_FAILURES_PER_IP - 1 {
        let res = login_from(
            &app,
            &busy,
            &format!("persona{i}@regioncajamarca.gob.pe"),
            "no es la clave",
        )
        .await;
        assert_eq!(res.status(), 401, "failure {i}");
    }
    // Correct logins from the same address are not counted ...
    for _ in 0..5 {
        assert_eq!(login_from(&app, &busy, OWNER, RIGHT).await.status(), 200);
    }
    // ... so one failure is still left before the limit.
    let res = login_from(&app, &busy, "otra@regioncajamarca.gob.pe", "no es la clave").await;
    assert_eq!(res.status(), 401);
    // Now the address waits, whoever it tries.
    throttled(
        login_from(
            &app,
            &busy,
            "nueva@regioncajamarca.gob.pe",
            "no es la clave",
        )
        .await,
    )
    .await;
    throttled(login_from(&app, &busy, OWNER, RIGHT).await).await;

    // Nobody else is affected.
    let other = client_from("127.0.0.4");
    assert_eq!(login_from(&app, &other, OWNER, RIGHT).await.status(), 200);
}

#[tokio::test]
async fn a_wrong_current_password_on_the_profile_counts_against_the_same_pair() {
    let app = spawn_app().await;
    app.user(OWNER, Role::Solicitante, RIGHT).await;
    app.log_in_browser(OWNER, RIGHT).await;
    let fields = [
        ("current_password", "no es la actual"),
        ("password", "una clave nueva y larga"),
        ("password_confirmation", "una clave nueva y larga"),
    ];
    for _ in 0..MAX_FAILURES_PER_PAIR {
        let res = app
            .post_form(&app.browser, "/perfil", "/perfil/clave", &fields)
            .await;
        assert_eq!(res.status(), 422);
    }
    let res = app
        .post_form(&app.browser, "/perfil", "/perfil/clave", &fields)
        .await;
    assert_eq!(res.status(), 429, "the pair's limit also holds here");
    assert!(res.headers().get("retry-after").is_some());
    let html = res.text().await.unwrap();
    assert!(html.contains("Demasiados intentos fallidos"), "{html}");
    // The same pair cannot log in either; the owner elsewhere can.
    let here = client_from("127.0.0.1");
    throttled(login_from(&app, &here, OWNER, RIGHT).await).await;
    let elsewhere = client_from("127.0.0.5");
    assert_eq!(
        login_from(&app, &elsewhere, OWNER, RIGHT).await.status(),
        200
    );
}

/// A login with `X-Forwarded-For`, from the loopback peer.
async fn login_forwarded(app: &TestApp, forwarded_for: &str, password: &str) -> Response {
    Client::new()
        .post(app.url("/api/v1/session"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"email": OWNER, "password": password}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn x_forwarded_for_from_an_untrusted_peer_is_ignored() {
    let app = spawn_app().await;
    app.user(OWNER, Role::Solicitante, RIGHT).await;
    // A different spoofed address each time does not make a different client.
    for i in 0..MAX_FAILURES_PER_PAIR {
        let res = login_forwarded(&app, &format!("203.0.113.{i}"), "no es la clave").await;
        assert_eq!(res.status(), 401);
    }
    throttled(login_forwarded(&app, "198.51.100.1", RIGHT).await).await;
    let admin = app.token_for(Role::Admin).await;
    let failed: Value = app
        .get("/api/v1/audit?action=auth.login_failed", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    for entry in failed["items"].as_array().unwrap() {
        assert_eq!(entry["ip"], "127.0.0.1", "the socket peer: {entry}");
    }
}

#[tokio::test]
async fn x_forwarded_for_from_a_trusted_proxy_names_the_client() {
    let app = spawn_app_with(Arc::new(SystemClock), |config| {
        config.trusted_proxies = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8").unwrap();
    })
    .await;
    app.user(OWNER, Role::Solicitante, RIGHT).await;
    for _ in 0..MAX_FAILURES_PER_PAIR {
        let res = login_forwarded(&app, "203.0.113.7", "no es la clave").await;
        assert_eq!(res.status(), 401);
    }
    throttled(login_forwarded(&app, "203.0.113.7", RIGHT).await).await;
    // Writing another address on the left does not escape: the rightmost untrusted hop counts.
    throttled(login_forwarded(&app, "192.0.2.1, 203.0.113.7, 10.1.2.3", RIGHT).await).await;
    // Another client behind the same proxy is someone else.
    let res = login_forwarded(&app, "203.0.113.8", RIGHT).await;
    assert_eq!(res.status(), 200);

    // The audit log records the client, not the proxy.
    let admin = app.token_for(Role::Admin).await;
    let failed: Value = app
        .get("/api/v1/audit?action=auth.login_failed", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    let items = failed["items"].as_array().unwrap();
    assert_eq!(items.len() as i64, MAX_FAILURES_PER_PAIR + 2, "{failed}");
    assert!(items.iter().all(|e| e["ip"] == "203.0.113.7"), "{failed}");
    let logins: Value = app
        .get("/api/v1/audit?action=auth.login", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    let ips: Vec<&str> = logins["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["ip"].as_str().unwrap())
        .collect();
    assert!(ips.contains(&"203.0.113.8"), "{ips:?}");
    assert!(
        ips.contains(&"127.0.0.1"),
        "the admin, without a header: {ips:?}"
    );
}

thread_local! {
    /// Where this thread's log lines go, while a test captures them.
    static CAPTURE: std::cell::RefCell<Option<Arc<Mutex<Vec<u8>>>>> =
        const { std::cell::RefCell::new(None) };
}

/// Writes a log line to the current thread's capture, if any.
struct ThreadCapture;

impl std::io::Write for ThreadCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURE.with(|c| {
            if let Some(lines) = &*c.borrow() {
                lines.lock().unwrap().extend_from_slice(buf);
            }
        });
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures the log lines written on this thread from now on. A test runtime is
/// single-threaded, so the server's tasks log on the test's thread. One process-wide
/// subscriber (installed once) writes every thread's lines to that thread's capture: a
/// subscriber per test would race with other tests over which log call sites are enabled.
fn capture_logs() -> Arc<Mutex<Vec<u8>>> {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_writer(|| ThreadCapture)
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .try_init();
    });
    let lines = Arc::new(Mutex::new(Vec::new()));
    CAPTURE.with(|c| *c.borrow_mut() = Some(lines.clone()));
    lines
}

#[tokio::test]
async fn failed_logins_and_lockouts_are_logged_without_the_password_or_the_typed_address() {
    let logs = capture_logs();

    let app = spawn_app().await;
    let user = app.user(OWNER, Role::Solicitante, RIGHT).await;
    let client = client_from("127.0.0.6");
    let secret_guess = "adivinanza-secreta-77";
    for _ in 0..MAX_FAILURES_PER_PAIR {
        problem(login_from(&app, &client, OWNER, secret_guess).await, 401).await;
    }
    throttled(login_from(&app, &client, OWNER, secret_guess).await).await;
    let stranger = "desconocido.total@regioncajamarca.gob.pe";
    problem(login_from(&app, &client, stranger, secret_guess).await, 401).await;

    let text = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let user_id = user.id.to_string();
    let wrong: Vec<&&str> = lines
        .iter()
        .filter(|l| l.contains("login failed: wrong password"))
        .collect();
    assert_eq!(wrong.len() as i64, MAX_FAILURES_PER_PAIR, "{text}");
    assert!(wrong
        .iter()
        .all(|l| l.contains(" INFO ") && l.contains(&user_id) && l.contains("127.0.0.6")));
    let locked: Vec<&&str> = lines
        .iter()
        .filter(|l| l.contains("login refused: too many failed attempts"))
        .collect();
    assert_eq!(locked.len(), 1, "{text}");
    assert!(locked[0].contains(" WARN ") && locked[0].contains(&user_id));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("login failed: no such active account")),
        "{text}"
    );
    assert!(!text.contains(secret_guess), "a password in the logs");
    assert!(
        !text.contains("desconocido.total"),
        "a typed address in the logs"
    );
    assert!(!text.contains(OWNER), "the address in the logs");
}

/// The anonymous CSRF cookie a fresh browser gets on the login page, with its attributes.
async fn fresh_csrf_cookie(app: &TestApp, headers: &[(&str, &str)]) -> String {
    let mut req = Client::new().get(app.url("/login"));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let res = req.send().await.unwrap();
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("cd_csrf="))
        .expect("an anonymous CSRF cookie")
}

#[tokio::test]
async fn a_csrf_pair_the_server_did_not_issue_is_refused_and_a_real_one_works() {
    let app = spawn_app().await;
    app.user(OWNER, Role::Solicitante, RIGHT).await;
    // Equal cookie and field, long enough, chosen by the client.
    let forged = "a".repeat(43);
    let browser = Client::builder().redirect(Policy::none()).build().unwrap();
    let res = browser
        .post(app.url("/login"))
        .header("cookie", format!("cd_csrf={forged}"))
        .form(&[
            ("csrf_token", forged.as_str()),
            ("email", OWNER),
            ("password", RIGHT),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let html = res.text().await.unwrap();
    assert!(html.contains("El formulario caducó"), "{html}");
    // A forged token that looks like ours (nonce.mac) fails too.
    let lookalike = format!("{}.{}", "b".repeat(43), "c".repeat(43));
    let res = browser
        .post(app.url("/login"))
        .header("cookie", format!("cd_csrf={lookalike}"))
        .form(&[
            ("csrf_token", lookalike.as_str()),
            ("email", OWNER),
            ("password", RIGHT),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // The server's own token, from the login page, works.
    let real = crate::helpers::new_browser();
    let (_, html) = app.page_in(&real, "/login").await;
    let token = csrf_token(&html);
    assert!(token.contains('.'), "nonce.mac: {token}");
    let res = real
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", OWNER),
            ("password", RIGHT),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/");
}

#[tokio::test]
async fn every_instance_on_the_database_signs_with_the_same_key() {
    let app = spawn_app().await;
    let key = auth::anon_csrf_key(&app.app).await.unwrap();
    let store = certdesk::store::Store::connect(&app.database_url)
        .await
        .unwrap();
    let second = certdesk::app::App::new(
        store,
        app.app.blobs.clone(),
        Arc::new(SystemClock),
        certdesk::app::AppConfig::new(app.base.clone()),
    );
    assert_eq!(auth::anon_csrf_key(&second).await.unwrap(), key);
    let token = auth::new_anon_csrf(&key);
    assert!(auth::anon_csrf_is_valid(&key, &token));
    let mut other_key = key;
    other_key[0] ^= 1;
    assert!(!auth::anon_csrf_is_valid(&other_key, &token));
}

#[tokio::test]
async fn the_csrf_cookie_is_secure_over_https_only() {
    let plain = spawn_app().await;
    let cookie = fresh_csrf_cookie(&plain, &[]).await;
    assert!(
        cookie.contains("HttpOnly") && !cookie.contains("Secure"),
        "{cookie}"
    );
    // An untrusted peer cannot claim HTTPS.
    let cookie = fresh_csrf_cookie(&plain, &[("x-forwarded-proto", "https")]).await;
    assert!(!cookie.contains("Secure"), "{cookie}");

    let proxied = spawn_app_with(Arc::new(SystemClock), |config| {
        config.trusted_proxies = TrustedProxies::parse("127.0.0.1").unwrap();
    })
    .await;
    let cookie = fresh_csrf_cookie(&proxied, &[("x-forwarded-proto", "https")]).await;
    assert!(cookie.contains("Secure"), "{cookie}");
    let cookie = fresh_csrf_cookie(&proxied, &[("x-forwarded-proto", "http")]).await;
    assert!(!cookie.contains("Secure"), "{cookie}");

    let public_https = spawn_app_with(Arc::new(SystemClock), |config| {
        config.base_url = "https://mesa.regioncajamarca.gob.pe".into();
    })
    .await;
    let cookie = fresh_csrf_cookie(&public_https, &[]).await;
    assert!(cookie.contains("Secure"), "{cookie}");
}
