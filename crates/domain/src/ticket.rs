//! Tickets (SPEC.md "Tickets" and "Lifecycle"): kinds, the catalogue of reasons with their
//! payment rule and RFC 5280 code, statuses, and the state machine.
//!
//! The state machine is one pure function, [`transition`]: the application layer gathers a
//! few facts ([`TransitionFacts`]) inside its transaction and gets back the new status or a
//! [`TransitionError`] whose [`kind`](TransitionError::kind) tells 403 from 409 from 422.
//! Pure: no I/O, no clock.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::certificate::CertificateState;
use crate::identity::Dni;
use crate::role::Role;
use crate::word::words;

mod event;
pub use event::Event;

// ---------------------------------------------------------------------------------------
// Kind

words! {
    /// What the ticket asks for.
    #[serde(rename_all = "lowercase")]
    #[strum(serialize_all = "lowercase")]
    pub enum Kind: "el tipo de trámite" {
        /// First certificate, or a new one after expiry.
        Emision,
        /// A new certificate replacing a current one.
        Reemision,
        /// Installing a certificate RENIEC approved.
        Instalacion,
        /// Revoking a certificate.
        Cancelacion,
    }
}

impl Kind {
    /// Spanish label for people.
    pub fn label(&self) -> &'static str {
        match self {
            Kind::Emision => "Emisión",
            Kind::Reemision => "Reemisión",
            Kind::Instalacion => "Instalación",
            Kind::Cancelacion => "Cancelación",
        }
    }

    /// Emision and reemision carry applicants and go to RENIEC in a batch; instalacion and
    /// cancelacion name one existing certificate and are completed by an analyst.
    pub fn has_applicants(&self) -> bool {
        matches!(self, Kind::Emision | Kind::Reemision)
    }

    /// Instalacion and cancelacion name the certificate they are about.
    pub fn names_certificate(&self) -> bool {
        !self.has_applicants()
    }

    /// Whether a ticket of this kind may name a certificate in `state`: only a certificate
    /// waiting for download is installed; only a usable one (installed, or approved and
    /// waiting) is cancelled. Kinds that name no certificate accept none.
    pub fn accepts_certificate_in(&self, state: CertificateState) -> bool {
        match self {
            Kind::Instalacion => state == CertificateState::PendienteDescarga,
            Kind::Cancelacion => state.is_usable(),
            Kind::Emision | Kind::Reemision => false,
        }
    }

    /// The reasons of this kind, in catalogue order.
    pub fn reasons(&self) -> impl Iterator<Item = Reason> + '_ {
        REASONS.iter().filter(move |r| r.kind == *self).map(Reason)
    }
}

// ---------------------------------------------------------------------------------------
// RFC 5280 CRLReason

/// RFC 5280 §5.3.1 CRLReason, recorded with each cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CrlReason {
    /// unspecified (0)
    Unspecified,
    /// keyCompromise (1)
    KeyCompromise,
    /// cACompromise (2)
    #[serde(rename = "cACompromise")]
    CaCompromise,
    /// affiliationChanged (3)
    AffiliationChanged,
    /// superseded (4)
    Superseded,
    /// cessationOfOperation (5)
    CessationOfOperation,
    /// certificateHold (6)
    CertificateHold,
    /// removeFromCRL (8)
    #[serde(rename = "removeFromCRL")]
    RemoveFromCrl,
    /// privilegeWithdrawn (9)
    PrivilegeWithdrawn,
    /// aACompromise (10)
    #[serde(rename = "aACompromise")]
    AaCompromise,
}

impl CrlReason {
    /// The ASN.1 enumerated value.
    pub fn code(&self) -> u8 {
        match self {
            CrlReason::Unspecified => 0,
            CrlReason::KeyCompromise => 1,
            CrlReason::CaCompromise => 2,
            CrlReason::AffiliationChanged => 3,
            CrlReason::Superseded => 4,
            CrlReason::CessationOfOperation => 5,
            CrlReason::CertificateHold => 6,
            CrlReason::RemoveFromCrl => 8,
            CrlReason::PrivilegeWithdrawn => 9,
            CrlReason::AaCompromise => 10,
        }
    }

