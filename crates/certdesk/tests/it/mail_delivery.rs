//! Delivering the outbox to a real SMTP server on loopback (`smtp_server`): what arrives,
//! what happens while the server is down, refusals, and two workers on the same rows.

use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc,
};

use certdesk::{
    app::{App, AppConfig},
    jobs::outbox::{self as worker, Report},
    mail::smtp::{SendError, Sender, SmtpSender},
    store::outbox::{self, Attachment, MailAttempt, NewMail, OutboxMail},
};
use domain::{ids::OutboxId, notice::NoticeKind, role::Role};
use jiff::{SignedDuration, Timestamp};
use mailparse::MailHeaderMap;
use serde_json::Value;

use crate::{
    helpers::{access_request, app_at, doc, Find, TestApp, WEDNESDAY},
    smtp_server::{unused_port, SmtpServer},
};

const FROM: &str = "Mesa de Servicios <mesa@regioncajamarca.gob.pe>";

/// The test's app as `serve` runs it with `CERTDESK_MAIL_FROM` set.
fn delivering(t: &TestApp) -> App {
    let mut app = t.app.clone();
    app.config = Arc::new(AppConfig {
        mail_from: Some(FROM.to_owned()),
        ..(*t.app.config).clone()
    });
    app
}

/// Files an access request for someone without an account: the use case writes the
/// "we received it" mail to the outbox.
async fn file_access_request(t: &TestApp, email: &str) {
    let res = t
        .post_json("/api/v1/access-requests", None, &access_request(email))
        .await;
    assert_eq!(res.status(), 201, "access request of {email}");
}

async fn enqueue(t: &TestApp, to: &str, subject: &str, attachment: Option<Attachment>) -> OutboxId {
    let mut conn = t.app.store.conn().await.unwrap();
    let mail = NewMail {
        kind: NoticeKind::Appointment,
        to: to.to_owned(),
        user_id: None,
        subject: subject.to_owned(),
        body_text: format!("Texto de «{subject}».\n"),
        body_html: format!("<p>HTML de «{subject}».</p>"),
        attachment,
        link: None,
    };
    outbox::enqueue(&mut conn, &mail, "regioncajamarca.gob.pe", t.app.now())
        .await
        .unwrap()
}

/// Every row, oldest first.
async fn rows(t: &TestApp) -> Vec<OutboxMail> {
    let mut conn = t.app.store.conn().await.unwrap();
    let mut rows = outbox::list(&mut conn, None, 1000).await.unwrap();
    rows.reverse();
    rows
}

async fn row(t: &TestApp, id: OutboxId) -> OutboxMail {
    let mut conn = t.app.store.conn().await.unwrap();
    outbox::get(&mut conn, id).await.unwrap()
}

async fn attempts(t: &TestApp, id: OutboxId) -> Vec<MailAttempt> {
    let mut conn = t.app.store.conn().await.unwrap();
    outbox::attempts(&mut conn, id).await.unwrap()
}

/// `GET /api/v1/outbox` as an admin, keyed by id.
async fn outbox_json(t: &TestApp, admin: &str) -> Vec<Value> {
    let body: Value = t
        .get("/api/v1/outbox", Some(admin))
        .await
        .json()
        .await
        .unwrap();
    body["items"].as_array().unwrap().clone()
}

fn item(items: &[Value], id: OutboxId) -> &Value {
    let id = id.to_string();
    items
        .iter()
        .find(|m| m["id"] == id.as_str())
        .unwrap_or_else(|| panic!("{id} not in the outbox JSON"))
}

fn header(mail: &mailparse::ParsedMail<'_>, name: &str) -> String {
    mail.get_headers()
        .get_first_value(name)
        .unwrap_or_else(|| panic!("no {name} header"))
}

