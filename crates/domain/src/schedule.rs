//! The RENIEC batch calendar (SPEC.md "The RENIEC batch"): Lima time, the weekly cut-off,
//! holidays (Peru's national ones, Easter-based included), the 10-day rule, and
//! [`dispatch_at`], the one function that says when an approved applicant goes to RENIEC.
//!
//! Pure: no clock reads (times come in as arguments), no I/O. The holidays list is data the
//! caller passes in a [`Calendar`]; [`national_holidays`] only seeds it.
//!
//! Vocabulary used below:
//! - the **nominal cut-off date** of a week is the date that falls on the configured weekday;
//!   a week is the seven days ending on it;
//! - the **effective cut-off** of that week is the last working day (not Saturday, not Sunday,
//!   not a holiday) on or before the nominal date, *within the same week*, at the configured
//!   time. A week whose seven days are all non-working has no cut-off: its requests wait for
//!   the next week's (SPEC.md is silent; this keeps cut-offs strictly increasing).

use std::collections::BTreeSet;
use std::fmt;
use std::ops::RangeInclusive;
use std::sync::OnceLock;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::{Offset, TimeZone};
use jiff::{Span, Timestamp, Zoned};
use serde::Serialize;

/// IANA name of the entity's time zone.
pub const LIMA_TZ_NAME: &str = "America/Lima";

/// Requests whose certificate expires on E are held until the cut-off on or before E − 10 days.
pub const TEN_DAY_RULE_DAYS: i64 = 10;

/// How many weeks the cut-off searches look at before giving up (five years). Only a
/// calendar whose every day is a holiday for years could exhaust it; see each function for
/// what it returns then.
pub const MAX_SEARCH_WEEKS: usize = 260;

/// America/Lima from the bundled tz database. Should the lookup ever fail (it cannot with
/// the bundled database, but the API is fallible) this falls back to a fixed UTC−5, which is
/// what Lima has observed without daylight saving since 1994.
pub fn lima() -> TimeZone {
    static LIMA: OnceLock<TimeZone> = OnceLock::new();
    LIMA.get_or_init(|| {
        TimeZone::get(LIMA_TZ_NAME).unwrap_or_else(|_| TimeZone::fixed(Offset::constant(-5)))
    })
    .clone()
}

/// An instant seen on Lima's wall clock.
pub fn to_lima(t: Timestamp) -> Zoned {
    t.to_zoned(lima())
}

/// Lima's calendar day at instant `now` (what "today" means for every date rule).
pub fn today_in_lima(now: Timestamp) -> Date {
    to_lima(now).date()
}

fn add_days(d: Date, n: i64) -> Option<Date> {
    d.checked_add(Span::new().try_days(n).ok()?).ok()
}

// ---------------------------------------------------------------------------------------
// Cut-off setting

/// The weekly cut-off setting: a weekday and a Lima wall-clock time. Default: Friday 16:30.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cutoff {
    /// Day of the week of the (nominal) cut-off.
    pub weekday: Weekday,
    /// Time of day in Lima.
    pub time: Time,
}

impl Default for Cutoff {
    fn default() -> Self {
        Cutoff {
            weekday: Weekday::Friday,
            time: Time::constant(16, 30, 0, 0),
        }
    }
}

/// Why a cut-off setting was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CutoffError {
    /// Unknown weekday name.
    #[error("Día no válido: escriba un día de la semana, por ejemplo «viernes».")]
    Weekday,
    /// Not `HH:MM`.
    #[error("Hora no válida: use el formato HH:MM de 24 horas, por ejemplo 16:30.")]
    Time,
}

impl Cutoff {
    /// A cut-off on `weekday` at `time`.
    pub fn new(weekday: Weekday, time: Time) -> Self {
        Cutoff { weekday, time }
    }

    /// Parses the admin settings: a Spanish (or English) weekday name, case- and
    /// accent-insensitive, and a 24-hour `HH:MM` time.
    pub fn parse(weekday: &str, time: &str) -> Result<Self, CutoffError> {
        let weekday = parse_weekday(weekday).ok_or(CutoffError::Weekday)?;
        let time = parse_hh_mm(time).ok_or(CutoffError::Time)?;
        Ok(Cutoff { weekday, time })
    }

    /// For people: `viernes 16:30`.
    pub fn describe(&self) -> String {
        format!("{} {}", weekday_name(self.weekday), hh_mm(self.time))
    }
}

impl fmt::Display for Cutoff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// Spanish lower-case weekday name: `lunes` … `domingo`.
pub fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Monday => "lunes",
        Weekday::Tuesday => "martes",
        Weekday::Wednesday => "miércoles",
        Weekday::Thursday => "jueves",
        Weekday::Friday => "viernes",
        Weekday::Saturday => "sábado",
        Weekday::Sunday => "domingo",
    }
}

