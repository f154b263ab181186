//! Accounts that look after themselves: a forgotten password (a one-time link by mail, the
//! same answer whether or not the address has an account), a new link from an expired one,
//! changing one's password, and one's open sessions and API tokens.
//!
//! Builds on `auth` (hashes, links, sessions); must not depend on `web`.

use domain::{ids::UserId, validation::FieldErrors};
use jiff::{SignedDuration, Timestamp};

use super::{
    audit::{self, AuditEvent},
    auth::{self, token_hash},
    notify::{self, Notice, Recipient},
    settings, App, AppError, AppResult,
};
use crate::{
    mail::notices,
    store::{
        password_tokens,
        rate_limits::{self, Reservation},
        sessions::{self, SessionInfo},
        users::{self, User},
        Conn, StoreError,
    },
};

/// How long a link sent by "¿Olvidó su contraseña?" (or from an expired link) lasts: the
/// person asked for it a moment ago, so a short window limits what an old copy of the mail
/// is worth. Access approval links keep [`auth::PASSWORD_LINK_TTL`].
pub const RESET_LINK_TTL: SignedDuration = SignedDuration::from_hours(2);
/// Reset requests are counted over this window (from the first one counted).
pub const RESET_WINDOW: SignedDuration = SignedDuration::from_hours(1);
/// Requests per address within the window that may send a mail; later ones send nothing.
pub const MAX_RESETS_PER_ADDRESS: i64 = 3;
/// Requests from one client address within the window that may send a mail.
pub const MAX_RESETS_PER_IP: i64 = 30;

/// The longest e-mail address looked up (RFC 5321's limit).
const MAX_EMAIL_CHARS: usize = 254;

/// Whether `email` looks like an e-mail address at all (one `@`, something on each side, a
/// dot in the domain, no spaces). Only syntax: it says nothing about accounts.
pub fn looks_like_email(email: &str) -> bool {
    let email = email.trim();
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !email.chars().any(char::is_whitespace)
        && email.chars().count() <= MAX_EMAIL_CHARS
}

