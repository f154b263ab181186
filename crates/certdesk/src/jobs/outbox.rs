//! The outbox worker: delivers due mails over SMTP, one at a time, each under a claim.
//!
//! A run takes the due mails, oldest first. For each it claims the row (a lease of
//! [`LEASE`], longer than a delivery may take), builds the message, sends it and records
//! the outcome with the claim's token: sent; refused for good (a 5xx answer: not retried,
//! admins see it); or failed for a reason that may pass, due again after [`backoff`]. A
//! transient failure is retried for as long as it takes: no notice is given up on. When
//! the server itself is at fault (unreachable, TLS, credentials) the run stops there, since
//! the other mails would only wait on the same server.
//!
//! A mail with a set-password link gets its link only here, as it is sent
//! (`app::outbox::mint_link`): the stored row holds a placeholder, never the secret.
//!
//! Delivery is at least once: if the server took a mail but the worker could not record it
//! (crash, database down), the lease runs out and the mail is sent again with the same
//! Message-ID, the key receiving systems use to tell it is the same mail.

use std::time::Duration;

use anyhow::Context;
use jiff::{SignedDuration, Timestamp};
use tokio::sync::watch;

use crate::{
    app::{outbox::Minted, App},
    mail::smtp::{self, Failure, SendError, Sender},
    store::outbox,
};

/// How often the loop looks for due mail. A new mail goes out within this long.
pub const TICK: Duration = Duration::from_secs(5);

/// How long a claim holds a mail: longer than a delivery may take ([`smtp::SEND_TIMEOUT`]),
/// so that nobody else takes a mail that is being sent; short enough that a mail held by a
/// worker that died goes out soon after.
pub const LEASE: SignedDuration = SignedDuration::from_mins(2);

/// The most mails one run takes.
pub const BATCH: i64 = 100;

/// The wait after the first failure; it doubles with each failure after that.
pub const FIRST_RETRY: SignedDuration = SignedDuration::from_secs(30);

/// The longest wait between two attempts.
pub const MAX_RETRY: SignedDuration = SignedDuration::from_hours(1);

/// The wait before trying again a mail that has failed `failures` times (counting the one
/// just now): 30 s, 1 min, 2 min, 4 min, … up to 1 hour, then every hour.
pub fn backoff(failures: i64) -> SignedDuration {
    // 30 s × 2^7 is past the cap already; the clamp keeps the shift small.
    let doublings = failures.saturating_sub(1).clamp(0, 7) as u32;
    let wait = FIRST_RETRY.as_secs().saturating_mul(1 << doublings);
    SignedDuration::from_secs(wait.min(MAX_RETRY.as_secs()))
}

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub sent: u32,
    /// Failed for a reason that may pass; due again later.
    pub retried: u32,
    /// Refused for good.
    pub failed: u32,
}

impl Report {
    fn total(&self) -> u32 {
        self.sent + self.retried + self.failed
    }
}

/// Delivers the mails due at `now` through `sender`. Each step after the first uses the
/// later of `now` and the app's clock, so that a long run never takes a lease that is
/// already over.
pub async fn run_once<S: Sender>(app: &App, sender: &S, now: Timestamp) -> anyhow::Result<Report> {
    run(app, sender, now, || false).await
}

