//! The audit log (SPEC.md "Data, privacy, audit"): event codes that never change once
//! written, and the hash chain that makes tampering detectable.
//!
//! Each entry's hash is `SHA-256(previous hash ‖ canonical bytes of the entry)`; the first
//! entry chains from [`GENESIS`] (32 zero bytes). The canonical bytes are a versioned,
//! length-prefixed encoding, so no two different entries share them. Pure: no I/O; the store
//! feeds rows in and `certdesk audit verify` reports the first broken entry.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// The "previous hash" of the first entry.
pub const GENESIS: Hash = [0; 32];

/// Version tag mixed into every entry, so the encoding can evolve without ambiguity.
const CANONICAL_TAG: &[u8] = b"certdesk-audit-v1";

macro_rules! events {
    ($($(#[$m:meta])* $variant:ident => $code:literal, $label:literal;)+) => {
        /// What happened. The codes are stable: they are stored and hashed.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum AuditEvent {
            $($(#[$m])* #[serde(rename = $code)] $variant,)+
        }

        impl AuditEvent {
            /// Every event.
            pub const ALL: &'static [AuditEvent] = &[$(AuditEvent::$variant,)+];

            /// The stable code, `area.verb`.
            pub fn code(&self) -> &'static str {
                match self { $(AuditEvent::$variant => $code,)+ }
            }

            /// Spanish description for the audit page.
            pub fn label(&self) -> &'static str {
                match self { $(AuditEvent::$variant => $label,)+ }
            }
        }
    };
}

events! {
    /// Successful sign-in.
    LoginSucceeded => "auth.login", "Inicio de sesión";
    /// Failed sign-in.
    LoginFailed => "auth.login_failed", "Intento de inicio de sesión fallido";
    /// Sign-out.
    Logout => "auth.logout", "Cierre de sesión";
    /// API token issued.
    TokenIssued => "auth.token_issued", "Emisión de token de acceso";
    /// Public access request filed.
    AccessRequestFiled => "access_request.filed", "Solicitud de acceso registrada";
    /// Access request approved (account created).
    AccessRequestApproved => "access_request.approved", "Solicitud de acceso aprobada";
    /// Access request rejected.
    AccessRequestRejected => "access_request.rejected", "Solicitud de acceso rechazada";
    /// Account created.
    UserCreated => "user.created", "Cuenta creada";
    /// Role changed.
    UserRoleChanged => "user.role_changed", "Cambio de rol";
    /// Account disabled.
    UserDisabled => "user.disabled", "Cuenta desactivada";
    /// Password set through the one-time link.
    PasswordSet => "user.password_set", "Contraseña establecida";
    /// A ticket's history moved (`ticket.<event>`, see [`ticket_action`]).
    TicketEvent => "ticket.event", "Movimiento de trámite";
    /// Weekly batch closed.
    BatchClosed => "batch.closed", "Lote semanal cerrado";
    /// Batch package downloaded.
    BatchPackageDownloaded => "batch.package_downloaded", "Descarga del paquete del lote";
    /// Certificate recorded in the registry.
    CertificateRecorded => "certificate.recorded", "Certificado registrado";
    /// Certificate's public part attached.
    CertificateFileAttached => "certificate.file_attached", "Certificado (.cer) adjuntado";
    /// Installation appointment recorded.
    AppointmentRecorded => "certificate.appointment", "Cita de instalación registrada";
    /// Certificate installed.
    CertificateInstalled => "certificate.installed", "Certificado instalado";
    /// Certificate cancelled.
    CertificateCancelled => "certificate.cancelled", "Certificado cancelado";
    /// Certificate state changed by date (caducado, descarga_vencida).
    CertificateStateChanged => "certificate.state_changed", "Cambio de estado del certificado";
    /// A personal file (photo, signature, receipt, DNI data) was viewed or downloaded.
    PersonalFileViewed => "personal_file.viewed", "Consulta de archivo con datos personales";
    /// Settings changed.
    SettingsChanged => "settings.changed", "Configuración modificada";
    /// Holiday added.
    HolidayAdded => "holiday.added", "Feriado agregado";
    /// Holiday removed.
    HolidayRemoved => "holiday.removed", "Feriado eliminado";
    /// Backup taken.
    BackupTaken => "system.backup", "Copia de seguridad";
    /// Account reactivated.
    UserReactivated => "user.reactivated", "Cuenta reactivada";
    /// A new set-password link was sent by an admin.
    PasswordLinkSent => "user.password_link_sent", "Enlace para establecer contraseña enviado";
    /// Password changed by its owner, or reset through a link.
    PasswordChanged => "user.password_changed", "Contraseña cambiada";
    /// RENIEC's results uploaded in bulk for a batch.
    BulkResultsApplied => "batch.results_uploaded", "Resultados de RENIEC cargados en bloque";
    /// Personal files of finished tickets purged past the retention period (Ley 29733).
    FilesPurged => "retention.purged", "Archivos personales eliminados por plazo de conservación";
    /// An observation text of the catalogue was changed.
    ObservationTextChanged => "settings.observation_text", "Texto de observación modificado";
    /// A certificate was edited in the registry.
    CertificateChanged => "certificate.changed", "Certificado modificado";
    /// The registry's or the queue's CSV export was downloaded.
    ExportDownloaded => "export.downloaded", "Descarga de exportación con datos personales";
}

/// The action code of a ticket history line: `ticket.` and the event's stable code
/// (`ticket.submit`, `ticket.applicant_added`, …).
pub fn ticket_action(event: crate::ticket::Event) -> String {
    format!("ticket.{}", event.code())
}

/// The Spanish label of a stored action code, for the audit page; a code this version does
/// not know reads as itself.
pub fn action_label(code: &str) -> String {
    if let Ok(event) = code.parse::<AuditEvent>() {
        return event.label().to_owned();
    }
    match code
        .strip_prefix("ticket.")
        .map(crate::ticket::Event::parse)
    {
        Some(Ok(event)) => format!("Trámite: {}", event.label()),
        _ => code.to_owned(),
    }
}

impl fmt::Display for AuditEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An unknown audit event code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Código de evento de auditoría desconocido: «{0}».")]
pub struct AuditEventParseError(pub String);

impl FromStr for AuditEvent {
    type Err = AuditEventParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AuditEvent::ALL
            .iter()
            .copied()
            .find(|e| e.code() == s)
            .ok_or_else(|| AuditEventParseError(s.to_string()))
    }
}

