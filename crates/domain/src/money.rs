//! Money as an exact integer number of céntimos (1/100 sol). Parsed from decimal text such
//! as `"8.10"`; floats are never used (SPEC.md: "Amounts are exact decimals, never floats").
//!
//! Pure: no I/O.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A non-negative amount in soles, held as céntimos.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Money(i64);

/// Why an amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Nothing was typed.
    #[error("Ingrese el monto.")]
    Empty,
    /// Not a plain decimal like 8.10.
    #[error(
        "Escriba el monto en soles con punto decimal y hasta dos decimales, por ejemplo 8.10."
    )]
    Format,
    /// More than two decimals.
    #[error("El monto admite como máximo dos decimales (céntimos), por ejemplo 8.10.")]
    TooManyDecimals,
    /// Too large to be a fee.
    #[error("El monto es demasiado grande.")]
    TooLarge,
}

impl Money {
    /// The default RENIEC fee: S/ 8.10.
    pub const DEFAULT_FEE: Money = Money(810);
    /// Zero soles.
    pub const ZERO: Money = Money(0);
    /// Largest accepted amount, S/ 9 999 999 999.99 (nothing real comes near).
    const MAX_CENTIMOS: i64 = 999_999_999_999;

    /// From céntimos; negative amounts are refused.
    pub fn from_centimos(c: i64) -> Option<Money> {
        (0..=Self::MAX_CENTIMOS).contains(&c).then_some(Money(c))
    }

    /// The amount in céntimos (what the database stores).
    pub fn centimos(&self) -> i64 {
        self.0
    }

    /// Parses `"8.10"`, `"8.1"` (= 8.10) or `"8"`. Refuses signs, letters, thousands
    /// separators, commas and more than two decimals.
    pub fn parse(input: &str) -> Result<Money, MoneyError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(MoneyError::Empty);
        }
        let (whole, frac) = match s.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (s, None),
        };
        let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(whole) {
            return Err(MoneyError::Format);
        }
        let frac_centimos = match frac {
            None => 0,
            Some(f) if !all_digits(f) => return Err(MoneyError::Format),
            Some(f) if f.len() > 2 => return Err(MoneyError::TooManyDecimals),
            Some(f) => {
                let v: i64 = f.parse().map_err(|_| MoneyError::Format)?;
                if f.len() == 1 {
                    v * 10
                } else {
                    v
                }
            }
        };
        if whole.len() > 10 {
            return Err(MoneyError::TooLarge);
        }
        let whole: i64 = whole.parse().map_err(|_| MoneyError::Format)?;
        Money::from_centimos(whole * 100 + frac_centimos).ok_or(MoneyError::TooLarge)
    }

    /// For people: `S/ 8.10`.
    pub fn soles(&self) -> String {
        format!("S/ {self}")
    }
}

impl fmt::Display for Money {
    /// Plain decimal with two places: `8.10` (the API's money format).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Money::parse(s)
    }
}

impl Serialize for Money {
    /// A decimal string, `"8.10"` (CONTRACT.md).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Money::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_fee_is_parsed_exactly_in_every_accepted_spelling() {
        for s in ["8.10", "8.1", " 8.10 ", "08.10"] {
            assert_eq!(Money::parse(s).unwrap(), Money::DEFAULT_FEE, "{s}");
        }
        assert_eq!(Money::parse("8").unwrap().centimos(), 800);
        assert_eq!(Money::parse("0.05").unwrap().centimos(), 5);
        assert_eq!(Money::parse("0").unwrap(), Money::ZERO);
    }

    #[test]
    fn malformed_amounts_are_refused_with_a_reason() {
        assert_eq!(Money::parse(""), Err(MoneyError::Empty));
        for s in [
            "8.1O", "-1", "+8.10", "8,10", "S/ 8.10", ".5", "8.", "1e3", "8.10.0", "8 .10",
        ] {
            assert_eq!(Money::parse(s), Err(MoneyError::Format), "{s}");
        }
        assert_eq!(Money::parse("8.101"), Err(MoneyError::TooManyDecimals));
        assert_eq!(Money::parse("99999999999"), Err(MoneyError::TooLarge));
        assert_eq!(
            Money::parse("9999999999.99").unwrap().centimos(),
            999_999_999_999
        );
        for e in [
            MoneyError::Empty,
            MoneyError::Format,
            MoneyError::TooManyDecimals,
            MoneyError::TooLarge,
        ] {
            assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn money_shows_two_decimals_and_soles_for_people() {
        let m = Money::DEFAULT_FEE;
        assert_eq!(m.to_string(), "8.10");
        assert_eq!(m.soles(), "S/ 8.10");
        assert_eq!(Money::from_centimos(5).unwrap().to_string(), "0.05");
        assert_eq!(Money::from_centimos(-1), None);
        assert_eq!("8.1".parse::<Money>().unwrap(), m);
    }

    #[test]
    fn money_is_a_decimal_string_in_json() {
        assert_eq!(
            serde_json::to_string(&Money::DEFAULT_FEE).unwrap(),
            "\"8.10\""
        );
        assert_eq!(
            serde_json::from_str::<Money>("\"8.1\"").unwrap(),
            Money::DEFAULT_FEE
        );
        assert!(serde_json::from_str::<Money>("\"8.101\"").is_err());
        assert!(serde_json::from_str::<Money>("8.1").is_err());
    }

    proptest! {
        #[test]
        fn display_and_parse_round_trip_for_every_amount(c in 0i64..=999_999_999_999) {
            let m = Money::from_centimos(c).unwrap();
            prop_assert_eq!(Money::parse(&m.to_string()).unwrap(), m);
        }
    }
}