/// Parses a weekday name: Spanish with or without accents, or English.
pub fn parse_weekday(s: &str) -> Option<Weekday> {
    let s = s.trim().to_lowercase();
    let w = match s.as_str() {
        "lunes" | "monday" => Weekday::Monday,
        "martes" | "tuesday" => Weekday::Tuesday,
        "miércoles" | "miercoles" | "wednesday" => Weekday::Wednesday,
        "jueves" | "thursday" => Weekday::Thursday,
        "viernes" | "friday" => Weekday::Friday,
        "sábado" | "sabado" | "saturday" => Weekday::Saturday,
        "domingo" | "sunday" => Weekday::Sunday,
        _ => return None,
    };
    Some(w)
}

/// Parses a 24-hour `HH:MM` time of day.
pub fn parse_hh_mm(s: &str) -> Option<Time> {
    let (h, m) = s.trim().split_once(':')?;
    let two_digits = |p: &str| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit());
    if !two_digits(h) || !two_digits(m) {
        return None;
    }
    Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
}

fn hh_mm(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

// ---------------------------------------------------------------------------------------
// Holidays

/// A non-working day with its Spanish name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Holiday {
    /// The day.
    pub date: Date,
    /// Its name, for people.
    pub name: String,
}

/// The years whose calendar admins may read and edit.
pub const HOLIDAY_YEARS: std::ops::RangeInclusive<i16> = 2000..=2100;

/// Longest name of a holiday.
pub const MAX_HOLIDAY_NAME: usize = 120;

/// A holiday's name as typed: blanks collapsed, not empty, at most [`MAX_HOLIDAY_NAME`]
/// characters.
pub fn parse_holiday_name(value: &str) -> Result<String, String> {
    let name = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(
            "Escriba el nombre del día no laborable, por ejemplo «Día no laborable (D.S. N° 123-2025-PCM)».".into(),
        );
    }
    if name.chars().count() > MAX_HOLIDAY_NAME {
        return Err(format!(
            "El nombre puede tener hasta {MAX_HOLIDAY_NAME} caracteres."
        ));
    }
    Ok(name)
}

/// A holiday's date as typed, `AAAA-MM-DD`, a real day of a year in [`HOLIDAY_YEARS`].
pub fn parse_holiday_date(value: &str) -> Result<Date, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err("Indique la fecha del día no laborable.".into());
    }
    let date: Date = value
        .parse()
        .ok()
        .filter(|_| value.len() == 10)
        .ok_or_else(|| {
            format!("«{value}» no es una fecha válida: use el formato AAAA-MM-DD, por ejemplo 2026-01-02.")
        })?;
    if !HOLIDAY_YEARS.contains(&date.year()) {
        return Err(format!(
            "La fecha debe ser de un año entre {} y {}.",
            HOLIDAY_YEARS.start(),
            HOLIDAY_YEARS.end()
        ));
    }
    Ok(date)
}

/// Easter Sunday of `year` (Gregorian computus, Meeus/Jones/Butcher). `None` before 1583,
/// when the Gregorian calendar did not exist, and beyond jiff's range.
pub fn easter_sunday(year: i16) -> Option<Date> {
    if year < 1583 {
        return None;
    }
    let y = i32::from(year);
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let n = h + l - 7 * m + 114;
    let month = i8::try_from(n / 31).ok()?;
    let day = i8::try_from(n % 31 + 1).ok()?;
    Date::new(year, month, day).ok()
}

/// Peru's national holidays of `year`, in date order, each from the year it was created:
/// 7 Jun from 2024, 23 Jul from 2023, 6 Aug and 9 Dec from 2022. Holy Thursday and Good
/// Friday are computed from Easter. Decreed public-sector non-working days ("días no
/// laborables") are not here: admins add them by hand.
pub fn national_holidays(year: i16) -> Vec<Holiday> {
    // (month, day, name, first year); i16::MIN means "always".
    let fixed: [(i8, i8, &str, i16); 14] = [
        (1, 1, "Año Nuevo", i16::MIN),
        (5, 1, "Día del Trabajo", i16::MIN),
        (6, 7, "Batalla de Arica y Día de la Bandera", 2024),
        (6, 29, "San Pedro y San Pablo", i16::MIN),
        (7, 23, "Día de la Fuerza Aérea del Perú", 2023),
        (7, 28, "Fiestas Patrias", i16::MIN),
        (7, 29, "Fiestas Patrias", i16::MIN),
        (8, 6, "Batalla de Junín", 2022),
        (8, 30, "Santa Rosa de Lima", i16::MIN),
        (10, 8, "Combate de Angamos", i16::MIN),
        (11, 1, "Día de Todos los Santos", i16::MIN),
        (12, 8, "Inmaculada Concepción", i16::MIN),
        (12, 9, "Batalla de Ayacucho", 2022),
        (12, 25, "Navidad", i16::MIN),
    ];
    let mut out: Vec<Holiday> = fixed
        .iter()
        .filter(|(_, _, _, from)| year >= *from)
        .filter_map(|&(m, d, name, _)| {
            Some(Holiday {
                date: Date::new(year, m, d).ok()?,
                name: name.to_string(),
            })
        })
        .collect();
    if let Some(easter) = easter_sunday(year) {
        for (back, name) in [(3, "Jueves Santo"), (2, "Viernes Santo")] {
            if let Some(date) = add_days(easter, -back) {
                out.push(Holiday {
                    date,
                    name: name.to_string(),
                });
            }
        }
    }
    out.sort();
    out
}

