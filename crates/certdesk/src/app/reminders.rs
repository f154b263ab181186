//! The notices nobody's action causes, only the calendar (SPEC "Certificate registry and
//! reminders"): each certificate's expiry and download-deadline reminders, and the
//! analysts' morning summary of the queue on working days. Each is written exactly once:
//! a unique key claims it in the same transaction as the notice, so restarts and parallel
//! instances may run these as often as they like.

use domain::{
    certificate::{self, ReminderKind},
    schedule,
};
use jiff::{civil::Time, Timestamp};

use super::{
    notify::{self, Notice, Recipient},
    schedule::{calendar_around, dispatch_at_in},
    settings, App, AppResult,
};
use crate::{
    mail::notices::{self, Oldest, TicketRef},
    store::{
        applicants,
        certificates::{self, Certificate},
        reminders, tickets, users, StoreError,
    },
};

/// The queue summary goes out from this hour (Lima) of each working day.
pub const SUMMARY_FROM: Time = Time::constant(8, 0, 0, 0);

/// The daily_runs key of the queue summary.
const SUMMARY_JOB: &str = "queue_summary";

/// Writes the reminders due today that were not sent yet; how many were written. What is
/// due is worked out in a read-only snapshot; the write transaction (on SQLite, the write
/// lock) is taken only when there is something to send, and its claims are the guarantee.
pub async fn send_due(app: &App, now: Timestamp) -> AppResult<usize> {
    let today = schedule::today_in_lima(now);
    let due = {
        let mut read = app.store.read().await?;
        // In a reminder window at all: those within the longest lead of a date that has
        // not passed.
        let horizon = today
            .checked_add(jiff::Span::new().days(ReminderKind::longest_lead_days()))
            .map_err(anyhow::Error::from)?;
        let windowed: Vec<Certificate> =
            certificates::not_final_dated(&mut read, Some(today), horizon)
                .await?
                .into_iter()
                .filter(|c| {
                    !certificate::due_reminders(
                        today,
                        c.state,
                        c.expires_on,
                        c.download_deadline,
                        &[],
                    )
                    .is_empty()
                })
                .collect();
        let ids: Vec<_> = windowed.iter().map(|c| c.id).collect();
        let sent = reminders::sent_for(&mut read, &ids).await?;
        let mut due = Vec::new();
        for cert in windowed {
            let already = sent.get(&cert.id).map(Vec::as_slice).unwrap_or_default();
            for kind in certificate::due_reminders(
                today,
                cert.state,
                cert.expires_on,
                cert.download_deadline,
                already,
            ) {
                let target = if kind.is_expiry() {
                    cert.expires_on
                } else {
                    cert.download_deadline
                };
                if let Some(target) = target {
                    due.push((cert.clone(), kind, target));
                }
            }
        }
        due
    };
    if due.is_empty() {
        return Ok(0);
    }
    let mut tx = app.store.begin().await?;
    let entity = settings::load_in(&mut tx).await?.entity_name;
    let mut out = Vec::with_capacity(due.len());
    for (cert, kind, target) in due {
        if !reminders::claim(&mut tx, cert.id, kind, today).await? {
            continue; // another instance, or an earlier run, sent it
        }
        let owner = users::by_id(&mut tx, cert.owner_id).await?;
        let days_left = i64::from(today.until(target).map_err(anyhow::Error::from)?.get_days());
        let message = match kind {
            ReminderKind::Expiry30 | ReminderKind::Expiry15 | ReminderKind::Expiry10 => {
                notices::expiry_reminder(&owner.name, &cert.holder_name, target, days_left, &entity)
            }
            ReminderKind::Download7 | ReminderKind::Download2 => notices::download_reminder(
                &owner.name,
                &cert.holder_name,
                target,
                days_left,
                &entity,
            ),
        };
        out.push(Notice {
            to: Recipient::user(&owner),
            ticket: None,
            message,
        });
    }
    notify::send(app, &mut tx, &out, now).await?;
    crate::fault::point("reminders.before_commit");
    tx.commit().await.map_err(StoreError::from)?;
    crate::fault::point("reminders.after_commit");
    if !out.is_empty() {
        tracing::info!(count = out.len(), "certificate reminders written");
    }
    Ok(out.len())
}

/// Whether the time of day has come for the summary (working days are checked with the
/// calendar when it runs).
pub fn summary_due(now: Timestamp) -> bool {
    schedule::to_lima(now).time() >= SUMMARY_FROM
}

/// The analysts' summary of the queue, once per working day from [`SUMMARY_FROM`] (Lima):
/// how many tickets wait, the oldest, and how many applicants go in the next batch.
/// True when this call wrote it.
pub async fn queue_summary(app: &App, now: Timestamp) -> AppResult<bool> {
    if !summary_due(now) {
        return Ok(false);
    }
    let today = schedule::today_in_lima(now);
    let mut tx = app.store.begin().await?;
    let settings = settings::load_in(&mut tx).await?;
    if !calendar_around(&mut tx, &settings, now, 7)
        .await?
        .is_working_day(today)
    {
        return Ok(false);
    }
    if !reminders::claim_day(&mut tx, SUMMARY_JOB, today, now).await? {
        return Ok(false);
    }
    let waiting = tickets::queue_count(&mut tx).await?;
    let oldest = tickets::queue(&mut tx, None, None, None, 1)
        .await?
        .into_iter()
        .next();
    let oldest = match oldest {
        Some(t) => {
            let submitted = t.submitted_at.unwrap_or(t.created_at);
            let submitted_on = schedule::today_in_lima(submitted);
            Some(Oldest {
                ticket: TicketRef {
                    id: t.id,
                    number: t.number,
                },
                submitted_on,
                days_waiting: i64::from(
                    submitted_on
                        .until(today)
                        .map_err(anyhow::Error::from)?
                        .get_days(),
                ),
            })
        }
        None => None,
    };
    let next_cutoff = dispatch_at_in(&mut tx, &settings, now, None).await?;
    let counts = applicants::programado_counts(&mut tx, now, next_cutoff.timestamp()).await?;
    let next_batch = counts.overdue + counts.due_next;
    let out: Vec<Notice> = users::active_analysts(&mut tx)
        .await?
        .iter()
        .map(|analyst| Notice {
            to: Recipient::user(analyst),
            ticket: None,
            message: notices::queue_summary(
                &analyst.name,
                today,
                waiting,
                oldest.as_ref(),
                next_batch,
                &next_cutoff,
                &settings.entity_name,
            ),
        })
        .collect();
    notify::send(app, &mut tx, &out, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    tracing::info!(analysts = out.len(), waiting, "queue summary written");
    Ok(true)
}
