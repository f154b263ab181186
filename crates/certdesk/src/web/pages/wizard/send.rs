//! Step 4: review and send. What is missing is listed with a link to the step that fixes it.

use askama::Template;
use axum::extract::State;
use domain::{ids::TicketId, phone::PhoneNumber, ticket::Status};

use super::{editable_view, steps, Progress, StepId, Steps};
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
    /// The answer to the observation, as typed (kept when the page comes back).
    comment: String,
    comment_errors: Vec<String>,
    /// Instalación: the contact phone given, shown as dialled.
    contact_phone: Option<String>,
}

async fn submit_page(
    state: &WebState,
    me: &SignedIn,
    view: &uc::TicketView,
    problems: Vec<SendProblem>,
    comment: String,
    comment_errors: Vec<String>,
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
        comment,
        comment_errors,
        contact_phone: t
            .contact_phone
            .as_deref()
            .and_then(|p| PhoneNumber::parse(p).ok())
            .map(|p| p.to_string()),
    };
    let failed = !page.problems.is_empty() || !page.comment_errors.is_empty();
    Ok(render_form(failed, &page))
}

pub async fn submit_form(
    State(state): State<WebState>,
    me: SignedIn,
    Id(id): Id<TicketId>,
) -> PageResult {
    let view = editable_view(&state, &me, id).await?;
    submit_page(&state, &me, &view, Vec::new(), String::new(), Vec::new()).await
}

/// The send step's form: only an observed ticket's page asks for a comment.
#[derive(serde::Deserialize)]
pub struct SubmitForm {
    #[serde(default)]
    comment: String,
}

pub async fn submit(
    State(state): State<WebState>,
    me: SignedIn,
    Id(id): Id<TicketId>,
    form: CsrfForm<SubmitForm>,
) -> PageResult {
    let comment = form.data.comment;
    match uc::submit_with(&state.app, me.user(), id, Some(&comment)).await {
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
            let comment_errors = errors
                .get("comment")
                .map(<[String]>::to_vec)
                .unwrap_or_default();
            let problems = errors
                .iter()
                .filter(|(field, _)| *field != "comment")
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
            submit_page(&state, &me, &view, problems, comment, comment_errors).await
        }
        // Sent twice (a double click) or moved meanwhile: the ticket page says where it is.
        Err(AppError::Conflict(_)) => see_other(format!("/tramites/{id}")),
        Err(err) => Err(err.into()),
    }
}
