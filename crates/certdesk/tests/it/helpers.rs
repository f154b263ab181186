//! `spawn_app` and small HTTP helpers shared by the tests.

use std::{sync::Arc, time::Duration};

use certdesk::{
    app::{auth, App, AppConfig},
    clock::{Clock, FixedClock, SystemClock},
    store::{certificates::NewCertificate, users::User, Store},
};
use domain::role::Role;
use jiff::Timestamp;
use reqwest::{redirect::Policy, Client, Response};
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;
use sqlx::{Connection, Executor, PgConnection};
use tempfile::TempDir;

pub const POSTGRES_ENV: &str = "CERTDESK_TEST_POSTGRES_URL";

/// Wednesday 2 Dec 2026, 10:00 in Lima: the next cut-off is Friday 4 Dec at 16:30.
pub const WEDNESDAY: &str = "2026-12-02T10:00:00-05:00";

/// The instant an RFC 3339 string names, e.g. `at(WEDNESDAY)`.
pub fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// A running app for one test.
pub struct TestApp {
    pub base: String,
    pub app: App,
    pub database_url: String,
    /// Keeps cookies across requests, does not follow redirects.
    pub browser: Client,
    pub dir: TempDir,
    _pg: Option<PgDatabase>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    /// What [`TestApp::deliver_mail`] delivered.
    pub mailbox: Mailbox,
}

/// A mail the outbox worker delivered, as the recipient's program reads it.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub to: String,
    pub message_id: String,
    pub text: String,
    pub html: String,
}

/// Catches what the outbox worker sends, in place of an SMTP server.
#[derive(Debug, Clone, Default)]
pub struct Mailbox(Arc<std::sync::Mutex<Vec<Delivered>>>);

impl Mailbox {
    pub fn all(&self) -> Vec<Delivered> {
        self.0.lock().unwrap().clone()
    }
}

impl certdesk::mail::smtp::Sender for Mailbox {
    async fn send(&self, message: lettre::Message) -> Result<(), certdesk::mail::smtp::SendError> {
        use mailparse::MailHeaderMap;
        let raw = message.formatted();
        let mail = mailparse::parse_mail(&raw).unwrap();
        let part = |mimetype: &str| {
            mail.parts()
                .find(|p| p.ctype.mimetype == mimetype)
                .map(|p| p.get_body().unwrap().replace("\r\n", "\n"))
                .unwrap_or_default()
        };
        let header = |name: &str| mail.get_headers().get_first_value(name).unwrap_or_default();
        let delivered = Delivered {
            to: header("To"),
            message_id: header("Message-ID"),
            text: part("text/plain"),
            html: part("text/html"),
        };
        self.0.lock().unwrap().push(delivered);
        Ok(())
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A fresh PostgreSQL database, dropped when the test ends.
pub struct PgDatabase {
    admin_url: String,
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs outside async context; use a short-lived runtime on its own thread.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                if let Ok(mut conn) = PgConnection::connect(&admin_url).await {
                    let _ = conn
                        .execute(
                            format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").as_str(),
                        )
                        .await;
                }
            });
        })
        .join();
    }
}

/// The URL of a database for this test: a new SQLite file, or a new PostgreSQL database.
pub async fn fresh_database(dir: &TempDir) -> (String, Option<PgDatabase>) {
    match std::env::var(POSTGRES_ENV) {
        Ok(admin_url) if !admin_url.is_empty() => {
            let name = format!("certdesk_test_{}", uuid::Uuid::new_v4().simple());
            let mut conn = PgConnection::connect(&admin_url)
                .await
                .expect("connect to the PostgreSQL test server");
            conn.execute(format!("CREATE DATABASE \"{name}\"").as_str())
                .await
                .expect("create the test database");
            let (without_query, query) = match admin_url.split_once('?') {
                Some((base, q)) => (base, format!("?{q}")),
                None => (admin_url.as_str(), String::new()),
            };
            let (server, _) = without_query
                .rsplit_once('/')
                .expect("a database in the URL");
            let url = format!("{server}/{name}{query}");
            (url, Some(PgDatabase { admin_url, name }))
        }
        _ => (
            format!("sqlite://{}", dir.path().join("certdesk.db").display()),
            None,
        ),
    }
}

pub fn backend_name() -> &'static str {
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.is_empty() => "postgres",
        _ => "sqlite",
    }
}

