//! What each person's home says to do (issue 11 "Homes that say what to do"), each read in
//! one snapshot:
//! - a requester: observed tickets to correct (with the observation), drafts to finish, and
//!   the download deadlines and expiries of their certificates that are running;
//! - an analyst: the queue, its oldest ticket, the next batch, and sent batches still
//!   missing RENIEC's results;
//! - an admin: pending access requests, mail not delivered and the background jobs.
//!
//! An admin is also an analyst (`Role::is_analyst`), so their home has both.

use domain::{
    access::AccessRequestStatus,
    certificate::{download_days_left, CertificateState, ReminderKind},
    ticket::{Action, Event, Kind, Status},
};
use jiff::civil::Date;

use super::{
    auth,
    batch::{outlook_in, Outlook},
    job_runs::{health_in, JobHealth},
    App, AppResult,
};
use crate::store::{
    access_requests::{self, AccessRequest},
    batches::{self, MissingResults},
    certificates::{self, Certificate},
    outbox::{self, OutboxMail, Undelivered},
    tickets::{self, PageAt, Ticket, TicketSearch},
    users::User,
};

/// The most items of one kind a home lists (the rest are behind its link).
pub const LIST_LIMIT: i64 = 10;

/// An expiry shows on the home from this many days before it (the first reminder's).
pub fn expiry_window_days() -> i64 {
    ReminderKind::Expiry30.days_before()
}

/// An observed ticket and what the service desk asked to correct.
#[derive(Debug, Clone)]
pub struct Observed {
    pub ticket: Ticket,
    pub observation: Option<String>,
}

/// Which date of a certificate is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    /// The last day to download and install it.
    Download,
    /// Its last day of validity.
    Expiry,
}

/// A certificate whose deadline is running, with the days left (0: today is the last day).
#[derive(Debug, Clone)]
pub struct Running {
    pub certificate: Certificate,
    pub deadline: Deadline,
    pub date: Date,
    pub days_left: i64,
    /// The open ticket that already answers it (the installation asked for), if any.
    pub answered_by: Option<Ticket>,
}

#[derive(Debug, Clone, Default)]
pub struct RequesterHome {
    pub observed: Vec<Observed>,
    pub drafts: Vec<Ticket>,
    /// Soonest first.
    pub running: Vec<Running>,
}

impl RequesterHome {
    pub fn is_empty(&self) -> bool {
        self.observed.is_empty() && self.drafts.is_empty() && self.running.is_empty()
    }
}

/// The certificate's running deadline on `today`, if any: the download deadline of one
/// waiting to be installed, or the expiry of an installed one within the window.
pub fn running_deadline(c: &Certificate, today: Date) -> Option<(Deadline, Date, i64)> {
    if let Some(days) = download_days_left(today, c.state, c.download_deadline) {
        return Some((Deadline::Download, c.download_deadline?, days));
    }
    if c.state == CertificateState::Instalado {
        let expires = c.expires_on?;
        let days = i64::from(today.until(expires).ok()?.get_days());
        if (0..=expiry_window_days()).contains(&days) {
            return Some((Deadline::Expiry, expires, days));
        }
    }
    None
}