    /// The RFC's name, e.g. `affiliationChanged`.
    pub fn name(&self) -> &'static str {
        match self {
            CrlReason::Unspecified => "unspecified",
            CrlReason::KeyCompromise => "keyCompromise",
            CrlReason::CaCompromise => "cACompromise",
            CrlReason::AffiliationChanged => "affiliationChanged",
            CrlReason::Superseded => "superseded",
            CrlReason::CessationOfOperation => "cessationOfOperation",
            CrlReason::CertificateHold => "certificateHold",
            CrlReason::RemoveFromCrl => "removeFromCRL",
            CrlReason::PrivilegeWithdrawn => "privilegeWithdrawn",
            CrlReason::AaCompromise => "aACompromise",
        }
    }
}

impl fmt::Display for CrlReason {
    /// `affiliationChanged (3)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.code())
    }
}

// ---------------------------------------------------------------------------------------
// Reasons: the catalogue

/// One row of the catalogue of SPEC.md "Kinds and reasons".
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ReasonEntry {
    /// The kind this reason belongs to.
    pub kind: Kind,
    /// The reason's letter; `None` for instalacion, which has a single, letterless reason.
    pub code: Option<char>,
    /// Spanish text shown to people.
    pub text: &'static str,
    /// Whether each applicant must link a payment receipt (the rule, not a hint).
    pub requires_payment: bool,
    /// For cancellations, the RFC 5280 CRLReason recorded.
    pub crl_reason: Option<CrlReason>,
}

const fn row(
    kind: Kind,
    code: Option<char>,
    text: &'static str,
    requires_payment: bool,
    crl_reason: Option<CrlReason>,
) -> ReasonEntry {
    ReasonEntry {
        kind,
        code,
        text,
        requires_payment,
        crl_reason,
    }
}

/// The catalogue of reasons: the one table the whole application reads.
pub static REASONS: [ReasonEntry; 18] = {
    use CrlReason as C;
    use Kind::*;
    [
        row(Emision, Some('a'), "Primera vez, para personal nuevo o personal activo", false, None),
        row(Emision, Some('b'), "Expiración del certificado digital (caducado)", false, None),
        row(Emision, Some('c'), "Necesidad de certificado digital en PC, token criptográfico o tarjeta inteligente propio", true, None),
        row(Reemision, Some('a'), "Renovación de certificado digital", false, None),
        row(Reemision, Some('b'), "Formateo de PC, token o tarjeta inteligente propiedad del GRC", false, None),
        row(Reemision, Some('c'), "Problemas técnicos de PC, token o tarjeta inteligente propiedad del GRC", false, None),
        row(Reemision, Some('d'), "Formateo de PC, token o tarjeta inteligente propio", true, None),
        row(Reemision, Some('e'), "Problemas técnicos de PC, token o tarjeta inteligente propio", true, None),
        row(Reemision, Some('f'), "Olvido de contraseña de acceso a la clave privada", true, None),
        row(Reemision, Some('g'), "Vencimiento del plazo de descarga del certificado digital", true, None),
        row(Instalacion, None, "Instalación de un certificado aprobado por RENIEC", false, None),
        row(Cancelacion, Some('a'), "El suscriptor deja de ser miembro de la entidad", false, Some(C::AffiliationChanged)),
        row(Cancelacion, Some('b'), "La información contenida en el certificado ya no es correcta", false, Some(C::AffiliationChanged)),
        row(Cancelacion, Some('c'), "Deterioro, alteración o pérdida que afecte la contraseña o PIN de la clave privada", false, Some(C::KeyCompromise)),
        row(Cancelacion, Some('d'), "Exposición o uso indebido de la contraseña o PIN de la clave privada", false, Some(C::KeyCompromise)),
        row(Cancelacion, Some('e'), "Autoridad de certificación comprometida", false, Some(C::CaCompromise)),
        row(Cancelacion, Some('f'), "Extinción de la personería jurídica de la entidad", false, Some(C::CessationOfOperation)),
        row(Cancelacion, Some('g'), "Solicitud expresa", false, Some(C::Unspecified)),
    ]
};

