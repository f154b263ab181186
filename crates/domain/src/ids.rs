//! Typed ids, so a `TicketId` cannot be passed where an `ApplicantId` is expected, and the
//! human-readable ticket number `CD-2026-000123`.
//!
//! Ids are UUIDv7 (time-ordered, so keyset pagination by id follows creation order), stored
//! as TEXT on SQLite and PostgreSQL and written as the usual hyphenated string. The app
//! makes new ones; this module only parses and carries them. Pure: no I/O.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A malformed id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Identificador no válido: «{0}».")]
pub struct IdParseError(pub String);

macro_rules! decl_id {
    ($($(#[$meta:meta])* $name:ident;)+) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            /// The underlying UUID.
            pub fn get(self) -> uuid::Uuid {
                self.0
            }
        }

        impl From<uuid::Uuid> for $name {
            fn from(v: uuid::Uuid) -> Self {
                Self(v)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl FromStr for $name {
            type Err = IdParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::try_parse(s.trim())
                    .map(Self)
                    .map_err(|_| IdParseError(s.to_string()))
            }
        }
    )+};
}

decl_id! {
    /// A user account.
    UserId;
    /// An access request.
    AccessRequestId;
    /// A ticket.
    TicketId;
    /// An applicant within a ticket.
    ApplicantId;
    /// A payment receipt (constancia de pago).
    PaymentId;
    /// A weekly RENIEC batch.
    BatchId;
    /// A certificate in the registry.
    CertificateId;
    /// A stored file (photo, signature, receipt scan, package).
    FileId;
    /// An audit-log entry.
    AuditId;
    /// An outbox e-mail.
    OutboxId;
    /// An in-app notification.
    NotificationId;
    /// A configured holiday.
    HolidayId;
    /// A canned observation text, kept by admins, picked by analysts.
    ObservationTextId;
    /// An analysts' internal note on a ticket.
    NoteId;
}

/// A ticket's human-readable number: `CD-<year>-<6-digit sequence>`, sequential per year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TicketNumber {
    year: i16,
    seq: u32,
}

/// A malformed ticket number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Número de trámite no válido: «{0}». Tiene la forma CD-2026-000123.")]
pub struct TicketNumberError(pub String);

impl TicketNumber {
    /// The prefix of every number.
    pub const PREFIX: &'static str = "CD";
    /// The largest sequence number that fits the 6-digit format.
    pub const MAX_SEQ: u32 = 999_999;

    /// Builds a number; `seq` must be 1..=999 999 and `year` 1000..=9999.
    pub fn new(year: i16, seq: u32) -> Result<Self, TicketNumberError> {
        if !(1000..=9999).contains(&year) || seq == 0 || seq > Self::MAX_SEQ {
            return Err(TicketNumberError(format!("{year}/{seq}")));
        }
        Ok(Self { year, seq })
    }

    /// The year the ticket was created in (Lima).
    pub fn year(&self) -> i16 {
        self.year
    }

    /// The sequence within the year, from 1.
    pub fn seq(&self) -> u32 {
        self.seq
    }

    /// Parses `CD-2026-000123` (case-insensitive prefix).
    pub fn parse(input: &str) -> Result<Self, TicketNumberError> {
        let err = || TicketNumberError(input.to_string());
        let s = input.trim();
        let mut parts = s.split('-');
        let (Some(prefix), Some(year), Some(seq), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(err());
        };
        let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
        if !prefix.eq_ignore_ascii_case(Self::PREFIX) || !digits(year, 4) || !digits(seq, 6) {
            return Err(err());
        }
        let year = year.parse::<i16>().map_err(|_| err())?;
        let seq = seq.parse::<u32>().map_err(|_| err())?;
        Self::new(year, seq).map_err(|_| err())
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:04}-{:06}", Self::PREFIX, self.year, self.seq)
    }
}

impl FromStr for TicketNumber {
    type Err = TicketNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for TicketNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TicketNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn ids_are_hyphenated_uuids_on_the_wire_and_in_paths() {
        let text = "01a21a22-0354-75b0-a8f0-fc43adce71b0";
        let id: TicketId = text.parse().unwrap();
        assert_eq!(id.to_string(), text);
        assert_eq!(TicketId::from(id.get()), id);
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{text}\""));
        assert_eq!(
            serde_json::from_str::<ApplicantId>(&format!("\"{text}\"")).unwrap(),
            ApplicantId(id.get())
        );
        for bad in ["0", "-1", "abc", "", "01a21a22-0354-75b0-a8f0"] {
            let err = bad.parse::<UserId>().unwrap_err();
            assert!(err.to_string().contains("no válido"), "{bad}");
        }
    }

    #[test]
    fn ticket_numbers_are_cd_year_and_six_digit_sequence() {
        let n = TicketNumber::new(2026, 123).unwrap();
        assert_eq!(n.to_string(), "CD-2026-000123");
        assert_eq!((n.year(), n.seq()), (2026, 123));
        assert_eq!("cd-2026-000123".parse::<TicketNumber>().unwrap(), n);
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"CD-2026-000123\"");
        assert_eq!(
            serde_json::from_str::<TicketNumber>("\"CD-2026-000123\"").unwrap(),
            n
        );
        assert!(serde_json::from_str::<TicketNumber>("\"CD-2026-123\"").is_err());
    }

    #[test]
    fn malformed_ticket_numbers_are_refused() {
        for bad in [
            "CD-2026-00012",
            "XX-2026-000123",
            "CD-26-000123",
            "CD-2026-000000",
            "CD-2026-000123-1",
            "CD2026000123",
            "CD-0999-000001",
            "CD-2026-00012a",
        ] {
            assert!(TicketNumber::parse(bad).is_err(), "{bad}");
        }
        assert!(TicketNumber::new(2026, 0).is_err());
        assert!(TicketNumber::new(2026, 1_000_000).is_err());
        assert!(TicketNumber::new(999, 1).is_err());
        assert!(TicketNumber::parse("x")
            .unwrap_err()
            .to_string()
            .contains("CD-2026-000123"));
    }

    #[test]
    fn ticket_numbers_sort_by_year_then_sequence() {
        let a = TicketNumber::new(2025, 999).unwrap();
        let b = TicketNumber::new(2026, 1).unwrap();
        assert!(a < b);
    }
}
