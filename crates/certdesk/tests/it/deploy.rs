//! `deploy/nginx/certdesk.conf`, the reverse-proxy configuration of docs/deploy.md, checked by
//! nginx itself and then run in front of two certdesk servers that share one database.
//!
//! The test copies the real file into a temporary nginx prefix and replaces only what must
//! be local, each written in the file exactly as searched for here: the listen ports, the
//! certificate paths (a self-signed certificate made with `openssl`), the log directory and
//! the two instances' addresses. A minimal `nginx.conf` around it sets the pid file, the
//! error log and the temp paths. It needs `nginx`, `openssl` and `curl` (curl speaks HTTPS
//! and binds the client to another loopback address); when one is missing the test says why
//! and passes, unless `CERTDESK_TEST_REQUIRE_NGINX=1` (as `.ci/run` sets).

use std::{
    net::{IpAddr, SocketAddr},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use certdesk::{clock::SystemClock, config::TrustedProxies};
use domain::role::Role;
use reqwest::redirect::Policy;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, TestApp};

const CONF: &str = include_str!("../../../../deploy/nginx/certdesk.conf");
const REQUIRE_ENV: &str = "CERTDESK_TEST_REQUIRE_NGINX";
const PUBLIC_HOST: &str = "mesa.regioncajamarca.gob.pe";
/// The client's own address: nginx sees it, the instances see nginx (127.0.0.1).
const CLIENT: &str = "127.0.0.5";

/// `nginx`, `openssl` and `curl`, or None (with the reason printed) when one is missing and
/// they are not required.
pub(crate) fn tools() -> Option<Tools> {
    let found = |name: &str| -> Option<PathBuf> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    };
    let (nginx, openssl, curl) = (found("nginx"), found("openssl"), found("curl"));
    match (nginx, openssl, curl) {
        (Some(nginx), Some(openssl), Some(curl)) => Some(Tools {
            nginx,
            openssl,
            curl,
        }),
        (nginx, openssl, curl) => {
            let missing: Vec<&str> = [("nginx", nginx), ("openssl", openssl), ("curl", curl)]
                .into_iter()
                .filter(|(_, p)| p.is_none())
                .map(|(n, _)| n)
                .collect();
            let why = format!(
                "not installed: {} (Debian: apt-get install nginx openssl curl)",
                missing.join(", ")
            );
            assert!(
                std::env::var(REQUIRE_ENV).as_deref() != Ok("1"),
                "{REQUIRE_ENV}=1 but {why}"
            );
            eprintln!("skipped: the nginx configuration was not checked; {why}. Set {REQUIRE_ENV}=1 to make this a failure.");
            None
        }
    }
}

pub(crate) struct Tools {
    nginx: PathBuf,
    openssl: PathBuf,
    curl: PathBuf,
}

/// A free port on loopback (free when asked; nothing else here binds ports at random).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The largest body the file lets through (`client_max_body_size`), in bytes.
fn client_max_body_size(conf: &str) -> usize {
    let value = conf
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("client_max_body_size "))
        .expect("client_max_body_size in deploy/nginx/certdesk.conf")
        .trim_end_matches(';')
        .trim()
        .to_ascii_lowercase();
    let (number, unit) = match value.char_indices().last() {
        Some((i, 'k')) => (&value[..i], 1024),
        Some((i, 'm')) => (&value[..i], 1024 * 1024),
        Some((i, 'g')) => (&value[..i], 1024 * 1024 * 1024),
        _ => (value.as_str(), 1),
    };
    number.parse::<usize>().unwrap() * unit
}

#[test]
fn the_proxy_lets_through_every_body_certdesk_takes() {
    let nginx = client_max_body_size(CONF);
    assert!(
        nginx >= certdesk::web::api::UPLOAD_BODY_LIMIT,
        "client_max_body_size ({nginx} bytes) is below certdesk's upload limit ({}): \
         nginx would refuse uploads that certdesk takes",
        certdesk::web::api::UPLOAD_BODY_LIMIT
    );
    assert!(nginx >= certdesk::web::MAX_BODY_BYTES);
    // A little above, so that certdesk answers oversized uploads itself, in Spanish.
    assert!(nginx <= certdesk::web::api::UPLOAD_BODY_LIMIT + 4 * 1024 * 1024);
}

