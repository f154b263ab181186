//! Access requests through the API: filing, validation, approval with its e-mail, rejection.

use domain::role::Role;
use serde_json::{json, Value};

use crate::helpers::{access_request, csrf_token, problem, spawn_app, TestApp};

#[tokio::test]
async fn a_personal_email_is_refused_with_a_spanish_422_naming_the_field() {
    let app = spawn_app().await;
    let res = app
        .post_json(
            "/api/v1/access-requests",
            None,
            &access_request("carmen.tello@gmail.com"),
        )
        .await;
    let body = problem(res, 422).await;
    let messages = body["errors"]["email"].as_array().unwrap();
    assert!(
        messages[0].as_str().unwrap().contains("gmail.com"),
        "{body}"
    );
    assert_eq!(
        body["errors"].as_object().unwrap().len(),
        1,
        "only the e-mail fails: {body}"
    );
}

#[tokio::test]
async fn every_failing_field_is_listed_at_once() {
    let app = spawn_app().await;
    let res = app
        .post_json(
            "/api/v1/access-requests",
            None,
            &json!({"full_name": "", "dni": "1234", "start_date": "2999-01-01", "email": "x@hotmail.com"}),
        )
        .await;
    let body = problem(res, 422).await;
    let errors = body["errors"].as_object().unwrap();
    for field in [
        "full_name",
        "dni",
        "position",
        "unit",
        "dependency",
        "start_date",
        "email",
    ] {
        assert!(errors.contains_key(field), "{field} missing in {body}");
    }
}

/// The access requests an admin sees.
async fn stored_requests(app: &TestApp, admin: &str) -> Vec<Value> {
    let list: Value = app
        .get("/api/v1/access-requests?status=todas", Some(admin))
        .await
        .json()
        .await
        .unwrap();
    list["items"].as_array().unwrap().clone()
}

/// The answer to filing: status, and the body with its id taken out (ids always differ).
async fn answer_shape(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let mut body: Value = res.json().await.unwrap();
    let id = body["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a UUID: {body}");
    body["id"] = Value::Null;
    (status, body)
}

#[tokio::test]
async fn a_second_request_for_a_pending_address_gets_the_same_answer_and_stores_nothing() {
    let app = spawn_app().await;
    let body = access_request("carmen.tello@regioncajamarca.gob.pe");
    let first = answer_shape(app.post_json("/api/v1/access-requests", None, &body).await).await;
    assert_eq!(first.0, 201);
    assert_eq!(first.1["status"], "pendiente");
    let again = answer_shape(app.post_json("/api/v1/access-requests", None, &body).await).await;
    assert_eq!(again, first, "nothing tells that the address already asked");
    let admin = app.token_for(Role::Admin).await;
    assert_eq!(stored_requests(&app, &admin).await.len(), 1);
}

