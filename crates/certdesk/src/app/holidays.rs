//! The holiday calendar as admins keep it (SPEC "Holidays"): Peru's national holidays,
//! seeded a year at a time and never removable, and the decreed public-sector non-working
//! days ("días no laborables") that admins add and remove. Every change takes effect at
//! once: the batch schedule reads the days from the database each time (`app::schedule`).

use domain::schedule::{self, parse_holiday_date, parse_holiday_name, HOLIDAY_YEARS};
use domain::validation::FieldErrors;
use jiff::civil::Date;

use super::{
    audit::{self, AuditEvent, Entry},
    auth, App, AppError, AppResult,
};
use crate::store::{
    holidays::{self, HolidaySource},
    users::User,
    StoreError,
};

/// One non-working day as people see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    pub date: Date,
    pub name: String,
    /// A national holiday (by law): listed, never removable.
    pub national: bool,
}

/// The non-working days of `year`, in date order (any signed-in user). A year whose
/// national holidays are not seeded yet lists them as the law gives them, as the batch
/// schedule reads them.
pub async fn list(app: &App, _actor: &User, year: i16) -> AppResult<Vec<Holiday>> {
    check_year(year)?;
    let mut tx = app.store.read().await?;
    let seeded = holidays::seeded_years(&mut tx, year, year).await?;
    let mut days: Vec<Holiday> = holidays::in_year(&mut tx, year)
        .await?
        .into_iter()
        .map(|h| Holiday {
            date: h.date,
            name: h.name,
            national: h.source == HolidaySource::Nacional,
        })
        .collect();
    drop(tx);
    if seeded.is_empty() {
        for h in schedule::national_holidays(year) {
            if !days.iter().any(|d| d.date == h.date) {
                days.push(Holiday {
                    date: h.date,
                    name: h.name,
                    national: true,
                });
            }
        }
        days.sort_by_key(|d| d.date);
    }
    Ok(days)
}

/// What an admin types to add a decreed non-working day.
#[derive(Debug, Clone, Default)]
pub struct NewHoliday {
    pub date: String,
    pub name: String,
}

/// Adds a decreed non-working day (admins). A bad date or name, a day already listed, or a
/// national holiday's date is refused on its field (422), with every failing field at once.
pub async fn add(app: &App, actor: &User, input: &NewHoliday) -> AppResult<Holiday> {
    auth::require_admin(actor)?;
    let mut errors = FieldErrors::new();
    let date = errors.check("date", parse_holiday_date(&input.date));
    let name = errors.check("name", parse_holiday_name(&input.name));
    let (Some(date), Some(name)) = (date, name) else {
        return Err(AppError::Validation(errors));
    };
    let mut tx = app.store.begin().await?;
    let national = schedule::national_holidays(date.year())
        .into_iter()
        .find(|h| h.date == date);
    match holidays::on(&mut tx, date).await? {
        Some(h) if h.source == HolidaySource::Nacional => {
            return Err(is_national(date, &h.name));
        }
        Some(h) => return Err(already_listed(date, &h.name)),
        None => {}
    }
    let seeded = !holidays::seeded_years(&mut tx, date.year(), date.year())
        .await?
        .is_empty();
    if let (Some(h), false) = (national, seeded) {
        // Not seeded yet, but the law makes it a holiday: the seed will list it.
        return Err(is_national(date, &h.name));
    }
    holidays::insert(&mut tx, date, &name, HolidaySource::Decretado)
        .await
        .map_err(|e| match e {
            StoreError::Conflict { .. } => already_listed(date, &name),
            other => other.into(),
        })?;
    audit::record(
        &mut tx,
        app.now(),
        Entry::new(AuditEvent::HolidayAdded, Some(&actor.id), subject(date))
            .with_detail(serde_json::json!({"date": date.to_string(), "name": name})),
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    tracing::info!(user_id = %actor.id, %date, "decreed non-working day added");
    Ok(Holiday {
        date,
        name,
        national: false,
    })
}

/// Removes a decreed non-working day (admins), named `YYYY-MM-DD`. A national holiday
/// cannot be removed (409); a day not listed, or text that is no date, is 404.
pub async fn remove(app: &App, actor: &User, date: &str) -> AppResult<Holiday> {
    auth::require_admin(actor)?;
    let date: Date = date.trim().parse().map_err(|_| AppError::NotFound)?;
    let mut tx = app.store.begin().await?;
    let Some(stored) = holidays::on(&mut tx, date).await? else {
        // A year not seeded yet lists the national holidays the law gives: they are just
        // as permanent.
        let seeded = !holidays::seeded_years(&mut tx, date.year(), date.year())
            .await?
            .is_empty();
        return match schedule::national_holidays(date.year())
            .into_iter()
            .find(|h| h.date == date)
        {
            Some(h) if !seeded => Err(cannot_remove(date, &h.name)),
            _ => Err(AppError::NotFound),
        };
    };
    if stored.source == HolidaySource::Nacional {
        return Err(cannot_remove(date, &stored.name));
    }
    if !holidays::delete_decreed(&mut tx, date).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        &mut tx,
        app.now(),
        Entry::new(AuditEvent::HolidayRemoved, Some(&actor.id), subject(date))
            .with_detail(serde_json::json!({"date": date.to_string(), "name": stored.name})),
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    tracing::info!(user_id = %actor.id, %date, "decreed non-working day removed");
    Ok(Holiday {
        date,
        name: stored.name,
        national: false,
    })
}

/// A year admins may list.
pub fn check_year(year: i16) -> AppResult<()> {
    if HOLIDAY_YEARS.contains(&year) {
        Ok(())
    } else {
        Err(AppError::field(
            "year",
            format!(
                "Elija un año entre {} y {}.",
                HOLIDAY_YEARS.start(),
                HOLIDAY_YEARS.end()
            ),
        ))
    }
}

/// The audit subject of a day of the calendar.
fn subject(date: Date) -> String {
    format!("holiday:{date}")
}

fn cannot_remove(date: Date, name: &str) -> AppError {
    AppError::Conflict(format!(
        "El {} ({name}) es feriado nacional por ley: no se puede quitar. Solo se quitan los \
         días no laborables agregados por decreto.",
        schedule::format_date(date)
    ))
}

fn is_national(date: Date, name: &str) -> AppError {
    AppError::field(
        "date",
        format!(
            "El {} ya es feriado nacional ({name}): no hace falta agregarlo.",
            schedule::format_date(date)
        ),
    )
}

fn already_listed(date: Date, name: &str) -> AppError {
    AppError::field(
        "date",
        format!(
            "El {} ya está en la lista como día no laborable ({name}).",
            schedule::format_date(date)
        ),
    )
}
