//! Field errors: every failing field of a form at once, each with Spanish messages.
//!
//! Serialized as a plain map `{"field": ["message", …]}`, the `errors` member of the
//! problem+json body in CONTRACT.md. Pure: no I/O.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// Spanish messages keyed by field name (the input's field names, snake_case).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FieldErrors(BTreeMap<String, Vec<String>>);

impl FieldErrors {
    /// No errors yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one message for `field`.
    pub fn add(&mut self, field: &str, msg: impl Into<String>) {
        self.0
            .entry(field.to_string())
            .or_default()
            .push(msg.into());
    }

    /// True when no field failed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of failing fields.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Messages for one field.
    pub fn get(&self, field: &str) -> Option<&[String]> {
        self.0.get(field).map(Vec::as_slice)
    }

    /// True when `field` has at least one message.
    pub fn contains(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// Fields and their messages, in field-name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// Errors from a map of field names to messages (the inverse of
    /// [`FieldErrors::into_inner`]).
    pub fn from_map(map: BTreeMap<String, Vec<String>>) -> Self {
        Self(map)
    }

    /// The underlying map.
    pub fn into_inner(self) -> BTreeMap<String, Vec<String>> {
        self.0
    }

    /// Records the error of `r` (its Display text) under `field` and returns `None`,
    /// or returns the value. Lets a validator try every field before giving up.
    pub fn check<T, E: fmt::Display>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }

    /// Like [`FieldErrors::check`] for a validator that reports many fields at once: its
    /// errors join these, and its value is returned when it passed.
    pub fn absorb<T>(&mut self, r: Result<T, FieldErrors>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(other) => {
                for (field, messages) in other.0 {
                    self.0.entry(field).or_default().extend(messages);
                }
                None
            }
        }
    }

    /// `Ok(())` when empty, otherwise `Err(self)`.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Revise los campos marcados.")
    }
}

impl std::error::Error for FieldErrors {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn check_keeps_ok_values_and_records_errors() {
        let mut errors = FieldErrors::new();
        assert_eq!(errors.check::<_, String>("a", Ok(1)), Some(1));
        assert!(errors.is_empty());
        assert_eq!(errors.check::<i32, _>("b", Err("mal")), None);
        assert_eq!(errors.get("b").unwrap(), ["mal".to_string()]);
        assert!(errors.get("a").is_none());
        assert!(errors.contains("b"));
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn several_messages_for_one_field_are_kept_in_order() {
        let mut errors = FieldErrors::new();
        errors.add("x", "uno");
        errors.add("x", "dos");
        let pairs: Vec<_> = errors.iter().collect();
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].1, ["uno".to_string(), "dos".to_string()]);
        assert_eq!(errors.clone().into_inner()["x"].len(), 2);
        assert!(errors.into_result().is_err());
        assert!(FieldErrors::new().into_result().is_ok());
    }

    #[test]
    fn field_errors_serialize_as_a_plain_map_and_read_as_a_spanish_summary() {
        let mut errors = FieldErrors::new();
        errors.add("dni", "Debe tener 8 dígitos.");
        let json = serde_json::to_string(&errors).unwrap();
        assert_eq!(json, r#"{"dni":["Debe tener 8 dígitos."]}"#);
        assert_eq!(errors.to_string(), "Revise los campos marcados.");
        let as_error: &dyn std::error::Error = &errors;
        assert!(as_error.source().is_none());
    }

    fn d(y: i16, m: i8, day: i8) -> jiff::civil::Date {
        jiff::civil::date(y, m, day)
    }

    #[test]
    fn a_strict_iso_date_is_parsed_and_other_shapes_are_refused() {
        assert_eq!(parse_date(" 2026-03-15 ").unwrap(), d(2026, 3, 15));
        assert_eq!(parse_date(""), Err(DateError::Empty));
        for bad in [
            "15/03/2026",
            "20260315",
            "2026-3-15",
            "2026-03-1x",
            "2026/03/15",
            "+2026-03-15",
        ] {
            assert_eq!(parse_date(bad), Err(DateError::Format), "{bad}");
        }
    }

    #[test]
    fn a_well_formed_date_that_is_not_on_the_calendar_is_refused() {
        assert_eq!(parse_date("2026-02-29"), Err(DateError::NotARealDate));
        assert_eq!(parse_date("2026-13-01"), Err(DateError::NotARealDate));
        assert_eq!(parse_date("2026-04-31"), Err(DateError::NotARealDate));
        assert_eq!(parse_date("2024-02-29").unwrap(), d(2024, 2, 29));
        assert_eq!(parse_date("0202-05-14"), Err(DateError::TooOld));
        assert!(DateError::TooOld.to_string().contains("año"));
    }

    #[test]
    fn a_past_date_may_be_today_but_not_tomorrow() {
        let today = d(2026, 5, 4);
        assert_eq!(parse_past_date("2026-05-04", today).unwrap(), today);
        assert_eq!(
            parse_past_date("2026-05-05", today),
            Err(DateError::InTheFuture)
        );
        assert_eq!(parse_past_date("nope", today), Err(DateError::Format));
        assert!(DateError::InTheFuture
            .to_string()
            .contains("posterior a hoy"));
    }

    #[test]
    fn required_text_is_trimmed_collapsed_and_bounded() {
        assert_eq!(
            required_text("  Jefe   de  área ", 200).unwrap(),
            "Jefe de área"
        );
        assert_eq!(required_text("   ", 200), Err(TextError::Empty));
        assert_eq!(
            required_text(&"ñ".repeat(201), 200),
            Err(TextError::TooLong { max: 200 })
        );
        assert!(required_text(&"ñ".repeat(200), 200).is_ok());
        assert_eq!(required_text("a\u{7}b", 200), Err(TextError::Control));
        assert!(TextError::TooLong { max: 200 }.to_string().contains("200"));
    }

    #[test]
    fn absorb_joins_another_validators_errors_and_keeps_a_passing_value() {
        let mut e = FieldErrors::new();
        e.add("dni", "uno");
        let mut other = FieldErrors::new();
        other.add("dni", "dos");
        other.add("email", "tres");
        assert_eq!(e.absorb::<()>(Err(other)), None);
        assert_eq!(e.get("dni").unwrap(), ["uno", "dos"]);
        assert_eq!(e.get("email").unwrap(), ["tres"]);
        assert_eq!(e.absorb(Ok(5)), Some(5));
        assert_eq!(e.len(), 2);
    }
}

