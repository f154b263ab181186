//! Health, metrics, the OpenAPI document and housekeeping.

use certdesk::jobs::housekeeping;
use domain::role::Role;
use jiff::SignedDuration;
use serde_json::Value;

use crate::helpers::{app_at, at, backend_name, spawn_app};

#[tokio::test]
async fn healthz_answers_ok_when_the_database_answers() {
    let app = spawn_app().await;
    let res = app.get("/healthz", None).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"status": "ok"}));
    assert_eq!(app.app.store.backend().as_str(), backend_name());
}

#[tokio::test]
async fn metrics_are_in_prometheus_format() {
    let app = spawn_app().await;
    let admin = app.token_for(Role::Admin).await;
    app.get("/healthz", None).await;
    let text = app
        .get("/metrics", Some(&admin))
        .await
        .text()
        .await
        .unwrap();
    assert!(text.contains("certdesk_http_requests_total"), "{text}");
    assert!(text.contains("route=\"/healthz\""));
}

#[tokio::test]
async fn the_openapi_document_is_generated_from_the_code() {
    let app = spawn_app().await;
    let doc: Value = app
        .get("/api/v1/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/session",
        "/api/v1/me",
        "/api/v1/access-requests",
        "/api/v1/access-requests/{id}/approve",
        "/api/v1/outbox",
        "/healthz",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    assert!(doc["components"]["schemas"].get("Problem").is_some());
}

#[tokio::test]
async fn housekeeping_removes_expired_sessions() {
    const START: &str = "2026-11-20T15:00:00Z";
    let (app, clock) = app_at(START).await;
    let start = at(START);
    let token = app.token_for(Role::Solicitante).await;
    let report = housekeeping::run_once(&app.app, start).await.unwrap();
    assert_eq!(report.sessions_removed, 0);
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.status(), 200);

    let later = start
        .checked_add(SignedDuration::from_hours(24 * 31))
        .unwrap();
    clock.set(later);
    assert_eq!(
        app.get("/api/v1/me", Some(&token)).await.status(),
        401,
        "expired"
    );
    let report = housekeeping::run_once(&app.app, later).await.unwrap();
    assert_eq!(report.sessions_removed, 1);
}
