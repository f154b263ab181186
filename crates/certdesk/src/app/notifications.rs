//! A user's in-app notices (the bell): the list, the unread count, marking read, and the
//! choice of also receiving the in-app-only notices by e-mail. Each user sees only their own.

use domain::ids::NotificationId;

use super::{App, AppResult};
use crate::store::{
    notifications::{self, Notification},
    users::{self, User},
    StoreError,
};

/// The user's notices, newest first; `before` is the last id of the previous page.
pub async fn list(
    app: &App,
    actor: &User,
    unread_only: bool,
    before: Option<NotificationId>,
    limit: i64,
) -> AppResult<Vec<Notification>> {
    let mut conn = app.store.conn().await?;
    Ok(notifications::for_user(&mut conn, actor.id, unread_only, before, limit).await?)
}

/// How many notices the user has not read (the bell's number).
pub async fn unread_count(app: &App, actor: &User) -> AppResult<i64> {
    let mut conn = app.store.conn().await?;
    Ok(notifications::unread_count(&mut conn, actor.id).await?)
}

/// Marks one notice read. Someone else's notice is `NotFound`, like one that does not exist.
pub async fn mark_read(app: &App, actor: &User, id: NotificationId) -> AppResult<Notification> {
    let mut conn = app.store.conn().await?;
    Ok(notifications::mark_read(&mut conn, actor.id, id, app.now()).await?)
}

/// Marks every notice of the user read; how many were unread.
pub async fn mark_all_read(app: &App, actor: &User) -> AppResult<u64> {
    let mut conn = app.store.conn().await?;
    Ok(notifications::mark_all_read(&mut conn, actor.id, app.now()).await?)
}

/// Whether the user also gets by e-mail the notices that are in-app only by default.
/// Important notices always go by e-mail, whatever this says.
pub async fn set_mail_copies(app: &App, actor: &User, wanted: bool) -> AppResult<User> {
    let mut tx = app.store.begin().await?;
    users::set_mail_copies(&mut tx, actor.id, wanted).await?;
    let user = users::by_id(&mut tx, actor.id).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(user)
}