/// A reason from the catalogue: a handle on one [`ReasonEntry`] of [`REASONS`].
///
/// On the wire and in the database a reason is its kind plus its letter (`"a"` … `"g"`);
/// instalacion has no letter, so its reason is absent (`null`, or an empty string in forms).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Reason(&'static ReasonEntry);

/// Why a reason was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReasonError {
    /// A kind with letters got none.
    #[error("Elija el motivo de la solicitud de {0}.")]
    Missing(&'static str),
    /// Instalacion got a letter.
    #[error("La solicitud de instalación no lleva motivo.")]
    NotExpected,
    /// A letter that this kind does not have.
    #[error("Motivo «{code}» no válido para {kind}. Elija uno de: {valid}.")]
    Unknown {
        /// What was given.
        code: String,
        /// The kind's label.
        kind: &'static str,
        /// The valid letters, `a, b, c`.
        valid: String,
    },
}

impl Reason {
    /// Looks a reason up by kind and letter (case-insensitive, blank = none).
    pub fn parse(kind: Kind, code: Option<&str>) -> Result<Reason, ReasonError> {
        let code = code.map(str::trim).filter(|c| !c.is_empty());
        match (kind, code) {
            (Kind::Instalacion, None) => Ok(Reason::instalacion()),
            (Kind::Instalacion, Some(_)) => Err(ReasonError::NotExpected),
            (_, None) => Err(ReasonError::Missing(kind.label())),
            (_, Some(c)) => {
                let lower = c.to_lowercase();
                let mut chars = lower.chars();
                let wanted = match (chars.next(), chars.next()) {
                    (Some(ch), None) => Some(ch),
                    _ => None,
                };
                kind.reasons()
                    .find(|r| r.code().is_some() && r.code() == wanted)
                    .ok_or_else(|| ReasonError::Unknown {
                        code: c.to_string(),
                        kind: kind.label(),
                        valid: kind
                            .reasons()
                            .filter_map(|r| r.code())
                            .map(String::from)
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
            }
        }
    }

    /// Instalacion's single reason.
    pub fn instalacion() -> Reason {
        Reason(&REASONS[10])
    }

    /// Every reason of the catalogue.
    pub fn all() -> impl Iterator<Item = Reason> {
        REASONS.iter().map(Reason)
    }

    /// The catalogue row.
    pub fn entry(&self) -> &'static ReasonEntry {
        self.0
    }

    /// The kind the reason belongs to.
    pub fn kind(&self) -> Kind {
        self.0.kind
    }

    /// The letter, `None` for instalacion.
    pub fn code(&self) -> Option<char> {
        self.0.code
    }

    /// The letter as a string (`"a"`), `None` for instalacion: what the API and the
    /// database store.
    pub fn code_str(&self) -> Option<&'static str> {
        const LETTERS: [&str; 7] = ["a", "b", "c", "d", "e", "f", "g"];
        let c = self.0.code?;
        LETTERS.iter().copied().find(|l| l.starts_with(c))
    }

    /// The Spanish text.
    pub fn text(&self) -> &'static str {
        self.0.text
    }

    /// `a) Primera vez, …` (just the text for instalacion).
    pub fn label(&self) -> String {
        match self.0.code {
            Some(c) => format!("{c}) {}", self.0.text),
            None => self.0.text.to_string(),
        }
    }

    /// Whether every applicant must link a payment receipt.
    pub fn requires_payment(&self) -> bool {
        self.0.requires_payment
    }

    /// The RFC 5280 reason recorded for a cancellation.
    pub fn crl_reason(&self) -> Option<CrlReason> {
        self.0.crl_reason
    }
}

impl fmt::Debug for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code() {
            Some(c) => write!(f, "Reason({} {c})", self.kind()),
            None => write!(f, "Reason({})", self.kind()),
        }
    }
}

