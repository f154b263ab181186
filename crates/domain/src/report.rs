//! The rules of the reports page (SPEC "Reports"): the period a report covers, Lima weeks as
//! the database groups them, the percentile ranks, and the windows of the forward-looking
//! reports (certificates expiring, download deadlines at risk).
//!
//! Pure: `today` and instants come in as arguments. The SQL that groups and ranks lives in
//! the store and uses the constants below, so both sides count the same way.

use jiff::{civil::Date, Span, Timestamp};

use crate::{
    certificate::DEADLINE_WARNING_DAYS,
    schedule::lima,
    validation::{parse_date, FieldErrors},
    word::words,
};

words! {
    /// The reports, by the name the API and the CSV files use
    /// (`GET /api/v1/reports/{name}`, `{name}.csv`), in the order the page shows them.
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum ReportName: "el reporte" {
        /// Tickets registered in the period, by current status and kind.
        TramitesPorEstado,
        /// Batches whose cut-off falls in the period, per Lima week, and their applicants.
        LotesPorSemana,
        /// Time from a ticket's first submission to the close of its applicant's batch, per
        /// batch whose cut-off falls in the period.
        TiempoHastaEnvio,
        /// Review decisions per week and the share that were observations.
        TasaDeObservacion,
        /// The canned texts observations used (and observations in the analyst's own words).
        MotivosDeObservacion,
        /// Certificates expiring within 30, 60 and 90 days of today.
        CertificadosPorVencer,
        /// Certificates waiting to be downloaded whose deadline is within [`RISK_DAYS`].
        DescargasEnRiesgo,
    }
}

impl ReportName {
    /// The report's title, in Spanish.
    pub fn title(&self) -> &'static str {
        match self {
            ReportName::TramitesPorEstado => "Trámites por estado y tipo",
            ReportName::LotesPorSemana => "Lotes por semana",
            ReportName::TiempoHastaEnvio => "Tiempo desde el envío del trámite hasta el lote",
            ReportName::TasaDeObservacion => "Tasa de observación",
            ReportName::MotivosDeObservacion => "Motivos de observación más frecuentes",
            ReportName::CertificadosPorVencer => "Certificados por caducar",
            ReportName::DescargasEnRiesgo => "Plazos de descarga en riesgo",
        }
    }

    /// Whether the report covers a period (the others look ahead from today).
    pub fn uses_period(&self) -> bool {
        !matches!(
            self,
            ReportName::CertificadosPorVencer | ReportName::DescargasEnRiesgo
        )
    }
}

/// A Lima week is Monday 00:00 to the next Monday 00:00. Weeks are numbered from the one
/// that starts on Monday 5 January 1970 (week 0), as whole weeks of microseconds after
/// [`WEEK_ORIGIN_MICROS`]: `(t - WEEK_ORIGIN_MICROS) / WEEK_MICROS`, integer arithmetic that
/// SQLite and PostgreSQL compute alike. Lima keeps UTC−5 all year (since 1994), so a fixed
/// offset is exact for every date the desk holds.
pub const WEEK_ORIGIN_MICROS: i64 = (4 * 86_400 + 5 * 3_600) * 1_000_000;

/// Microseconds in a week.
pub const WEEK_MICROS: i64 = 7 * 86_400 * 1_000_000;

/// The week (number) an instant falls in, as the store's SQL computes it.
pub fn week_of(t: Timestamp) -> i64 {
    (t.as_microsecond() - WEEK_ORIGIN_MICROS).div_euclid(WEEK_MICROS)
}

/// The Monday that starts week `week`.
pub fn week_monday(week: i64) -> Date {
    let origin = jiff::civil::date(1970, 1, 5);
    origin
        .checked_add(Span::new().days(week.saturating_mul(7).clamp(0, 3_000_000)))
        .unwrap_or(origin)
}

/// The Monday of the week `date` falls in.
pub fn monday_of(date: Date) -> Date {
    let back = i64::from(date.weekday().to_monday_zero_offset());
    date.checked_sub(Span::new().days(back)).unwrap_or(date)
}

/// The percentiles the time-to-dispatch report gives.
pub const MEDIAN: u32 = 50;
pub const P90: u32 = 90;

/// The nearest-rank percentile's rank (1-based) among `n` sorted values: the smallest rank
/// `r` with `r / n >= p / 100`, i.e. `ceil(p·n / 100)`. Every answer is a duration that
/// really happened (no interpolation). `0` when there are no values.
pub fn nearest_rank(n: u64, percent: u32) -> u64 {
    (u64::from(percent) * n).div_ceil(100)
}

/// How many weeks the page shows when no period is given: this week and the 11 before.
pub const DEFAULT_WEEKS: i64 = 12;

/// The days a report covers, both included, in Lima's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: Date,
    pub to: Date,
}

impl Period {
    /// The default: from the Monday [`DEFAULT_WEEKS`]` - 1` weeks before this week's, to today.
    pub fn default_for(today: Date) -> Period {
        let monday = monday_of(today);
        let from = monday
            .checked_sub(Span::new().weeks(DEFAULT_WEEKS - 1))
            .unwrap_or(monday);
        Period { from, to: today }
    }

