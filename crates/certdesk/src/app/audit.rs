//! The audit log (SPEC.md "Data, privacy, audit"): who did what, when, from where.
//!
//! An entry is written by [`record`] inside the transaction of the change it records, so it
//! exists exactly when the change does, and writers never wait on one another for it. The
//! chain is made afterwards by [`seal`]: one sealer at a time numbers the new entries in
//! order and chains each one's SHA-256 to the previous one (`domain::audit`). The jobs loop
//! seals every tick, and so does every reader of the log, so an entry stays unsealed for
//! seconds at most. [`verify`] recomputes the whole chain.

use domain::{
    audit::{self as chain, ChainError, ChainVerifier},
    ids::{TicketId, UserId},
};
use jiff::Timestamp;

pub use domain::audit::AuditEvent;

use super::{auth, App, AppResult};
use crate::store::{
    audit::{self as log, NewEntry},
    users::User,
    Conn, StoreError,
};

tokio::task_local! {
    /// The client address of the request being served; the web layer sets it around each
    /// request, so use cases need not pass it down. Absent for jobs and the CLI.
    static CLIENT_IP: String;
}

/// Runs `work` with `ip` as the client address its audit entries record.
pub async fn with_client_ip<F: std::future::Future>(ip: String, work: F) -> F::Output {
    CLIENT_IP.scope(ip, work).await
}

fn client_ip() -> Option<String> {
    CLIENT_IP.try_with(Clone::clone).ok()
}

/// One thing to write down.
#[derive(Debug, Clone)]
pub struct Entry {
    action: String,
    actor: Option<String>,
    subject: String,
    detail: serde_json::Value,
}

impl Entry {
    /// `actor` did `event` to `subject` (`ticket:<id>`, `user:<id>`, `setting:<key>`, …).
    pub fn new(event: AuditEvent, actor: Option<&UserId>, subject: impl Into<String>) -> Self {
        Self::with_action(event.code().to_owned(), actor, subject)
    }

    /// A stored action code that is not an [`AuditEvent`] (a ticket's history line).
    pub(crate) fn with_action(
        action: String,
        actor: Option<&UserId>,
        subject: impl Into<String>,
    ) -> Self {
        Self {
            action,
            actor: actor.map(ToString::to_string),
            subject: subject.into(),
            detail: serde_json::Value::Object(Default::default()),
        }
    }

    /// Details to keep with it: ids, counts, old and new values. Never a DNI, a secret or
    /// a file's contents.
    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

/// The subject of everything done to a ticket.
pub fn ticket_subject(id: &TicketId) -> String {
    format!("ticket:{id}")
}

/// Writes `entry`, unsealed, in the caller's transaction.
pub async fn record(conn: &mut Conn, now: Timestamp, entry: Entry) -> AppResult<()> {
    record_all(conn, now, std::slice::from_ref(&entry)).await
}

/// Writes `entries`, unsealed, in the caller's transaction.
pub async fn record_all(conn: &mut Conn, now: Timestamp, entries: &[Entry]) -> AppResult<()> {
    let ip = client_ip();
    let details: Vec<String> = entries.iter().map(|e| e.detail.to_string()).collect();
    let rows: Vec<NewEntry<'_>> = entries
        .iter()
        .zip(&details)
        .map(|(e, detail)| NewEntry {
            at: now,
            actor_id: e.actor.as_deref(),
            action: &e.action,
            subject: &e.subject,
            detail,
            ip: ip.as_deref(),
        })
        .collect();
    log::append(conn, &rows).await?;
    Ok(())
}

/// Writes `entry` on its own (one statement, committed at once): for reads worth keeping
/// on record, such as a view of a photo, where there is no change to ride with.
pub async fn record_now(app: &App, entry: Entry) -> AppResult<()> {
    let mut conn = app.store.conn().await?;
    record(&mut conn, app.now(), entry).await
}

/// Entries sealed per transaction: bounds the time the sealer holds its lock.
const SEAL_CHUNK: i64 = 500;

/// Seals every entry written so far, in order; returns how many it sealed. Safe to run from
/// any number of places and instances at once: one sealer at a time.
pub async fn seal(app: &App) -> AppResult<u64> {
    let mut sealed = 0;
    loop {
        let mut tx = app.store.begin().await?;
        log::lock_sealer(&mut tx, app.store.backend()).await?;
        let entries = log::unsealed(&mut tx, SEAL_CHUNK).await?;
        if entries.is_empty() {
            return Ok(sealed);
        }
        let (mut seq, mut prev) = match log::head(&mut tx).await? {
            Some((seq, hash)) => (
                seq,
                chain::from_hex(&hash).ok_or_else(|| {
                    anyhow::anyhow!(
                        "audit entry {seq} has an unreadable hash; run `certdesk audit verify`"
                    )
                })?,
            ),
            None => (0, chain::GENESIS),
        };
        let n = entries.len();
        for entry in entries {
            seq += 1;
            prev = entry.record(seq).hash(&prev);
            log::seal(&mut tx, entry.id, seq, &chain::to_hex(&prev)).await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        sealed += n as u64;
        if (n as i64) < SEAL_CHUNK {
            return Ok(sealed);
        }
    }
}

/// Entries verified per read.
const VERIFY_CHUNK: i64 = 2_000;

/// Seals what is pending, then recomputes the chain from the first entry: `Ok(n)` with the
/// number of entries, or the first broken one.
pub async fn verify(app: &App) -> AppResult<Result<u64, ChainError>> {
    seal(app).await?;
    let mut conn = app.store.conn().await?;
    let mut verifier = ChainVerifier::new();
    let mut last = 0;
    loop {
        let entries = log::sealed_after(&mut conn, last, VERIFY_CHUNK).await?;
        for entry in &entries {
            let seq = entry.seq.unwrap_or_default();
            if let Err(broken) =
                verifier.push(&entry.record(seq), entry.hash.as_deref().unwrap_or(""))
            {
                return Ok(Err(broken));
            }
            last = seq;
        }
        if (entries.len() as i64) < VERIFY_CHUNK {
            return Ok(Ok(verifier.checked()));
        }
    }
}

pub use crate::store::audit::{Entry as Stored, Filter};

/// Entries per page of the log.
pub const PAGE: i64 = 50;

/// The log, newest first, for an admin: sealed first, so nothing written is missing.
pub async fn search(app: &App, me: &User, filter: &Filter, limit: i64) -> AppResult<Vec<Stored>> {
    auth::require_admin(me)?;
    seal(app).await?;
    let mut conn = app.store.conn().await?;
    Ok(log::search(&mut conn, filter, limit.clamp(1, 500)).await?)
}