impl Serialize for Reason {
    /// The letter (`"a"`), or `null` for instalacion.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.code_str() {
            Some(c) => s.serialize_str(c),
            None => s.serialize_none(),
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

// ---------------------------------------------------------------------------------------
// Status

words! {
    /// Where a ticket stands (SPEC.md "Lifecycle").
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum Status: "el estado del trámite" {
        /// Being written by the requester.
        Borrador,
        /// Submitted, waiting in the FIFO queue.
        Enviado,
        /// Taken by an analyst.
        EnAtencion,
        /// Sent back to the requester with a comment.
        Observado,
        /// Approved; waiting for its batch's cut-off.
        Programado,
        /// In a batch sent to RENIEC.
        EnviadoReniec,
        /// RENIEC's result recorded for every applicant.
        Atendido,
        /// Rejected by the service desk.
        Rechazado,
        /// Withdrawn by the requester.
        Anulado,
        /// Installation done.
        Instalado,
        /// Certificate revoked.
        Cancelado,
    }
}

impl Status {
    /// Spanish label for people.
    pub fn label(&self) -> &'static str {
        match self {
            Status::Borrador => "Borrador",
            Status::Enviado => "Enviado",
            Status::EnAtencion => "En atención",
            Status::Observado => "Observado",
            Status::Programado => "Programado",
            Status::EnviadoReniec => "Enviado a RENIEC",
            Status::Atendido => "Atendido",
            Status::Rechazado => "Rechazado",
            Status::Anulado => "Anulado",
            Status::Instalado => "Instalado",
            Status::Cancelado => "Cancelado",
        }
    }

    /// Final: nothing moves it any more.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Status::Atendido
                | Status::Rechazado
                | Status::Anulado
                | Status::Instalado
                | Status::Cancelado
        )
    }

    /// Open = not terminal. "The same DNI may not appear in two open tickets of the same
    /// kind" counts drafts too, so a person cannot prepare two competing requests.
    pub fn is_open(&self) -> bool {
        !self.is_terminal()
    }

    /// In the analysts' FIFO queue: waiting to be taken or being worked on.
    pub fn is_in_queue(&self) -> bool {
        matches!(self, Status::Enviado | Status::EnAtencion)
    }

    /// The requester may edit the ticket (its applicants and receipts).
    pub fn is_editable(&self) -> bool {
        matches!(self, Status::Borrador | Status::Observado)
    }
}

// ---------------------------------------------------------------------------------------
// Actions and the state machine

words! {
    /// Something someone does to a ticket.
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum Action: "la acción" {
        /// Requester sends a borrador (or a corrected observado) to the queue.
        Submit,
        /// Requester takes an observado back to borrador to correct it (optional: submitting
        /// an observado ticket directly is allowed too).
        Correct,
        /// Requester withdraws a borrador or enviado ticket.
        Withdraw,
        /// Analyst takes an enviado ticket from the queue.
        Take,
        /// Analyst sends the ticket back to the requester with a comment.
        Observe,
        /// Analyst approves an emision/reemision ticket: it is scheduled for a batch.
        Approve,
        /// Analyst rejects the ticket, with a reason.
        Reject,
        /// The batch closes with this ticket's last scheduled applicant (analyst or the job).
        Dispatch,
        /// RENIEC's result is recorded for the last applicant (analyst).
        RecordResults,
        /// Analyst books the installation appointment of an instalacion (the status stays).
        Appointment,
        /// Analyst finishes an instalacion (→ instalado) or cancelacion (→ cancelado).
        Complete,
        /// Analyst gives a taken ticket back to the queue (→ enviado), where it keeps its
        /// place: its arrival time does not change.
        Release,
    }
}

impl Action {
    /// Spanish infinitive, for buttons and messages ("No se puede {verb} …").
    pub fn verb(&self) -> &'static str {
        match self {
            Action::Submit => "enviar",
            Action::Correct => "corregir",
            Action::Withdraw => "anular",
            Action::Take => "atender",
            Action::Observe => "observar",
            Action::Approve => "aprobar",
            Action::Reject => "rechazar",
            Action::Dispatch => "enviar a RENIEC",
            Action::RecordResults => "dar por atendido",
            Action::Appointment => "agendar",
            Action::Complete => "completar",
            Action::Release => "devolver a la cola",
        }
    }

    /// Who may perform the action.
    pub fn who(&self) -> Who {
        match self {
            Action::Submit | Action::Correct | Action::Withdraw => Who::Owner,
            Action::Take
            | Action::Observe
            | Action::Approve
            | Action::Reject
            | Action::RecordResults
            | Action::Appointment
            | Action::Complete
            | Action::Release => Who::Analyst,
            Action::Dispatch => Who::AnalystOrSystem,
        }
    }
}

