//! Payment receipts (SPEC.md "Payment receipts"): the rules a constancia de pago must meet
//! — amount, tribute code, payer's DNI, channel — and the settings that define them.
//!
//! Whether an operation number was already used is a question for the store (a unique
//! index); this module normalises the number so that the index compares like with like.
//! Pure: no I/O.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::identity::{Dni, Ruc};
use crate::money::Money;
use crate::validation::{parse_past_date, FieldErrors};
use crate::word::words;

/// Default tribute code at Banco de la Nación.
pub const DEFAULT_TRIBUTE_CODE: &str = "00529";
/// What the default tribute code is called.
pub const DEFAULT_TRIBUTE_NAME: &str = "Tasa Emisión de Certificados Digitales para Suscriptor";
/// The reference customer's RUC (Gobierno Regional Cajamarca).
pub const DEFAULT_RUC: &str = "20453744168";

words! {
    /// Where the fee was paid.
    #[strum(serialize_all = "lowercase")]
    pub enum PaymentChannel: "el canal de pago" {
        /// Banco de la Nación counter.
        #[serde(rename = "ventanilla")]
        Ventanilla,
        /// Authorised agent.
        #[serde(rename = "agente")]
        Agente,
        /// www.pagalo.pe.
        #[serde(rename = "pagalo.pe")]
        #[strum(serialize = "pagalo.pe")]
        PagaloPe,
    }
    aliases { "pagalo_pe" => PagaloPe, "pagalope" => PagaloPe, "págalo.pe" => PagaloPe }
}

impl PaymentChannel {
    /// Spanish label.
    pub fn label(&self) -> &'static str {
        match self {
            PaymentChannel::Ventanilla => "Ventanilla del Banco de la Nación",
            PaymentChannel::Agente => "Agente autorizado del Banco de la Nación",
            PaymentChannel::PagaloPe => "Págalo.pe",
        }
    }
}

/// The rules a receipt must meet (admin settings; defaults from SPEC.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentRules {
    /// The fee.
    pub fee: Money,
    /// Tribute code, 5 digits.
    pub tribute_code: String,
    /// The entity's RUC.
    pub ruc: Ruc,
}

impl Default for PaymentRules {
    fn default() -> Self {
        PaymentRules {
            fee: Money::DEFAULT_FEE,
            tribute_code: DEFAULT_TRIBUTE_CODE.to_string(),
            ruc: Ruc::grc(),
        }
    }
}

/// Why a tribute code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("El código de tributo tiene 5 dígitos, por ejemplo 00529.")]
pub struct TributeCodeError;

/// Checks a tribute code: exactly 5 digits.
pub fn parse_tribute_code(s: &str) -> Result<String, TributeCodeError> {
    let s = s.trim();
    if s.len() == 5 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_string())
    } else {
        Err(TributeCodeError)
    }
}

impl PaymentRules {
    /// Validates the admin's settings form (`fee`, `tribute_code`, `ruc`); refuses an
    /// invalid RUC, as SPEC.md requires.
    pub fn parse(fee: &str, tribute_code: &str, ruc: &str) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let fee = e.check("fee", Money::parse(fee));
        if fee == Some(Money::ZERO) {
            e.add("fee", "La tasa debe ser mayor que cero.");
        }
        let tribute_code = e.check("tribute_code", parse_tribute_code(tribute_code));
        let ruc = e.check("ruc", Ruc::parse(ruc));
        match (fee, tribute_code, ruc) {
            (Some(fee), Some(tribute_code), Some(ruc)) if e.is_empty() => Ok(PaymentRules {
                fee,
                tribute_code,
                ruc,
            }),
            _ => Err(e),
        }
    }
}

/// Why an operation number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OperationNumberError {
    /// Blank.
    #[error("Ingrese el número de operación que figura en la constancia.")]
    Empty,
    /// Wrong characters or length.
    #[error("El número de operación tiene entre 4 y 20 dígitos o letras; cópielo tal como figura en la constancia.")]
    Format,
}

