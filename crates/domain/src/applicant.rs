//! Applicants of an emision/reemision ticket (SPEC.md "Applicants"): the form, checked
//! field by field so that every problem is reported at once.
//!
//! Photo and signature checks work on decoded pixels and live apart from this form. Whether
//! a receipt is registered and unused, and whether the DNI is in another open ticket, are
//! facts the application layer looks up and passes in [`ApplicantContext`]. Pure: no I/O.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::identity::{Dni, InstitutionalEmail, PersonName};
use crate::ids::PaymentId;
use crate::ticket::{Kind, Reason};
use crate::validation::{parse_date, parse_past_date, required_text, FieldErrors};
use crate::word::words;

/// Maximum length of position and unit.
pub const MAX_TEXT_CHARS: usize = 200;

/// The applicant form as typed (multipart fields of CONTRACT.md; files handled apart).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApplicantInput {
    /// Apellido paterno.
    pub paternal_surname: String,
    /// Apellido materno (may be blank: some people have a single surname).
    pub maternal_surname: String,
    /// Nombres.
    pub given_names: String,
    /// DNI, 8 digits.
    pub dni: String,
    /// Optional check character printed on the DNI.
    pub dni_check_digit: Option<String>,
    /// DNI issue date, `YYYY-MM-DD`, exactly as printed.
    pub dni_issued_on: String,
    /// Institutional e-mail.
    pub email: String,
    /// Position (cargo).
    pub position: String,
    /// Organic unit.
    pub unit: String,
    /// The registered receipt this applicant uses, when the reason requires payment.
    pub payment_id: Option<String>,
    /// Current certificate's expiry date, `YYYY-MM-DD`.
    pub current_expires_on: Option<String>,
    /// The requester confirms the photo shows the person without glasses (`true`/`false`;
    /// a ticked checkbox sends `true`). Absent means not confirmed.
    pub no_glasses_confirmed: Option<String>,
}

/// A correction of an applicant: the fields given replace the stored ones; the others stay.
/// A blank optional field (`maternal_surname`, `dni_check_digit`, `payment_id`,
/// `current_expires_on`) clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicantPatch {
    /// Apellido paterno.
    pub paternal_surname: Option<String>,
    /// Apellido materno.
    pub maternal_surname: Option<String>,
    /// Nombres.
    pub given_names: Option<String>,
    /// DNI.
    pub dni: Option<String>,
    /// Check character.
    pub dni_check_digit: Option<String>,
    /// DNI issue date.
    pub dni_issued_on: Option<String>,
    /// Institutional e-mail.
    pub email: Option<String>,
    /// Position.
    pub position: Option<String>,
    /// Organic unit.
    pub unit: Option<String>,
    /// Linked receipt.
    pub payment_id: Option<String>,
    /// Current certificate's expiry date.
    pub current_expires_on: Option<String>,
    /// "Sin lentes" confirmed (`true`/`false`, or a checkbox's `on`).
    pub no_glasses_confirmed: Option<String>,
}

impl ApplicantPatch {
    /// `stored` with this patch's fields put in.
    pub fn apply(&self, stored: ApplicantInput) -> ApplicantInput {
        let pick = |new: &Option<String>, old: String| new.clone().unwrap_or(old);
        let pick_opt = |new: &Option<String>, old: Option<String>| match new {
            Some(v) if v.trim().is_empty() => None,
            Some(v) => Some(v.clone()),
            None => old,
        };
        ApplicantInput {
            paternal_surname: pick(&self.paternal_surname, stored.paternal_surname),
            maternal_surname: pick(&self.maternal_surname, stored.maternal_surname),
            given_names: pick(&self.given_names, stored.given_names),
            dni: pick(&self.dni, stored.dni),
            dni_check_digit: pick_opt(&self.dni_check_digit, stored.dni_check_digit),
            dni_issued_on: pick(&self.dni_issued_on, stored.dni_issued_on),
            email: pick(&self.email, stored.email),
            position: pick(&self.position, stored.position),
            unit: pick(&self.unit, stored.unit),
            payment_id: pick_opt(&self.payment_id, stored.payment_id),
            current_expires_on: pick_opt(&self.current_expires_on, stored.current_expires_on),
            no_glasses_confirmed: pick_opt(&self.no_glasses_confirmed, stored.no_glasses_confirmed),
        }
    }

