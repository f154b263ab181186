//! Use cases: one transaction each, taking the [`App`] (store, clock, settings).
//!
//! Who may do what is enforced here, not in the web layer, so that the API, the pages and
//! the CLI obey the same rules. Must not depend on `web`.

pub mod access;
pub mod auth;
pub mod batch;
mod error;
pub mod history;
pub mod outbox;
pub mod registry;
pub mod review;
pub mod schedule;
pub mod settings;
pub mod tickets;
pub mod transition;

use std::sync::Arc;

use jiff::{civil::Date, tz::TimeZone, Timestamp};

pub use error::{AppError, AppResult};

use crate::{blobs::Blobs, clock::Clock, store::Store};

/// What every use case needs.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub blobs: Blobs,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<AppConfig>,
}

/// Settings fixed at start-up (settings admins change at run time live in the database).
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Public URL without a trailing slash, for links in e-mails.
    pub base_url: String,
    /// Mark cookies `Secure`.
    pub secure_cookies: bool,
}

impl App {
    pub fn new(store: Store, blobs: Blobs, clock: Arc<dyn Clock>, config: AppConfig) -> Self {
        Self {
            store,
            blobs,
            clock,
            config: Arc::new(config),
        }
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// True when the database answers (for `/healthz`).
    pub async fn database_answers(&self) -> bool {
        self.store.ping().await
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
