//! Crash safety (issue 13, RELIABILITY.md): a write load of complete requests from a few
//! concurrent clients against the real `certdesk serve`, killed with SIGKILL at random
//! moments (seeded, the seed printed) and restarted each time. After each restart:
//! everything that got a 2xx is there and complete, no half-written ticket is visible, no
//! file is missing or left over, the database is intact, the audit chain verifies and each
//! notice is in the outbox exactly once.
//!
//! `CERTDESK_CRASH_SEED` replays a run; `CERTDESK_CRASH_KILLS` changes the number of kills
//! (20 by default). On PostgreSQL (`CERTDESK_TEST_POSTGRES_URL`) the same harness runs
//! against a fresh database on that server; [`super::pg_restart`] restarts a server of its
//! own instead.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex, OnceLock,
    },
    time::{Duration, Instant},
};

use certdesk::{blobs::Blobs, store::Store};
use domain::role::Role;
use rand::{rngs::StdRng, Rng, SeedableRng};
use reqwest::{multipart::Part, Client};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::Row;
use tokio::sync::watch;

use crate::{
    helpers::{applicant_fields, backend_name, fixture, spawn_app, PASSWORD},
    served::{ServeSpec, Served},
};

/// What the clients were told was done (a 2xx), ticket by ticket.
#[derive(Debug, Default, Clone)]
pub struct Acked {
    pub client: usize,
    pub number: String,
    /// (payment id, operation number)
    pub payments: Vec<(String, String)>,
    /// (applicant id, payment id)
    pub applicants: Vec<(String, String)>,
    pub submitted: bool,
}

/// Everything the clients saw.
#[derive(Debug, Default, Clone)]
pub struct Ledger {
    pub tickets: HashMap<String, Acked>,
    /// Requests answered 2xx.
    pub ok: u64,
    /// Requests that got no answer (the server died under them).
    pub interrupted: u64,
    /// Requests answered 503 (the database out of reach).
    pub unavailable: u64,
    /// Anything else: a failure of the test.
    pub unexpected: Vec<String>,
}

/// The clients' shared state: where the server is (None while it is down or checked).
#[derive(Clone)]
pub struct Load {
    pub base: watch::Receiver<Option<String>>,
    pub stop: Arc<AtomicBool>,
    pub ledger: Arc<Mutex<Ledger>>,
    pub counter: Arc<AtomicU64>,
    pub tokens: Arc<Vec<String>>,
    /// Photo and signature pairs, each different, made ahead by [`image_maker`].
    pub images: Arc<tokio::sync::Mutex<Images>>,
}

/// Photo and signature pairs (JPEG bytes), each pair different from every other.
pub type Images = tokio::sync::mpsc::Receiver<(Vec<u8>, Vec<u8>)>;

/// A thread that makes different photo and signature pairs ahead of the clients (making
/// them takes longer than sending them on a busy machine).
pub fn image_maker() -> Images {
    let (tx, rx) = tokio::sync::mpsc::channel(12);
    std::thread::spawn(move || {
        for n in 0.. {
            if tx.blocking_send(unique_images(n)).is_err() {
                break;
            }
        }
    });
    rx
}

enum Outcome {
    Ok(Value),
    Failed,
}

