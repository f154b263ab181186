//! Privacy of the logs (issue 13): the real binary, logging at its most verbose (`RUST_LOG`
//! is honoured: `trace`, every crate), serves the whole journey of one applicant with a
//! known DNI (an access request, a ticket, its receipt paid by a second known DNI, the applicant with photo and
//! signature, submit, the analyst takes and approves, the batch closes, its package is
//! downloaded, RENIEC's answer gives a certificate, searches by DNI), and no line of its
//! standard output or error (nor of the commands run beside it) holds either DNI.

use std::{
    io::{BufRead, BufReader, Read, Write},
    path::Path,
    process::{Child, Command, Output, Stdio},
    sync::{mpsc, Arc, Mutex},
    thread::JoinHandle,
    time::Duration,
};

use certdesk::clock::{Clock, SystemClock};
use reqwest::Client;
use serde_json::{json, Value};

use crate::helpers::{applicant_form, csrf_token, fresh_database, new_browser, receipt_pdf};

/// The applicant's DNI, and the DNI of who paid the fee: neither may reach a log.
const DNI: &str = "46028213";
const PAYER_DNI: &str = "07315590";
const REQUESTER: &str = "marta.lozano@regioncajamarca.gob.pe";
const ANALYST: &str = "hugo.campos@regioncajamarca.gob.pe";
const ADMIN: &str = "ines.rojas@regioncajamarca.gob.pe";
const PASSWORD: &str = "clave segura de prueba";

