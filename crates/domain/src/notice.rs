//! The notices certdesk sends (SPEC "Notifications", "Certificate registry and reminders"):
//! which exist, which always go by e-mail, and which are in-app only unless the user asks
//! for a copy by mail.
//!
//! Pure: no I/O. The wording lives with the mail templates; this module only names them.

use crate::word::words;

words! {
    /// What a notice is about. Stored with each in-app notice and outbox mail.
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum NoticeKind: "el tipo de aviso" {
        /// An access request was received (to the person who asked; no account yet).
        AccessReceived,
        /// Access approved: the link to choose a password.
        AccessApproved,
        /// Access refused, with the reason.
        AccessRejected,
        /// A link to choose a new password, asked for by the account's owner (or from an
        /// expired link).
        PasswordReset,
        /// A ticket was sent to the service desk.
        TicketReceived,
        /// A corrected ticket is back in the queue (to the analyst who observed it).
        TicketCorrected,
        /// The analyst returned the ticket with an observation to correct.
        TicketObserved,
        /// Approved, with the date and time each applicant goes to RENIEC.
        TicketApproved,
        /// Rejected, with the reason.
        TicketRejected,
        /// The applicants went to RENIEC in this week's batch.
        SentToReniec,
        /// RENIEC approved an applicant: what to do next and the download deadline.
        ReniecApproved,
        /// RENIEC refused an applicant, with its reason.
        ReniecRejected,
        /// The installation appointment (with an iCalendar attachment).
        Appointment,
        /// The certificate was installed.
        Installed,
        /// The certificate was cancelled.
        Cancelled,
        /// The certificate expires in 30, 15 or 10 days.
        ExpiryReminder,
        /// The download deadline is 7 or 2 days away.
        DownloadReminder,
        /// The analysts' daily summary of the queue.
        QueueSummary,
    }
}

impl NoticeKind {
    /// Spanish label for lists of notices.
    pub fn label(&self) -> &'static str {
        match self {
            NoticeKind::AccessReceived => "Solicitud de acceso recibida",
            NoticeKind::AccessApproved => "Acceso aprobado",
            NoticeKind::AccessRejected => "Acceso no aprobado",
            NoticeKind::PasswordReset => "Enlace para cambiar la contraseña",
            NoticeKind::TicketReceived => "Trámite recibido",
            NoticeKind::TicketCorrected => "Trámite corregido",
            NoticeKind::TicketObserved => "Trámite observado",
            NoticeKind::TicketApproved => "Trámite aprobado",
            NoticeKind::TicketRejected => "Trámite rechazado",
            NoticeKind::SentToReniec => "Enviado a RENIEC",
            NoticeKind::ReniecApproved => "Aprobado por RENIEC",
            NoticeKind::ReniecRejected => "No aprobado por RENIEC",
            NoticeKind::Appointment => "Cita de instalación",
            NoticeKind::Installed => "Certificado instalado",
            NoticeKind::Cancelled => "Certificado cancelado",
            NoticeKind::ExpiryReminder => "Caducidad próxima",
            NoticeKind::DownloadReminder => "Plazo de descarga",
            NoticeKind::QueueSummary => "Resumen de la cola",
        }
    }

    /// Important notices always go by e-mail: missing one can cost a new paid request, a
    /// deadline or an appointment. The others are in-app only unless the user asks for a
    /// copy by e-mail.
    pub fn is_important(&self) -> bool {
        match self {
            NoticeKind::AccessReceived
            | NoticeKind::AccessApproved
            | NoticeKind::AccessRejected
            | NoticeKind::PasswordReset
            | NoticeKind::TicketObserved
            | NoticeKind::TicketApproved
            | NoticeKind::TicketRejected
            | NoticeKind::ReniecApproved
            | NoticeKind::ReniecRejected
            | NoticeKind::Appointment
            | NoticeKind::Cancelled
            | NoticeKind::ExpiryReminder
            | NoticeKind::DownloadReminder
            | NoticeKind::QueueSummary => true,
            NoticeKind::TicketReceived
            | NoticeKind::TicketCorrected
            | NoticeKind::SentToReniec
            | NoticeKind::Installed => false,
        }
    }

    /// Whether this notice goes by e-mail to a user with the given preference.
    pub fn by_mail(&self, wants_copies: bool) -> bool {
        self.is_important() || wants_copies
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn important_notices_go_by_mail_whatever_the_preference() {
        for kind in NoticeKind::ALL {
            assert!(kind.by_mail(true), "{kind}");
            assert_eq!(kind.by_mail(false), kind.is_important(), "{kind}");
        }
        assert!(!NoticeKind::TicketReceived.by_mail(false));
        assert!(NoticeKind::DownloadReminder.by_mail(false));
    }

    #[test]
    fn every_kind_round_trips_and_has_a_label() {
        for kind in NoticeKind::ALL {
            assert_eq!(kind.as_str().parse::<NoticeKind>().unwrap(), *kind);
            assert!(!kind.label().is_empty());
        }
    }
}