/// One audit entry as stored, the part that is hashed. The event is kept as its code string
/// so that entries written by a newer version still verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Position in the log, from 1, without gaps.
    pub seq: i64,
    /// When it happened.
    pub at: Timestamp,
    /// Who did it (user id), `None` for the system or an anonymous visitor.
    pub actor: Option<String>,
    /// The action code ([`AuditEvent::code`] or [`ticket_action`]).
    pub action: String,
    /// What it is about, e.g. `ticket:42` or `applicant:7`.
    pub subject: String,
    /// Free details (JSON text by convention; no secrets, no DNI, no file contents).
    pub detail: String,
    /// The client's address, `None` for the system.
    pub ip: Option<String>,
}

impl AuditRecord {
    /// The bytes that are hashed: a version tag, then each field length-prefixed
    /// (u64 big-endian), so field boundaries cannot be forged. An optional field carries a
    /// presence byte first, so `None` and `Some("")` differ.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        fn field(out: &mut Vec<u8>, bytes: &[u8]) {
            out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
            out.extend_from_slice(bytes);
        }
        fn optional(out: &mut Vec<u8>, value: Option<&str>) {
            match value {
                Some(text) => {
                    out.extend_from_slice(&(text.len() as u64 + 1).to_be_bytes());
                    out.push(1);
                    out.extend_from_slice(text.as_bytes());
                }
                None => field(out, &[0]),
            }
        }
        let mut out = Vec::with_capacity(128 + self.subject.len() + self.detail.len());
        field(&mut out, CANONICAL_TAG);
        field(&mut out, &self.seq.to_be_bytes());
        field(&mut out, &self.at.as_microsecond().to_be_bytes());
        optional(&mut out, self.actor.as_deref());
        field(&mut out, self.action.as_bytes());
        field(&mut out, self.subject.as_bytes());
        field(&mut out, self.detail.as_bytes());
        optional(&mut out, self.ip.as_deref());
        out
    }

    /// This entry's hash, chained from `prev`.
    pub fn hash(&self, prev: &Hash) -> Hash {
        chain_hash(prev, &self.canonical_bytes())
    }
}

/// `SHA-256(prev ‖ canonical)`.
pub fn chain_hash(prev: &Hash, canonical: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(canonical);
    h.finalize().into()
}

/// Lower-case hex, as stored.
pub fn to_hex(hash: &Hash) -> String {
    hex::encode(hash)
}