/// Runs `certdesk` with `args` on the test's data directory and database, with the most
/// verbose logs.
fn certdesk(args: &[&str], data_dir: &Path, database_url: &str, stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_certdesk"))
        .args(args)
        .env("CERTDESK_DATA_DIR", data_dir)
        .env("CERTDESK_DATABASE_URL", database_url)
        .env("RUST_LOG", "trace")
        .env_remove("CERTDESK_SMTP_URL")
        .env_remove("CERTDESK_DEMO")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "certdesk {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `certdesk serve`, its output collected line by line until it is stopped.
struct Served {
    child: Child,
    base: String,
    lines: Arc<Mutex<Vec<String>>>,
    readers: Vec<JoinHandle<()>>,
}

impl Served {
    fn start(data_dir: &Path, database_url: &str) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_certdesk"))
            .args(["serve", "--bind", "127.0.0.1:0", "--log-format", "json"])
            .env("CERTDESK_DATA_DIR", data_dir)
            .env("CERTDESK_DATABASE_URL", database_url)
            .env("RUST_LOG", "trace")
            .env_remove("CERTDESK_SMTP_URL")
            .env_remove("CERTDESK_DEMO")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let mut readers = Vec::new();
        let stdout: Box<dyn Read + Send> = Box::new(child.stdout.take().unwrap());
        let stderr: Box<dyn Read + Send> = Box::new(child.stderr.take().unwrap());
        for stream in [stdout, stderr] {
            let lines = Arc::clone(&lines);
            let tx = tx.clone();
            readers.push(std::thread::spawn(move || {
                // Bytes, not UTF-8 lines: a log line that is not text is still read whole.
                let mut reader = BufReader::new(stream);
                let mut buf = Vec::new();
                while reader.read_until(b'\n', &mut buf).unwrap_or(0) > 0 {
                    let line = String::from_utf8_lossy(&buf).into_owned();
                    let url = serde_json::from_str::<Value>(&line)
                        .ok()
                        .and_then(|v| v["fields"]["url"].as_str().map(str::to_owned));
                    if let Some(url) = url {
                        let _ = tx.send(url);
                    }
                    lines.lock().unwrap().push(line);
                    buf.clear();
                }
            }));
        }
        let base = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("certdesk serve never said where it listens");
        Served {
            child,
            base,
            lines,
            readers,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops the server and hands back every line it wrote.
    fn stop(mut self) -> Vec<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        std::mem::take(&mut *self.lines.lock().unwrap())
    }
}

async fn login(served: &Served, email: &str) -> String {
    let res = Client::new()
        .post(served.url("/api/v1/session"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "login of {email}");
    res.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A request that must succeed; its JSON body (or `null` for a body that is not JSON).
async fn ok(req: reqwest::RequestBuilder) -> Value {
    let res = req.send().await.unwrap();
    let status = res.status();
    let bytes = res.bytes().await.unwrap();
    assert!(
        status.is_success(),
        "{status}: {}",
        String::from_utf8_lossy(&bytes)
    );
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

/// A browser signed in through the login form.
async fn browser(served: &Served, email: &str) -> Client {
    let browser = new_browser();
    let html = browser
        .get(served.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = browser
        .post(served.url("/login"))
        .form(&[
            ("csrf_token", csrf_token(&html).as_str()),
            ("email", email),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "login of {email}");
    browser
}

/// GETs a page, which must answer 200 and show the DNI (so that it went through the code
/// that handles it).
async fn page_with_dni(served: &Served, browser: &Client, path: &str) {
    let res = browser.get(served.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    let html = res.text().await.unwrap();
    assert!(html.contains(DNI), "{path} does not show the DNI");
}

#[tokio::test]
async fn no_log_line_of_the_whole_journey_holds_a_dni() {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, _pg) = fresh_database(&dir).await;
    let data_dir = dir.path().join("data");
    std::fs::create_dir_all(&data_dir).unwrap();
    let mut logs: Vec<String> = Vec::new();
    let mut keep = |out: &Output| {
        for stream in [&out.stdout, &out.stderr] {
            logs.extend(String::from_utf8_lossy(stream).lines().map(str::to_owned));
        }
    };
    keep(&certdesk(&["migrate"], &data_dir, &database_url, None));
    for (email, role) in [
        (REQUESTER, "solicitante"),
        (ANALYST, "analista"),
        (ADMIN, "admin"),
    ] {
        keep(&certdesk(
            &[
                "user",
                "create",
                "--email",
                email,
                "--name",
                "Persona de Prueba",
                "--role",
                role,
                "--password-stdin",
            ],
            &data_dir,
            &database_url,
            Some(PASSWORD),
        ));
    }

    let served = Served::start(&data_dir, &database_url);
    let api = Client::new();
    let requester = login(&served, REQUESTER).await;
    let analyst = login(&served, ANALYST).await;
    let admin = login(&served, ADMIN).await;

    // An access request carries a DNI too: asked for, asked again (answered like a new one,
    // so a stranger learns nothing, and not stored), approved.
    let asked = crate::helpers::access_request("nuevo.ingreso@regioncajamarca.gob.pe");
    let mut asked = asked.as_object().unwrap().clone();
    asked.insert("dni".into(), json!(DNI));
    let request = ok(api.post(served.url("/api/v1/access-requests")).json(&asked)).await;
    let again = api
        .post(served.url("/api/v1/access-requests"))
        .json(&asked)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), reqwest::StatusCode::CREATED);
    ok(api
        .post(served.url(&format!(
            "/api/v1/access-requests/{}/approve",
            request["id"].as_str().unwrap()
        )))
        .bearer_auth(&admin)
        .json(&json!({})))
    .await;

    // The requester: a paid emision, its receipt, the applicant, sent.
    let ticket = ok(api
        .post(served.url("/api/v1/tickets"))
        .bearer_auth(&requester)
        .json(&json!({"kind": "emision", "reason": "c"})))
    .await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let receipt = reqwest::multipart::Form::new()
        .text("operation_number", "55501234")
        .text("paid_on", "2026-11-02")
        .text("amount", "8.10")
        .text("tribute_code", "00529")
        .text("payer_dni", PAYER_DNI)
        .text("channel", "ventanilla")
        .part(
            "receipt",
            reqwest::multipart::Part::bytes(receipt_pdf())
                .file_name("constancia.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let payment = ok(api
        .post(served.url(&format!("/api/v1/tickets/{id}/payments")))
        .bearer_auth(&requester)
        .multipart(receipt))
    .await;
    let payment = payment["id"].as_str().unwrap().to_owned();
    let mut fields = crate::helpers::applicant_fields(DNI);
    fields.push(("payment_id", payment.clone()));
    let applicant = ok(api
        .post(served.url(&format!("/api/v1/tickets/{id}/applicants")))
        .bearer_auth(&requester)
        .multipart(applicant_form(&fields, &[])))
    .await;
    let applicant = applicant["id"].as_str().unwrap().to_owned();
    // A second applicant refused for a DNI already in the ticket: errors may name fields,
    // never the DNI, in the logs.
    let res = api
        .post(served.url(&format!("/api/v1/tickets/{id}/applicants")))
        .bearer_auth(&requester)
        .multipart(applicant_form(&crate::helpers::applicant_fields(DNI), &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    ok(api
        .post(served.url(&format!("/api/v1/tickets/{id}/submit")))
        .bearer_auth(&requester)
        .json(&json!({})))
    .await;

    // The analyst: finds it by DNI, takes it, approves it.
    let found = ok(api
        .get(served.url(&format!("/api/v1/tickets?q={DNI}")))
        .bearer_auth(&analyst))
    .await;
    assert_eq!(found["items"][0]["id"], id.as_str(), "{found}");
    for action in ["take", "approve"] {
        ok(api
            .post(served.url(&format!("/api/v1/tickets/{id}/{action}")))
            .bearer_auth(&analyst)
            .json(&json!({})))
        .await;
    }
    for file in ["photo", "signature"] {
        ok(api
            .get(served.url(&format!("/api/v1/applicants/{applicant}/{file}")))
            .bearer_auth(&analyst))
        .await;
    }
    ok(api
        .get(served.url(&format!("/api/v1/payments/{payment}/receipt")))
        .bearer_auth(&analyst))
    .await;

    // The batch. The server's clock is the real one, and an approval today waits for the
    // next cut-off, in the future, which no close may name: the applicant's dispatch time
    // is moved back to a cut-off of two weeks ago (the time the binary's own schedule
    // gives for an approval then), and that cut-off is closed late, as after an outage.
    let two_weeks_ago = SystemClock
        .now()
        .checked_sub(jiff::SignedDuration::from_hours(24 * 15))
        .unwrap();
    let schedule = certdesk(
        &["schedule", "--approved-at", &two_weeks_ago.to_string()],
        &data_dir,
        &database_url,
        None,
    );
    keep(&schedule);
    let cutoff: jiff::Timestamp = String::from_utf8_lossy(&schedule.stdout)
        .trim()
        .parse()
        .unwrap();
    let store = certdesk::store::Store::connect(&database_url)
        .await
        .unwrap();
    sqlx::query("UPDATE applicants SET dispatch_at = $1 WHERE id = $2")
        .bind(cutoff.as_microsecond())
        .bind(&applicant)
        .execute(store.pool())
        .await
        .unwrap();
    let batch = ok(api
        .post(served.url("/api/v1/batches/close"))
        .bearer_auth(&analyst)
        .json(&json!({"now": cutoff.to_string()})))
    .await;
    let items = batch["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|i| i["applicant_id"] == applicant.as_str()),
        "the applicant is in the batch: {batch}"
    );
    let batch_id = batch["id"].as_str().unwrap().to_owned();
    let package = api
        .get(served.url(&format!("/api/v1/batches/{batch_id}/package.zip")))
        .bearer_auth(&analyst)
        .send()
        .await
        .unwrap();
    assert_eq!(package.status(), 200);
    assert!(package.bytes().await.unwrap().len() > 1000);

    // RENIEC's answer: the certificate.
    let delivered = cutoff
        .to_zoned(jiff::tz::TimeZone::get("America/Lima").unwrap())
        .date();
    ok(api
        .post(served.url(&format!("/api/v1/applicants/{applicant}/reniec-result")))
        .bearer_auth(&analyst)
        .json(&json!({"approved": true, "delivery_sent_on": delivered.to_string()})))
    .await;
    let certificates = ok(api
        .get(served.url("/api/v1/certificates"))
        .bearer_auth(&requester))
    .await;
    let certificate = certificates["items"][0]["id"].as_str().unwrap().to_owned();
    let shown = ok(api
        .get(served.url(&format!("/api/v1/certificates/{certificate}")))
        .bearer_auth(&requester))
    .await;
    assert_eq!(shown["dni"], DNI, "{shown}");

    // The pages that show the DNI, and a search by it, as people use them.
    let desk = browser(&served, ANALYST).await;
    page_with_dni(&served, &desk, &format!("/analista/tramites/{id}")).await;
    page_with_dni(&served, &desk, &format!("/analista/lotes/{batch_id}")).await;
    page_with_dni(&served, &desk, &format!("/analista/buscar?q={DNI}")).await;
    page_with_dni(&served, &desk, "/analista/certificados").await;
    let own = browser(&served, REQUESTER).await;
    page_with_dni(&served, &own, &format!("/tramites/{id}")).await;
    page_with_dni(&served, &own, "/certificados").await;

    let served_lines = served.stop();
    // The logs were written, at the verbose level, about these very requests: a test that
    // read nothing could not fail.
    assert!(
        served_lines.len() > 200,
        "too few log lines: {}",
        served_lines.len()
    );
    for expected in [
        "\"TRACE\"",
        "\"DEBUG\"",
        "/api/v1/applicants/{id}/reniec-result",
    ] {
        assert!(
            served_lines.iter().any(|l| l.contains(expected)),
            "no log line with {expected}"
        );
    }
    if std::env::var("CERTDESK_TEST_PRINT_LOGS").is_ok() {
        println!("{}", served_lines.join(""));
    }
    logs.extend(served_lines);
    let leaks: Vec<&String> = logs
        .iter()
        .filter(|l| l.contains(DNI) || l.contains(PAYER_DNI))
        .collect();
    println!(
        "privacy: {} log lines at trace level, {} with a DNI",
        logs.len(),
        leaks.len()
    );
    assert!(
        leaks.is_empty(),
        "{} log lines hold a DNI:\n{}",
        leaks.len(),
        leaks
            .iter()
            .take(20)
            .map(|l| l.chars().take(600).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
