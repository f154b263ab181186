//! The settings an admin changes at run time (SPEC.md "Users and roles": fee, tribute code,
//! RUC, batch day and time, institutional e-mail domains; and the entity's name, the image
//! checks' thresholds and how long personal files are kept), as one typed value. Rules, pages and mail all read this struct; nobody reads a key by name.
//!
//! Stored as text, one row per [`Setting`]. Reading them back never fails: a value that no
//! longer parses keeps its default (and is reported, for the log), because a bad setting
//! must not stop the service desk. Changing them checks every value at once, each with a
//! Spanish message on its own field. Pure: no I/O.

use jiff::civil::Weekday;

use crate::identity::{Ruc, DEFAULT_INSTITUTIONAL_DOMAIN};
use crate::images::{ImageThresholds, ThresholdField};
use crate::money::Money;
use crate::payment::{parse_tribute_code, PaymentRules};
use crate::schedule::{parse_hh_mm, parse_weekday, weekday_name, Cutoff, CutoffError};
use crate::validation::FieldErrors;
use crate::word::{one_of, words};

/// The reference customer (SPEC.md): the name in every page header and e-mail.
pub const DEFAULT_ENTITY_NAME: &str = "Gobierno Regional Cajamarca";

/// Longest entity name accepted.
const MAX_ENTITY_NAME: usize = 160;

/// How long, in days, the photos, signatures and receipts of a finished ticket are kept
/// after it finished (Ley 29733: personal data only as long as the purpose needs): a year
/// covers the certificate's download and installation and any later question about them.
pub const DEFAULT_RETENTION_DAYS: u32 = 365;
/// The shortest retention: a month, past the 30-day download window of a new certificate.
pub const MIN_RETENTION_DAYS: u32 = 30;
/// The longest retention: ten years.
pub const MAX_RETENTION_DAYS: u32 = 3650;

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
        /// The image checks' thresholds, `name=value` lines ([`ImageThresholds::to_lines`]);
        /// a change names only the thresholds it changes.
        ImageThresholds,
        /// Days a finished ticket's photos, signatures and receipts are kept.
        RetentionDays,
    }
}

/// Every setting, typed.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The entity the service desk belongs to.
    pub entity_name: String,
    /// Domains of institutional e-mail, lower case, at least one.
    pub institutional_domains: Vec<String>,
    /// Fee, tribute code and RUC that receipts must match.
    pub payment: PaymentRules,
    /// The weekly cut-off (holidays are a calendar of their own).
    pub cutoff: Cutoff,
    /// The numbers that decide the photo and signature checks.
    pub images: ImageThresholds,
    /// Days a finished ticket's personal files are kept ([`DEFAULT_RETENTION_DAYS`]).
    pub retention_days: u32,
}

/// One value that a change of settings changed, for the audit log: the key (a setting's
/// word, or `image_thresholds.<name>` for one threshold) and the stored text before and
/// after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingChange {
    pub key: String,
    pub old: String,
    pub new: String,
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
            images: ImageThresholds::default(),
            retention_days: DEFAULT_RETENTION_DAYS,
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
                settings.set(setting, value, &mut errors);
            }
        }
        (settings, errors)
    }

    /// These settings with `changes` applied, every value checked at once; errors are keyed
    /// by each setting's word, and by `image_thresholds.<name>` for one threshold.
    pub fn with(&self, changes: &[(Setting, &str)]) -> Result<Settings, FieldErrors> {
        let mut next = self.clone();
        let mut errors = FieldErrors::new();
        for (setting, value) in changes {
            next.set(*setting, value, &mut errors);
        }
        if errors.is_empty() {
            Ok(next)
        } else {
            Err(errors)
        }
    }

    /// What differs from `before`, in [`Setting::ALL`] order, one threshold at a time.
    pub fn changes_from(&self, before: &Settings) -> Vec<SettingChange> {
        let mut out = Vec::new();
        for setting in Setting::ALL {
            if *setting == Setting::ImageThresholds {
                for field in crate::images::THRESHOLD_FIELDS {
                    let (Some(old), Some(new)) = (
                        before.images.value(field.name),
                        self.images.value(field.name),
                    ) else {
                        continue;
                    };
                    if old != new {
                        out.push(SettingChange {
                            key: format!("{}.{}", setting.as_str(), field.name),
                            old: field.show(old),
                            new: field.show(new),
                        });
                    }
                }
                continue;
            }
            let (old, new) = (before.stored(*setting), self.stored(*setting));
            if old != new {
                out.push(SettingChange {
                    key: setting.as_str().to_owned(),
                    old,
                    new,
                });
            }
        }
        out
    }

    /// Sets one setting from its text, or records why not in `errors` (keyed by the
    /// setting's word, or `image_thresholds.<name>`); on error nothing changes.
    fn set(&mut self, setting: Setting, value: &str, errors: &mut FieldErrors) {
        if setting == Setting::ImageThresholds {
            match self.images.with_lines(value) {
                Ok(images) => self.images = images,
                Err(problems) => {
                    for (name, message) in problems {
                        errors.add(&format!("{}.{name}", setting.as_str()), message);
                    }
                }
            }
            return;
        }
        if let Err(message) = self.set_text(setting, value) {
            errors.add(setting.as_str(), message);
        }
    }

    /// Sets one setting whose value is one piece of text; on error nothing changes.
    fn set_text(&mut self, setting: Setting, value: &str) -> Result<(), String> {
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
                let weekday =
                    parse_weekday(value).ok_or_else(|| CutoffError::Weekday.to_string())?;
                if matches!(weekday, Weekday::Saturday | Weekday::Sunday) {
                    return Err(
                        "El corte debe caer en un día hábil: elija de lunes a viernes.".into(),
                    );
                }
                self.cutoff.weekday = weekday;
            }
            Setting::BatchTime => {
                self.cutoff.time =
                    parse_hh_mm(value).ok_or_else(|| CutoffError::Time.to_string())?;
            }
            Setting::RetentionDays => self.retention_days = parse_retention_days(value)?,
            // Set by `set`, threshold by threshold.
            Setting::ImageThresholds => {}
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
            Setting::ImageThresholds => self.images.to_lines(),
            Setting::RetentionDays => self.retention_days.to_string(),
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

