//! The real `certdesk` binary as a child process, for the crash and fault tests: started on
//! a free port with a data dir and database of the test's choosing, killed with SIGKILL.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use serde_json::Value;

/// How to start `certdesk serve`.
#[derive(Debug, Clone)]
pub struct ServeSpec {
    pub data_dir: PathBuf,
    pub database_url: String,
    /// Extra environment (e.g. `CERTDESK_FAULT`).
    pub env: Vec<(String, String)>,
    /// Extra arguments after `serve`.
    pub args: Vec<String>,
}

impl ServeSpec {
    pub fn new(data_dir: &Path, database_url: &str) -> Self {
        Self {
            data_dir: data_dir.to_owned(),
            database_url: database_url.to_owned(),
            // Orphans may be swept at once: no other server shares these files.
            env: vec![("CERTDESK_ORPHAN_GRACE_SECS".into(), "0".into())],
            args: Vec::new(),
        }
    }

    /// The binary on a test app's data dir, database and files store (its bucket prefix on
    /// the test S3, when the tests run with one).
    pub fn of(t: &crate::helpers::TestApp) -> Self {
        let spec = Self::new(t.dir.path(), &t.database_url);
        match (t.app.blobs.as_local(), crate::helpers::s3_endpoint()) {
            (None, Some(endpoint)) => spec.files_in_bucket(&t.app.blobs.describe(), &endpoint),
            _ => spec,
        }
    }

    /// Files in `url` (`s3://…`) on the local S3 at `endpoint`.
    pub fn files_in_bucket(self, url: &str, endpoint: &str) -> Self {
        let mut spec = self
            .env("CERTDESK_FILES_URL", url)
            .env("AWS_ENDPOINT_URL", endpoint)
            .env("AWS_ALLOW_HTTP", "true");
        if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
            spec = spec
                .env("AWS_ACCESS_KEY_ID", "certdesk")
                .env("AWS_SECRET_ACCESS_KEY", "certdesk");
        }
        spec
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    pub fn arg(mut self, arg: &str) -> Self {
        self.args.push(arg.to_owned());
        self
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_certdesk"));
        cmd.args(args)
            .env("CERTDESK_DATA_DIR", &self.data_dir)
            .env("CERTDESK_DATABASE_URL", &self.database_url)
            .env_remove("CERTDESK_SMTP_URL")
            .env_remove("CERTDESK_MAIL_FROM")
            .env_remove("CERTDESK_DEMO")
            .env_remove("CERTDESK_FAULT")
            .stdin(Stdio::null());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// `certdesk serve`; waits for the line that says where it listens (`None` when the
    /// process exits first, e.g. at a fault point).
    pub fn start(&self) -> Served {
        let mut cmd = self.command(&["serve", "--bind", "127.0.0.1:0", "--log-format", "json"]);
        cmd.args(&self.args)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        // Keeps draining the log, so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if !sent {
                    let url = serde_json::from_str::<Value>(&line)
                        .ok()
                        .and_then(|v| v["fields"]["url"].as_str().map(str::to_owned));
                    if let Some(url) = url {
                        let _ = tx.send(url);
                        sent = true;
                    }
                }
                // Errors go to the test's output (shown when it fails).
                if line.contains("\"level\":\"ERROR\"")
                    || (line.contains("\"level\":\"WARN\"")
                        && std::env::var_os("CERTDESK_CRASH_VERBOSE").is_some())
                {
                    eprintln!("certdesk serve: {line}");
                }
            }
        });
        let base = rx.recv_timeout(Duration::from_secs(60)).ok();
        Served {
            child: Some(child),
            base,
        }
    }

    /// Runs another `certdesk` command (e.g. `audit verify`) on the same data.
    pub fn run(&self, args: &[&str]) -> std::process::Output {
        self.command(args).output().unwrap()
    }
}

/// A running (or finished) `certdesk serve`; killed when dropped.
pub struct Served {
    child: Option<Child>,
    /// `http://127.0.0.1:<port>`, once it said so.
    pub base: Option<String>,
}

impl Served {
    pub fn base(&self) -> &str {
        self.base
            .as_deref()
            .expect("certdesk serve never said where it listens")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    /// SIGKILL, and waits for the process to be gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Waits up to `timeout` for the process to exit by itself.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let child = self.child.as_mut()?;
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Some(status) = child.try_wait().unwrap() {
                self.child = None;
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.kill();
    }
}
