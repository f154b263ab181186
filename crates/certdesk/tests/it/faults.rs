//! Exactly once under faults (issue 13, RELIABILITY.md): the real `certdesk serve` is made
//! to die at a named point (`CERTDESK_FAULT`, see `certdesk::fault`) in the middle of a
//! batch close, of writing reminders and of delivering mail, and is started again. The
//! batch is closed once with every applicant once and its package built; each reminder is
//! written once with one notice and one mail; each mail reaches the SMTP server, and the
//! one mail whose kill fell between the server's acceptance and its "sent" mark is the
//! only one delivered twice, with the same Message-ID (at-least-once delivery; the
//! Message-ID is the idempotency key receivers use).

use std::{
    collections::HashMap,
    os::unix::process::ExitStatusExt,
    time::{Duration, Instant},
};

use certdesk::store::{
    certificates::NewCertificate,
    outbox::{self, NewMail},
    Store,
};
use domain::{certificate::CertificateState, notice::NoticeKind, role::Role};
use mailparse::MailHeaderMap;
use sqlx::Row;

use crate::{
    crash::assert_files_whole,
    helpers::{app_at, applicant_with, approved, spawn_app, Person, TestApp, WEDNESDAY},
    served::{ServeSpec, Served},
    smtp_server::SmtpServer,
};

const FROM: &str = "Mesa de Servicios <mesa@regioncajamarca.gob.pe>";

