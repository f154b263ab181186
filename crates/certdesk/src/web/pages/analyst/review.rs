//! The review page of a ticket (`/analista/tramites/{id}`): everything an analyst needs to
//! judge it (applicants with a large photo and signature, their data and receipts, the
//! certificate named, the history) beside the actions available now, and the POST handlers
//! of those actions.
//!
//! Each action redirects back with a notice. A 422 from the use case re-renders the page
//! with the errors next to the fields of the form that failed and in a summary; a 409 (the
//! ticket moved meanwhile, wrong status) re-renders it with the message as an alert.

use std::collections::HashMap;

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use domain::{
    applicant::ApplicantStatus,
    certificate::{Medium, Ownership},
    schedule,
    ticket::{self, Action, Actor, Kind, Status},
    validation::{parse_date, FieldErrors},
};

use super::{refuse_non_analysts, summary_of, waited};
use crate::{
    app::{
        registry::{self, Installation, ReniecResult},
        review,
        schedule::dispatch_at,
        tickets::{self as uc, TicketView},
        AppError, AppResult,
    },
    store::{applicants::Applicant, payments::Payment},
    web::{
        extract::{CsrfForm, SignedIn},
        pages::{
            app_error_page,
            certificates::describe,
            datetime, render,
            tickets::{date_text, event_text, PaymentRow, StatusBadge, TicketHead},
            Layout, SummaryItem,
        },
        WebState,
    },
};

// ---------------------------------------------------------------------------------------
// What the page shows

/// One form field: its element id, what was typed, and its errors.
#[derive(Default)]
struct Field {
    id: String,
    value: String,
    errors: Vec<String>,
}

struct Choice {
    value: &'static str,
    label: &'static str,
    checked: bool,
}

/// The linked receipt, as the analyst checks it against the scan.
struct Receipt {
    operation_number: String,
    paid_on: String,
    amount: String,
    channel: String,
    file_url: String,
    file_kind: &'static str,
}

/// RENIEC's result, one form for "aprobado" and one for "rechazado".
struct ResultForms {
    general: Field,
    delivery: Field,
    reason: Field,
}

struct ApplicantCard {
    id: String,
    name: String,
    dni: String,
    check_digit: Option<String>,
    dni_issued_on: String,
    email: String,
    position: String,
    unit: String,
    current_expires_on: Option<String>,
    status_code: &'static str,
    status_label: &'static str,
    dispatch: Option<String>,
    receipt: Option<Receipt>,
    photo_url: String,
    signature_url: String,
    /// Present while the applicant waits for RENIEC's answer.
    result: Option<ResultForms>,
}

struct HistoryRow {
    at: String,
    who: String,
    what: &'static str,
    status: Option<StatusBadge>,
    comment: Option<String>,
}

/// The first ticket waiting to be taken, when it is not this one.
struct NextInQueue {
    id: String,
    number: String,
    kind: &'static str,
}

#[derive(Template)]
#[template(path = "analyst_review.html")]
struct ReviewPage {
    layout: Layout,
    head: TicketHead,
    requester: String,
    requester_email: Option<String>,
    submitted: Option<String>,
    waited: Option<String>,
    queue_position: Option<i64>,
    assignee: Option<String>,
    certificate: Option<String>,
    crl_reason: Option<String>,
    appointment: Option<String>,
    has_applicants: bool,
    requires_payment: bool,
    applicants: Vec<ApplicantCard>,
    payments: Vec<PaymentRow>,
    history: Vec<HistoryRow>,
    /// A 409 from the last action, shown as an alert.
    alert: Option<String>,
    summary: Vec<SummaryItem>,
    can_take: bool,
    can_observe: bool,
    can_approve: bool,
    can_reject: bool,
    can_complete: bool,
    installation: bool,
    cancellation: bool,
    /// An earlier ticket still waits to be taken (FIFO).
    earlier: Option<NextInQueue>,
    /// What to do next once this ticket needs nothing more now.
    next: Option<NextInQueue>,
    /// "viernes 04/12/2026 a las 16:30": the next cut-off, for the approve button.
    next_cutoff: Option<String>,
    pending_results: usize,
    take_general: Field,
    approve_general: Field,
    observe_general: Field,
    comment: Field,
    reject_general: Field,
    reject_reason: Field,
    appointment_general: Field,
    appointment_date: Field,
    appointment_time: Field,
    appointment_note: Field,
    complete_general: Field,
    media: Vec<Choice>,
    medium_errors: Vec<String>,
    ownerships: Vec<Choice>,
    ownership_errors: Vec<String>,
    serial: Field,
}