    /// True when the patch changes nothing (and sends no file, which the caller knows).
    pub fn is_empty(&self) -> bool {
        *self == ApplicantPatch::default()
    }
}

/// What the application layer knows when an applicant is added or changed.
#[derive(Debug, Clone, Copy)]
pub struct ApplicantContext<'a> {
    /// The ticket's reason (decides payment and expiry-date requirements).
    pub reason: Reason,
    /// Configured institutional domains.
    pub allowed_domains: &'a [String],
    /// Lima's date today.
    pub today: Date,
    /// DNIs already in this ticket (other applicants) or in another open ticket of the same
    /// kind.
    pub taken_dnis: &'a [Dni],
}

/// An applicant whose every field has been checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidApplicant {
    /// Apellido paterno.
    pub paternal_surname: PersonName,
    /// Apellido materno, if any.
    pub maternal_surname: Option<PersonName>,
    /// Nombres.
    pub given_names: PersonName,
    /// DNI.
    pub dni: Dni,
    /// DNI issue date (not after today).
    pub dni_issued_on: Date,
    /// Institutional e-mail.
    pub email: InstitutionalEmail,
    /// Position.
    pub position: String,
    /// Organic unit.
    pub unit: String,
    /// Linked receipt (always present for paid reasons).
    pub payment_id: Option<PaymentId>,
    /// Current certificate's expiry date (always present for reemision a).
    pub current_expires_on: Option<Date>,
    /// The requester confirmed "sin lentes" for the photo (no check detects glasses).
    pub no_glasses_confirmed: bool,
}

impl ValidApplicant {
    /// `PÉREZ GÓMEZ, Ana María`-style display name: surnames, then given names.
    pub fn full_name(&self) -> String {
        match &self.maternal_surname {
            Some(m) => format!("{} {}, {}", self.paternal_surname, m, self.given_names),
            None => format!("{}, {}", self.paternal_surname, self.given_names),
        }
    }
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The message when a photo is uploaded on the page without ticking "sin lentes".
pub const NO_GLASSES_REQUIRED: &str =
    "Confirme que en la foto la persona está sin lentes: marque la casilla «Sin lentes». Si usa lentes, tómese otra foto sin ellos.";

/// Reads the "sin lentes" confirmation as sent: a checkbox (`on`), or `true`/`false`.
/// Absent or blank is "not confirmed".
pub fn parse_confirmation(raw: Option<&str>) -> Result<bool, &'static str> {
    match raw.map(|r| r.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") => Ok(false),
        Some("true" | "1" | "on" | "si" | "sí") => Ok(true),
        Some("false" | "0" | "off" | "no") => Ok(false),
        Some(_) => Err("Indique true (la persona está sin lentes en la foto) o false."),
    }
}

/// True for the reason whose applicants must give their current certificate's expiry date
/// (reemision a, renewal).
pub fn requires_current_expiry(reason: Reason) -> bool {
    reason.kind() == Kind::Reemision && reason.code() == Some('a')
}