/// Line ends as stored (mail travels with CRLF).
fn lf(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// The claim columns of a row: token and lease end.
async fn claim_of(t: &TestApp, id: OutboxId) -> (Option<String>, Option<i64>) {
    sqlx::query_as("SELECT claim_token, claimed_until FROM outbox WHERE id = $1")
        .bind(id.to_string())
        .fetch_one(t.app.store.pool())
        .await
        .unwrap()
}

/// The decoded body of the first part (at any depth) of type `mimetype`.
fn part(mail: &mailparse::ParsedMail<'_>, mimetype: &str) -> Option<String> {
    mail.parts()
        .find(|p| p.ctype.mimetype == mimetype)
        .map(|p| p.get_body().unwrap())
}

#[tokio::test]
async fn mails_arrive_at_a_real_smtp_server_as_their_rows_say() {
    let (t, _clock) = app_at(WEDNESDAY).await;
    let app = delivering(&t);
    let now = t.app.now();
    file_access_request(&t, "carmen.tello@regioncajamarca.gob.pe").await;
    let ics = Attachment {
        name: "cita-instalacion.ics".to_owned(),
        content_type: "text/calendar; charset=utf-8; method=PUBLISH".to_owned(),
        body: "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n".to_owned(),
    };
    let accented = "Cita de instalación: jueves 03/12/2026, señora Núñez";
    let appointment = enqueue(&t, "jose.nunez@regioncajamarca.gob.pe", accented, Some(ics)).await;
    let server = SmtpServer::start();
    let sender = SmtpSender::from_url(&server.url()).unwrap();

    let report = worker::run_once(&app, &sender, now).await.unwrap();

    assert_eq!(
        report,
        Report {
            sent: 2,
            retried: 0,
            failed: 0
        }
    );
    let received = server.received();
    assert_eq!(received.len(), 2);
    for (row, got) in rows(&t).await.iter().zip(&received) {
        assert_eq!(got.to, std::slice::from_ref(&row.to), "envelope recipient");
        assert_eq!(got.from, "mesa@regioncajamarca.gob.pe", "envelope sender");
        let mail = got.parsed();
        assert_eq!(header(&mail, "Subject"), row.subject, "decoded subject");
        assert_eq!(Some(header(&mail, "Message-ID")), row.message_id);
        assert_eq!(header(&mail, "To"), row.to);
        assert_eq!(
            header(&mail, "From"),
            "\"Mesa de Servicios\" <mesa@regioncajamarca.gob.pe>"
        );
        let date = mailparse::dateparse(&header(&mail, "Date")).unwrap();
        assert_eq!(
            date,
            row.created_at.as_second(),
            "Date is when it was written"
        );
        assert_eq!(lf(&part(&mail, "text/plain").unwrap()), lf(&row.body_text));
        assert_eq!(lf(&part(&mail, "text/html").unwrap()), lf(&row.body_html));
        assert_eq!(row.sent_at, Some(now));
        assert_eq!(row.attempts, 1);
        assert_eq!(row.last_error, None);
        assert_eq!(claim_of(&t, row.id).await, (None, None), "claim released");
        assert_eq!(
            attempts(&t, row.id).await,
            [MailAttempt {
                at: now,
                error: None
            }]
        );
    }
    // The access request's acknowledgement came from the use case, to its author.
    assert_eq!(received[0].to, ["carmen.tello@regioncajamarca.gob.pe"]);
    assert!(part(&received[0].parsed(), "text/plain")
        .unwrap()
        .contains("Un administrador la revisará"));
    // The accented subject travelled RFC 2047-encoded (ASCII on the wire).
    let raw = String::from_utf8(received[1].data.clone()).unwrap();
    let raw_subject = raw.lines().find(|l| l.starts_with("Subject: ")).unwrap();
    assert!(
        raw_subject.is_ascii() && raw_subject.contains("=?utf-8?"),
        "{raw_subject}"
    );
    // The appointment carries its calendar file beside the text and HTML.
    let mail = received[1].parsed();
    assert_eq!(mail.ctype.mimetype, "multipart/mixed");
    let file = mail
        .parts()
        .find(|p| p.ctype.mimetype == "text/calendar")
        .expect("the .ics part");
    assert_eq!(
        file.get_content_disposition()
            .params
            .get("filename")
            .map(String::as_str),
        Some("cita-instalacion.ics")
    );
    assert!(file.get_body().unwrap().contains("BEGIN:VCALENDAR"));
    assert_eq!(
        row(&t, appointment).await.attachment.unwrap().name,
        "cita-instalacion.ics"
    );

    // Nothing is sent twice.
    let again = worker::run_once(&app, &sender, now).await.unwrap();
    assert_eq!(again, Report::default());
    assert_eq!(server.received().len(), 2);
}

#[tokio::test]
async fn a_mail_waits_while_the_server_is_down_and_goes_once_when_it_is_back() {
    let (t, clock) = app_at(WEDNESDAY).await;
    let app = delivering(&t);
    let admin = t.token_for(Role::Admin).await;
    file_access_request(&t, "carmen.tello@regioncajamarca.gob.pe").await;
    let id = rows(&t).await[0].id;
    let port = unused_port();
    let sender = SmtpSender::from_url(&format!("smtp://127.0.0.1:{port}")).unwrap();
    let down_at = t.app.now();

    let report = worker::run_once(&app, &sender, down_at).await.unwrap();

    assert_eq!(
        report,
        Report {
            sent: 0,
            retried: 1,
            failed: 0
        }
    );
    let mail = row(&t, id).await;
    assert_eq!(mail.sent_at, None);
    assert_eq!(mail.failed_at, None);
    assert_eq!(mail.attempts, 1);
    let error = mail.last_error.clone().expect("the connection error");
    assert!(!error.is_empty());
    assert_eq!(
        mail.next_attempt_at,
        down_at + SignedDuration::from_secs(30)
    );
    let tried = attempts(&t, id).await;
    assert_eq!(tried.len(), 1);
    assert_eq!(tried[0].at, down_at);
    assert_eq!(tried[0].error.as_deref(), Some(error.as_str()));
    let json = outbox_json(&t, &admin).await;
    let shown = item(&json, id);
    assert_eq!(shown["status"], "reintentando");
    assert_eq!(shown["attempts"], 1);
    assert_eq!(shown["last_error"], error.as_str());
    assert_eq!(
        shown["next_attempt_at"],
        certdesk::app::rfc3339(mail.next_attempt_at)
    );
    assert_eq!(shown["kind"], "access_received");
    assert_eq!(shown["message_id"].as_str(), mail.message_id.as_deref());

    // Before its time it is not tried again, even with the server back.
    let server = SmtpServer::start_on(port);
    let early = worker::run_once(&app, &sender, down_at).await.unwrap();
    assert_eq!(early, Report::default());
    assert!(server.received().is_empty());

    // Past the wait it goes, once.
    clock.advance(SignedDuration::from_secs(31));
    let back_at = t.app.now();
    let report = worker::run_once(&app, &sender, back_at).await.unwrap();
    assert_eq!(
        report,
        Report {
            sent: 1,
            retried: 0,
            failed: 0
        }
    );
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, ["carmen.tello@regioncajamarca.gob.pe"]);
    assert_eq!(
        Some(header(&received[0].parsed(), "Message-ID")),
        mail.message_id
    );
    let sent = row(&t, id).await;
    assert_eq!(sent.sent_at, Some(back_at));
    assert_eq!(sent.attempts, 2);
    assert_eq!(sent.last_error, None);
    let tried = attempts(&t, id).await;
    assert_eq!(tried.len(), 2);
    assert_eq!(
        tried[1],
        MailAttempt {
            at: back_at,
            error: None
        }
    );
    assert_eq!(
        item(&outbox_json(&t, &admin).await, id)["status"],
        "enviado"
    );

    clock.advance(SignedDuration::from_hours(2));
    let later = worker::run_once(&app, &sender, t.app.now()).await.unwrap();
    assert_eq!(later, Report::default());
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn a_refused_mail_fails_for_good_a_busy_mailbox_is_retried_and_the_rest_go() {
    let (t, clock) = app_at(WEDNESDAY).await;
    let app = delivering(&t);
    let refused = enqueue(&t, "rechazado@regioncajamarca.gob.pe", "Aviso uno", None).await;
    let busy = enqueue(&t, "ocupado@regioncajamarca.gob.pe", "Aviso dos", None).await;
    let fine = enqueue(&t, "ana@regioncajamarca.gob.pe", "Aviso tres", None).await;
    let server = SmtpServer::start();
    let sender = SmtpSender::from_url(&server.url()).unwrap();
    let now = t.app.now();

    let report = worker::run_once(&app, &sender, now).await.unwrap();

    assert_eq!(
        report,
        Report {
            sent: 1,
            retried: 1,
            failed: 1
        }
    );
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, ["ana@regioncajamarca.gob.pe"]);
    let failed = row(&t, refused).await;
    assert_eq!(failed.failed_at, Some(now));
    assert!(failed.last_error.as_deref().unwrap().contains("550"));
    let waiting = row(&t, busy).await;
    assert_eq!(waiting.failed_at, None);
    assert!(waiting.last_error.as_deref().unwrap().contains("450"));
    assert_eq!(waiting.next_attempt_at, now + SignedDuration::from_secs(30));

    // Much later the refused mail is still not retried; the busy one is, and waits longer.
    clock.advance(SignedDuration::from_hours(3));
    let later = worker::run_once(&app, &sender, t.app.now()).await.unwrap();
    assert_eq!(
        later,
        Report {
            sent: 0,
            retried: 1,
            failed: 0
        }
    );
    assert_eq!(attempts(&t, refused).await.len(), 1);
    assert_eq!(
        row(&t, busy).await.next_attempt_at,
        t.app.now() + SignedDuration::from_secs(60)
    );

    // Admins see each state in Spanish.
    t.user(
        "admin@regioncajamarca.gob.pe",
        Role::Admin,
        "clave-de-prueba-1",
    )
    .await;
    t.log_in_browser("admin@regioncajamarca.gob.pe", "clave-de-prueba-1")
        .await;
    let (status, html) = t.page("/admin/correos").await;
    assert_eq!(status, 200);
    let page = doc(&html);
    let card = |subject: &str| {
        page.all("ul.mail-list > li")
            .into_iter()
            .find(|c| c.text_at("h2") == subject)
            .unwrap_or_else(|| panic!("no card for {subject}"))
    };
    let refused_card = card("Aviso uno");
    assert_eq!(refused_card.text_at(".status.mail-fallido"), "Fallido");
    assert!(refused_card.text_at(".delivery-error").contains("550"));
    let busy_card = card("Aviso dos");
    assert_eq!(
        busy_card.text_at(".status.mail-reintentando"),
        "Reintentando"
    );
    assert!(busy_card.text_at(".delivery").contains("próximo intento"));
    assert!(busy_card.text_at(".delivery").contains("2 intentos"));
    let fine_card = card("Aviso tres");
    assert_eq!(fine_card.text_at(".status.mail-enviado"), "Enviado");
    assert_eq!(
        Some(fine_card.text_at(".message-id")),
        row(&t, fine).await.message_id
    );
    assert!(fine_card
        .text_at(".meta")
        .ends_with(NoticeKind::Appointment.label()));
}