/// What the last POST left to show: errors keyed by element id, what was typed, a conflict.
#[derive(Default)]
struct Feedback {
    errors: FieldErrors,
    values: HashMap<String, String>,
    alert: Option<String>,
}

impl Feedback {
    fn field(&self, id: &str) -> Field {
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

/// Which form an action came from: it says where each error of the use case goes.
#[derive(Debug, Clone)]
enum Form {
    Take,
    Observe,
    Approve,
    Reject,
    Appointment,
    Complete,
    Result(String),
}

impl Form {
    /// The element that shows the errors of this form that belong to no field.
    fn general(&self) -> String {
        match self {
            Form::Take => "form-atender".into(),
            Form::Observe => "form-observar".into(),
            Form::Approve => "form-aprobar".into(),
            Form::Reject => "form-rechazar".into(),
            Form::Appointment => "form-cita".into(),
            Form::Complete => "form-completar".into(),
            Form::Result(applicant) => format!("form-resultado-{applicant}"),
        }
    }

    /// The element id of a use-case field of this form.
    fn element(&self, field: &str) -> String {
        match (self, field) {
            (Form::Observe, "comment") => "comentario".into(),
            (Form::Reject, "reason") => "motivo-rechazo".into(),
            (Form::Appointment, "at") => "cita-fecha".into(),
            (Form::Complete, "medium") => "medio".into(),
            (Form::Complete, "ownership") => "propiedad".into(),
            (Form::Complete, "serial") => "serie".into(),
            (Form::Result(a), "delivery_sent_on") => format!("entrega-{a}"),
            (Form::Result(a), "reason") => format!("motivo-reniec-{a}"),
            _ => self.general(),
        }
    }
}

/// The label of an element in the error summary.
fn label_of(id: &str) -> String {
    let label = match id {
        "comentario" => "Observación",
        "motivo-rechazo" => "Motivo del rechazo",
        "cita-fecha" => "Fecha de la cita",
        "cita-hora" => "Hora de la cita",
        "medio" => "Medio",
        "propiedad" => "Propiedad del medio",
        "serie" => "N° de serie",
        "form-atender" => "Atender",
        "form-aprobar" => "Aprobar",
        "form-observar" => "Observar",
        "form-rechazar" => "Rechazar",
        "form-cita" => "Cita de instalación",
        "form-completar" => "Completar",
        _ if id.starts_with("entrega-") => "Fecha del correo de DCDelivery",
        _ if id.starts_with("motivo-reniec-") => "Motivo de RENIEC",
        _ => "Resultado de RENIEC",
    };
    label.to_owned()
}

fn history_text(code: &str, kind: Kind) -> &'static str {
    match code {
        "appointment" => "Registró la cita de instalación",
        other => event_text(other, kind),
    }
}

fn notice_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "atendido" => "Ahora usted atiende este trámite. Revise los datos y decida.",
        "observado" => "Trámite observado: volvió al solicitante con su observación y se le avisó por correo.",
        "aprobado" => "Trámite aprobado: cada solicitante quedó programado para su lote de RENIEC (vea la fecha de cada uno) y se avisó al solicitante por correo.",
        "rechazado" => "Trámite rechazado: se avisó al solicitante por correo, con el motivo.",
        "cita" => "Cita de instalación registrada: se avisó al solicitante por correo.",
        "instalado" => "Instalación completada: el certificado quedó instalado y se avisó al solicitante.",
        "cancelado" => "Cancelación completada: el certificado quedó cancelado y se avisó al solicitante.",
        "resultado" => "Resultado de RENIEC registrado: se avisó al solicitante por correo.",
        "atendido-reniec" => "Resultado de RENIEC registrado. Todos los solicitantes tienen resultado: el trámite quedó atendido.",
        _ => return None,
    })
}

fn receipt_of(a: &Applicant, payments: &[Payment], applicants: &[Applicant]) -> Option<Receipt> {
    let id = a.payment_id.as_ref()?;
    let p = payments.iter().find(|p| &p.id == id)?;
    let row = PaymentRow::new(p, applicants);
    Some(Receipt {
        operation_number: row.operation_number,
        paid_on: row.paid_on,
        amount: row.amount,
        channel: row.channel,
        file_url: row.file_url,
        file_kind: row.file_kind,
    })
}

