//! The settings in force, read from the database each time a use case needs them, so an
//! admin's change takes effect at once, on every instance, without a restart. What each
//! setting means is `domain::settings`.

use domain::settings::Settings;

use super::{App, AppResult};
use crate::store::{settings, Conn};

/// The settings as stored, inside the caller's connection or transaction. A value that
/// no longer parses keeps its default and is logged (a bad setting never stops the desk).
pub async fn load_in(conn: &mut Conn) -> AppResult<Settings> {
    let rows = settings::all(conn).await?;
    let (settings, problems) =
        Settings::from_stored(rows.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    for (key, messages) in problems.iter() {
        tracing::warn!(setting = key, problem = %messages.join(" "), "invalid stored setting; using its default");
    }
    Ok(settings)
}

/// The settings as stored, on a connection of their own.
pub async fn load(app: &App) -> AppResult<Settings> {
    let mut conn = app.store.conn().await?;
    load_in(&mut conn).await
}
