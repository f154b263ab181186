//! The results: one markdown table row per measured row on stdout (step rows under scenario
//! A's), and one JSON object per row appended to `--json` (with the URLs used and, for
//! several server processes, each one's figures; the table shows their sum).

use std::{io::Write, path::PathBuf};

use anyhow::Context;
use serde_json::{json, Value};

use crate::{
    http::unix_secs,
    runner::{per_second, percentile_ms, Measured},
};

const HEADER: &str = "| scenario | backend | clients | ops | errors | ops/s | http/s | p50 ms | p95 ms | p99 ms | RSS peak MiB | RSS mean MiB | CPU % | load CPU % |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

pub struct Report {
    label: String,
    json: Option<PathBuf>,
    header_due: bool,
    /// The servers' URLs; client i used URL i mod their number.
    urls: Vec<String>,
}

fn num(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(v) => format!("{v:.decimals$}"),
        None => "-".to_owned(),
    }
}

impl Report {
    pub fn new(label: String, json: Option<PathBuf>, header: bool, urls: Vec<String>) -> Report {
        Report {
            label,
            json,
            header_due: header,
            urls,
        }
    }

    /// Each URL and how many of `clients` clients used it (client i used URL i mod n).
    fn clients_per_url(&self, clients: usize) -> Vec<(String, usize)> {
        let n = self.urls.len().max(1);
        self.urls
            .iter()
            .enumerate()
            .map(|(k, url)| (url.clone(), (0..clients).filter(|c| c % n == k).count()))
            .collect()
    }

    /// Prints the row of `scenario` (and one row per named step, when the operation has
    /// several) and appends its JSON object.
    pub fn row(&mut self, scenario: &str, m: &Measured, steps: &[&str]) -> anyhow::Result<()> {
        if self.header_due {
            println!("{HEADER}");
            self.header_due = false;
        }
        let server = m.server;
        println!(
            "| {scenario} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            self.label,
            m.clients,
            m.ops,
            m.errors,
            num(Some(m.ops_per_s()), 1),
            num(Some(m.http_per_s()), 1),
            num(percentile_ms(&m.latencies, 0.50), 2),
            num(percentile_ms(&m.latencies, 0.95), 2),
            num(percentile_ms(&m.latencies, 0.99), 2),
            num(server.map(|s| s.rss_peak_mib), 1),
            num(server.map(|s| s.rss_mean_mib), 1),
            num(server.map(|s| s.cpu_pct), 0),
            num(m.own_cpu_pct, 0),
        );
        let mut step_json = serde_json::Map::new();
        for (name, lat) in steps.iter().zip(&m.steps) {
            println!(
                "| {scenario} · {name} | {} | {} | {} | | | {} | {} | {} | {} | | | | |",
                self.label,
                m.clients,
                lat.len(),
                num(Some(per_second(lat.len() as u64, m.elapsed)), 1),
                num(percentile_ms(lat, 0.50), 2),
                num(percentile_ms(lat, 0.95), 2),
                num(percentile_ms(lat, 0.99), 2),
            );
            step_json.insert(
                (*name).to_owned(),
                json!({
                    "requests": lat.len(),
                    "p50_ms": percentile_ms(lat, 0.50),
                    "p95_ms": percentile_ms(lat, 0.95),
                    "p99_ms": percentile_ms(lat, 0.99),
                }),
            );
        }
        if m.servers.len() > 1 {
            for (pid, stats) in &m.servers {
                eprintln!(
                    "{scenario} at {} clients, server pid {pid}: RSS peak {} MiB, mean {} MiB, CPU {} %",
                    m.clients,
                    num(stats.map(|s| s.rss_peak_mib), 1),
                    num(stats.map(|s| s.rss_mean_mib), 1),
                    num(stats.map(|s| s.cpu_pct), 0),
                );
            }
        }
        if m.errors > 0 {
            eprintln!(
                "{scenario} at {} clients: {} errors, e.g.:",
                m.clients, m.errors
            );
            for e in &m.error_samples {
                eprintln!("  {e}");
            }
        }
        let object = json!({
            "at_unix": unix_secs(),
            "scenario": scenario,
            "label": self.label,
            "clients": m.clients,
            "seconds": m.elapsed.as_secs_f64(),
            "ops": m.ops,
            "http_requests": m.http,
            "errors": m.errors,
            "ops_per_s": m.ops_per_s(),
            "http_per_s": m.http_per_s(),
            "p50_ms": percentile_ms(&m.latencies, 0.50),
            "p95_ms": percentile_ms(&m.latencies, 0.95),
            "p99_ms": percentile_ms(&m.latencies, 0.99),
            "max_ms": percentile_ms(&m.latencies, 1.0),
            "rss_peak_mib": server.map(|s| s.rss_peak_mib),
            "rss_mean_mib": server.map(|s| s.rss_mean_mib),
            "cpu_pct": server.map(|s| s.cpu_pct),
            "load_cpu_pct": m.own_cpu_pct,
            "urls": self.clients_per_url(m.clients).into_iter()
                .map(|(url, clients)| json!({"url": url, "clients": clients}))
                .collect::<Vec<_>>(),
            "servers": m.servers.iter().map(|(pid, s)| json!({
                "pid": pid,
                "rss_peak_mib": s.map(|s| s.rss_peak_mib),
                "rss_mean_mib": s.map(|s| s.rss_mean_mib),
                "cpu_pct": s.map(|s| s.cpu_pct),
            })).collect::<Vec<_>>(),
            "steps": Value::Object(step_json),
            "error_samples": m.error_samples,
        });
        if let Some(path) = &self.json {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("opening {}", path.display()))?;
            writeln!(file, "{object}").with_context(|| format!("writing {}", path.display()))?;
        }
        std::io::stdout().flush().context("writing stdout")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn clients_are_counted_per_url_round_robin() {
        let urls = vec!["http://a".to_owned(), "http://b".to_owned()];
        let report = Report::new("-".into(), None, false, urls);
        assert_eq!(
            report.clients_per_url(3),
            vec![("http://a".to_owned(), 2), ("http://b".to_owned(), 1)]
        );
        assert_eq!(report.clients_per_url(1)[1].1, 0);
    }
}
