//! The new-ticket wizard, one step per page, following the entity's procedure:
//! 1. kind and reason (and the certificate, for instalación and cancelación)
//!    `/tramites/nuevo` ([`kind`]), 2. payment receipts `/tramites/{id}/pagos`, only when the
//!    reason requires payment ([`payments`]), 3. applicants `/tramites/{id}/solicitantes`
//!    ([`applicants`]), 4. review and send `/tramites/{id}/enviar` ([`send`]).
//!
//! Works without JavaScript: choosing the kind is a GET form (`?tipo=`), and every other
//! step is a plain POST that redirects (or re-renders with its errors, keeping what was
//! typed). The rules are in `app::tickets` and `domain`; this module only presents them.
//! Each step page reads its ticket in one snapshot (`app::tickets::view`).

pub mod applicants;
pub mod kind;
pub mod payments;
pub mod send;

use domain::{
    payment::{PaymentRules, DEFAULT_TRIBUTE_CODE, DEFAULT_TRIBUTE_NAME},
    ticket::{Kind, Reason},
};

use crate::{
    app::tickets as uc,
    web::{error::PageResult, extract::SignedIn, WebState},
};

// ---------------------------------------------------------------------------------------
// The step indicator

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StepId {
    Kind,
    Payments,
    Applicants,
    Send,
}

pub(super) struct Step {
    pub number: usize,
    pub label: &'static str,
    /// `hecho`, `actual`, `pendiente` or `omitido` (CSS class and, for `omitido`, a note).
    pub state: &'static str,
    /// A link back to a step already reached.
    pub href: Option<String>,
}

pub(super) struct Steps {
    pub current: usize,
    pub total: usize,
    pub title: &'static str,
    pub items: Vec<Step>,
}

fn step_label(step: StepId, kind: Option<Kind>) -> &'static str {
    match step {
        StepId::Kind if kind.is_some_and(|k| k.names_certificate()) => "Tipo, motivo y certificado",
        StepId::Kind => "Tipo y motivo",
        StepId::Payments => "Constancia de pago",
        StepId::Applicants => "Solicitantes",
        StepId::Send => "Revisar y enviar",
    }
}

/// What is already on the ticket, to tell a step really done from one merely passed.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Progress {
    pub payments: usize,
    pub applicants: usize,
}

impl Progress {
    fn of(view: &uc::TicketView) -> Self {
        Self {
            payments: view.payments.len(),
            applicants: view.applicants.len(),
        }
    }
}

/// The steps of the wizard for a ticket of `kind` with `reason` (both unknown at first).
pub(super) fn steps(
    kind: Option<Kind>,
    reason: Option<Reason>,
    ticket_id: Option<domain::ids::TicketId>,
    current: StepId,
    progress: Progress,
) -> Steps {
    let ids: &[StepId] = if kind.is_some_and(|k| k.names_certificate()) {
        &[StepId::Kind, StepId::Send]
    } else {
        &[
            StepId::Kind,
            StepId::Payments,
            StepId::Applicants,
            StepId::Send,
        ]
    };
    let current_index = ids.iter().position(|s| *s == current).unwrap_or(0);
    let items = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let skipped = *id == StepId::Payments && reason.is_some_and(|r| !r.requires_payment());
            let done = match id {
                StepId::Kind => ticket_id.is_some(),
                StepId::Payments => progress.payments > 0,
                StepId::Applicants => progress.applicants > 0,
                StepId::Send => false,
            };
            let state = if skipped {
                "omitido"
            } else if i == current_index {
                "actual"
            } else if done {
                "hecho"
            } else {
                "pendiente"
            };
            let href = match (ticket_id, id) {
                (Some(t), StepId::Payments) if !skipped && i != current_index => {
                    Some(format!("/tramites/{t}/pagos"))
                }
                (Some(t), StepId::Applicants) if i != current_index => {
                    Some(format!("/tramites/{t}/solicitantes"))
                }
                (Some(t), StepId::Send) if i != current_index => {
                    Some(format!("/tramites/{t}/enviar"))
                }
                _ => None,
            };
            Step {
                number: i + 1,
                label: step_label(*id, kind),
                state,
                href,
            }
        })
        .collect();
    Steps {
        current: current_index + 1,
        total: ids.len(),
        title: step_label(current, kind),
        items,
    }
}

