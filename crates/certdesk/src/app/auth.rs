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
    self,
    outbox::PendingLink,
    password_tokens,
    rate_limits::{self, Reservation},
    server_keys,
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
/// Failed logins are counted in windows this long (from a counter's first failure).
pub const FAILURE_WINDOW: SignedDuration = SignedDuration::from_mins(15);
/// Failed logins for one typed address from one client address within a window; further
/// attempts from that pair, right or wrong, wait for the window to end. The owner signing
/// in from anywhere else is not affected.
pub const MAX_FAILURES_PER_PAIR: i64 = 10;
/// Failed logins from one client address, whatever the accounts, within a window; further
/// attempts from that address wait for the window to end. Correct logins are not counted.
pub const MAX_FAILURES_PER_IP: i64 = 50;
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

/// The name of the anonymous CSRF signing key in `server_keys`.
const ANON_CSRF_KEY: &str = "anon_csrf_hmac";
/// What the anonymous CSRF MAC covers besides the nonce (so the key signs nothing else).
const ANON_CSRF_CONTEXT: &[u8] = b"certdesk anonymous csrf v1\0";

type HmacSha256 = hmac::Hmac<Sha256>;

/// The key that signs anonymous CSRF tokens: made once per database (every instance on it
/// shares it), read once per process.
pub async fn anon_csrf_key(app: &App) -> AppResult<[u8; 32]> {
    let key = app
        .csrf_key
        .get_or_try_init(|| async {
            let mut candidate = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut candidate);
            let mut conn = app.store.conn().await?;
            let stored = server_keys::get_or_create(
                &mut conn,
                ANON_CSRF_KEY,
                &hex::encode(candidate),
                app.now(),
            )
            .await?;
            let mut key = [0u8; 32];
            hex::decode_to_slice(stored.trim(), &mut key)
                .context("the stored anonymous CSRF key is not 32 bytes of hex")?;
            Ok::<_, AppError>(key)
        })
        .await?;
    Ok(*key)
}

fn anon_csrf_mac(key: &[u8; 32], nonce: &str) -> HmacSha256 {
    use hmac::{digest::KeyInit, Mac};
    // HMAC pads a short key with zeros to the block size (RFC 2104), so the padded key is
    // the same key, and the fixed-size constructor cannot fail.
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(key);
    let mut mac = <HmacSha256 as KeyInit>::new(&block.into());
    mac.update(ANON_CSRF_CONTEXT);
    mac.update(nonce.as_bytes());
    mac
}

/// A new anonymous CSRF token: a random nonce and the server's MAC of it
/// (`<nonce>.<mac>`), so a browser cannot pick its own.
pub fn new_anon_csrf(key: &[u8; 32]) -> String {
    use hmac::Mac;
    let nonce = random_token();
    let tag = anon_csrf_mac(key, &nonce).finalize().into_bytes();
    format!("{nonce}.{}", URL_SAFE_NO_PAD.encode(tag))
}

/// True when `token` is one this server issued (its MAC checks, in constant time).
pub fn anon_csrf_is_valid(key: &[u8; 32], token: &str) -> bool {
    use hmac::Mac;
    let Some((nonce, tag)) = token.split_once('.') else {
        return false;
    };
    let Ok(tag) = URL_SAFE_NO_PAD.decode(tag) else {
        return false;
    };
    nonce.len() >= 32 && anon_csrf_mac(key, nonce).verify_slice(&tag).is_ok()
}

/// The stored form of a secret.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The common passwords refused (assets/passwords/README.md says where they come from).
const COMMON_PASSWORDS: &str = include_str!("../../assets/passwords/common-passwords.txt");

/// [`COMMON_PASSWORDS`] folded ([`fold_password`]), built on first use.
fn common_passwords() -> &'static std::collections::HashSet<String> {
    static SET: std::sync::OnceLock<std::collections::HashSet<String>> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        COMMON_PASSWORDS
            .lines()
            .map(fold_password)
            .filter(|p| !p.is_empty())
            .collect()
    })
}

/// Lower case with Spanish accents folded (`Contraseña` → `contrasena`), trimmed.
fn fold_password(password: &str) -> String {
    password
        .trim()
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'ä' | 'â' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            'ñ' => 'n',
            other => other,
        })
        .collect()
}