/// A whole number of days between [`MIN_RETENTION_DAYS`] and [`MAX_RETENTION_DAYS`].
fn parse_retention_days(value: &str) -> Result<u32, String> {
    let range = format!(
        "entre {MIN_RETENTION_DAYS} y {MAX_RETENTION_DAYS} días ({} años)",
        MAX_RETENTION_DAYS / 365
    );
    let days: u32 = value
        .trim()
        .parse()
        .map_err(|_| format!("Escriba el plazo como un número entero de días, {range}."))?;
    if !(MIN_RETENTION_DAYS..=MAX_RETENTION_DAYS).contains(&days) {
        return Err(format!("El plazo de conservación debe estar {range}."));
    }
    Ok(days)
}

/// Whether `key` names one image threshold (`image_thresholds.<name>`), for forms that
/// label errors.
pub fn threshold_of_key(key: &str) -> Option<&'static ThresholdField> {
    let name = key.strip_prefix("image_thresholds.")?;
    ThresholdField::named(name)
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
/// The longest domain name DNS allows.
const MAX_DOMAIN_CHARS: usize = 253;
/// More institutional domains than any entity has.
const MAX_DOMAINS: usize = 50;

fn parse_domains(value: &str) -> Result<Vec<String>, String> {
    let mut domains: Vec<String> = Vec::new();
    for raw in value.split(|c: char| c == ',' || c.is_whitespace()) {
        let domain = raw.trim().trim_start_matches('@').to_lowercase();
        if domain.is_empty() {
            continue;
        }
        if domain.len() > MAX_DOMAIN_CHARS {
            return Err(format!(
                "Un dominio de correo tiene como máximo {MAX_DOMAIN_CHARS} caracteres."
            ));
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
        if domains.len() > MAX_DOMAINS {
            return Err(format!(
                "Indique como máximo {MAX_DOMAINS} dominios de correo institucional."
            ));
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
    fn thresholds_and_retention_are_settings_checked_like_the_others() {
        let base = Settings::default();
        let next = base
            .with(&[
                (Setting::ImageThresholds, "photo_min_sharpness=40"),
                (Setting::RetentionDays, "730"),
            ])
            .unwrap();
        assert_eq!(next.images.photo_min_sharpness, 40.0);
        assert_eq!(next.images.photo_min_width, 240);
        assert_eq!(next.retention_days, 730);
        let err = base
            .with(&[
                (
                    Setting::ImageThresholds,
                    "photo_min_width=0\nsignature_min_blue_share=2",
                ),
                (Setting::RetentionDays, "7"),
                (Setting::BatchWeekday, "sábado"),
            ])
            .unwrap_err();
        for field in [
            "image_thresholds.photo_min_width",
            "image_thresholds.signature_min_blue_share",
            "retention_days",
            "batch_weekday",
        ] {
            assert!(err.contains(field), "{field}: {err:?}");
        }
        assert!(err.get("retention_days").unwrap()[0].contains("entre 30 y 3650"));
        assert!(threshold_of_key("image_thresholds.photo_min_width").is_some());
        assert!(threshold_of_key("image_thresholds.nada").is_none());
    }

    #[test]
    fn the_changes_name_each_changed_value_with_its_old_and_new_text() {
        let base = Settings::default();
        let next = base
            .with(&[
                (Setting::Fee, "9.50"),
                (Setting::TributeCode, "00529"),
                (
                    Setting::ImageThresholds,
                    "photo_min_sharpness=30\nphoto_min_width=240",
                ),
            ])
            .unwrap();
        let changes = next.changes_from(&base);
        assert_eq!(
            changes,
            [
                SettingChange {
                    key: "fee".into(),
                    old: "8.10".into(),
                    new: "9.50".into()
                },
                SettingChange {
                    key: "image_thresholds.photo_min_sharpness".into(),
                    old: "25".into(),
                    new: "30".into()
                },
            ]
        );
        assert!(base.changes_from(&base).is_empty());
    }

    #[test]
    fn every_setting_reads_back_what_it_stores() {
        let s = Settings::default()
            .with(&[
                (Setting::InstitutionalDomains, "@a.gob.pe b.gob.pe"),
                (Setting::ImageThresholds, "signature_min_ink_share=0.001"),
                (Setting::RetentionDays, "400"),
            ])
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