#[tokio::test]
async fn a_request_for_an_address_with_an_account_answers_like_a_new_one_and_mails_its_owner() {
    let app = spawn_app().await;
    let new = answer_shape(
        app.post_json(
            "/api/v1/access-requests",
            None,
            &access_request("nuevo.ingreso@regioncajamarca.gob.pe"),
        )
        .await,
    )
    .await;
    app.user(
        "ya.tiene@regioncajamarca.gob.pe",
        Role::Solicitante,
        "la clave de quien ya tiene",
    )
    .await;
    let existing = access_request("Ya.Tiene@regioncajamarca.gob.pe");
    for _ in 0..2 {
        let known = answer_shape(
            app.post_json("/api/v1/access-requests", None, &existing)
                .await,
        )
        .await;
        assert_eq!(known, new, "the same answer as for an address nobody uses");
    }
    // The page answers the same too.
    let res = app
        .post_form(
            &app.browser,
            "/solicitar-acceso",
            "/solicitar-acceso",
            &[
                ("full_name", "Carmen Rosa Tello Vásquez"),
                ("dni", "10117410"),
                ("position", "Asistente administrativo"),
                ("unit", "Oficina de Recursos Humanos"),
                ("dependency", "Sede central"),
                ("start_date", "2024-02-01"),
                ("email", "ya.tiene@regioncajamarca.gob.pe"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("ya.tiene@regioncajamarca.gob.pe"));

    let admin = app.token_for(Role::Admin).await;
    let stored = stored_requests(&app, &admin).await;
    let emails: Vec<&str> = stored
        .iter()
        .map(|r| r["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        ["nuevo.ingreso@regioncajamarca.gob.pe"],
        "nothing stored"
    );
    // The owner hears of it, once a day at most.
    let outbox: Value = app
        .get("/api/v1/outbox", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    let to_owner: Vec<&Value> = outbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["to"] == "ya.tiene@regioncajamarca.gob.pe")
        .collect();
    assert_eq!(to_owner.len(), 1, "{outbox}");
    assert!(to_owner[0]["subject"]
        .as_str()
        .unwrap()
        .contains("Se pidió acceso a certdesk con su correo"));
    assert!(to_owner[0]["body_text"]
        .as_str()
        .unwrap()
        .contains("¿Olvidó su contraseña?"));
}

#[tokio::test]
async fn one_client_address_may_file_only_so_many_requests_an_hour() {
    let app = spawn_app().await;
    let limit = certdesk::app::access::MAX_ACCESS_REQUESTS_PER_IP;
    for i in 0..limit {
        let res = app
            .post_json(
                "/api/v1/access-requests",
                None,
                &access_request(&format!("persona{i}@regioncajamarca.gob.pe")),
            )
            .await;
        assert_eq!(res.status(), 201, "request {i}");
    }
    // Invalid forms are not counted: fixing a typo costs nothing.
    let res = app
        .post_json(
            "/api/v1/access-requests",
            None,
            &access_request("persona@gmail.com"),
        )
        .await;
    problem(res, 422).await;
    let res = app
        .post_json(
            "/api/v1/access-requests",
            None,
            &access_request("una.mas@regioncajamarca.gob.pe"),
        )
        .await;
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry), "{retry}");
    let body = problem(res, 429).await;
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("demasiadas solicitudes de acceso"));
    let admin = app.token_for(Role::Admin).await;
    assert_eq!(stored_requests(&app, &admin).await.len() as i64, limit);
}

