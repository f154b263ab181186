//! Issue 15, nothing per-instance: two apps over one database (the same SQLite file, or the
//! same PostgreSQL database), as two `certdesk serve` processes would be, each with its own
//! connection pool, its own instance id and its own HTTP port. Their scheduled jobs, run
//! at the same moment, do each thing once; a session or a failed login on one counts on
//! the other.

use std::{collections::HashSet, sync::Arc};

use certdesk::{
    app::{auth, job_runs::Job, App, AppConfig},
    jobs::{self, lease},
    store::{job_leases, Store},
};
use domain::{certificate::CertificateState, role::Role};
use jiff::{civil::date, SignedDuration};
use reqwest::{Client, Response};
use serde_json::json;

use crate::helpers::{
    app_at, approved, at, csrf_token, new_browser, problem, sign_in_across, spawn_app, submitted,
    token_works_then_ends_everywhere, Mailbox, TestApp, WEDNESDAY,
};

/// A second instance on `t`'s database and files: its own store (pool), its own instance
/// id, the same clock and settings, served on a port of its own until dropped.
struct Instance {
    app: App,
    base: String,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl Instance {
    async fn beside(t: &TestApp) -> Instance {
        let store = Store::connect(&t.database_url).await.unwrap();
        let app = App::new(
            store,
            // The same files store (the data dir, or the test's bucket prefix).
            t.app.blobs.clone(),
            t.app.clock.clone(),
            (*t.app.config).clone(),
        );
        assert_ne!(app.instance, t.app.instance);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let served = app.clone();
        tokio::spawn(async move {
            certdesk::web::serve(listener, served, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Instance {
            app,
            base,
            _shutdown: tx,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

async fn count(app: &App, sql: &str) -> i64 {
    let mut conn = app.store.conn().await.unwrap();
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

/// Both instances' loops wake at the same moment: each runs a tick on a thread of its
/// own. The jobs each one ran.
async fn tick_both(a: &App, b: &App) -> (Vec<Job>, Vec<Job>) {
    let (a, b) = (a.clone(), b.clone());
    let a = tokio::spawn(async move { jobs::tick(&a).await });
    let b = tokio::spawn(async move { jobs::tick(&b).await });
    (a.await.unwrap(), b.await.unwrap())
}

/// Every job in `want` ran on exactly one of the two, and no other job ran.
fn each_once(ran: &(Vec<Job>, Vec<Job>), want: &[Job]) {
    let (a, b) = ran;
    for job in Job::ALL {
        let times = a.iter().chain(b).filter(|j| **j == job).count();
        let expected = usize::from(want.contains(&job));
        assert_eq!(
            times, expected,
            "{job:?}: instance A ran {a:?}, B ran {b:?}"
        );
    }
}

const JOBS_OF_A_TICK: [Job; 6] = [
    Job::Batch,
    Job::QueueSummary,
    Job::Retention,
    Job::Certificates,
    Job::Reminders,
    Job::Housekeeping,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_at_a_cut_off_close_one_batch_and_send_each_notice_once() {
    let (t, clock) = app_at(WEDNESDAY).await;
    let b = Instance::beside(&t).await;
    let requester = t.token_for(Role::Solicitante).await;
    let analyst = t.token_for(Role::Analista).await;
    for dni in ["41111111", "42222222"] {
        let id = submitted(&t, &requester, dni).await.0;
        approved(&t, &analyst, &id).await;
    }
    // On Friday 4 Dec one certificate expires in 30 days, another in 10: one reminder each.
    t.certificate(
        &requester,
        CertificateState::Instalado,
        Some(date(2027, 1, 3)),
    )
    .await;
    t.certificate(
        &requester,
        CertificateState::Instalado,
        Some(date(2026, 12, 14)),
    )
    .await;
    let mails_before = count(&t.app, "SELECT COUNT(*) FROM outbox").await;

    // The cut-off has just passed; both loops wake at once.
    clock.set(at("2026-12-04T16:30:05-05:00"));
    let ran = tick_both(&t.app, &b.app).await;
    each_once(&ran, &JOBS_OF_A_TICK);
    // 25 s later only the batch step is due again (it finds the batch closed); an hour
    // later the hourly jobs too. Neither writes anything new.
    clock.advance(SignedDuration::from_secs(25));
    each_once(&tick_both(&t.app, &b.app).await, &[Job::Batch]);
    clock.advance(SignedDuration::from_hours(1));
    each_once(
        &tick_both(&t.app, &b.app).await,
        &[
            Job::Batch,
            Job::Certificates,
            Job::Reminders,
            Job::Housekeeping,
        ],
    );
    assert_eq!(
        count(&t.app, "SELECT COUNT(*) FROM job_leases").await,
        0,
        "every lease was given back"
    );

    // One batch with both applicants, each once; one notice per ticket.
    assert_eq!(count(&t.app, "SELECT COUNT(*) FROM batches").await, 1);
    assert_eq!(count(&t.app, "SELECT COUNT(*) FROM batch_items").await, 2);
    assert_eq!(
        count(
            &t.app,
            "SELECT COUNT(DISTINCT applicant_id) FROM batch_items"
        )
        .await,
        2
    );
    assert_eq!(
        count(
            &t.app,
            "SELECT COUNT(*) FROM notifications WHERE kind = 'sent_to_reniec'"
        )
        .await,
        2
    );
    // Each reminder once, with one notice and one mail.
    assert_eq!(
        count(&t.app, "SELECT COUNT(*) FROM reminders_sent").await,
        2
    );
    for table in ["notifications", "outbox"] {
        assert_eq!(
            count(
                &t.app,
                &format!("SELECT COUNT(*) FROM {table} WHERE kind = 'expiry_reminder'")
            )
            .await,
            2,
            "{table}"
        );
    }
    // The queue summary once, to the one analyst.
    assert_eq!(count(&t.app, "SELECT COUNT(*) FROM daily_runs").await, 1);
    assert_eq!(
        count(
            &t.app,
            "SELECT COUNT(*) FROM outbox WHERE kind = 'queue_summary'"
        )
        .await,
        1
    );
    let mails = count(&t.app, "SELECT COUNT(*) FROM outbox").await;
    assert_eq!(mails - mails_before, 3, "two reminders and the summary");

    // Both instances deliver mail at once: every mail is sent once, by one of them.
    let (box_a, box_b) = (Mailbox::default(), Mailbox::default());
    let delivering = |app: &App, mailbox: &Mailbox| {
        let mut app = app.clone();
        app.config = Arc::new(AppConfig {
            mail_from: Some("Mesa de Servicios <mesa@regioncajamarca.gob.pe>".to_owned()),
            ..(*app.config).clone()
        });
        let mailbox = mailbox.clone();
        tokio::spawn(async move {
            let now = app.now();
            jobs::outbox::run_once(&app, &mailbox, now).await.unwrap()
        })
    };
    let (ra, rb) = (delivering(&t.app, &box_a), delivering(&b.app, &box_b));
    let (ra, rb) = (ra.await.unwrap(), rb.await.unwrap());
    assert_eq!(i64::from(ra.sent + rb.sent), mails, "{ra:?} {rb:?}");
    let delivered: Vec<String> = box_a
        .all()
        .into_iter()
        .chain(box_b.all())
        .map(|m| m.message_id)
        .collect();
    let distinct: HashSet<&String> = delivered.iter().collect();
    assert_eq!(delivered.len() as i64, mails);
    assert_eq!(distinct.len(), delivered.len(), "a mail went out twice");
    assert_eq!(
        count(&t.app, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").await,
        0
    );
    assert_eq!(
        count(&t.app, "SELECT COUNT(*) FROM mail_attempts").await,
        mails
    );

    // The audit chain, sealed by both loops, verifies from either instance.
    let entries = count(&t.app, "SELECT COUNT(*) FROM audit_log").await;
    assert!(entries > 0);
    for app in [&t.app, &b.app] {
        let verified = certdesk::app::audit::verify(app).await.unwrap();
        assert_eq!(verified, Ok(entries as u64));
    }
    assert_eq!(
        count(
            &t.app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'batch.closed'"
        )
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_held_by_one_instance_is_left_alone_by_the_other_until_its_lease_runs_out() {
    let (t, clock) = app_at(WEDNESDAY).await;
    let b = Instance::beside(&t).await;
    let (a_id, b_id) = (t.app.instance.to_string(), b.app.instance.to_string());
    let now = t.app.now();
    let until = now + lease::LEASE;
    {
        let mut conn = t.app.store.conn().await.unwrap();
        let conn = &mut *conn;
        assert!(job_leases::take(conn, "x", &a_id, until, now)
            .await
            .unwrap());
        assert!(!job_leases::take(conn, "x", &b_id, until, now)
            .await
            .unwrap());
        assert!(
            !job_leases::take(conn, "x", &a_id, until, now)
                .await
                .unwrap(),
            "not twice, even by its holder"
        );
        assert!(!job_leases::renew(conn, "x", &b_id, until).await.unwrap());
        job_leases::release(conn, "x", &b_id).await.unwrap();
        assert_eq!(
            job_leases::holder(conn, "x", now).await.unwrap(),
            Some(a_id.clone())
        );
        // The holder died: once its lease ran out, another instance takes it.
        assert!(
            job_leases::take(conn, "x", &b_id, until + lease::LEASE, until)
                .await
                .unwrap()
        );
        assert!(!job_leases::renew(conn, "x", &a_id, until).await.unwrap());
        job_leases::release(conn, "x", &a_id).await.unwrap();
        assert_eq!(
            job_leases::holder(conn, "x", until).await.unwrap(),
            Some(b_id.clone())
        );
        job_leases::release(conn, "x", &b_id).await.unwrap();
        assert_eq!(job_leases::holder(conn, "x", until).await.unwrap(), None);
    }

    // Instance A is in the middle of the reminders when B's loop wakes: B runs everything
    // else and leaves the reminders to A.
    let (started, running) = tokio::sync::oneshot::channel::<()>();
    let (finish, finished) = tokio::sync::oneshot::channel::<()>();
    let holder = t.app.clone();
    let held = tokio::spawn(async move {
        lease::hold(&holder, Job::Reminders, async {
            started.send(()).unwrap();
            finished.await.unwrap();
        })
        .await
        .unwrap()
    });
    running.await.unwrap();
    {
        let mut conn = b.app.store.conn().await.unwrap();
        assert_eq!(
            job_leases::holder(&mut conn, "reminders", now)
                .await
                .unwrap(),
            Some(a_id.clone())
        );
    }
    let ran = jobs::tick(&b.app).await;
    assert!(!ran.contains(&Job::Reminders), "{ran:?}");
    assert!(ran.contains(&Job::Batch), "{ran:?}");
    finish.send(()).unwrap();
    assert_eq!(held.await.unwrap(), Some(()));
    // A gave the lease back (without recording a run): B's next wake runs the reminders.
    clock.advance(SignedDuration::from_secs(1));
    assert_eq!(jobs::tick(&b.app).await, [Job::Reminders]);

    // A dies holding the batch's lease: nobody closes a batch until it runs out.
    {
        let mut tx = t.app.store.begin().await.unwrap();
        let now = t.app.now();
        let until = now + lease::LEASE;
        assert!(job_leases::take(&mut tx, "batch", &a_id, until, now)
            .await
            .unwrap());
        tx.commit().await.unwrap();
    }
    clock.advance(SignedDuration::from_secs(30));
    assert_eq!(jobs::tick(&b.app).await, []);
    clock.advance(lease::LEASE);
    assert_eq!(jobs::tick(&b.app).await, [Job::Batch]);
}

async fn login_at(http: &Client, url: &str, email: &str, password: &str) -> Response {
    http.post(url)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_session_opened_on_one_instance_is_valid_on_the_other_and_ends_on_both() {
    let t = spawn_app().await;
    let b = Instance::beside(&t).await;
    let email = "luisa@regioncajamarca.gob.pe";
    let password = "la clave buena de luisa";
    t.user(email, Role::Solicitante, password).await;

    // An API token made on A works on B; closed on B, it no longer works on A.
    let token = t.login_token(email, password).await;
    token_works_then_ends_everywhere(&token, &b.base, &t.base).await;

    // A browser takes the login form (and its anonymous CSRF pair) from B, signs in on A,
    // and is signed in on B; a form of B's page posts to A.
    let browser = new_browser();
    sign_in_across(&browser, &b.base, &t.base, email, password).await;
    let page = browser.get(b.url("/tramites")).send().await.unwrap();
    assert_eq!(page.status(), 200, "signed in on B too");
    let html = page.text().await.unwrap();
    let res = browser
        .post(t.url("/logout"))
        .form(&[("csrf_token", csrf_token(&html).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login");
    assert_eq!(
        count(&t.app, "SELECT COUNT(*) FROM sessions WHERE kind = 'web'").await,
        0,
        "the session ended for both"
    );
}

#[tokio::test]
async fn failed_logins_count_across_instances() {
    let t = spawn_app().await;
    let b = Instance::beside(&t).await;
    let email = "luisa@regioncajamarca.gob.pe";
    let password = "la clave buena de luisa";
    t.user(email, Role::Solicitante, password).await;
    let guesser = Client::new();
    // The guesser alternates between the instances: each failure counts on both.
    for i in 0..auth::MAX_FAILURES_PER_PAIR {
        let url = if i % 2 == 0 {
            t.url("/api/v1/session")
        } else {
            b.url("/api/v1/session")
        };
        let res = login_at(&guesser, &url, email, &format!("adivinanza {i}")).await;
        assert_eq!(res.status(), 401, "attempt {i}");
    }
    for url in [t.url("/api/v1/session"), b.url("/api/v1/session")] {
        let res = login_at(&guesser, &url, email, "otra adivinanza").await;
        problem(res, 429).await;
        // Not even the right password gets through now, on either.
        let res = login_at(&guesser, &url, email, password).await;
        problem(res, 429).await;
    }
}
