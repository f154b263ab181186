//! The bounded loop: N clients repeat one operation until the row's time is up or its
//! operation budget is spent, after a warm-up that is not counted; then the figures of the
//! row (counts, latency percentiles, the server's memory and CPU).
//!
//! Every loop here is bounded twice, in time and in count. Latencies are kept whole (one
//! `u64` of microseconds per operation) and sorted at the end: at the rates of a 2-core
//! machine that is a few MiB at most, and the percentiles are exact.

use std::{
    future::Future,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use crate::probe::{Finished, Probe, ProcStats};

/// What one operation did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// HTTP requests sent (answered or not).
    pub http: u32,
    /// Latency of each step in µs, in the scenario's step order (empty when the scenario
    /// has a single step).
    pub steps: Vec<u64>,
    /// Why it failed: a transport error or a non-2xx answer.
    pub error: Option<String>,
}

/// How long and how much.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub duration: Duration,
    pub max_ops: u64,
    pub warmup: Duration,
}

/// What one client saw.
#[derive(Default)]
struct Tally {
    latencies: Vec<u64>,
    steps: Vec<Vec<u64>>,
    http: u64,
    errors: u64,
    error_samples: Vec<String>,
}

/// The figures of one measured row.
#[derive(Debug, Default)]
pub struct Measured {
    pub clients: usize,
    pub ops: u64,
    pub http: u64,
    pub errors: u64,
    pub elapsed: Duration,
    /// Sorted, µs.
    pub latencies: Vec<u64>,
    /// Per step, sorted, µs.
    pub steps: Vec<Vec<u64>>,
    /// A few of the errors, for the operator.
    pub error_samples: Vec<String>,
    /// Every server process together (`--pid` given several times: their sum).
    pub server: Option<ProcStats>,
    /// Each server process, when there are several.
    pub servers: Vec<(u32, Option<ProcStats>)>,
    pub own_cpu_pct: Option<f64>,
}

impl Measured {
    pub fn ops_per_s(&self) -> f64 {
        per_second(self.ops, self.elapsed)
    }

    pub fn http_per_s(&self) -> f64 {
        per_second(self.http, self.elapsed)
    }
}

pub fn per_second(n: u64, elapsed: Duration) -> f64 {
    let s = elapsed.as_secs_f64();
    if s > 0.0 {
        n as f64 / s
    } else {
        0.0
    }
}

/// The `q` quantile (0 < q ≤ 1) of sorted values by nearest rank, in ms.
pub fn percentile_ms(sorted: &[u64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    let i = rank.clamp(1, sorted.len()) - 1;
    sorted.get(i).map(|us| *us as f64 / 1000.0)
}

/// Samples of errors kept per client.
const ERROR_SAMPLES: usize = 3;

/// Runs `op` on `clients` concurrent clients for one row: a warm-up of `limits.warmup`
/// (not counted), then the measured run with the memory and CPU of `pids` sampled. `op` gets
/// the client's index and the client's own running count of operations.
pub async fn run<F, Fut>(clients: usize, limits: Limits, pids: &[u32], op: F) -> Measured
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    let op = Arc::new(op);
    // Each client's count of operations, carried from the warm-up into the measured run
    // (scenarios that alternate keep alternating).
    let seqs: Arc<Vec<AtomicU64>> = Arc::new((0..clients).map(|_| AtomicU64::new(0)).collect());
    if !limits.warmup.is_zero() {
        phase(clients, limits.warmup, limits.max_ops, &op, &seqs).await;
    }
    let probe = (!pids.is_empty()).then(|| Probe::start(pids));
    let started = Instant::now();
    let tallies = phase(clients, limits.duration, limits.max_ops, &op, &seqs).await;
    let elapsed = started.elapsed();
    let finished = match probe {
        Some(p) => p.finish().await,
        None => Finished::default(),
    };
    let mut m = Measured {
        clients,
        elapsed,
        server: finished.total,
        servers: finished.each,
        own_cpu_pct: finished.own_cpu_pct,
        ..Measured::default()
    };
    for t in tallies {
        m.ops += t.latencies.len() as u64;
        m.http += t.http;
        m.errors += t.errors;
        m.latencies.extend(t.latencies);
        for (i, s) in t.steps.into_iter().enumerate() {
            if m.steps.len() <= i {
                m.steps.resize_with(i + 1, Vec::new);
            }
            m.steps[i].extend(s);
        }
        for e in t.error_samples {
            if m.error_samples.len() < 2 * ERROR_SAMPLES && !m.error_samples.contains(&e) {
                m.error_samples.push(e);
            }
        }
    }
    m.latencies.sort_unstable();
    for s in &mut m.steps {
        s.sort_unstable();
    }
    m
}

/// One phase: every client loops until `duration` has passed or `max_ops` operations were
/// started by all clients together.
async fn phase<F, Fut>(
    clients: usize,
    duration: Duration,
    max_ops: u64,
    op: &Arc<F>,
    seqs: &Arc<Vec<AtomicU64>>,
) -> Vec<Tally>
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    let deadline = Instant::now() + duration;
    let started = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::with_capacity(clients);
    for client in 0..clients {
        let op = op.clone();
        let seqs = seqs.clone();
        let started = started.clone();
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            while Instant::now() < deadline && started.fetch_add(1, Ordering::Relaxed) < max_ops {
                let seq = seqs
                    .get(client)
                    .map(|s| s.fetch_add(1, Ordering::Relaxed))
                    .unwrap_or(0);
                let t = Instant::now();
                let outcome = op(client, seq).await;
                tally
                    .latencies
                    .push(u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX));
                tally.http += u64::from(outcome.http);
                for (i, us) in outcome.steps.into_iter().enumerate() {
                    if tally.steps.len() <= i {
                        tally.steps.resize_with(i + 1, Vec::new);
                    }
                    tally.steps[i].push(us);
                }
                if let Some(e) = outcome.error {
                    tally.errors += 1;
                    if tally.error_samples.len() < ERROR_SAMPLES {
                        tally.error_samples.push(e);
                    }
                }
            }
            tally
        }));
    }
    let mut tallies = Vec::with_capacity(clients);
    for task in tasks {
        match task.await {
            Ok(t) => tallies.push(t),
            Err(e) => tallies.push(Tally {
                errors: 1,
                error_samples: vec![format!("client task failed: {e}")],
                ..Tally::default()
            }),
        }
    }
    tallies
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<u64> = (1..=100).map(|i| i * 1000).collect();
        assert_eq!(percentile_ms(&v, 0.50), Some(50.0));
        assert_eq!(percentile_ms(&v, 0.99), Some(99.0));
        assert_eq!(percentile_ms(&v, 1.0), Some(100.0));
        assert_eq!(percentile_ms(&[7000], 0.95), Some(7.0));
        assert_eq!(percentile_ms(&[], 0.5), None);
    }

    #[tokio::test]
    async fn a_row_stops_at_its_operation_budget() {
        let limits = Limits {
            duration: Duration::from_secs(10),
            max_ops: 50,
            warmup: Duration::ZERO,
        };
        let m = run(4, limits, &[], |_, _| async {
            Outcome {
                http: 1,
                ..Outcome::default()
            }
        })
        .await;
        assert_eq!(m.ops, 50);
        assert_eq!(m.http, 50);
        assert_eq!(m.errors, 0);
    }
}
