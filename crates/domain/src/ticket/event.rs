//! What happens to a ticket. Every line of a ticket's history is one [`Event`]: the moves
//! of the state machine (one per [`Action`], whoever or whatever acts: a requester, an
//! analyst, the batch job), the edits of a ticket being written or corrected, and RENIEC's
//! answer for each applicant. The certificate a ticket names, and the batch it went in, show
//! up here through the ticket's own events (`complete`, `dispatch`, `reniec_result`).
//!
//! The codes are stable: they are stored, and the API sends them. Pages, and the
//! notifications and audit log built on them, `match` on the enum, so a new event cannot
//! be forgotten. Pure: no I/O.

use std::fmt;

use serde::{Serialize, Serializer};

use super::Action;
use crate::word::UnknownWord;

/// One thing that happened to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// The requester opened the ticket (it starts as borrador).
    Created,
    /// An action of the state machine: submit, take, observe, approve, dispatch, …
    Action(Action),
    /// A payment receipt was registered on the ticket.
    PaymentAdded,
    /// A receipt not linked to an applicant was removed.
    PaymentRemoved,
    /// An applicant was registered, with photo and signature.
    ApplicantAdded,
    /// An applicant was removed from the ticket.
    ApplicantRemoved,
    /// An applicant's data, photo or signature was corrected in place.
    ApplicantEdited,
    /// RENIEC's answer for one applicant was recorded (approved or rejected).
    ReniecAnswered,
}

impl Event {
    /// Every event, the actions in their order.
    pub fn all() -> impl Iterator<Item = Event> {
        [Event::Created]
            .into_iter()
            .chain(Action::ALL.iter().copied().map(Event::Action))
            .chain([
                Event::PaymentAdded,
                Event::PaymentRemoved,
                Event::ApplicantAdded,
                Event::ApplicantRemoved,
                Event::ReniecAnswered,
                Event::ApplicantEdited,
            ])
    }

    /// The stable code, as stored and sent: `create`, `submit`, `applicant_added`, …
    pub fn code(&self) -> &'static str {
        match self {
            Event::Created => "create",
            Event::Action(action) => action.as_str(),
            Event::PaymentAdded => "payment_added",
            Event::PaymentRemoved => "payment_removed",
            Event::ApplicantAdded => "applicant_added",
            Event::ApplicantRemoved => "applicant_removed",
            Event::ApplicantEdited => "applicant_edited",
            Event::ReniecAnswered => "reniec_result",
        }
    }

    /// What happened, in Spanish, as a history line says it ("Envió la solicitud"). The
    /// ticket pages say `complete` by kind ("Instaló el certificado").
    pub fn label(&self) -> &'static str {
        match self {
            Event::Created => "Creó el trámite",
            Event::Action(action) => match action {
                Action::Submit => "Envió la solicitud",
                Action::Correct => "Volvió el trámite a borrador para corregirlo",
                Action::Withdraw => "Anuló el trámite",
                Action::Take => "Empezó a atender el trámite",
                Action::Release => "Devolvió el trámite a la cola",
                Action::Observe => "Observó el trámite",
                Action::Approve => "Aprobó la solicitud",
                Action::Reject => "Rechazó la solicitud",
                Action::Dispatch => "Envió la solicitud a RENIEC",
                Action::RecordResults => "Registró la respuesta de RENIEC",
                Action::Appointment => "Registró la cita de instalación",
                Action::Complete => "Completó el trámite",
            },
            Event::ApplicantAdded => "Registró un solicitante",
            Event::ApplicantRemoved => "Quitó un solicitante",
            Event::ApplicantEdited => "Corrigió los datos de un solicitante",
            Event::PaymentAdded => "Registró una constancia de pago",
            Event::PaymentRemoved => "Quitó una constancia de pago",
            Event::ReniecAnswered => "Registró el resultado de RENIEC de un solicitante",
        }
    }

    /// Reads a stored code back.
    pub fn parse(code: &str) -> Result<Event, UnknownWord> {
        Event::all()
            .find(|e| e.code() == code)
            .ok_or_else(|| UnknownWord {
                what: "el evento del trámite",
                value: code.to_owned(),
                valid: Event::all().map(|e| e.code()).collect(),
            })
    }
}

impl From<Action> for Event {
    fn from(action: Action) -> Self {
        Event::Action(action)
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Event {
    /// The code, as a string.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn every_event_has_its_own_code_and_reads_back_from_it() {
        let codes: Vec<&str> = Event::all().map(|e| e.code()).collect();
        let mut unique = codes.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), codes.len(), "{codes:?}");
        for event in Event::all() {
            assert_eq!(Event::parse(event.code()).unwrap(), event);
            assert_eq!(
                serde_json::to_string(&event).unwrap(),
                format!("\"{}\"", event.code())
            );
        }
        assert!(Event::parse("otra_cosa").is_err());
    }

    #[test]
    fn the_codes_already_in_stored_histories_keep_their_meaning() {
        for (code, event) in [
            ("create", Event::Created),
            ("submit", Event::Action(Action::Submit)),
            ("take", Event::Action(Action::Take)),
            ("dispatch", Event::Action(Action::Dispatch)),
            ("record_results", Event::Action(Action::RecordResults)),
            ("appointment", Event::Action(Action::Appointment)),
            ("complete", Event::Action(Action::Complete)),
            ("applicant_added", Event::ApplicantAdded),
            ("payment_removed", Event::PaymentRemoved),
        ] {
            assert_eq!(Event::parse(code).unwrap(), event, "{code}");
        }
    }
}