/// Who an action belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// The ticket's requester (whatever their role: analysts file tickets too).
    Owner,
    /// An analista or admin.
    Analyst,
    /// An analista or admin, or the scheduled job.
    AnalystOrSystem,
}

/// Who is acting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in user.
    User {
        /// Their role.
        role: Role,
        /// Whether they are the ticket's requester.
        is_owner: bool,
    },
    /// A background job (the automatic batch close).
    System,
}

impl Actor {
    /// A user acting on a ticket.
    pub fn user(role: Role, is_owner: bool) -> Actor {
        Actor::User { role, is_owner }
    }

    fn may(&self, who: Who) -> bool {
        match (self, who) {
            (Actor::User { is_owner, .. }, Who::Owner) => *is_owner,
            (Actor::User { role, .. }, Who::Analyst | Who::AnalystOrSystem) => role.is_analyst(),
            (Actor::System, Who::AnalystOrSystem) => true,
            (Actor::System, _) => false,
        }
    }
}

/// What the application layer knows about the ticket when someone acts on it. Counts are
/// computed in the same transaction as the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionFacts<'a> {
    /// Who is acting.
    pub actor: Actor,
    /// Applicants on the ticket.
    pub applicants: usize,
    /// Applicants without a linked receipt although the reason requires payment (the app
    /// may count all applicants without one: for free reasons the count is ignored).
    pub applicants_missing_receipt: usize,
    /// DNIs that appear twice in this ticket or in another open ticket of the same kind.
    pub duplicate_dnis: &'a [Dni],
    /// The certificate named by an instalacion/cancelacion ticket exists and is the
    /// requester's (or the app allows it).
    pub certificate_named: bool,
    /// For instalacion: the appointment with the subscriber has been recorded.
    pub appointment_recorded: bool,
    /// Applicants still waiting for their batch (for [`Action::Dispatch`]).
    pub applicants_not_dispatched: usize,
    /// Applicants without RENIEC's result (for [`Action::RecordResults`]).
    pub applicants_without_result: usize,
    /// Tickets waiting to be taken (enviado) that arrived before this one: taking it then
    /// skips the FIFO order, which needs a reason (the comment) for the history.
    pub earlier_waiting: usize,
    /// The comment typed with the action (observation, rejection reason, note).
    pub comment: Option<&'a str>,
}

impl<'a> TransitionFacts<'a> {
    /// Facts with nothing known but the actor: zero counts, no comment.
    pub fn new(actor: Actor) -> Self {
        TransitionFacts {
            actor,
            applicants: 0,
            applicants_missing_receipt: 0,
            duplicate_dnis: &[],
            certificate_named: false,
            appointment_recorded: false,
            applicants_not_dispatched: 0,
            applicants_without_result: 0,
            earlier_waiting: 0,
            comment: None,
        }
    }

    /// The comment, trimmed, if not blank.
    fn comment(&self) -> Option<&'a str> {
        self.comment.map(str::trim).filter(|c| !c.is_empty())
    }
}

/// What kind of refusal an error is; the web layer picks the HTTP status (403, 409, 422).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The actor may not do this at all.
    Forbidden,
    /// Not possible in the ticket's current status or for its kind.
    Conflict,
    /// Data is missing or wrong.
    Invalid,
}