/// [`run_once`], asking `stop` before taking each mail: a shutdown lets the mail being sent
/// finish and be recorded, and takes no other.
async fn run<S: Sender>(
    app: &App,
    sender: &S,
    now: Timestamp,
    stop: impl Fn() -> bool,
) -> anyhow::Result<Report> {
    let from = app
        .config
        .mail_from
        .as_deref()
        .context("CERTDESK_MAIL_FROM is not set")?;
    let from = smtp::sender_mailbox(from)?;
    let domain = app.config.message_domain();
    let due = {
        let mut conn = app.store.conn().await?;
        outbox::due(&mut conn, now, BATCH).await?
    };
    let mut report = Report::default();
    for id in due {
        if stop() {
            break;
        }
        let at = now.max(app.now());
        let token = format!("{:032x}", rand::random::<u128>());
        let mail = {
            let mut conn = app.store.conn().await?;
            if !outbox::claim(&mut conn, id, &token, at.checked_add(LEASE)?, at).await? {
                continue; // another worker has it, or it is no longer due
            }
            outbox::get(&mut conn, id).await?
        };
        crate::fault::point("outbox.after_claim");
        // A set-password link is minted now, so that no stored row ever holds it.
        let attempts = mail.attempts;
        let result = match crate::app::outbox::mint_link(app, mail, at).await? {
            Minted::Ready(mail) => match smtp::message(&mail, &from, &domain) {
                Ok(message) => sender.send(message).await,
                Err(err) => Err(err),
            },
            Minted::Refused(why) => Err(SendError::unsendable(why)),
        };
        if result.is_ok() {
            crate::fault::point("outbox.after_send");
        }
        let done = now.max(app.now());
        let mut tx = app.store.begin().await?;
        let (recorded, stop) = match &result {
            Ok(()) => {
                report.sent += 1;
                tracing::info!(outbox_id = %id, "mail delivered");
                (outbox::mark_sent(&mut tx, id, &token, done).await?, false)
            }
            Err(err) if err.failure == Failure::Permanent => {
                report.failed += 1;
                tracing::error!(outbox_id = %id, error = %err.log_summary(),
                    "mail refused for good; it will not be retried");
                let recorded = outbox::mark_failed(&mut tx, id, &token, &err.detail, done).await?;
                (recorded, false)
            }
            Err(err) => {
                report.retried += 1;
                let failures = attempts.saturating_add(1);
                let next = done.checked_add(backoff(failures))?;
                tracing::warn!(outbox_id = %id, attempt = failures, error = %err.log_summary(),
                    next_attempt_at = %next, "mail not delivered; will retry");
                let recorded =
                    outbox::mark_retry(&mut tx, id, &token, &err.detail, done, next).await?;
                (recorded, err.failure == Failure::Server)
            }
        };
        tx.commit().await?;
        if !recorded {
            tracing::warn!(outbox_id = %id, "the claim on this mail ran out before its outcome was recorded");
        }
        if stop {
            break;
        }
    }
    Ok(report)
}

/// Runs the worker until `shutdown` turns true: at once on start, then every [`TICK`], and
/// again straight away after a full batch. On shutdown the mail being sent is finished and
/// recorded (at most [`smtp::SEND_TIMEOUT`]); no other is taken. Were the process killed
/// mid-send, the mail keeps its claim until the lease ends and is sent again after.
pub async fn run_loop<S: Sender>(app: App, sender: S, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => break,
        }
        if *shutdown.borrow() {
            break;
        }
        let stop = || *shutdown.borrow();
        let started = app.now();
        let outcome = run(&app, &sender, started, stop).await;
        crate::app::job_runs::record(&app, crate::app::job_runs::Job::Outbox, started, &outcome)
            .await;
        match outcome {
            Ok(report) if report.total() == BATCH as u32 => tick.reset_immediately(),
            Ok(_) => {}
            Err(err) => tracing::error!(error = ?err, "mail delivery failed; will retry"),
        }
    }
    tracing::info!("mail delivery stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_from_thirty_seconds_up_to_an_hour() {
        let waits: Vec<i64> = (1..=10).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
    }

    #[test]
    fn the_wait_never_overflows_nor_goes_below_the_first() {
        assert_eq!(backoff(i64::MAX).as_secs(), 3600);
        assert_eq!(backoff(0).as_secs(), 30);
        assert_eq!(backoff(-5).as_secs(), 30);
    }

    #[test]
    fn the_lease_outlasts_a_delivery() {
        let send = SignedDuration::try_from(smtp::SEND_TIMEOUT).unwrap_or(SignedDuration::MAX);
        assert!(LEASE > send);
    }
}