/// The real file with the local parts replaced; each searched-for text must be there.
fn local_conf(dir: &Path, http: u16, https: u16, upstreams: [SocketAddr; 2]) -> String {
    let logs = format!("{}/", dir.join("logs").display());
    let replacements = [
        ("listen 80;".to_owned(), format!("listen 127.0.0.1:{http};")),
        ("listen [::]:80;".to_owned(), String::new()),
        (
            "listen 443 ssl http2;".to_owned(),
            format!("listen 127.0.0.1:{https} ssl http2;"),
        ),
        ("listen [::]:443 ssl http2;".to_owned(), String::new()),
        (
            format!("/etc/ssl/certs/{PUBLIC_HOST}.fullchain.pem"),
            dir.join("cert.pem").display().to_string(),
        ),
        (
            format!("/etc/ssl/private/{PUBLIC_HOST}.key"),
            dir.join("key.pem").display().to_string(),
        ),
        ("/var/log/nginx/".to_owned(), logs),
        ("10.0.0.11:8080".to_owned(), upstreams[0].to_string()),
        ("10.0.0.12:8080".to_owned(), upstreams[1].to_string()),
    ];
    let mut conf = CONF.to_owned();
    for (from, to) in replacements {
        assert!(
            conf.contains(&from),
            "deploy/nginx/certdesk.conf no longer holds «{from}», which this test replaces: \
             update crates/certdesk/tests/it/deploy.rs with the file"
        );
        conf = conf.replace(&from, &to);
    }
    conf
}

/// The `nginx.conf` around the file: everything nginx would otherwise write outside `dir`.
fn main_conf(nginx: &Path, dir: &Path) -> String {
    let d = dir.display();
    // Debian's build puts the temp paths under /var/lib/nginx; one line per module built in.
    let built = Command::new(nginx).arg("-V").output().unwrap();
    let built = String::from_utf8_lossy(&built.stderr).into_owned();
    let mut temp_paths = String::new();
    for module in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"] {
        let flag = format!("--http-{}-temp-path", module.replace('_', "-"));
        if module == "client_body"
            || module == "proxy"
            || (built.contains(&flag) && !built.contains(&format!("--without-http_{module}")))
        {
            temp_paths.push_str(&format!("    {module}_temp_path {d}/temp/{module};\n"));
        }
    }
    format!(
        "pid {d}/nginx.pid;\nerror_log {d}/logs/error.log info;\ndaemon off;\n\
         worker_processes 1;\nevents {{ worker_connections 64; }}\n\
         http {{\n{temp_paths}    include {d}/certdesk.conf;\n}}\n"
    )
}

/// A prepared nginx prefix: certificate, configuration, logs.
pub(crate) struct Prefix {
    dir: tempfile::TempDir,
    http: u16,
    https: u16,
}

impl Prefix {
    fn new(tools: &Tools, upstreams: [SocketAddr; 2]) -> Prefix {
        let dir = tempfile::tempdir().unwrap();
        // Run as root, nginx's workers are `nobody`: they must reach the temp paths.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::create_dir(dir.path().join("logs")).unwrap();
        std::fs::create_dir(dir.path().join("temp")).unwrap();
        let out = Command::new(&tools.openssl)
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            ])
            .args(["-subj", &format!("/CN={PUBLIC_HOST}")])
            .arg("-keyout")
            .arg(dir.path().join("key.pem"))
            .arg("-out")
            .arg(dir.path().join("cert.pem"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (http, https) = (free_port(), free_port());
        std::fs::write(
            dir.path().join("certdesk.conf"),
            local_conf(dir.path(), http, https, upstreams),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("nginx.conf"),
            main_conf(&tools.nginx, dir.path()),
        )
        .unwrap();
        Prefix { dir, http, https }
    }

    fn args(&self) -> Vec<String> {
        let d = self.dir.path().display();
        vec![
            "-e".into(),
            format!("{d}/logs/error.log"),
            "-p".into(),
            format!("{d}/"),
            "-c".into(),
            format!("{d}/nginx.conf"),
        ]
    }

    /// nginx's own error log and the server blocks' one.
    fn error_log(&self) -> String {
        ["logs/error.log", "logs/certdesk.error.log"]
            .map(|f| std::fs::read_to_string(self.dir.path().join(f)).unwrap_or_default())
            .join("")
    }

    pub(crate) fn access_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("logs/certdesk.access.log"))
            .unwrap_or_default()
    }
}

