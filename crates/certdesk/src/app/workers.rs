//! Long-lived threads for CPU-heavy work: password hashing and image checks.
//!
//! Each kind of work gets a few threads of its own, fed by a queue, instead of tokio's
//! blocking pool. The bound keeps a burst from running dozens of computations at once, and
//! the same few threads reuse the same memory: on whichever blocking thread was free, the
//! allocator kept each computation's large buffer (19 MiB for argon2, up to ~140 MB for a
//! photo) in that thread's arena, and the process grew by hundreds of MiB after a burst
//! (BENCHMARKS.md, scenarios A and C).

use std::sync::{mpsc, Arc, Mutex, OnceLock};

/// A computation for a pool's threads.
type Job = Box<dyn FnOnce() + Send>;

/// A named set of threads and their queue, started on first use.
pub struct Workers {
    name: &'static str,
    threads: usize,
    queue: OnceLock<Option<mpsc::Sender<Job>>>,
}

impl Workers {
    /// `threads` threads named `name-N`; 0 means one per core.
    pub const fn new(name: &'static str, threads: usize) -> Self {
        Self {
            name,
            threads,
            queue: OnceLock::new(),
        }
    }

    fn queue(&self) -> Option<&mpsc::Sender<Job>> {
        self.queue
            .get_or_init(|| {
                let (sender, receiver) = mpsc::channel::<Job>();
                let receiver = Arc::new(Mutex::new(receiver));
                let threads = match self.threads {
                    0 => {
                        std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
                    }
                    n => n,
                };
                let mut started = 0;
                for i in 0..threads {
                    let receiver = receiver.clone();
                    let spawned = std::thread::Builder::new()
                        .name(format!("{}-{i}", self.name))
                        .spawn(move || loop {
                            // The lock is held only while waiting for the next job.
                            let job = match receiver.lock() {
                                Ok(queue) => queue.recv(),
                                Err(_) => return,
                            };
                            match job {
                                Ok(job) => job(),
                                Err(_) => return,
                            }
                        });
                    if spawned.is_ok() {
                        started += 1;
                    }
                }
                (started > 0).then_some(sender)
            })
            .as_ref()
    }

    /// Runs `work` on one of the threads and waits for it without blocking the runtime;
    /// `None` when no thread could be started or `work` panicked.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            // A panic in `work` must not end the thread: it is caught and the caller sees
            // `None` (its sender dropped).
            if let Ok(value) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
                let _ = done.send(value);
            }
        });
        self.queue()?.send(job).ok()?;
        result.await.ok()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    static POOL: Workers = Workers::new("test-workers", 2);

    #[tokio::test]
    async fn work_runs_on_the_named_threads_and_a_panic_costs_only_its_job() {
        let name = POOL
            .run(|| std::thread::current().name().map(str::to_owned))
            .await
            .unwrap()
            .unwrap();
        assert!(name.starts_with("test-workers-"), "{name}");
        let panicked: Option<()> = POOL.run(|| panic!("boom")).await;
        assert!(panicked.is_none());
        // Both threads are still there.
        let sums = futures_sum().await;
        assert_eq!(sums, vec![Some(3), Some(7)]);
    }

    async fn futures_sum() -> Vec<Option<i32>> {
        let (a, b) = tokio::join!(POOL.run(|| 1 + 2), POOL.run(|| 3 + 4));
        vec![a, b]
    }
}
