//! The batch calendar as stored: the cut-off setting and the holidays, seeded with Peru's
//! national holidays the first time a year is needed. The rules themselves are
//! `domain::schedule`; this module only gathers their inputs.
//!
//! The `_in` functions work inside the caller's transaction (approval computes dispatch
//! times in the same transaction as the approval).

use domain::schedule::{self, Calendar, Cutoff};
use jiff::{civil::Date, Timestamp, ToSpan, Zoned};

use super::{App, AppResult};
use crate::store::{holidays, settings, Conn, StoreError};

pub const BATCH_WEEKDAY: &str = "batch_weekday";
pub const BATCH_TIME: &str = "batch_time";

/// The calendar with every non-working day between `from` and `to` (inclusive), seeding the
/// national holidays of any year in that range that was never seeded.
pub async fn calendar_in(
    conn: &mut Conn,
    now: Timestamp,
    from: Date,
    to: Date,
) -> AppResult<Calendar> {
    let seeded = holidays::seeded_years(conn, from.year(), to.year()).await?;
    for year in from.year()..=to.year() {
        if seeded.contains(&year) {
            continue;
        }
        let national: Vec<(Date, String)> = schedule::national_holidays(year)
            .into_iter()
            .map(|h| (h.date, h.name))
            .collect();
        if holidays::seed_year(conn, year, &national, now).await? {
            tracing::info!(year, count = national.len(), "national holidays seeded");
        }
    }
    let weekday = settings::get(conn, BATCH_WEEKDAY).await?;
    let time = settings::get(conn, BATCH_TIME).await?;
    let cutoff = match (weekday, time) {
        (Some(weekday), Some(time)) => Cutoff::parse(&weekday, &time).unwrap_or_else(|err| {
            tracing::warn!(%weekday, %time, error = %err, "invalid cut-off setting; using Friday 16:30");
            Cutoff::default()
        }),
        _ => Cutoff::default(),
    };
    let days = holidays::between(conn, from, to).await?;
    Ok(Calendar::new(cutoff, days))
}

/// When an applicant approved at `approved_at`, whose current certificate expires on
/// `expires_on`, goes to RENIEC; inside the caller's transaction.
pub async fn dispatch_at_in(
    conn: &mut Conn,
    now: Timestamp,
    approved_at: Timestamp,
    expires_on: Option<Date>,
) -> AppResult<Zoned> {
    let approved_on = schedule::today_in_lima(approved_at);
    let earliest = expires_on
        .map(|e| e.min(approved_on))
        .unwrap_or(approved_on);
    let latest = expires_on
        .map(|e| e.max(approved_on))
        .unwrap_or(approved_on);
    // Generous margins: a cut-off moved back by holidays, or the next one after a long
    // holiday stretch, stays inside the loaded range.
    let from = earliest.checked_sub(30.days()).unwrap_or(earliest);
    let to = latest.checked_add(60.days()).unwrap_or(latest);
    let calendar = calendar_in(conn, now, from, to).await?;
    Ok(schedule::dispatch_at(approved_at, expires_on, &calendar))
}

/// [`dispatch_at_in`] in a transaction of its own. Every caller outside a transaction (the
/// CLI) uses this.
pub async fn dispatch_at(
    app: &App,
    approved_at: Timestamp,
    expires_on: Option<Date>,
) -> AppResult<Zoned> {
    let mut tx = app.store.begin().await?;
    let at = dispatch_at_in(&mut tx, app.now(), approved_at, expires_on).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(at)
}