/// nginx in the foreground; stopped (SIGTERM, then SIGKILL) when dropped.
pub(crate) struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What curl got.
pub(crate) struct Got {
    pub(crate) status: u16,
    pub(crate) headers: String,
    pub(crate) body: String,
}

/// One HTTPS request through nginx from [`CLIENT`], with curl on a blocking thread (the
/// servers run on this test's runtime).
pub(crate) async fn curl(
    tools: &Tools,
    prefix: &Prefix,
    method: &str,
    path: &str,
    extra: &[&str],
) -> Got {
    let headers = prefix
        .dir
        .path()
        .join(format!("headers-{}", uuid::Uuid::new_v4().simple()));
    let mut cmd = Command::new(&tools.curl);
    cmd.args(["-sS", "-k", "--interface", CLIENT, "--max-time", "20"])
        .args(["-X", method])
        .arg("-D")
        .arg(&headers)
        .args(["-w", "\n%{http_code}"])
        .args(extra)
        .arg(format!("https://127.0.0.1:{}{path}", prefix.https))
        .stdin(Stdio::null());
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "curl {method} {path}: {}\n{stdout}\nnginx:\n{}",
        String::from_utf8_lossy(&out.stderr),
        prefix.error_log()
    );
    let (body, status) = stdout.rsplit_once('\n').unwrap();
    Got {
        status: status.trim().parse().unwrap(),
        headers: std::fs::read_to_string(&headers)
            .unwrap()
            .to_ascii_lowercase(),
        body: body.to_owned(),
    }
}

#[tokio::test]
async fn the_nginx_config_passes_nginx_t_and_proxies_to_two_instances() {
    let Some(tools) = tools() else { return };

    // Two instances on one database and one files store, trusting the proxy at 127.0.0.1.
    let app = spawn_app_with(Arc::new(SystemClock), |config| {
        config.trusted_proxies = TrustedProxies::parse("127.0.0.1").unwrap();
    })
    .await;
    let second = app.serve_with(|_| {}).await;
    let address =
        |base: &str| -> SocketAddr { base.trim_start_matches("http://").parse().unwrap() };
    let upstreams = [address(&app.base), address(&second.base)];
    let (prefix, nginx) = nginx_in_front(&tools, upstreams).await;

    let plain = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    check_redirect(&plain, &prefix).await;
    check_both_instances_answer(&tools, &prefix, upstreams).await;
    check_client_address_and_https(&tools, &prefix, &app).await;
    check_body_limits(&tools, &prefix, &app).await;

    // One instance stopped: nginx passes it over.
    drop(second);
    tokio::time::sleep(Duration::from_millis(200)).await;
    for _ in 0..6 {
        let got = curl(&tools, &prefix, "GET", "/healthz", &[]).await;
        assert_eq!(got.status, 200, "{}\n{}", got.body, prefix.error_log());
    }

    // Both stopped: nginx's own answer, in Spanish.
    drop(app);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let got = curl(&tools, &prefix, "GET", "/tramites", &[]).await;
    assert_eq!(got.status, 503, "{}", got.body);
    assert!(got.body.contains("no está disponible"), "{}", got.body);
    assert!(got.headers.contains("retry-after: 30"), "{}", got.headers);
    assert!(
        got.headers
            .contains("strict-transport-security: max-age=31536000"),
        "{}",
        got.headers
    );
    drop(nginx);
}