fn card(a: &Applicant, view: &TicketView, feedback: &Feedback) -> ApplicantCard {
    let dispatch = a.dispatch_at.map(|at| {
        let when = schedule::format_dispatch(&schedule::to_lima(at));
        match a.status {
            ApplicantStatus::Registrado | ApplicantStatus::Programado => {
                format!("Se enviará a RENIEC el {when}.")
            }
            _ => format!("Enviado a RENIEC en el lote del {when}."),
        }
    });
    let result = (a.status == ApplicantStatus::EnviadoReniec).then(|| ResultForms {
        general: feedback.field(&Form::Result(a.id.clone()).general()),
        delivery: feedback.field(&format!("entrega-{}", a.id)),
        reason: feedback.field(&format!("motivo-reniec-{}", a.id)),
    });
    ApplicantCard {
        id: a.id.clone(),
        name: a.full_name(),
        dni: a.dni.clone(),
        check_digit: a.dni_check_digit.clone(),
        dni_issued_on: date_text(&a.dni_issued_on),
        email: a.email.clone(),
        position: a.position.clone(),
        unit: a.unit.clone(),
        current_expires_on: a.current_expires_on.as_deref().map(date_text),
        status_code: a.status.as_str(),
        status_label: a.status.label(),
        dispatch,
        receipt: receipt_of(a, &view.payments, &view.applicants),
        photo_url: format!("/api/v1/applicants/{}/photo", a.id),
        signature_url: format!("/api/v1/applicants/{}/signature", a.id),
        result,
    }
}

/// The first ticket waiting to be taken (the head of the queue among `enviado`).
async fn first_waiting(state: &WebState, me: &SignedIn) -> AppResult<Option<NextInQueue>> {
    let first = review::queue(&state.app, me.user(), None, Some(Status::Enviado), None, 1).await?;
    Ok(first.into_iter().next().map(|t| NextInQueue {
        kind: t.kind.label(),
        id: t.id,
        number: t.number,
    }))
}

/// Renders the review page with `feedback` from the last action (empty on a plain GET).
async fn page(
    state: &WebState,
    me: &SignedIn,
    id: &str,
    status: StatusCode,
    notice: Option<&str>,
    feedback: Feedback,
) -> Response {
    match build(state, me, id, notice, feedback).await {
        Ok(page) => render(status, &page),
        Err(err) => app_error_page(err, Some(&me.viewer)),
    }
}

