//! Account administration (issue 12): `/admin/usuarios` and `/api/v1/users`. Admins only;
//! the last active admin stays; a deactivated account's sessions and tokens stop at once;
//! a new set-password link goes through the outbox.

use domain::role::Role;
use reqwest::Client;
use serde_json::{json, Value};

use crate::helpers::{
    attr, count, csrf_token, error_summary, field_error, location, notice, problem, spawn_app,
    text, texts, Person, TestApp, PASSWORD,
};

const ADMIN: &str = "rosa.admin@regioncajamarca.gob.pe";
const ANALYST: &str = "jorge.analista@regioncajamarca.gob.pe";
const REQUESTER: &str = "maria.solicitante@regioncajamarca.gob.pe";

/// An admin, an analyst and a requester, each signed in.
async fn three(app: &TestApp) -> (Person, Person, Person) {
    (
        Person::sign_up(app, ADMIN, Role::Admin).await,
        Person::sign_up(app, ANALYST, Role::Analista).await,
        Person::sign_up(app, REQUESTER, Role::Solicitante).await,
    )
}

/// `PATCH /api/v1/users/{id}` with `token`.
async fn patch_user(app: &TestApp, token: &str, id: &str, body: Value) -> reqwest::Response {
    app.patch_json(&format!("/api/v1/users/{id}"), token, &body)
        .await
}

/// `GET /api/v1/users/{id}` as `admin`, which must answer 200.
async fn user_json(app: &TestApp, admin: &str, id: &str) -> Value {
    let res = app.get(&format!("/api/v1/users/{id}"), Some(admin)).await;
    assert_eq!(res.status(), 200, "GET user {id}");
    res.json().await.unwrap()
}

/// `GET /api/v1/users{query}` as `admin`, which must answer 200.
async fn users_page(app: &TestApp, admin: &str, query: &str) -> Value {
    let res = app.get(&format!("/api/v1/users{query}"), Some(admin)).await;
    assert_eq!(res.status(), 200, "GET /api/v1/users{query}");
    res.json().await.unwrap()
}

fn emails(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_owned())
        .collect()
}

/// The set-password mails to `to`, newest first, read through the admins' API.
async fn link_mails(app: &TestApp, admin: &str, to: &str) -> Vec<Value> {
    let body: Value = app
        .get("/api/v1/outbox?limit=200", Some(admin))
        .await
        .json()
        .await
        .unwrap();
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "password_reset" && m["to"] == to)
        .cloned()
        .collect()
}