/// Parses 64 hex digits.
pub fn from_hex(s: &str) -> Option<Hash> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s.trim(), &mut out).ok()?;
    Some(out)
}

/// Where and why a chain stops verifying.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// The stored hash is not the hash of the entry.
    #[error("La entrada {seq} del registro de auditoría fue alterada: su hash no coincide.")]
    HashMismatch {
        /// The first broken entry.
        seq: i64,
    },
    /// The stored hash is not valid hex.
    #[error("La entrada {seq} del registro de auditoría tiene un hash ilegible.")]
    BadHash {
        /// The entry.
        seq: i64,
    },
    /// Entries are missing or out of order.
    #[error("Falta la entrada {expected} del registro de auditoría (se encontró la {found}).")]
    Gap {
        /// The sequence number expected.
        expected: i64,
        /// The one found.
        found: i64,
    },
}

impl ChainError {
    /// The first entry that does not verify.
    pub fn seq(&self) -> i64 {
        match self {
            ChainError::HashMismatch { seq } | ChainError::BadHash { seq } => *seq,
            ChainError::Gap { expected, .. } => *expected,
        }
    }
}

/// Incremental verifier: feed entries in `seq` order with their stored hex hash. Lets the
/// store stream a large log without holding it in memory.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    prev: Hash,
    next_seq: i64,
    checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            prev: GENESIS,
            next_seq: 1,
            checked: 0,
        }
    }
}

impl ChainVerifier {
    /// A verifier expecting entry 1, chained from [`GENESIS`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks one entry; on success it becomes the previous one.
    pub fn push(&mut self, record: &AuditRecord, stored_hash: &str) -> Result<(), ChainError> {
        if record.seq != self.next_seq {
            return Err(ChainError::Gap {
                expected: self.next_seq,
                found: record.seq,
            });
        }
        let stored = from_hex(stored_hash).ok_or(ChainError::BadHash { seq: record.seq })?;
        if record.hash(&self.prev) != stored {
            return Err(ChainError::HashMismatch { seq: record.seq });
        }
        self.prev = stored;
        self.next_seq += 1;
        self.checked += 1;
        Ok(())
    }

    /// Entries verified so far.
    pub fn checked(&self) -> u64 {
        self.checked
    }

    /// The hash the next entry must chain from.
    pub fn last_hash(&self) -> Hash {
        self.prev
    }
}

