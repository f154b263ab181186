//! Use cases: one transaction each, taking the [`App`] (store, clock, settings).
//!
//! Who may do what is enforced here, not in the web layer, so that the API, the pages and
//! the CLI obey the same rules. Must not depend on `web`.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod auth;
pub mod batch;
pub mod bulk_results;
mod error;
pub mod files;
pub mod history;
pub mod holidays;
pub mod home;
pub mod job_runs;
pub mod notes;
pub mod notifications;
pub mod notify;
pub mod observation_texts;
pub mod outbox;
pub mod registry;
pub mod reminders;
pub mod reports;
pub mod retention;
pub mod review;
pub mod schedule;
pub mod search;
pub mod settings;
pub mod tickets;
pub mod transition;
pub mod users;
pub mod workers;

use std::sync::Arc;

use jiff::{civil::Date, tz::TimeZone, Timestamp};

pub use error::{AppError, AppResult};

use crate::{blobs::Blobs, clock::Clock, config::TrustedProxies, store::Store};

/// What every use case needs.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub blobs: Blobs,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<AppConfig>,
    /// The key that signs anonymous CSRF tokens, read from the database on first use.
    pub(crate) csrf_key: Arc<tokio::sync::OnceCell<[u8; 32]>>,
    /// This instance among those sharing the database: random, made when the app is, never
    /// persisted. It names the holder of the job leases (`jobs::lease`); clones share it.
    pub instance: uuid::Uuid,
}

/// Settings fixed at start-up (settings admins change at run time live in the database).
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Public URL without a trailing slash, for links in e-mails.
    pub base_url: String,
    /// Mark cookies `Secure` (they also are when `base_url` is `https://`, or a trusted
    /// proxy says the request came over HTTPS).
    pub secure_cookies: bool,
    /// Reverse proxies whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed.
    pub trusted_proxies: TrustedProxies,
    /// The sender of every mail (`CERTDESK_MAIL_FROM`), e.g.
    /// `Mesa de Servicios <mesa@regioncajamarca.gob.pe>`.
    pub mail_from: Option<String>,
    /// How old an unreferenced file must be before the sweep on start deletes it
    /// (`CERTDESK_ORPHAN_GRACE_SECS`): longer than any request takes from writing its files
    /// to committing the rows that name them. See [`files::Sweep`].
    pub orphan_grace: std::time::Duration,
    /// The bearer token that opens `/metrics` besides an admin's (`CERTDESK_METRICS_TOKEN`).
    pub metrics_token: Option<MetricsToken>,
}

/// A secret shared with the metrics scraper; `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct MetricsToken(pub String);

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(***)")
    }
}

impl AppConfig {
    /// The defaults for a service at `base_url`.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            secure_cookies: false,
            trusted_proxies: TrustedProxies::default(),
            mail_from: None,
            orphan_grace: files::DEFAULT_ORPHAN_GRACE,
            metrics_token: None,
        }
    }

    /// Whether people reach the service over HTTPS: its public URL (`CERTDESK_BASE_URL`)
    /// says `https://`. Then every answer carries `Strict-Transport-Security`.
    pub fn served_over_https(&self) -> bool {
        self.base_url
            .get(..8)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
    }

    /// The right-hand side of Message-IDs: the sender's domain, else the public URL's host.
    pub fn message_domain(&self) -> String {
        let from_sender = self.mail_from.as_deref().and_then(|from| {
            let mailbox: lettre::message::Mailbox = from.parse().ok()?;
            Some(mailbox.email.domain().to_owned())
        });
        let from_url = || {
            let rest = self.base_url.split("://").nth(1)?;
            let host = rest.split(['/', ':']).next()?;
            Some(host.to_owned())
        };
        from_sender
            .or_else(from_url)
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "certdesk.localhost".to_owned())
    }
}

impl App {
    pub fn new(store: Store, blobs: Blobs, clock: Arc<dyn Clock>, config: AppConfig) -> Self {
        Self {
            store,
            blobs,
            clock,
            config: Arc::new(config),
            csrf_key: Arc::default(),
            instance: uuid::Builder::from_random_bytes(rand::random()).into_uuid(),
        }
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// True when cookies must be `Secure` whatever the request says: configured so, or the
    /// public URL is HTTPS.
    pub fn always_https(&self) -> bool {
        self.config.secure_cookies || self.config.base_url.starts_with("https://")
    }

    /// True when the database answers (for `/healthz`).
    pub async fn database_answers(&self) -> bool {
        self.store.ping().await
    }

    /// True when the files store answers (for `/healthz`); why not is logged.
    pub async fn files_answer(&self) -> bool {
        match self.blobs.check().await {
            Ok(()) => true,
            Err(err) => {
                tracing::warn!(error = %err, files = %self.blobs.describe(), "the files store does not answer");
                false
            }
        }
    }

    /// Today's date in Lima, where the entity works.
    pub fn today(&self) -> Date {
        domain::schedule::today_in_lima(self.now())
    }
}

/// America/Lima, from the bundled time-zone database.
pub fn lima() -> TimeZone {
    domain::schedule::lima()
}

/// A moment as programs read it: RFC 3339 with the Lima offset (`2026-11-27T16:30:00-05:00`).
pub fn rfc3339(ts: Timestamp) -> String {
    ts.to_zoned(lima())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_take_the_senders_domain_else_the_services_host() {
        let mut config = AppConfig::new("https://certdesk.example:8443/mesa/");
        assert_eq!(config.message_domain(), "certdesk.example");
        config.mail_from = Some("Mesa de Servicios <mesa@regioncajamarca.gob.pe>".into());
        assert_eq!(config.message_domain(), "regioncajamarca.gob.pe");
        assert_eq!(AppConfig::new("").message_domain(), "certdesk.localhost");
    }
}