/// Starts `spec` with the fault point armed and waits for the process to abort there.
fn dies_at(spec: &ServeSpec, point: &str) {
    let started = Instant::now();
    let mut served = spec.clone().env("CERTDESK_FAULT", point).start();
    let status = served
        .wait_exit(Duration::from_secs(90))
        .unwrap_or_else(|| panic!("certdesk serve never reached the fault point {point}"));
    assert_eq!(
        status.signal(),
        Some(6),
        "serve should abort (SIGABRT) at {point}: {status:?}"
    );
    eprintln!(
        "fault {point}: the process died there after {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// The job leases a killed process held run out now (they would in [`LEASE`]; the
/// restarted process is another instance, which waits for them), as the outbox test does
/// with the claims of its dead workers.
///
/// [`LEASE`]: certdesk::jobs::lease::LEASE
async fn leases_of_the_dead_run_out(store: &Store) {
    let mut conn = store.conn().await.unwrap();
    sqlx::query("UPDATE job_leases SET expires_at = 0")
        .execute(&mut *conn)
        .await
        .unwrap();
}

pub(crate) async fn count(store: &Store, sql: &str) -> i64 {
    let mut conn = store.conn().await.unwrap();
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

/// Polls `sql` (a count) until it reaches `want`, for up to a minute.
pub(crate) async fn wait_for(store: &Store, sql: &str, want: i64) {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let n = count(store, sql).await;
        if n == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "`{sql}` stayed at {n}, not {want}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) fn audit_verifies(spec: &ServeSpec) {
    let out = spec.run(&["audit", "verify"]);
    assert!(
        out.status.success(),
        "certdesk audit verify: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Three approved applicants (one ticket each) waiting for the 4 Dec cut-off.
pub(crate) async fn approved_applicants(t: &TestApp) {
    let requester = Person::sign_up(t, "maria@regioncajamarca.gob.pe", Role::Solicitante).await;
    let analyst = Person::sign_up(t, "jorge@regioncajamarca.gob.pe", Role::Analista).await;
    for (i, dni) in ["10117410", "40506070", "30201050"].iter().enumerate() {
        let ticket = t.open_ticket(&requester.token, "emision", Some("a")).await;
        let id = ticket["id"].as_str().unwrap();
        let email = format!("persona{i}@regioncajamarca.gob.pe");
        t.add_applicant(
            &requester.token,
            id,
            &applicant_with(dni, &[("email", email.as_str())]),
        )
        .await;
        t.submit_ticket(&requester.token, id).await;
        approved(t, &analyst.token, id).await;
    }
}

#[tokio::test]
async fn a_batch_close_killed_at_any_point_still_closes_once_with_every_applicant_once() {
    for point in [
        "batch.after_commit",
        "batch.package_written",
        "batch.package_stored",
    ] {
        let started = Instant::now();
        let (t, _clock) = app_at(WEDNESDAY).await;
        approved_applicants(&t).await;
        let spec = ServeSpec::of(&t);
        let store = &t.app.store;

        // The scheduler's first tick closes the missed cut-off, and dies on the way.
        dies_at(&spec, point);
        leases_of_the_dead_run_out(store).await;
        assert_eq!(
            count(store, "SELECT COUNT(*) FROM batches").await,
            1,
            "{point}"
        );
        assert_eq!(
            count(
                store,
                "SELECT COUNT(*) FROM batches WHERE package_sha256 IS NULL"
            )
            .await,
            1,
            "{point}: the package is not recorded yet"
        );
        // Whatever the process left on disk is there now (a ZIP in the scratch dir, or an
        // unnamed package among the files); the restart must not keep it.

        // Started again: nothing is closed twice, the package is built.
        let served = spec.start();
        assert!(served.base.is_some());
        wait_for(
            store,
            "SELECT COUNT(*) FROM batches WHERE package_sha256 IS NULL",
            0,
        )
        .await;
        // A second close by hand finds the batch closed.
        let out = spec.run(&["batch", "close"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        drop(served);

        // One batch holds the applicants (a cut-off passing during the test would add an
        // empty one of its own: one batch per cut-off is what counts).
        assert_eq!(
            count(store, "SELECT COUNT(DISTINCT batch_id) FROM batch_items").await,
            1,
            "{point}"
        );
        assert_eq!(
            count(
                store,
                "SELECT COUNT(*) - COUNT(DISTINCT cutoff_at) FROM batches"
            )
            .await,
            0,
            "{point}: one batch per cut-off"
        );
        assert_eq!(count(store, "SELECT COUNT(*) FROM batch_items").await, 3);
        assert_eq!(
            count(
                store,
                "SELECT COUNT(DISTINCT applicant_id) FROM batch_items"
            )
            .await,
            3,
            "{point}: each applicant once"
        );
        assert_eq!(
            count(
                store,
                "SELECT COUNT(*) FROM applicants WHERE status = 'enviado_reniec'"
            )
            .await,
            3
        );
        assert_eq!(
            count(
                store,
                "SELECT COUNT(*) FROM tickets WHERE status = 'enviado_reniec'"
            )
            .await,
            3
        );
        assert_eq!(
            count(
                store,
                "SELECT COUNT(*) FROM ticket_events WHERE event = 'dispatch'"
            )
            .await,
            3,
            "{point}: one dispatch line per ticket"
        );
        assert_eq!(
            count(
                store,
                "SELECT COUNT(*) FROM notifications WHERE kind = 'sent_to_reniec'"
            )
            .await,
            3,
            "{point}: one notice per ticket"
        );
        assert_eq!(
            count(
                store,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'batch.closed'"
            )
            .await,
            count(store, "SELECT COUNT(*) FROM batches").await,
            "{point}: one audit entry per close"
        );
        let mut conn = store.conn().await.unwrap();
        assert_files_whole(&mut conn, &t.app.blobs).await;
        drop(conn);
        audit_verifies(&spec);
        eprintln!(
            "fault {point}: one batch, 3 applicants once, package built; {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
}

/// Certificates whose expiry reminders are due on `today` (the binary's clock is real time).
pub(crate) async fn certificates_due(
    t: &TestApp,
    owner: &str,
    today: jiff::civil::Date,
) -> Vec<String> {
    let owner_id = t.me_by_email(owner).await.parse().unwrap();
    let mut holders = Vec::new();
    for (i, days) in [20, 12, 5].into_iter().enumerate() {
        let holder = format!("Titular Número{i}, Prueba");
        let expires = today.checked_add(jiff::Span::new().days(days)).unwrap();
        t.record_certificate(
            &NewCertificate {
                owner_id,
                holder_name: &holder,
                dni: &format!("4050607{i}").parse().unwrap(),
                applicant_id: None,
                medium: None,
                ownership: None,
                issued_on: None,
                expires_on: Some(expires),
                state: CertificateState::Instalado,
                delivery_sent_on: None,
                download_deadline: None,
            },
            None,
        )
        .await;
        holders.push(holder);
    }
    holders
}

#[tokio::test]
async fn reminders_killed_before_and_after_their_commit_are_each_written_once() {
    let started = Instant::now();
    let t = spawn_app().await;
    let owner = "titular@regioncajamarca.gob.pe";
    t.user(owner, Role::Solicitante, "clave de prueba 2026")
        .await;
    let holders = certificates_due(&t, owner, t.app.today()).await;
    let spec = ServeSpec::of(&t);
    let store = &t.app.store;

    // Dies with the reminders written but not committed: nothing of them stays.
    dies_at(&spec, "reminders.before_commit");
    leases_of_the_dead_run_out(store).await;
    assert_eq!(count(store, "SELECT COUNT(*) FROM reminders_sent").await, 0);
    assert_eq!(
        count(
            store,
            "SELECT COUNT(*) FROM notifications WHERE kind = 'expiry_reminder'"
        )
        .await,
        0
    );
    // Dies just after the commit: they are all there.
    dies_at(&spec, "reminders.after_commit");
    leases_of_the_dead_run_out(store).await;
    assert_eq!(count(store, "SELECT COUNT(*) FROM reminders_sent").await, 3);
    // Started again (twice): the job runs and writes nothing more. Its last run is kept in
    // the database for every instance, so a start within the hour would not run it again:
    // before the second start, the test moves the first one's run back an hour.
    for round in 0..2 {
        if round == 1 {
            let mut conn = store.conn().await.unwrap();
            sqlx::query(
                "UPDATE job_runs SET last_started_at = last_started_at - 3600000000 \
                 WHERE job = 'reminders'",
            )
            .execute(&mut *conn)
            .await
            .unwrap();
            drop(conn);
            leases_of_the_dead_run_out(store).await;
        }
        let served = spec.start();
        let since = t.app.now().as_microsecond();
        wait_for(
            store,
            &format!(
                "SELECT COUNT(*) FROM job_runs WHERE job = 'reminders' AND last_finished_at >= {since}"
            ),
            1,
        )
        .await;
        drop(served);
    }

    let mut conn = store.conn().await.unwrap();
    let notices: Vec<String> =
        sqlx::query("SELECT body FROM notifications WHERE kind = 'expiry_reminder'")
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get("body"))
            .collect();
    let mails: Vec<String> =
        sqlx::query("SELECT body_text FROM outbox WHERE kind = 'expiry_reminder'")
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get("body_text"))
            .collect();
    drop(conn);
    assert_eq!(count(store, "SELECT COUNT(*) FROM reminders_sent").await, 3);
    for holder in &holders {
        let name = holder.split(',').next().unwrap();
        assert_eq!(
            notices.iter().filter(|b| b.contains(name)).count(),
            1,
            "one in-app reminder for {holder}: {notices:#?}"
        );
        assert_eq!(
            mails.iter().filter(|b| b.contains(name)).count(),
            1,
            "one mailed reminder for {holder}"
        );
    }
    audit_verifies(&spec);
    eprintln!(
        "reminders: 3 written once across 2 kills and 2 restarts; {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// The Message-ID of each delivery, in the order the SMTP server took them.
pub(crate) fn delivered_ids(server: &SmtpServer) -> Vec<String> {
    server
        .received()
        .iter()
        .map(|m| {
            m.parsed()
                .get_headers()
                .get_first_value("Message-ID")
                .unwrap()
                .trim()
                .trim_matches(['<', '>'])
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn mail_killed_mid_delivery_reaches_the_server_once_or_twice_with_one_message_id() {
    let started = Instant::now();
    let t = spawn_app().await;
    let store = &t.app.store;
    {
        let mut conn = store.conn().await.unwrap();
        for i in 0..4 {
            let subject = format!("Aviso de prueba {i}");
            let mail = NewMail {
                kind: NoticeKind::Appointment,
                to: format!("persona{i}@regioncajamarca.gob.pe"),
                user_id: None,
                subject: subject.clone(),
                body_text: format!("Texto de «{subject}».\n"),
                body_html: format!("<p>HTML de «{subject}».</p>"),
                attachment: None,
                link: None,
            };
            outbox::enqueue(&mut conn, &mail, "regioncajamarca.gob.pe", t.app.now())
                .await
                .unwrap();
        }
    }
    let server = SmtpServer::start();
    let spec = ServeSpec::of(&t)
        .arg("--smtp-url")
        .arg(&server.url())
        .arg("--mail-from")
        .arg(FROM);

    // 1. Killed after the server took the first mail, before it was marked sent.
    dies_at(&spec, "outbox.after_send");
    assert_eq!(server.received().len(), 1);
    let first = delivered_ids(&server)[0].clone();
    // 2. Killed after claiming the next mail, before sending it.
    dies_at(&spec, "outbox.after_claim");
    assert_eq!(server.received().len(), 1, "nothing sent at the claim");
    let claimed: Vec<String> = {
        let mut conn = store.conn().await.unwrap();
        sqlx::query(
            "SELECT message_id FROM outbox WHERE claim_token IS NOT NULL AND sent_at IS NULL",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("message_id"))
        .collect()
    };
    assert_eq!(
        claimed.len(),
        2,
        "two mails held by the dead workers' claims"
    );

    // 3. Started again: the unclaimed mails go at once; the two claimed ones wait for
    // their lease (2 minutes) to run out, which the test makes happen now.
    let served: Served = spec.start();
    wait_for(
        store,
        "SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL",
        2,
    )
    .await;
    {
        let mut conn = store.conn().await.unwrap();
        sqlx::query("UPDATE outbox SET claimed_until = 0 WHERE sent_at IS NULL")
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    wait_for(
        store,
        "SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL",
        4,
    )
    .await;
    drop(served);

    let ids = delivered_ids(&server);
    let mut times: HashMap<&str, usize> = HashMap::new();
    for id in &ids {
        *times.entry(id.as_str()).or_default() += 1;
    }
    let stored: Vec<String> = {
        let mut conn = store.conn().await.unwrap();
        sqlx::query("SELECT message_id FROM outbox")
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .iter()
            .map(|r| {
                r.get::<String, _>("message_id")
                    .trim_matches(['<', '>'])
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(stored.len(), 4);
    for id in &stored {
        let want = if *id == first { 2 } else { 1 };
        assert_eq!(
            times.get(id.as_str()).copied().unwrap_or(0),
            want,
            "deliveries of {id}: {ids:#?}"
        );
    }
    assert_eq!(ids.len(), 5, "4 mails, one of them twice: {ids:#?}");
    audit_verifies(&spec);
    eprintln!(
        "outbox: 4 mails, 2 kills mid-delivery: every mail delivered, one duplicate (same \
         Message-ID) from the kill after the SMTP server's acceptance; {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
