//! Identity values of SPEC.md: DNI (with its check character), RUC, institutional e-mail,
//! person names. Parse, don't validate: once you hold a `Dni`, it is 8 digits.
//!
//! Pure: no I/O. Error messages are Spanish and tell the person what to do.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The reference customer's institutional e-mail domain (SPEC.md default).
pub const DEFAULT_INSTITUTIONAL_DOMAIN: &str = "regioncajamarca.gob.pe";

/// Well-known personal mail providers, refused by name so the message can say why.
pub const PERSONAL_EMAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "hotmail.com",
    "hotmail.es",
    "outlook.com",
    "outlook.es",
    "live.com",
    "live.com.pe",
    "msn.com",
    "yahoo.com",
    "yahoo.es",
    "yahoo.com.pe",
    "ymail.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "protonmail.com",
    "proton.me",
    "pm.me",
    "aol.com",
    "gmx.com",
    "gmx.es",
    "zoho.com",
    "mail.com",
    "yandex.com",
    "tutanota.com",
    "hushmail.com",
];

// ---------------------------------------------------------------------------------------
// DNI

/// Weights of the DNI check character, over the 8 digits.
const DNI_WEIGHTS: [u32; 8] = [3, 2, 7, 6, 5, 4, 3, 2];
/// Check digit, indexed by `sum mod 11`.
const DNI_CHECK_DIGITS: &[u8; 11] = b"65432110987";
/// Check letter, indexed by `sum mod 11`.
const DNI_CHECK_LETTERS: &[u8; 11] = b"KJIHGFEDCBA";

/// A Peruvian DNI: exactly 8 ASCII digits. Personal data: `Debug` hides all but the last
/// four digits, so it does not leak into logs.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dni(String);

/// Why a DNI (or its check character) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DniError {
    /// Nothing was typed.
    #[error("Ingrese el número de DNI (8 dígitos).")]
    Empty,
    /// Not exactly 8 digits.
    #[error("El DNI debe tener exactamente 8 dígitos, sin letras, puntos ni espacios.")]
    Format,
    /// The check character is not a single digit or letter.
    #[error(
        "El dígito verificador debe ser un solo número o una letra, tal como aparece en su DNI."
    )]
    CheckFormat,
    /// The check character does not match the number.
    #[error(
        "El dígito verificador no corresponde al número de DNI. Revise ambos datos en su DNI."
    )]
    CheckMismatch,
}

impl Dni {
    /// Parses exactly 8 ASCII digits, ignoring surrounding whitespace.
    pub fn parse(input: &str) -> Result<Self, DniError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(DniError::Empty);
        }
        if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DniError::Format);
        }
        Ok(Dni(s.to_string()))
    }

    /// Parses the number and, when given (non-blank), checks the check character: either the
    /// digit or the letter is accepted, case-insensitive.
    pub fn parse_with_check(dni: &str, check: Option<&str>) -> Result<Self, DniError> {
        let parsed = Dni::parse(dni)?;
        let Some(check) = check.map(str::trim).filter(|c| !c.is_empty()) else {
            return Ok(parsed);
        };
        let mut chars = check.chars();
        let (Some(c), None) = (chars.next(), chars.next()) else {
            return Err(DniError::CheckFormat);
        };
        if !c.is_ascii_alphanumeric() {
            return Err(DniError::CheckFormat);
        }
        if parsed.accepts_check(c) {
            Ok(parsed)
        } else {
            Err(DniError::CheckMismatch)
        }
    }

    /// True when `c` is this DNI's check digit or check letter (case-insensitive).
    pub fn accepts_check(&self, c: char) -> bool {
        let c = c.to_ascii_uppercase();
        c == self.check_digit() || c == self.check_letter()
    }

    fn check_index(&self) -> usize {
        let sum: u32 = self
            .0
            .bytes()
            .zip(DNI_WEIGHTS)
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        (sum % 11) as usize
    }

    /// The numeric check character: `"65432110987"[sum mod 11]`.
    pub fn check_digit(&self) -> char {
        char::from(DNI_CHECK_DIGITS[self.check_index()])
    }

    /// The letter check character: `"KJIHGFEDCBA"[sum mod 11]`.
    pub fn check_letter(&self) -> char {
        char::from(DNI_CHECK_LETTERS[self.check_index()])
    }

    /// The 8 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with all but the last four digits hidden: `****7410`.
    pub fn masked(&self) -> String {
        format!("****{}", &self.0[4..])
    }
}