#[tokio::test]
async fn a_claim_holds_a_mail_against_other_workers_until_its_lease_ends() {
    let (t, _clock) = app_at(WEDNESDAY).await;
    let id = enqueue(&t, "ana@regioncajamarca.gob.pe", "Aviso", None).await;
    let now = t.app.now();
    let lease = now + worker::LEASE;
    let mut conn = t.app.store.conn().await.unwrap();

    assert!(outbox::claim(&mut conn, id, "a", lease, now).await.unwrap());
    assert!(!outbox::claim(&mut conn, id, "b", lease, now).await.unwrap());
    assert!(outbox::due(&mut conn, now, 10).await.unwrap().is_empty());
    // Once the lease is over the mail is due again and another worker takes it …
    let after: Timestamp = lease + SignedDuration::from_secs(1);
    assert_eq!(outbox::due(&mut conn, after, 10).await.unwrap(), [id]);
    assert!(
        outbox::claim(&mut conn, id, "b", after + worker::LEASE, after)
            .await
            .unwrap()
    );
    // … and the first worker can no longer record anything on it.
    assert!(!outbox::mark_sent(&mut conn, id, "a", after).await.unwrap());
    assert!(outbox::attempts(&mut conn, id).await.unwrap().is_empty());
    assert!(outbox::mark_sent(&mut conn, id, "b", after).await.unwrap());
    assert!(!outbox::claim(
        &mut conn,
        id,
        "c",
        after + worker::LEASE,
        after + worker::LEASE
    )
    .await
    .unwrap());
    let mail = outbox::get(&mut conn, id).await.unwrap();
    assert_eq!(mail.sent_at, Some(after));
    assert_eq!(mail.attempts, 1);
}

