//! The audit log: what is on record, who may read it, and the hash chain that
//! `certdesk audit verify` checks.

use std::process::Output;

use domain::role::Role;
use serde_json::{json, Value};
use sqlx::Executor;

use crate::helpers::*;

/// `certdesk audit verify` against this app's database.
fn verify_cli(app: &TestApp) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_certdesk"))
        .args(["audit", "verify"])
        .env("CERTDESK_DATABASE_URL", &app.database_url)
        .env("CERTDESK_DATA_DIR", app.dir.path())
        .output()
        .unwrap()
}

async fn audit_page(app: &TestApp, token: &str, query: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/audit?{query}"), Some(token))
        .await;
    assert_eq!(res.status(), 200, "audit?{query}");
    res.json().await.unwrap()
}

fn actions(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

async fn count_rows(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.app.store.pool().acquire().await.unwrap();
    let row = sqlx::query(sql).fetch_one(&mut *conn).await.unwrap();
    sqlx::Row::try_get(&row, 0).unwrap()
}

#[tokio::test]
async fn logins_views_and_ticket_moves_are_on_record_with_who_and_where() {
    let app = spawn_app().await;
    let admin = app.token_for(Role::Admin).await;
    let requester =
        Person::sign_up(&app, "ana.quispe@regioncajamarca.gob.pe", Role::Solicitante).await;
    // A wrong password for an account, and one for an address with no account.
    for email in [
        "ana.quispe@regioncajamarca.gob.pe",
        "nadie@regioncajamarca.gob.pe",
    ] {
        let res = app
            .post_json(
                "/api/v1/session",
                None,
                &json!({"email": email, "password": "equivocada-123"}),
            )
            .await;
        assert_eq!(res.status(), 401);
    }
    let (ticket, number) = submitted(&app, &requester.token, "45678912").await;
    let shown = ticket_json(&app, &requester.token, &ticket).await;
    let applicant = shown["applicants"][0]["id"].as_str().unwrap().to_owned();
    let res = app
        .get(
            &format!("/api/v1/applicants/{applicant}/photo"),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 200);

    let failed = audit_page(&app, &admin, "action=auth.login_failed").await;
    let failed = failed["items"].as_array().unwrap();
    assert_eq!(failed.len(), 2, "{failed:?}");
    let me = app.me(&requester.token).await;
    let subjects: Vec<&str> = failed
        .iter()
        .map(|e| e["subject"].as_str().unwrap())
        .collect();
    assert!(subjects.contains(&format!("user:{}", me["id"].as_str().unwrap()).as_str()));
    // The address typed for no account is not kept.
    assert!(subjects.contains(&"login"));
    let page = serde_json::to_string(&failed).unwrap();
    assert!(!page.contains("nadie@"), "{page}");
    for e in failed {
        assert_eq!(e["ip"], "127.0.0.1");
        assert!(e["actor"].is_null());
        assert_eq!(e["hash"].as_str().unwrap().len(), 64);
    }

    // Everything about the ticket, newest first, found by its number.
    let about = audit_page(&app, &admin, &format!("ticket={number}")).await;
    let seen = actions(&about);
    assert_eq!(
        seen,
        [
            "personal_file.viewed",
            "ticket.submit",
            "ticket.applicant_added",
            "ticket.create"
        ],
        "{about}"
    );
    let view = &about["items"][0];
    assert_eq!(view["detail"]["file"], "photo");
    assert_eq!(
        view["action_label"],
        "Consulta de archivo con datos personales"
    );
    // No DNI anywhere in the log.
    let all = audit_page(&app, &admin, "limit=200").await;
    assert!(!all.to_string().contains("45678912"));
    let seqs: Vec<i64> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] == w[1] + 1),
        "newest first, no gaps: {seqs:?}"
    );

    // By user: only what the requester did.
    let mine = audit_page(&app, &admin, "actor=ana.quispe@regioncajamarca.gob.pe").await;
    assert!(mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["actor_email"] == "ana.quispe@regioncajamarca.gob.pe"));
    assert!(actions(&mine).contains(&"auth.login".to_owned()));
    // By area.
    let tickets = audit_page(&app, &admin, "action=ticket").await;
    assert!(actions(&tickets).iter().all(|a| a.starts_with("ticket.")));
    assert_eq!(tickets["items"].as_array().unwrap().len(), 3);
    // By dates: today has all of it, a past year nothing.
    let today = app.app.today();
    let on_day = audit_page(&app, &admin, &format!("from={today}&to={today}")).await;
    assert_eq!(on_day["items"].as_array().unwrap().len(), seqs.len());
    let long_ago = audit_page(&app, &admin, "from=2020-01-01&to=2020-12-31").await;
    assert!(long_ago["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn bad_searches_are_422_naming_each_field_on_the_api_and_the_page() {
    let app = spawn_app().await;
    let admin = Person::sign_up(&app, "admin@regioncajamarca.gob.pe", Role::Admin).await;
    let res = app
        .get(
            "/api/v1/audit?actor=nadie@regioncajamarca.gob.pe&ticket=XX-1&from=2026-13-01&to=ayer&action=DROP%20TABLE",
            Some(&admin.token),
        )
        .await;
    let body = problem(res, 422).await;
    let fields: Vec<&String> = body["errors"].as_object().unwrap().keys().collect();
    for f in ["actor", "ticket", "from", "to", "action"] {
        assert!(fields.iter().any(|k| k.as_str() == f), "{f} in {body}");
    }
    let res = app
        .get(
            "/api/v1/audit?from=2026-12-05&to=2026-12-01",
            Some(&admin.token),
        )
        .await;
    let body = problem(res, 422).await;
    assert!(body["errors"]["to"].is_array(), "{body}");

    let (status, html) = admin
        .page(
            &app,
            "/admin/auditoria?desde=2026-02-30&tramite=CD-2026-999999",
        )
        .await;
    assert_eq!(status, 422);
    let summary = error_summary(&html);
    assert_eq!(summary.len(), 2, "{summary:?}");
    assert_eq!(summary[0].0, "#tramite");
    assert!(summary[0].1.contains("CD-2026-999999"), "{summary:?}");
    assert_eq!(summary[1].0, "#desde");
    assert!(field_error(&html, "desde").contains("no existe"));
    // What was typed stays in the form.
    assert_eq!(
        attr(&html, "#tramite", "value").as_deref(),
        Some("CD-2026-999999")
    );
}

#[tokio::test]
async fn only_admins_read_the_log() {
    let app = spawn_app().await;
    let admin = Person::sign_up(&app, "admin@regioncajamarca.gob.pe", Role::Admin).await;
    for (email, role) in [
        ("analista@regioncajamarca.gob.pe", Role::Analista),
        ("solicitante@regioncajamarca.gob.pe", Role::Solicitante),
    ] {
        let who = Person::sign_up(&app, email, role).await;
        let res = app.get("/api/v1/audit", Some(&who.token)).await;
        problem(res, 403).await;
        for path in ["/admin/auditoria", "/admin"] {
            let (status, _) = who.page(&app, path).await;
            assert_eq!(status, 403, "{email} on {path}");
        }
    }
    let res = app.get("/api/v1/audit", None).await;
    assert_eq!(res.status(), 401);
    let res = app
        .browser
        .get(app.url("/admin/auditoria"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(location(&res).starts_with("/login"));

    let (status, html) = admin.page(&app, "/admin/auditoria").await;
    assert_eq!(status, 200);
    assert_eq!(h1(&html), "Auditoría");
    // The admin's own sign-ins are the first entries.
    assert!(count(&html, ".audit-table tbody tr") >= 2, "{html}");
    assert!(texts(&html, ".audit-table tbody td")
        .iter()
        .any(|t| t.contains("Inicio de sesión")));
    let (status, hub) = admin.page(&app, "/admin").await;
    assert_eq!(status, 200);
    for href in ["/admin/auditoria", "/admin/solicitudes", "/admin/correos"] {
        assert!(
            attrs(&hub, ".admin-links a", "href")
                .iter()
                .any(|h| h == href),
            "{href}"
        );
    }
    // The menu has one entry for all of them, marked current on an admin page.
    assert_eq!(text(&html, "nav [aria-current=page]"), "Administración");
}

#[tokio::test]
async fn a_busy_log_verifies_and_one_edited_row_breaks_it() {
    let app = spawn_app().await;
    let admin = app.token_for(Role::Admin).await;
    // Writers and sealers at once: tickets filed from several clients while sealers run.
    let mut work = tokio::task::JoinSet::new();
    for client in 0..6 {
        let base = app.base.clone();
        let email = format!("persona{client}@regioncajamarca.gob.pe");
        app.user(&email, Role::Solicitante, PASSWORD).await;
        let token = app.login_token(&email, PASSWORD).await;
        let inner = app.app.clone();
        work.spawn(async move {
            let http = new_browser();
            for n in 0..3 {
                let res = http
                    .post(format!("{base}/api/v1/tickets"))
                    .bearer_auth(&token)
                    .json(&json!({"kind": "emision", "reason": "a"}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 201);
                let res = http
                    .post(format!("{base}/api/v1/session"))
                    .json(&json!({"email": format!("x{client}{n}@regioncajamarca.gob.pe"), "password": "no-es-esta-1"}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 401);
                certdesk::app::audit::seal(&inner).await.unwrap();
            }
        });
    }
    while let Some(done) = work.join_next().await {
        done.unwrap();
    }
    let out = verify_cli(&app);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let total = count_rows(&app, "SELECT COUNT(*) FROM audit_log").await;
    // 7 sign-ins, 18 tickets created, 18 failed logins at least.
    assert!(total >= 43, "{total}");
    assert_eq!(stdout.trim(), format!("ok {total} entries"));
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM audit_log WHERE seq IS NULL").await,
        0
    );
    assert_eq!(
        count_rows(&app, "SELECT MAX(seq) FROM audit_log").await,
        total
    );

    // Someone with access to the database rewrites one entry.
    app.app
        .store
        .pool()
        .execute("UPDATE audit_log SET ip = '10.0.0.9' WHERE seq = 20")
        .await
        .unwrap();
    let out = verify_cli(&app);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "broken at entry 20"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("entrada 20"));
    // The log is still readable, and the broken entry is still there to be seen.
    let page = audit_page(&app, &admin, "limit=5").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn a_deleted_entry_is_reported_too() {
    let app = spawn_app().await;
    let _admin = app.token_for(Role::Admin).await;
    let _other = app.token_for(Role::Analista).await;
    let out = verify_cli(&app);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok 2 entries");
    app.app
        .store
        .pool()
        .execute("DELETE FROM audit_log WHERE seq = 1")
        .await
        .unwrap();
    let out = verify_cli(&app);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "broken at entry 1"
    );
}