// ---------------------------------------------------------------------------------------
// Calendar

/// The cut-off setting plus the list of non-working days (national and decreed). Saturdays
/// and Sundays are always non-working and need not be listed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    /// Weekly cut-off.
    pub cutoff: Cutoff,
    /// Holidays and decreed non-working days.
    pub holidays: BTreeSet<Date>,
}

impl Calendar {
    /// A calendar with the given cut-off and holidays.
    pub fn new(cutoff: Cutoff, holidays: impl IntoIterator<Item = Date>) -> Self {
        Calendar {
            cutoff,
            holidays: holidays.into_iter().collect(),
        }
    }

    /// A calendar seeded with Peru's national holidays of `years`.
    pub fn with_national_holidays(cutoff: Cutoff, years: RangeInclusive<i16>) -> Self {
        Calendar::new(
            cutoff,
            years.flat_map(|y| national_holidays(y).into_iter().map(|h| h.date)),
        )
    }

    /// True for listed holidays (weekends are not listed).
    pub fn is_holiday(&self, d: Date) -> bool {
        self.holidays.contains(&d)
    }

    /// Monday to Friday and not a holiday.
    pub fn is_working_day(&self, d: Date) -> bool {
        !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) && !self.is_holiday(d)
    }

    /// The first date on or after `d` that falls on the cut-off weekday.
    pub fn nominal_cutoff_date_on_or_after(&self, d: Date) -> Option<Date> {
        add_days(d, i64::from(d.weekday().until(self.cutoff.weekday)))
    }

    /// The effective cut-off date of the week whose nominal date is `nominal`.
    fn effective_date(&self, nominal: Date) -> Option<Date> {
        (0..7)
            .filter_map(|back| add_days(nominal, -back))
            .find(|d| self.is_working_day(*d))
    }

    fn at_cutoff_time(&self, d: Date) -> Option<Zoned> {
        d.to_datetime(self.cutoff.time).to_zoned(lima()).ok()
    }

    /// The effective cut-off of the week whose nominal cut-off date is the first cut-off
    /// weekday on or after `date` (so, for a Friday setting, the week Saturday..=Friday that
    /// contains `date`). `None` when that whole week is non-working. The result may fall
    /// before `date` when holidays moved it back.
    pub fn cutoff_for_week(&self, date: Date) -> Option<Zoned> {
        let nominal = self.nominal_cutoff_date_on_or_after(date)?;
        self.at_cutoff_time(self.effective_date(nominal)?)
    }

    /// True when `z` is exactly an effective cut-off of this calendar.
    pub fn is_cutoff(&self, z: &Zoned) -> bool {
        self.cutoff_for_week(z.date())
            .is_some_and(|c| c.timestamp() == z.timestamp())
    }

    /// The first effective cut-off strictly after `t`: a request approved at 16:30:00 sharp
    /// on a cut-off day goes to the next week's batch.
    ///
    /// Should no week within [`MAX_SEARCH_WEEKS`] have a working day (a broken holiday
    /// list), this returns the first nominal cut-off after `t`, ignoring holidays, rather than
    /// looping; at the very end of the representable calendar it returns `t` itself.
    pub fn next_cutoff_after(&self, t: Timestamp) -> Zoned {
        self.search_next_cutoff(t)
            .or_else(|| self.nominal_cutoff_after(t))
            .unwrap_or_else(|| to_lima(t))
    }

    fn search_next_cutoff(&self, t: Timestamp) -> Option<Zoned> {
        let mut nominal = self.nominal_cutoff_date_on_or_after(to_lima(t).date())?;
        for _ in 0..MAX_SEARCH_WEEKS {
            if let Some(z) = self
                .effective_date(nominal)
                .and_then(|d| self.at_cutoff_time(d))
            {
                if z.timestamp() > t {
                    return Some(z);
                }
            }
            nominal = add_days(nominal, 7)?;
        }
        None
    }

    fn nominal_cutoff_after(&self, t: Timestamp) -> Option<Zoned> {
        let nominal = self.nominal_cutoff_date_on_or_after(to_lima(t).date())?;
        let z = self.at_cutoff_time(nominal)?;
        if z.timestamp() > t {
            Some(z)
        } else {
            self.at_cutoff_time(add_days(nominal, 7)?)
        }
    }

    /// The latest effective cut-off whose date is on or before `date` (the "Friday 10 days
    /// before expiry" when `date` is E − 10). `None` if there is none within
    /// [`MAX_SEARCH_WEEKS`].
    pub fn latest_cutoff_on_or_before(&self, date: Date) -> Option<Zoned> {
        let mut nominal = self.nominal_cutoff_date_on_or_after(date)?;
        for _ in 0..=MAX_SEARCH_WEEKS {
            if let Some(d) = self.effective_date(nominal) {
                if d <= date {
                    return self.at_cutoff_time(d);
                }
            }
            nominal = add_days(nominal, -7)?;
        }
        None
    }

    /// The latest effective cut-off at or before instant `t`: the cut-off a batch closed at
    /// `t` belongs to. `None` if there is none within [`MAX_SEARCH_WEEKS`].
    pub fn latest_cutoff_at_or_before(&self, t: Timestamp) -> Option<Zoned> {
        let mut nominal = self.nominal_cutoff_date_on_or_after(to_lima(t).date())?;
        for _ in 0..=MAX_SEARCH_WEEKS {
            if let Some(z) = self
                .effective_date(nominal)
                .and_then(|d| self.at_cutoff_time(d))
            {
                if z.timestamp() <= t {
                    return Some(z);
                }
            }
            nominal = add_days(nominal, -7)?;
        }
        None
    }

    /// Every effective cut-off whose date lies in `from..=to`, in order.
    pub fn cutoffs_between(&self, from: Date, to: Date) -> Vec<Zoned> {
        let mut out = Vec::new();
        let Some(mut nominal) = self.nominal_cutoff_date_on_or_after(from) else {
            return out;
        };
        // The last week that can hold a cut-off dated `to` ends within 6 days after it.
        let last_nominal = add_days(to, 6).unwrap_or(to);
        while nominal <= last_nominal {
            if let Some(z) = self
                .effective_date(nominal)
                .filter(|d| (from..=to).contains(d))
                .and_then(|d| self.at_cutoff_time(d))
            {
                out.push(z);
            }
            let Some(next) = add_days(nominal, 7) else {
                break;
            };
            nominal = next;
        }
        out
    }
}