async fn build(
    state: &WebState,
    me: &SignedIn,
    id: &str,
    notice: Option<&str>,
    feedback: Feedback,
) -> AppResult<ReviewPage> {
    let app = &state.app;
    let user = me.user();
    let view = uc::view(app, user, id).await?;
    let t = &view.ticket;
    let queue_position = review::queue_position(app, t).await?;
    let certificate = match t.certificate_id.as_deref() {
        Some(cert_id) => Some(describe(&uc::certificate(app, user, cert_id).await?)),
        None => None,
    };
    let actions = ticket::available_actions(
        t.kind,
        t.status,
        Actor::user(user.role, t.requester_id == user.id),
    );
    let can = |a: Action| actions.contains(&a);
    let head_of_queue = first_waiting(state, me).await?.filter(|n| n.id != t.id);
    let analyst_actions = [
        Action::Take,
        Action::Observe,
        Action::Approve,
        Action::Reject,
        Action::Complete,
    ];
    let pending_results = view
        .applicants
        .iter()
        .filter(|a| a.status == ApplicantStatus::EnviadoReniec)
        .count();
    let idle = !analyst_actions.iter().any(|a| can(*a)) && pending_results == 0;
    let (earlier, next) = if can(Action::Take) {
        (head_of_queue, None)
    } else if idle {
        (None, head_of_queue)
    } else {
        (None, None)
    };
    let next_cutoff = if can(Action::Approve) {
        let at = dispatch_at(app, app.now(), None).await?;
        Some(schedule::format_dispatch(&at))
    } else {
        None
    };
    let requester_email = review::people(app, user, &[t.requester_id.as_str()])
        .await?
        .remove(&t.requester_id)
        .map(|u| u.email);
    let last_take = view.history.iter().rev().find(|e| e.event == "take");
    let assignee = t.assigned_to.as_ref().map(|assigned| {
        if assigned == &user.id {
            "usted".to_owned()
        } else {
            last_take
                .and_then(|e| e.actor_name.clone())
                .unwrap_or_else(|| "otro analista".into())
        }
    });
    let appointment = view
        .history
        .iter()
        .rev()
        .find(|e| e.event == "appointment")
        .and_then(|e| e.comment.clone());
    let history = view
        .history
        .iter()
        .map(|e| HistoryRow {
            at: datetime(e.at),
            who: e.actor_name.clone().unwrap_or_else(|| "Sistema".into()),
            what: history_text(&e.event, t.kind),
            status: (e.from_status.is_some() && e.from_status != Some(e.to_status))
                .then(|| e.to_status.into()),
            comment: e.comment.clone(),
        })
        .collect();
    let chosen_medium = feedback.values.get("medio").cloned().unwrap_or_default();
    let chosen_ownership = feedback
        .values
        .get("propiedad")
        .cloned()
        .unwrap_or_default();
    let summary = summary_of(&feedback.errors, label_of);
    let mut layout = Layout::new(
        format!("Revisar {}", t.number),
        Some(&me.viewer),
        "/analista/cola",
    );
    if let Some(notice) = notice {
        layout = layout.with_notice(notice);
    }
    Ok(ReviewPage {
        layout,
        head: t.into(),
        requester: t.requester_name.clone(),
        requester_email,
        submitted: t.submitted_at.map(datetime),
        waited: t
            .submitted_at
            .filter(|_| t.status.is_in_queue())
            .map(|s| waited(app.now(), s)),
        queue_position,
        assignee,
        certificate,
        crl_reason: (t.kind == Kind::Cancelacion)
            .then(|| t.reason.crl_reason().map(|r| r.to_string()))
            .flatten(),
        appointment,
        has_applicants: t.kind.has_applicants(),
        requires_payment: t.reason.requires_payment(),
        applicants: view
            .applicants
            .iter()
            .map(|a| card(a, &view, &feedback))
            .collect(),
        payments: view
            .payments
            .iter()
            .map(|p| PaymentRow::new(p, &view.applicants))
            .collect(),
        history,
        alert: feedback.alert.clone(),
        summary,
        can_take: can(Action::Take),
        can_observe: can(Action::Observe),
        can_approve: can(Action::Approve),
        can_reject: can(Action::Reject),
        can_complete: can(Action::Complete),
        installation: t.kind == Kind::Instalacion,
        cancellation: t.kind == Kind::Cancelacion,
        earlier,
        next,
        next_cutoff,
        pending_results,
        take_general: feedback.field(&Form::Take.general()),
        approve_general: feedback.field(&Form::Approve.general()),
        observe_general: feedback.field(&Form::Observe.general()),
        comment: feedback.field("comentario"),
        reject_general: feedback.field(&Form::Reject.general()),
        reject_reason: feedback.field("motivo-rechazo"),
        appointment_general: feedback.field(&Form::Appointment.general()),
        appointment_date: feedback.field("cita-fecha"),
        appointment_time: feedback.field("cita-hora"),
        appointment_note: feedback.field("cita-nota"),
        complete_general: feedback.field(&Form::Complete.general()),
        media: Medium::ALL
            .iter()
            .map(|m| Choice {
                value: m.as_str(),
                label: m.label(),
                checked: chosen_medium == m.as_str(),
            })
            .collect(),
        medium_errors: feedback.field("medio").errors,
        ownerships: Ownership::ALL
            .iter()
            .map(|o| Choice {
                value: o.as_str(),
                label: o.label(),
                checked: chosen_ownership == o.as_str(),
            })
            .collect(),
        ownership_errors: feedback.field("propiedad").errors,
        serial: feedback.field("serie"),
    })
}

#[derive(serde::Deserialize)]
pub struct NoticeQuery {
    aviso: Option<String>,
}