#[tokio::test]
async fn approval_creates_the_account_and_mails_a_one_time_link_that_sets_the_password() {
    let app = spawn_app().await;
    let admin = app.token_for(Role::Admin).await;
    let res = app
        .post_json(
            "/api/v1/access-requests",
            None,
            &access_request("Carmen.Tello@regioncajamarca.gob.pe"),
        )
        .await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["status"], "pendiente");
    let id = created["id"].as_str().unwrap();

    let list: Value = app
        .get("/api/v1/access-requests", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        list["items"][0]["email"],
        "carmen.tello@regioncajamarca.gob.pe"
    );
    assert_eq!(list["next"], Value::Null);

    let res = app
        .post_json(
            &format!("/api/v1/access-requests/{id}/approve"),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let user: Value = res.json().await.unwrap();
    assert_eq!(user["role"], "solicitante");
    assert_eq!(user["name"], "Carmen Rosa Tello Vásquez");

    // Approving twice is a state conflict.
    let again = app
        .post_json(
            &format!("/api/v1/access-requests/{id}/approve"),
            Some(&admin),
            &json!({}),
        )
        .await;
    problem(again, 409).await;

    let outbox: Value = app
        .get("/api/v1/outbox", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    let mails = outbox["items"].as_array().unwrap();
    assert_eq!(mails.len(), 2, "acknowledgement and approval: {outbox}");
    let approval = &mails[0];
    assert_eq!(approval["to"], "carmen.tello@regioncajamarca.gob.pe");
    assert!(approval["subject"].as_str().unwrap().contains("aprobado"));
    // The outbox keeps a placeholder; the mail gets its link when it is delivered.
    let stored = approval["body_text"].as_str().unwrap();
    assert!(
        stored.contains("/establecer-clave/[enlace-de-un-solo-uso]"),
        "{stored}"
    );
    let delivered = app
        .delivered(approval["message_id"].as_str().unwrap())
        .await;
    let path = &app.link_in_text(&delivered.text);

    let (status, html) = app.page(path).await;
    assert_eq!(status, 200);
    let csrf = csrf_token(&html);
    let res = app
        .submit(
            path,
            &[
                ("csrf_token", &csrf),
                ("password", "mi clave nueva 2026"),
                ("password_confirmation", "mi clave nueva 2026"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?aviso=clave");

    let token = app
        .login_token("carmen.tello@regioncajamarca.gob.pe", "mi clave nueva 2026")
        .await;
    let me = app.me(&token).await;
    assert_eq!(me["role"], "solicitante");

    // The link is spent.
    let (status, html) = app.page(path).await;
    assert_eq!(status, 410);
    assert!(html.contains("ya fue usado o venció"));
}

#[tokio::test]
async fn a_rejection_needs_a_reason_and_mails_it() {
    let app = spawn_app().await;
    let admin = app.token_for(Role::Admin).await;
    let created: Value = app
        .post_json(
            "/api/v1/access-requests",
            None,
            &access_request("pedro.ruiz@regioncajamarca.gob.pe"),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let path = format!("/api/v1/access-requests/{id}/reject");
    let body = problem(
        app.post_json(&path, Some(&admin), &json!({"reason": "  "}))
            .await,
        422,
    )
    .await;
    assert!(body["errors"]["reason"].is_array());

    let res = app
        .post_json(
            &path,
            Some(&admin),
            &json!({"reason": "No labora en la entidad."}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let rejected: Value = res.json().await.unwrap();
    assert_eq!(rejected["status"], "rechazada");
    let outbox: Value = app
        .get("/api/v1/outbox", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert!(outbox["items"][0]["body_text"]
        .as_str()
        .unwrap()
        .contains("No labora en la entidad."));
}

#[tokio::test]
async fn only_admins_reach_access_requests_and_the_outbox() {
    let app = spawn_app().await;
    let created: Value = app
        .post_json(
            "/api/v1/access-requests",
            None,
            &access_request("rosa.diaz@regioncajamarca.gob.pe"),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    for role in [Role::Solicitante, Role::Analista] {
        let token = app.token_for(role).await;
        problem(app.get("/api/v1/access-requests", Some(&token)).await, 403).await;
        problem(app.get("/api/v1/outbox", Some(&token)).await, 403).await;
        let res = app
            .post_json(
                &format!("/api/v1/access-requests/{id}/approve"),
                Some(&token),
                &json!({}),
            )
            .await;
        problem(res, 403).await;
    }
    let admin = app.token_for(Role::Admin).await;
    let res = app
        .post_json(
            "/api/v1/access-requests/no-existe/approve",
            Some(&admin),
            &json!({}),
        )
        .await;
    problem(res, 404).await;
}

#[tokio::test]
async fn lists_are_keyset_paginated() {
    let app = spawn_app().await;
    let admin = app.token_for(Role::Admin).await;
    for i in 0..5 {
        let res = app
            .post_json(
                "/api/v1/access-requests",
                None,
                &access_request(&format!("persona{i}@regioncajamarca.gob.pe")),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(cursor) => format!("/api/v1/access-requests?limit=2&after={cursor}"),
            None => "/api/v1/access-requests?limit=2".to_owned(),
        };
        let page: Value = app.get(&path, Some(&admin)).await.json().await.unwrap();
        for item in page["items"].as_array().unwrap() {
            seen.push(item["email"].as_str().unwrap().to_owned());
        }
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => break,
        }
    }
    let expected: Vec<String> = (0..5)
        .map(|i| format!("persona{i}@regioncajamarca.gob.pe"))
        .collect();
    assert_eq!(seen, expected, "oldest first, each once");
    problem(
        app.get("/api/v1/access-requests?limit=abc", Some(&admin))
            .await,
        400,
    )
    .await;
}