/// When an applicant approved at `approved_at`, whose current certificate (if any) expires on
/// `expires_on`, is sent to RENIEC:
///
/// `max(next cut-off after approval, latest cut-off dated on or before E − 10 days)`.
///
/// Without an expiry date, or when the cut-off before E − 10 has already passed, it is simply
/// the next cut-off after approval.
pub fn dispatch_at(approved_at: Timestamp, expires_on: Option<Date>, calendar: &Calendar) -> Zoned {
    let next = calendar.next_cutoff_after(approved_at);
    let held = expires_on
        .and_then(|e| add_days(e, -TEN_DAY_RULE_DAYS))
        .and_then(|d| calendar.latest_cutoff_on_or_before(d));
    match held {
        Some(h) if h.timestamp() > next.timestamp() => h,
        _ => next,
    }
}

/// True when the 10-day rule holds the request beyond the next cut-off.
pub fn is_held_by_ten_day_rule(
    approved_at: Timestamp,
    expires_on: Option<Date>,
    calendar: &Calendar,
) -> bool {
    dispatch_at(approved_at, expires_on, calendar).timestamp()
        > calendar.next_cutoff_after(approved_at).timestamp()
}

// ---------------------------------------------------------------------------------------
// Formatting for people (es-PE)

/// `27/11/2026` (dd/mm/aaaa, as STYLE.md asks for dates shown to people).
pub fn format_date(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year())
}

/// `viernes 27/11/2026 a las 16:30` in Lima time, for the approval notice.
pub fn format_dispatch(z: &Zoned) -> String {
    let local = z.with_time_zone(lima());
    format!(
        "{} {} a las {}",
        weekday_name(local.weekday()),
        format_date(local.date()),
        hh_mm(local.time())
    )
}

#[cfg(test)]
mod tests;
