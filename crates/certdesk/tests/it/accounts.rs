//! Accounts that look after themselves (issue 11): "¿Olvidó su contraseña?", a new link
//! from a spent one, the profile page (password change, sessions).

use domain::role::Role;
use jiff::SignedDuration;
use reqwest::Client;
use serde_json::{json, Value};

use crate::helpers::{
    app_at, count, csrf_token, error_summary, field_error, new_browser, problem, spawn_app, text,
    texts, TestApp, WEDNESDAY,
};

const ANA: &str = "ana.reset@regioncajamarca.gob.pe";
const ANA_PASSWORD: &str = "clave original de ana";

/// The mails in the outbox, newest first, read through the admins' API.
async fn outbox(app: &TestApp, admin: &str) -> Vec<Value> {
    let body: Value = app
        .get("/api/v1/outbox?limit=200", Some(admin))
        .await
        .json()
        .await
        .unwrap();
    body["items"].as_array().unwrap().clone()
}

/// The password-reset mails to `to`, newest first.
async fn reset_mails(app: &TestApp, admin: &str, to: &str) -> Vec<Value> {
    outbox(app, admin)
        .await
        .into_iter()
        .filter(|m| m["kind"] == "password_reset" && m["to"] == to)
        .collect()
}

/// The path of the link in a mail's text part as it was delivered (the outbox keeps only
/// a placeholder).
async fn link_in(app: &TestApp, mail: &Value) -> String {
    let delivered = app.delivered(mail["message_id"].as_str().unwrap()).await;
    app.link_in_text(&delivered.text)
}