    /// Reads the `from` and `to` fields (`YYYY-MM-DD`, either may be blank: blank takes the
    /// default's). `fields` names the two fields in the errors (`("from", "to")` for the API,
    /// `("desde", "hasta")` for the page). Every failing field is reported.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        today: Date,
        fields: (&str, &str),
    ) -> Result<Period, FieldErrors> {
        let default = Period::default_for(today);
        let mut errors = FieldErrors::new();
        let mut read = |raw: Option<&str>, field: &str, fallback: Date| match raw
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            None => Some(fallback),
            Some(raw) => match parse_date(raw) {
                Ok(date) => Some(date),
                Err(e) => {
                    errors.add(field, e.to_string());
                    None
                }
            },
        };
        let from = read(from, fields.0, default.from);
        let to = read(to, fields.1, default.to);
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                errors.add(
                    fields.1,
                    "La fecha final debe ser igual o posterior a la fecha inicial.",
                );
            }
        }
        match (from, to) {
            (Some(from), Some(to)) if errors.is_empty() => Ok(Period { from, to }),
            _ => Err(errors),
        }
    }

    /// The period as instants: the start of `from` and the start of the day after `to`, in
    /// Lima (`start <= t < end`).
    pub fn bounds(&self) -> (Timestamp, Timestamp) {
        let start = |d: Date| {
            d.to_zoned(lima())
                .map(|z| z.timestamp())
                .unwrap_or(Timestamp::MAX)
        };
        let after = self
            .to
            .checked_add(Span::new().days(1))
            .map(start)
            .unwrap_or(Timestamp::MAX);
        (start(self.from), after)
    }
}

/// The expiry windows of the "certificates expiring" report, in days from today. Each row
/// counts the certificates whose expiry falls after the previous window and within this one.
pub const EXPIRY_WINDOWS: [i64; 3] = [30, 60, 90];

/// A certificate's download deadline is at risk from this many days before it (the first
/// download reminder's), the last day included.
pub const RISK_DAYS: i64 = DEADLINE_WARNING_DAYS;

/// `today` plus `days`.
pub fn days_after(today: Date, days: i64) -> Date {
    today.checked_add(Span::new().days(days)).unwrap_or(today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn report_names_are_snake_case_words() {
        assert_eq!(
            ReportName::TramitesPorEstado.as_str(),
            "tramites_por_estado"
        );
        assert_eq!(
            "descargas_en_riesgo".parse::<ReportName>(),
            Ok(ReportName::DescargasEnRiesgo)
        );
        assert!("ventas".parse::<ReportName>().is_err());
    }

    #[test]
    fn weeks_start_on_monday_at_midnight_in_lima() {
        let monday = ts("2026-11-30T00:00:00-05:00");
        let week = week_of(monday);
        assert_eq!(week_monday(week), date(2026, 11, 30));
        assert_eq!(week_of(ts("2026-12-06T23:59:59-05:00")), week);
        assert_eq!(week_of(ts("2026-11-29T23:59:59-05:00")), week - 1);
        // Friday's cut-off is in the week of its Monday.
        assert_eq!(week_of(ts("2026-12-04T16:30:00-05:00")), week);
        assert_eq!(week_monday(0), date(1970, 1, 5));
    }

    #[test]
    fn nearest_rank_is_the_ceiling_of_p_times_n() {
        assert_eq!(nearest_rank(0, 50), 0);
        assert_eq!(nearest_rank(1, 50), 1);
        assert_eq!(nearest_rank(1, 90), 1);
        assert_eq!(nearest_rank(4, 50), 2);
        assert_eq!(nearest_rank(5, 50), 3);
        assert_eq!(nearest_rank(10, 90), 9);
        assert_eq!(nearest_rank(11, 90), 10);
        for n in 0..500u64 {
            for p in [MEDIAN, P90] {
                // The integer expression SQL would use.
                #[allow(clippy::manual_div_ceil)]
                let sql = (u64::from(p) * n + 99) / 100;
                assert_eq!(nearest_rank(n, p), sql);
            }
        }
    }

    #[test]
    fn the_default_period_is_the_last_twelve_weeks_to_today() {
        let today = date(2026, 12, 2); // a Wednesday
        let p = Period::default_for(today);
        assert_eq!(p.to, today);
        assert_eq!(p.from, date(2026, 9, 14));
        assert_eq!(p.from.weekday(), jiff::civil::Weekday::Monday);
        assert_eq!(Period::parse(None, Some(" "), today, ("from", "to")), Ok(p));
    }

    #[test]
    fn bad_dates_and_a_reversed_period_are_refused_on_their_fields() {
        let today = date(2026, 12, 2);
        let errors =
            Period::parse(Some("2026-13-01"), Some("ayer"), today, ("desde", "hasta")).unwrap_err();
        assert!(errors.contains("desde"));
        assert!(errors.contains("hasta"));
        let errors = Period::parse(
            Some("2026-12-01"),
            Some("2026-11-01"),
            today,
            ("from", "to"),
        )
        .unwrap_err();
        assert!(!errors.contains("from"));
        assert_eq!(
            errors.get("to").unwrap(),
            ["La fecha final debe ser igual o posterior a la fecha inicial."]
        );
        assert_eq!(
            Period::parse(
                Some("2026-12-01"),
                Some("2026-12-01"),
                today,
                ("from", "to")
            ),
            Ok(Period {
                from: date(2026, 12, 1),
                to: date(2026, 12, 1)
            })
        );
    }

    #[test]
    fn bounds_are_lima_days_with_the_end_excluded() {
        let p = Period {
            from: date(2026, 12, 1),
            to: date(2026, 12, 2),
        };
        let (start, end) = p.bounds();
        assert_eq!(start, ts("2026-12-01T00:00:00-05:00"));
        assert_eq!(end, ts("2026-12-03T00:00:00-05:00"));
    }
}