/// The requester's home: their own tickets and certificates.
pub async fn requester(app: &App, actor: &User) -> AppResult<RequesterHome> {
    let today = app.today();
    let mut tx = app.store.read().await?;
    let own = |statuses: Vec<Status>, kind: Option<Kind>| TicketSearch {
        requester: Some(actor.id),
        statuses,
        kind,
        terms: Vec::new(),
    };
    let observed_tickets = tickets::search(
        &mut tx,
        &own(vec![Status::Observado], None),
        PageAt::First,
        LIST_LIMIT,
    )
    .await?;
    let mut observed = Vec::with_capacity(observed_tickets.len());
    for ticket in observed_tickets {
        let observation =
            tickets::last_comment(&mut tx, ticket.id, Event::Action(Action::Observe)).await?;
        observed.push(Observed {
            ticket,
            observation,
        });
    }
    let drafts = tickets::search(
        &mut tx,
        &own(vec![Status::Borrador], None),
        PageAt::First,
        LIST_LIMIT,
    )
    .await?;
    let installs = tickets::search(
        &mut tx,
        &own(
            Status::ALL
                .iter()
                .copied()
                .filter(Status::is_open)
                .collect(),
            Some(Kind::Instalacion),
        ),
        PageAt::First,
        100,
    )
    .await?;
    let mut running: Vec<Running> = certificates::list(&mut tx, Some(actor.id), None, 200)
        .await?
        .into_iter()
        .filter_map(|c| {
            let (deadline, date, days_left) = running_deadline(&c, today)?;
            let answered_by = match deadline {
                Deadline::Download => installs
                    .iter()
                    .find(|t| t.certificate_id == Some(c.id))
                    .cloned(),
                Deadline::Expiry => None,
            };
            Some(Running {
                certificate: c,
                deadline,
                date,
                days_left,
                answered_by,
            })
        })
        .collect();
    running.sort_by_key(|r| (r.days_left, r.certificate.id));
    Ok(RequesterHome {
        observed,
        drafts,
        running,
    })
}

#[derive(Debug, Clone)]
pub struct AnalystHome {
    /// Tickets waiting in the queue (enviado and en atención).
    pub waiting: i64,
    /// The ticket that has waited longest.
    pub oldest: Option<Ticket>,
    /// The next cut-off and the applicants waiting for it.
    pub outlook: Outlook,
    /// Sent batches with applicants still waiting for RENIEC's result, oldest first.
    pub missing_results: Vec<MissingResults>,
}

impl AnalystHome {
    /// Applicants that go in the next batch: those due at the next cut-off, and those whose
    /// cut-off passed with its batch not closed yet (as the morning summary counts them).
    pub fn next_batch(&self) -> i64 {
        self.outlook.waiting.overdue + self.outlook.waiting.due_next
    }
}

/// The analyst's home (analysts and admins).
pub async fn analyst(app: &App, actor: &User) -> AppResult<AnalystHome> {
    auth::require_analyst(actor)?;
    let mut tx = app.store.read().await?;
    let waiting = tickets::queue_count(&mut tx).await?;
    let oldest = tickets::queue(&mut tx, None, None, None, 1)
        .await?
        .into_iter()
        .next();
    let outlook = outlook_in(&mut tx, app.now()).await?;
    let missing_results = batches::missing_results(&mut tx).await?;
    Ok(AnalystHome {
        waiting,
        oldest,
        outlook,
        missing_results,
    })
}

#[derive(Debug, Clone)]
pub struct AdminHome {
    pub pending_requests: i64,
    /// The oldest pending requests (handled in arrival order).
    pub requests: Vec<AccessRequest>,
    pub undelivered: Undelivered,
    /// The newest mails not delivered.
    pub mails: Vec<OutboxMail>,
    pub jobs: Vec<JobHealth>,
}

/// The admin's home (admins).
pub async fn admin(app: &App, actor: &User) -> AppResult<AdminHome> {
    auth::require_admin(actor)?;
    let mut tx = app.store.read().await?;
    let pending_requests =
        access_requests::count_with_status(&mut tx, AccessRequestStatus::Pendiente).await?;
    let requests = access_requests::list(
        &mut tx,
        Some(AccessRequestStatus::Pendiente),
        None,
        LIST_LIMIT.min(5),
    )
    .await?;
    let undelivered = outbox::undelivered_counts(&mut tx).await?;
    let mails = outbox::undelivered(&mut tx, 5).await?;
    let jobs = health_in(&mut tx, app.now()).await?;
    Ok(AdminHome {
        pending_requests,
        requests,
        undelivered,
        mails,
        jobs,
    })
}