/// The path of the link in a mail's text part as it was delivered (the outbox keeps only
/// a placeholder).
async fn link_in(app: &TestApp, mail: &Value) -> String {
    let delivered = app.delivered(mail["message_id"].as_str().unwrap()).await;
    app.link_in_text(&delivered.text)
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

/// How many sessions and tokens the account has in the database.
async fn stored_sessions(app: &TestApp, id: &str) -> i64 {
    use sqlx::Row;
    let mut conn = app.app.store.conn().await.unwrap();
    sqlx::query("SELECT COUNT(*) AS n FROM sessions WHERE user_id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .try_get::<i64, _>("n")
        .unwrap()
}

#[tokio::test]
async fn analysts_and_requesters_are_refused_every_users_page_and_endpoint() {
    let app = spawn_app().await;
    let (admin, analyst, requester) = three(&app).await;
    let target = app.me_by_email(REQUESTER).await;
    let account = format!("/admin/usuarios/{target}");

    for who in [&analyst, &requester] {
        for path in ["/admin/usuarios", account.as_str()] {
            let (status, html) = who.page(&app, path).await;
            assert_eq!(status, 403, "{} GET {path}", who.email);
            assert!(html.contains("Acceso denegado"), "{path}");
        }
        for (action, fields) in [
            ("rol", vec![("rol", "admin")]),
            ("desactivar", vec![("confirmar", "si")]),
            ("reactivar", vec![]),
            ("enlace", vec![]),
        ] {
            let res = who
                .post(&app, "/", &format!("{account}/{action}"), &fields)
                .await;
            assert_eq!(res.status(), 403, "{} POST {action}", who.email);
        }
        let token = Some(who.token.as_str());
        problem(app.get("/api/v1/users", token).await, 403).await;
        problem(app.get("/api/v1/users?role=admin", token).await, 403).await;
        problem(
            app.get(&format!("/api/v1/users/{target}"), token).await,
            403,
        )
        .await;
        for body in [
            json!({"role": "admin"}),
            json!({"active": false}),
            json!({}),
        ] {
            problem(patch_user(&app, &who.token, &target, body).await, 403).await;
        }
        let link = format!("/api/v1/users/{target}/password-link");
        problem(app.post_json(&link, token, &json!({})).await, 403).await;
    }

    // Nothing changed, nothing was sent; the admin reaches all of it.
    let me = user_json(&app, &admin.token, &target).await;
    assert_eq!(
        (me["role"].as_str(), me["active"].as_bool()),
        (Some("solicitante"), Some(true))
    );
    assert!(link_mails(&app, &admin.token, REQUESTER).await.is_empty());
    assert_eq!(requester.page(&app, "/tramites").await.0, 200);
    assert_eq!(admin.page(&app, "/admin/usuarios").await.0, 200);
    assert_eq!(admin.page(&app, &account).await.0, 200);
}

#[tokio::test]
async fn the_list_searches_names_and_emails_filters_by_role_and_state_and_pages_by_name() {
    let app = spawn_app().await;
    let admin = Person::sign_up_named(&app, ADMIN, "Rosa Quispe Chávez", Role::Admin).await;
    for (email, name, role) in [
        (
            "jorge.huaman@regioncajamarca.gob.pe",
            "Jorge Huamán Díaz",
            Role::Analista,
        ),
        (
            "maria.cabrera@regioncajamarca.gob.pe",
            "María Cabrera Llanos",
            Role::Solicitante,
        ),
        (
            "elena.ruiz@regioncajamarca.gob.pe",
            "Elena Ruiz Vásquez",
            Role::Solicitante,
        ),
        (
            "pedro.chavez@regioncajamarca.gob.pe",
            "Pedro Pablo Chávez",
            Role::Solicitante,
        ),
    ] {
        certdesk::app::auth::create_user(&app.app, email, name, role, PASSWORD)
            .await
            .unwrap();
    }
    let elena = app.me_by_email("elena.ruiz@regioncajamarca.gob.pe").await;
    let res = patch_user(&app, &admin.token, &elena, json!({"active": false})).await;
    assert_eq!(res.status(), 200);

    // By name, accents and case ignored; by e-mail; every word must match.
    let page = users_page(&app, &admin.token, "?q=CHAVEZ").await;
    assert_eq!(
        emails(&page),
        ["pedro.chavez@regioncajamarca.gob.pe", ADMIN],
        "by name: Pedro Pablo before Rosa"
    );
    let page = users_page(&app, &admin.token, "?q=maria.cabrera").await;
    assert_eq!(emails(&page), ["maria.cabrera@regioncajamarca.gob.pe"]);
    let page = users_page(&app, &admin.token, "?q=ch%C3%A1vez%20rosa").await;
    assert_eq!(emails(&page), [ADMIN]);
    let page = users_page(&app, &admin.token, "?q=100%25").await;
    assert!(emails(&page).is_empty(), "% is literal");

    // Role and state.
    let page = users_page(&app, &admin.token, "?role=analista").await;
    assert_eq!(emails(&page), ["jorge.huaman@regioncajamarca.gob.pe"]);
    let page = users_page(&app, &admin.token, "?active=false").await;
    assert_eq!(emails(&page), ["elena.ruiz@regioncajamarca.gob.pe"]);
    let item = &page["items"][0];
    assert_eq!(item["full_name"], "Elena Ruiz Vásquez");
    assert_eq!(item["role"], "solicitante");
    assert_eq!(item["active"], false);
    assert!(item["created_at"].as_str().unwrap().ends_with("-05:00"));
    assert!(item["last_login_at"].is_null(), "never signed in");
    let page = users_page(&app, &admin.token, "?role=solicitante&active=true").await;
    assert_eq!(
        emails(&page),
        [
            "maria.cabrera@regioncajamarca.gob.pe",
            "pedro.chavez@regioncajamarca.gob.pe"
        ]
    );
    let me = &users_page(&app, &admin.token, "?role=admin").await["items"][0];
    assert!(
        me["last_login_at"].as_str().is_some(),
        "the admin signed in"
    );

    // Keyset pages by name: every account once, in order.
    let mut seen = Vec::new();
    let mut query = "?limit=2".to_owned();
    loop {
        let page = users_page(&app, &admin.token, &query).await;
        seen.extend(emails(&page));
        match page["next"].as_str() {
            Some(next) => query = format!("?limit=2&after={next}"),
            None => break,
        }
    }
    assert_eq!(
        seen,
        [
            "elena.ruiz@regioncajamarca.gob.pe",
            "jorge.huaman@regioncajamarca.gob.pe",
            "maria.cabrera@regioncajamarca.gob.pe",
            "pedro.chavez@regioncajamarca.gob.pe",
            ADMIN,
        ]
    );

    // Bad filters: 422 naming each field, in Spanish.
    let res = app
        .get("/api/v1/users?role=jefe&active=quizas", Some(&admin.token))
        .await;
    let body = problem(res, 422).await;
    assert!(body["errors"]["role"][0]
        .as_str()
        .unwrap()
        .contains("solicitante, analista o admin"));
    assert!(body["errors"]["active"][0].as_str().is_some());
    problem(
        app.get("/api/v1/users?after=x", Some(&admin.token)).await,
        400,
    )
    .await;

    // The page: the same search, each name linking to the account.
    let (status, html) = admin
        .page(&app, "/admin/usuarios?q=chavez&rol=&estado=activas")
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        texts(&html, ".users-table tbody th a"),
        ["Pedro Pablo Chávez", "Rosa Quispe Chávez"]
    );
    assert_eq!(
        texts(&html, ".users-table tbody td[data-label='Estado']"),
        ["Activa", "Activa"]
    );
    let (_, html) = admin
        .page(&app, "/admin/usuarios?estado=desactivadas")
        .await;
    assert_eq!(
        texts(&html, ".users-table tbody th a"),
        ["Elena Ruiz Vásquez"]
    );
    assert_eq!(
        attr(&html, ".users-table tbody th a", "href").unwrap(),
        format!("/admin/usuarios/{elena}")
    );
    let (status, html) = admin.page(&app, "/admin/usuarios?rol=jefe").await;
    assert_eq!(status, 422);
    assert_eq!(error_summary(&html)[0].0, "#rol");
    assert!(field_error(&html, "rol").contains("solicitante, analista o admin"));
}

#[tokio::test]
async fn the_last_active_admin_can_be_neither_demoted_nor_deactivated() {
    let app = spawn_app().await;
    let rosa = Person::sign_up(&app, ADMIN, Role::Admin).await;
    let rosa_id = app.me_by_email(ADMIN).await;

    for body in [
        json!({"role": "analista"}),
        json!({"role": "solicitante"}),
        json!({"active": false}),
        json!({"role": "admin", "active": false}),
    ] {
        let res = patch_user(&app, &rosa.token, &rosa_id, body.clone()).await;
        let problem = problem(res, 409).await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("último administrador activo"),
            "{body}: {problem}"
        );
    }
    // The page says so too, and nothing changed.
    let account = format!("/admin/usuarios/{rosa_id}");
    let res = rosa
        .post(
            &app,
            &account,
            &format!("{account}/rol"),
            &[("rol", "analista")],
        )
        .await;
    assert_eq!(res.status(), 409);
    let html = res.text().await.unwrap();
    assert!(text(&html, ".alert[role=alert]").contains("último administrador activo"));
    let res = rosa
        .post(
            &app,
            &account,
            &format!("{account}/desactivar"),
            &[("confirmar", "si")],
        )
        .await;
    assert_eq!(res.status(), 409);
    let me = user_json(&app, &rosa.token, &rosa_id).await;
    assert_eq!(
        (me["role"].as_str(), me["active"].as_bool()),
        (Some("admin"), Some(true))
    );

    // A second active admin: then either may go, but not both.
    let luis = Person::sign_up(&app, "luis.admin@regioncajamarca.gob.pe", Role::Admin).await;
    let luis_id = app.me_by_email(&luis.email).await;
    let res = patch_user(&app, &rosa.token, &luis_id, json!({"active": false})).await;
    assert_eq!(res.status(), 200);
    problem(
        patch_user(&app, &rosa.token, &rosa_id, json!({"role": "analista"})).await,
        409,
    )
    .await;
    // A deactivated admin is no admin to count: reactivated, Rosa may step down.
    let res = patch_user(&app, &rosa.token, &luis_id, json!({"active": true})).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (body["role"].as_str(), body["active"].as_bool()),
        (Some("admin"), Some(true))
    );
    let res = patch_user(&app, &rosa.token, &rosa_id, json!({"role": "analista"})).await;
    assert_eq!(res.status(), 200);
    // Her role counts at once: she is no admin any more, and Luis is now the last one.
    problem(app.get("/api/v1/users", Some(&rosa.token)).await, 403).await;
    let luis_token = app.login_token(&luis.email, PASSWORD).await;
    problem(
        patch_user(&app, &luis_token, &luis_id, json!({"active": false})).await,
        409,
    )
    .await;
}

