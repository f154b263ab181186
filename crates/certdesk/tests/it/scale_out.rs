//! Two `certdesk serve` processes on one PostgreSQL and one S3 bucket (issue 15): what one
//! does, the other sees; what the scheduler does happens once, whichever gets there first.
//!
//! nginx, with the deployment's configuration, is put in front of both when it is installed
//! (as `.ci/run` makes sure).
//!
//! Runs when the suite runs on PostgreSQL with a local S3 (`CERTDESK_TEST_POSTGRES_URL`
//! and `CERTDESK_TEST_S3_ENDPOINT`, as CI's PostgreSQL pass does); otherwise it says so and
//! returns, unless `CERTDESK_TEST_REQUIRE_S3` is set.

use std::{collections::HashMap, time::Instant};

use domain::role::Role;
use reqwest::Client;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::{
    deploy::{curl, curl_login, nginx_in_front},
    faults::{
        approved_applicants, audit_verifies, certificates_due, count, delivered_ids, wait_for,
    },
    helpers::{
        app_at, applicant_with, approved, backend_name, new_browser, s3_or_skip,
        token_works_then_ends_everywhere, Person, TestApp, PASSWORD, WEDNESDAY,
    },
    served::{ServeSpec, Served},
    smtp_server::SmtpServer,
};

const FROM: &str = "Mesa de Servicios <mesa@regioncajamarca.gob.pe>";

/// Both processes start at once, so that their first scheduler ticks race.
fn start_both(spec: &ServeSpec) -> (Served, Served) {
    std::thread::scope(|scope| {
        let a = scope.spawn(|| spec.start());
        let b = scope.spawn(|| spec.start());
        (a.join().unwrap(), b.join().unwrap())
    })
}

/// Points the test app's request helpers at one of the two processes.
fn on(t: &mut TestApp, served: &Served) {
    t.base = served.base().to_owned();
}