impl ApplicantInput {
    /// Checks every field; errors are keyed by the input's field names.
    pub fn validate(&self, ctx: &ApplicantContext<'_>) -> Result<ValidApplicant, FieldErrors> {
        let mut e = FieldErrors::new();
        let paternal_surname = e.check(
            "paternal_surname",
            PersonName::parse(&self.paternal_surname),
        );
        let maternal_surname = if self.maternal_surname.trim().is_empty() {
            Some(None)
        } else {
            e.check(
                "maternal_surname",
                PersonName::parse(&self.maternal_surname),
            )
            .map(Some)
        };
        let given_names = e.check("given_names", PersonName::parse(&self.given_names));
        let dni = e.check(
            "dni",
            Dni::parse_with_check(&self.dni, self.dni_check_digit.as_deref()),
        );
        if let Some(d) = dni.as_ref().filter(|d| ctx.taken_dnis.contains(d)) {
            e.add(
                "dni",
                format!(
                    "El DNI {d} ya figura en este trámite o en otro trámite abierto del mismo tipo."
                ),
            );
        }
        let dni_issued_on = e.check(
            "dni_issued_on",
            parse_past_date(&self.dni_issued_on, ctx.today),
        );
        let email = e.check(
            "email",
            InstitutionalEmail::parse(&self.email, ctx.allowed_domains),
        );
        let position = e.check("position", required_text(&self.position, MAX_TEXT_CHARS));
        let unit = e.check("unit", required_text(&self.unit, MAX_TEXT_CHARS));

        let payment_id = match blank(&self.payment_id) {
            None if ctx.reason.requires_payment() => {
                e.add(
                    "payment_id",
                    "Este motivo requiere pago: registre primero la constancia de pago y luego selecciónela aquí.",
                );
                None
            }
            None => Some(None),
            Some(p) => match p.parse::<PaymentId>() {
                Ok(id) => Some(Some(id)),
                Err(_) => {
                    e.add(
                        "payment_id",
                        "Seleccione una constancia de pago registrada.",
                    );
                    None
                }
            },
        };
        let current_expires_on = match blank(&self.current_expires_on) {
            None if requires_current_expiry(ctx.reason) => {
                e.add(
                    "current_expires_on",
                    "Para la renovación indique la fecha de caducidad de su certificado actual.",
                );
                None
            }
            None => Some(None),
            Some(s) => e.check("current_expires_on", parse_date(s)).map(Some),
        };
        let no_glasses_confirmed = e.check(
            "no_glasses_confirmed",
            parse_confirmation(self.no_glasses_confirmed.as_deref()),
        );

        match (
            paternal_surname,
            maternal_surname,
            given_names,
            dni,
            dni_issued_on,
            email,
            position,
            unit,
            payment_id,
            current_expires_on,
            no_glasses_confirmed,
        ) {
            (
                Some(paternal_surname),
                Some(maternal_surname),
                Some(given_names),
                Some(dni),
                Some(dni_issued_on),
                Some(email),
                Some(position),
                Some(unit),
                Some(payment_id),
                Some(current_expires_on),
                Some(no_glasses_confirmed),
            ) if e.is_empty() => Ok(ValidApplicant {
                paternal_surname,
                maternal_surname,
                given_names,
                dni,
                dni_issued_on,
                email,
                position,
                unit,
                payment_id,
                current_expires_on,
                no_glasses_confirmed,
            }),
            _ => Err(e),
        }
    }
}

words! {
    /// Where one applicant stands: tickets move as a whole until approval, then each
    /// applicant goes to RENIEC and gets a result of their own.
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum ApplicantStatus: "el estado del solicitante" {
        /// Registered on the ticket; not yet approved.
        Registrado,
        /// Approved; waits for its batch (`dispatch_at`).
        Programado,
        /// In a batch sent to RENIEC.
        EnviadoReniec,
        /// RENIEC approved: a certificate exists.
        Aprobado,
        /// RENIEC rejected.
        Rechazado,
    }
}

impl ApplicantStatus {
    /// Sent to RENIEC, waiting for its answer: the only status that takes one.
    pub fn awaits_result(&self) -> bool {
        *self == ApplicantStatus::EnviadoReniec
    }

    /// RENIEC answered (approved or rejected).
    pub fn has_result(&self) -> bool {
        matches!(self, ApplicantStatus::Aprobado | ApplicantStatus::Rechazado)
    }

