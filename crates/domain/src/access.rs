//! Access requests (SPEC.md "Access requests"): anyone may ask for an account; an admin
//! approves or rejects. This module validates the public form, collecting every failing field.
//!
//! Pure: `today` comes from the caller's clock, in Lima.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::identity::{Dni, InstitutionalEmail, PersonName};
use crate::validation::{parse_past_date, required_text, FieldErrors};
use crate::word::words;

/// Maximum length of position, unit and dependency.
pub const MAX_TEXT_CHARS: usize = 200;

/// The access-request form as typed (JSON or HTML form): raw strings, all required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRequestInput {
    /// Full name.
    #[serde(default)]
    pub full_name: String,
    /// DNI, 8 digits.
    #[serde(default)]
    pub dni: String,
    /// Position ("cargo").
    #[serde(default)]
    pub position: String,
    /// Organ or organic unit.
    #[serde(default)]
    pub unit: String,
    /// Dependency.
    #[serde(default)]
    pub dependency: String,
    /// Start date in the post, `YYYY-MM-DD`.
    #[serde(default)]
    pub start_date: String,
    /// Institutional e-mail.
    #[serde(default)]
    pub email: String,
}

/// An access request whose every field has been checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidAccessRequest {
    /// Full name, normalised.
    pub full_name: PersonName,
    /// DNI.
    pub dni: Dni,
    /// Position ("cargo"), trimmed.
    pub position: String,
    /// Organ or organic unit, trimmed.
    pub unit: String,
    /// Dependency, trimmed.
    pub dependency: String,
    /// Start date in the post (not after today).
    pub start_date: Date,
    /// Institutional e-mail, lower-case.
    pub email: InstitutionalEmail,
}

impl AccessRequestInput {
    /// Checks every field; on failure the errors name every failing field, keyed by the
    /// input's field names.
    pub fn validate(
        &self,
        allowed_domains: &[String],
        today: Date,
    ) -> Result<ValidAccessRequest, FieldErrors> {
        let mut e = FieldErrors::new();
        let full_name = e.check("full_name", PersonName::parse(&self.full_name));
        let dni = e.check("dni", Dni::parse(&self.dni));
        let position = e.check("position", required_text(&self.position, MAX_TEXT_CHARS));
        let unit = e.check("unit", required_text(&self.unit, MAX_TEXT_CHARS));
        let dependency = e.check(
            "dependency",
            required_text(&self.dependency, MAX_TEXT_CHARS),
        );
        let start_date = e.check("start_date", parse_past_date(&self.start_date, today));
        let email = e.check(
            "email",
            InstitutionalEmail::parse(&self.email, allowed_domains),
        );
        match (
            full_name, dni, position, unit, dependency, start_date, email,
        ) {
            (
                Some(full_name),
                Some(dni),
                Some(position),
                Some(unit),
                Some(dependency),
                Some(start_date),
                Some(email),
            ) if e.is_empty() => Ok(ValidAccessRequest {
                full_name,
                dni,
                position,
                unit,
                dependency,
                start_date,
                email,
            }),
            _ => Err(e),
        }
    }
}

words! {
    /// Where an access request stands.
    #[serde(rename_all = "lowercase")]
    #[strum(serialize_all = "lowercase")]
    pub enum AccessRequestStatus: "el estado de la solicitud de acceso" {
        /// Waiting for an admin.
        Pendiente,
        /// Approved: the account exists.
        Aprobada,
        /// Rejected.
        Rechazada,
    }
}

impl AccessRequestStatus {
    /// Spanish label for people.
    pub fn label(&self) -> &'static str {
        match self {
            AccessRequestStatus::Pendiente => "Pendiente",
            AccessRequestStatus::Aprobada => "Aprobada",
            AccessRequestStatus::Rechazada => "Rechazada",
        }
    }

    /// True once an admin decided; a decided request cannot be decided again.
    pub fn is_decided(&self) -> bool {
        !matches!(self, AccessRequestStatus::Pendiente)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use jiff::civil::date;

    fn good() -> AccessRequestInput {
        AccessRequestInput {
            full_name: "  Rosa  Elvira Chávez Ñique ".into(),
            dni: "10117410".into(),
            position: " Asistente administrativo ".into(),
            unit: "Oficina de Tecnologías de la Información".into(),
            dependency: "Sede Central".into(),
            start_date: "2025-03-01".into(),
            email: "RChavez@regioncajamarca.gob.pe".into(),
        }
    }

    fn domains() -> Vec<String> {
        vec!["regioncajamarca.gob.pe".into()]
    }

    #[test]
    fn a_complete_access_request_is_accepted_and_normalised() {
        let v = good().validate(&domains(), date(2026, 1, 10)).unwrap();
        assert_eq!(v.full_name.as_str(), "Rosa Elvira Chávez Ñique");
        assert_eq!(v.dni.as_str(), "10117410");
        assert_eq!(v.position, "Asistente administrativo");
        assert_eq!(v.start_date, date(2025, 3, 1));
        assert_eq!(v.email.as_str(), "rchavez@regioncajamarca.gob.pe");
    }

    #[test]
    fn an_empty_access_request_lists_every_field() {
        let errors = AccessRequestInput::default()
            .validate(&domains(), date(2026, 1, 10))
            .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                "dependency",
                "dni",
                "email",
                "full_name",
                "position",
                "start_date",
                "unit"
            ]
        );
    }

    #[test]
    fn a_start_date_in_the_future_and_a_personal_email_are_both_reported() {
        let input = AccessRequestInput {
            start_date: "2026-01-11".into(),
            email: "rosa@hotmail.com".into(),
            ..good()
        };
        let errors = input.validate(&domains(), date(2026, 1, 10)).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert!(errors.get("start_date").unwrap()[0].contains("posterior a hoy"));
        assert!(errors.get("email").unwrap()[0].contains("hotmail.com"));
    }

    #[test]
    fn a_position_longer_than_200_characters_is_refused() {
        let input = AccessRequestInput {
            position: "x".repeat(201),
            ..good()
        };
        let errors = input.validate(&domains(), date(2026, 1, 10)).unwrap_err();
        assert_eq!(
            errors.get("position").unwrap(),
            ["Como máximo 200 caracteres."]
        );
    }

    #[test]
    fn the_access_request_deserializes_from_the_api_body_with_missing_fields_as_blank() {
        let input: AccessRequestInput =
            serde_json::from_str(r#"{"full_name":"Ana Díaz","dni":"10117410"}"#).unwrap();
        assert_eq!(input.full_name, "Ana Díaz");
        assert_eq!(input.email, "");
    }

    #[test]
    fn access_request_statuses_round_trip_through_their_spanish_words() {
        for &st in AccessRequestStatus::ALL {
            assert_eq!(st.as_str().parse::<AccessRequestStatus>().unwrap(), st);
            assert_eq!(st.to_string(), st.as_str());
            assert_eq!(
                serde_json::to_string(&st).unwrap(),
                format!("\"{}\"", st.as_str())
            );
            assert!(!st.label().is_empty());
        }
        assert!(!AccessRequestStatus::Pendiente.is_decided());
        assert!(AccessRequestStatus::Aprobada.is_decided());
        let err = "aprobado".parse::<AccessRequestStatus>().unwrap_err();
        assert!(err.to_string().contains("aprobado"));
    }
}