/// Sets a password through a link's page with `browser`; returns the POST's answer.
async fn use_link(
    app: &TestApp,
    browser: &Client,
    path: &str,
    password: &str,
) -> reqwest::Response {
    let html = app.page_in(browser, path).await.1;
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
async fn a_reset_answers_alike_for_known_and_unknown_addresses_and_mails_only_the_known_one() {
    let app = spawn_app().await;
    let admin = app.token_for(Role::Admin).await;
    let ana = app.user(ANA, Role::Solicitante, ANA_PASSWORD).await;

    // The API: the same status and body, whoever the address is (even not an address).
    let known = app
        .post_json("/api/v1/password-resets", None, &json!({"email": ANA}))
        .await;
    let unknown = app
        .post_json(
            "/api/v1/password-resets",
            None,
            &json!({"email": "nadie@regioncajamarca.gob.pe"}),
        )
        .await;
    let nonsense = app
        .post_json("/api/v1/password-resets", None, &json!({"email": "x"}))
        .await;
    assert_eq!(known.status(), 202);
    assert_eq!(unknown.status(), 202);
    assert_eq!(nonsense.status(), 202);
    let known: Value = known.json().await.unwrap();
    assert_eq!(known, unknown.json::<Value>().await.unwrap());
    assert_eq!(known, nonsense.json::<Value>().await.unwrap());
    assert!(known["detail"].as_str().unwrap().contains("Si el correo"));

    // The page: the same redirect, and the same page behind it.
    let page_known = app
        .post_form(
            &app.browser,
            "/olvide-clave",
            "/olvide-clave",
            &[("email", "  Ana.Reset@RegionCajamarca.gob.pe ")],
        )
        .await;
    let page_unknown = app
        .post_form(
            &app.browser,
            "/olvide-clave",
            "/olvide-clave",
            &[("email", "nadie@regioncajamarca.gob.pe")],
        )
        .await;
    assert_eq!(page_known.status(), 303);
    assert_eq!(page_unknown.status(), 303);
    assert_eq!(
        page_known.headers()["location"],
        page_unknown.headers()["location"]
    );
    let (status, html) = app.page("/olvide-clave/enviado").await;
    assert_eq!(status, 200);
    assert_eq!(text(&html, "h1"), "Revise su correo");

    // Only the account got mail: two links (API and page), the first already retired.
    let mails = reset_mails(&app, &admin, ANA).await;
    assert_eq!(mails.len(), 2, "{mails:?}");
    let all = outbox(&app, &admin).await;
    assert!(
        all.iter()
            .all(|m| m["to"] == ANA || m["kind"] != "password_reset"),
        "a reset mail went to an address without an account: {all:?}"
    );
    assert!(mails[0]["body_text"]
        .as_str()
        .unwrap()
        .contains("/establecer-clave/"));

    // The in-app twin says it happened, without the link.
    let token = app.login_token(ANA, ANA_PASSWORD).await;
    let notices: Value = app
        .get("/api/v1/notifications", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    let resets: Vec<&Value> = notices["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "password_reset")
        .collect();
    assert_eq!(resets.len(), 2, "{notices}");
    for n in resets {
        assert_eq!(n["link"], Value::Null, "{n}");
        assert!(!n.to_string().contains("establecer-clave"), "{n}");
    }
    assert_eq!(ana.email, ANA);
}

#[tokio::test]
async fn a_malformed_address_on_the_page_is_refused_on_its_field_in_spanish() {
    let app = spawn_app().await;
    let res = app
        .post_form(
            &app.browser,
            "/olvide-clave",
            "/olvide-clave",
            &[("email", "ana arroba region")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        field_error(&html, "email").contains("correo válido"),
        "{html}"
    );
    assert_eq!(error_summary(&html).len(), 1);
    // What was typed is kept.
    assert!(html.contains("value=\"ana arroba region\""));
}

#[tokio::test]
async fn the_login_page_leads_to_the_reset_form() {
    let app = spawn_app().await;
    let (_, html) = app.page("/login").await;
    let links = crate::helpers::attrs(&html, "main a", "href");
    assert!(links.iter().any(|l| l == "/olvide-clave"), "{links:?}");
    let (status, html) = app.page("/olvide-clave").await;
    assert_eq!(status, 200);
    assert_eq!(text(&html, "h1"), "Recuperar contraseña");
    assert_eq!(count(&html, "form input[name=email]"), 1);
}

#[tokio::test]
async fn a_reset_link_works_once_and_signs_out_everywhere() {
    let app = spawn_app().await;
    let admin = app.token_for(Role::Admin).await;
    app.user(ANA, Role::Solicitante, ANA_PASSWORD).await;
    let old_token = app.login_token(ANA, ANA_PASSWORD).await;

    app.post_json("/api/v1/password-resets", None, &json!({"email": ANA}))
        .await;
    let mails = reset_mails(&app, &admin, ANA).await;
    let path = link_in(&app, &mails[0]).await;

    let res = use_link(&app, &app.browser, &path, "una clave nueva de ana").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?aviso=clave");
    assert_eq!(login_status(&app, ANA, "una clave nueva de ana").await, 200);
    assert_eq!(login_status(&app, ANA, ANA_PASSWORD).await, 401);
    // The token opened with the old password no longer works.
    problem(app.get("/api/v1/me", Some(&old_token)).await, 401).await;

    // Once only.
    let (status, html) = app.page(&path).await;
    assert_eq!(status, 410);
    assert!(html.contains("ya fue usado o venció"));
    let res = use_link(&app, &new_browser(), &path, "otra clave distinta 1").await;
    assert_eq!(res.status(), 410);
    assert_eq!(login_status(&app, ANA, "otra clave distinta 1").await, 401);
}

#[tokio::test]
async fn a_new_reset_retires_the_older_link() {
    let app = spawn_app().await;
    let admin = app.token_for(Role::Admin).await;
    app.user(ANA, Role::Solicitante, ANA_PASSWORD).await;
    app.post_json("/api/v1/password-resets", None, &json!({"email": ANA}))
        .await;
    let first = link_in(&app, &reset_mails(&app, &admin, ANA).await[0]).await;
    assert_eq!(app.page(&first).await.0, 200);

    app.post_json("/api/v1/password-resets", None, &json!({"email": ANA}))
        .await;
    let mails = reset_mails(&app, &admin, ANA).await;
    assert_eq!(mails.len(), 2);
    let second = link_in(&app, &mails[0]).await;
    assert_ne!(first, second);

    assert_eq!(app.page(&first).await.0, 410);
    let res = use_link(&app, &new_browser(), &first, "clave del primer enlace").await;
    assert_eq!(res.status(), 410);
    let res = use_link(&app, &new_browser(), &second, "clave del segundo enlace").await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        login_status(&app, ANA, "clave del segundo enlace").await,
        200
    );
}

#[tokio::test]
async fn a_deactivated_account_gets_no_link() {
    let app = spawn_app().await;
    let admin = app.token_for(Role::Admin).await;
    app.user(ANA, Role::Solicitante, ANA_PASSWORD).await;
    sqlx::query("UPDATE users SET active = 0 WHERE email = $1")
        .bind(ANA)
        .execute(app.app.store.pool())
        .await
        .unwrap();
    let res = app
        .post_json("/api/v1/password-resets", None, &json!({"email": ANA}))
        .await;
    assert_eq!(res.status(), 202);
    assert!(reset_mails(&app, &admin, ANA).await.is_empty());
}

#[tokio::test]
async fn more_than_three_requests_an_hour_for_one_address_send_nothing_more() {
    let (app, clock) = app_at(WEDNESDAY).await;
    let admin = app.token_for(Role::Admin).await;
    app.user(ANA, Role::Solicitante, ANA_PASSWORD).await;
    let mut answers = Vec::new();
    for _ in 0..5 {
        let res = app
            .post_json("/api/v1/password-resets", None, &json!({"email": ANA}))
            .await;
        answers.push((res.status().as_u16(), res.text().await.unwrap()));
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    assert_eq!(answers[0].0, 202);
    assert_eq!(reset_mails(&app, &admin, ANA).await.len(), 3);

    // An hour later the address may ask again.
    clock.advance(SignedDuration::from_mins(61));
    app.post_json("/api/v1/password-resets", None, &json!({"email": ANA}))
        .await;
    assert_eq!(reset_mails(&app, &admin, ANA).await.len(), 4);
}

#[tokio::test]
async fn twenty_parallel_requests_for_one_address_send_exactly_three_mails() {
    // Each request reserves its place in the counter before anything is mailed, so requests
    // racing each other cannot all read "two so far" and all send.
    let (app, _clock) = app_at(WEDNESDAY).await;
    let admin = app.token_for(Role::Admin).await;
    app.user(ANA, Role::Solicitante, ANA_PASSWORD).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let url = app.url("/api/v1/password-resets");
        tasks.spawn(async move {
            let res = reqwest::Client::new()
                .post(url)
                .json(&json!({"email": ANA}))
                .send()
                .await
                .unwrap();
            res.status().as_u16()
        });
    }
    while let Some(status) = tasks.join_next().await {
        assert_eq!(status.unwrap(), 202);
    }
    assert_eq!(reset_mails(&app, &admin, ANA).await.len(), 3);
}

#[tokio::test]
async fn an_expired_link_offers_a_new_one_sent_to_the_accounts_address() {
    let (app, clock) = app_at(WEDNESDAY).await;
    let admin = app.token_for(Role::Admin).await;
    app.user(ANA, Role::Solicitante, ANA_PASSWORD).await;
    app.post_json("/api/v1/password-resets", None, &json!({"email": ANA}))
        .await;
    let old = link_in(&app, &reset_mails(&app, &admin, ANA).await[0]).await;
    assert_eq!(app.page(&old).await.0, 200);

    // Reset links last two hours.
    clock.advance(SignedDuration::from_mins(121));
    let (status, html) = app.page(&old).await;
    assert_eq!(status, 410);
    assert!(html.contains("ya fue usado o venció"), "{html}");
    assert!(!html.contains(ANA), "the page must not show the address");
    let action = format!("{old}/nuevo");
    let forms = crate::helpers::attrs(&html, "main form", "action");
    assert!(forms.contains(&action), "{forms:?}");
    let buttons = texts(&html, "main form button");
    assert!(
        buttons.iter().any(|b| b == "Enviarme un enlace nuevo"),
        "{buttons:?}"
    );

    let res = app
        .submit(&action, &[("csrf_token", &csrf_token(&html))])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/olvide-clave/enviado");
    let mails = reset_mails(&app, &admin, ANA).await;
    assert_eq!(mails.len(), 2);
    let new = link_in(&app, &mails[0]).await;
    assert_ne!(new, old);
    let res = use_link(&app, &new_browser(), &new, "clave tras el enlace vencido").await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        login_status(&app, ANA, "clave tras el enlace vencido").await,
        200
    );

    // A made-up link gets the same answer, and nothing is sent.
    let res = app
        .submit(
            "/establecer-clave/inventado/nuevo",
            &[("csrf_token", &csrf_token(&html))],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/olvide-clave/enviado");
    assert_eq!(reset_mails(&app, &admin, ANA).await.len(), 2);
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_keeps_only_this_session() {
    let app = spawn_app().await;
    app.user(ANA, Role::Solicitante, ANA_PASSWORD).await;
    app.log_in_browser(ANA, ANA_PASSWORD).await;
    let other = new_browser();
    app.sign_in(&other, ANA, ANA_PASSWORD).await;
    let token = app.login_token(ANA, ANA_PASSWORD).await;
    // The profile's password form, as Ana fills it in.
    let change_password = |current: &'static str, new: &'static str, again: &'static str| {
        let fields = [
            ("current_password", current),
            ("password", new),
            ("password_confirmation", again),
        ];
        let app = &app;
        async move {
            app.post_form(&app.browser, "/perfil", "/perfil/clave", &fields)
                .await
        }
    };

    let res = change_password(
        "no es la clave",
        "una clave nueva de ana",
        "una clave nueva de ana",
    )
    .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert_eq!(
        field_error(&html, "current_password"),
        "La contraseña actual no es correcta."
    );

    let res = change_password(ANA_PASSWORD, "corta", "otra").await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(field_error(&html, "password").contains("al menos 10 caracteres"));
    assert!(field_error(&html, "password_confirmation").contains("no coinciden"));
    assert_eq!(login_status(&app, ANA, ANA_PASSWORD).await, 200);

    let res = change_password(
        ANA_PASSWORD,
        "una clave nueva de ana",
        "una clave nueva de ana",
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/perfil?aviso=clave");
    assert_eq!(login_status(&app, ANA, ANA_PASSWORD).await, 401);
    assert_eq!(login_status(&app, ANA, "una clave nueva de ana").await, 200);
    // This browser stays signed in; the other browser and the old token are out.
    let (status, _) = app.page("/perfil").await;
    assert_eq!(status, 200);
    let res = other.get(app.url("/perfil")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login");
    problem(app.get("/api/v1/me", Some(&token)).await, 401).await;
}

#[tokio::test]
async fn the_profile_lists_the_sessions_and_closing_one_ends_it_at_once() {
    let app = spawn_app().await;
    app.user(ANA, Role::Solicitante, ANA_PASSWORD).await;
    let phone = new_browser();
    app.sign_in(&phone, ANA, ANA_PASSWORD).await;
    let token = app.login_token(ANA, ANA_PASSWORD).await;
    app.log_in_browser(ANA, ANA_PASSWORD).await;

    let (status, html) = app.page("/perfil").await;
    assert_eq!(status, 200);
    assert_eq!(text(&html, "h1"), "Mi cuenta");
    assert!(html.contains(ANA));
    assert_eq!(count(&html, ".session-item"), 3, "{html}");
    assert_eq!(count(&html, ".session-item.current"), 1);
    assert!(text(&html, ".session-item.current").contains("Esta sesión"));
    assert_eq!(
        count(&html, ".session-item .session-what strong"),
        3,
        "every session says what it is"
    );
    let kinds = texts(&html, ".session-item .session-what strong");
    assert_eq!(
        kinds.iter().filter(|k| *k == "Token de la API").count(),
        1,
        "{kinds:?}"
    );
    // The current one has no "Cerrar"; the others do.
    let actions = crate::helpers::attrs(&html, ".session-item form", "action");
    assert_eq!(actions.len(), 2, "{actions:?}");

    // Close the API token: it stops working at once.
    let token_row = doc_session_action(&html, "Token de la API");
    let res = app
        .submit(&token_row, &[("csrf_token", &csrf_token(&html))])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/perfil?aviso=cerrada");
    problem(app.get("/api/v1/me", Some(&token)).await, 401).await;
    let (_, html) = app.page("/perfil").await;
    assert_eq!(count(&html, ".session-item"), 2);

    // Someone else's session id is not found.
    let res = app
        .submit(
            "/perfil/sesiones/no-existe/cerrar",
            &[("csrf_token", &csrf_token(&html))],
        )
        .await;
    assert_eq!(res.status(), 404);

    // "Cerrar las demás" keeps this one and ends the phone's.
    let res = app
        .submit(
            "/perfil/sesiones/cerrar-otras",
            &[("csrf_token", &csrf_token(&html))],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = phone.get(app.url("/perfil")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/login");
    let (status, html) = app.page("/perfil").await;
    assert_eq!(status, 200);
    assert_eq!(count(&html, ".session-item"), 1);
    assert_eq!(count(&html, ".session-item.current"), 1);
}

#[tokio::test]
async fn a_session_cannot_close_another_persons_session() {
    let app = spawn_app().await;
    app.user(ANA, Role::Solicitante, ANA_PASSWORD).await;
    app.user(
        "beto@regioncajamarca.gob.pe",
        Role::Solicitante,
        "clave de beto 123",
    )
    .await;
    let beto = new_browser();
    app.sign_in(&beto, "beto@regioncajamarca.gob.pe", "clave de beto 123")
        .await;
    let beto_html = app.page_in(&beto, "/perfil").await.1;
    let beto_id = crate::helpers::attr(&beto_html, ".session-item.current", "data-session")
        .expect("the current session carries its handle");

    app.log_in_browser(ANA, ANA_PASSWORD).await;
    let (_, html) = app.page("/perfil").await;
    let res = app
        .submit(
            &format!("/perfil/sesiones/{beto_id}/cerrar"),
            &[("csrf_token", &csrf_token(&html))],
        )
        .await;
    assert_eq!(res.status(), 404);
    let res = beto.get(app.url("/perfil")).send().await.unwrap();
    assert_eq!(res.status(), 200, "Beto is still signed in");
}

/// The "Cerrar" form's action of the session row whose kind is `kind`.
fn doc_session_action(html: &str, kind: &str) -> String {
    let page = crate::helpers::doc(html);
    let item = scraper::Selector::parse(".session-item").unwrap();
    let strong = scraper::Selector::parse(".session-what strong").unwrap();
    let form = scraper::Selector::parse("form").unwrap();
    page.select(&item)
        .find(|li| {
            li.select(&strong)
                .next()
                .is_some_and(|s| s.text().collect::<String>() == kind)
        })
        .and_then(|li| li.select(&form).next())
        .and_then(|f| f.value().attr("action"))
        .expect("a Cerrar form on that row")
        .to_owned()
}