/// The payment rules as the pages show them.
pub(in crate::web::pages) struct RulesView {
    /// `S/ 8.10`.
    pub fee: String,
    /// `8.10`.
    pub fee_plain: String,
    pub tribute_code: String,
    /// The tribute's name, when the code is the one we know the name of.
    pub tribute_name: Option<&'static str>,
    pub ruc: String,
}

impl From<&PaymentRules> for RulesView {
    fn from(r: &PaymentRules) -> Self {
        Self {
            fee: r.fee.soles(),
            fee_plain: r.fee.to_string(),
            tribute_name: (r.tribute_code == DEFAULT_TRIBUTE_CODE).then_some(DEFAULT_TRIBUTE_NAME),
            tribute_code: r.tribute_code.clone(),
            ruc: r.ruc.as_str().to_owned(),
        }
    }
}

/// The ticket behind a step page, if its owner may still edit it. Anything else goes to
/// the ticket page (which says why), or to the 404 page for someone else's ticket.
async fn editable_view(
    state: &WebState,
    me: &SignedIn,
    id: domain::ids::TicketId,
) -> PageResult<uc::TicketView> {
    let view = uc::view(&state.app, me.user(), id).await?;
    if view.ticket.requester_id != me.user().id || !view.ticket.status.is_editable() {
        return Err(crate::web::error::PageError::elsewhere(format!(
            "/tramites/{}",
            view.ticket.id
        )));
    }
    Ok(view)
}

/// The step that follows the first one for a new ticket.
fn after_opening(kind: Kind, reason: Reason, id: domain::ids::TicketId) -> String {
    if reason.requires_payment() {
        format!("/tramites/{id}/pagos")
    } else if kind.has_applicants() {
        format!("/tramites/{id}/solicitantes")
    } else {
        format!("/tramites/{id}/enviar")
    }
}

/// A form with nothing but its CSRF token (remove, send).
#[derive(serde::Deserialize)]
pub struct Empty {}

#[cfg(test)]
mod tests {
    use super::*;

    fn states(s: &Steps) -> Vec<&'static str> {
        s.items.iter().map(|i| i.state).collect()
    }

    const T1: &str = "0192f0c4-7e2a-7cc0-8a7e-6c1f0f6f2b11";

    fn t1() -> Option<domain::ids::TicketId> {
        Some(T1.parse().unwrap())
    }

    #[test]
    fn a_paid_emission_has_four_steps_and_marks_only_what_is_done() {
        let reason = Reason::parse(Kind::Emision, Some("c")).unwrap();
        let s = steps(
            Some(Kind::Emision),
            Some(reason),
            t1(),
            StepId::Applicants,
            Progress {
                payments: 1,
                applicants: 0,
            },
        );
        assert_eq!((s.current, s.total, s.title), (3, 4, "Solicitantes"));
        assert_eq!(states(&s), ["hecho", "hecho", "actual", "pendiente"]);
        assert_eq!(
            s.items[1].href.as_deref(),
            Some(format!("/tramites/{T1}/pagos").as_str())
        );
        assert_eq!(s.items[2].href, None);
    }

    #[test]
    fn a_free_reason_skips_the_payment_step_and_installation_has_two_steps() {
        let reason = Reason::parse(Kind::Reemision, Some("a")).unwrap();
        let s = steps(
            Some(Kind::Reemision),
            Some(reason),
            t1(),
            StepId::Send,
            Progress::default(),
        );
        assert_eq!(states(&s), ["hecho", "omitido", "pendiente", "actual"]);
        assert_eq!(s.items[1].href, None);
        let s = steps(
            Some(Kind::Instalacion),
            Some(Reason::instalacion()),
            None,
            StepId::Kind,
            Progress::default(),
        );
        assert_eq!((s.current, s.total), (1, 2));
        assert_eq!(s.title, "Tipo, motivo y certificado");
    }
}