/// The real server, behind a gate: a worker's first mail waits until the other worker has
/// claimed a mail too, so that both are at work on the same rows at once.
struct Gated {
    smtp: SmtpSender,
    gate: Arc<tokio::sync::Barrier>,
    first: AtomicBool,
}

impl Sender for Gated {
    async fn send(&self, message: lettre::Message) -> Result<(), SendError> {
        if self.first.swap(false, Ordering::SeqCst) {
            self.gate.wait().await;
        }
        self.smtp.send(message).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_on_the_same_rows_deliver_each_mail_once() {
    let (t, _clock) = app_at(WEDNESDAY).await;
    let app = delivering(&t);
    for n in 0..8 {
        let to = format!("persona{n}@regioncajamarca.gob.pe");
        enqueue(&t, &to, &format!("Aviso {n}"), None).await;
    }
    let server = SmtpServer::start();
    let smtp = SmtpSender::from_url(&server.url()).unwrap();
    let gate = Arc::new(tokio::sync::Barrier::new(2));
    let now = t.app.now();

    let workers: Vec<_> = (0..2)
        .map(|_| {
            let app = app.clone();
            let sender = Gated {
                smtp: smtp.clone(),
                gate: gate.clone(),
                first: AtomicBool::new(true),
            };
            tokio::spawn(async move { worker::run_once(&app, &sender, now).await.unwrap() })
        })
        .collect();
    let mut reports = Vec::new();
    for w in workers {
        reports.push(w.await.unwrap());
    }

    // Each worker got a mail before either sent one, so each sent at least that one.
    assert!(reports.iter().all(|r| r.sent >= 1), "{reports:?}");
    assert!(reports.iter().all(|r| r.retried == 0 && r.failed == 0));
    assert_eq!(reports.iter().map(|r| r.sent).sum::<u32>(), 8);
    let mut delivered: Vec<String> = server
        .received()
        .iter()
        .map(|m| header(&m.parsed(), "Message-ID"))
        .collect();
    delivered.sort();
    let mut expected = Vec::new();
    for r in rows(&t).await {
        assert_eq!(r.attempts, 1);
        assert!(r.sent_at.is_some());
        assert_eq!(attempts(&t, r.id).await.len(), 1);
        expected.push(r.message_id.unwrap());
    }
    expected.sort();
    assert_eq!(delivered, expected, "each mail exactly once");
}

#[tokio::test]
async fn the_delivery_loop_sends_at_once_on_start_and_stops_on_shutdown() {
    let (t, _clock) = app_at(WEDNESDAY).await;
    let app = delivering(&t);
    file_access_request(&t, "carmen.tello@regioncajamarca.gob.pe").await;
    let server = SmtpServer::start();
    let sender = SmtpSender::from_url(&server.url()).unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);

    let delivery = tokio::spawn(worker::run_loop(app, sender, stopped));

    let mut polls = 0;
    while server.received().is_empty() {
        polls += 1;
        assert!(polls < 1000, "the mail never arrived");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    stop.send(true).unwrap();
    delivery.await.unwrap();
    assert_eq!(server.received().len(), 1);
    assert!(rows(&t).await[0].sent_at.is_some());
}

/// Runs `certdesk serve` with `args` and the test's data dir; returns its exit code and
/// standard error. A server that starts after all is killed and fails the test.
fn serve_exit(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_certdesk"))
        .arg("serve")
        .args(["--bind", "127.0.0.1:0"])
        .args(args)
        .env("CERTDESK_DATA_DIR", dir)
        .env_remove("CERTDESK_DATABASE_URL")
        .env_remove("CERTDESK_MAIL_FROM")
        .env_remove("CERTDESK_SMTP_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..1000 {
        if child.try_wait().unwrap().is_some() {
            let out = child.wait_with_output().unwrap();
            return (
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().unwrap();
    panic!("serve {args:?} started instead of refusing");
}

#[test]
fn serve_refuses_to_start_with_smtp_but_no_sender_and_never_shows_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();

    let (code, stderr) = serve_exit(dir, &["--smtp-url", "smtp://mesa:secreto@127.0.0.1:1"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("CERTDESK_MAIL_FROM"), "{stderr}");
    assert!(!stderr.contains("secreto"), "{stderr}");

    let bad_tls = "smtp://mesa:secreto@127.0.0.1:1?tls=quizas";
    let (code, stderr) = serve_exit(dir, &["--mail-from", FROM, "--smtp-url", bad_tls]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("CERTDESK_SMTP_URL"), "{stderr}");
    assert!(stderr.contains("mesa:***@"), "{stderr}");
    assert!(!stderr.contains("secreto"), "{stderr}");

    let not_an_address = [
        "--mail-from",
        "Mesa de Servicios",
        "--smtp-url",
        "smtp://127.0.0.1:1",
    ];
    let (code, stderr) = serve_exit(dir, &not_an_address);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("CERTDESK_MAIL_FROM"), "{stderr}");
}
