//! Accounts, passwords, sessions and API tokens.
//!
//! Passwords are hashed with argon2id. Session cookies, API tokens and set-password links
//! are random 256-bit secrets; only their SHA-256 is stored, so a copy of the database
//! cannot be used to sign in.

use anyhow::Context;
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use domain::{
    identity::{InstitutionalEmail, PersonName},
    ids::UserId,
    role::Role,
    validation::FieldErrors,
};
use jiff::SignedDuration;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{
    audit::{self, AuditEvent},
    settings, App, AppError, AppResult,
};
use crate::store::{
    self, login_failures,
    outbox::PendingLink,
    password_tokens,
    sessions::{self, NewSession, SessionKind},
    users::{self, NewUser, User},
    StoreError,
};

/// How long a browser session lasts.
pub const WEB_SESSION_TTL: SignedDuration = SignedDuration::from_hours(12);
/// How long an API token lasts.
pub const API_TOKEN_TTL: SignedDuration = SignedDuration::from_hours(24 * 30);
/// How long a set-password link lasts.
pub const PASSWORD_LINK_TTL: SignedDuration = SignedDuration::from_hours(72);
/// Failed logins are counted over this window.
pub const FAILURE_WINDOW: SignedDuration = SignedDuration::from_mins(15);
/// Failures per account within the window before logins for it are refused.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failures per client address within the window before its logins are refused.
pub const MAX_FAILURES_PER_IP: i64 = 20;
pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 128;

const BAD_CREDENTIALS: &str = "Correo o contraseña incorrectos.";

/// A signed-in user with the CSRF token of their session.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    /// The session's public handle (the profile page marks it as the current one).
    pub id: String,
}

/// Where a login comes from, kept with the session for its owner's list. Never logged.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub ip: String,
    pub user_agent: String,
}

/// Longest user agent kept with a session.
const MAX_USER_AGENT_CHARS: usize = 200;

/// What a successful login hands back: the secret goes in a cookie or to the API client.
#[derive(Debug)]
pub struct NewLogin {
    pub user: User,
    pub token: String,
    pub csrf_token: String,
}

/// A fresh random secret, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A session's public handle: random, unrelated to its secret.
fn session_handle() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The stored form of a secret.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Checks the password policy; the message is for people.
pub fn check_password_policy(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!(
            "La contraseña debe tener al menos {MIN_PASSWORD_CHARS} caracteres."
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(format!(
            "La contraseña puede tener como máximo {MAX_PASSWORD_CHARS} caracteres."
        ));
    }
    if password.trim().is_empty() {
        return Err("La contraseña no puede ser solo espacios.".into());
    }
    Ok(())
}

/// argon2id hash, computed off the async runtime (it is deliberately slow).
pub async fn hash_password(password: &str) -> AppResult<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::Error::msg(e).context("hashing a password"))
    })
    .await
    .context("the password hashing task")?
    .map_err(AppError::Internal)
}

pub(crate) async fn verify_password(password: &str, hash: Option<String>) -> bool {
    let password = password.to_owned();
    // With no stored hash we still spend the same effort, so timing does not reveal
    // which e-mails have accounts.
    let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_owned());
    let known = hash != DUMMY_HASH;
    tokio::task::spawn_blocking(move || {
        let ok = PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        ok && known
    })
    .await
    .unwrap_or(false)
}

/// A valid argon2id hash of a random string nobody knows.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2Q0wCj1w5Qf0Nq1yQ8d2Y7mE0QqFq0nC8Yp6o9Rk7sA";

