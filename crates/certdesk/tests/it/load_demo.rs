//! `certdesk load-demo`: the synthetic data the load tests and benchmarks run on is data
//! the application itself reads without a fault, on both databases.

use std::collections::BTreeSet;

use certdesk::{load_demo, store::load_demo::requester_email};
use serde_json::Value;
use sqlx::Row;

use crate::helpers::*;

const TICKETS: u32 = 3_000;

#[tokio::test]
async fn a_loaded_database_is_one_the_application_serves_without_a_fault() {
    let app = spawn_app().await;
    let report = load_demo::load(&app.app, TICKETS).await.unwrap().unwrap();
    assert_eq!(report.tickets, TICKETS);
    assert_eq!(report.requesters, TICKETS / 25);

    // Every status of a ticket's life is there, with applicants, payments, certificates,
    // batches and history.
    let mut conn = app.app.store.conn().await.unwrap();
    let statuses: BTreeSet<String> = sqlx::query("SELECT DISTINCT status FROM tickets")
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>("status"))
        .collect();
    for status in [
        "borrador",
        "enviado",
        "en_atencion",
        "observado",
        "enviado_reniec",
        "atendido",
        "rechazado",
        "anulado",
        "instalado",
        "cancelado",
    ] {
        assert!(statuses.contains(status), "no {status} among {statuses:?}");
    }
    let count = |sql: &'static str| {
        let pool = app.app.store.pool().clone();
        async move {
            sqlx::query(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
                .get::<i64, _>(0)
        }
    };
    assert_eq!(
        count("SELECT COUNT(*) FROM tickets").await,
        i64::from(TICKETS)
    );
    for table in [
        "SELECT COUNT(*) FROM applicants",
        "SELECT COUNT(*) FROM payments",
        "SELECT COUNT(*) FROM certificates",
        "SELECT COUNT(*) FROM batches",
        "SELECT COUNT(*) FROM batch_items",
        "SELECT COUNT(*) FROM observation_reasons",
    ] {
        assert!(count(table).await > 0, "{table}");
    }
    // Each ticket's history starts with its creation, and files are shared: three files
    // (photo, signature and the receipt the signature stands in for) serve every row.
    assert_eq!(
        count("SELECT COUNT(*) FROM ticket_events WHERE event = 'create'").await,
        i64::from(TICKETS)
    );
    assert_eq!(
        count("SELECT COUNT(DISTINCT photo_sha256) + COUNT(DISTINCT signature_sha256) FROM applicants").await,
        2
    );
    if backend_name() == "sqlite" {
        let broken = sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        assert!(
            broken.is_empty(),
            "{} rows break a foreign key",
            broken.len()
        );
    }
    drop(conn);

    // The printed logins work, and what they open reads every generated row type.
    let analyst = app.login_token(&report.analyst, load_demo::PASSWORD).await;
    let queue: Value = app
        .get("/api/v1/queue?limit=100", Some(&analyst))
        .await
        .json()
        .await
        .unwrap();
    let items = queue["items"].as_array().unwrap();
    assert!(!items.is_empty(), "{queue}");
    for path in ["/api/v1/batches", "/api/v1/reports/tramites_por_estado"] {
        let res = app.get(path, Some(&analyst)).await;
        assert_eq!(res.status(), 200, "{path}");
    }
    let requester = app
        .login_token(
            &requester_email(7, "regioncajamarca.gob.pe"),
            load_demo::PASSWORD,
        )
        .await;
    let mine: Value = app
        .get("/api/v1/tickets?limit=100", Some(&requester))
        .await
        .json()
        .await
        .unwrap();
    let mine = mine["items"].as_array().unwrap();
    assert_eq!(mine.len(), 25, "each requester owns 25 tickets");
    for ticket in mine {
        let id = ticket["id"].as_str().unwrap();
        let res = app
            .get(&format!("/api/v1/tickets/{id}"), Some(&requester))
            .await;
        assert_eq!(res.status(), 200, "ticket {id}");
    }
    app.log_in_browser(
        &requester_email(7, "regioncajamarca.gob.pe"),
        load_demo::PASSWORD,
    )
    .await;
    for page in ["/tramites", "/certificados"] {
        let (status, _) = app.page(page).await;
        assert_eq!(status, 200, "{page}");
    }
    let browser = new_browser();
    app.sign_in(&browser, &report.analyst, load_demo::PASSWORD)
        .await;
    // Each page shows loaded rows: a ticket number, a name, a batch, a certificate, a chart.
    for (page, shown) in [
        ("/analista/cola", "CD-"),
        ("/analista/buscar?q=Quispe", "Quispe"),
        (
            "/analista/lotes",
            "/analista/lotes/01900000-0000-7000-8004-",
        ),
        ("/analista/certificados", "01900000-0000-7000-8001-"),
        ("/reportes", "<svg"),
    ] {
        let (status, html) = app.page_in(&browser, page).await;
        assert_eq!(status, 200, "{page}");
        assert!(html.contains(shown), "{page} does not show {shown}");
    }

    // A database with tickets is refused, and left as it was.
    let refused = load_demo::load(&app.app, 10).await.unwrap();
    assert!(refused.is_err());
    assert_eq!(
        count("SELECT COUNT(*) FROM tickets").await,
        i64::from(TICKETS)
    );
}
