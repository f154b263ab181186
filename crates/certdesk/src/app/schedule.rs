//! The batch calendar as stored: the cut-off setting and the non-working days. The rules
//! themselves are `domain::schedule`; this module only gathers their inputs.
//!
//! Reading the calendar never writes. Peru's national holidays are seeded ahead of time, a
//! year at a time ([`seed_holidays`], run by `migrate`, `serve` and the daily housekeeping
//! job), so admins see and edit them; a year not seeded yet (a certificate expiring years
//! ahead) reads the holidays the law gives, computed, plus any day an admin added.

use std::collections::BTreeSet;

use domain::{
    schedule::{self, Calendar},
    settings::Settings,
};
use jiff::{civil::Date, Timestamp, ToSpan, Zoned};

use super::{settings, App, AppResult};
use crate::store::{holidays, Conn, StoreError};

/// Years seeded ahead of the current one.
pub const SEED_YEARS_AHEAD: i16 = 2;

/// Seeds the national holidays of this year and the next [`SEED_YEARS_AHEAD`], once per
/// year (a holiday an admin deleted afterwards stays deleted). Returns the years seeded now.
pub async fn seed_holidays(app: &App, now: Timestamp) -> AppResult<Vec<i16>> {
    let this_year = schedule::today_in_lima(now).year();
    let years = this_year..=this_year + SEED_YEARS_AHEAD;
    let mut conn = app.store.conn().await?;
    let done = holidays::seeded_years(&mut conn, this_year, this_year + SEED_YEARS_AHEAD).await?;
    drop(conn);
    let missing: Vec<i16> = years.filter(|y| !done.contains(y)).collect();
    let mut seeded = Vec::new();
    if missing.is_empty() {
        return Ok(seeded);
    }
    let mut tx = app.store.begin().await?;
    for year in missing {
        let national: Vec<(Date, String)> = schedule::national_holidays(year)
            .into_iter()
            .map(|h| (h.date, h.name))
            .collect();
        if holidays::seed_year(&mut tx, year, &national, now).await? {
            tracing::info!(year, count = national.len(), "national holidays seeded");
            seeded.push(year);
        }
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(seeded)
}

/// The calendar with every non-working day between `from` and `to` (inclusive), read
/// inside the caller's connection or transaction.
pub async fn calendar_in(
    conn: &mut Conn,
    settings: &Settings,
    from: Date,
    to: Date,
) -> AppResult<Calendar> {
    let seeded = holidays::seeded_years(conn, from.year(), to.year()).await?;
    let mut days: BTreeSet<Date> = holidays::between(conn, from, to)
        .await?
        .into_iter()
        .collect();
    for year in (from.year()..=to.year()).filter(|y| !seeded.contains(y)) {
        days.extend(
            schedule::national_holidays(year)
                .into_iter()
                .map(|h| h.date)
                .filter(|d| (from..=to).contains(d)),
        );
    }
    Ok(Calendar::new(settings.cutoff, days))
}

/// The calendar around `now`: two months back and `ahead` days forward.
pub async fn calendar_around(
    conn: &mut Conn,
    settings: &Settings,
    now: Timestamp,
    ahead: i64,
) -> AppResult<Calendar> {
    let today = schedule::today_in_lima(now);
    calendar_in(conn, settings, today - 60.days(), today + ahead.days()).await
}

/// When an applicant approved at `approved_at`, whose current certificate expires on
/// `expires_on`, goes to RENIEC; read inside the caller's connection or transaction.
pub async fn dispatch_at_in(
    conn: &mut Conn,
    settings: &Settings,
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
    let calendar = calendar_in(conn, settings, from, to).await?;
    Ok(schedule::dispatch_at(approved_at, expires_on, &calendar))
}

/// [`dispatch_at_in`] on a connection of its own (the CLI, pages).
pub async fn dispatch_at(
    app: &App,
    approved_at: Timestamp,
    expires_on: Option<Date>,
) -> AppResult<Zoned> {
    let mut conn = app.store.conn().await?;
    let settings = settings::load_in(&mut conn).await?;
    dispatch_at_in(&mut conn, &settings, approved_at, expires_on).await
}

/// The weekly cut-off in words and the next one, for pages: ("cada viernes a las 16:30",
/// "viernes 04/12/2026 a las 16:30"), holidays considered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchTimes {
    pub every: String,
    pub next: String,
}

/// The [`BatchTimes`] at `now`, read inside the caller's connection or transaction.
pub async fn batch_times_in(
    conn: &mut Conn,
    settings: &Settings,
    now: Timestamp,
) -> AppResult<BatchTimes> {
    let next = dispatch_at_in(conn, settings, now, None).await?;
    Ok(BatchTimes {
        every: format!(
            "cada {} a las {}",
            schedule::weekday_name(settings.cutoff.weekday),
            settings.cutoff.time.strftime("%H:%M")
        ),
        next: schedule::format_dispatch(&next),
    })
}

/// The [`BatchTimes`] now under `settings` (the page's), on a connection of its own.
pub async fn batch_times(app: &App, settings: &Settings) -> AppResult<BatchTimes> {
    let mut conn = app.store.conn().await?;
    batch_times_in(&mut conn, settings, app.now()).await
}
