//! The installation appointment as an iCalendar file (RFC 5545), attached to its mail so
//! the appointment lands in the person's calendar. Written with the `icalendar` crate.

use icalendar::{Calendar, Component, Event, EventLike};
use jiff::{SignedDuration, Timestamp};

use crate::store::outbox::Attachment;

/// How long an installation usually takes.
const LENGTH: SignedDuration = SignedDuration::from_mins(45);

/// What goes in the calendar entry.
#[derive(Debug, Clone)]
pub struct Appointment<'a> {
    /// Stable per ticket, so a rebooked appointment replaces the first one.
    pub uid: &'a str,
    /// 0 for the first booking, one more for each rebooking.
    pub sequence: u32,
    pub at: Timestamp,
    /// When it was booked (the entry's DTSTAMP).
    pub booked_at: Timestamp,
    pub summary: &'a str,
    pub description: &'a str,
    pub location: &'a str,
}

fn utc(t: Timestamp) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(t.as_second(), t.subsec_nanosecond().unsigned_abs())
        .unwrap_or_default()
}

/// The `.ics` attachment of the appointment.
pub fn appointment(a: &Appointment<'_>) -> Attachment {
    let end = a.at.checked_add(LENGTH).unwrap_or(a.at);
    let event = Event::new()
        .uid(a.uid)
        .sequence(a.sequence)
        .timestamp(utc(a.booked_at))
        .starts(utc(a.at))
        .ends(utc(end))
        .summary(a.summary)
        .description(a.description)
        .location(a.location)
        .done();
    let mut calendar = Calendar::new();
    calendar.append_property(("METHOD", "PUBLISH"));
    calendar.push(event);
    Attachment {
        name: "cita-instalacion.ics".to_owned(),
        content_type: "text/calendar; charset=utf-8; method=PUBLISH".to_owned(),
        body: calendar.done().to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_appointment_is_an_event_at_its_time_in_utc() {
        let at: Timestamp = "2026-12-03T10:00:00-05:00".parse().unwrap();
        let file = appointment(&Appointment {
            uid: "ticket-1@certdesk.example",
            sequence: 1,
            at,
            booked_at: "2026-12-01T09:00:00-05:00".parse().unwrap(),
            summary: "Instalación de certificado digital",
            description: "Trámite CD-2026-000001; línea uno, con coma",
            location: "Mesa de Servicios",
        });
        let ics = file.body.replace("\r\n ", "");
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(ics.contains("METHOD:PUBLISH\r\n"));
        assert!(ics.contains("DTSTART:20261203T150000Z\r\n"), "{ics}");
        assert!(ics.contains("DTEND:20261203T154500Z\r\n"), "{ics}");
        assert!(ics.contains("UID:ticket-1@certdesk.example\r\n"));
        assert!(ics.contains("SEQUENCE:1\r\n"));
        assert!(ics.contains("DTSTAMP:20261201T140000Z\r\n"));
        // Commas and semicolons are escaped in text values (RFC 5545 §3.3.11).
        assert!(
            ics.contains("CD-2026-000001\\; línea uno\\, con coma"),
            "{ics}"
        );
        assert!(ics.trim_end().ends_with("END:VCALENDAR"));
    }
}