/// Verifies a whole chain; `Ok(n)` with the number of entries.
pub fn verify_chain<'a>(
    entries: impl IntoIterator<Item = (&'a AuditRecord, &'a str)>,
) -> Result<u64, ChainError> {
    let mut v = ChainVerifier::new();
    for (record, hash) in entries {
        v.push(record, hash)?;
    }
    Ok(v.checked())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn record(seq: i64, detail: &str) -> AuditRecord {
        AuditRecord {
            seq,
            at: Timestamp::from_second(1_780_000_000 + seq).unwrap(),
            actor: (seq % 2 == 0).then(|| "u7".to_string()),
            action: AuditEvent::SettingsChanged.code().to_string(),
            subject: format!("ticket:{seq}"),
            detail: detail.to_string(),
            ip: (seq % 3 == 0).then(|| "192.0.2.1".to_string()),
        }
    }

    fn chain(n: i64) -> Vec<(AuditRecord, String)> {
        let mut prev = GENESIS;
        (1..=n)
            .map(|seq| {
                let r = record(seq, "{}");
                let h = r.hash(&prev);
                prev = h;
                (r, to_hex(&h))
            })
            .collect()
    }

    fn verify(entries: &[(AuditRecord, String)]) -> Result<u64, ChainError> {
        verify_chain(entries.iter().map(|(r, h)| (r, h.as_str())))
    }

    #[test]
    fn event_codes_are_unique_and_parse_back() {
        let mut codes: Vec<&str> = AuditEvent::ALL.iter().map(|e| e.code()).collect();
        for e in AuditEvent::ALL {
            assert_eq!(e.code().parse::<AuditEvent>().unwrap(), *e);
            assert_eq!(e.to_string(), e.code());
            assert!(!e.label().is_empty());
            assert_eq!(
                serde_json::to_string(e).unwrap(),
                format!("\"{}\"", e.code())
            );
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), AuditEvent::ALL.len());
        assert!("ticket.eaten".parse::<AuditEvent>().is_err());
    }

    #[test]
    fn event_codes_never_change() {
        assert_eq!(AuditEvent::LoginSucceeded.code(), "auth.login");
        assert_eq!(AuditEvent::SettingsChanged.code(), "settings.changed");
        assert_eq!(
            AuditEvent::PersonalFileViewed.code(),
            "personal_file.viewed"
        );
        assert_eq!(AuditEvent::BatchClosed.code(), "batch.closed");
    }

    #[test]
    fn the_chain_hash_is_sha256_of_previous_hash_and_entry_bytes() {
        let h = chain_hash(&GENESIS, b"abc");
        assert_eq!(h.len(), 32);
        assert_ne!(h, chain_hash(&GENESIS, b"abd"));
        assert_ne!(h, chain_hash(&[1; 32], b"abc"));
        assert_eq!(from_hex(&to_hex(&h)), Some(h));
        assert_eq!(from_hex("zz"), None);
        assert_eq!(from_hex(&"ab".repeat(31)), None);
        assert_eq!(
            to_hex(&chain_hash(&GENESIS, b"")),
            // sha256(32 zero bytes)
            "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925"
        );
    }

    #[test]
    fn an_intact_chain_verifies() {
        let entries = chain(5);
        assert_eq!(verify(&entries), Ok(5));
        assert_eq!(verify(&[]), Ok(0));
        let mut v = ChainVerifier::new();
        v.push(&entries[0].0, &entries[0].1).unwrap();
        assert_eq!(to_hex(&v.last_hash()), entries[0].1);
    }

    #[test]
    fn a_tampered_entry_is_reported_as_the_first_broken_one() {
        let mut entries = chain(5);
        entries[2].0.detail = "{\"x\":1}".to_string();
        let err = verify(&entries).unwrap_err();
        assert_eq!(err, ChainError::HashMismatch { seq: 3 });
        assert_eq!(err.seq(), 3);
        assert!(err.to_string().contains("entrada 3"));
    }

    #[test]
    fn a_deleted_entry_breaks_the_chain() {
        let mut entries = chain(5);
        entries.remove(1);
        let err = verify(&entries).unwrap_err();
        assert_eq!(
            err,
            ChainError::Gap {
                expected: 2,
                found: 3
            }
        );
        assert_eq!(err.seq(), 2);
        assert!(err.to_string().contains("Falta la entrada 2"));
    }

    #[test]
    fn a_rewritten_hash_is_detected() {
        let mut entries = chain(3);
        entries[1].1 = "not hex".to_string();
        let err = verify(&entries).unwrap_err();
        assert_eq!(err, ChainError::BadHash { seq: 2 });
        assert_eq!(err.seq(), 2);
        assert!(!err.to_string().is_empty());
        // Recomputing one entry's hash without the rest still breaks the next link.
        let mut entries = chain(3);
        entries[1].0.subject = "ticket:99".into();
        entries[1].1 = to_hex(&entries[1].0.hash(&from_hex(&entries[0].1).unwrap()));
        assert_eq!(
            verify(&entries).unwrap_err(),
            ChainError::HashMismatch { seq: 3 }
        );
    }

    #[test]
    fn canonical_bytes_cannot_be_confused_by_moving_text_between_fields() {
        let mut a = record(1, "");
        let mut b = record(1, "");
        a.subject = "ab".into();
        a.detail = "c".into();
        b.subject = "a".into();
        b.detail = "bc".into();
        assert_ne!(a.canonical_bytes(), b.canonical_bytes());
        let mut sys = record(2, "");
        sys.actor = None;
        assert_ne!(sys.canonical_bytes(), record(2, "").canonical_bytes());
        let mut empty = record(2, "");
        empty.actor = Some(String::new());
        assert_ne!(sys.canonical_bytes(), empty.canonical_bytes());
        let mut moved = record(3, "");
        moved.ip = None;
        assert_ne!(moved.canonical_bytes(), record(3, "").canonical_bytes());
    }

    #[test]
    fn ticket_actions_carry_the_event_code_and_read_back_in_spanish() {
        use crate::ticket::{Action, Event};
        assert_eq!(
            ticket_action(Event::Action(Action::Submit)),
            "ticket.submit"
        );
        assert_eq!(
            action_label(&ticket_action(Event::ApplicantAdded)),
            "Trámite: Registró un solicitante"
        );
        assert_eq!(action_label("auth.login"), "Inicio de sesión");
        assert_eq!(action_label("future.thing"), "future.thing");
    }
}
