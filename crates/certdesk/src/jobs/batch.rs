//! Closes the batch of the latest cut-off once it has passed (and, on start, one that was
//! missed while the server was down). The use case is `app::batch::close`, the same the
//! analysts and the CLI call.

use anyhow::Context;
use jiff::Timestamp;

use crate::app::{batch, App};

/// The batch this step closed, if it closed one.
pub async fn run_once(
    app: &App,
    now: Timestamp,
) -> anyhow::Result<Option<crate::store::batches::Batch>> {
    let closed = batch::close(app, None, now)
        .await
        .context("closing the batch")?;
    Ok(closed.newly_closed.then_some(closed.batch))
}
