//! The identity parsers (DNI and its check character, RUC, e-mail, institutional e-mail,
//! person names, phones) on arbitrary text: they never panic, and whatever they accept is
//! already normal (parsing it again gives the same value).
#![no_main]

use domain::identity::{ruc_check_digit, Dni, Email, InstitutionalEmail, PersonName, Ruc};
use domain::phone::PhoneNumber;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // A second value (the check character, the allowed domains) after the first newline.
    let (first, second) = text.split_once('\n').unwrap_or((&text, ""));

    for input in [&*text, first, second] {
        if let Ok(dni) = Dni::parse(input) {
            assert_eq!(dni.as_str().len(), 8);
            assert_eq!(Dni::parse(dni.as_str()), Ok(dni.clone()));
            assert!(dni.accepts_check(dni.check_digit()));
            assert!(dni.accepts_check(dni.check_letter()));
            assert!(dni.masked().ends_with(&dni.as_str()[4..]));
        }
        if let Ok(ruc) = Ruc::parse(input) {
            assert_eq!(Ruc::parse(ruc.as_str()), Ok(ruc.clone()));
        }
        if let Ok(email) = Email::parse(input) {
            assert_eq!(Email::parse(email.as_str()), Ok(email.clone()));
            assert_eq!(
                format!("{}@{}", email.local_part(), email.domain()),
                email.as_str()
            );
        }
        if let Ok(name) = PersonName::parse(input) {
            assert_eq!(PersonName::parse(name.as_str()), Ok(name.clone()));
            let n = name.as_str().chars().count();
            assert!((PersonName::MIN_CHARS..=PersonName::MAX_CHARS).contains(&n));
        }
        if let Ok(phone) = PhoneNumber::parse(input) {
            assert_eq!(PhoneNumber::parse(phone.as_str()).ok(), Some(phone.clone()));
            let _ = phone.international();
        }
    }

    let _ = Dni::parse_with_check(first, Some(second));
    let domains: Vec<String> = second.split(',').map(str::to_owned).collect();
    if let Ok(email) = InstitutionalEmail::parse(first, &domains) {
        assert_eq!(
            Email::parse(email.as_str()).ok().as_ref(),
            Some(email.as_email())
        );
    } else if let Err(err) = InstitutionalEmail::parse(first, &domains) {
        let _ = err.to_string();
    }

    let digits: Vec<u32> = data.iter().map(|b| u32::from(*b)).collect();
    if let Some(d) = ruc_check_digit(&digits) {
        assert!(d <= 9);
    }
});