impl fmt::Debug for Dni {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dni({})", self.masked())
    }
}

impl fmt::Display for Dni {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Dni {
    type Err = DniError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Dni::parse(s)
    }
}

// ---------------------------------------------------------------------------------------
// RUC

/// Weights of the RUC check digit, over the first ten digits.
const RUC_WEIGHTS: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
/// Prefixes SUNAT issues: 10 (persons), 15/16/17 (special registrations: persons without
/// a DNI, foreigners, and the like), 20 (legal entities, public ones included).
const RUC_PREFIXES: [&str; 5] = ["10", "15", "16", "17", "20"];

/// SUNAT's modulo-11 check digit of a RUC from its first ten digits (each 0–9): the sum of
/// each digit times the weights 5, 4, 3, 2, 7, 6, 5, 4, 3, 2; then `11 − (sum mod 11)`,
/// where 10 stands for 0 and 11 for 1 (that is, `(11 − sum mod 11) mod 10`). `None` unless
/// given exactly ten digits.
pub fn ruc_check_digit(first_ten: &[u32]) -> Option<u32> {
    if first_ten.len() != RUC_WEIGHTS.len() || first_ten.iter().any(|d| *d > 9) {
        return None;
    }
    let sum: u32 = first_ten.iter().zip(RUC_WEIGHTS).map(|(d, w)| d * w).sum();
    Some(match 11 - sum % 11 {
        10 => 0,
        11 => 1,
        digit => digit,
    })
}

/// A Peruvian taxpayer number (RUC): 11 digits, known prefix, valid check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ruc(String);

/// Why a RUC was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RucError {
    /// Not exactly 11 digits.
    #[error("El RUC debe tener exactamente 11 dígitos.")]
    Format,
    /// Not one of 10, 15, 16, 17, 20.
    #[error("El RUC debe empezar con 10, 15, 16, 17 o 20.")]
    Prefix,
    /// The last digit does not match.
    #[error("El RUC no es válido: su dígito verificador no corresponde. Revise el número.")]
    CheckDigit,
}

impl Ruc {
    /// Parses and checks a RUC, ignoring surrounding whitespace.
    pub fn parse(input: &str) -> Result<Self, RucError> {
        let s = input.trim();
        if s.len() != 11 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RucError::Format);
        }
        if !RUC_PREFIXES.contains(&&s[..2]) {
            return Err(RucError::Prefix);
        }
        let digits: Vec<u32> = s.bytes().map(|b| u32::from(b - b'0')).collect();
        if ruc_check_digit(&digits[..10]) != Some(digits[10]) {
            return Err(RucError::CheckDigit);
        }
        Ok(Ruc(s.to_string()))
    }

    /// The Gobierno Regional Cajamarca's RUC, 20453744168 (the default setting; a test
    /// checks that it is valid).
    pub fn grc() -> Ruc {
        Ruc("20453744168".to_string())
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Ruc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Ruc {
    type Err = RucError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ruc::parse(s)
    }
}

// ---------------------------------------------------------------------------------------
// E-mail

/// A syntactically plausible e-mail address, lower-cased. Deliberately basic: one `@`, a
/// non-empty local part without spaces, a domain with a dot made of letters, digits and
/// hyphens. Deliverability is proven by the one-time link, not by a regex.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

/// Why an e-mail address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Nothing was typed.
    #[error("Ingrese su correo electrónico institucional.")]
    Empty,
    /// Not of the form `nombre@dominio`.
    #[error("El correo no tiene un formato válido. Escríbalo como nombre@dominio, sin espacios.")]
    Syntax,
    /// A personal provider, refused by name.
    #[error("No se acepta correo personal ({domain}). Use su correo institucional {allowed}.")]
    Personal {
        /// The personal provider's domain.
        domain: String,
        /// The configured domains, as `@a`, `@a o @b`, …
        allowed: String,
    },
    /// Some other domain that is not institutional.
    #[error("El dominio {domain} no es un dominio institucional. Use su correo institucional {allowed}.")]
    NotInstitutional {
        /// The refused domain.
        domain: String,
        /// The configured domains, as `@a`, `@a o @b`, …
        allowed: String,
    },
}