impl Load {
    async fn send(&self, what: &str, req: reqwest::RequestBuilder) -> Outcome {
        let sent = Instant::now();
        let res = req.send().await;
        if std::env::var_os("CERTDESK_CRASH_VERBOSE").is_some() {
            eprintln!("{what}: {} ms", sent.elapsed().as_millis());
        }
        match res {
            Err(_) => {
                self.ledger.lock().unwrap().interrupted += 1;
                Outcome::Failed
            }
            Ok(res) if res.status().is_success() => {
                // The body may be cut by the kill: the request was still done.
                let body = res.json::<Value>().await.unwrap_or(Value::Null);
                self.ledger.lock().unwrap().ok += 1;
                Outcome::Ok(body)
            }
            Ok(res) if res.status() == 503 => {
                let problem = res.json::<Value>().await.unwrap_or(Value::Null);
                let mut ledger = self.ledger.lock().unwrap();
                ledger.unavailable += 1;
                if !problem["detail"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("no está disponible")
                {
                    ledger.unexpected.push(format!("{what}: 503 {problem}"));
                }
                Outcome::Failed
            }
            Ok(res) => {
                let status = res.status();
                let body = res.text().await.unwrap_or_default();
                self.ledger
                    .lock()
                    .unwrap()
                    .unexpected
                    .push(format!("{what}: {status} {body}"));
                Outcome::Failed
            }
        }
    }

    /// One complete request: a paid emision, its receipt, an applicant with photo and
    /// signature, submitted. Stops at the first step that fails (the ticket stays as far as
    /// it got, which is itself something to check).
    async fn one_ticket(&self, client_no: usize, base: &str, http: &Client) {
        let token = &self.tokens[client_no];
        let n = self.counter.fetch_add(1, Ordering::SeqCst);
        let Outcome::Ok(ticket) = self
            .send(
                "open",
                http.post(format!("{base}/api/v1/tickets"))
                    .bearer_auth(token)
                    .json(&json!({"kind": "emision", "reason": "c"})),
            )
            .await
        else {
            return;
        };
        let (Some(id), Some(number)) = (ticket["id"].as_str(), ticket["number"].as_str()) else {
            return; // body cut by the kill; the ticket is checked as unacknowledged
        };
        let id = id.to_owned();
        self.ledger.lock().unwrap().tickets.insert(
            id.clone(),
            Acked {
                client: client_no,
                number: number.to_owned(),
                ..Acked::default()
            },
        );
        let operation = format!("CR{n:08}");
        let form = reqwest::multipart::Form::new()
            .text("operation_number", operation.clone())
            .text("paid_on", "2026-11-02")
            .text("amount", "8.10")
            .text("tribute_code", "00529")
            .text("payer_dni", "10117410")
            .text("channel", "ventanilla")
            .part(
                "receipt",
                Part::bytes(unique_receipt(n))
                    .file_name("constancia.pdf")
                    .mime_str("application/pdf")
                    .unwrap(),
            );
        let Outcome::Ok(payment) = self
            .send(
                "payment",
                http.post(format!("{base}/api/v1/tickets/{id}/payments"))
                    .bearer_auth(token)
                    .multipart(form),
            )
            .await
        else {
            return;
        };
        let Some(payment_id) = payment["id"].as_str().map(str::to_owned) else {
            return;
        };
        self.ack(&id, |a| a.payments.push((payment_id.clone(), operation)));
        let Some((photo, signature)) = self.images.lock().await.recv().await else {
            return;
        };
        let mut form = reqwest::multipart::Form::new();
        let dni = format!("{:08}", 20_000_000 + n);
        for (name, value) in applicant_fields(&dni) {
            form = form.text(name, value);
        }
        form = form
            .text("payment_id", payment_id.clone())
            .part("photo", Part::bytes(photo).file_name("foto.jpg"))
            .part("signature", Part::bytes(signature).file_name("firma.jpg"));
        let Outcome::Ok(applicant) = self
            .send(
                "applicant",
                http.post(format!("{base}/api/v1/tickets/{id}/applicants"))
                    .bearer_auth(token)
                    .multipart(form),
            )
            .await
        else {
            return;
        };
        let Some(applicant_id) = applicant["id"].as_str().map(str::to_owned) else {
            return;
        };
        self.ack(&id, |a| a.applicants.push((applicant_id, payment_id)));
        if let Outcome::Ok(_) = self
            .send(
                "submit",
                http.post(format!("{base}/api/v1/tickets/{id}/submit"))
                    .bearer_auth(token)
                    .json(&json!({})),
            )
            .await
        {
            self.ack(&id, |a| a.submitted = true);
        }
    }

    fn ack(&self, id: &str, f: impl FnOnce(&mut Acked)) {
        if let Some(acked) = self.ledger.lock().unwrap().tickets.get_mut(id) {
            f(acked);
        }
    }

    /// A client: complete requests one after another while the server is up.
    pub async fn run_client(self, client_no: usize) {
        let http = Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let mut base_rx = self.base.clone();
        while !self.stop.load(Ordering::SeqCst) {
            let base = base_rx.borrow_and_update().clone();
            match base {
                Some(base) => self.one_ticket(client_no, &base, &http).await,
                None => {
                    let _ =
                        tokio::time::timeout(Duration::from_millis(200), base_rx.changed()).await;
                }
            }
        }
    }
}

/// A one-page PDF with the request's number in it: each receipt is a file of its own.
fn unique_receipt(n: u64) -> Vec<u8> {
    format!(
        "%PDF-1.4\n% constancia {n}\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    .into_bytes()
}

/// The good fixture photo and signature with `n` written in light 8×8 blocks along the
/// top edge: every applicant's stored files are different, so each file has one owner and
/// a leftover cannot hide behind another row's copy.
pub fn unique_images(n: u64) -> (Vec<u8>, Vec<u8>) {
    static BASE: OnceLock<(image::RgbImage, image::RgbImage)> = OnceLock::new();
    let (photo, signature) = BASE.get_or_init(|| {
        let photo = image::load_from_memory(&fixture("photo_ok.jpg"))
            .unwrap()
            .to_rgb8();
        let signature = image::load_from_memory(&fixture("signature_ok.png"))
            .unwrap()
            .to_rgb8();
        (photo, signature)
    });
    let mark = |img: &image::RgbImage| {
        let mut img = img.clone();
        for bit in 0..16u32 {
            let shade = if n >> bit & 1 == 1 { 255 } else { 215 };
            for dx in 0..8 {
                for dy in 0..8 {
                    img.put_pixel(bit * 8 + dx, dy, image::Rgb([shade, shade, shade]));
                }
            }
        }
        img
    };
    let mut photo_bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut photo_bytes, 95)
        .encode_image(&mark(photo))
        .unwrap();
    // JPEG for the signature too: a phone photo of paper, and far quicker to make than PNG.
    let mut signature_bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut signature_bytes, 95)
        .encode_image(&mark(signature))
        .unwrap();
    (photo_bytes, signature_bytes)
}