/// `GET url` with `token`, which must answer 200: the body.
async fn download(http: &Client, url: String, token: &str) -> Vec<u8> {
    let res = http.get(&url).bearer_auth(token).send().await.unwrap();
    assert_eq!(res.status(), 200, "{url}");
    res.bytes().await.unwrap().to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_share_sessions_files_and_mail_and_run_each_job_once() {
    let Some(endpoint) = s3_or_skip("two instances (they share a bucket)") else {
        return;
    };
    if backend_name() != "postgres" {
        eprintln!("two instances share PostgreSQL; this run is on SQLite: skipped");
        return;
    }
    let started = Instant::now();
    // Before the processes start: three applicants approved for the 4 Dec cut-off, which
    // has passed by the processes' (real) clock, and three certificates whose expiry
    // reminders are due today.
    let (mut t, _clock) = app_at(WEDNESDAY).await;
    assert!(
        t.app.blobs.as_local().is_none(),
        "the test app's files are in the bucket"
    );
    approved_applicants(&t).await;
    let owner = "titular@regioncajamarca.gob.pe";
    t.user(owner, Role::Solicitante, PASSWORD).await;
    // The processes' clock is the real one.
    let today =
        domain::schedule::today_in_lima(certdesk::clock::Clock::now(&certdesk::clock::SystemClock));
    let holders = certificates_due(&t, owner, today).await;
    let smtp = SmtpServer::start();
    let spec = ServeSpec::of(&t)
        .files_in_bucket(&t.app.blobs.describe(), &endpoint)
        .arg("--smtp-url")
        .arg(&smtp.url())
        .arg("--mail-from")
        .arg(FROM)
        .arg("--trusted-proxies")
        .arg("127.0.0.1");
    let (a, b) = start_both(&spec);
    let store = t.app.store.clone();

    // 1. The scheduler: the missed cut-off is closed once, its package built once, and the
    // reminders written once, though both processes ran their first tick at start.
    wait_for(
        &store,
        "SELECT COUNT(*) FROM batches WHERE package_sha256 IS NOT NULL",
        1,
    )
    .await;
    wait_for(&store, "SELECT COUNT(*) FROM reminders_sent", 3).await;
    assert_eq!(count(&store, "SELECT COUNT(*) FROM batches").await, 1);
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'batch.closed'"
        )
        .await,
        1
    );
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM batch_items").await,
        3,
        "every applicant once"
    );
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM notifications WHERE kind = 'expiry_reminder'"
        )
        .await,
        3
    );

    // 2. Sessions: a browser signs in on A and is signed in on B; an API token made on A
    // works on B, and closing it on B ends it on A.
    let browser = new_browser();
    on(&mut t, &a);
    t.sign_in(&browser, owner, PASSWORD).await;
    on(&mut t, &b);
    let (status, html) = t.page_in(&browser, "/perfil").await;
    assert_eq!(status, 200, "signed in on B with A's session cookie");
    assert!(html.contains("Persona de Prueba"), "{html}");
    on(&mut t, &a);
    let token = t.login_token(owner, PASSWORD).await;
    token_works_then_ends_everywhere(&token, b.base(), a.base()).await;
    let http = Client::new();

    // 3. A ticket made by requests that alternate between the two: opened on A, its
    // applicant and photos sent to B, submitted on A, approved on B.
    on(&mut t, &a);
    let requester = Person::sign_up(&t, "rosa@regioncajamarca.gob.pe", Role::Solicitante).await;
    let analyst = Person::sign_up(&t, "luis@regioncajamarca.gob.pe", Role::Analista).await;
    let ticket = t.open_ticket(&requester.token, "emision", Some("a")).await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    on(&mut t, &b);
    let applicant = t
        .add_applicant(&requester.token, &id, &applicant_with("42424242", &[]))
        .await;
    on(&mut t, &a);
    t.submit_ticket(&requester.token, &id).await;
    on(&mut t, &b);
    approved(&t, &analyst.token, &id).await;

    // 4. The photo and signature sent to B are served by A and by B, byte for byte, and
    // are the bytes the database names.
    let applicant_id = applicant["id"].as_str().unwrap();
    let mut photo_sha256 = String::new();
    for (what, column) in [("photo", "photo_sha256"), ("signature", "signature_sha256")] {
        let path = format!("/api/v1/applicants/{applicant_id}/{what}");
        let from_a = download(&http, a.url(&path), &requester.token).await;
        let from_b = download(&http, b.url(&path), &analyst.token).await;
        assert!(from_a == from_b, "{what}: A and B serve the same bytes");
        let named: String = {
            let mut conn = store.conn().await.unwrap();
            sqlx::query(&format!("SELECT {column} FROM applicants WHERE id = $1"))
                .bind(applicant_id)
                .fetch_one(&mut *conn)
                .await
                .unwrap()
                .get(0)
        };
        assert_eq!(hex::encode(Sha256::digest(&from_a)), named, "{what}");
        if what == "photo" {
            photo_sha256 = named;
        }
    }
    // The package that one of them built is downloaded from the other, whole.
    let (batch_id, package_sha): (String, String) = {
        let mut conn = store.conn().await.unwrap();
        let row = sqlx::query("SELECT id, package_sha256 FROM batches")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        (row.get(0), row.get(1))
    };
    for served in [&a, &b] {
        let package = format!("/api/v1/batches/{batch_id}/package.zip");
        let zip = download(&http, served.url(&package), &analyst.token).await;
        assert_eq!(hex::encode(Sha256::digest(&zip)), package_sha);
    }

    // 5. Through nginx in front of both (deploy/nginx/certdesk.conf), when it is installed:
    // a token made through the proxy works on each instance, and the photo comes back whole
    // whichever instance answers.
    if let Some(tools) = crate::deploy::tools() {
        let address = |s: &Served| s.base().trim_start_matches("http://").parse().unwrap();
        let (prefix, nginx) = nginx_in_front(&tools, [address(&a), address(&b)]).await;
        let got = curl_login(&tools, &prefix, owner, PASSWORD, &[]).await;
        assert_eq!(got.status, 200, "{}", got.body);
        let proxied: Value = serde_json::from_str(&got.body).unwrap();
        let proxied = proxied["token"].as_str().unwrap();
        for served in [&a, &b] {
            let me = http
                .get(served.url("/api/v1/me"))
                .bearer_auth(proxied)
                .send()
                .await
                .unwrap();
            assert_eq!(me.status(), 200, "a login through the proxy, used directly");
        }
        let downloads = tempfile::tempdir().unwrap();
        let bearer = format!("Authorization: Bearer {}", requester.token);
        for i in 0..4 {
            let file = downloads.path().join(format!("foto-{i}"));
            let file = file.to_str().unwrap();
            let path = format!("/api/v1/applicants/{applicant_id}/photo");
            let got = curl(&tools, &prefix, "GET", &path, &["-H", &bearer, "-o", file]).await;
            assert_eq!(got.status, 200);
            let bytes = std::fs::read(file).unwrap();
            assert_eq!(hex::encode(Sha256::digest(&bytes)), photo_sha256);
        }
        let log = prefix.access_log();
        for served in [&a, &b] {
            let upstream = served.base().trim_start_matches("http://");
            assert!(log.contains(&format!("upstream={upstream} ")), "{log}");
        }
        drop(nginx);
    }

    // 6. Mail: everything in the outbox is delivered, each message once.
    wait_for(
        &store,
        "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL",
        0,
    )
    .await;
    let ids = delivered_ids(&smtp);
    let mut times: HashMap<&str, usize> = HashMap::new();
    for id in &ids {
        *times.entry(id.as_str()).or_default() += 1;
    }
    let outbox = count(&store, "SELECT COUNT(*) FROM outbox").await;
    assert!(outbox >= 6, "reminders, batch and ticket mail: {outbox}");
    assert_eq!(ids.len() as i64, outbox, "one delivery per mail: {ids:#?}");
    assert!(times.values().all(|n| *n == 1), "{times:#?}");
    for holder in &holders {
        let name = holder.split(',').next().unwrap();
        let mails = count(
            &store,
            &format!(
                "SELECT COUNT(*) FROM outbox WHERE kind = 'expiry_reminder' AND body_text LIKE '%{name}%'"
            ),
        )
        .await;
        assert_eq!(mails, 1, "one reminder mail for {holder}");
    }

    // 7. Both wrote to one audit log; its chain verifies.
    drop((a, b));
    audit_verifies(&spec);
    eprintln!(
        "two instances: {outbox} mails once each, one batch, 3 reminders; {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// A database across an untrusted network is reached over TLS (`sslmode=require` in the
/// URL). Runs on PostgreSQL servers that offer TLS (Debian's does, with its snakeoil
/// certificate); says so and returns on one that does not.
#[tokio::test]
async fn postgresql_is_reached_over_tls_when_the_url_requires_it() {
    if backend_name() != "postgres" {
        eprintln!("PostgreSQL only: skipped");
        return;
    }
    let t = crate::helpers::spawn_app().await;
    let separator = if t.database_url.contains('?') {
        '&'
    } else {
        '?'
    };
    let url = format!("{}{separator}sslmode=require", t.database_url);
    let store = match certdesk::store::Store::connect(&url).await {
        Ok(store) => store,
        Err(err) if format!("{err:#}").contains("TLS") || format!("{err:#}").contains("SSL") => {
            eprintln!("this PostgreSQL offers no TLS ({err:#}): skipped");
            return;
        }
        Err(err) => panic!("{err:#}"),
    };
    let mut conn = store.conn().await.unwrap();
    let ssl: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert!(ssl, "the connection is encrypted");
}
