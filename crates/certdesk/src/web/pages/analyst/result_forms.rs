//! What the review page and the batch page share: a form field shown again with what was
//! typed and its errors, and the forms that record RENIEC's result for one applicant.

use std::collections::HashMap;

use domain::{ids::ApplicantId, validation::FieldErrors};

use crate::app::registry::ReniecResult;

/// One form field: its element id, what was typed, and its errors.
#[derive(Default)]
pub(super) struct Field {
    pub(super) id: String,
    pub(super) value: String,
    pub(super) errors: Vec<String>,
}

/// What the last POST left to show: errors keyed by element id, what was typed, a conflict.
#[derive(Default)]
pub(super) struct Feedback {
    pub(super) errors: FieldErrors,
    pub(super) values: HashMap<String, String>,
    pub(super) alert: Option<String>,
}

impl Feedback {
    pub(super) fn field(&self, id: &str) -> Field {
        Field {
            id: id.to_owned(),
            value: self.values.get(id).cloned().unwrap_or_default(),
            errors: self
                .errors
                .get(id)
                .map(<[String]>::to_vec)
                .unwrap_or_default(),
        }
    }
}

/// RENIEC's result, one form for "aprobado" and one for "rechazado".
pub(super) struct ResultForms {
    pub(super) general: Field,
    pub(super) delivery: Field,
    pub(super) reason: Field,
}

impl ResultForms {
    /// The forms for one applicant, with what the last POST left for them.
    pub(super) fn new(feedback: &Feedback, applicant_id: ApplicantId) -> Self {
        ResultForms {
            general: feedback.field(&format!("form-resultado-{applicant_id}")),
            delivery: feedback.field(&format!("entrega-{applicant_id}")),
            reason: feedback.field(&format!("motivo-reniec-{applicant_id}")),
        }
    }
}

/// Either result form, as posted.
#[derive(serde::Deserialize)]
pub struct ResultForm {
    #[serde(default)]
    resultado: String,
    #[serde(default)]
    delivery_sent_on: String,
    #[serde(default)]
    reason: String,
}

impl ResultForm {
    /// The result it records, and what was typed keyed by element id (to show it again).
    pub(super) fn into_result(
        self,
        applicant_id: ApplicantId,
    ) -> (ReniecResult, Vec<(String, String)>) {
        let result = match self.resultado.as_str() {
            "aprobado" => ReniecResult::Approved {
                delivery_sent_on: self.delivery_sent_on.clone(),
            },
            _ => ReniecResult::Rejected {
                reason: self.reason.clone(),
            },
        };
        let values = vec![
            (format!("entrega-{applicant_id}"), self.delivery_sent_on),
            (format!("motivo-reniec-{applicant_id}"), self.reason),
        ];
        (result, values)
    }
}