/// `POST /api/v1/session` through nginx with `email` and `password` (and `headers`, curl
/// `-H` arguments).
pub(crate) async fn curl_login(
    tools: &Tools,
    prefix: &Prefix,
    email: &str,
    password: &str,
    headers: &[&str],
) -> Got {
    let body = json!({"email": email, "password": password}).to_string();
    let mut args = vec![
        "-H",
        "content-type: application/json",
        "--data-binary",
        &body,
    ];
    args.extend_from_slice(headers);
    curl(tools, prefix, "POST", "/api/v1/session", &args).await
}

/// The real configuration checked with `nginx -t`, then nginx running it in front of
/// `upstreams`. A port picked free may be taken by another test before nginx binds it: it
/// tries again.
pub(crate) async fn nginx_in_front(tools: &Tools, upstreams: [SocketAddr; 2]) -> (Prefix, Running) {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let prefix = Prefix::new(tools, upstreams);
        check_with_nginx_t(tools, &prefix);
        match start_nginx(tools, &prefix).await {
            Ok(nginx) => return (prefix, nginx),
            Err(log) if attempt < 3 && log.contains("Address already in use") => continue,
            Err(log) => panic!("nginx did not start:\n{log}"),
        }
    }
}

/// `nginx -t` on the prefix, as the current user.
fn check_with_nginx_t(tools: &Tools, prefix: &Prefix) {
    let checked = Command::new(&tools.nginx)
        .args(prefix.args())
        .arg("-t")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&checked.stderr).into_owned();
    assert!(checked.status.success(), "nginx -t failed:\n{said}");
    assert!(said.contains("test is successful"), "{said}");
}