/// Only the letters of a folded text: what is left of a password once digits, spaces and
/// symbols are taken away (`Ana.Perez-2026!` → `anaperez`).
fn letters(text: &str) -> String {
    fold_password(text)
        .chars()
        .filter(|c| c.is_alphabetic())
        .collect()
}

/// Checks the password policy (NIST SP 800-63B: length, not composition; no common
/// password; not the account's own e-mail or name). `context` holds the account's e-mail
/// and name. The message is for people.
pub fn check_password_policy(password: &str, context: &[&str]) -> Result<(), String> {
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
    let folded = fold_password(password);
    if common_passwords().contains(&folded) || common_passwords().contains(&folded.replace(' ', ""))
    {
        return Err(
            "Esa contraseña es demasiado común y se prueba primero al adivinar. Elija otra: \
             por ejemplo, tres o cuatro palabras que solo usted relacione."
                .into(),
        );
    }
    let own = letters(password);
    let uses_own_data = context.iter().any(|item| {
        let item = item.trim();
        if item.is_empty() {
            return false;
        }
        // The whole e-mail anywhere in it, or nothing but the e-mail's user part, the name,
        // or one of its words, dressed up with digits and symbols.
        let folded_item = fold_password(item);
        let local = item.split('@').next().unwrap_or(item);
        (item.contains('@') && folded.contains(&folded_item))
            || own == letters(local)
            || own == letters(item)
            || item
                .split_whitespace()
                .any(|word| letters(word).chars().count() >= 3 && own == letters(word))
    });
    if uses_own_data && !own.is_empty() {
        return Err("La contraseña no puede ser su correo ni su nombre. Elija otra.".into());
    }
    Ok(())
}

/// argon2 runs on threads of its own, one per core (`workers`): a burst of logins
/// (anyone may post one) on tokio's blocking pool ran dozens at once and took the process
/// past 4 GiB without answering any faster (BENCHMARKS.md, scenario C).
static PASSWORD_THREADS: super::workers::Workers = super::workers::Workers::new("password", 0);

/// argon2id hash, computed off the async runtime (it is deliberately slow).
pub async fn hash_password(password: &str) -> AppResult<String> {
    let password = password.to_owned();
    PASSWORD_THREADS
        .run(move || {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| anyhow::Error::msg(e).context("hashing a password"))
        })
        .await
        .context("hashing a password: its thread failed or is gone")?
        .map_err(AppError::Internal)
}

