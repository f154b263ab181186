//! What the server process costs while a row runs, read from Linux's `/proc`: resident
//! memory (`VmRSS` of `/proc/<pid>/status`, sampled every 100 ms) and CPU time (`utime` +
//! `stime` of `/proc/<pid>/stat`, the difference over the row's wall time).
//!
//! The same CPU reading of `/proc/self/stat` tells how much the load generator itself took:
//! on a 2-core machine it competes with the server, and the tables say so.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

/// How often resident memory is sampled.
const RSS_EVERY: Duration = Duration::from_millis(100);

/// Clock ticks per second of `/proc/<pid>/stat`'s times (`getconf CLK_TCK`). Linux fixes
/// `USER_HZ` at 100 on every architecture this runs on.
const CLK_TCK: f64 = 100.0;

/// CPU time (user + system) of a process so far, in clock ticks.
fn cpu_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count fields after
    // the last ')'. There, utime and stime are the 12th and 13th (fields 14 and 15).
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// Resident memory of a process now, in KiB.
fn rss_kib(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The server's cost over one measured row.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcStats {
    pub rss_peak_mib: f64,
    pub rss_mean_mib: f64,
    /// 100 % is one core.
    pub cpu_pct: f64,
}

/// A running measurement of one process; [`Probe::finish`] ends it.
pub struct Probe {
    pid: String,
    started: Instant,
    ticks_at_start: Option<u64>,
    own_ticks_at_start: Option<u64>,
    stop: Arc<AtomicBool>,
    sampler: tokio::task::JoinHandle<Vec<u64>>,
}

impl Probe {
    /// Starts measuring process `pid` (and this process's own CPU).
    pub fn start(pid: u32) -> Probe {
        let pid = pid.to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let sampler = {
            let pid = pid.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut samples = Vec::new();
                let mut tick = tokio::time::interval(RSS_EVERY);
                // Bounded: a row lasts at most its duration plus the clients' request
                // timeout; an hour of samples is far beyond that.
                for _ in 0..36_000 {
                    tick.tick().await;
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    if let Some(kib) = rss_kib(&pid) {
                        samples.push(kib);
                    }
                }
                samples
            })
        };
        Probe {
            ticks_at_start: cpu_ticks(&pid),
            own_ticks_at_start: cpu_ticks("self"),
            pid,
            started: Instant::now(),
            stop,
            sampler,
        }
    }

    /// Ends the measurement: the server's figures (None when its `/proc` entries could not
    /// be read, e.g. it exited) and this process's own CPU %.
    pub async fn finish(self) -> (Option<ProcStats>, Option<f64>) {
        let wall = self.started.elapsed().as_secs_f64();
        let ticks = cpu_ticks(&self.pid);
        let own = cpu_ticks("self");
        self.stop.store(true, Ordering::Relaxed);
        let samples = self.sampler.await.unwrap_or_default();
        let pct = |start: Option<u64>, end: Option<u64>| match (start, end) {
            (Some(s), Some(e)) if wall > 0.0 => {
                Some(e.saturating_sub(s) as f64 / CLK_TCK / wall * 100.0)
            }
            _ => None,
        };
        let server = match (pct(self.ticks_at_start, ticks), samples.is_empty()) {
            (Some(cpu_pct), false) => {
                let peak = samples.iter().copied().max().unwrap_or(0);
                let mean = samples.iter().sum::<u64>() as f64 / samples.len() as f64;
                Some(ProcStats {
                    rss_peak_mib: peak as f64 / 1024.0,
                    rss_mean_mib: mean / 1024.0,
                    cpu_pct,
                })
            }
            _ => None,
        };
        (server, pct(self.own_ticks_at_start, own))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn this_process_has_a_resident_size_and_cpu_time() {
        assert!(rss_kib("self").unwrap() > 0);
        assert!(cpu_ticks("self").is_some());
    }
}
