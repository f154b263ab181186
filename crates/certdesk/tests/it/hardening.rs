//! Issue 13's hardening findings, one regression test each: set-password links that no
//! stored row holds, headers (HSTS, no-store), `/metrics` closed to strangers, private
//! files on disk, and Spanish answers for every error a person or program can meet.

use std::sync::Arc;

use certdesk::{
    app::{outbox as mail_links, App, AppConfig, MetricsToken},
    jobs::outbox as worker,
    mail::smtp::SmtpSender,
    store::{
        outbox::{self, NewMail, LINK_PLACEHOLDER},
        password_tokens,
    },
};
use domain::{notice::NoticeKind, role::Role};
use jiff::SignedDuration;
use reqwest::Client;
use serde_json::{json, Value};
use sqlx::Row;

use crate::{
    helpers::{access_request, csrf_token, new_browser, problem, spawn_app, Person, TestApp},
    smtp_server::SmtpServer,
};

const ADMIN: &str = "rosa.admin@regioncajamarca.gob.pe";
const CARMEN: &str = "carmen.tello@regioncajamarca.gob.pe";
const LUIS: &str = "luis.rojas@regioncajamarca.gob.pe";
const MARIA: &str = "maria.quispe@regioncajamarca.gob.pe";

/// Every table and text-like column of the database, as `(table, column)`.
async fn text_columns(app: &TestApp) -> Vec<(String, String)> {
    let pool = app.app.store.pool();
    let sqlite = app.database_url.starts_with("sqlite:");
    let tables: Vec<String> = if sqlite {
        sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    } else {
        sqlx::query("SELECT CAST(tablename AS TEXT) AS name FROM pg_tables WHERE schemaname = current_schema()")
    }
    .fetch_all(pool)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get::<String, _>("name"))
    .collect();
    let mut out = Vec::new();
    for table in tables {
        let columns: Vec<String> = if sqlite {
            sqlx::query("SELECT name FROM pragma_table_info($1)").bind(&table)
        } else {
            sqlx::query(
                "SELECT CAST(column_name AS TEXT) AS name FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1",
            )
            .bind(&table)
        }
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>("name"))
        .collect();
        out.extend(columns.into_iter().map(|c| (table.clone(), c)));
    }
    assert!(out.len() > 50, "the schema was read: {out:?}");
    out
}

/// The `(table, column)` pairs in which `needle` is stored anywhere.
async fn stored_in(app: &TestApp, columns: &[(String, String)], needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (table, column) in columns {
        let sql = format!(
            "SELECT COUNT(*) AS n FROM \"{table}\" WHERE CAST(\"{column}\" AS TEXT) LIKE $1"
        );
        let n: i64 = sqlx::query(&sql)
            .bind(format!("%{needle}%"))
            .fetch_one(app.app.store.pool())
            .await
            .unwrap()
            .get("n");
        if n > 0 {
            found.push(format!("{table}.{column}"));
        }
    }
    found
}

/// The test's app as `serve` runs it with `CERTDESK_MAIL_FROM` set.
fn delivering(t: &TestApp) -> App {
    let mut app = t.app.clone();
    app.config = Arc::new(AppConfig {
        mail_from: Some("Mesa de Servicios <mesa@regioncajamarca.gob.pe>".to_owned()),
        ..(*t.app.config).clone()
    });
    app
}

/// The link's secret (after `/establecer-clave/`) in a delivered text part.
fn secret_in(app: &TestApp, text: &str) -> String {
    let path = app.link_in_text(text);
    let secret = path.strip_prefix("/establecer-clave/").unwrap().to_owned();
    assert!(secret.len() >= 40 && !secret.contains('['), "{path}");
    secret
}

