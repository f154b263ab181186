//! Account administration, for admins: the list of accounts (search by name or e-mail,
//! filter by role and state), changing an account's role, deactivating and reactivating it,
//! and sending it a new set-password link.
//!
//! Rules: the last active admin can be neither demoted nor deactivated (every change takes
//! the accounts lock first, so two admins acting on each other at once cannot both pass the
//! check). Deactivating closes every session and API token of the account and retires its
//! unused set-password links in the same transaction; authentication refuses inactive
//! accounts anyway. Each change is audited in its own transaction (`user.role_changed`,
//! `user.disabled`, `user.reactivated`, `user.password_link_sent`, subject `user:<id>`).
//! Must not depend on `web`.

use domain::{ids::UserId, role::Role, validation::FieldErrors};
use jiff::Timestamp;

use super::{
    audit::{self, AuditEvent, Entry},
    auth::{self, user_subject},
    notify::{self, Notice, Recipient},
    settings, App, AppError, AppResult,
};
use crate::{
    mail::notices,
    store::{
        password_tokens, sessions,
        users::{self, User, UserFilter},
        StoreError,
    },
};

/// The longest search text.
pub const MAX_QUERY_CHARS: usize = 100;
/// Words of the search text that count.
const MAX_QUERY_WORDS: usize = 6;

/// The list's filters as typed (query string or form): each may be blank.
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    /// Words of the name or the e-mail.
    pub q: String,
    /// `solicitante`, `analista` or `admin`.
    pub role: String,
    /// `true`/`false` (also `activo`/`inactivo`, `si`/`no`).
    pub active: String,
}

impl UserQuery {
    /// The filter, or every bad part as a field error (`q`, `role`, `active`).
    pub fn filter(&self) -> AppResult<UserFilter> {
        let mut errors = FieldErrors::new();
        let q = self.q.trim();
        if q.chars().count() > MAX_QUERY_CHARS {
            errors.add(
                "q",
                format!("Escriba como máximo {MAX_QUERY_CHARS} caracteres."),
            );
        }
        let role = match self.role.trim() {
            "" => None,
            typed => errors.check("role", typed.parse::<Role>()),
        };
        let active = match self.active.trim().to_ascii_lowercase().as_str() {
            "" => None,
            "true" | "activo" | "activa" | "si" | "sí" | "1" => Some(true),
            "false" | "inactivo" | "inactiva" | "desactivada" | "no" | "0" => Some(false),
            _ => {
                errors.add("active", "Indique true (activas) o false (desactivadas).");
                None
            }
        };
        errors.into_result().map_err(AppError::Validation)?;
        Ok(UserFilter {
            words: q
                .split_whitespace()
                .take(MAX_QUERY_WORDS)
                .map(str::to_owned)
                .collect(),
            role,
            active,
        })
    }
}

/// A page of accounts by name, as `query` says; `after` is the last id of the previous page.
pub async fn list(
    app: &App,
    actor: &User,
    query: &UserQuery,
    after: Option<UserId>,
    limit: i64,
) -> AppResult<Vec<User>> {
    auth::require_admin(actor)?;
    let filter = query.filter()?;
    let mut conn = app.store.conn().await?;
    Ok(users::search(&mut conn, &filter, after, limit).await?)
}

/// One account.
pub async fn get(app: &App, actor: &User, id: UserId) -> AppResult<User> {
    auth::require_admin(actor)?;
    let mut conn = app.store.conn().await?;
    Ok(users::by_id(&mut conn, id).await?)
}

/// What an admin changes on an account; `None` leaves it as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserChange {
    pub role: Option<Role>,
    pub active: Option<bool>,
}

/// What a change did, for the page's notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub user: User,
    pub role_changed: bool,
    pub deactivated: bool,
    pub reactivated: bool,
    /// Sessions and API tokens closed by deactivating.
    pub sessions_closed: u64,
}

/// The message of the 409 that protects the last active admin.
pub const LAST_ADMIN: &str = "No se puede quitar el rol de administrador ni desactivar al último \
     administrador activo: la mesa de servicios se quedaría sin nadie que la administre. \
     Primero dé el rol de administrador a otra cuenta activa.";