impl Email {
    /// Checks the syntax and lower-cases the address (surrounding whitespace ignored).
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        let s = s.to_lowercase();
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(EmailError::Syntax);
        }
        let mut parts = s.split('@');
        let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(EmailError::Syntax);
        };
        if local.is_empty() || local.len() > 64 || !valid_domain(domain) {
            return Err(EmailError::Syntax);
        }
        Ok(Email(s))
    }

    /// The whole address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }

    /// The part before `@`.
    pub fn local_part(&self) -> &str {
        self.0.split_once('@').map_or("", |(l, _)| l)
    }
}

fn valid_domain(domain: &str) -> bool {
    domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An e-mail address whose domain is exactly one of the configured institutional domains.
///
/// Exact match only: subdomains (`x@sub.regioncajamarca.gob.pe`) are refused unless configured
/// themselves, so an admin decides explicitly which mail systems count as institutional.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstitutionalEmail(Email);

impl InstitutionalEmail {
    /// Parses `input` and checks its domain against `allowed_domains` (case-insensitive; a
    /// leading `@` in the setting is tolerated). An empty list means the default domain.
    /// A configured domain always wins, even if it is also a well-known personal provider.
    pub fn parse(input: &str, allowed_domains: &[String]) -> Result<Self, EmailError> {
        let email = Email::parse(input)?;
        let allowed = normalized_domains(allowed_domains);
        let domain = email.domain();
        if allowed.iter().any(|d| d == domain) {
            return Ok(InstitutionalEmail(email));
        }
        let allowed = describe_domains(&allowed);
        if PERSONAL_EMAIL_DOMAINS.contains(&domain) {
            Err(EmailError::Personal {
                domain: domain.to_string(),
                allowed,
            })
        } else {
            Err(EmailError::NotInstitutional {
                domain: domain.to_string(),
                allowed,
            })
        }
    }

    /// The whole address, lower-case.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The institutional domain.
    pub fn domain(&self) -> &str {
        self.0.domain()
    }

    /// The address as a plain [`Email`].
    pub fn as_email(&self) -> &Email {
        &self.0
    }
}

impl fmt::Display for InstitutionalEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Trims, lower-cases and strips a leading `@`; falls back to the default domain when empty.
fn normalized_domains(domains: &[String]) -> Vec<String> {
    let list: Vec<String> = domains
        .iter()
        .map(|d| d.trim().trim_start_matches('@').to_lowercase())
        .filter(|d| !d.is_empty())
        .collect();
    if list.is_empty() {
        vec![DEFAULT_INSTITUTIONAL_DOMAIN.to_string()]
    } else {
        list
    }
}

/// `@a`, `@a o @b`, `@a, @b o @c`.
fn describe_domains(domains: &[String]) -> String {
    let at: Vec<String> = domains.iter().map(|d| format!("@{d}")).collect();
    match at.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} o {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

// ---------------------------------------------------------------------------------------
// Person names

/// A person's name (or surname): trimmed, inner whitespace collapsed to one space, 2 to 120
/// characters of letters (any script, accents, ñ), spaces, apostrophes, hyphens and periods.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PersonName(String);

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonNameError {
    /// Nothing was typed.
    #[error("Ingrese el nombre.")]
    Empty,
    /// Fewer than 2 characters.
    #[error("El nombre es demasiado corto: escriba al menos 2 letras.")]
    TooShort,
    /// More than 120 characters.
    #[error("El nombre es demasiado largo: como máximo 120 caracteres.")]
    TooLong,
    /// A character other than letters, spaces, `'`, `-`, `.`.
    #[error(
        "El nombre solo puede contener letras, espacios, apóstrofos, guiones y puntos (no «{0}»)."
    )]
    InvalidChar(char),
    /// Only punctuation.
    #[error("El nombre debe contener letras.")]
    NoLetters,
}

impl PersonName {
    /// Minimum length in characters.
    pub const MIN_CHARS: usize = 2;
    /// Maximum length in characters.
    pub const MAX_CHARS: usize = 120;