/// Sets a password through a link's page; returns the status of the POST.
async fn use_link(app: &TestApp, path: &str, password: &str) -> u16 {
    let browser = new_browser();
    let (status, html) = app.page_in(&browser, path).await;
    assert_eq!(status, 200, "the link's page opens: {html}");
    browser
        .post(app.url(path))
        .form(&[
            ("csrf_token", csrf_token(&html).as_str()),
            ("password", password),
            ("password_confirmation", password),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn login_status(app: &TestApp, email: &str, password: &str) -> u16 {
    app.post_json(
        "/api/v1/session",
        None,
        &json!({"email": email, "password": password}),
    )
    .await
    .status()
    .as_u16()
}

#[tokio::test]
async fn set_password_links_are_stored_nowhere_shown_to_no_admin_and_arrive_working_by_smtp() {
    let app = spawn_app().await;
    let admin = Person::sign_up(&app, ADMIN, Role::Admin).await;
    // Approval of an access request.
    let res = app
        .post_json("/api/v1/access-requests", None, &access_request(CARMEN))
        .await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .post_json(
            &format!("/api/v1/access-requests/{id}/approve"),
            Some(&admin.token),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    // "¿Olvidó su contraseña?".
    app.user(LUIS, Role::Solicitante, "clave-antigua-de-luis")
        .await;
    app.post_json("/api/v1/password-resets", None, &json!({"email": LUIS}))
        .await;
    // An admin's link.
    app.user(MARIA, Role::Analista, "clave-antigua-de-maria")
        .await;
    let maria = app.me_by_email(MARIA).await;
    let res = app
        .post_json(
            &format!("/api/v1/users/{maria}/password-link"),
            Some(&admin.token),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 202);

    // Delivered over SMTP, each mail carries a link of its own.
    let server = SmtpServer::start();
    let smtp = SmtpSender::from_url(&server.url()).unwrap();
    let report = worker::run_once(&delivering(&app), &smtp, app.app.now())
        .await
        .unwrap();
    assert_eq!(report.failed + report.retried, 0, "{report:?}");
    let mut links = Vec::new();
    for to in [CARMEN, LUIS, MARIA] {
        let (text, html) = server
            .received()
            .iter()
            .filter(|m| m.to == [to.to_owned()])
            .map(|m| {
                let parsed = m.parsed();
                let part = |mimetype: &str| {
                    parsed
                        .parts()
                        .find(|p| p.ctype.mimetype == mimetype)
                        .unwrap()
                        .get_body()
                        .unwrap()
                };
                (part("text/plain"), part("text/html"))
            })
            .find(|(text, _)| text.contains("/establecer-clave/"))
            .unwrap_or_else(|| panic!("no link mailed to {to}"));
        let secret = secret_in(&app, &text);
        assert!(html.contains(&secret), "the HTML part has the same link");
        assert!(!text.contains(LINK_PLACEHOLDER) && !html.contains(LINK_PLACEHOLDER));
        links.push((to, secret));
    }

    // No table holds any secret; the outbox holds the placeholder.
    let columns = text_columns(&app).await;
    for (to, secret) in &links {
        assert_eq!(
            stored_in(&app, &columns, secret).await,
            Vec::<String>::new(),
            "the link mailed to {to} is stored"
        );
    }
    assert!(!stored_in(&app, &columns, LINK_PLACEHOLDER).await.is_empty());

    // Admins read the outbox without the secrets, on the page and in the API.
    let (status, page) = admin.page(&app, "/admin/correos").await;
    assert_eq!(status, 200);
    let api = app
        .get("/api/v1/outbox?limit=200", Some(&admin.token))
        .await
        .text()
        .await
        .unwrap();
    for (_, secret) in &links {
        assert!(!page.contains(secret.as_str()) && !api.contains(secret.as_str()));
    }
    assert!(page.contains(LINK_PLACEHOLDER) && api.contains(LINK_PLACEHOLDER));

    // Each delivered link works, once.
    for (to, secret) in &links {
        let path = format!("/establecer-clave/{secret}");
        assert_eq!(use_link(&app, &path, "una clave nueva y larga").await, 303);
        assert_eq!(login_status(&app, to, "una clave nueva y larga").await, 200);
        assert_eq!(app.page(&path).await.0, 410, "used once");
    }
}

#[tokio::test]
async fn a_retried_link_mail_retires_the_link_of_the_attempt_before_it() {
    let app = spawn_app().await;
    app.user(LUIS, Role::Solicitante, "clave-antigua-de-luis")
        .await;
    app.post_json("/api/v1/password-resets", None, &json!({"email": LUIS}))
        .await;
    let first = app.deliver_mail().await;
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].to, LUIS);
    let first = secret_in(&app, &first[0].text);
    // The server took the mail but the worker could not record it: sent again.
    sqlx::query("UPDATE outbox SET sent_at = NULL, attempts = 0")
        .execute(app.app.store.pool())
        .await
        .unwrap();
    let second = app.deliver_mail().await;
    assert_eq!(second.len(), 1);
    let second = secret_in(&app, &second[0].text);
    assert_ne!(first, second);
    assert_eq!(app.page(&format!("/establecer-clave/{first}")).await.0, 410);
    let path = format!("/establecer-clave/{second}");
    assert_eq!(use_link(&app, &path, "otra clave nueva larga").await, 303);
}

#[tokio::test]
async fn a_link_mail_for_an_account_deactivated_before_delivery_is_not_sent() {
    let app = spawn_app().await;
    let admin = app.token_for(Role::Admin).await;
    app.user(LUIS, Role::Solicitante, "clave-antigua-de-luis")
        .await;
    app.post_json("/api/v1/password-resets", None, &json!({"email": LUIS}))
        .await;
    let luis = app.me_by_email(LUIS).await;
    let res = app
        .patch_json(
            &format!("/api/v1/users/{luis}"),
            &admin,
            &json!({"active": false}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(app.deliver_mail().await.is_empty());
    let mails: Value = app
        .get("/api/v1/outbox", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    let mail = mails["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["to"] == LUIS)
        .unwrap();
    assert_eq!(mail["status"], "fallido");
    assert!(mail["last_error"].as_str().unwrap().contains("desactivada"));
}

#[tokio::test]
async fn links_stored_by_an_older_version_are_taken_out_and_minted_again_at_delivery() {
    let app = spawn_app().await;
    let luis = app
        .user(LUIS, Role::Solicitante, "clave-antigua-de-luis")
        .await;
    let now = app.app.now();
    let expires_at = now.checked_add(SignedDuration::from_hours(72)).unwrap();
    let (waiting, sent) = (
        "SecretoNoEnviado_0123456789abcdefghijklmnopq",
        "SecretoYaEnviado_0123456789abcdefghijklmnopq",
    );
    let mut conn = app.app.store.conn().await.unwrap();
    let mut ids = Vec::new();
    for secret in [waiting, sent] {
        password_tokens::insert(
            &mut conn,
            &certdesk::app::auth::token_hash(secret),
            luis.id,
            now,
            expires_at,
        )
        .await
        .unwrap();
        let link = format!("{}/establecer-clave/{secret}", app.base);
        let mail = NewMail {
            kind: NoticeKind::PasswordReset,
            to: LUIS.to_owned(),
            user_id: Some(luis.id),
            subject: "Enlace para cambiar su contraseña de certdesk".to_owned(),
            body_text: format!("Abra: {link}\n"),
            body_html: format!("<p><a href=\"{link}\">Abrir</a> {link}</p>"),
            attachment: None,
            link: None,
        };
        ids.push(
            outbox::enqueue(&mut conn, &mail, "regioncajamarca.gob.pe", now)
                .await
                .unwrap(),
        );
    }
    sqlx::query("UPDATE outbox SET sent_at = $1 WHERE id = $2")
        .bind(now.as_microsecond() as i64)
        .bind(ids[1].to_string())
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);

    assert_eq!(
        mail_links::scrub_stored_links(&app.app.store, now)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        mail_links::scrub_stored_links(&app.app.store, now)
            .await
            .unwrap(),
        0,
        "idempotent"
    );
    let columns = text_columns(&app).await;
    for secret in [waiting, sent] {
        assert_eq!(
            stored_in(&app, &columns, secret).await,
            Vec::<String>::new()
        );
    }
    // The mail nobody received: its old secret is retired, a new one goes out.
    assert_eq!(
        app.page(&format!("/establecer-clave/{waiting}")).await.0,
        410
    );
    // The mail its owner has: its link still works for them.
    assert_eq!(app.page(&format!("/establecer-clave/{sent}")).await.0, 200);
    let delivered = app.deliver_mail().await;
    assert_eq!(delivered.len(), 1);
    let fresh = secret_in(&app, &delivered[0].text);
    assert!(delivered[0].html.contains(&fresh));
    let path = format!("/establecer-clave/{fresh}");
    assert_eq!(use_link(&app, &path, "una clave nueva y larga").await, 303);
}

#[tokio::test]
async fn answers_are_never_cached_and_https_services_send_hsts() {
    let app = spawn_app().await;
    let requester = Person::sign_up(&app, LUIS, Role::Solicitante).await;
    let no_store = |res: &reqwest::Response| {
        res.headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    for path in [
        "/login",
        "/api/v1/me",
        "/tramites",
        "/api/v1/tickets",
        "/no-existe",
    ] {
        let res = requester
            .browser
            .get(app.url(path))
            .bearer_auth(&requester.token)
            .send()
            .await
            .unwrap();
        assert!(
            no_store(&res).contains("no-store"),
            "{path}: {:?}",
            res.headers()
        );
        assert!(
            res.headers().get("strict-transport-security").is_none(),
            "{path} over http"
        );
    }
    // Static files keep their long cache.
    let (_, html) = app.page("/login").await;
    let css = crate::helpers::attr(&html, "link[rel=stylesheet]", "href").unwrap();
    let res = Client::new().get(app.url(&css)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(!no_store(&res).contains("no-store"), "{css}");

    let https = app
        .serve_with(|c| c.base_url = "https://mesa.regioncajamarca.gob.pe".to_owned())
        .await;
    for path in ["/login", "/api/v1/me", "/healthz"] {
        let res = Client::new().get(https.url(path)).send().await.unwrap();
        assert_eq!(
            res.headers()["strict-transport-security"],
            certdesk::web::HSTS,
            "{path}"
        );
    }
}

#[tokio::test]
async fn metrics_are_for_admins_and_the_scraper_only() {
    let app = spawn_app().await;
    let admin = app.token_for(Role::Admin).await;
    let analyst = app.token_for(Role::Analista).await;
    let anonymous = problem(app.get("/metrics", None).await, 401).await;
    assert!(anonymous["detail"]
        .as_str()
        .unwrap()
        .contains("Inicie sesión"));
    problem(app.get("/metrics", Some(&analyst)).await, 403).await;
    let res = app.get("/metrics", Some(&admin)).await;
    assert_eq!(res.status(), 200);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("certdesk_http_requests_total"));

    let token = "r3c0l3ct0r-de-metricas-0123456789abcdef";
    let scraped = app
        .serve_with(|c| c.metrics_token = Some(MetricsToken(token.to_owned())))
        .await;
    let get = |bearer: &'static str| {
        Client::new()
            .get(scraped.url("/metrics"))
            .bearer_auth(bearer)
            .send()
    };
    assert_eq!(get(token).await.unwrap().status(), 200);
    problem(
        get("r3c0l3ct0r-de-metricas-0123456789abcdeX")
            .await
            .unwrap(),
        401,
    )
    .await;
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_and_stored_files_are_private_to_the_service_user() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    // An existing database file left readable by others is made private on connect.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("datos").join("certdesk.db");
    let url = format!("sqlite://{}", db.display());
    certdesk::store::Store::connect(&url)
        .await
        .unwrap()
        .migrate()
        .await
        .unwrap();
    assert_eq!(mode(&db), 0o600);
    assert_eq!(mode(db.parent().unwrap()), 0o700);
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    certdesk::store::Store::connect(&url).await.unwrap();
    assert_eq!(mode(&db), 0o600);

    let blobs = certdesk::blobs::Local::new(dir.path().join("datos").join("files"));
    let sha = blobs.put(b"constancia").await.unwrap();
    let path = blobs.path_of(&sha).unwrap();
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    assert_eq!(mode(blobs.root()), 0o700);
}

/// Whether an answer is a Spanish HTML page.
async fn spanish_page(res: reqwest::Response, status: u16) -> String {
    assert_eq!(res.status().as_u16(), status);
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = res.text().await.unwrap();
    assert!(html.contains("<html lang=\"es"), "{html}");
    html
}

#[tokio::test]
async fn every_error_a_person_can_meet_is_a_spanish_page_and_programs_get_problems() {
    let app = spawn_app().await;
    let requester = Person::sign_up(&app, LUIS, Role::Solicitante).await;
    let (_, html) = app.page("/login").await;
    let csrf = csrf_token(&html);

    // A form over 1 MiB.
    let big = "a".repeat(1024 * 1024 + 10);
    let res = app
        .submit(
            "/login",
            &[("csrf_token", &csrf), ("email", &big), ("password", "x")],
        )
        .await;
    let html = spanish_page(res, 413).await;
    assert!(html.contains("demasiado grande"), "{html}");
    // A repeated form field.
    let res = app
        .submit(
            "/login",
            &[
                ("csrf_token", &csrf),
                ("email", LUIS),
                ("email", LUIS),
                ("password", "x"),
            ],
        )
        .await;
    let html = spanish_page(res, 400).await;
    assert!(html.contains("Formulario inválido"), "{html}");
    // A repeated query parameter, on a page that reads one.
    let res = requester
        .browser
        .get(app.url("/tramites?q=a&q=b"))
        .send()
        .await
        .unwrap();
    let html = spanish_page(res, 400).await;
    assert!(html.contains("campo repetido"), "{html}");
    // A method the page does not take.
    let res = requester
        .browser
        .delete(app.url("/login"))
        .send()
        .await
        .unwrap();
    spanish_page(res, 405).await;

    // The API: a malformed multipart body is a 400, not a 413.
    let ticket = app
        .open_ticket(&requester.token, "reemision", Some("a"))
        .await;
    let id = ticket["id"].as_str().unwrap();
    let res = Client::new()
        .post(app.url(&format!("/api/v1/tickets/{id}/payments")))
        .bearer_auth(&requester.token)
        .header("content-type", "multipart/form-data; boundary=XYZ")
        .body("--XYZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nsin cierre")
        .send()
        .await
        .unwrap();
    let body = problem(res, 400).await;
    assert!(
        body["detail"].as_str().unwrap().contains("mal formado"),
        "{body}"
    );
    // A JSON body over the limit, a path that is not an id, a method the route lacks.
    let res = Client::new()
        .post(app.url(&format!("/api/v1/tickets/{id}/withdraw")))
        .bearer_auth(&requester.token)
        .header("content-type", "application/json")
        .body(format!("{{\"comment\":\"{big}\"}}"))
        .send()
        .await
        .unwrap();
    problem(res, 413).await;
    let res = app
        .get("/api/v1/tickets/no-es-un-id", Some(&requester.token))
        .await;
    let status = res.status().as_u16();
    assert!(status == 400 || status == 404, "{status}");
    problem(res, status).await;
    let res = Client::new()
        .delete(app.url("/api/v1/me"))
        .bearer_auth(&requester.token)
        .send()
        .await
        .unwrap();
    let body = problem(res, 405).await;
    assert_eq!(body["title"], "Método no permitido");
}

/// `photo_ok.jpg` with an Exif block carrying a GPS position put in after its first
/// segment, as a phone writes it.
fn jpeg_with_gps() -> Vec<u8> {
    let plain = crate::helpers::fixture("photo_ok.jpg");
    assert_eq!(&plain[..2], b"\xFF\xD8");
    let mut exif = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\0\0\0\0\0".to_vec();
    exif.extend_from_slice(b"GPSLatitude S 7 9 49.7 GPSLongitude W 78 30 1.1");
    let len = u16::try_from(exif.len() + 2).unwrap();
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&exif);
    out.extend_from_slice(&plain[2..]);
    out
}

fn receipt_form(
    operation_number: &str,
    bytes: Vec<u8>,
    name: &str,
    mime: &str,
) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("operation_number", operation_number.to_owned())
        .text("paid_on", "2026-11-02")
        .text("amount", "8.10")
        .text("tribute_code", "00529")
        .text("payer_dni", "10117410")
        .text("channel", "ventanilla")
        .part(
            "receipt",
            reqwest::multipart::Part::bytes(bytes)
                .file_name(name.to_owned())
                .mime_str(mime)
                .unwrap(),
        )
}

#[tokio::test]
async fn a_receipt_photo_loses_its_gps_and_a_pdf_receipt_is_downloaded() {
    let app = spawn_app().await;
    let owner = app.token_for(Role::Solicitante).await;
    let ticket = app.open_ticket(&owner, "emision", Some("c")).await;
    let id = ticket["id"].as_str().unwrap();
    let original = jpeg_with_gps();
    let mut receipts = Vec::new();
    for (number, form) in [
        (
            "55555555",
            receipt_form("55555555", original.clone(), "pago.jpg", "image/jpeg"),
        ),
        ("66666666", crate::helpers::payment_form("66666666")),
    ] {
        let res = app
            .post_multipart(&format!("/api/v1/tickets/{id}/payments"), &owner, form)
            .await;
        assert_eq!(res.status(), 201, "{number}");
        let payment: Value = res.json().await.unwrap();
        receipts.push(format!(
            "/api/v1/payments/{}/receipt",
            payment["id"].as_str().unwrap()
        ));
    }

    let res = app.get(&receipts[0], Some(&owner)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(
        res.headers()["content-disposition"],
        "inline; filename=\"constancia-55555555.jpg\""
    );
    let served = res.bytes().await.unwrap().to_vec();
    assert_ne!(served, original);
    assert!(
        !served.windows(11).any(|w| w == b"GPSLatitude"),
        "the GPS position is gone"
    );
    assert!(!served.windows(6).any(|w| w == b"Exif\0\0"));
    // Not re-encoded: the same pixels.
    assert_eq!(
        image::load_from_memory(&served).unwrap().to_rgb8(),
        image::load_from_memory(&original).unwrap().to_rgb8()
    );
    // Nor is it kept in the files store.
    let mut stored = 0;
    for sha in app.app.blobs.stored().await.unwrap() {
        let bytes = app.app.blobs.get(&sha).await.unwrap().unwrap();
        assert!(!bytes.windows(11).any(|w| w == b"GPSLatitude"), "{sha}");
        stored += 1;
    }
    assert!(stored >= 2);

    let res = app.get(&receipts[1], Some(&owner)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(
        res.headers()["content-disposition"],
        "attachment; filename=\"constancia-66666666.pdf\""
    );
    assert_eq!(
        res.bytes().await.unwrap().to_vec(),
        crate::helpers::receipt_pdf()
    );
}

/// The messages of a 422 for `field`.
async fn refused_field(res: reqwest::Response, field: &str) -> String {
    let body = problem(res, 422).await;
    let messages = body["errors"][field]
        .as_array()
        .unwrap_or_else(|| panic!("no error on {field}: {body}"));
    messages[0].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn free_text_is_bounded_with_a_spanish_422_naming_the_field_and_its_limit() {
    let (app, clock) = crate::helpers::app_at(crate::helpers::WEDNESDAY).await;
    let requester = Person::sign_up(&app, LUIS, Role::Solicitante).await;
    let analyst = app.token_for(Role::Analista).await;
    let admin = app.token_for(Role::Admin).await;
    let huge = |n: usize| "x".repeat(n);

    // A withdraw comment of a million characters, and one just over the comment limit.
    let draft = app
        .open_ticket(&requester.token, "reemision", Some("a"))
        .await;
    let draft = draft["id"].as_str().unwrap();
    let withdraw = format!("/api/v1/tickets/{draft}/withdraw");
    let message = refused_field(
        app.post_json(
            &withdraw,
            Some(&requester.token),
            &json!({"comment": huge(1_000_000)}),
        )
        .await,
        "comment",
    )
    .await;
    assert!(message.starts_with("Como máximo ") && message.ends_with(" el texto tiene 1000000."));
    let message = refused_field(
        app.post_json(
            &withdraw,
            Some(&requester.token),
            &json!({"comment": huge(2001)}),
        )
        .await,
        "comment",
    )
    .await;
    assert_eq!(message, "Como máximo 2000 caracteres; el texto tiene 2001.");
    // The page's form says the same on its page.
    let page = format!("/tramites/{draft}/anular");
    let res = app
        .post_form(
            &requester.browser,
            &page,
            &page,
            &[("comment", &huge(20_000))],
        )
        .await;
    let html = spanish_page(res, 422).await;
    assert!(html.contains("Como máximo 10000 caracteres"), "{html}");
    assert_eq!(
        crate::helpers::ticket_json(&app, &requester.token, draft).await["status"],
        "borrador",
        "nothing happened"
    );

    // A 900 KB observation.
    let (id, _) = crate::helpers::submitted(&app, &requester.token, "41111111").await;
    crate::helpers::act_ok(&app, &analyst, &id, "take", json!({})).await;
    let observe = |comment: String| {
        crate::helpers::act(
            &app,
            &analyst,
            &id,
            "observe",
            json!({ "comment": comment }),
        )
    };
    refused_field(observe(huge(900 * 1024)).await, "comment").await;
    let message = refused_field(observe(huge(2500)).await, "comment").await;
    assert!(message.contains("2000"), "{message}");
    // A rejection's reason is named as such.
    let reject = crate::helpers::act(&app, &analyst, &id, "reject", json!({"reason": huge(3000)}));
    assert!(refused_field(reject.await, "reason").await.contains("2000"));
    let ticket = crate::helpers::ticket_json(&app, &analyst, &id).await;
    assert_eq!(
        ticket["status"], "en_atencion",
        "still taken, nothing observed"
    );

    // A 200,000-character RENIEC reason.
    crate::helpers::act_ok(&app, &analyst, &id, "approve", json!({})).await;
    let applicant = ticket["applicants"][0]["id"].as_str().unwrap().to_owned();
    clock.set(crate::helpers::at("2026-12-09T09:00:00-05:00"));
    app.post_json("/api/v1/batches/close", Some(&analyst), &json!({}))
        .await;
    let result = format!("/api/v1/applicants/{applicant}/reniec-result");
    for (n, limit) in [(200_000, "10000"), (1001, "1000")] {
        let res = app
            .post_json(
                &result,
                Some(&analyst),
                &json!({"approved": false, "reason": huge(n)}),
            )
            .await;
        assert!(refused_field(res, "reason").await.contains(limit));
    }
    let res = app
        .post_json(
            &result,
            Some(&analyst),
            &json!({"approved": false, "reason": "Foto no válida"}),
        )
        .await;
    assert_eq!(res.status(), 200, "a reason within the limit is kept");
    // A text stored before the limits (here: made long in the database) is still shown whole.
    let old = huge(50_000);
    sqlx::query(
        "UPDATE ticket_events SET comment = $1 WHERE ticket_id = $2 AND comment IS NOT NULL",
    )
    .bind(&old)
    .bind(&id)
    .execute(app.app.store.pool())
    .await
    .unwrap();
    let shown = app
        .get(&format!("/api/v1/tickets/{id}"), Some(&analyst))
        .await;
    assert_eq!(shown.status(), 200);
    assert!(shown.text().await.unwrap().contains(&old));

    // A sample of others: a multipart text field, an appointment's note, a search, the
    // institutional domains.
    let mut fields = crate::helpers::applicant_fields("42222222");
    fields.iter_mut().find(|(k, _)| *k == "position").unwrap().1 = huge(12_000);
    let res = app
        .post_multipart(
            &format!("/api/v1/tickets/{draft}/applicants"),
            &requester.token,
            crate::helpers::applicant_form(&fields, &[]),
        )
        .await;
    refused_field(res, "position").await;
    let res = app
        .post_json(
            &format!("/api/v1/tickets/{id}/appointment"),
            Some(&analyst),
            &json!({"at": "2026-12-10T10:00:00-05:00", "note": huge(201)}),
        )
        .await;
    assert!(refused_field(res, "note").await.contains("200"));
    let res = app
        .get(&format!("/api/v1/users?q={}", huge(10_001)), Some(&admin))
        .await;
    refused_field(res, "q").await;
    let res = app
        .patch_json(
            "/api/v1/settings",
            &admin,
            &json!({"email_domains": [format!("{}.gob.pe", huge(300))]}),
        )
        .await;
    let body = problem(res, 422).await;
    assert!(body.to_string().contains("253"), "{body}");
}

#[test]
fn serve_refuses_a_guessable_metrics_token_and_never_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_certdesk"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("CERTDESK_DATA_DIR", dir.path())
        .env("CERTDESK_METRICS_TOKEN", "corto-123")
        .env_remove("CERTDESK_DATABASE_URL")
        .env_remove("CERTDESK_SMTP_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut exited = false;
    for _ in 0..1000 {
        if child.try_wait().unwrap().is_some() {
            exited = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    if !exited {
        child.kill().unwrap();
        panic!("serve started with a 9-character metrics token");
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("CERTDESK_METRICS_TOKEN") && stderr.contains("32"),
        "{stderr}"
    );
    assert!(!stderr.contains("corto-123"), "{stderr}");
}