/// The variable that points the tests at a local S3 (moto): `http://127.0.0.1:PORT`. When
/// set, every test app keeps its files in the bucket [`S3_BUCKET`] under a prefix of its own,
/// as several instances do; else in its data dir.
pub const S3_ENV: &str = "CERTDESK_TEST_S3_ENDPOINT";
/// The bucket the S3 tests share (made once per run, unsigned, as moto allows).
pub const S3_BUCKET: &str = "certdesk-test";

/// The local S3 endpoint of this run, if any.
pub fn s3_endpoint() -> Option<String> {
    std::env::var(S3_ENV).ok().filter(|e| !e.is_empty())
}

/// The local S3 of this run for a test that needs one: `None` (the caller says so and
/// returns) when there is none, unless `CERTDESK_TEST_REQUIRE_S3` is set (CI's PostgreSQL
/// pass), where a missing S3 fails the test instead of skipping it.
pub fn s3_or_skip(what: &str) -> Option<String> {
    let endpoint = s3_endpoint();
    if endpoint.is_none() {
        assert!(
            std::env::var_os("CERTDESK_TEST_REQUIRE_S3").is_none(),
            "CERTDESK_TEST_REQUIRE_S3 is set but {S3_ENV} is not"
        );
        eprintln!("{S3_ENV} is not set: {what} skipped");
    }
    endpoint
}

/// A fresh bucket prefix on the test S3, `s3://certdesk-test/<uuid>`, with the bucket made.
pub async fn fresh_s3_url(endpoint: &str) -> String {
    static MADE: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    MADE.get_or_init(|| async {
        // S3's CreateBucket; moto takes it unsigned. 409 when it exists already.
        let res = Client::new()
            .put(format!("{}/{S3_BUCKET}", endpoint.trim_end_matches('/')))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{S3_ENV}={endpoint} does not answer: {e}"));
        assert!(
            res.status().is_success() || res.status() == 409,
            "creating the test bucket: {}",
            res.status()
        );
    })
    .await;
    format!("s3://{S3_BUCKET}/{}", uuid::Uuid::new_v4().simple())
}