/// Normalises an operation number for storage and the uniqueness check: spaces and hyphens
/// removed, letters upper-cased; 4 to 20 ASCII letters or digits. Leading zeros are kept
/// (they are part of what the bank printed).
pub fn normalize_operation_number(s: &str) -> Result<String, OperationNumberError> {
    let n: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_uppercase();
    if n.is_empty() {
        return Err(OperationNumberError::Empty);
    }
    if !(4..=20).contains(&n.len()) || !n.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(OperationNumberError::Format);
    }
    Ok(n)
}

/// The receipt form as typed (multipart fields of CONTRACT.md; the file is handled apart).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PaymentInput {
    /// Operation number printed on the receipt.
    pub operation_number: String,
    /// Payment date, `YYYY-MM-DD`.
    pub paid_on: String,
    /// Amount, `8.10`.
    pub amount: String,
    /// Tribute code.
    pub tribute_code: String,
    /// Payer's DNI.
    pub payer_dni: String,
    /// `ventanilla`, `agente` or `pagalo.pe`.
    pub channel: String,
}

/// A receipt whose every field meets the rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidPayment {
    /// Normalised operation number.
    pub operation_number: String,
    /// Payment date (not after today).
    pub paid_on: Date,
    /// Equal to the configured fee.
    pub amount: Money,
    /// Equal to the configured tribute code.
    pub tribute_code: String,
    /// Payer's DNI.
    pub payer_dni: Dni,
    /// Channel.
    pub channel: PaymentChannel,
}

impl PaymentInput {
    /// Checks every field against `rules`; errors are keyed by the input's field names.
    pub fn validate(&self, rules: &PaymentRules, today: Date) -> Result<ValidPayment, FieldErrors> {
        let mut e = FieldErrors::new();
        let operation_number = e.check(
            "operation_number",
            normalize_operation_number(&self.operation_number),
        );
        let paid_on = e.check("paid_on", parse_past_date(&self.paid_on, today));
        let amount = e.check("amount", Money::parse(&self.amount));
        if let Some(a) = amount.filter(|a| *a != rules.fee) {
            e.add(
                "amount",
                format!(
                    "El monto pagado ({}) no corresponde a la tasa vigente de {}.",
                    a.soles(),
                    rules.fee.soles()
                ),
            );
        }
        let tribute_code = e.check("tribute_code", parse_tribute_code(&self.tribute_code));
        if tribute_code
            .as_ref()
            .is_some_and(|c| *c != rules.tribute_code)
        {
            e.add(
                "tribute_code",
                format!(
                    "El código de tributo debe ser {}. Verifique la constancia de pago.",
                    rules.tribute_code
                ),
            );
        }
        let payer_dni = e.check("payer_dni", Dni::parse(&self.payer_dni));
        let channel = e.check("channel", self.channel.parse::<PaymentChannel>());
        match (
            operation_number,
            paid_on,
            amount,
            tribute_code,
            payer_dni,
            channel,
        ) {
            (
                Some(operation_number),
                Some(paid_on),
                Some(amount),
                Some(tribute_code),
                Some(payer_dni),
                Some(channel),
            ) if e.is_empty() => Ok(ValidPayment {
                operation_number,
                paid_on,
                amount,
                tribute_code,
                payer_dni,
                channel,
            }),
            _ => Err(e),
        }
    }
}

