//! Reading the mail outbox (admins only).

use domain::ids::OutboxId;

use super::{auth, App, AppResult};
use crate::store::{
    outbox::{self, OutboxMail},
    users::User,
};

/// Newest first; `before` is the last id of the previous page.
pub async fn list(
    app: &App,
    actor: &User,
    before: Option<OutboxId>,
    limit: i64,
) -> AppResult<Vec<OutboxMail>> {
    auth::require_admin(actor)?;
    let mut conn = app.store.conn().await?;
    Ok(outbox::list(&mut conn, before, limit).await?)
}
