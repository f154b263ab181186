//! Step 4: review and send. What is missing is listed with a link to the step that fixes it.

use askama::Template;
use axum::extract::State;
use domain::{ids::TicketId, ticket::Status};

use super::{editable_view, steps, Empty, Progress, StepId, Steps};
use crate::web::pages::{render_form, see_other};
use crate::{
    app::{schedule, tickets as uc, AppError},
    web::{
        error::PageResult,
        extract::{CsrfForm, Id, SignedIn},
        pages::{
            certificates::describe,
            tickets::{observation, ApplicantRow, PaymentRow, TicketHead},
            Layout,
        },
        WebState,
    },
};

/// Why sending failed, and the step that fixes it.
struct SendProblem {
    message: String,
    fix_href: String,
    fix_label: &'static str,
}

#[derive(Template)]
#[template(path = "ticket_submit.html")]
struct SubmitPage {
    layout: Layout,
    observation: Option<String>,
    steps: Steps,
    head: TicketHead,
    has_applicants: bool,
    requires_payment: bool,
    applicants: Vec<ApplicantRow>,
    payments: Vec<PaymentRow>,
    certificate: Option<String>,
    problems: Vec<SendProblem>,
    resubmission: bool,
    next_dispatch: Option<String>,
    cutoff: String,
}

async fn submit_page(
    state: &WebState,
    me: &SignedIn,
    view: &uc::TicketView,
    problems: Vec<SendProblem>,
) -> PageResult {
    let t = &view.ticket;
    let times = schedule::batch_times(&state.app, &me.viewer.settings).await?;
    let page = SubmitPage {
        observation: observation(view),
        layout: Layout::new(
            format!("Revisar y enviar · {}", t.number),
            Some(&me.viewer),
            "/tramites",
        ),
        steps: steps(
            Some(t.kind),
            Some(t.reason),
            Some(t.id),
            StepId::Send,
            Progress::of(view),
        ),
        head: t.into(),
        has_applicants: t.kind.has_applicants(),
        requires_payment: t.reason.requires_payment(),
        applicants: ApplicantRow::all(view),
        payments: PaymentRow::all(view),
        certificate: view.certificate.as_ref().map(describe),
        problems,
        resubmission: t.status == Status::Observado,
        next_dispatch: t.kind.has_applicants().then_some(times.next),
        cutoff: times.every,
    };
    Ok(render_form(!page.problems.is_empty(), &page))
}

pub async fn submit_form(
    State(state): State<WebState>,
    me: SignedIn,
    Id(id): Id<TicketId>,
) -> PageResult {
    let view = editable_view(&state, &me, id).await?;
    submit_page(&state, &me, &view, Vec::new()).await
}

pub async fn submit(
    State(state): State<WebState>,
    me: SignedIn,
    Id(id): Id<TicketId>,
    _form: CsrfForm<Empty>,
) -> PageResult {
    match uc::submit(&state.app, me.user(), id).await {
        Ok(view) => {
            let notice = if view.ticket.kind.has_applicants() {
                "enviado"
            } else {
                "enviado-otro"
            };
            see_other(format!("/tramites/{}?aviso={notice}", view.ticket.id))
        }
        Err(AppError::Validation(errors)) => {
            let view = editable_view(&state, &me, id).await?;
            let t = &view.ticket;
            let problems = errors
                .iter()
                .flat_map(|(field, messages)| {
                    let (fix_href, fix_label) = match field {
                        "applicants" => (
                            format!("/tramites/{}/solicitantes", t.id),
                            "Ir a «Solicitantes»",
                        ),
                        "payments" => (
                            format!("/tramites/{}/pagos", t.id),
                            "Ir a «Constancia de pago»",
                        ),
                        "certificate_id" => {
                            ("/tramites/nuevo".to_owned(), "Empezar un trámite nuevo")
                        }
                        _ => (format!("/tramites/{}", t.id), "Ver el trámite"),
                    };
                    messages.iter().map(move |m| SendProblem {
                        message: m.clone(),
                        fix_href: fix_href.clone(),
                        fix_label,
                    })
                })
                .collect();
            submit_page(&state, &me, &view, problems).await
        }
        // Sent twice (a double click) or moved meanwhile: the ticket page says where it is.
        Err(AppError::Conflict(_)) => see_other(format!("/tramites/{id}")),
        Err(err) => Err(err.into()),
    }
}
