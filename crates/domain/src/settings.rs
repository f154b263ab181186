//! The settings an admin changes at run time (SPEC.md "Users and roles": fee, tribute code,
//! RUC, batch day and time, institutional e-mail domains; and the entity's name), as one
//! typed value. Rules, pages and mail all read this struct; nobody reads a key by name.
//!
//! Stored as text, one row per [`Setting`]. Reading them back never fails: a value that no
//! longer parses keeps its default (and is reported, for the log), because a bad setting
//! must not stop the service desk. Changing them checks every value at once, each with a
//! Spanish message on its own field. Pure: no I/O.

use crate::identity::{Ruc, DEFAULT_INSTITUTIONAL_DOMAIN};
use crate::money::Money;
use crate::payment::{parse_tribute_code, PaymentRules};
use crate::schedule::{parse_hh_mm, parse_weekday, weekday_name, Cutoff, CutoffError};
use crate::validation::FieldErrors;
use crate::word::{one_of, words};

/// The reference customer (SPEC.md): the name in every page header and e-mail.
pub const DEFAULT_ENTITY_NAME: &str = "Gobierno Regional Cajamarca";

/// Longest entity name accepted.
const MAX_ENTITY_NAME: usize = 160;

words! {
    /// One stored setting; its word is the key of its row.
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum Setting: "el ajuste" {
        /// The entity's name (page header, e-mails).
        EntityName,
        /// Institutional e-mail domains, comma-separated when stored.
        InstitutionalDomains,
        /// The fee of a paid request, `8.10`.
        Fee,
        /// Banco de la Nación's tribute code, `00529`.
        TributeCode,
        /// The entity's RUC, check digit verified.
        EntityRuc,
        /// Day of the weekly RENIEC cut-off, `viernes`.
        BatchWeekday,
        /// Lima time of the cut-off, `16:30`.
        BatchTime,
    }
}

/// Every setting, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The entity the service desk belongs to.
    pub entity_name: String,
    /// Domains of institutional e-mail, lower case, at least one.
    pub institutional_domains: Vec<String>,
    /// Fee, tribute code and RUC that receipts must match.
    pub payment: PaymentRules,
    /// The weekly cut-off (holidays are a calendar of their own).
    pub cutoff: Cutoff,
}

impl Default for Settings {
    /// SPEC.md's defaults: Gobierno Regional Cajamarca, `regioncajamarca.gob.pe`, S/ 8.10,
    /// tribute 00529, RUC 20453744168, Friday 16:30.
    fn default() -> Self {
        Settings {
            entity_name: DEFAULT_ENTITY_NAME.to_owned(),
            institutional_domains: vec![DEFAULT_INSTITUTIONAL_DOMAIN.to_owned()],
            payment: PaymentRules::default(),
            cutoff: Cutoff::default(),
        }
    }
}

impl Settings {
    /// The settings as stored: `(key, value)` rows. Rows that are not settings (internal
    /// markers) are ignored; a missing setting, or one whose value no longer parses, keeps
    /// its default, and the latter comes back in the errors, keyed by the setting's word.
    pub fn from_stored<'a>(
        rows: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> (Self, FieldErrors) {
        let mut settings = Settings::default();
        let mut errors = FieldErrors::new();
        for (key, value) in rows {
            if let Ok(setting) = key.parse::<Setting>() {
                if let Err(message) = settings.set(setting, value) {
                    errors.add(setting.as_str(), message);
                }
            }
        }
        (settings, errors)
    }

    /// These settings with `changes` applied, every value checked at once; errors are keyed
    /// by each setting's word.
    pub fn with(&self, changes: &[(Setting, &str)]) -> Result<Settings, FieldErrors> {
        let mut next = self.clone();
        let mut errors = FieldErrors::new();
        for (setting, value) in changes {
            if let Err(message) = next.set(*setting, value) {
                errors.add(setting.as_str(), message);
            }
        }
        if errors.is_empty() {
            Ok(next)
        } else {
            Err(errors)
        }
    }

    /// Sets one setting from its text; on error nothing changes.
    fn set(&mut self, setting: Setting, value: &str) -> Result<(), String> {
        match setting {
            Setting::EntityName => self.entity_name = parse_entity_name(value)?,
            Setting::InstitutionalDomains => {
                self.institutional_domains = parse_domains(value)?;
            }
            Setting::Fee => {
                let fee = Money::parse(value).map_err(|e| e.to_string())?;
                if fee == Money::ZERO {
                    return Err("La tasa debe ser mayor que cero.".into());
                }
                self.payment.fee = fee;
            }
            Setting::TributeCode => {
                self.payment.tribute_code = parse_tribute_code(value).map_err(|e| e.to_string())?;
            }
            Setting::EntityRuc => {
                self.payment.ruc = Ruc::parse(value).map_err(|e| e.to_string())?
            }
            Setting::BatchWeekday => {
                self.cutoff.weekday =
                    parse_weekday(value).ok_or_else(|| CutoffError::Weekday.to_string())?;
            }
            Setting::BatchTime => {
                self.cutoff.time =
                    parse_hh_mm(value).ok_or_else(|| CutoffError::Time.to_string())?;
            }
        }
        Ok(())
    }