pub(crate) async fn verify_password(password: &str, hash: Option<String>) -> bool {
    let password = password.to_owned();
    // With no stored hash we still spend the same effort, so timing does not reveal
    // which e-mails have accounts.
    let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_owned());
    let known = hash != DUMMY_HASH;
    PASSWORD_THREADS
        .run(move || {
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
    let (email_in, name_in) = (email, name);
    let mut errors = FieldErrors::new();
    let domains = settings::load(app).await?.institutional_domains;
    let email = errors.check("email", InstitutionalEmail::parse(email, &domains));
    let name = errors.check("name", PersonName::parse(name));
    errors.check(
        "password",
        check_password_policy(password, &[email_in, name_in]),
    );
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

/// A login attempt's place in the failure limits, taken before the password is checked
/// (so parallel attempts cannot all slip under a limit). A failure just keeps it; a success
/// gives it back with [`Attempt::succeeded`].
#[derive(Debug)]
pub(crate) struct Attempt {
    pair_key: String,
    ip_key: String,
    ip_window_ends: jiff::Timestamp,
}

/// Which limit refused an attempt, and until when.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Throttled {
    pub scope: &'static str,
    pub until: jiff::Timestamp,
}

impl Throttled {
    /// The 429 answer: Spanish words and how long to wait.
    pub(crate) fn error(self, now: jiff::Timestamp, advice: &str) -> AppError {
        rate_limited(now, self.until, |wait| {
            format!("Demasiados intentos fallidos. Espere {wait} e intente de nuevo{advice}.")
        })
    }
}

/// A 429 until `until`: `words` gets the wait in Spanish («3 minutos») and says the rest;
/// `Retry-After` gets the seconds.
pub(crate) fn rate_limited(
    now: jiff::Timestamp,
    until: jiff::Timestamp,
    words: impl FnOnce(&str) -> String,
) -> AppError {
    let seconds = now.duration_until(until).as_secs().max(1);
    let minutes = (seconds + 59) / 60;
    let wait = if minutes == 1 {
        "1 minuto".to_owned()
    } else {
        format!("{minutes} minutos")
    };
    AppError::RateLimited {
        detail: words(&wait),
        retry_after_secs: u64::try_from(seconds).unwrap_or(1),
    }
}

/// Takes an attempt's place in the per-pair and per-address limits, both or neither.
pub(crate) async fn reserve_attempt(
    app: &App,
    email: &str,
    client_ip: &str,
    now: jiff::Timestamp,
) -> AppResult<Result<Attempt, Throttled>> {
    let pair_key = rate_limits::key("login-pair", &[email, client_ip]);
    let ip_key = rate_limits::key("login-ip", &[client_ip]);
    let mut tx = app.store.begin().await?;
    let pair = rate_limits::reserve(
        &mut tx,
        &pair_key,
        MAX_FAILURES_PER_PAIR,
        FAILURE_WINDOW,
        now,
    )
    .await?;
    if let Reservation::Full { window_ends } = pair {
        return Ok(Err(Throttled {
            scope: "account_and_ip",
            until: window_ends,
        }));
    }
    let ip =
        rate_limits::reserve(&mut tx, &ip_key, MAX_FAILURES_PER_IP, FAILURE_WINDOW, now).await?;
    let ip_window_ends = match ip {
        Reservation::Taken { window_ends, .. } => window_ends,
        // Dropping the transaction gives the pair's place back too.
        Reservation::Full { window_ends } => {
            return Ok(Err(Throttled {
                scope: "ip",
                until: window_ends,
            }))
        }
    };
    tx.commit().await.map_err(StoreError::from)?;
    Ok(Ok(Attempt {
        pair_key,
        ip_key,
        ip_window_ends,
    }))
}

impl Attempt {
    /// The password was right: the pair's failures are forgotten (its owner proved the
    /// password from there) and the address's place is given back (only failures count).
    pub(crate) async fn succeeded(self, conn: &mut store::Conn) -> AppResult<()> {
        rate_limits::clear(conn, &self.pair_key).await?;
        rate_limits::release(conn, &self.ip_key, self.ip_window_ends).await?;
        Ok(())
    }
}

/// Checks a login and opens a session (browser) or issues a token (API).
///
/// Throttling (docs/DECISIONS.md, "Issue 13: auth"): each attempt first takes its place in
/// two counters of failures, per (typed address, client address) pair and per client
/// address; a full counter refuses the attempt with 429 before any password is checked.
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
    let attempt = match reserve_attempt(app, &email, client_ip, now).await? {
        Ok(attempt) => attempt,
        Err(throttled) => {
            let mut tx = app.store.begin().await?;
            let target = users::credentials(&mut tx, &email)
                .await?
                .map(|(u, _)| u.id);
            audit_failed_login(&mut tx, now, target.as_ref(), "throttled").await?;
            tx.commit().await.map_err(StoreError::from)?;
            match target {
                Some(user_id) => tracing::warn!(
                    %user_id, ip = client_ip, limit = throttled.scope,
                    "login refused: too many failed attempts"
                ),
                None => tracing::warn!(
                    ip = client_ip,
                    limit = throttled.scope,
                    "login refused: too many failed attempts (no such active account)"
                ),
            }
            return Err(
                throttled.error(now, ", o pida un enlace nuevo con «¿Olvidó su contraseña?»")
            );
        }
    };
    let mut conn = app.store.conn().await?;
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
        // The attempt keeps its place in both counters: it is a failure.
        let reason = if target.is_some() {
            "bad_password"
        } else {
            "unknown_or_inactive_account"
        };
        audit_failed_login(&mut tx, now, target.as_ref(), reason).await?;
        tx.commit().await.map_err(StoreError::from)?;
        match target {
            Some(user_id) => {
                tracing::info!(%user_id, ip = client_ip, "login failed: wrong password")
            }
            None => tracing::info!(ip = client_ip, "login failed: no such active account"),
        }
        return Err(AppError::Unauthorized(BAD_CREDENTIALS.into()));
    };
    attempt.succeeded(&mut tx).await?;
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
    // The policy refuses the account's own e-mail and name: find whose link this is (an
    // unknown or spent link is refused below, inside the transaction).
    let mut conn = app.store.conn().await?;
    let owner = match password_tokens::owner(&mut conn, &token_hash(token)).await? {
        Some(id) => Some(users::by_id(&mut conn, id).await?),
        None => None,
    };
    drop(conn);
    let context: Vec<&str> = owner
        .as_ref()
        .map(|u| vec![u.email.as_str(), u.name.as_str()])
        .unwrap_or_default();
    let mut errors = FieldErrors::new();
    errors.check("password", check_password_policy(password, &context));
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
        let err = check_password_policy("corta", &[]).unwrap_err();
        assert!(err.contains("al menos 10 caracteres"), "{err}");
        assert!(check_password_policy("una clave larga", &[]).is_ok());
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case_or_accents() {
        for common in [
            "contraseña123",
            "Contraseña123",
            "CONTRASENA123",
            "1234567890",
            "qwertyuiop",
            "Cajamarca2026",
            "alianzalima123",
            "password123",
            "bienvenido2025",
        ] {
            let err = check_password_policy(common, &[]).unwrap_err();
            assert!(err.contains("demasiado común"), "{common}: {err}");
        }
        // Too short is said first.
        let err = check_password_policy("peru2024", &[]).unwrap_err();
        assert!(err.contains("al menos 10"), "{err}");
        assert!(common_passwords().contains("peru2024"));
        assert!(common_passwords().len() > 50_000);
    }

    #[test]
    fn length_counts_not_composition() {
        assert!(check_password_policy("caballo correcto batería grapa", &[]).is_ok());
        assert!(check_password_policy("solo letras minúsculas aquí", &[]).is_ok());
        let longest = "x".repeat(MAX_PASSWORD_CHARS - 1) + "y";
        assert!(check_password_policy(&longest, &[]).is_ok());
        let err = check_password_policy(&(longest + "z"), &[]).unwrap_err();
        assert!(err.contains("como máximo 128"), "{err}");
        assert!(check_password_policy("          ", &[]).is_err());
    }

    #[test]
    fn ones_own_address_or_name_is_refused() {
        let me = [
            "rquispe.chavez@regioncajamarca.gob.pe",
            "Rosa Quispe Chávez",
        ];
        for own in [
            "rquispe.chavez@regioncajamarca.gob.pe",
            "mi correo es rquispe.chavez@regioncajamarca.gob.pe",
            "Rquispe.Chavez2026",
            "rosa quispe chavez 1",
            "Chávez-2026-!!",
            "QUISPE12345678",
        ] {
            let err = check_password_policy(own, &me).unwrap_err();
            assert!(err.contains("su correo ni su nombre"), "{own}: {err}");
        }
        // Words of one's name among others are fine.
        assert!(check_password_policy("rosa cultiva papas en celendín", &me).is_ok());
    }

    #[test]
    fn the_demo_and_test_passwords_follow_the_policy() {
        for login in crate::demo::LOGINS {
            assert_eq!(
                check_password_policy(login.password, &[login.email, login.name]),
                Ok(()),
                "{}",
                login.email
            );
        }
        // The integration tests' (tests/it/helpers.rs and others) and e2e's passwords.
        for password in [
            "clave segura 2026",
            "clave-de-prueba-1",
            "clave correcta 1",
            "una clave bastante larga",
            "mi clave nueva 2026",
            "una clave nueva de ana",
            "otra clave distinta 1",
        ] {
            assert_eq!(check_password_policy(password, &[]), Ok(()), "{password}");
        }
    }

    #[test]
    fn an_anonymous_csrf_token_is_bound_to_the_key() {
        let key = [7u8; 32];
        let token = new_anon_csrf(&key);
        assert!(anon_csrf_is_valid(&key, &token));
        assert!(!anon_csrf_is_valid(&[8u8; 32], &token));
        let (nonce, _) = token.split_once('.').unwrap();
        assert!(!anon_csrf_is_valid(&key, nonce));
        assert!(!anon_csrf_is_valid(&key, &format!("{nonce}.AAAA")));
        assert!(!anon_csrf_is_valid(&key, &random_token()));
        assert_ne!(new_anon_csrf(&key), token);
    }

    #[test]
    fn the_dummy_hash_parses_so_unknown_accounts_cost_the_same() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
