//! The settings in force, read from the database each time a use case needs them, so an
//! admin's change takes effect at once, on every instance, without a restart. What each
//! setting means is `domain::settings`.

use domain::{
    settings::{Setting, SettingChange, Settings},
    validation::FieldErrors,
};

use super::{
    audit::{self, AuditEvent, Entry},
    auth, App, AppError, AppResult,
};
use crate::store::{settings, users::User, Conn, StoreError};

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

/// The settings in force, for the admins' page and API.
pub async fn view(app: &App, actor: &User) -> AppResult<Settings> {
    auth::require_admin(actor)?;
    load(app).await
}

/// What a change of settings did.
#[derive(Debug, Clone)]
pub struct Saved {
    /// The settings now in force.
    pub settings: Settings,
    /// What changed (nothing, when every value was already so).
    pub changes: Vec<SettingChange>,
}

/// Changes some settings (admins): every value is checked at once, each failing one keyed
/// by its setting's word (or `image_thresholds.<name>`), and nothing is saved unless all
/// pass. `unreadable` holds what the caller already found wrong in the input (a value of the
/// wrong type); those fail too, together with the rest. Only the values that differ are
/// written, and they take effect at once: every use case reads the settings from the
/// database.
pub async fn update(
    app: &App,
    actor: &User,
    changes: &[(Setting, String)],
    unreadable: FieldErrors,
) -> AppResult<Saved> {
    auth::require_admin(actor)?;
    let mut tx = app.store.begin().await?;
    settings::lock(&mut tx).await?;
    let before = load_in(&mut tx).await?;
    let borrowed: Vec<(Setting, &str)> = changes.iter().map(|(s, v)| (*s, v.as_str())).collect();
    let mut errors = unreadable;
    let after = errors.absorb(before.with(&borrowed));
    let Some(after) = after.filter(|_| errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let changed = after.changes_from(&before);
    // Write every setting that differs from its stored text (a threshold changed rewrites
    // the one row that holds them all).
    for setting in Setting::ALL {
        if after.stored(*setting) != before.stored(*setting) {
            settings::set(&mut tx, *setting, &after.stored(*setting)).await?;
        }
    }
    if !changed.is_empty() {
        audit::record(&mut tx, app.now(), audit_entry(actor, &changed)).await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    if !changed.is_empty() {
        let keys: Vec<&str> = changed.iter().map(|c| c.key.as_str()).collect();
        tracing::info!(user_id = %actor.id, keys = ?keys, "settings changed");
    }
    Ok(Saved {
        settings: after,
        changes: changed,
    })
}

/// One audit entry for one save: `setting:<key>` when one value changed, else `settings`;
/// the detail lists each changed key with its old and new value (settings hold no secrets).
fn audit_entry(actor: &User, changed: &[SettingChange]) -> Entry {
    let subject = match changed {
        [one] => format!("setting:{}", one.key),
        _ => "settings".to_owned(),
    };
    let changes: Vec<serde_json::Value> = changed
        .iter()
        .map(|c| serde_json::json!({"key": c.key, "old": c.old, "new": c.new}))
        .collect();
    Entry::new(AuditEvent::SettingsChanged, Some(&actor.id), subject).with_detail(
        serde_json::json!({
            "keys": changed.iter().map(|c| c.key.as_str()).collect::<Vec<_>>(),
            "changes": changes,
        }),
    )
}
