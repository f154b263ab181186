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
    ids::{TicketId, TicketNumber, UserId},
};
use jiff::Timestamp;

pub use domain::audit::AuditEvent;

use super::{auth, App, AppResult};
use crate::store::{
    audit::{self as log, NewEntry},
    tickets,
    users::{self, User},
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

pub use crate::store::audit::Listed;

/// Entries per page of the log.
pub const PAGE: i64 = 50;

/// A search of the log as people type it; every part optional.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// The user: an e-mail address or a user id.
    pub actor: Option<String>,
    /// The ticket: its number (`CD-2026-000123`) or id.
    pub ticket: Option<String>,
    /// An action code (`auth.login_failed`) or an area (`ticket`, `auth`, `settings`).
    pub action: Option<String>,
    /// First day (`YYYY-MM-DD`, Lima) or moment (RFC 3339).
    pub from: Option<String>,
    /// Last day, included (`YYYY-MM-DD`, Lima), or moment, excluded (RFC 3339).
    pub to: Option<String>,
    /// Keyset cursor: entries numbered below this one.
    pub before: Option<i64>,
}

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// A day or a moment: a day starts at Lima's midnight; `to` days are included whole.
fn bound(raw: &str, end: bool) -> Result<Timestamp, String> {
    if let Ok(at) = raw.parse::<Timestamp>() {
        return Ok(at);
    }
    let day = domain::validation::parse_date(raw).map_err(|e| e.to_string())?;
    let day = if end {
        day.tomorrow().map_err(|e| e.to_string())?
    } else {
        day
    };
    day.to_zoned(super::lima())
        .map(|z| z.timestamp())
        .map_err(|e| e.to_string())
}

/// The log, newest first, for an admin; every bad field of `query` is a 422. Sealed first,
/// so nothing already written is missing.
pub async fn search(app: &App, me: &User, query: &Query, limit: i64) -> AppResult<Vec<Listed>> {
    auth::require_admin(me)?;
    let mut errors = domain::validation::FieldErrors::new();
    let mut filter = log::Filter {
        before_seq: query.before,
        ..Default::default()
    };
    let mut conn = app.store.conn().await?;
    if let Some(actor) = present(&query.actor) {
        if actor.contains('@') {
            match users::by_email(&mut conn, &actor.to_lowercase()).await? {
                Some(user) => filter.actor_id = Some(user.id.to_string()),
                None => errors.add("actor", "No hay ninguna cuenta con ese correo."),
            }
        } else if actor.parse::<UserId>().is_ok() {
            filter.actor_id = Some(actor.to_owned());
        } else {
            errors.add(
                "actor",
                "Escriba el correo de la persona o el identificador de su cuenta.",
            );
        }
    }
    if let Some(ticket) = present(&query.ticket) {
        if let Ok(id) = ticket.parse::<TicketId>() {
            filter.subject = Some(ticket_subject(&id));
        } else {
            match ticket.to_uppercase().parse::<TicketNumber>() {
                Ok(number) => match tickets::id_by_number(&mut conn, number).await? {
                    Some(id) => filter.subject = Some(ticket_subject(&id)),
                    None => errors.add("ticket", format!("No existe el trámite {number}.")),
                },
                Err(e) => errors.add("ticket", e.to_string()),
            }
        }
    }
    if let Some(action) = present(&query.action) {
        let well_formed = action.len() <= 64
            && action
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.');
        if well_formed {
            filter.action = Some(action.to_owned());
        } else {
            errors.add("action", "La acción no es válida: elíjala de la lista.");
        }
    }
    match present(&query.from).map(|raw| bound(raw, false)) {
        Some(Ok(at)) => filter.from = Some(at),
        Some(Err(message)) => errors.add("from", message),
        None => {}
    }
    match present(&query.to).map(|raw| bound(raw, true)) {
        Some(Ok(at)) => filter.to = Some(at),
        Some(Err(message)) => errors.add("to", message),
        None => {}
    }
    if let (Some(from), Some(to)) = (filter.from, filter.to) {
        if from >= to {
            errors.add("to", "La fecha final debe ser posterior a la inicial.");
        }
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    drop(conn);
    seal(app).await?;
    let mut conn = app.store.conn().await?;
    Ok(log::search(&mut conn, &filter, limit.clamp(1, 500)).await?)
}

/// Every action code this version writes, with its Spanish label, for the search form.
pub fn actions() -> Vec<(String, String)> {
    let ticket = domain::ticket::Event::all().map(chain::ticket_action);
    AuditEvent::ALL
        .iter()
        .map(|e| e.code().to_owned())
        .chain(ticket)
        .map(|code| {
            let label = chain::action_label(&code);
            (code, label)
        })
        .collect()
}