    /// The text stored for one setting.
    pub fn stored(&self, setting: Setting) -> String {
        match setting {
            Setting::EntityName => self.entity_name.clone(),
            Setting::InstitutionalDomains => self.institutional_domains.join(","),
            Setting::Fee => self.payment.fee.to_string(),
            Setting::TributeCode => self.payment.tribute_code.clone(),
            Setting::EntityRuc => self.payment.ruc.as_str().to_owned(),
            Setting::BatchWeekday => weekday_name(self.cutoff.weekday).to_owned(),
            Setting::BatchTime => self.cutoff.time.strftime("%H:%M").to_string(),
        }
    }

    /// The domains as the e-mail fields' hint shows them: `@a.gob.pe` or
    /// `@a.gob.pe o @b.gob.pe`.
    pub fn domains_hint(&self) -> String {
        let at: Vec<String> = self
            .institutional_domains
            .iter()
            .map(|d| format!("@{d}"))
            .collect();
        one_of(&at)
    }
}

fn parse_entity_name(value: &str) -> Result<String, String> {
    let name = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err("Escriba el nombre de la entidad.".into());
    }
    if name.chars().count() > MAX_ENTITY_NAME {
        return Err(format!(
            "El nombre de la entidad puede tener hasta {MAX_ENTITY_NAME} caracteres."
        ));
    }
    Ok(name)
}

/// Comma- or blank-separated domains: lower case, without `@`, each with a dot.
fn parse_domains(value: &str) -> Result<Vec<String>, String> {
    let mut domains: Vec<String> = Vec::new();
    for raw in value.split(|c: char| c == ',' || c.is_whitespace()) {
        let domain = raw.trim().trim_start_matches('@').to_lowercase();
        if domain.is_empty() {
            continue;
        }
        let plausible = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        if !plausible {
            return Err(format!(
                "«{domain}» no es un dominio de correo: escríbalo como regioncajamarca.gob.pe."
            ));
        }
        if !domains.contains(&domain) {
            domains.push(domain);
        }
    }
    if domains.is_empty() {
        return Err("Indique al menos un dominio de correo institucional.".into());
    }
    Ok(domains)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use jiff::civil::{Time, Weekday};

    #[test]
    fn stored_settings_are_read_into_their_types_and_unknown_rows_are_ignored() {
        let (s, errors) = Settings::from_stored([
            ("entity_name", "Municipalidad Provincial de Cajamarca"),
            ("institutional_domains", "munícaj.gob.pe"),
            (
                "institutional_domains",
                "municaj.gob.pe, regioncajamarca.gob.pe",
            ),
            ("fee", "9.00"),
            ("tribute_code", "00530"),
            ("entity_ruc", "20453744168"),
            ("batch_weekday", "jueves"),
            ("batch_time", "15:00"),
            ("demo_loaded", "1"),
        ]);
        assert_eq!(s.entity_name, "Municipalidad Provincial de Cajamarca");
        assert_eq!(
            s.institutional_domains,
            ["municaj.gob.pe", "regioncajamarca.gob.pe"]
        );
        assert_eq!(s.payment.fee.to_string(), "9.00");
        assert_eq!(s.payment.tribute_code, "00530");
        assert_eq!(
            s.cutoff,
            Cutoff::new(Weekday::Thursday, Time::constant(15, 0, 0, 0))
        );
        // The first domains row had a non-ASCII letter: reported, then replaced by the
        // second row.
        assert!(errors.contains("institutional_domains"));
        assert_eq!(errors.iter().count(), 1);
    }

    #[test]
    fn a_stored_value_that_no_longer_parses_keeps_its_default_and_is_reported() {
        let (s, errors) = Settings::from_stored([("fee", "ocho"), ("entity_ruc", "20453744169")]);
        assert_eq!(s.payment, PaymentRules::default());
        assert!(errors.contains("fee"));
        assert!(errors.contains("entity_ruc"));
    }

    #[test]
    fn changes_are_checked_all_at_once_and_nothing_changes_on_error() {
        let base = Settings::default();
        let err = base
            .with(&[
                (Setting::Fee, "0"),
                (Setting::BatchTime, "4pm"),
                (Setting::EntityName, "  "),
                (Setting::InstitutionalDomains, "gob.pe"),
            ])
            .unwrap_err();
        for field in ["fee", "batch_time", "entity_name"] {
            assert!(err.contains(field), "{field}");
        }
        assert!(!err.contains("institutional_domains"));
        let next = base
            .with(&[
                (Setting::BatchWeekday, "Miércoles"),
                (Setting::BatchTime, "09:15"),
            ])
            .unwrap();
        assert_eq!(next.stored(Setting::BatchWeekday), "miércoles");
        assert_eq!(next.stored(Setting::BatchTime), "09:15");
    }

    #[test]
    fn every_setting_reads_back_what_it_stores() {
        let s = Settings::default()
            .with(&[(Setting::InstitutionalDomains, "@a.gob.pe b.gob.pe")])
            .unwrap();
        let rows: Vec<(&str, String)> = Setting::ALL
            .iter()
            .map(|k| (k.as_str(), s.stored(*k)))
            .collect();
        let (back, errors) = Settings::from_stored(rows.iter().map(|(k, v)| (*k, v.as_str())));
        assert!(errors.is_empty());
        assert_eq!(back, s);
        assert_eq!(s.domains_hint(), "@a.gob.pe o @b.gob.pe");
        assert_eq!(
            Settings::default().domains_hint(),
            "@regioncajamarca.gob.pe"
        );
    }
}