    /// For people.
    pub fn label(&self) -> &'static str {
        match self {
            ApplicantStatus::Registrado => "Registrado",
            ApplicantStatus::Programado => "Programado para envío a RENIEC",
            ApplicantStatus::EnviadoReniec => "Enviado a RENIEC",
            ApplicantStatus::Aprobado => "Aprobado por RENIEC",
            ApplicantStatus::Rechazado => "Rechazado por RENIEC",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use jiff::civil::date;

    fn domains() -> Vec<String> {
        vec!["regioncajamarca.gob.pe".into()]
    }

    fn good() -> ApplicantInput {
        ApplicantInput {
            paternal_surname: "Chávez".into(),
            maternal_surname: "Ñique".into(),
            given_names: "Rosa  Elvira".into(),
            dni: "10117410".into(),
            dni_check_digit: Some("g".into()),
            dni_issued_on: "2019-05-14".into(),
            email: "rchavez@regioncajamarca.gob.pe".into(),
            position: "Asistente".into(),
            unit: "Oficina de TI".into(),
            payment_id: None,
            current_expires_on: None,
            no_glasses_confirmed: None,
        }
    }

    fn ctx<'a>(reason: Reason, domains: &'a [String], taken: &'a [Dni]) -> ApplicantContext<'a> {
        ApplicantContext {
            reason,
            allowed_domains: domains,
            today: date(2026, 11, 27),
            taken_dnis: taken,
        }
    }

    fn r(kind: Kind, code: &str) -> Reason {
        Reason::parse(kind, Some(code)).unwrap()
    }

    #[test]
    fn a_complete_applicant_for_a_free_reason_is_accepted() {
        let d = domains();
        let a = good()
            .validate(&ctx(r(Kind::Emision, "a"), &d, &[]))
            .unwrap();
        assert_eq!(a.full_name(), "Chávez Ñique, Rosa Elvira");
        assert_eq!(a.payment_id, None);
        assert_eq!(a.dni.as_str(), "10117410");
    }

    #[test]
    fn an_applicant_with_a_single_surname_is_accepted() {
        let d = domains();
        let input = ApplicantInput {
            maternal_surname: " ".into(),
            ..good()
        };
        let a = input
            .validate(&ctx(r(Kind::Emision, "a"), &d, &[]))
            .unwrap();
        assert_eq!(a.maternal_surname, None);
        assert_eq!(a.full_name(), "Chávez, Rosa Elvira");
    }

    #[test]
    fn an_applicant_without_a_receipt_is_refused_for_a_paid_reason() {
        let d = domains();
        let e = good()
            .validate(&ctx(r(Kind::Emision, "c"), &d, &[]))
            .unwrap_err();
        assert!(e.get("payment_id").unwrap()[0].contains("requiere pago"));
        let with = ApplicantInput {
            payment_id: Some("01a21a22-0354-75b0-a8f0-fc43adce71b0".into()),
            ..good()
        };
        let a = with.validate(&ctx(r(Kind::Emision, "c"), &d, &[])).unwrap();
        assert_eq!(
            a.payment_id.map(|p| p.to_string()).as_deref(),
            Some("01a21a22-0354-75b0-a8f0-fc43adce71b0")
        );
        let bad = ApplicantInput {
            payment_id: Some("x".into()),
            ..good()
        };
        let e = bad
            .validate(&ctx(r(Kind::Emision, "c"), &d, &[]))
            .unwrap_err();
        assert!(e.contains("payment_id"));
    }

    #[test]
    fn a_renewal_needs_the_current_certificates_expiry_date() {
        let d = domains();
        let e = good()
            .validate(&ctx(r(Kind::Reemision, "a"), &d, &[]))
            .unwrap_err();
        assert!(e.contains("current_expires_on"));
        let with = ApplicantInput {
            current_expires_on: Some("2027-02-15".into()),
            ..good()
        };
        let a = with
            .validate(&ctx(r(Kind::Reemision, "a"), &d, &[]))
            .unwrap();
        assert_eq!(a.current_expires_on, Some(date(2027, 2, 15)));
        let bad = ApplicantInput {
            current_expires_on: Some("2027-02-30".into()),
            ..good()
        };
        assert!(bad
            .validate(&ctx(r(Kind::Emision, "b"), &d, &[]))
            .unwrap_err()
            .contains("current_expires_on"));
    }

    #[test]
    fn a_dni_already_in_the_ticket_is_refused_on_the_dni_field() {
        let d = domains();
        let taken = [Dni::parse("10117410").unwrap()];
        let e = good()
            .validate(&ctx(r(Kind::Emision, "a"), &d, &taken))
            .unwrap_err();
        assert!(e.get("dni").unwrap()[0].contains("ya figura"));
    }

    #[test]
    fn a_wrong_check_character_and_a_personal_email_are_both_reported() {
        let d = domains();
        let input = ApplicantInput {
            dni_check_digit: Some("3".into()),
            email: "rosa@gmail.com".into(),
            maternal_surname: "Ñique 2".into(),
            ..good()
        };
        let e = input
            .validate(&ctx(r(Kind::Emision, "a"), &d, &[]))
            .unwrap_err();
        let fields: Vec<&str> = e.iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["dni", "email", "maternal_surname"]);
    }