#[tokio::test]
async fn a_role_change_counts_from_the_next_request_and_a_bad_role_is_422() {
    let app = spawn_app().await;
    let (admin, _, requester) = three(&app).await;
    let id = app.me_by_email(REQUESTER).await;
    problem(app.get("/api/v1/queue", Some(&requester.token)).await, 403).await;

    let body = problem(
        patch_user(&app, &admin.token, &id, json!({"role": "jefe"})).await,
        422,
    )
    .await;
    assert!(body["errors"]["role"][0]
        .as_str()
        .unwrap()
        .contains("el rol"));
    problem(
        patch_user(&app, &admin.token, &id, json!({"rol": "admin"})).await,
        422,
    )
    .await;
    problem(
        patch_user(
            &app,
            &admin.token,
            "00000000-0000-7000-8000-000000000000",
            json!({"role": "admin"}),
        )
        .await,
        404,
    )
    .await;

    let res = patch_user(&app, &admin.token, &id, json!({"role": " Analista "})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["role"], "analista");
    assert_eq!(
        app.get("/api/v1/queue", Some(&requester.token))
            .await
            .status(),
        200
    );
    assert_eq!(requester.page(&app, "/analista/cola").await.0, 200);

    // On the page: the select, then the notice with the new role.
    let account = format!("/admin/usuarios/{id}");
    let res = admin
        .post(
            &app,
            &account,
            &format!("{account}/rol"),
            &[("rol", "solicitante")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("{account}?aviso=rol"));
    let (_, html) = admin.page(&app, &location(&res)).await;
    assert_eq!(
        notice(&html).unwrap(),
        "Rol cambiado: ahora es Solicitante."
    );
    assert_eq!(
        attr(&html, "#rol option[selected]", "value").as_deref(),
        Some("solicitante")
    );
    assert_eq!(requester.page(&app, "/analista/cola").await.0, 403);
    let res = admin
        .post(
            &app,
            &account,
            &format!("{account}/rol"),
            &[("rol", "jefe")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(field_error(&html, "rol").contains("solicitante, analista o admin"));
}

#[tokio::test]
async fn a_deactivated_users_token_and_browser_session_stop_at_once_until_reactivated() {
    let app = spawn_app().await;
    let (admin, _, requester) = three(&app).await;
    let id = app.me_by_email(REQUESTER).await;
    assert_eq!(
        app.get("/api/v1/me", Some(&requester.token)).await.status(),
        200
    );
    assert_eq!(requester.page(&app, "/tramites").await.0, 200);
    assert_eq!(stored_sessions(&app, &id).await, 2);

    // Without the confirmation box nothing happens.
    let account = format!("/admin/usuarios/{id}");
    let res = admin
        .post(&app, &account, &format!("{account}/desactivar"), &[])
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert_eq!(error_summary(&html)[0].0, "#confirmar");
    assert!(field_error(&html, "confirmar").contains("Marque la casilla"));
    assert_eq!(
        app.get("/api/v1/me", Some(&requester.token)).await.status(),
        200
    );

    let res = admin
        .post(
            &app,
            &account,
            &format!("{account}/desactivar"),
            &[("confirmar", "si")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = admin.page(&app, &location(&res)).await;
    assert!(notice(&html).unwrap().starts_with("Cuenta desactivada"));
    assert_eq!(text(&html, ".title-with-badge .status"), "Desactivada");

    // The very next request with either is refused; nothing of them is left.
    let res = app.get("/api/v1/me", Some(&requester.token)).await;
    problem(res, 401).await;
    let res = requester
        .browser
        .get(app.url("/tramites"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login");
    assert_eq!(stored_sessions(&app, &id).await, 0);
    assert_eq!(login_status(&app, REQUESTER, PASSWORD).await, 401);
    let listed = users_page(&app, &admin.token, "?active=false").await;
    assert_eq!(emails(&listed), [REQUESTER]);

    // Reactivated: the password works again; the old token stays closed.
    let (_, html) = admin.page(&app, &account).await;
    assert_eq!(count(&html, "#confirmar"), 0, "no deactivation form");
    let res = admin
        .post(&app, &account, &format!("{account}/reactivar"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = admin.page(&app, &location(&res)).await;
    assert!(notice(&html).unwrap().starts_with("Cuenta reactivada"));
    assert_eq!(login_status(&app, REQUESTER, PASSWORD).await, 200);
    assert_eq!(
        app.get("/api/v1/me", Some(&requester.token)).await.status(),
        401
    );
}

#[tokio::test]
async fn deactivating_through_the_api_refuses_the_token_on_its_next_request() {
    let app = spawn_app().await;
    let (admin, analyst, _) = three(&app).await;
    let id = app.me_by_email(ANALYST).await;
    assert_eq!(
        app.get("/api/v1/queue", Some(&analyst.token))
            .await
            .status(),
        200
    );

    let res = patch_user(&app, &admin.token, &id, json!({"active": false})).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (body["active"].as_bool(), body["role"].as_str()),
        (Some(false), Some("analista"))
    );

    let body = problem(app.get("/api/v1/queue", Some(&analyst.token)).await, 401).await;
    assert!(body["detail"].as_str().unwrap().contains("token"));
    assert_eq!(analyst.page(&app, "/analista/cola").await.0, 303);
}

#[tokio::test]
async fn a_new_set_password_link_lands_in_the_outbox_and_retires_the_older_one() {
    let app = spawn_app().await;
    let (admin, _, requester) = three(&app).await;
    let id = app.me_by_email(REQUESTER).await;

    let res = app
        .post_json(
            &format!("/api/v1/users/{id}/password-link"),
            Some(&admin.token),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 202);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["email"], REQUESTER);
    assert!(body["expires_at"].as_str().is_some());
    let mails = link_mails(&app, &admin.token, REQUESTER).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(
        mails[0]["subject"],
        "Enlace para elegir su contraseña de certdesk"
    );
    assert!(mails[0]["body_text"]
        .as_str()
        .unwrap()
        .contains("Un administrador"));
    let first = link_in(&app, &mails[0]).await;
    assert!(first.starts_with("/establecer-clave/"), "{first}");
    assert_eq!(app.page_in(&Client::new(), &first).await.0, 200);
    // The current password still works until the link is used.
    assert_eq!(login_status(&app, REQUESTER, PASSWORD).await, 200);

    // From the page: a second link; the first stops working.
    let account = format!("/admin/usuarios/{id}");
    let res = admin
        .post(&app, &account, &format!("{account}/enlace"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = admin.page(&app, &location(&res)).await;
    assert_eq!(
        notice(&html).unwrap(),
        format!("Enlace enviado a {REQUESTER}: vale por 72 horas y se usa una sola vez.")
    );
    let mails = link_mails(&app, &admin.token, REQUESTER).await;
    assert_eq!(mails.len(), 2);
    let second = link_in(&app, &mails[0]).await;
    assert_ne!(first, second);
    assert_eq!(app.page_in(&Client::new(), &first).await.0, 410);

    // The link sets the password and closes the account's sessions.
    let browser = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    let html = app.page_in(&browser, &second).await.1;
    let new_password = "una clave nueva de maria";
    let res = browser
        .post(app.url(&second))
        .form(&[
            ("csrf_token", csrf_token(&html).as_str()),
            ("password", new_password),
            ("password_confirmation", new_password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(login_status(&app, REQUESTER, PASSWORD).await, 401);
    assert_eq!(login_status(&app, REQUESTER, new_password).await, 200);
    assert_eq!(
        app.get("/api/v1/me", Some(&requester.token)).await.status(),
        401
    );

    // A deactivated account gets no link.
    patch_user(&app, &admin.token, &id, json!({"active": false})).await;
    let res = app
        .post_json(
            &format!("/api/v1/users/{id}/password-link"),
            Some(&admin.token),
            &json!({}),
        )
        .await;
    problem(res, 409).await;
    assert_eq!(link_mails(&app, &admin.token, REQUESTER).await.len(), 2);
}

/// The audit entries about `subject`, oldest first: action, actor id and details, read
/// through the admins' API (`GET /api/v1/audit`).
async fn audited(
    app: &TestApp,
    admin: &str,
    subject: &str,
) -> Vec<(String, Option<String>, Value)> {
    let page = users_page_at(app, admin, "/api/v1/audit?action=user&limit=200").await;
    let mut entries: Vec<(String, Option<String>, Value)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["subject"] == subject && e["action"] != "user.password_set")
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["actor"].as_str().map(str::to_owned),
                e["detail"].clone(),
            )
        })
        .collect();
    entries.reverse();
    entries
}

async fn users_page_at(app: &TestApp, token: &str, path: &str) -> Value {
    let res = app.get(path, Some(token)).await;
    assert_eq!(res.status(), 200, "GET {path}");
    res.json().await.unwrap()
}

#[tokio::test]
async fn each_change_is_audited_with_who_did_it_and_no_secret() {
    let app = spawn_app().await;
    let (admin, _, _) = three(&app).await;
    let admin_id = app.me_by_email(ADMIN).await;
    let id = app.me_by_email(REQUESTER).await;
    let subject = format!("user:{id}");
    assert!(audited(&app, &admin.token, &subject).await.is_empty());

    patch_user(&app, &admin.token, &id, json!({"role": "analista"})).await;
    patch_user(&app, &admin.token, &id, json!({"role": "analista"})).await; // no change
    patch_user(&app, &admin.token, &id, json!({"active": false})).await;
    patch_user(
        &app,
        &admin.token,
        &id,
        json!({"active": true, "role": "solicitante"}),
    )
    .await;
    app.post_json(
        &format!("/api/v1/users/{id}/password-link"),
        Some(&admin.token),
        &json!({}),
    )
    .await;
    // Refused changes leave nothing.
    problem(
        patch_user(&app, &admin.token, &admin_id, json!({"active": false})).await,
        409,
    )
    .await;

    let entries = audited(&app, &admin.token, &subject).await;
    let actions: Vec<&str> = entries.iter().map(|(a, _, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "user.role_changed",
            "user.disabled",
            "user.role_changed",
            "user.reactivated",
            "user.password_link_sent"
        ]
    );
    assert!(entries
        .iter()
        .all(|(_, actor, _)| actor.as_deref() == Some(admin_id.as_str())));
    assert_eq!(
        entries[0].2,
        json!({"from": "solicitante", "to": "analista"})
    );
    assert_eq!(
        entries[1].2["sessions_closed"], 2,
        "browser and token: {}",
        entries[1].2
    );
    assert_eq!(
        entries[2].2,
        json!({"from": "analista", "to": "solicitante"})
    );
    let link = &entries[4].2;
    assert!(link["expires_at"].as_str().is_some());
    let mail = &link_mails(&app, &admin.token, REQUESTER).await[0];
    let secret = link_in(&app, mail).await;
    let secret = secret.trim_start_matches("/establecer-clave/");
    assert!(
        !link.to_string().contains(secret),
        "the link stays out of the log"
    );
    assert!(audited(&app, &admin.token, &format!("user:{admin_id}"))
        .await
        .iter()
        .all(|(a, _, _)| a != "user.disabled"));
}

#[tokio::test]
async fn two_admins_deactivating_each_other_at_once_leave_one_active_admin() {
    let app = spawn_app().await;
    let rosa = Person::sign_up(&app, ADMIN, Role::Admin).await;
    let luis = Person::sign_up(&app, "luis.admin@regioncajamarca.gob.pe", Role::Admin).await;
    let rosa_id = app.me_by_email(ADMIN).await;
    let luis_id = app.me_by_email(&luis.email).await;

    let (a, b) = tokio::join!(
        patch_user(&app, &rosa.token, &luis_id, json!({"active": false})),
        patch_user(&app, &luis.token, &rosa_id, json!({"active": false})),
    );
    let statuses = [a.status().as_u16(), b.status().as_u16()];
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "exactly one wins: {statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [200, 401, 403, 409].contains(s)),
        "{statuses:?}"
    );
    let mut conn = app.app.store.conn().await.unwrap();
    assert_eq!(
        certdesk::store::users::count_active_admins(&mut conn)
            .await
            .unwrap(),
        1
    );
}
