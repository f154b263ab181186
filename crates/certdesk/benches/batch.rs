//! Closing a batch of 10,000 applicants and streaming its package over HTTP.
//!
//! `cargo bench -p certdesk --bench batch` (SQLite), or with
//! `CERTDESK_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres` for PostgreSQL.
//! `CERTDESK_BENCH_APPLICANTS` changes the size (default 10000). Prints the timings and the
//! process's peak RSS; the figures go to BENCHMARKS.md.

use std::{sync::Arc, time::Instant};

use certdesk::{
    app::{batch, App, AppConfig},
    blobs::Blobs,
    clock::FixedClock,
    store::{
        applicants::{self, NewApplicant},
        tickets::{self, NewTicket},
        Store,
    },
};
use domain::{
    applicant::{ApplicantContext, ApplicantInput},
    ids::TicketNumber,
    role::Role,
    ticket::{Kind, Reason, Status},
};
use jiff::Timestamp;

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

#[allow(clippy::unwrap_used, clippy::expect_used)]
fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

#[allow(clippy::unwrap_used, clippy::expect_used)]
async fn run() {
    let count: usize = std::env::var("CERTDESK_BENCH_APPLICANTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().unwrap();
    let mut drop_after: Option<(String, String)> = None;
    let (url, backend) = match std::env::var("CERTDESK_BENCH_POSTGRES_URL") {
        Ok(admin) => {
            use sqlx::{Connection, Executor};
            let name = format!("certdesk_bench_{}", uuid::Uuid::new_v4().simple());
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
            conn.execute(format!("CREATE DATABASE \"{name}\"").as_str())
                .await
                .unwrap();
            let (server, _) = admin.rsplit_once('/').unwrap();
            let url = format!("{server}/{name}");
            drop_after = Some((admin.clone(), name));
            (url, "postgres")
        }
        Err(_) => (
            format!("sqlite://{}", dir.path().join("bench.db").display()),
            "sqlite",
        ),
    };
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    let clock = FixedClock::new("2026-12-02T10:00:00-05:00".parse::<Timestamp>().unwrap());
    let app = App::new(
        store,
        Blobs::new(dir.path().join("files")),
        Arc::new(clock.clone()),
        AppConfig::new("http://127.0.0.1"),
    );
    let analyst = certdesk::app::auth::create_user(
        &app,
        "analista@regioncajamarca.gob.pe",
        "Analista",
        Role::Analista,
        "clave de prueba 1",
    )
    .await
    .unwrap();

    // Seed: `count` approved applicants, one ticket each, with the demo photo and signature.
    let seed = Instant::now();
    let photo = app
        .blobs
        .put(include_bytes!("../assets/demo/foto.jpg"))
        .await
        .unwrap();
    let signature = app
        .blobs
        .put(include_bytes!("../assets/demo/firma.jpg"))
        .await
        .unwrap();
    let domains = vec!["regioncajamarca.gob.pe".to_owned()];
    let reason = Reason::parse(Kind::Emision, Some("a")).unwrap();
    let dispatch: Timestamp = "2026-12-04T16:30:00-05:00".parse().unwrap();
    let now = app.now();
    for chunk in 0..count.div_ceil(1000) {
        let mut tx = app.store.begin().await.unwrap();
        for i in chunk * 1000..((chunk + 1) * 1000).min(count) {
            let number = TicketNumber::new(2026, u32::try_from(i + 1).unwrap()).unwrap();
            let ticket_id = tickets::insert(
                &mut tx,
                &NewTicket {
                    number,
                    kind: Kind::Emision,
                    reason,
                    requester_id: analyst.id,
                    certificate_id: None,
                    contact_phone: None,
                    renews_certificate_id: None,
                },
                now,
            )
            .await
            .unwrap();
            tickets::set_status(
                &mut tx,
                ticket_id,
                Status::Borrador,
                Status::Programado,
                Some(now),
                now,
            )
            .await
            .unwrap();
            let input = ApplicantInput {
                paternal_surname: "Tello".into(),
                maternal_surname: "Vásquez".into(),
                given_names: "Carmen Rosa".into(),
                dni: format!("{:08}", 10_000_000 + i),
                dni_issued_on: "2019-05-14".into(),
                email: "ctello@regioncajamarca.gob.pe".into(),
                position: "Asistente".into(),
                unit: "Recursos Humanos".into(),
                ..Default::default()
            };
            let valid = input
                .validate(&ApplicantContext {
                    reason,
                    allowed_domains: &domains,
                    today: jiff::civil::date(2026, 12, 2),
                    taken_dnis: &[],
                })
                .unwrap();
            let applicant = applicants::insert(
                &mut tx,
                &NewApplicant {
                    ticket_id,
                    valid: &valid,
                    dni_check_digit: None,
                    photo_sha256: &photo,
                    signature_sha256: &signature,
                },
                now,
            )
            .await
            .unwrap();
            applicants::schedule(&mut tx, applicant, dispatch)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
    }
    let seeded = seed.elapsed();

    clock.set("2026-12-04T16:30:00-05:00".parse().unwrap());
    let started = Instant::now();
    let closed = batch::close(&app, Some(&analyst), app.now()).await.unwrap();
    let close_and_package = started.elapsed();
    assert_eq!(closed.batch.item_count, count as i64);

    // Stream it through the real HTTP endpoint, as an analyst's browser would.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server_app = app.clone();
    tokio::spawn(async move {
        certdesk::web::serve(listener, server_app, std::future::pending())
            .await
            .unwrap()
    });
    let login: serde_json::Value = reqwest::Client::new()
        .post(format!("http://{addr}/api/v1/session"))
        .json(&serde_json::json!({"email": "analista@regioncajamarca.gob.pe", "password": "clave de prueba 1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap();
    let started = Instant::now();
    let mut res = reqwest::Client::new()
        .get(format!(
            "http://{addr}/api/v1/batches/{}/package.zip",
            closed.batch.id
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let mut bytes: u64 = 0;
    while let Some(chunk) = res.chunk().await.unwrap() {
        bytes += chunk.len() as u64;
    }
    let streamed = started.elapsed();
    println!(
        "backend={backend} applicants={count} seed={:.1}s close+package={:.2}s package={:.0} MiB stream={:.2}s ({:.0} MiB/s) peak_rss={:.0} MiB",
        seeded.as_secs_f64(),
        close_and_package.as_secs_f64(),
        bytes as f64 / 1048576.0,
        streamed.as_secs_f64(),
        bytes as f64 / 1048576.0 / streamed.as_secs_f64(),
        peak_rss_mib()
    );
    app.store.close().await;
    if let Some((admin, name)) = drop_after {
        use sqlx::{Connection, Executor};
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        conn.execute(format!("DROP DATABASE \"{name}\" WITH (FORCE)").as_str())
            .await
            .unwrap();
    }
}
