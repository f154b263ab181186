//! Closes the batch of the latest cut-off once it has passed (and, on start, one that was
//! missed while the server was down). The use case is `app::batch::close`, the same the
//! analysts and the CLI call. It also builds the package of a batch whose close committed
//! but whose process died before the package was recorded.

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
    // A batch closed just before the process died may still lack its package.
    batch::build_missing_packages(app)
        .await
        .context("building a missing batch package")?;
    Ok(closed.newly_closed.then_some(closed.batch))
}