/// Why a transition was refused. Messages are Spanish, for the person who tried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// Only the requester may do this.
    #[error("Solo quien registró el trámite puede {}lo.", .action.verb())]
    NotOwner {
        /// The attempted action.
        action: Action,
    },
    /// Only analysts may do this.
    #[error("Solo un analista de la Mesa de Servicios puede {} el trámite.", .action.verb())]
    NotAnalyst {
        /// The attempted action.
        action: Action,
    },
    /// Not from this status.
    #[error("No se puede {} un trámite en estado «{}».", .action.verb(), .status.label())]
    InvalidStatus {
        /// The attempted action.
        action: Action,
        /// The ticket's status.
        status: Status,
    },
    /// Not for this kind.
    #[error("No se puede {} un trámite de {}.", .action.verb(), .kind.label())]
    NotForKind {
        /// The attempted action.
        action: Action,
        /// The ticket's kind.
        kind: Kind,
    },
    /// Emision/reemision without applicants.
    #[error("Registre al menos un solicitante antes de enviar el trámite.")]
    NoApplicants,
    /// Paid reason, receipts missing.
    #[error("Este motivo requiere una constancia de pago por solicitante: faltan {0}. Registre la constancia y enlácela al solicitante.")]
    MissingReceipts(usize),
    /// A DNI twice.
    #[error("El DNI {} ya figura en este trámite o en otro trámite abierto del mismo tipo.", .0.join(", "))]
    DuplicateDni(Vec<String>),
    /// Instalacion/cancelacion without a certificate.
    #[error("Indique el certificado al que se refiere la solicitud.")]
    NoCertificate,
    /// Observe without a comment.
    #[error("Escriba la observación para que el solicitante sepa qué corregir.")]
    CommentRequired,
    /// Reject without a reason.
    #[error("Escriba el motivo del rechazo.")]
    ReasonRequired,
    /// Installation without the appointment.
    #[error("Registre la cita de instalación antes de completar el trámite.")]
    AppointmentMissing,
    /// Dispatch with applicants still waiting for a later batch.
    #[error("Aún hay {0} solicitante(s) programado(s) para un envío posterior.")]
    NotAllDispatched(usize),
    /// Results missing.
    #[error("Falta registrar el resultado de RENIEC de {0} solicitante(s).")]
    ResultsMissing(usize),
    /// A comment or reason over [`crate::text::COMMENT`] characters.
    #[error("{1}")]
    CommentTooLong(Action, crate::text::TooLong),
    /// Taking a ticket while older ones wait, without saying why.
    #[error("Hay {0} trámite(s) que llegaron antes y esperan su turno. Para atender este primero, escriba el motivo: queda en el historial del trámite.")]
    OutOfOrderReasonRequired(usize),
}

impl TransitionError {
    /// 403, 409 or 422.
    pub fn kind(&self) -> ErrorKind {
        match self {
            TransitionError::NotOwner { .. } | TransitionError::NotAnalyst { .. } => {
                ErrorKind::Forbidden
            }
            TransitionError::InvalidStatus { .. } | TransitionError::NotForKind { .. } => {
                ErrorKind::Conflict
            }
            TransitionError::NoApplicants
            | TransitionError::MissingReceipts(_)
            | TransitionError::DuplicateDni(_)
            | TransitionError::NoCertificate
            | TransitionError::CommentRequired
            | TransitionError::ReasonRequired
            | TransitionError::AppointmentMissing
            | TransitionError::NotAllDispatched(_)
            | TransitionError::ResultsMissing(_)
            | TransitionError::OutOfOrderReasonRequired(_)
            | TransitionError::CommentTooLong(..) => ErrorKind::Invalid,
        }
    }
}

/// The move an action makes from a status, for a kind: `None` if the lifecycle has no such
/// arrow. This is SPEC.md's diagram as a table.
pub fn target(kind: Kind, from: Status, action: Action) -> Option<Status> {
    use Status::*;
    let batch = kind.has_applicants();
    let to = match (action, from) {
        (Action::Submit, Borrador | Observado) => Enviado,
        (Action::Correct, Observado) => Borrador,
        (Action::Withdraw, Borrador | Enviado) => Anulado,
        (Action::Take, Enviado) => EnAtencion,
        (Action::Release, EnAtencion) => Enviado,
        (Action::Observe, EnAtencion) => Observado,
        (Action::Reject, EnAtencion) => Rechazado,
        (Action::Approve, EnAtencion) if batch => Programado,
        (Action::Dispatch, Programado) if batch => EnviadoReniec,
        (Action::RecordResults, EnviadoReniec) if batch => Atendido,
        (Action::Appointment, EnAtencion) if kind == Kind::Instalacion => EnAtencion,
        (Action::Complete, EnAtencion) if kind == Kind::Instalacion => Instalado,
        (Action::Complete, EnAtencion) if kind == Kind::Cancelacion => Cancelado,
        _ => return None,
    };
    Some(to)
}