/// What one check looked at.
#[derive(Debug, Default, Clone, Copy)]
pub struct Checked {
    pub tickets: usize,
    pub submitted: usize,
    pub files: usize,
}

/// Every check of the issue, on the database and files as the restarted server sees them.
pub async fn check_everything(
    store: &Store,
    blobs: &Blobs,
    spec: &ServeSpec,
    ledger: &Ledger,
) -> Checked {
    let mut conn = store.conn().await.unwrap();
    let rows = |sql: &'static str| sqlx::query(sql);
    let tickets: HashMap<String, (String, String)> =
        rows("SELECT id, number, status FROM tickets WHERE kind = 'emision'")
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r.get::<String, _>("id"),
                    (r.get::<String, _>("number"), r.get::<String, _>("status")),
                )
            })
            .collect();
    let payments: HashMap<String, (String, String, String)> =
        rows("SELECT id, ticket_id, operation_number, receipt_sha256 FROM payments")
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r.get::<String, _>("id"),
                    (
                        r.get::<String, _>("ticket_id"),
                        r.get::<String, _>("operation_number"),
                        r.get::<String, _>("receipt_sha256"),
                    ),
                )
            })
            .collect();
    struct ApplicantRow {
        ticket: String,
        payment: Option<String>,
    }
    let applicants: HashMap<String, ApplicantRow> =
        rows("SELECT id, ticket_id, payment_id, photo_sha256, signature_sha256 FROM applicants")
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r.get::<String, _>("id"),
                    ApplicantRow {
                        ticket: r.get("ticket_id"),
                        payment: r.get("payment_id"),
                    },
                )
            })
            .collect();
    let count_by_ticket = |rows: Vec<sqlx::any::AnyRow>| {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for r in rows {
            *counts.entry(r.get::<String, _>("ticket_id")).or_default() += 1;
        }
        counts
    };
    let submits = count_by_ticket(
        rows("SELECT ticket_id FROM ticket_events WHERE event = 'submit'")
            .fetch_all(&mut *conn)
            .await
            .unwrap(),
    );
    let notices = count_by_ticket(
        rows("SELECT ticket_id FROM notifications WHERE kind = 'ticket_received'")
            .fetch_all(&mut *conn)
            .await
            .unwrap(),
    );
    let mails: Vec<String> =
        rows("SELECT subject, body_text FROM outbox WHERE kind = 'ticket_received'")
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{} {}",
                    r.get::<String, _>("subject"),
                    r.get::<String, _>("body_text")
                )
            })
            .collect();
    let mut mails_by_number: HashMap<String, usize> = HashMap::new();
    for number in tickets.values().map(|(n, _)| n) {
        let count = mails.iter().filter(|m| m.contains(number.as_str())).count();
        mails_by_number.insert(number.clone(), count);
    }

    // 1. Everything acknowledged is there, as acknowledged.
    for (id, acked) in &ledger.tickets {
        let (number, status) = tickets
            .get(id)
            .unwrap_or_else(|| panic!("acknowledged ticket {} is gone", acked.number));
        assert_eq!(number, &acked.number);
        for (payment, operation) in &acked.payments {
            let (ticket, op, _) = payments
                .get(payment)
                .unwrap_or_else(|| panic!("acknowledged receipt {operation} of {number} is gone"));
            assert_eq!((ticket, op), (id, operation));
        }
        for (applicant, payment) in &acked.applicants {
            let row = applicants
                .get(applicant)
                .unwrap_or_else(|| panic!("acknowledged applicant of {number} is gone"));
            assert_eq!(&row.ticket, id);
            assert_eq!(
                row.payment.as_ref(),
                Some(payment),
                "{number}'s receipt link"
            );
        }
        if acked.submitted {
            assert_eq!(status, "enviado", "acknowledged submit of {number}");
        }
    }

    // 2. No half-written ticket: a submitted one is complete, notified once, mailed once.
    let mut submitted = 0;
    for (id, (number, status)) in &tickets {
        let mine: Vec<&ApplicantRow> = applicants.values().filter(|a| &a.ticket == id).collect();
        let submit_events = submits.get(id).copied().unwrap_or(0);
        let received = notices.get(id).copied().unwrap_or(0);
        let mailed = mails_by_number.get(number).copied().unwrap_or(0);
        match status.as_str() {
            "enviado" => {
                submitted += 1;
                assert!(
                    !mine.is_empty(),
                    "{number} was submitted without applicants"
                );
                for a in &mine {
                    let payment = a
                        .payment
                        .as_ref()
                        .unwrap_or_else(|| panic!("{number}: a paid applicant without receipt"));
                    let (ticket, _, _) = payments
                        .get(payment)
                        .unwrap_or_else(|| panic!("{number}: receipt row missing"));
                    assert_eq!(ticket, id, "{number}: someone else's receipt");
                }
                assert_eq!(submit_events, 1, "{number}: submit in history");
                assert_eq!(received, 1, "{number}: in-app notice of the submit");
                assert_eq!(mailed, 1, "{number}: mail of the submit in the outbox");
            }
            "borrador" => {
                assert_eq!(submit_events, 0, "{number}: a draft with a submit line");
                assert_eq!(received, 0, "{number}: a draft with a notice");
                assert_eq!(mailed, 0, "{number}: a draft with a mail");
            }
            other => panic!("{number}: unexpected status {other}"),
        }
    }

    // 3. Files: every named file is there, whole; nothing else is.
    let files = assert_files_whole(&mut conn, blobs).await;

    // 4. The database is intact.
    if store.backend() == certdesk::store::Backend::Sqlite {
        let ok: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(ok, "ok", "PRAGMA integrity_check");
        let broken = sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        assert!(
            broken.is_empty(),
            "PRAGMA foreign_key_check: {} rows",
            broken.len()
        );
    }
    drop(conn);

    // 5. The audit chain.
    let out = spec.run(&["audit", "verify"]);
    assert!(
        out.status.success(),
        "certdesk audit verify: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    Checked {
        tickets: tickets.len(),
        submitted,
        files,
    }
}

