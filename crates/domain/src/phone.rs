//! Peruvian phone numbers (issue 11, "Installation contact"): the number at which the
//! service desk reaches the person whose certificate it installs.
//!
//! Accepted: a mobile, 9 digits starting with 9 (`987 654 321`), or a landline with its
//! area code as dialled inside Peru: Lima `01` + 7 digits, any other department `0` + its
//! two-digit code + 6 digits (`076 123456`, Cajamarca). The country code `+51` may precede
//! either (then without the leading 0 of the area code). Spaces, hyphens, dots and
//! parentheses are ignored. Stored as the digits dialled inside Peru (`987654321`,
//! `014567890`, `076123456`). Pure: no I/O.

use std::fmt;

/// Area codes of Peru's departments besides Lima (`1`), as dialled after the leading 0.
const AREA_CODES: &[&str] = &[
    "41", "42", "43", "44", "51", "52", "53", "54", "56", "61", "62", "63", "64", "65", "66", "67",
    "72", "73", "74", "76", "82", "83", "84",
];

/// A Peruvian mobile or landline number.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

/// Why a phone number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Escriba un celular de 9 dígitos que empiece con 9 (por ejemplo 987 654 321) o un teléfono fijo con su código de ciudad (por ejemplo 076 123456 o 01 4567890).")]
pub struct PhoneError;

impl PhoneNumber {
    /// Reads a number as people type it.
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let mut digits = String::with_capacity(input.len());
        for (i, c) in input.trim().char_indices() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                '+' if i == 0 => digits.push('+'),
                _ => return Err(PhoneError),
            }
        }
        // With the country code, the area code has no leading 0.
        let national = if let Some(rest) = digits
            .strip_prefix("+51")
            .or_else(|| digits.strip_prefix("0051"))
        {
            if rest.starts_with('9') {
                rest.to_owned()
            } else {
                format!("0{rest}")
            }
        } else if digits.starts_with('+') {
            return Err(PhoneError);
        } else {
            digits
        };
        let valid = if let Some(rest) = national.strip_prefix('9') {
            rest.len() == 8
        } else if let Some(rest) = national.strip_prefix("01") {
            rest.len() == 7
        } else if let Some(rest) = national.strip_prefix('0') {
            rest.len() == 8 && AREA_CODES.contains(&&rest[..2])
        } else {
            false
        };
        if valid && national.chars().all(|c| c.is_ascii_digit()) {
            Ok(PhoneNumber(national))
        } else {
            Err(PhoneError)
        }
    }

    /// The digits dialled inside Peru, as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `+51…`, for a `tel:` link.
    pub fn international(&self) -> String {
        match self.0.strip_prefix('0') {
            Some(landline) => format!("+51{landline}"),
            None => format!("+51{}", self.0),
        }
    }
}

impl fmt::Display for PhoneNumber {
    /// `987 654 321`, `(01) 456 7890`, `(076) 123456`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.0;
        if s.starts_with('9') {
            write!(f, "{} {} {}", &s[..3], &s[3..6], &s[6..])
        } else if let Some(rest) = s.strip_prefix("01") {
            write!(f, "(01) {} {}", &rest[..3], &rest[3..])
        } else {
            write!(f, "({}) {}", &s[..3], &s[3..])
        }
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({self})")
    }
}

impl std::str::FromStr for PhoneNumber {
    type Err = PhoneError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PhoneNumber::parse(s)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn mobiles_and_landlines_with_their_area_code_are_accepted() {
        for (typed, stored, shown) in [
            ("987654321", "987654321", "987 654 321"),
            (" 987 654 321 ", "987654321", "987 654 321"),
            ("+51 987-654-321", "987654321", "987 654 321"),
            ("(01) 456-7890", "014567890", "(01) 456 7890"),
            ("+51 1 4567890", "014567890", "(01) 456 7890"),
            ("076 123456", "076123456", "(076) 123456"),
            ("+51 76 123456", "076123456", "(076) 123456"),
        ] {
            let p = PhoneNumber::parse(typed).unwrap();
            assert_eq!(p.as_str(), stored, "{typed}");
            assert_eq!(p.to_string(), shown, "{typed}");
        }
        assert_eq!(
            PhoneNumber::parse("076123456").unwrap().international(),
            "+5176123456"
        );
        assert_eq!(
            PhoneNumber::parse("987654321").unwrap().international(),
            "+51987654321"
        );
    }

    #[test]
    fn numbers_that_are_not_peruvian_phones_are_refused_in_spanish() {
        for bad in [
            "",
            "12345678",
            "87654321",
            "98765432",
            "9876543210",
            "076 12345",
            "099 123456",
            "4567890",
            "+1 202 555 0100",
            "98765432a",
            "987+654321",
        ] {
            let err = PhoneNumber::parse(bad).unwrap_err();
            assert!(err.to_string().contains("celular de 9 dígitos"), "{bad}");
        }
    }
}