pub async fn show(
    State(state): State<WebState>,
    me: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Response {
    if let Some(res) = refuse_non_analysts(&me) {
        return res;
    }
    let notice = query.aviso.as_deref().and_then(notice_text);
    page(
        &state,
        &me,
        &id,
        StatusCode::OK,
        notice,
        Feedback::default(),
    )
    .await
}

// ---------------------------------------------------------------------------------------
// Actions

/// After an action: back to the page with a notice, or the page again with what failed.
async fn finish(
    state: &WebState,
    me: &SignedIn,
    id: &str,
    form: Form,
    outcome: AppResult<TicketView>,
    notice: impl FnOnce(&TicketView) -> &'static str,
    values: Vec<(String, String)>,
) -> Response {
    let values: HashMap<String, String> = values.into_iter().collect();
    match outcome {
        Ok(view) => Redirect::to(&format!(
            "/analista/tramites/{}?aviso={}#contenido",
            view.ticket.id,
            notice(&view)
        ))
        .into_response(),
        Err(AppError::Validation(errors)) => {
            let mut placed = FieldErrors::new();
            for (field, messages) in errors.iter() {
                let element = form.element(field);
                for message in messages {
                    placed.add(&element, message.clone());
                }
            }
            let feedback = Feedback {
                errors: placed,
                values,
                alert: None,
            };
            page(
                state,
                me,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                feedback,
            )
            .await
        }
        Err(AppError::Conflict(message)) => {
            let feedback = Feedback {
                alert: Some(message),
                values,
                ..Feedback::default()
            };
            page(state, me, id, StatusCode::CONFLICT, None, feedback).await
        }
        Err(err) => app_error_page(err, Some(&me.viewer)),
    }
}

#[derive(serde::Deserialize)]
pub struct Empty {}

pub async fn take(
    State(state): State<WebState>,
    me: SignedIn,
    Path(id): Path<String>,
    _form: CsrfForm<Empty>,
) -> Response {
    if let Some(res) = refuse_non_analysts(&me) {
        return res;
    }
    let outcome = review::take(&state.app, me.user(), &id).await;
    finish(
        &state,
        &me,
        &id,
        Form::Take,
        outcome,
        |_| "atendido",
        vec![],
    )
    .await
}

#[derive(serde::Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    comment: String,
}

pub async fn observe(
    State(state): State<WebState>,
    me: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<CommentForm>,
) -> Response {
    if let Some(res) = refuse_non_analysts(&me) {
        return res;
    }
    let comment = form.data.comment;
    let outcome = review::observe(&state.app, me.user(), &id, &comment).await;
    finish(
        &state,
        &me,
        &id,
        Form::Observe,
        outcome,
        |_| "observado",
        vec![("comentario".into(), comment)],
    )
    .await
}

pub async fn approve(
    State(state): State<WebState>,
    me: SignedIn,
    Path(id): Path<String>,
    _form: CsrfForm<Empty>,
) -> Response {
    if let Some(res) = refuse_non_analysts(&me) {
        return res;
    }
    let outcome = review::approve(&state.app, me.user(), &id).await;
    finish(
        &state,
        &me,
        &id,
        Form::Approve,
        outcome,
        |_| "aprobado",
        vec![],
    )
    .await
}

#[derive(serde::Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

pub async fn reject(
    State(state): State<WebState>,
    me: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<ReasonForm>,
) -> Response {
    if let Some(res) = refuse_non_analysts(&me) {
        return res;
    }
    let reason = form.data.reason;
    let outcome = review::reject(&state.app, me.user(), &id, &reason).await;
    finish(
        &state,
        &me,
        &id,
        Form::Reject,
        outcome,
        |_| "rechazado",
        vec![("motivo-rechazo".into(), reason)],
    )
    .await
}

#[derive(serde::Deserialize)]
pub struct AppointmentForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    note: String,
}

/// The appointment's date and time inputs as one RFC 3339 instant in Lima, or the errors of
/// each input.
fn appointment_at(date: &str, time: &str) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::new();
    let date = match parse_date(date) {
        Ok(d) => Some(d),
        Err(_) if date.trim().is_empty() => {
            errors.add("cita-fecha", "Indique la fecha de la cita.");
            None
        }
        Err(e) => {
            errors.add("cita-fecha", e.to_string());
            None
        }
    };
    let time = match time.trim() {
        "" => {
            errors.add("cita-hora", "Indique la hora de la cita.");
            None
        }
        t => match t.parse::<jiff::civil::Time>() {
            Ok(t) => Some(t),
            Err(_) => {
                errors.add(
                    "cita-hora",
                    "Escriba la hora como hh:mm, por ejemplo 10:30.",
                );
                None
            }
        },
    };
    let (Some(date), Some(time)) = (date, time) else {
        return Err(errors);
    };
    match date.to_datetime(time).to_zoned(schedule::lima()) {
        Ok(at) => Ok(crate::app::rfc3339(at.timestamp())),
        Err(_) => {
            errors.add("cita-fecha", "Esa fecha y hora no existen en Lima.");
            Err(errors)
        }
    }
}

