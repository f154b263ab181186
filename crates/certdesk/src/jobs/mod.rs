//! Background work. Each job is a `run_once(app, now)` step, tested with a fixed clock,
//! plus a loop that `serve` runs until shutdown.

pub mod housekeeping;

use std::time::Duration;

use tokio::sync::watch;

use crate::app::App;

/// Runs every job's loop until `shutdown` turns true.
pub async fn run_all(app: App, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_secs(15 * 60));
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let now = app.now();
                if let Err(err) = housekeeping::run_once(&app, now).await {
                    tracing::warn!(error = ?err, "housekeeping failed; will retry");
                }
            }
            _ = shutdown.changed() => break,
        }
    }
    tracing::info!("background jobs stopped");
}