/// Every file a row names is in the files store, whole (its name is its SHA-256), and
/// nothing else is there: no orphan, no half-written temporary file, no scratch leftover.
/// How many files there are.
pub async fn assert_files_whole(conn: &mut sqlx::AnyConnection, blobs: &Blobs) -> usize {
    let mut referenced: HashMap<String, String> = HashMap::new();
    for (sql, what) in [
        ("SELECT receipt_sha256 AS sha, id FROM payments", "receipt"),
        ("SELECT photo_sha256 AS sha, id FROM applicants", "photo of applicant"),
        ("SELECT signature_sha256 AS sha, id FROM applicants", "signature of applicant"),
        (
            "SELECT package_sha256 AS sha, id FROM batches WHERE package_sha256 IS NOT NULL",
            "package of batch",
        ),
        (
            "SELECT public_part_sha256 AS sha, id FROM certificates WHERE public_part_sha256 IS NOT NULL",
            "public part of certificate",
        ),
    ] {
        for r in sqlx::query(sql).fetch_all(&mut *conn).await.unwrap() {
            referenced.insert(
                r.get("sha"),
                format!("{what} {}", r.get::<String, _>("id")),
            );
        }
    }
    for (sha, owner) in &referenced {
        let bytes = blobs
            .get(sha)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("file {sha} ({owner}) is missing"));
        assert_eq!(
            &hex::encode(Sha256::digest(&bytes)),
            sha,
            "file {sha} ({owner}) is damaged"
        );
    }
    let stored: HashSet<String> = blobs.stored().await.unwrap().into_iter().collect();
    let orphans: Vec<&String> = stored
        .iter()
        .filter(|s| !referenced.contains_key(*s))
        .collect();
    assert!(orphans.is_empty(), "files nothing refers to: {orphans:?}");
    // What interrupted writes leave: scratch files (the local store's `tmp`, a bucket's
    // `<data-dir>/tmp`) and the local store's half-written `.name`s.
    let scratch = blobs.scratch_dir().unwrap();
    let left: Vec<_> = std::fs::read_dir(&scratch).unwrap().collect();
    assert!(left.is_empty(), "scratch leftovers: {left:?}");
    if let Some(local) = blobs.as_local() {
        for dir in std::fs::read_dir(local.root()).into_iter().flatten() {
            let dir = dir.unwrap();
            if dir.path() == scratch {
                continue;
            }
            for entry in std::fs::read_dir(dir.path()).unwrap() {
                let name = entry.unwrap().file_name().to_string_lossy().into_owned();
                assert!(!name.starts_with('.'), "a half-written file: {name}");
            }
        }
    }
    referenced.len()
}

