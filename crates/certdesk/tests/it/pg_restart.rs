//! PostgreSQL restarted under a write load (issue 13, RELIABILITY.md): the test runs a
//! throwaway PostgreSQL cluster of its own (initdb into a temporary directory, a free port;
//! never the shared server), points the real `certdesk serve` at it, and stops the cluster
//! with `pg_ctl stop -m immediate` (a crash, for PostgreSQL) three times while the clients
//! of the crash harness write. While it is down, the API answers 503 problem+json in
//! Spanish, pages a Spanish 503 page, `/healthz` 503; when it is back, certdesk recovers by
//! itself (no restart). At the end, everything acknowledged is there and complete, as in
//! the SQLite crash harness.
//!
//! Runs in the PostgreSQL pass (`CERTDESK_TEST_POSTGRES_URL` set), when PostgreSQL's server
//! binaries are installed (`/usr/lib/postgresql/<version>/bin`); otherwise it says why it
//! skipped. As root, the cluster runs as the `postgres` user (`runuser`), since PostgreSQL
//! refuses to run as root.

use std::{
    path::PathBuf,
    process::Command,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use certdesk::{
    app::{auth, App, AppConfig},
    blobs::Blobs,
    clock::SystemClock,
    store::Store,
};
use domain::role::Role;
use reqwest::Client;
use serde_json::Value;
use tokio::sync::watch;

use crate::{
    crash::{check_everything, image_maker, log_in, Load, CLIENTS},
    helpers::{csrf_token, PASSWORD, POSTGRES_ENV},
    served::ServeSpec,
};

/// A PostgreSQL cluster of the test's own, stopped and deleted when dropped.
struct Cluster {
    bin: PathBuf,
    /// Owned by the user PostgreSQL runs as; holds `data/`, the socket and the log.
    dir: tempfile::TempDir,
    port: u16,
    run_as_postgres: bool,
}

impl Cluster {
    /// The newest installed server binaries, or why there are none.
    fn binaries() -> Result<PathBuf, String> {
        let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .map_err(|_| "no /usr/lib/postgresql".to_owned())?
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin"))
            .filter(|bin| bin.join("initdb").exists() && bin.join("pg_ctl").exists())
            .collect();
        found.sort_by_key(|p| {
            p.parent()
                .and_then(|v| v.file_name())
                .and_then(|v| v.to_str())
                .and_then(|v| v.parse::<u32>().ok())
                .unwrap_or(0)
        });
        found
            .pop()
            .ok_or_else(|| "no initdb and pg_ctl under /usr/lib/postgresql/*/bin".to_owned())
    }

    fn is_root() -> bool {
        Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false)
    }

    fn new() -> Result<Self, String> {
        let bin = Self::binaries()?;
        let run_as_postgres = Self::is_root();
        if run_as_postgres {
            let user = Command::new("id").args(["-u", "postgres"]).output();
            if !user.map(|o| o.status.success()).unwrap_or(false) {
                return Err(
                    "running as root and there is no postgres user to run the cluster as".into(),
                );
            }
        }
        let dir = tempfile::Builder::new()
            .prefix("certdesk-pg-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        if run_as_postgres {
            let chown = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(dir.path())
                .status()
                .map_err(|e| e.to_string())?;
            assert!(chown.success());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Cluster {
            bin,
            dir,
            port,
            run_as_postgres,
        };
        let out = cluster
            .command("initdb")
            .arg("-D")
            .arg(cluster.data())
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        cluster.start();
        Ok(cluster)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.run_as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(path);
            cmd
        } else {
            Command::new(path)
        }
    }

    fn pg_ctl(&self, args: &[&str]) {
        let out = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_ctl {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn start(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {}",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("postgres.log");
        self.pg_ctl(&[
            "-w",
            "-t",
            "60",
            "-l",
            &log.display().to_string(),
            "-o",
            &options,
            "start",
        ]);
    }

    /// A crash, for PostgreSQL: every backend killed, recovery from the WAL on start.
    fn stop_immediate(&self) {
        self.pg_ctl(&["-w", "-m", "immediate", "stop"]);
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "stop"])
            .output();
    }
}