pub async fn appointment(
    State(state): State<WebState>,
    me: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<AppointmentForm>,
) -> Response {
    if let Some(res) = refuse_non_analysts(&me) {
        return res;
    }
    let AppointmentForm { date, time, note } = form.data;
    let values = vec![
        ("cita-fecha".to_owned(), date.clone()),
        ("cita-hora".to_owned(), time.clone()),
        ("cita-nota".to_owned(), note.clone()),
    ];
    let outcome = match appointment_at(&date, &time) {
        Ok(at) => {
            let note = Some(note.trim()).filter(|n| !n.is_empty());
            registry::record_appointment(&state.app, me.user(), &id, &at, note).await
        }
        Err(errors) => {
            // Already keyed by element id: show them as they are.
            let feedback = Feedback {
                errors,
                values: values.into_iter().collect(),
                alert: None,
            };
            return page(
                &state,
                &me,
                &id,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                feedback,
            )
            .await;
        }
    };
    finish(
        &state,
        &me,
        &id,
        Form::Appointment,
        outcome,
        |_| "cita",
        values,
    )
    .await
}

#[derive(serde::Deserialize)]
pub struct CompleteForm {
    #[serde(default)]
    medium: String,
    #[serde(default)]
    ownership: String,
    #[serde(default)]
    serial: String,
}

pub async fn complete(
    State(state): State<WebState>,
    me: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<CompleteForm>,
) -> Response {
    if let Some(res) = refuse_non_analysts(&me) {
        return res;
    }
    let CompleteForm {
        medium,
        ownership,
        serial,
    } = form.data;
    let installation = Installation {
        medium: medium.clone(),
        ownership: ownership.clone(),
        serial: Some(serial.trim().to_owned()).filter(|s| !s.is_empty()),
    };
    let outcome = registry::complete(&state.app, me.user(), &id, &installation).await;
    finish(
        &state,
        &me,
        &id,
        Form::Complete,
        outcome,
        |view| {
            if view.ticket.status == Status::Cancelado {
                "cancelado"
            } else {
                "instalado"
            }
        },
        vec![
            ("medio".into(), medium),
            ("propiedad".into(), ownership),
            ("serie".into(), serial),
        ],
    )
    .await
}

#[derive(serde::Deserialize)]
pub struct ResultForm {
    #[serde(default)]
    resultado: String,
    #[serde(default)]
    delivery_sent_on: String,
    #[serde(default)]
    reason: String,
}

pub async fn result(
    State(state): State<WebState>,
    me: SignedIn,
    Path((id, applicant_id)): Path<(String, String)>,
    form: CsrfForm<ResultForm>,
) -> Response {
    if let Some(res) = refuse_non_analysts(&me) {
        return res;
    }
    let ResultForm {
        resultado,
        delivery_sent_on,
        reason,
    } = form.data;
    let result = match resultado.as_str() {
        "aprobado" => ReniecResult::Approved {
            delivery_sent_on: delivery_sent_on.clone(),
        },
        _ => ReniecResult::Rejected {
            reason: reason.clone(),
        },
    };
    let outcome = registry::record_result(&state.app, me.user(), &applicant_id, &result).await;
    finish(
        &state,
        &me,
        &id,
        Form::Result(applicant_id.clone()),
        outcome,
        |view| {
            if view.ticket.status == Status::Atendido {
                "atendido-reniec"
            } else {
                "resultado"
            }
        },
        vec![
            (format!("entrega-{applicant_id}"), delivery_sent_on),
            (format!("motivo-reniec-{applicant_id}"), reason),
        ],
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_appointment_is_read_in_lima_time() {
        assert_eq!(
            appointment_at("2026-12-03", "10:30").unwrap(),
            "2026-12-03T10:30:00-05:00"
        );
        assert_eq!(
            appointment_at("2026-12-03", "09:05:00").unwrap(),
            "2026-12-03T09:05:00-05:00"
        );
        let errors = appointment_at("", "25:00").unwrap_err();
        assert!(errors.contains("cita-fecha"));
        assert!(errors.contains("cita-hora"));
        let errors = appointment_at("03/12/2026", "10:00").unwrap_err();
        assert!(errors.contains("cita-fecha"));
    }

    #[test]
    fn use_case_errors_land_next_to_the_field_of_the_form_that_failed() {
        assert_eq!(Form::Observe.element("comment"), "comentario");
        assert_eq!(Form::Reject.element("reason"), "motivo-rechazo");
        assert_eq!(
            Form::Result("a1".into()).element("delivery_sent_on"),
            "entrega-a1"
        );
        assert_eq!(
            Form::Result("a1".into()).element("reason"),
            "motivo-reniec-a1"
        );
        // Errors about the ticket as a whole go beside the form's button.
        assert_eq!(Form::Complete.element("ticket"), "form-completar");
        assert_eq!(label_of("entrega-a1"), "Fecha del correo de DCDelivery");
    }
}