/// Whether `action` exists for `kind` at all (whatever the status).
fn action_fits_kind(kind: Kind, action: Action) -> bool {
    Status::ALL
        .iter()
        .any(|s| target(kind, *s, action).is_some())
}

/// Checks who acts, then the status, then the data, and returns the new status.
///
/// Order matters for the answer: someone who may not act at all gets 403 whatever the
/// status (no probing of other people's tickets); then 409 for a wrong status or kind;
/// then 422 for missing data.
pub fn transition(
    kind: Kind,
    reason: Reason,
    from: Status,
    action: Action,
    facts: &TransitionFacts<'_>,
) -> Result<Status, TransitionError> {
    if !facts.actor.may(action.who()) {
        return Err(match action.who() {
            Who::Owner => TransitionError::NotOwner { action },
            Who::Analyst | Who::AnalystOrSystem => TransitionError::NotAnalyst { action },
        });
    }
    if !action_fits_kind(kind, action) {
        return Err(TransitionError::NotForKind { action, kind });
    }
    let to = target(kind, from, action).ok_or(TransitionError::InvalidStatus {
        action,
        status: from,
    })?;
    if let Some(comment) = facts.comment() {
        crate::text::within(comment, crate::text::COMMENT)
            .map_err(|e| TransitionError::CommentTooLong(action, e))?;
    }
    match action {
        Action::Submit => check_submit(kind, reason, facts)?,
        Action::Observe if facts.comment().is_none() => {
            return Err(TransitionError::CommentRequired)
        }
        Action::Reject if facts.comment().is_none() => return Err(TransitionError::ReasonRequired),
        Action::Take if facts.earlier_waiting > 0 && facts.comment().is_none() => {
            return Err(TransitionError::OutOfOrderReasonRequired(
                facts.earlier_waiting,
            ))
        }
        Action::Complete if kind == Kind::Instalacion && !facts.appointment_recorded => {
            return Err(TransitionError::AppointmentMissing)
        }
        Action::Dispatch if facts.applicants_not_dispatched > 0 => {
            return Err(TransitionError::NotAllDispatched(
                facts.applicants_not_dispatched,
            ))
        }
        Action::RecordResults if facts.applicants_without_result > 0 => {
            return Err(TransitionError::ResultsMissing(
                facts.applicants_without_result,
            ))
        }
        _ => {}
    }
    Ok(to)
}

fn check_submit(
    kind: Kind,
    reason: Reason,
    facts: &TransitionFacts<'_>,
) -> Result<(), TransitionError> {
    if kind.has_applicants() {
        if facts.applicants == 0 {
            return Err(TransitionError::NoApplicants);
        }
        if reason.requires_payment() && facts.applicants_missing_receipt > 0 {
            return Err(TransitionError::MissingReceipts(
                facts.applicants_missing_receipt,
            ));
        }
        if !facts.duplicate_dnis.is_empty() {
            let dnis: BTreeSet<&str> = facts.duplicate_dnis.iter().map(Dni::as_str).collect();
            return Err(TransitionError::DuplicateDni(
                dnis.into_iter().map(String::from).collect(),
            ));
        }
    } else if !facts.certificate_named {
        return Err(TransitionError::NoCertificate);
    }
    Ok(())
}

/// The actions `actor` could take on a ticket in `status`, for buttons: role and lifecycle
/// only (data checks happen when the action is tried).
pub fn available_actions(kind: Kind, status: Status, actor: Actor) -> Vec<Action> {
    Action::ALL
        .iter()
        .copied()
        .filter(|a| actor.may(a.who()) && target(kind, status, *a).is_some())
        .collect()
}

/// DNIs that appear more than once in `dnis`, each once, in order.
pub fn repeated_dnis(dnis: &[Dni]) -> Vec<Dni> {
    let mut seen = BTreeSet::new();
    let mut repeated = BTreeSet::new();
    for d in dnis {
        if !seen.insert(d) {
            repeated.insert(d.clone());
        }
    }
    repeated.into_iter().collect()
}

#[cfg(test)]
mod tests;