/// nginx running the prefix, once it listens; its error log when it exits first.
async fn start_nginx(tools: &Tools, prefix: &Prefix) -> Result<Running, String> {
    let child = Command::new(&tools.nginx)
        .args(prefix.args())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut nginx = Running(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(("127.0.0.1", prefix.https))
        .await
        .is_err()
    {
        if let Ok(Some(status)) = nginx.0.try_wait() {
            return Err(format!("exit {status}\n{}", prefix.error_log()));
        }
        if Instant::now() > deadline {
            return Err(format!("not listening after 10 s\n{}", prefix.error_log()));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(nginx)
}

/// A multipart body of exactly `len` bytes, in a file of the prefix (curl sends it from
/// there, with its Content-Length).
fn multipart_file(prefix: &Prefix, len: usize) -> (String, PathBuf) {
    const BOUNDARY: &str = "certdesk-limite";
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"photo\"; \
         filename=\"relleno.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    );
    let tail = format!("\r\n--{BOUNDARY}--\r\n");
    let mut body = head.into_bytes();
    body.resize(len - tail.len(), b'x');
    body.extend_from_slice(tail.as_bytes());
    let path = prefix.dir.path().join(format!("body-{len}"));
    std::fs::write(&path, body).unwrap();
    (
        format!("content-type: multipart/form-data; boundary={BOUNDARY}"),
        path,
    )
}

/// Just over certdesk's upload limit, certdesk itself refuses the body (Spanish
/// problem+json, streamed through nginx); just over `client_max_body_size`, nginx does.
async fn check_body_limits(tools: &Tools, prefix: &Prefix, app: &TestApp) {
    let token = app.token_for(Role::Solicitante).await;
    let bearer = format!("authorization: Bearer {token}");
    let send = |len: usize| {
        let (content_type, file) = multipart_file(prefix, len);
        let (bearer, data) = (bearer.clone(), format!("@{}", file.display()));
        async move {
            // HTTP/1.1: nginx refuses an oversized body by its Content-Length, answers and
            // reads the rest away, which curl handles more gracefully than an HTTP/2 reset.
            let extra = [
                "--http1.1",
                "-H",
                &content_type,
                "-H",
                &bearer,
                "--data-binary",
                &data,
            ];
            let got = curl(tools, prefix, "POST", "/api/v1/image-checks", &extra).await;
            let _ = std::fs::remove_file(&file);
            got
        }
    };
    let got = send(certdesk::web::api::UPLOAD_BODY_LIMIT + 1).await;
    assert_eq!(got.status, 413, "{}", got.body);
    assert!(
        got.headers
            .contains("content-type: application/problem+json"),
        "certdesk's answer: {}",
        got.headers
    );
    let problem: Value = serde_json::from_str(&got.body).unwrap();
    assert_eq!(problem["type"], "urn:certdesk:problema:demasiado-grande");

    let got = send(client_max_body_size(CONF) + 1).await;
    assert_eq!(got.status, 413, "{}", got.body);
    assert!(
        got.body.contains("413 Request Entity Too Large"),
        "nginx's answer: {}",
        got.body
    );
}

/// Plain HTTP only redirects to the public HTTPS address, keeping path and query.
async fn check_redirect(plain: &reqwest::Client, prefix: &Prefix) {
    let res = plain
        .get(format!("http://127.0.0.1:{}/tramites?q=1", prefix.http))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 301);
    assert_eq!(
        res.headers()["location"],
        format!("https://{PUBLIC_HOST}/tramites?q=1").as_str()
    );
}

/// Requests pass through over HTTPS, to both instances in turn; HSTS is sent once.
async fn check_both_instances_answer(tools: &Tools, prefix: &Prefix, upstreams: [SocketAddr; 2]) {
    for _ in 0..4 {
        let got = curl(tools, prefix, "GET", "/healthz", &[]).await;
        assert_eq!(got.status, 200, "{}\n{}", got.body, prefix.error_log());
        let health: Value = serde_json::from_str(&got.body).unwrap();
        assert_eq!(health["status"], "ok");
        assert_eq!(
            got.headers.matches("strict-transport-security:").count(),
            1,
            "{}",
            got.headers
        );
    }
    let log = prefix.access_log();
    for upstream in upstreams {
        assert!(
            log.contains(&format!("upstream={upstream} ")),
            "no request went to {upstream}:\n{log}"
        );
    }
    // The log names the client nginx saw, and no query string.
    assert!(log.contains(&format!("{CLIENT} [")), "{log}");
}

/// The instances see the client's address (not nginx's, not one the client wrote) and
/// HTTPS: X-Forwarded-For and X-Forwarded-Proto as CERTDESK_TRUSTED_PROXIES expects them.
async fn check_client_address_and_https(tools: &Tools, prefix: &Prefix, app: &TestApp) {
    let email = "proxy.solicitante@regioncajamarca.gob.pe";
    app.user(email, Role::Solicitante, "una clave de prueba 2026")
        .await;
    let forged = ["-H", "x-forwarded-for: 203.0.113.7"];
    let wrong = curl_login(tools, prefix, email, "no es la clave", &forged).await;
    assert_eq!(wrong.status, 401, "{}", wrong.body);
    let ok = curl_login(tools, prefix, email, "una clave de prueba 2026", &[]).await;
    assert_eq!(ok.status, 200, "{}", ok.body);

    let admin = app.token_for(Role::Admin).await;
    for action in ["auth.login_failed", "auth.login"] {
        let audit: Value = app
            .get(&format!("/api/v1/audit?action={action}"), Some(&admin))
            .await
            .json()
            .await
            .unwrap();
        let ips: Vec<IpAddr> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["ip"].as_str().unwrap().parse().unwrap())
            .collect();
        assert!(
            ips.contains(&CLIENT.parse().unwrap()),
            "{action}: the client's address through nginx: {ips:?}"
        );
        assert!(
            !ips.contains(&"203.0.113.7".parse().unwrap()),
            "{action}: an address the client wrote: {ips:?}"
        );
    }

    // X-Forwarded-Proto: https, so the anonymous CSRF cookie is Secure.
    let page = curl(tools, prefix, "GET", "/login", &[]).await;
    assert_eq!(page.status, 200);
    let cookie = page
        .headers
        .lines()
        .find(|l| l.starts_with("set-cookie: cd_csrf="))
        .unwrap_or_else(|| panic!("no CSRF cookie:\n{}", page.headers));
    assert!(cookie.contains("; secure"), "{cookie}");
}