/// The files store of a test app: a bucket prefix of its own when [`S3_ENV`] is set, else
/// `<dir>/files`.
pub async fn test_blobs(dir: &std::path::Path) -> certdesk::blobs::Blobs {
    match s3_endpoint() {
        Some(endpoint) => {
            let url = fresh_s3_url(&endpoint).await;
            let bucket = certdesk::blobs::Bucket::at_endpoint(&endpoint, &url, dir.join("tmp"))
                .unwrap_or_else(|e| panic!("{e}"));
            certdesk::blobs::Blobs::bucket(bucket)
        }
        None => certdesk::blobs::Blobs::new(dir.join("files")),
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with_clock(Arc::new(SystemClock)).await
}

/// A running app whose clock stands still at `when` (an RFC 3339 string) until the test
/// moves it through the returned handle.
pub async fn app_at(when: &str) -> (TestApp, FixedClock) {
    let clock = FixedClock::new(at(when));
    let app = spawn_app_with_clock(Arc::new(clock.clone())).await;
    (app, clock)
}

/// A browser of its own: keeps cookies, does not follow redirects.
pub fn new_browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

pub async fn spawn_app_with_clock(clock: Arc<dyn Clock>) -> TestApp {
    spawn_app_with(clock, |_| {}).await
}

/// A running app whose start-up configuration `configure` changes (trusted proxies, the
/// public URL, …).
pub async fn spawn_app_with(
    clock: Arc<dyn Clock>,
    configure: impl FnOnce(&mut AppConfig),
) -> TestApp {
    spawn_app_files(clock, configure, false).await
}

/// A running app whose files are in its data dir even when [`S3_ENV`] is set: for what only
/// the local store does (`certdesk backup` and `restore`).
pub async fn spawn_app_local_files() -> TestApp {
    spawn_app_files(Arc::new(SystemClock), |_| {}, true).await
}

async fn spawn_app_files(
    clock: Arc<dyn Clock>,
    configure: impl FnOnce(&mut AppConfig),
    local_files: bool,
) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, pg) = fresh_database(&dir).await;
    let store = Store::connect(&database_url).await.unwrap();
    store.migrate().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    let mut config = AppConfig::new(base.clone());
    configure(&mut config);
    let app = App::new(
        store,
        if local_files {
            certdesk::blobs::Blobs::new(dir.path().join("files"))
        } else {
            test_blobs(dir.path()).await
        },
        clock,
        config,
    );
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server_app = app.clone();
    tokio::spawn(async move {
        certdesk::web::serve(listener, server_app, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    let browser = new_browser();
    TestApp {
        base,
        app,
        database_url,
        browser,
        dir,
        _pg: pg,
        shutdown: Some(tx),
        mailbox: Mailbox::default(),
    }
}

/// A second server on the same database and files, with other start-up settings; it
/// stops when dropped.
pub struct Served {
    pub base: String,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl Served {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

impl TestApp {
    /// Serves this app again on another port with its start-up settings changed by `edit`
    /// (as `serve` would with other flags).
    pub async fn serve_with(&self, edit: impl FnOnce(&mut AppConfig)) -> Served {
        let mut config = (*self.app.config).clone();
        edit(&mut config);
        let mut app = self.app.clone();
        app.config = Arc::new(config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            certdesk::web::serve(listener, app, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Served {
            base,
            _shutdown: tx,
        }
    }

    /// Runs the outbox worker once, as `serve` does with an SMTP server (and
    /// `CERTDESK_MAIL_FROM`), into [`TestApp::mailbox`]; returns what this run delivered.
    pub async fn deliver_mail(&self) -> Vec<Delivered> {
        let mut app = self.app.clone();
        app.config = Arc::new(AppConfig {
            mail_from: Some("Mesa de Servicios <mesa@regioncajamarca.gob.pe>".to_owned()),
            ..(*self.app.config).clone()
        });
        let before = self.mailbox.all().len();
        certdesk::jobs::outbox::run_once(&app, &self.mailbox, self.app.now())
            .await
            .unwrap();
        self.mailbox.all().split_off(before)
    }

    /// The mail with this Message-ID as it was delivered (delivering what is due first).
    pub async fn delivered(&self, message_id: &str) -> Delivered {
        self.deliver_mail().await;
        self.mailbox
            .all()
            .into_iter()
            .find(|m| m.message_id == message_id)
            .unwrap_or_else(|| panic!("{message_id} was not delivered"))
    }

    /// The path of the first link to this app in `text`.
    pub fn link_in_text(&self, text: &str) -> String {
        let start = text.find(&self.base).expect("a link in the mail");
        let link = text[start..].split_whitespace().next().unwrap();
        link.strip_prefix(&self.base).unwrap().to_owned()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Creates an account directly through the use case.
    pub async fn user(&self, email: &str, role: Role, password: &str) -> User {
        auth::create_user(&self.app, email, "Persona de Prueba", role, password)
            .await
            .unwrap()
    }

    /// An API token for a new account with this role.
    pub async fn token_for(&self, role: Role) -> String {
        let email = format!("{}@regioncajamarca.gob.pe", role.as_str());
        self.user(&email, role, "clave-de-prueba-1").await;
        self.login_token(&email, "clave-de-prueba-1").await
    }

    pub async fn login_token(&self, email: &str, password: &str) -> String {
        let res = self
            .post_json(
                "/api/v1/session",
                None,
                &serde_json::json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(res.status(), 200, "login of {email}");
        let body: Value = res.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut req = Client::new().post(self.url(path)).json(body);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send().await.unwrap()
    }

    pub async fn patch_json(&self, path: &str, token: &str, body: &Value) -> Response {
        Client::new()
            .patch(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut req = Client::new().get(self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send().await.unwrap()
    }

    /// GETs a page with the cookie-keeping browser and returns its HTML.
    pub async fn page(&self, path: &str) -> (u16, String) {
        self.page_in(&self.browser, path).await
    }

    /// Posts a form with `browser` from the page at `from` (its CSRF token) to `to`.
    pub async fn post_form(
        &self,
        browser: &Client,
        from: &str,
        to: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        let (_, html) = self.page_in(browser, from).await;
        let token = csrf_token(&html);
        let mut form = vec![("csrf_token", token.as_str())];
        form.extend_from_slice(fields);
        browser.post(self.url(to)).form(&form).send().await.unwrap()
    }

    /// GETs a page with `browser` (someone else's session) and returns its HTML.
    pub async fn page_in(&self, browser: &Client, path: &str) -> (u16, String) {
        let res = browser.get(self.url(path)).send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.text().await.unwrap())
    }

    /// Posts a form with the browser.
    pub async fn submit(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.browser
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .unwrap()
    }
}

/// The CSRF token embedded in a page's form.
pub fn csrf_token(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("a form with a CSRF token") + marker.len();
    let end = html[start..].find('"').unwrap();
    html[start..start + end].to_owned()
}

/// Asserts a problem+json answer with this status and returns its body.
pub async fn problem(res: Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let content_type = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = res.json().await.unwrap();
    for key in ["type", "title", "status", "detail", "errors"] {
        assert!(body.get(key).is_some(), "problem lacks {key}: {body}");
    }
    assert_eq!(body["status"], status);
    body
}

/// Logs `browser` in with the login form of the server at `form_base`, posted to the one at
/// `post_base` (the same server, or another instance of the same database), as a person
/// would; it keeps the session cookie.
pub async fn sign_in_across(
    browser: &Client,
    form_base: &str,
    post_base: &str,
    email: &str,
    password: &str,
) {
    let html = browser
        .get(format!("{form_base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = browser
        .post(format!("{post_base}/login"))
        .form(&[
            ("csrf_token", csrf_token(&html).as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "login of {email}");
}

/// Sessions belong to the database, not to a server: `token`, made on another instance,
/// works on the one at `base`, and once closed there it is refused (401) at `elsewhere`.
pub async fn token_works_then_ends_everywhere(token: &str, base: &str, elsewhere: &str) {
    let http = Client::new();
    let me = http
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200, "a token made elsewhere");
    let closed = http
        .delete(format!("{base}/api/v1/session"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(closed.status().is_success(), "{}", closed.status());
    let me = http
        .get(format!("{elsewhere}/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    problem(me, 401).await;
}

/// A valid access request body; tests change one field at a time.
pub fn access_request(email: &str) -> Value {
    serde_json::json!({
        "full_name": "Carmen Rosa Tello Vásquez",
        "dni": "10117410",
        "position": "Asistente administrativo",
        "unit": "Oficina de Recursos Humanos",
        "dependency": "Sede central",
        "start_date": "2024-02-01",
        "email": email,
    })
}

/// The image fixtures (good and bad photos and signatures), kept in the repository so that
/// a fresh clone tests on its own: `crates/certdesk/tests/fixtures/images/`.
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/images");

/// A file from `tests/fixtures/images/`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(FIXTURES).join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// A small PDF, as a receipt scan would be.
pub fn receipt_pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

/// A PNG whose header claims `width`×`height` but whose data is a few bytes: a
/// decompression bomb as far as a careless decoder is concerned.
pub fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    chunk(&mut out, b"IHDR", &ihdr);
    // zlib stream with one stored block of 16 zero bytes (adler32 of zeros = 16 << 16 | 1).
    let mut idat = vec![0x78, 0x01, 0x01, 16, 0, !16u8, 0xff];
    idat.extend_from_slice(&[0u8; 16]);
    idat.extend_from_slice(&((16u32 << 16) | 1).to_be_bytes());
    chunk(&mut out, b"IDAT", &idat);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// The multipart form of a valid payment receipt.
pub fn payment_form(operation_number: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("operation_number", operation_number.to_owned())
        .text("paid_on", "2026-11-02")
        .text("amount", "8.10")
        .text("tribute_code", "00529")
        .text("payer_dni", "10117410")
        .text("channel", "ventanilla")
        .part(
            "receipt",
            reqwest::multipart::Part::bytes(receipt_pdf())
                .file_name("constancia.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        )
}

/// The text fields of a valid applicant; tests override some.
pub fn applicant_fields(dni: &str) -> Vec<(&'static str, String)> {
    vec![
        ("paternal_surname", "Tello".into()),
        ("maternal_surname", "Vásquez".into()),
        ("given_names", "Carmen Rosa".into()),
        ("dni", dni.into()),
        ("dni_issued_on", "2019-05-14".into()),
        ("email", "ctello@regioncajamarca.gob.pe".into()),
        ("position", "Asistente administrativo".into()),
        ("unit", "Oficina de Recursos Humanos".into()),
    ]
}

/// An applicant form with the given fields and the good fixture photo and signature
/// (unless overridden by `files`).
pub fn applicant_form(
    fields: &[(&str, String)],
    files: &[(&str, &str, Vec<u8>)],
) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in fields {
        form = form.text(name.to_string(), value.clone());
    }
    let has = |n: &str| files.iter().any(|(name, _, _)| *name == n);
    if !has("photo") {
        form = form.part(
            "photo",
            reqwest::multipart::Part::bytes(fixture("photo_ok.jpg")).file_name("foto.jpg"),
        );
    }
    if !has("signature") {
        form = form.part(
            "signature",
            reqwest::multipart::Part::bytes(fixture("signature_ok.png")).file_name("firma.png"),
        );
    }
    for (name, file_name, bytes) in files {
        form = form.part(
            name.to_string(),
            reqwest::multipart::Part::bytes(bytes.clone()).file_name(file_name.to_string()),
        );
    }
    form
}

/// A fixture image as a file part, with its MIME type.
pub fn image_part(name: &str) -> reqwest::multipart::Part {
    let mime = if name.ends_with(".png") {
        "image/png"
    } else {
        "image/jpeg"
    };
    reqwest::multipart::Part::bytes(fixture(name))
        .file_name(name.to_owned())
        .mime_str(mime)
        .unwrap()
}

/// The text fields of the applicant page's form (a valid applicant), as the browser sends
/// them; tests add the files.
pub fn applicant_page_form(csrf: &str, email: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("csrf_token", csrf.to_owned())
        .text("paternal_surname", "Tello")
        .text("maternal_surname", "Vásquez")
        .text("given_names", "Carmen Rosa")
        .text("dni", "10117410")
        .text("dni_check_digit", "")
        .text("dni_issued_on", "2019-05-14")
        .text("email", email.to_owned())
        .text("position", "Asistente administrativo")
        .text("unit", "Oficina de Recursos Humanos")
}

impl TestApp {
    pub async fn post_multipart(
        &self,
        path: &str,
        token: &str,
        form: reqwest::multipart::Form,
    ) -> Response {
        Client::new()
            .post(self.url(path))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// Posts a multipart form with the cookie-keeping browser, as a page's form does.
    pub async fn post_page(&self, path: &str, form: reqwest::multipart::Form) -> Response {
        self.browser
            .post(self.url(path))
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// Opens a ticket and returns its JSON.
    pub async fn open_ticket(&self, token: &str, kind: &str, reason: Option<&str>) -> Value {
        let res = self
            .post_json(
                "/api/v1/tickets",
                Some(token),
                &serde_json::json!({"kind": kind, "reason": reason}),
            )
            .await;
        assert_eq!(res.status(), 201, "open {kind} {reason:?}");
        res.json().await.unwrap()
    }
}

impl TestApp {
    /// `GET /api/v1/me` with `token`, as JSON.
    pub async fn me(&self, token: &str) -> Value {
        let res = self.get("/api/v1/me", Some(token)).await;
        assert_eq!(res.status(), 200, "GET /api/v1/me");
        res.json().await.unwrap()
    }

    /// The id of the account with this e-mail.
    pub async fn me_by_email(&self, email: &str) -> String {
        let mut conn = self.app.store.conn().await.unwrap();
        certdesk::store::users::by_email(&mut conn, email)
            .await
            .unwrap()
            .unwrap()
            .id
            .to_string()
    }

    /// Runs `certdesk user create` against this app's database with `args` after `create`,
    /// the password on standard input.
    pub fn cli_user_create(&self, args: &[&str], password: &str) -> std::process::Output {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_certdesk"))
            .args(["user", "create"])
            .args(args)
            .arg("--password-stdin")
            .env("CERTDESK_DATABASE_URL", &self.database_url)
            .env("CERTDESK_DATA_DIR", self.dir.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(password.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// Records a certificate of the user behind `token` (the registry's side is tested in
    /// the analyst tests; here it is only a fixture).
    pub async fn certificate(
        &self,
        token: &str,
        state: domain::certificate::CertificateState,
        expires_on: Option<jiff::civil::Date>,
    ) -> String {
        let me = self.me(token).await;
        let delivered = jiff::civil::date(2026, 11, 30);
        let pending = state == domain::certificate::CertificateState::PendienteDescarga;
        self.record_certificate(
            &NewCertificate {
                owner_id: me["id"].as_str().unwrap().parse().unwrap(),
                holder_name: "Tello Vásquez, Carmen Rosa",
                dni: &"10117410".parse().unwrap(),
                applicant_id: None,
                medium: None,
                ownership: None,
                issued_on: None,
                expires_on,
                state,
                delivery_sent_on: pending.then_some(delivered),
                download_deadline: pending
                    .then(|| domain::certificate::download_deadline(delivered)),
            },
            None,
        )
        .await
    }
}

impl TestApp {
    /// Logs `browser` in through the login form, as a person would: it fetches the form,
    /// posts it with its CSRF token, and from then on keeps the session cookie.
    pub async fn sign_in(&self, browser: &Client, email: &str, password: &str) {
        sign_in_across(browser, &self.base, &self.base, email, password).await;
    }

    /// Logs this app's own cookie-keeping browser (`self.browser`) in through the login form.
    pub async fn log_in_browser(&self, email: &str, password: &str) {
        self.sign_in(&self.browser, email, password).await;
    }
}

// ---------------------------------------------------------------------------------------
// People and tickets: the setup most tests share.

/// The password of everyone `Person::sign_up` creates.
pub const PASSWORD: &str = "clave segura 2026";

/// A person with an account: their signed-in browser and an API token.
pub struct Person {
    pub email: String,
    pub browser: Client,
    pub token: String,
}

impl Person {
    /// An account with this role (named "Persona de Prueba"), signed in on a browser of its
    /// own and through the API.
    pub async fn sign_up(app: &TestApp, email: &str, role: Role) -> Person {
        app.user(email, role, PASSWORD).await;
        Person::signed_in(app, email).await
    }

    /// Like `sign_up`, with the account's full name.
    pub async fn sign_up_named(app: &TestApp, email: &str, name: &str, role: Role) -> Person {
        auth::create_user(&app.app, email, name, role, PASSWORD)
            .await
            .unwrap();
        Person::signed_in(app, email).await
    }

    async fn signed_in(app: &TestApp, email: &str) -> Person {
        let browser = new_browser();
        app.sign_in(&browser, email, PASSWORD).await;
        let token = app.login_token(email, PASSWORD).await;
        Person {
            email: email.to_owned(),
            browser,
            token,
        }
    }

    /// Signs in again (after the test's clock jumped past the session's life).
    pub async fn sign_in_again(&mut self, app: &TestApp) {
        self.browser = new_browser();
        app.sign_in(&self.browser, &self.email, PASSWORD).await;
        self.token = app.login_token(&self.email, PASSWORD).await;
    }

    /// GETs a page with this person's browser: its status and HTML.
    pub async fn page(&self, app: &TestApp, path: &str) -> (u16, String) {
        app.page_in(&self.browser, path).await
    }

    /// Posts a form from the page at `from` (its CSRF token) to `to`.
    pub async fn post(
        &self,
        app: &TestApp,
        from: &str,
        to: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        app.post_form(&self.browser, from, to, fields).await
    }
}

/// Where a redirect points.
pub fn location(res: &Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

/// The analysts' review page of ticket `id`.
pub fn review(id: &str) -> String {
    format!("/analista/tramites/{id}")
}

/// `applicant_fields(dni)` with some fields changed (or added): `[("given_names", "Ana")]`.
pub fn applicant_with(dni: &str, changes: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut fields = applicant_fields(dni);
    for (name, value) in changes {
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = (*value).to_owned(),
            None => fields.push((name, (*value).to_owned())),
        }
    }
    fields
}

/// `POST /api/v1/tickets/{id}/{action}` with `token`.
pub async fn act(app: &TestApp, token: &str, id: &str, action: &str, body: Value) -> Response {
    app.post_json(
        &format!("/api/v1/tickets/{id}/{action}"),
        Some(token),
        &body,
    )
    .await
}

/// `act`, which must answer 200; the ticket's JSON.
pub async fn act_ok(app: &TestApp, token: &str, id: &str, action: &str, body: Value) -> Value {
    let res = act(app, token, id, action, body).await;
    assert_eq!(res.status(), 200, "{action} {id}");
    res.json().await.unwrap()
}

/// Takes and approves ticket `id` through the API; the approved ticket's JSON.
pub async fn approved(app: &TestApp, analyst: &str, id: &str) -> Value {
    act_ok(app, analyst, id, "take", serde_json::json!({})).await;
    act_ok(app, analyst, id, "approve", serde_json::json!({})).await
}

/// `GET /api/v1/tickets/{id}` with `token`, which must answer 200.
pub async fn ticket_json(app: &TestApp, token: &str, id: &str) -> Value {
    let res = app.get(&format!("/api/v1/tickets/{id}"), Some(token)).await;
    assert_eq!(res.status(), 200, "GET ticket {id}");
    res.json().await.unwrap()
}

/// The ids of a queue's (or a ticket list's) items, in order.
pub fn queue_ids(queue: &Value) -> Vec<String> {
    queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

/// An instalacion ticket for `cert`, submitted, taken, with its `appointment` (the body of
/// the action); its id.
pub async fn installation_ready(
    app: &TestApp,
    requester: &str,
    analyst: &str,
    cert: &str,
    appointment: Value,
) -> String {
    let res = app
        .post_json(
            "/api/v1/tickets",
            Some(requester),
            &serde_json::json!({"kind": "instalacion", "certificate_id": cert}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.submit_ticket(requester, &id).await;
    act_ok(app, analyst, &id, "take", serde_json::json!({})).await;
    act_ok(app, analyst, &id, "appointment", appointment).await;
    id
}

/// `GET /api/v1/certificates/{id}` with `token`, which must answer 200.
pub async fn certificate_json(app: &TestApp, token: &str, id: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/certificates/{id}"), Some(token))
        .await;
    assert_eq!(res.status(), 200, "GET certificate {id}");
    res.json().await.unwrap()
}

/// An emision-a ticket with one applicant (`dni`), submitted; its id and number.
pub async fn submitted(app: &TestApp, token: &str, dni: &str) -> (String, String) {
    file_ticket(app, token, "emision", "a", &applicant_fields(dni)).await
}

/// A ticket of this kind and reason with one applicant (`fields`), submitted; its id and
/// number.
pub async fn file_ticket(
    app: &TestApp,
    token: &str,
    kind: &str,
    reason: &str,
    fields: &[(&str, String)],
) -> (String, String) {
    let ticket = app.open_ticket(token, kind, Some(reason)).await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    app.add_applicant(token, &id, fields).await;
    app.submit_ticket(token, &id).await;
    (id, ticket["number"].as_str().unwrap().to_owned())
}

impl TestApp {
    /// Adds an applicant with `fields` and the good photo and signature to ticket `id`,
    /// which must answer 201; the applicant's JSON.
    pub async fn add_applicant(&self, token: &str, id: &str, fields: &[(&str, String)]) -> Value {
        let res = self
            .post_multipart(
                &format!("/api/v1/tickets/{id}/applicants"),
                token,
                applicant_form(fields, &[]),
            )
            .await;
        let status = res.status();
        let body = res.text().await.unwrap();
        assert_eq!(status, 201, "{body}");
        serde_json::from_str(&body).unwrap()
    }

    /// Submits ticket `id`, which must answer 200.
    pub async fn submit_ticket(&self, token: &str, id: &str) {
        let res = act(self, token, id, "submit", serde_json::json!({})).await;
        assert_eq!(res.status(), 200, "submit {id}");
    }

    /// Records a certificate (`new`) and, if given, its serial; its id.
    pub async fn record_certificate(
        &self,
        new: &NewCertificate<'_>,
        serial: Option<&str>,
    ) -> String {
        let mut conn = self.app.store.conn().await.unwrap();
        let id = certdesk::store::certificates::insert(&mut conn, new, self.app.now())
            .await
            .unwrap();
        if let Some(serial) = serial {
            certdesk::store::certificates::update(
                &mut conn,
                id,
                &certdesk::store::certificates::CertificateUpdate {
                    serial: Some(serial),
                    ..Default::default()
                },
                self.app.now(),
            )
            .await
            .unwrap();
        }
        id.to_string()
    }
}

// ---------------------------------------------------------------------------------------
// Reading pages: assertions about *where* something is, not only that it is somewhere.

/// Parses a page.
pub fn doc(html: &str) -> Html {
    Html::parse_document(html)
}

/// A CSS selector; a typo in a test's selector fails loudly.
fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css:?}: {e:?}"))
}

/// An element's text, with runs of whitespace collapsed to one space and trimmed.
pub fn text_of(element: ElementRef<'_>) -> String {
    element
        .text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Queries on a parsed page or on one element of it.
pub trait Find {
    /// Every element matching `css`, in document order.
    fn all(&self, css: &str) -> Vec<ElementRef<'_>>;

    /// The only element matching `css`; panics when there is none or more than one.
    fn one(&self, css: &str) -> ElementRef<'_> {
        let mut found = self.all(css);
        assert_eq!(
            found.len(),
            1,
            "expected exactly one {css:?}, found {}",
            found.len()
        );
        found.remove(0)
    }

    /// The text of each element matching `css`, whitespace collapsed.
    fn texts(&self, css: &str) -> Vec<String> {
        self.all(css).into_iter().map(text_of).collect()
    }

    /// The text of the only element matching `css`.
    fn text_at(&self, css: &str) -> String {
        text_of(self.one(css))
    }

    /// The attribute `name` of each element matching `css` that has it.
    fn attrs(&self, css: &str, name: &str) -> Vec<String> {
        self.all(css)
            .into_iter()
            .filter_map(|e| e.value().attr(name).map(str::to_owned))
            .collect()
    }

    /// How many elements match `css`.
    fn count(&self, css: &str) -> usize {
        self.all(css).len()
    }
}

impl Find for Html {
    fn all(&self, css: &str) -> Vec<ElementRef<'_>> {
        self.select(&selector(css)).collect()
    }
}

impl Find for ElementRef<'_> {
    fn all(&self, css: &str) -> Vec<ElementRef<'_>> {
        self.select(&selector(css)).collect()
    }
}

/// The text of each element matching `css` in `html`, whitespace collapsed.
pub fn texts(html: &str, css: &str) -> Vec<String> {
    doc(html).texts(css)
}

/// The text of the only element matching `css` in `html`.
pub fn text(html: &str, css: &str) -> String {
    doc(html).text_at(css)
}

/// The attribute `name` of the first element matching `css` in `html` that has it.
pub fn attr(html: &str, css: &str, name: &str) -> Option<String> {
    doc(html).attrs(css, name).into_iter().next()
}

/// The attribute `name` of each element matching `css` in `html`.
pub fn attrs(html: &str, css: &str, name: &str) -> Vec<String> {
    doc(html).attrs(css, name)
}

/// How many elements match `css` in `html`.
pub fn count(html: &str, css: &str) -> usize {
    doc(html).count(css)
}

/// The page's `<h1>`; there must be exactly one.
pub fn h1(html: &str) -> String {
    text(html, "h1")
}

/// The notice shown after an action (`<p class="notice" role="status">`), if any.
pub fn notice(html: &str) -> Option<String> {
    let found = texts(html, "main .notice[role=status]");
    assert!(found.len() <= 1, "more than one notice: {found:?}");
    found.into_iter().next()
}

/// The error summary at the top of a form (`.error-summary[role=alert]`): its link targets
/// (`#field`) and texts, in order.
pub fn error_summary(html: &str) -> Vec<(String, String)> {
    let page = doc(html);
    let summary = page.one(".error-summary[role=alert]");
    summary
        .all("a[href^='#']")
        .into_iter()
        .map(|a| {
            (
                a.value().attr("href").unwrap_or_default().to_owned(),
                text_of(a),
            )
        })
        .collect()
}

/// The error shown next to the field with id `field`: the text of `#{field}-error`, which
/// must sit in the same `.has-error` wrapper as the field, the field pointing at it with
/// `aria-invalid` and `aria-describedby` when it is an input, select or textarea.
pub fn field_error(html: &str, field: &str) -> String {
    let page = doc(html);
    let wrappers: Vec<ElementRef<'_>> = page
        .all(".has-error")
        .into_iter()
        .filter(|w| w.count(&format!("#{field}")) == 1 || w.value().id() == Some(field))
        .collect();
    let wrapper = *wrappers
        .last()
        .unwrap_or_else(|| panic!("no .has-error around #{field}"));
    let error = wrapper.text_at(&format!("#{field}-error"));
    for control in wrapper.all(&format!("input#{field}, select#{field}, textarea#{field}")) {
        assert_eq!(
            control.value().attr("aria-invalid"),
            Some("true"),
            "#{field}"
        );
        assert_eq!(
            control.value().attr("aria-describedby"),
            Some(format!("{field}-error").as_str()),
            "#{field}"
        );
    }
    error
}

/// The status badge beside a page's `<h1>`: its code (from `status-…`) and its label.
pub fn title_badge(html: &str) -> (String, String) {
    let page = doc(html);
    let titles: Vec<ElementRef<'_>> = page
        .all(".title-with-badge")
        .into_iter()
        .filter(|t| t.count(":scope > h1") == 1)
        .collect();
    assert_eq!(titles.len(), 1, "one <h1> with a badge");
    let badge = titles[0].one(":scope > .status");
    let code = badge
        .value()
        .classes()
        .find_map(|c| c.strip_prefix("status-"))
        .unwrap_or_else(|| panic!("a badge without status-…: {}", badge.html()))
        .to_owned();
    (code, text_of(badge))
}

/// The rows of a ticket's history (`ol.history > li`), oldest first: what happened and the
/// comment, if any.
pub fn history(html: &str) -> Vec<(String, Option<String>)> {
    let page = doc(html);
    page.all("ol.history > li")
        .into_iter()
        .map(|li| {
            let what = li.text_at(".history-what strong");
            let comment = li.texts(".history-comment").into_iter().next();
            (what, comment)
        })
        .collect()
}