/// A few acknowledged, submitted tickets read back through the restarted server's API.
async fn read_back(served: &Served, ledger: &Ledger, tokens: &[String]) {
    let http = Client::new();
    for (id, acked) in ledger.tickets.iter().filter(|(_, a)| a.submitted).take(3) {
        let res = http
            .get(served.url(&format!("/api/v1/tickets/{id}")))
            .bearer_auth(&tokens[acked.client])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{} through the API", acked.number);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["status"], "enviado", "{body}");
    }
}

/// The seed: `CERTDESK_CRASH_SEED`, or a new one (printed, to replay the run).
pub fn seed() -> u64 {
    let seed = std::env::var("CERTDESK_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("crash harness seed: {seed} (CERTDESK_CRASH_SEED={seed} replays it)");
    seed
}

pub const CLIENTS: usize = 3;

/// Logs in the requesters through the binary's API; their tokens.
pub async fn log_in(base: &str, emails: &[String]) -> Vec<String> {
    let mut tokens = Vec::new();
    for email in emails {
        let res = Client::new()
            .post(format!("{base}/api/v1/session"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "login of {email}");
        let body: Value = res.json().await.unwrap();
        tokens.push(body["token"].as_str().unwrap().to_owned());
    }
    tokens
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_under_a_write_load_loses_nothing_acknowledged_and_leaves_nothing_half_written() {
    let started = Instant::now();
    let kills: u32 = std::env::var("CERTDESK_CRASH_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let seed = seed();
    let mut rng = StdRng::seed_from_u64(seed);

    // The accounts, written before the binary starts; everything else goes through it.
    let t = spawn_app().await;
    let mut emails = Vec::new();
    for i in 0..CLIENTS {
        let email = format!("carga{i}@regioncajamarca.gob.pe");
        t.user(&email, Role::Solicitante, PASSWORD).await;
        emails.push(email);
    }
    // Copies by mail too, so that each submit puts one mail in the outbox to count.
    sqlx::query("UPDATE users SET mail_copies = 1")
        .execute(t.app.store.pool())
        .await
        .unwrap();
    let spec = ServeSpec::of(&t);

    let mut served = spec.start();
    let tokens = log_in(served.base(), &emails).await;
    let (base_tx, base_rx) = watch::channel(Some(served.base().to_owned()));
    let load = Load {
        base: base_rx,
        stop: Arc::new(AtomicBool::new(false)),
        ledger: Arc::default(),
        counter: Arc::default(),
        tokens: Arc::new(tokens.clone()),
        images: Arc::new(tokio::sync::Mutex::new(image_maker())),
    };
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| tokio::spawn(load.clone().run_client(i)))
        .collect();

    let mut checked = Checked::default();
    for round in 1..=kills {
        // A random number of answered requests since the restart (so that each life of
        // the server gets some work done, however slow the machine), then a random wait:
        // the kill lands anywhere in the four steps of a request, or between them.
        let progress = rng.gen_range(1..=10);
        let wait = rng.gen_range(0..1500);
        let from = load.ledger.lock().unwrap().ok;
        let deadline = Instant::now() + Duration::from_secs(60);
        while load.ledger.lock().unwrap().ok < from + progress && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(wait)).await;
        base_tx.send_replace(None);
        served.kill();
        served = spec.start();
        assert!(served.base.is_some(), "restart {round} failed");
        {
            let ledger = load.ledger.lock().unwrap();
            assert!(ledger.unexpected.is_empty(), "{:#?}", ledger.unexpected);
        }
        let snapshot = load.ledger.lock().unwrap().clone();
        let check_started = Instant::now();
        checked = check_everything(&t.app.store, &t.app.blobs, &spec, &snapshot).await;
        if std::env::var_os("CERTDESK_CRASH_VERBOSE").is_some() {
            eprintln!(
                "round {round}: {progress} answers + {wait} ms, {} ok, {} cut, check {} ms, at {:.1} s",
                snapshot.ok,
                snapshot.interrupted,
                check_started.elapsed().as_millis(),
                started.elapsed().as_secs_f64()
            );
        }
        read_back(&served, &snapshot, &tokens).await;
        base_tx.send_replace(Some(served.base().to_owned()));
    }
    load.stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.await.unwrap();
    }
    let ledger = load.ledger.lock().unwrap();
    assert!(ledger.unexpected.is_empty(), "{:#?}", ledger.unexpected);
    let acked_submits = ledger.tickets.values().filter(|a| a.submitted).count();
    assert!(
        acked_submits >= 3,
        "the load was too thin to mean anything: {acked_submits} submits"
    );
    assert!(ledger.interrupted > 0, "no request was ever cut by a kill");
    eprintln!(
        "crash harness ({}): seed {seed}, {kills} SIGKILLs survived, {} requests acknowledged \
         and found complete after every restart ({} tickets acknowledged, {acked_submits} \
         submitted), {} requests cut by a kill, {} answered 503; at the last check {} \
         tickets ({} submitted) and {} files, 0 lost, 0 half-written, 0 orphans; {:.1} s",
        backend_name(),
        ledger.ok,
        ledger.tickets.len(),
        ledger.interrupted,
        ledger.unavailable,
        checked.tickets,
        checked.submitted,
        checked.files,
        started.elapsed().as_secs_f64()
    );
}