/// "¿Olvidó su contraseña?": records the request and, when the address belongs to an
/// active account and the limits allow, retires the account's unused links and mails a
/// new one. Answers the same in every case (nothing tells whether the address has an
/// account); an address that is not one, or a limit reached, just sends nothing.
pub async fn request_password_reset(app: &App, email: &str, client_ip: &str) -> AppResult<()> {
    let email = email.trim().to_lowercase();
    let email: String = email.chars().take(MAX_EMAIL_CHARS).collect();
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let allowed = count_request(&mut tx, &email, client_ip, now).await?;
    let user = if allowed && looks_like_email(&email) {
        users::by_email(&mut tx, &email).await?.filter(|u| u.active)
    } else {
        None
    };
    if let Some(user) = user {
        send_reset_link(app, &mut tx, &user, now).await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// From a used or expired set-password link: mails a new link to the address of the
/// account it was issued to (never shown), under the same limits as
/// [`request_password_reset`]. A link nobody issued sends nothing, with the same answer.
pub async fn resend_password_link(app: &App, token: &str, client_ip: &str) -> AppResult<()> {
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let owner = password_tokens::owner(&mut tx, &token_hash(token)).await?;
    let user = match owner {
        Some(id) => Some(users::by_id(&mut tx, id).await?),
        None => None,
    };
    // An unknown link is counted against its client only (under no address).
    let email = user.as_ref().map(|u| u.email.clone()).unwrap_or_default();
    let allowed = count_request(&mut tx, &email, client_ip, now).await?;
    if let Some(user) = user.filter(|u| allowed && u.active) {
        send_reset_link(app, &mut tx, &user, now).await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Counts a reset request against its address and its client, each reserved atomically in
/// the database (`store::rate_limits`, keyed by a hash, so typed addresses are not kept):
/// true when both still had room. Parallel requests cannot slip past a limit.
async fn count_request(conn: &mut Conn, email: &str, ip: &str, now: Timestamp) -> AppResult<bool> {
    let by_email = rate_limits::reserve(
        conn,
        &rate_limits::key("reset-address", &[email]),
        MAX_RESETS_PER_ADDRESS,
        RESET_WINDOW,
        now,
    )
    .await?;
    let by_ip = rate_limits::reserve(
        conn,
        &rate_limits::key("reset-client", &[ip]),
        MAX_RESETS_PER_IP,
        RESET_WINDOW,
        now,
    )
    .await?;
    let allowed =
        matches!(by_email, Reservation::Taken { .. }) && matches!(by_ip, Reservation::Taken { .. });
    if !allowed {
        tracing::warn!("password reset not sent: rate limit reached");
    }
    Ok(allowed)
}

async fn send_reset_link(
    app: &App,
    tx: &mut crate::store::Tx,
    user: &User,
    now: Timestamp,
) -> AppResult<()> {
    password_tokens::expire_unused(tx, user.id, now).await?;
    let link = auth::pending_password_link(app, user.id, RESET_LINK_TTL)?;
    let entity = settings::load_in(tx).await?.entity_name;
    let notice = Notice {
        to: Recipient::user(user),
        ticket: None,
        message: notices::password_reset(
            &user.name,
            &super::outbox::pending_link_path(),
            RESET_LINK_TTL.as_hours(),
            &entity,
        )
        .with_password_link(link),
    };
    notify::send(app, tx, &[notice], now).await?;
    tracing::info!(user_id = %user.id, "password reset link sent");
    Ok(())
}

/// Changes the signed-in user's password: the current one is required (a wrong one counts
/// as a failed login, so a left-open session cannot be used to guess it), the new one
/// follows the usual rules. Every other session and API token of the account is closed;
/// `current_session` (a handle) stays open.
pub async fn change_password(
    app: &App,
    user: &User,
    current_session: Option<&str>,
    current: &str,
    new: &str,
    confirmation: &str,
    client_ip: &str,
) -> AppResult<u64> {
    let now = app.now();
    let mut errors = FieldErrors::new();
    if current.is_empty() {
        errors.add("current_password", "Escriba su contraseña actual.");
    } else {
        // A wrong current password is a failed login for this account from this client,
        // under the same limits; checking it takes a place first, as a login does.
        let attempt = match auth::reserve_attempt(app, &user.email, client_ip, now).await? {
            Ok(attempt) => attempt,
            Err(throttled) => {
                tracing::warn!(
                    user_id = %user.id, ip = client_ip, limit = throttled.scope,
                    "password change refused: too many failed attempts"
                );
                return Err(throttled.error(now, ""));
            }
        };
        let mut conn = app.store.conn().await?;
        let hash = users::credentials(&mut conn, &user.email)
            .await?
            .and_then(|(_, hash)| hash);
        drop(conn);
        if auth::verify_password(current, hash).await {
            let mut conn = app.store.conn().await?;
            attempt.succeeded(&mut conn).await?;
        } else {
            // The attempt keeps its place: it is a failure.
            tracing::info!(
                user_id = %user.id, ip = client_ip,
                "password change refused: wrong current password"
            );
            errors.add("current_password", "La contraseña actual no es correcta.");
        }
    }
    errors.check(
        "password",
        auth::check_password_policy(new, &[&user.email, &user.name]),
    );
    if new != confirmation {
        errors.add("password_confirmation", "Las contraseñas no coinciden.");
    }
    if errors.is_empty() && new == current {
        errors.add(
            "password",
            "La nueva contraseña debe ser distinta de la actual.",
        );
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let hash = auth::hash_password(new).await?;
    let mut tx = app.store.begin().await?;
    users::set_password_hash(&mut tx, user.id, &hash).await?;
    let closed = sessions::delete_all_but(&mut tx, user.id, current_session).await?;
    password_tokens::expire_unused(&mut tx, user.id, now).await?;
    audit::record(
        &mut tx,
        now,
        audit::Entry::new(
            AuditEvent::PasswordChanged,
            Some(&user.id),
            auth::user_subject(&user.id),
        )
        .with_detail(serde_json::json!({ "sessions_closed": closed })),
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    tracing::info!(user_id = %user.id, closed, "password changed");
    Ok(closed)
}

/// The user's open sessions and API tokens, newest first.
pub async fn sessions(app: &App, user: &User) -> AppResult<Vec<SessionInfo>> {
    let mut conn = app.store.conn().await?;
    Ok(sessions::list_for_user(&mut conn, user.id, app.now()).await?)
}

/// Closes one of the user's own sessions or tokens; someone else's (or none) is 404.
pub async fn close_session(app: &App, user_id: UserId, id: &str) -> AppResult<()> {
    let mut conn = app.store.conn().await?;
    if sessions::delete_by_id(&mut conn, user_id, id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Closes every session and token of the user but `keep`; returns how many.
pub async fn close_other_sessions(app: &App, user_id: UserId, keep: &str) -> AppResult<u64> {
    let mut conn = app.store.conn().await?;
    Ok(sessions::delete_all_but(&mut conn, user_id, Some(keep)).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_shape_of_an_address_is_checked() {
        assert!(looks_like_email("ana@regioncajamarca.gob.pe"));
        assert!(looks_like_email(" ana@gmail.com "));
        for bad in [
            "",
            "ana",
            "ana@",
            "@x.pe",
            "ana@pe",
            "ana @x.pe",
            "a@b@c.pe",
            "ana@x.",
        ] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }
}
