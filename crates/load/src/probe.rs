//! What the server processes cost while a row runs, read from Linux's `/proc`: resident
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

/// What [`Probe::finish`] measured.
#[derive(Debug, Default)]
pub struct Finished {
    /// All the server processes together: RSS summed at each sample (peak and mean of the
    /// sums), CPU summed. None when a process's `/proc` entries could not be read.
    pub total: Option<ProcStats>,
    /// Each server process, in the order given.
    pub each: Vec<(u32, Option<ProcStats>)>,
    /// This process's own CPU %.
    pub own_cpu_pct: Option<f64>,
}

/// A running measurement of some processes; [`Probe::finish`] ends it.
pub struct Probe {
    pids: Vec<u32>,
    started: Instant,
    ticks_at_start: Vec<Option<u64>>,
    own_ticks_at_start: Option<u64>,
    stop: Arc<AtomicBool>,
    /// One sample per tick: each process's RSS in KiB, in `pids` order.
    sampler: tokio::task::JoinHandle<Vec<Vec<Option<u64>>>>,
}

impl Probe {
    /// Starts measuring the processes `pids` (and this process's own CPU).
    pub fn start(pids: &[u32]) -> Probe {
        let names: Vec<String> = pids.iter().map(u32::to_string).collect();
        let stop = Arc::new(AtomicBool::new(false));
        let sampler = {
            let names = names.clone();
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
                    samples.push(names.iter().map(|p| rss_kib(p)).collect());
                }
                samples
            })
        };
        Probe {
            ticks_at_start: names.iter().map(|p| cpu_ticks(p)).collect(),
            own_ticks_at_start: cpu_ticks("self"),
            pids: pids.to_vec(),
            started: Instant::now(),
            stop,
            sampler,
        }
    }

    /// Ends the measurement.
    pub async fn finish(self) -> Finished {
        let wall = self.started.elapsed().as_secs_f64();
        let ticks: Vec<Option<u64>> = self
            .pids
            .iter()
            .map(|p| cpu_ticks(&p.to_string()))
            .collect();
        let own = cpu_ticks("self");
        self.stop.store(true, Ordering::Relaxed);
        let samples = self.sampler.await.unwrap_or_default();
        let pct = |start: Option<u64>, end: Option<u64>| match (start, end) {
            (Some(s), Some(e)) if wall > 0.0 => {
                Some(e.saturating_sub(s) as f64 / CLK_TCK / wall * 100.0)
            }
            _ => None,
        };
        let stats = |rss: &[u64], cpu_pct: Option<f64>| match (cpu_pct, rss.is_empty()) {
            (Some(cpu_pct), false) => {
                let peak = rss.iter().copied().max().unwrap_or(0);
                let mean = rss.iter().sum::<u64>() as f64 / rss.len() as f64;
                Some(ProcStats {
                    rss_peak_mib: peak as f64 / 1024.0,
                    rss_mean_mib: mean / 1024.0,
                    cpu_pct,
                })
            }
            _ => None,
        };
        let cpu: Vec<Option<f64>> = self
            .ticks_at_start
            .iter()
            .zip(&ticks)
            .map(|(s, e)| pct(*s, *e))
            .collect();
        let each: Vec<(u32, Option<ProcStats>)> = self
            .pids
            .iter()
            .enumerate()
            .map(|(i, pid)| {
                let rss: Vec<u64> = samples
                    .iter()
                    .filter_map(|s| s.get(i).copied().flatten())
                    .collect();
                (*pid, stats(&rss, cpu.get(i).copied().flatten()))
            })
            .collect();
        // The sum at each instant every process was read; CPU only when all were.
        let sums: Vec<u64> = samples
            .iter()
            .filter_map(|s| s.iter().copied().sum::<Option<u64>>())
            .collect();
        let total_cpu = cpu.iter().copied().sum::<Option<f64>>();
        let total = if self.pids.is_empty() {
            None
        } else {
            stats(&sums, total_cpu)
        };
        Finished {
            total,
            each,
            own_cpu_pct: pct(self.own_ticks_at_start, own),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[tokio::test]
    async fn several_processes_are_summed_and_each_reported() {
        let me = std::process::id();
        let probe = Probe::start(&[me, me]);
        tokio::time::sleep(Duration::from_millis(250)).await;
        let done = probe.finish().await;
        assert_eq!(done.each.len(), 2);
        let one = done.each[0].1.unwrap();
        let total = done.total.unwrap();
        assert!(
            total.rss_peak_mib >= 1.9 * one.rss_peak_mib.min(done.each[1].1.unwrap().rss_peak_mib)
        );
        assert!(Probe::start(&[]).finish().await.total.is_none());
    }

    #[test]
    fn this_process_has_a_resident_size_and_cpu_time() {
        assert!(rss_kib("self").unwrap() > 0);
        assert!(cpu_ticks("self").is_some());
    }
}
