//! `spawn_app` and small HTTP helpers shared by the tests.

use std::{sync::Arc, time::Duration};

use certdesk::{
    app::{auth, App, AppConfig},
    clock::{Clock, SystemClock},
    store::{users::User, Store},
};
use domain::role::Role;
use reqwest::{redirect::Policy, Client, Response};
use serde_json::Value;
use sqlx::{Connection, Executor, PgConnection};
use tempfile::TempDir;

pub const POSTGRES_ENV: &str = "CERTDESK_TEST_POSTGRES_URL";

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
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A fresh PostgreSQL database, dropped when the test ends.
struct PgDatabase {
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
async fn fresh_database(dir: &TempDir) -> (String, Option<PgDatabase>) {
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

pub async fn spawn_app() -> TestApp {
    spawn_app_with_clock(Arc::new(SystemClock)).await
}

pub async fn spawn_app_with_clock(clock: Arc<dyn Clock>) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, pg) = fresh_database(&dir).await;
    let store = Store::connect(&database_url).await.unwrap();
    store.migrate().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    let app = App::new(
        store,
        clock,
        AppConfig {
            base_url: base.clone(),
            secure_cookies: false,
        },
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
    let browser = Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    TestApp {
        base,
        app,
        database_url,
        browser,
        dir,
        _pg: pg,
        shutdown: Some(tx),
    }
}

impl TestApp {
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

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut req = Client::new().get(self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send().await.unwrap()
    }

    /// GETs a page with the cookie-keeping browser and returns its HTML.
    pub async fn page(&self, path: &str) -> (u16, String) {
        let res = self.browser.get(self.url(path)).send().await.unwrap();
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