/// The message shown when an operation number was already used (the store detects it).
pub const OPERATION_NUMBER_REUSED: &str =
    "Este número de operación ya fue registrado. Cada constancia de pago se usa una sola vez.";

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use jiff::civil::date;

    fn good() -> PaymentInput {
        PaymentInput {
            operation_number: " 1234-567 ".into(),
            paid_on: "2026-11-20".into(),
            amount: "8.1".into(),
            tribute_code: "00529".into(),
            payer_dni: "10117410".into(),
            channel: "pagalo.pe".into(),
        }
    }

    #[test]
    fn the_default_rules_are_the_grc_fee_tribute_and_ruc() {
        let r = PaymentRules::default();
        assert_eq!(r.fee.soles(), "S/ 8.10");
        assert_eq!(r.tribute_code, "00529");
        assert_eq!(r.ruc.as_str(), "20453744168");
        assert_eq!(Ruc::parse(DEFAULT_RUC).unwrap(), r.ruc);
    }

    #[test]
    fn a_correct_receipt_is_accepted_and_normalised() {
        let p = good()
            .validate(&PaymentRules::default(), date(2026, 11, 27))
            .unwrap();
        assert_eq!(p.operation_number, "1234567");
        assert_eq!(p.amount, Money::DEFAULT_FEE);
        assert_eq!(p.channel, PaymentChannel::PagaloPe);
        assert_eq!(p.paid_on, date(2026, 11, 20));
    }

    #[test]
    fn a_wrong_amount_or_tribute_code_is_explained() {
        let input = PaymentInput {
            amount: "8.00".into(),
            tribute_code: "00530".into(),
            ..good()
        };
        let e = input
            .validate(&PaymentRules::default(), date(2026, 11, 27))
            .unwrap_err();
        assert_eq!(
            e.get("amount").unwrap(),
            ["El monto pagado (S/ 8.00) no corresponde a la tasa vigente de S/ 8.10."]
        );
        assert!(e.get("tribute_code").unwrap()[0].contains("00529"));
    }

    #[test]
    fn an_empty_receipt_lists_every_field() {
        let e = PaymentInput::default()
            .validate(&PaymentRules::default(), date(2026, 11, 27))
            .unwrap_err();
        let fields: Vec<&str> = e.iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                "amount",
                "channel",
                "operation_number",
                "paid_on",
                "payer_dni",
                "tribute_code"
            ]
        );
    }

    #[test]
    fn a_receipt_dated_tomorrow_is_refused() {
        let input = PaymentInput {
            paid_on: "2026-11-28".into(),
            ..good()
        };
        let e = input
            .validate(&PaymentRules::default(), date(2026, 11, 27))
            .unwrap_err();
        assert!(e.contains("paid_on"));
    }

    #[test]
    fn operation_numbers_are_normalised_for_the_uniqueness_check() {
        assert_eq!(
            normalize_operation_number("00 12-34ab").unwrap(),
            "001234AB"
        );
        assert_eq!(
            normalize_operation_number("  "),
            Err(OperationNumberError::Empty)
        );
        assert_eq!(
            normalize_operation_number("123"),
            Err(OperationNumberError::Format)
        );
        assert_eq!(
            normalize_operation_number("12#45"),
            Err(OperationNumberError::Format)
        );
        assert_eq!(
            normalize_operation_number(&"1".repeat(21)),
            Err(OperationNumberError::Format)
        );
        assert!(!OPERATION_NUMBER_REUSED.is_empty());
    }

    #[test]
    fn channels_use_the_words_of_the_spec() {
        for &c in PaymentChannel::ALL {
            assert_eq!(c.as_str().parse::<PaymentChannel>().unwrap(), c);
            assert_eq!(c.to_string(), c.as_str());
            assert_eq!(serde_json::to_string(&c).unwrap(), format!("\"{c}\""));
            assert!(!c.label().is_empty());
        }
        assert_eq!(
            "Pagalo_PE".parse::<PaymentChannel>().unwrap(),
            PaymentChannel::PagaloPe
        );
        let err = "banco".parse::<PaymentChannel>().unwrap_err();
        assert!(err.to_string().contains("ventanilla, agente o pagalo.pe"));
    }

    #[test]
    fn settings_refuse_an_invalid_ruc_a_zero_fee_and_a_bad_tribute_code() {
        let ok = PaymentRules::parse("8.10", "00529", "20453744168").unwrap();
        assert_eq!(ok, PaymentRules::default());
        let e = PaymentRules::parse("0", "529", "20453744169").unwrap_err();
        assert_eq!(e.len(), 3);
        assert!(e.get("ruc").unwrap()[0].contains("verificador"));
        assert!(e.get("fee").unwrap()[0].contains("mayor que cero"));
        assert!(e.get("tribute_code").unwrap()[0].contains("5 dígitos"));
    }
}