/// Why a typed date was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Nothing was typed.
    #[error("Ingrese la fecha.")]
    Empty,
    /// Not `YYYY-MM-DD`.
    #[error("Escriba la fecha con el formato AAAA-MM-DD (por ejemplo, 2026-03-15).")]
    Format,
    /// Well-formed but not on the calendar (e.g. 2026-02-30).
    #[error("La fecha no existe en el calendario. Revise el día y el mes.")]
    NotARealDate,
    /// Later than today.
    #[error("La fecha no puede ser posterior a hoy.")]
    InTheFuture,
    /// Before 1900: certainly a typing mistake.
    #[error("Revise el año: la fecha es demasiado antigua.")]
    TooOld,
}

/// Dates before this year are refused as typing mistakes (e.g. `0202-05-14`).
pub const MIN_YEAR: i16 = 1900;

/// Parses a strict `YYYY-MM-DD` date (surrounding whitespace ignored), from [`MIN_YEAR`]. Strict on purpose:
/// jiff's own parser also takes other ISO 8601 forms that people do not type.
pub fn parse_date(input: &str) -> Result<jiff::civil::Date, DateError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(DateError::Empty);
    }
    let b = s.as_bytes();
    let shape_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return Err(DateError::Format);
    }
    // The shape check guarantees digits, and two digits always fit an i8.
    let (Ok(y), Ok(m), Ok(d)) = (
        s[0..4].parse::<i16>(),
        s[5..7].parse::<i8>(),
        s[8..10].parse::<i8>(),
    ) else {
        return Err(DateError::Format);
    };
    if y < MIN_YEAR {
        return Err(DateError::TooOld);
    }
    jiff::civil::Date::new(y, m, d).map_err(|_| DateError::NotARealDate)
}

/// [`parse_date`], and the date may not be after `today` (Lima's calendar day, from the caller).
pub fn parse_past_date(
    input: &str,
    today: jiff::civil::Date,
) -> Result<jiff::civil::Date, DateError> {
    let date = parse_date(input)?;
    if date > today {
        return Err(DateError::InTheFuture);
    }
    Ok(date)
}

/// A required free-text field: trimmed, inner whitespace collapsed, 1..=`max` characters.
pub fn required_text(input: &str, max: usize) -> Result<String, TextError> {
    let s = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.is_empty() {
        return Err(TextError::Empty);
    }
    if s.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    if s.chars().any(char::is_control) {
        return Err(TextError::Control);
    }
    Ok(s)
}

/// Why a free-text field was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Blank.
    #[error("Este campo es obligatorio.")]
    Empty,
    /// Too long.
    #[error("Como máximo {max} caracteres.")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// Control characters.
    #[error("El texto contiene caracteres no permitidos.")]
    Control,
}