/// Creates an account directly (CLI and demo), with a password.
pub async fn create_user(
    app: &App,
    email: &str,
    name: &str,
    role: Role,
    password: &str,
) -> AppResult<User> {
    let mut errors = FieldErrors::new();
    let domains = settings::load(app).await?.institutional_domains;
    let email = errors.check("email", InstitutionalEmail::parse(email, &domains));
    let name = errors.check("name", PersonName::parse(name));
    errors.check("password", check_password_policy(password));
    let (Some(email), Some(name)) = (email, name) else {
        return Err(AppError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let hash = hash_password(password).await?;
    let mut tx = app.store.begin().await?;
    let user = users::insert(
        &mut tx,
        &NewUser {
            email: email.as_str(),
            name: name.as_str(),
            role,
            password_hash: Some(&hash),
            dni: None,
            position: None,
            unit: None,
            dependency: None,
        },
        app.now(),
    )
    .await
    .map_err(email_taken)?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(user)
}

/// Maps the unique violation on `users.email` to a field error.
pub(crate) fn email_taken(err: StoreError) -> AppError {
    if err.on_constraint("email") {
        AppError::field("email", "Ya existe una cuenta con este correo.")
    } else {
        err.into()
    }
}

/// Checks a login and opens a session (browser) or issues a token (API).
pub async fn login(
    app: &App,
    email: &str,
    password: &str,
    client: &Client,
    kind: SessionKind,
) -> AppResult<NewLogin> {
    let client_ip = client.ip.as_str();
    let email = email.trim().to_lowercase();
    let now = app.now();
    let mut conn = app.store.conn().await?;
    let since = now
        .checked_sub(FAILURE_WINDOW)
        .context("the start of the failure window")?;
    let (by_email, by_ip) =
        login_failures::count_since(&mut conn, &email, client_ip, since).await?;
    if by_email >= MAX_FAILURES_PER_ACCOUNT || by_ip >= MAX_FAILURES_PER_IP {
        drop(conn);
        let mut tx = app.store.begin().await?;
        let target = users::credentials(&mut tx, &email)
            .await?
            .map(|(u, _)| u.id);
        audit_failed_login(&mut tx, now, target.as_ref(), "throttled").await?;
        tx.commit().await.map_err(StoreError::from)?;
        return Err(AppError::RateLimited(
            "Demasiados intentos fallidos. Espere 15 minutos e intente de nuevo, o pida a la \
             Mesa de Servicios que restablezca su contraseña."
                .into(),
        ));
    }
    let found = users::credentials(&mut conn, &email).await?;
    drop(conn);
    let (user, hash) = match found {
        Some((user, hash)) if user.active => (Some(user), hash),
        _ => (None, None),
    };
    let target = user.as_ref().map(|u| u.id);
    let verified = verify_password(password, hash).await;
    let mut tx = app.store.begin().await?;
    let Some(user) = user.filter(|_| verified) else {
        login_failures::record(&mut tx, &email, client_ip, now).await?;
        let reason = if target.is_some() {
            "bad_password"
        } else {
            "unknown_or_inactive_account"
        };
        audit_failed_login(&mut tx, now, target.as_ref(), reason).await?;
        tx.commit().await.map_err(StoreError::from)?;
        return Err(AppError::Unauthorized(BAD_CREDENTIALS.into()));
    };
    login_failures::clear_for_email(&mut tx, &email).await?;
    users::record_login(&mut tx, user.id, now).await?;
    let token = random_token();
    let csrf_token = random_token();
    let ttl = match kind {
        SessionKind::Web => WEB_SESSION_TTL,
        SessionKind::Api => API_TOKEN_TTL,
    };
    let expires_at = now.checked_add(ttl).context("a session's expiry")?;
    let user_agent: String = client
        .user_agent
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_USER_AGENT_CHARS)
        .collect();
    sessions::insert(
        &mut tx,
        &NewSession {
            id: &session_handle(),
            ip: client_ip,
            user_agent: user_agent.trim(),
            token_hash: &token_hash(&token),
            user_id: user.id,
            kind,
            csrf_token: &csrf_token,
            expires_at,
        },
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        audit::Entry::new(
            AuditEvent::LoginSucceeded,
            Some(&user.id),
            user_subject(&user.id),
        )
        .with_detail(serde_json::json!({ "kind": kind.as_str() })),
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    tracing::info!(user_id = %user.id, kind = ?kind, "login");
    Ok(NewLogin {
        user,
        token,
        csrf_token,
    })
}

/// The subject of what is done to or by an account.
pub fn user_subject(id: &UserId) -> String {
    format!("user:{id}")
}

/// A refused login: the account it aimed at when there is one (the address typed is not
/// kept: people type passwords into the wrong box).
async fn audit_failed_login(
    conn: &mut store::Conn,
    now: jiff::Timestamp,
    target: Option<&UserId>,
    reason: &str,
) -> AppResult<()> {
    let subject = target.map_or_else(|| "login".to_owned(), user_subject);
    audit::record(
        conn,
        now,
        audit::Entry::new(AuditEvent::LoginFailed, None, subject)
            .with_detail(serde_json::json!({ "reason": reason })),
    )
    .await
}

/// The session behind a cookie or bearer token, if it is live.
pub async fn authenticate(app: &App, token: &str, kind: SessionKind) -> AppResult<Option<Session>> {
    let mut conn = app.store.conn().await?;
    let found = sessions::find(&mut conn, &token_hash(token), kind, app.now()).await?;
    Ok(found.map(|(user, csrf_token, id)| Session {
        user,
        csrf_token,
        id,
    }))
}

pub async fn logout(app: &App, token: &str) -> AppResult<()> {
    let mut conn = app.store.conn().await?;
    sessions::delete(&mut conn, &token_hash(token)).await?;
    Ok(())
}

/// A one-time set-password link for `user_id`, valid for `ttl` from now, for a mail to
/// carry: its secret is minted only when the mail is delivered (`app::outbox::mint_link`),
/// so no stored row holds it. Put [`super::outbox::pending_link_path`] in the message.
pub(crate) fn pending_password_link(
    app: &App,
    user_id: UserId,
    ttl: SignedDuration,
) -> AppResult<PendingLink> {
    let expires_at = app
        .now()
        .checked_add(ttl)
        .context("a set-password link's expiry")?;
    Ok(PendingLink {
        user_id,
        expires_at,
    })
}

/// True when the link is still usable (for showing the form).
pub async fn password_link_is_valid(app: &App, token: &str) -> AppResult<bool> {
    let mut conn = app.store.conn().await?;
    Ok(
        password_tokens::find_valid(&mut conn, &token_hash(token), app.now())
            .await?
            .is_some(),
    )
}

/// Sets the password through a one-time link; the link is spent.
pub async fn set_password_with_link(
    app: &App,
    token: &str,
    password: &str,
    confirmation: &str,
) -> AppResult<User> {
    let mut errors = FieldErrors::new();
    errors.check("password", check_password_policy(password));
    if password != confirmation {
        errors.add("password_confirmation", "Las contraseñas no coinciden.");
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let hash = hash_password(password).await?;
    let now = app.now();
    let token_hash = token_hash(token);
    let mut tx = app.store.begin().await?;
    let Some(user_id) = password_tokens::find_valid(&mut tx, &token_hash, now).await? else {
        return Err(AppError::Conflict(
            "El enlace ya fue usado o venció. Pida uno nuevo desde la página del enlace.".into(),
        ));
    };
    if !password_tokens::mark_used(&mut tx, &token_hash, now).await? {
        return Err(AppError::Conflict("El enlace ya fue usado.".into()));
    }
    users::set_password_hash(&mut tx, user_id, &hash).await?;
    // Whoever knew the old password is signed out everywhere, and older links are retired.
    sessions::delete_all_but(&mut tx, user_id, None).await?;
    password_tokens::expire_unused(&mut tx, user_id, now).await?;
    let user = users::by_id(&mut tx, user_id).await?;
    audit::record(
        &mut tx,
        now,
        audit::Entry::new(
            AuditEvent::PasswordSet,
            Some(&user_id),
            user_subject(&user_id),
        ),
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(user)
}

/// Refuses unless the user is an analyst or an admin.
pub fn require_analyst(user: &User) -> AppResult<()> {
    if user.role.is_analyst() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Refuses unless the user is an admin.
pub fn require_admin(user: &User) -> AppResult<()> {
    if user.role.is_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_hash_is_stable_and_hides_the_token() {
        let token = random_token();
        assert_eq!(token_hash(&token), token_hash(&token));
        assert!(!token_hash(&token).contains(&token));
        assert_ne!(random_token(), token);
    }

    #[test]
    fn a_short_password_is_refused_in_spanish() {
        let err = check_password_policy("corta").unwrap_err();
        assert!(err.contains("al menos 10 caracteres"), "{err}");
        assert!(check_password_policy("una clave larga").is_ok());
    }

    #[test]
    fn the_dummy_hash_parses_so_unknown_accounts_cost_the_same() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
