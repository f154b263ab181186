//! Money and the payment form on arbitrary text: never a panic or an overflow, an accepted
//! amount prints back to itself, and a receipt is only valid when every field is.
#![no_main]

use domain::money::Money;
use domain::payment::{normalize_operation_number, parse_tribute_code, PaymentInput, PaymentRules};
use domain::validation::{parse_date, parse_past_date};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    if let Ok(money) = Money::parse(&text) {
        assert!(money.centimos() >= 0);
        assert_eq!(Money::parse(&money.to_string()), Ok(money));
        assert!(money.soles().starts_with("S/ "));
    }
    if let Ok(n) = normalize_operation_number(&text) {
        assert!((4..=20).contains(&n.len()));
        assert_eq!(normalize_operation_number(&n), Ok(n.clone()));
    }
    if let Ok(code) = parse_tribute_code(&text) {
        assert_eq!(code.len(), 5);
    }
    let today = jiff::civil::date(2026, 5, 4);
    let _ = parse_date(&text);
    if let Ok(date) = parse_past_date(&text, today) {
        assert!(date <= today);
    }

    // The receipt form and the admin's payment settings, one field a line.
    let mut lines = text.split('\n').map(str::to_owned);
    let mut next = || lines.next().unwrap_or_default();
    let input = PaymentInput {
        operation_number: next(),
        paid_on: next(),
        amount: next(),
        tribute_code: next(),
        payer_dni: next(),
        channel: next(),
    };
    let rules = PaymentRules::default();
    if let Ok(valid) = input.validate(&rules, today) {
        assert_eq!(valid.amount, rules.fee);
        assert_eq!(valid.tribute_code, rules.tribute_code);
        assert!(valid.paid_on <= today);
    }
    let (fee, code, ruc) = (next(), next(), next());
    if let Ok(rules) = PaymentRules::parse(&fee, &code, &ruc) {
        assert!(rules.fee > Money::ZERO);
        let _ = input.validate(&rules, today);
    }
});
