//! `certdesk-load`: an HTTP load generator for a running `certdesk serve` on loopback, and
//! the baseline server its figures are compared with (issue 14).
//!
//! - `certdesk-load --url … --pid … --scenario …` runs one scenario at each client count
//!   and prints a markdown table row per count (`scenarios`, `runner`, `report`). `--url`
//!   and `--pid` may be given several times, for several instances of one service.
//! - `certdesk-load baseline --bind … --database …` serves `/hello` and `/insert`
//!   (`baseline`).
//!
//! A developer tool: English output. It depends on nothing of certdesk's code (it talks
//! HTTP only), so it measures the server as any client would see it.

mod baseline;
mod http;
mod probe;
mod report;
mod runner;
mod scenarios;

use std::{path::PathBuf, time::Duration};

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::{
    report::Report,
    runner::Limits,
    scenarios::{Scenario, Settings},
};

#[derive(Debug, Parser)]
#[command(
    name = "certdesk-load",
    version,
    about = "Load generator for a running certdesk serve, and its baseline server",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serves the baselines: GET /hello and POST /insert (one raw INSERT of a ticket row).
    Baseline(BaselineArgs),
}

#[derive(Debug, Args)]
struct BaselineArgs {
    /// Address to listen on (port 0: any free port; the chosen one is printed).
    #[arg(long, default_value = "127.0.0.1:0")]
    bind: String,
    /// sqlite://FILE (a fresh file: removed first) or postgres://… (table baseline_tickets).
    #[arg(long)]
    database: String,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// The server's base URL. Several (the flag repeated, or a comma list) for several
    /// instances: client i uses URL i mod n, and signs in there.
    #[arg(long, value_delimiter = ',', default_value = "http://127.0.0.1:8080")]
    url: Vec<String>,
    /// The server's process id, for its RSS and CPU (omitted: those columns show "-").
    /// Several (repeated, or a comma list): the table shows their sum, stderr and --json
    /// each one.
    #[arg(long, value_delimiter = ',')]
    pid: Vec<u32>,
    /// create, a, b (or one of its targets, e.g. b:cola-page), c, d, hello, insert.
    #[arg(long)]
    scenario: Option<Scenario>,
    /// Client counts, one row each.
    #[arg(long, value_delimiter = ',', default_value = "1,8,32")]
    clients: Vec<usize>,
    /// Seconds measured per row.
    #[arg(long, default_value_t = 15.0)]
    duration: f64,
    /// At most this many operations per row (and per warm-up).
    #[arg(long, default_value_t = 200_000)]
    max_requests: u64,
    /// Seconds of warm-up before each row, not counted.
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// The requester account; its trailing number is replaced by 1..=--requesters for the
    /// accounts of scenarios c and d.
    #[arg(long, default_value = "carga.solicitante.1@regioncajamarca.gob.pe")]
    requester: String,
    /// How many requester accounts there are (carga.solicitante.{1..N}).
    #[arg(long, default_value_t = 40)]
    requesters: usize,
    /// The analyst account (scenario b).
    #[arg(long, default_value = "carga.analista@regioncajamarca.gob.pe")]
    analyst: String,
    /// The password of every account above.
    #[arg(long, default_value = "clave de carga 2026")]
    password: String,
    /// What b:buscar-page searches for (a surname or a ticket number).
    #[arg(long, default_value = "Tello")]
    search: String,
    /// How many queue pages deep b:queue-api-deep reads.
    #[arg(long, default_value_t = 100)]
    deep_pages: usize,
    /// The backend column of the table (e.g. sqlite, postgres).
    #[arg(long, default_value = "-")]
    label: String,
    /// Appends one JSON object per row to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Leaves out the table header (to append rows to a table already printed).
    #[arg(long)]
    no_header: bool,
}

fn seconds(s: f64, what: &str) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(s).with_context(|| format!("{what}: {s} is not a duration"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::Baseline(b)) = cli.command {
        return baseline::serve(&b.bind, &b.database).await;
    }
    let a = cli.run;
    let scenario = a
        .scenario
        .context("--scenario is required (create, a, b, c, d, hello, insert)")?;
    if a.clients.is_empty() || a.clients.contains(&0) {
        anyhow::bail!("--clients takes positive counts, e.g. 1,8,32");
    }
    let urls: Vec<String> = a
        .url
        .iter()
        .map(|u| u.trim().trim_end_matches('/').to_owned())
        .filter(|u| !u.is_empty())
        .collect();
    if urls.is_empty() {
        anyhow::bail!("--url needs at least one URL");
    }
    if urls.len() > 1 {
        eprintln!(
            "{} URLs; client i uses URL i mod {}:",
            urls.len(),
            urls.len()
        );
        for (k, url) in urls.iter().enumerate() {
            eprintln!("  [{k}] {url}");
        }
    }
    let settings = Settings {
        urls: urls.clone(),
        pids: a.pid,
        clients: a.clients,
        limits: Limits {
            duration: seconds(a.duration, "--duration")?,
            max_ops: a.max_requests,
            warmup: seconds(a.warmup, "--warmup")?,
        },
        requester: a.requester,
        requesters: a.requesters,
        analyst: a.analyst,
        password: a.password,
        search: a.search,
        deep_pages: a.deep_pages,
    };
    let mut report = Report::new(a.label, a.json, !a.no_header, urls);
    scenarios::run(&scenario, &settings, &mut report).await
}
