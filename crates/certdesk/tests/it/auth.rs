//! Accounts, the CLI, API sessions, rate limits and JSON errors.

use domain::role::Role;
use serde_json::json;

use crate::helpers::{problem, spawn_app};

#[tokio::test]
async fn an_account_created_with_the_cli_can_log_in_and_read_itself() {
    let app = spawn_app().await;
    let out = app.cli_user_create(
        &[
            "--email",
            "Jefa.TI@regioncajamarca.gob.pe",
            "--name",
            "Elena Ruiz Campos",
            "--role",
            "admin",
        ],
        "una clave bastante larga\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let token = app
        .login_token("jefa.ti@regioncajamarca.gob.pe", "una clave bastante larga")
        .await;
    let me = app.me(&token).await;
    assert_eq!(me["email"], "jefa.ti@regioncajamarca.gob.pe");
    assert_eq!(me["name"], "Elena Ruiz Campos");
    assert_eq!(me["role"], "admin");
}

#[tokio::test]
async fn the_cli_refuses_a_personal_email_in_spanish() {
    let app = spawn_app().await;
    let out = app.cli_user_create(
        &[
            "--email",
            "ana@gmail.com",
            "--name",
            "Ana Pérez",
            "--role",
            "solicitante",
        ],
        "una clave bastante larga",
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("correo personal"), "{stderr}");
}

#[tokio::test]
async fn a_bad_login_is_a_spanish_401_problem() {
    let app = spawn_app().await;
    app.user(
        "ana@regioncajamarca.gob.pe",
        Role::Solicitante,
        "clave correcta 1",
    )
    .await;
    let res = app
        .post_json(
            "/api/v1/session",
            None,
            &json!({"email": "ana@regioncajamarca.gob.pe", "password": "otra clave"}),
        )
        .await;
    let body = problem(res, 401).await;
    assert_eq!(body["detail"], "Correo o contraseña incorrectos.");

    let res = app
        .post_json(
            "/api/v1/session",
            None,
            &json!({"email": "nadie@regioncajamarca.gob.pe", "password": "x"}),
        )
        .await;
    let body = problem(res, 401).await;
    assert_eq!(
        body["detail"], "Correo o contraseña incorrectos.",
        "unknown accounts answer the same"
    );
}

#[tokio::test]
async fn repeated_failed_logins_from_one_client_make_it_wait_even_with_the_right_password() {
    let app = spawn_app().await;
    app.user(
        "luis@regioncajamarca.gob.pe",
        Role::Solicitante,
        "clave correcta 1",
    )
    .await;
    let wrong = json!({"email": "luis@regioncajamarca.gob.pe", "password": "incorrecta"});
    for _ in 0..certdesk::app::auth::MAX_FAILURES_PER_PAIR {
        problem(app.post_json("/api/v1/session", None, &wrong).await, 401).await;
    }
    let right = json!({"email": "luis@regioncajamarca.gob.pe", "password": "clave correcta 1"});
    let body = problem(app.post_json("/api/v1/session", None, &right).await, 429).await;
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("Demasiados intentos"));
}

#[tokio::test]
async fn malformed_json_is_a_spanish_400_problem_not_a_500() {
    let app = spawn_app().await;
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/access-requests"))
        .header("content-type", "application/json")
        .body("{\"full_name\": \"Ana\", ")
        .send()
        .await
        .unwrap();
    let body = problem(res, 400).await;
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("no es JSON válido"));

    let res = reqwest::Client::new()
        .post(app.url("/api/v1/session"))
        .header("content-type", "application/json")
        .body("{\"email\": 5}")
        .send()
        .await
        .unwrap();
    let body = problem(res, 422).await;
    assert!(body["errors"]["email"].is_array(), "{body}");

    let res = reqwest::Client::new()
        .post(app.url("/api/v1/session"))
        .body("email=a")
        .send()
        .await
        .unwrap();
    problem(res, 415).await;
}

#[tokio::test]
async fn the_api_needs_a_valid_token() {
    let app = spawn_app().await;
    problem(app.get("/api/v1/me", None).await, 401).await;
    problem(app.get("/api/v1/me", Some("no-es-un-token")).await, 401).await;
    let token = app.token_for(Role::Analista).await;
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.status(), 200);
    let res = reqwest::Client::new()
        .delete(app.url("/api/v1/session"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    problem(app.get("/api/v1/me", Some(&token)).await, 401).await;
}

#[tokio::test]
async fn tokens_are_stored_hashed() {
    let app = spawn_app().await;
    let token = app.token_for(Role::Solicitante).await;
    let mut conn = app.app.store.conn().await.unwrap();
    let rows: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM sessions")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_ne!(rows[0], token);
    assert_eq!(rows[0], certdesk::app::auth::token_hash(&token));
}
