//! Moves certificates whose download deadline or expiry passed (daily is enough; it runs
//! hourly so a restart never delays it by a day).

use anyhow::Context;
use jiff::Timestamp;

use crate::app::{registry, App};

/// How many certificates changed state.
pub async fn run_once(app: &App, now: Timestamp) -> anyhow::Result<usize> {
    registry::refresh_states(app, now)
        .await
        .context("refreshing certificate states")
}