/// Changes an account's role and/or whether it is active, in one transaction. The last
/// active admin can be neither demoted nor deactivated (409). Deactivating closes the
/// account's sessions and tokens and retires its unused set-password links at once.
pub async fn update(app: &App, actor: &User, id: UserId, change: UserChange) -> AppResult<Changed> {
    auth::require_admin(actor)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    users::lock_accounts(&mut tx).await?;
    // Read again under the lock: an admin demoted or deactivated a moment ago (whose
    // request was already under way) no longer acts as one.
    let me = users::by_id(&mut tx, actor.id).await?;
    if !(me.active && me.role.is_admin()) {
        return Err(AppError::Forbidden);
    }
    let before = users::by_id(&mut tx, id).await?;
    let role = change.role.unwrap_or(before.role);
    let active = change.active.unwrap_or(before.active);
    let was_active_admin = before.active && before.role.is_admin();
    let stays_active_admin = active && role.is_admin();
    if was_active_admin && !stays_active_admin && users::count_active_admins(&mut tx).await? <= 1 {
        return Err(AppError::Conflict(LAST_ADMIN.into()));
    }
    let role_changed = role != before.role;
    let deactivated = before.active && !active;
    let reactivated = !before.active && active;
    let subject = user_subject(&id);
    let mut entries = Vec::new();
    if role_changed {
        users::set_role(&mut tx, id, role).await?;
        entries.push(
            Entry::new(AuditEvent::UserRoleChanged, Some(&actor.id), &subject).with_detail(
                serde_json::json!({ "from": before.role.as_str(), "to": role.as_str() }),
            ),
        );
    }
    let mut sessions_closed = 0;
    if deactivated || reactivated {
        users::set_active(&mut tx, id, active).await?;
    }
    if deactivated {
        sessions_closed = sessions::delete_all_but(&mut tx, id, None).await?;
        password_tokens::expire_unused(&mut tx, id, now).await?;
        entries.push(
            Entry::new(AuditEvent::UserDisabled, Some(&actor.id), &subject).with_detail(
                serde_json::json!({ "role": role.as_str(), "sessions_closed": sessions_closed }),
            ),
        );
    }
    if reactivated {
        entries.push(
            Entry::new(AuditEvent::UserReactivated, Some(&actor.id), &subject)
                .with_detail(serde_json::json!({ "role": role.as_str() })),
        );
    }
    audit::record_all(&mut tx, now, &entries).await?;
    let user = users::by_id(&mut tx, id).await?;
    tx.commit().await.map_err(StoreError::from)?;
    if role_changed {
        tracing::info!(user_id = %id, actor_id = %actor.id, from = before.role.as_str(), to = role.as_str(), "role changed");
    }
    if deactivated {
        tracing::info!(user_id = %id, actor_id = %actor.id, sessions_closed, "account deactivated");
    }
    if reactivated {
        tracing::info!(user_id = %id, actor_id = %actor.id, "account reactivated");
    }
    Ok(Changed {
        user,
        role_changed,
        deactivated,
        reactivated,
        sessions_closed,
    })
}

/// A link sent by [`send_password_link`]: to whom, and until when it works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkSent {
    pub user: User,
    pub expires_at: Timestamp,
}

/// E-mails the account a new one-time set-password link (valid for
/// [`auth::PASSWORD_LINK_TTL`], like the one sent when access is approved); its older unused
/// links stop working. The account keeps its current password until the link is used. A
/// deactivated account gets nothing (409): reactivate it first.
pub async fn send_password_link(app: &App, actor: &User, id: UserId) -> AppResult<LinkSent> {
    auth::require_admin(actor)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let user = users::by_id(&mut tx, id).await?;
    if !user.active {
        return Err(AppError::Conflict(
            "La cuenta está desactivada: reactívela antes de enviarle un enlace para elegir \
             su contraseña."
                .into(),
        ));
    }
    password_tokens::expire_unused(&mut tx, id, now).await?;
    let link = auth::pending_password_link(app, id, auth::PASSWORD_LINK_TTL)?;
    let expires_at = link.expires_at;
    let entity = settings::load_in(&mut tx).await?.entity_name;
    let notice = Notice {
        to: Recipient::user(&user),
        ticket: None,
        message: notices::password_link_from_admin(
            &user.name,
            &super::outbox::pending_link_path(),
            auth::PASSWORD_LINK_TTL.as_hours(),
            &entity,
        )
        .with_password_link(link),
    };
    notify::send(app, &mut tx, &[notice], now).await?;
    // The link itself is a secret: only when it stops working is kept.
    let entry = Entry::new(
        AuditEvent::PasswordLinkSent,
        Some(&actor.id),
        user_subject(&id),
    )
    .with_detail(serde_json::json!({ "expires_at": super::rfc3339(expires_at) }));
    audit::record(&mut tx, now, entry).await?;
    tx.commit().await.map_err(StoreError::from)?;
    tracing::info!(user_id = %id, actor_id = %actor.id, "set-password link sent by an admin");
    Ok(LinkSent { user, expires_at })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(q: &str, role: &str, active: &str) -> UserQuery {
        UserQuery {
            q: q.into(),
            role: role.into(),
            active: active.into(),
        }
    }

    #[test]
    fn a_blank_query_filters_nothing() {
        let f = query("  ", "", "").filter().unwrap();
        assert!(f.words.is_empty());
        assert_eq!(f.role, None);
        assert_eq!(f.active, None);
    }

    #[test]
    fn words_role_and_state_are_read() {
        let f = query(" maría  @gob ", " Analista", "false")
            .filter()
            .unwrap();
        assert_eq!(f.words, vec!["maría", "@gob"]);
        assert_eq!(f.role, Some(Role::Analista));
        assert_eq!(f.active, Some(false));
        assert_eq!(query("", "", "activo").filter().unwrap().active, Some(true));
    }

    #[test]
    fn every_bad_part_is_reported_in_spanish() {
        let Err(AppError::Validation(errors)) = query(&"x".repeat(101), "jefe", "quizas").filter()
        else {
            panic!("expected a validation error");
        };
        assert!(errors.get("q").is_some());
        assert!(errors.get("role").unwrap()[0].contains("solicitante, analista o admin"));
        assert!(errors.get("active").is_some());
    }
}