/// A browser signed in through the login form.
async fn signed_in_browser(base: &str, email: &str) -> Client {
    let browser = Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let html = browser
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = browser
        .post(format!("{base}/login"))
        .form(&[
            ("csrf_token", csrf_token(&html).as_str()),
            ("email", email),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "login form");
    browser
}

async fn wait_for_answers(load: &Load, at_least: u64) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while load.ledger.lock().unwrap().ok < at_least {
        assert!(Instant::now() < deadline, "the load made no progress");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What people get while the database is down: 503 in Spanish, on every surface.
/// (Asked at the same time: each waits out the pool's acquire timeout.)
async fn everything_answers_503_in_spanish(base: &str, token: &str, browser: &Client) {
    let http = Client::new();
    let (health, res, page) = tokio::join!(
        http.get(format!("{base}/healthz")).send(),
        http.post(format!("{base}/api/v1/tickets"))
            .bearer_auth(token)
            .json(&serde_json::json!({"kind": "emision", "reason": "a"}))
            .send(),
        browser.get(format!("{base}/tramites")).send(),
    );
    assert_eq!(
        health.unwrap().status(),
        503,
        "/healthz while the database is down"
    );
    let res = res.unwrap();
    assert_eq!(res.status(), 503, "the API while the database is down");
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["status"], 503);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("no está disponible"),
        "{problem}"
    );

    let res = page.unwrap();
    assert_eq!(res.status(), 503, "a page while the database is down");
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = res.text().await.unwrap();
    assert!(html.contains("no está disponible"), "{html}");
    assert!(html.contains("lang=\"es"), "a Spanish page");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_restarted_mid_load_answers_503_in_spanish_recovers_by_itself_and_loses_nothing() {
    if std::env::var(POSTGRES_ENV).map_or(true, |u| u.is_empty()) {
        eprintln!("skipped: runs in the PostgreSQL pass ({POSTGRES_ENV} set)");
        return;
    }
    let cluster = match Cluster::new() {
        Ok(cluster) => cluster,
        Err(why) => {
            eprintln!("skipped: cannot run a PostgreSQL cluster of our own: {why}");
            return;
        }
    };
    let started = Instant::now();
    let files = tempfile::tempdir().unwrap();
    let store = Store::connect(&cluster.url()).await.unwrap();
    store.migrate().await.unwrap();
    let app = App::new(
        store.clone(),
        Blobs::new(files.path().join("files")),
        std::sync::Arc::new(SystemClock),
        AppConfig::new(""),
    );
    let mut emails = Vec::new();
    for i in 0..CLIENTS {
        let email = format!("carga{i}@regioncajamarca.gob.pe");
        auth::create_user(
            &app,
            &email,
            "Persona de Prueba",
            Role::Solicitante,
            PASSWORD,
        )
        .await
        .unwrap();
        emails.push(email);
    }
    sqlx::query("UPDATE users SET mail_copies = 1")
        .execute(store.pool())
        .await
        .unwrap();
    let spec = ServeSpec::new(files.path(), &cluster.url());
    let mut served = spec.start();
    let base = served.base().to_owned();
    let tokens = log_in(&base, &emails).await;
    let browser = signed_in_browser(&base, &emails[0]).await;
    let (_base_tx, base_rx) = watch::channel(Some(base.clone()));
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

    let restarts = 3;
    let mut longest_recovery = Duration::ZERO;
    for round in 1..=restarts {
        let before = load.ledger.lock().unwrap().ok;
        wait_for_answers(&load, before + 6).await;
        cluster.stop_immediate();
        everything_answers_503_in_spanish(&base, &tokens[0], &browser).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        cluster.start();
        // Recovers by itself: the same certdesk process, no restart.
        let back = Instant::now();
        loop {
            let health = Client::new()
                .get(format!("{base}/healthz"))
                .send()
                .await
                .unwrap();
            if health.status() == 200 {
                break;
            }
            assert!(
                back.elapsed() < Duration::from_secs(60),
                "certdesk did not recover after PostgreSQL restart {round}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        longest_recovery = longest_recovery.max(back.elapsed());
        let (status, _) = {
            let res = browser
                .get(format!("{base}/tramites"))
                .send()
                .await
                .unwrap();
            (res.status(), ())
        };
        assert_eq!(status, 200, "pages work again after restart {round}");
        let after = load.ledger.lock().unwrap().ok;
        wait_for_answers(&load, after + 6).await;
    }
    load.stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.await.unwrap();
    }

    // Files written by requests that the outage cut before their commit are swept on the
    // next start (while serving, only after the grace period).
    served.kill();
    let served = spec.start();
    assert!(served.base.is_some());
    let ledger = load.ledger.lock().unwrap().clone();
    assert!(ledger.unexpected.is_empty(), "{:#?}", ledger.unexpected);
    assert!(ledger.unavailable > 0 || ledger.interrupted > 0);
    let checked = check_everything(&store, &app.blobs, &spec, &ledger).await;
    drop(served);
    let submitted = ledger.tickets.values().filter(|a| a.submitted).count();
    eprintln!(
        "postgres restarted {restarts} times (pg_ctl stop -m immediate) under load: {} \
         requests acknowledged and found complete ({} tickets, {submitted} submitted), {} \
         answered 503 while it was down, {} cut; recovery within {:.1} s of the server's \
         return; at the end {} tickets and {} files, 0 lost, 0 half-written, 0 orphans; {:.1} s",
        ledger.ok,
        ledger.tickets.len(),
        ledger.unavailable,
        ledger.interrupted,
        longest_recovery.as_secs_f64(),
        checked.tickets,
        checked.files,
        started.elapsed().as_secs_f64()
    );
}

/// The same answers without a server to stop: the app's pool is closed under it (both
/// backends, every run).
#[tokio::test]
async fn with_the_database_out_of_reach_the_api_pages_and_health_answer_503_in_spanish() {
    let t = crate::helpers::spawn_app().await;
    let email = "carmen@regioncajamarca.gob.pe";
    let person = crate::helpers::Person::sign_up(&t, email, Role::Solicitante).await;
    t.app.store.close().await;
    everything_answers_503_in_spanish(&t.base, &person.token, &person.browser).await;
}