    #[test]
    fn an_empty_form_lists_every_required_field() {
        let d = domains();
        let e = ApplicantInput::default()
            .validate(&ctx(r(Kind::Reemision, "f"), &d, &[]))
            .unwrap_err();
        let fields: Vec<&str> = e.iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                "dni",
                "dni_issued_on",
                "email",
                "given_names",
                "paternal_surname",
                "payment_id",
                "position",
                "unit"
            ]
        );
    }

    #[test]
    fn the_no_glasses_confirmation_reads_a_checkbox_or_a_boolean_and_refuses_anything_else() {
        let d = domains();
        let with = |raw: Option<&str>| ApplicantInput {
            no_glasses_confirmed: raw.map(str::to_owned),
            ..good()
        };
        let c = ctx(r(Kind::Emision, "a"), &d, &[]);
        for (raw, expected) in [
            (None, false),
            (Some(""), false),
            (Some("on"), true),
            (Some("true"), true),
            (Some(" TRUE "), true),
            (Some("false"), false),
        ] {
            assert_eq!(
                with(raw).validate(&c).unwrap().no_glasses_confirmed,
                expected,
                "{raw:?}"
            );
        }
        let e = with(Some("quizás")).validate(&c).unwrap_err();
        assert!(e.get("no_glasses_confirmed").unwrap()[0].contains("true"));
    }

    #[test]
    fn a_patch_replaces_only_the_fields_it_names_and_a_blank_clears_an_optional_one() {
        let stored = ApplicantInput {
            current_expires_on: Some("2027-01-10".into()),
            ..good()
        };
        let patch = ApplicantPatch {
            email: Some("nuevo@regioncajamarca.gob.pe".into()),
            dni_check_digit: Some(" ".into()),
            ..ApplicantPatch::default()
        };
        let merged = patch.apply(stored.clone());
        assert_eq!(merged.email, "nuevo@regioncajamarca.gob.pe");
        assert_eq!(merged.dni_check_digit, None);
        assert_eq!(merged.current_expires_on.as_deref(), Some("2027-01-10"));
        assert_eq!(merged.given_names, stored.given_names);
        assert!(ApplicantPatch::default().is_empty());
        assert!(!patch.is_empty());
    }

    #[test]
    fn only_reemision_a_requires_the_current_expiry() {
        let required: Vec<Reason> = Reason::all()
            .filter(|r| requires_current_expiry(*r))
            .collect();
        assert_eq!(required, [r(Kind::Reemision, "a")]);
    }

    #[test]
    fn applicant_statuses_round_trip_through_their_text() {
        for &st in ApplicantStatus::ALL {
            assert_eq!(st.as_str().parse::<ApplicantStatus>().unwrap(), st);
            assert!(!st.label().is_empty());
        }
        assert!("perdido".parse::<ApplicantStatus>().is_err());
    }
}