    /// Normalises and checks a name.
    pub fn parse(input: &str) -> Result<Self, PersonNameError> {
        let collapsed = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.is_empty() {
            return Err(PersonNameError::Empty);
        }
        if let Some(bad) = collapsed.chars().find(|c| !allowed_name_char(*c)) {
            return Err(PersonNameError::InvalidChar(bad));
        }
        if !collapsed.chars().any(char::is_alphabetic) {
            return Err(PersonNameError::NoLetters);
        }
        let n = collapsed.chars().count();
        if n < Self::MIN_CHARS {
            return Err(PersonNameError::TooShort);
        }
        if n > Self::MAX_CHARS {
            return Err(PersonNameError::TooLong);
        }
        Ok(PersonName(collapsed))
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn allowed_name_char(c: char) -> bool {
    c.is_alphabetic()
        || matches!(c, ' ' | '\'' | '’' | '-' | '.')
        // Combining accents, for names typed in decomposed form (NFD).
        || ('\u{0300}'..='\u{036F}').contains(&c)
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// ---------------------------------------------------------------------------------------
// serde: values serialize as their string and deserialize through `parse`.

macro_rules! string_serde {
    ($ty:ty) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                <$ty>::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}
string_serde!(Dni);
string_serde!(Ruc);
string_serde!(Email);
string_serde!(PersonName);

impl Serialize for InstitutionalEmail {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    fn grc() -> Vec<String> {
        vec![DEFAULT_INSTITUTIONAL_DOMAIN.to_string()]
    }

    #[test]
    fn dni_10117410_has_check_digit_2_and_check_letter_g() {
        let dni = Dni::parse("10117410").unwrap();
        assert_eq!(dni.check_digit(), '2');
        assert_eq!(dni.check_letter(), 'G');
    }

    #[test]
    fn a_dni_is_exactly_eight_digits_after_trimming() {
        assert_eq!(Dni::parse(" 10117410\t").unwrap().as_str(), "10117410");
        assert_eq!(Dni::parse(""), Err(DniError::Empty));
        assert_eq!(Dni::parse("   "), Err(DniError::Empty));
        for bad in [
            "1011741",
            "101174100",
            "1011741O",
            "10.117.410",
            "1011 7410",
            "１０１１７４１０",
        ] {
            assert_eq!(Dni::parse(bad), Err(DniError::Format), "{bad}");
        }
        assert_eq!("10117410".parse::<Dni>().unwrap().to_string(), "10117410");
    }

    #[test]
    fn the_check_character_may_be_the_digit_or_the_letter_in_any_case() {
        for check in ["2", "G", "g", " G "] {
            assert!(
                Dni::parse_with_check("10117410", Some(check)).is_ok(),
                "{check}"
            );
        }
        assert!(Dni::parse_with_check("10117410", None).is_ok());
        assert!(Dni::parse_with_check("10117410", Some("  ")).is_ok());
    }

    #[test]
    fn a_wrong_check_character_is_told_apart_from_a_badly_typed_one() {
        assert_eq!(
            Dni::parse_with_check("10117410", Some("3")),
            Err(DniError::CheckMismatch)
        );
        assert_eq!(
            Dni::parse_with_check("10117410", Some("K")),
            Err(DniError::CheckMismatch)
        );
        assert_eq!(
            Dni::parse_with_check("10117410", Some("2G")),
            Err(DniError::CheckFormat)
        );
        assert_eq!(
            Dni::parse_with_check("10117410", Some("-")),
            Err(DniError::CheckFormat)
        );
        assert_eq!(
            Dni::parse_with_check("1011741", Some("2")),
            Err(DniError::Format)
        );
    }

    #[test]
    fn debug_output_never_shows_the_whole_dni() {
        let dni = Dni::parse("10117410").unwrap();
        let shown = format!("{dni:?}");
        assert_eq!(shown, "Dni(****7410)");
        assert!(!shown.contains("1011"));
    }

    #[test]
    fn dni_errors_tell_the_person_what_to_do() {
        assert!(DniError::Format.to_string().contains("8 dígitos"));
        assert!(DniError::CheckMismatch
            .to_string()
            .contains("no corresponde"));
        assert!(DniError::CheckFormat.to_string().contains("verificador"));
        assert!(DniError::Empty.to_string().contains("Ingrese"));
    }

    proptest! {
        #[test]
        fn every_dni_has_exactly_one_accepted_digit_and_one_accepted_letter(n in 0u32..100_000_000) {
            let dni = Dni::parse(&format!("{n:08}")).unwrap();
            let digits: Vec<char> = ('0'..='9').filter(|c| dni.accepts_check(*c)).collect();
            let letters: Vec<char> = ('A'..='Z').filter(|c| dni.accepts_check(*c)).collect();
            prop_assert_eq!(digits, vec![dni.check_digit()]);
            prop_assert_eq!(letters, vec![dni.check_letter()]);
            let lower = dni.check_letter().to_ascii_lowercase().to_string();
            prop_assert!(Dni::parse_with_check(dni.as_str(), Some(&lower)).is_ok());
        }

        #[test]
        fn any_eight_digit_string_is_a_dni_and_round_trips(s in "[0-9]{8}") {
            let dni = Dni::parse(&s).unwrap();
            prop_assert_eq!(dni.as_str(), s.as_str());
        }

        #[test]
        fn strings_that_are_not_eight_digits_are_never_dnis(s in "\\PC{0,12}") {
            let t = s.trim();
            let ok = t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit());
            prop_assert_eq!(Dni::parse(&s).is_ok(), ok);
        }

        #[test]
        fn a_valid_ruc_changed_in_its_last_digit_is_refused(body in "[0-9]{8}", prefix in 0usize..5, delta in 1u32..10) {
            let first_ten = format!("{}{body}", RUC_PREFIXES[prefix]);
            let digits: Vec<u32> = first_ten.bytes().map(|b| u32::from(b - b'0')).collect();
            let good = ruc_check_digit(&digits).unwrap();
            let good_ruc = format!("{}{}", first_ten, good);
            prop_assert!(Ruc::parse(&good_ruc).is_ok());
            let bad = (good + delta) % 10;
            prop_assert_eq!(Ruc::parse(&format!("{first_ten}{bad}")), Err(RucError::CheckDigit));
        }
    }

    #[test]
    fn real_rucs_are_accepted_with_their_check_digit() {
        // SUNAT itself, the Banco de la Nación, and the Gobierno Regional Cajamarca.
        for ruc in ["20131312955", "20100047218", "20453744168"] {
            assert_eq!(Ruc::parse(ruc).unwrap().as_str(), ruc);
        }
        // 2·5 + 0·4 + 1·3 + 3·2 + 1·7 + 3·6 + 1·5 + 2·4 + 9·3 + 5·2 = 94; 94 mod 11 = 6;
        // 11 − 6 = 5.
        assert_eq!(ruc_check_digit(&[2, 0, 1, 3, 1, 3, 1, 2, 9, 5]), Some(5));
        // Each of those with any other last digit is refused.
        for ruc in ["20131312955", "20100047218"] {
            for other in (0..10).filter(|d| *d != ruc.as_bytes()[10] - b'0') {
                let changed = format!("{}{other}", &ruc[..10]);
                assert_eq!(Ruc::parse(&changed), Err(RucError::CheckDigit), "{changed}");
            }
        }
    }

    #[test]
    fn a_remainder_giving_ten_or_eleven_maps_to_zero_or_one() {
        // Sum 0: 11 − 0 = 11 → 1.
        assert_eq!(ruc_check_digit(&[0; 10]), Some(1));
        // 1·5 + 0 … + 1·2 = 7 → 11 − 7 = 4; and 1·5 + 1·4 + 1·2 = 11 → 11 − 0 = 11 → 1;
        // 1·5 + 1·4 + 1·3 = 12 → 12 mod 11 = 1 → 11 − 1 = 10 → 0.
        assert_eq!(ruc_check_digit(&[1, 0, 0, 0, 0, 0, 0, 0, 0, 1]), Some(4));
        assert_eq!(ruc_check_digit(&[1, 1, 0, 0, 0, 0, 0, 0, 0, 1]), Some(1));
        assert_eq!(ruc_check_digit(&[1, 1, 1, 0, 0, 0, 0, 0, 0, 0]), Some(0));
        assert_eq!(ruc_check_digit(&[1, 2, 3]), None);
        assert_eq!(ruc_check_digit(&[10, 0, 0, 0, 0, 0, 0, 0, 0, 0]), None);
    }

    #[test]
    fn every_sunat_prefix_is_accepted_and_others_are_refused() {
        for prefix in ["10", "15", "16", "17", "20"] {
            let body: Vec<u32> = format!("{prefix}12345678")
                .bytes()
                .map(|b| u32::from(b - b'0'))
                .collect();
            let ruc = format!("{prefix}12345678{}", ruc_check_digit(&body).unwrap());
            assert!(Ruc::parse(&ruc).is_ok(), "{ruc}");
        }
        for prefix in ["11", "12", "18", "21", "30", "99"] {
            let ruc = format!("{prefix}123456789");
            assert_eq!(Ruc::parse(&ruc), Err(RucError::Prefix), "{ruc}");
        }
    }

    #[test]
    fn the_grc_ruc_20453744168_is_valid() {
        let ruc = Ruc::parse(" 20453744168 ").unwrap();
        assert_eq!(ruc.as_str(), "20453744168");
        assert_eq!(ruc.to_string(), "20453744168");
        assert_eq!("20453744168".parse::<Ruc>().unwrap(), ruc);
        assert_eq!(Ruc::grc(), ruc);
    }

    #[test]
    fn a_ruc_with_a_wrong_length_prefix_or_check_digit_is_refused() {
        assert_eq!(Ruc::parse("2045374416"), Err(RucError::Format));
        assert_eq!(Ruc::parse("2045374416A"), Err(RucError::Format));
        assert_eq!(Ruc::parse("30453744168"), Err(RucError::Prefix));
        assert_eq!(Ruc::parse("20453744169"), Err(RucError::CheckDigit));
        assert!(RucError::Prefix.to_string().contains("10, 15, 16, 17 o 20"));
        assert!(RucError::Format.to_string().contains("11 dígitos"));
        assert!(RucError::CheckDigit.to_string().contains("verificador"));
    }

    #[test]
    fn an_institutional_email_is_lower_cased_and_keeps_its_domain() {
        let e = InstitutionalEmail::parse(" Juan.Perez@RegionCajamarca.gob.pe ", &grc()).unwrap();
        assert_eq!(e.as_str(), "juan.perez@regioncajamarca.gob.pe");
        assert_eq!(e.domain(), "regioncajamarca.gob.pe");
        assert_eq!(e.as_email().local_part(), "juan.perez");
        assert_eq!(e.to_string(), e.as_str());
    }

    #[test]
    fn a_gmail_address_is_refused_by_name_with_the_institutional_domain_in_the_message() {
        let err = InstitutionalEmail::parse("juan@gmail.com", &grc()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "No se acepta correo personal (gmail.com). Use su correo institucional @regioncajamarca.gob.pe."
        );
    }

    #[test]
    fn every_listed_personal_provider_is_refused_as_personal() {
        for domain in PERSONAL_EMAIL_DOMAINS {
            let err = InstitutionalEmail::parse(&format!("ana@{domain}"), &grc()).unwrap_err();
            assert!(matches!(err, EmailError::Personal { .. }), "{domain}");
        }
    }

    #[test]
    fn another_domain_is_refused_as_not_institutional_naming_all_configured_domains() {
        let domains = vec![
            "regioncajamarca.gob.pe".to_string(),
            "@DRE-Cajamarca.gob.pe".to_string(),
            "  ".to_string(),
            "hospital.gob.pe".to_string(),
        ];
        let err = InstitutionalEmail::parse("ana@empresa.com.pe", &domains).unwrap_err();
        assert_eq!(
            err.to_string(),
            "El dominio empresa.com.pe no es un dominio institucional. Use su correo institucional \
             @regioncajamarca.gob.pe, @dre-cajamarca.gob.pe o @hospital.gob.pe."
        );
        assert!(InstitutionalEmail::parse("ana@dre-cajamarca.gob.pe", &domains).is_ok());
        let two = vec!["a.gob.pe".to_string(), "b.gob.pe".to_string()];
        let err = InstitutionalEmail::parse("x@yahoo.es", &two).unwrap_err();
        assert!(err.to_string().ends_with("@a.gob.pe o @b.gob.pe."));
    }

    #[test]
    fn subdomains_of_an_institutional_domain_are_not_institutional() {
        let err = InstitutionalEmail::parse("ana@sub.regioncajamarca.gob.pe", &grc()).unwrap_err();
        assert!(matches!(err, EmailError::NotInstitutional { .. }));
    }

    #[test]
    fn an_empty_domain_list_means_the_default_domain() {
        assert!(InstitutionalEmail::parse("ana@regioncajamarca.gob.pe", &[]).is_ok());
        let err = InstitutionalEmail::parse("ana@gmail.com", &[]).unwrap_err();
        assert!(err.to_string().contains("@regioncajamarca.gob.pe"));
    }

    #[test]
    fn a_configured_domain_wins_over_the_personal_list() {
        let domains = vec!["gmail.com".to_string()];
        assert!(InstitutionalEmail::parse("ana@gmail.com", &domains).is_ok());
    }

    #[test]
    fn malformed_addresses_are_refused_before_the_domain_is_looked_at() {
        assert_eq!(Email::parse("  "), Err(EmailError::Empty));
        for bad in [
            "ana",
            "@regioncajamarca.gob.pe",
            "ana@",
            "ana@@regioncajamarca.gob.pe",
            "ana@b@regioncajamarca.gob.pe",
            "ana perez@regioncajamarca.gob.pe",
            "ana@localhost",
            "ana@regioncajamarca..gob.pe",
            "ana@-regioncajamarca.gob.pe",
            "ana@regioncajamarca-.gob.pe",
            "ana@región.gob.pe",
            "ana\u{0}@x.pe",
        ] {
            assert_eq!(
                InstitutionalEmail::parse(bad, &grc()),
                Err(EmailError::Syntax),
                "{bad}"
            );
        }
        let long_local = format!("{}@regioncajamarca.gob.pe", "a".repeat(65));
        assert_eq!(Email::parse(&long_local), Err(EmailError::Syntax));
        let long_all = format!("a@{}.pe", "b".repeat(260));
        assert_eq!(Email::parse(&long_all), Err(EmailError::Syntax));
        assert!(EmailError::Syntax.to_string().contains("nombre@dominio"));
        assert!(EmailError::Empty.to_string().contains("Ingrese"));
    }

    #[test]
    fn a_plain_email_only_checks_syntax() {
        let e = Email::parse("Ana@Gmail.com").unwrap();
        assert_eq!(e.as_str(), "ana@gmail.com");
        assert_eq!(e.domain(), "gmail.com");
        assert_eq!(e.to_string(), "ana@gmail.com");
    }

    #[test]
    fn person_names_are_trimmed_and_their_spaces_collapsed() {
        let n = PersonName::parse("  María   José\tÑahui  O'Brien-Quispe Jr. ").unwrap();
        assert_eq!(n.as_str(), "María José Ñahui O'Brien-Quispe Jr.");
        assert_eq!(n.to_string(), n.as_str());
    }

    #[test]
    fn person_names_accept_decomposed_accents_and_curly_apostrophes() {
        assert!(PersonName::parse("Jose\u{301} D’Angelo").is_ok());
    }

    #[test]
    fn person_names_refuse_digits_symbols_and_bad_lengths() {
        assert_eq!(PersonName::parse("   "), Err(PersonNameError::Empty));
        assert_eq!(PersonName::parse("A"), Err(PersonNameError::TooShort));
        assert_eq!(
            PersonName::parse("Ana2"),
            Err(PersonNameError::InvalidChar('2'))
        );
        assert_eq!(
            PersonName::parse("Ana@x"),
            Err(PersonNameError::InvalidChar('@'))
        );
        assert_eq!(PersonName::parse("--"), Err(PersonNameError::NoLetters));
        assert!(PersonName::parse(&"a".repeat(120)).is_ok());
        assert_eq!(
            PersonName::parse(&"a".repeat(121)),
            Err(PersonNameError::TooLong)
        );
        assert!(PersonNameError::InvalidChar('2')
            .to_string()
            .contains("«2»"));
        for e in [
            PersonNameError::Empty,
            PersonNameError::TooShort,
            PersonNameError::TooLong,
            PersonNameError::NoLetters,
        ] {
            assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn identity_values_serialize_as_strings_and_deserialize_through_parse() {
        let dni: Dni = serde_json::from_str("\"10117410\"").unwrap();
        assert_eq!(serde_json::to_string(&dni).unwrap(), "\"10117410\"");
        assert!(serde_json::from_str::<Dni>("\"123\"").is_err());
        let ruc: Ruc = serde_json::from_str("\"20453744168\"").unwrap();
        assert_eq!(serde_json::to_string(&ruc).unwrap(), "\"20453744168\"");
        let e: Email = serde_json::from_str("\"A@B.pe\"").unwrap();
        assert_eq!(serde_json::to_string(&e).unwrap(), "\"a@b.pe\"");
        let n: PersonName = serde_json::from_str("\" Ana  Díaz \"").unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"Ana Díaz\"");
        let ie = InstitutionalEmail::parse("a@regioncajamarca.gob.pe", &grc()).unwrap();
        assert_eq!(
            serde_json::to_string(&ie).unwrap(),
            "\"a@regioncajamarca.gob.pe\""
        );
    }
}
