//! The review page of a ticket (`/analista/tramites/{id}`): everything an analyst needs to
//! judge it (applicants with a large photo and signature, their data and receipts, the
//! certificate named, the history) beside the actions available now. The page reads one
//! snapshot through one use case (`app::review::review`); the forms' handlers are in
//! [`actions`].
//!
//! Each action redirects back with a notice. A 422 from the use case re-renders the page
//! with the errors next to the fields of the form that failed and in a summary; a 409 (the
//! ticket moved meanwhile, wrong status) re-renders it with the message as an alert.

mod actions;

pub use actions::{appointment, approve, complete, note, observe, reject, release, result, take};

use crate::web::pages::NoticeQuery;

use askama::Template;
use axum::{
    extract::{Query, State},
    http::StatusCode,
};
use domain::{
    applicant::ApplicantStatus,
    certificate::{Medium, Ownership},
    ids::{ApplicantId, BatchId, TicketId},
    schedule,
    ticket::{Action, Kind},
};

use super::{
    result_forms::{Feedback, Field, ResultForms},
    summary_of, waited,
};
use crate::{
    app::{review, tickets::TicketView},
    store::{applicants::Applicant, payments::Payment, tickets::Ticket},
    web::{
        error::PageResult,
        extract::{Analyst, Id},
        pages::{
            certificates::describe,
            datetime, render,
            tickets::{HistoryRow, PaymentRow, TicketHead},
            Layout, SummaryItem,
        },
        WebState,
    },
};

// ---------------------------------------------------------------------------------------
// What the page shows

// ---------------------------------------------------------------------------------------
// What the page shows

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
    /// The photo, signature and receipt were deleted, their retention period over.
    files_purged: bool,
    /// The requester ticked "sin lentes" for this photo.
    no_glasses_confirmed: bool,
    /// Present while the applicant waits for RENIEC's answer.
    result: Option<ResultForms>,
    /// The batch the applicant went in: its page and its cut-off, in words.
    batch: Option<(String, String)>,
    /// What approving now gives, while the ticket waits in the queue.
    forecast: Option<CardForecast>,
}

/// A canned observation text on the observe form.
struct CannedChoice {
    id: String,
    title: String,
    body: String,
    checked: bool,
}

/// An internal note, for analysts.
struct NoteRow {
    author: String,
    at: String,
    text: String,
}

/// The forecast of one applicant (`app::review::Forecast`), in words.
struct CardForecast {
    /// "10/01/2027": the expiry the 10-day rule uses.
    expiry: Option<String>,
    /// "declarada por el solicitante", "del registro: certificado N.º … de …".
    source: Option<String>,
    /// The registry, searched by the applicant's DNI, when the expiry came from it.
    registry_href: Option<String>,
    /// "viernes 04/12/2026 a las 16:30".
    dispatch: String,
    held: bool,
    /// Warnings for the analyst, who decides.
    flags: Vec<String>,
}

impl CardForecast {
    fn new(f: &review::Forecast, kind: Kind, dni: &str) -> Self {
        let registry_href = format!(
            "/analista/certificados?{}",
            serde_urlencoded::to_string([("q", dni)]).unwrap_or_default()
        );
        let describe = |c: &review::RegistryRef| {
            let mut parts = vec![
                format!("certificado {}", c.number()),
                c.state.label().to_lowercase(),
            ];
            if let Some(e) = c.expires_on {
                parts.push(format!("caduca el {}", schedule::format_date(e)));
            }
            parts.join(", ")
        };
        let flags = f
            .flags(kind)
            .iter()
            .map(|flag| match flag {
                review::ForecastFlag::OtherHolder(c) => format!(
                    "El DNI {dni} figura en el registro a nombre de otra persona: «{}» ({}). Su caducidad no se usa para la fecha de envío. Verifique el DNI y el nombre antes de decidir.",
                    c.holder_name,
                    describe(c)
                ),
                review::ForecastFlag::AlreadyHolds(c) if c.same_holder => format!(
                    "Esta persona ya tiene un certificado vigente ({}). Verifique si corresponde una emisión y no una reemisión.",
                    describe(c)
                ),
                review::ForecastFlag::AlreadyHolds(c) => format!(
                    "Emisión para un DNI que ya tiene un certificado vigente, a nombre de «{}» ({}).",
                    c.holder_name,
                    describe(c)
                ),
            })
            .collect();
        CardForecast {
            expiry: f.expiry.as_ref().map(|e| schedule::format_date(e.on)),
            source: f.expiry.as_ref().map(|e| e.source.describe()),
            registry_href: f
                .expiry
                .as_ref()
                .filter(|e| matches!(e.source, review::ExpirySource::Registry(_)))
                .map(|_| registry_href),
            dispatch: schedule::format_dispatch(&f.dispatch_at),
            held: f.held_for_expiry,
            flags,
        }
    }
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
    /// Instalación: the holder's phone, as shown and as a `tel:` link.
    contact_phone: Option<(String, String)>,
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
    take_reason: Field,
    can_release: bool,
    release_general: Field,
    release_comment: Field,
    confirm_review: Field,
    confirm_no_glasses: Field,
    canned: Vec<CannedChoice>,
    canned_errors: Vec<String>,
    notes: Vec<NoteRow>,
    note_general: Field,
    note: Field,
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
    /// "vigente del 26/11/2026 al 25/11/2028": the dates read from the certificate's
    /// public part, which the installation records; None asks for them.
    public_part_dates: Option<String>,
    issued_on: Field,
    expires_on: Field,
    /// Where the certificate's public part can be attached (the registry, at its row).
    registry_href: Option<String>,
}

/// Which form an action came from: it says where each error of the use case goes.
#[derive(Debug, Clone)]
enum Form {
    Take,
    Release,
    Note,
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
            Form::Release => "form-devolver".into(),
            Form::Note => "form-nota".into(),
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
            (Form::Observe, "canned") => "observaciones-frecuentes".into(),
            (Form::Take, "reason") => "motivo-atender".into(),
            (Form::Release, "comment") => "motivo-devolver".into(),
            (Form::Note, "text") => "nota".into(),
            (Form::Approve, "no_glasses_confirmed") => "confirma-sin-lentes".into(),
            (Form::Reject, "reason") => "motivo-rechazo".into(),
            (Form::Appointment, "at") => "cita-fecha".into(),
            (Form::Complete, "medium") => "medio".into(),
            (Form::Complete, "ownership") => "propiedad".into(),
            (Form::Complete, "serial") => "serie".into(),
            (Form::Complete, "issued_on") => "emitido-el".into(),
            (Form::Complete, "expires_on") => "caduca-el".into(),
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
        "observaciones-frecuentes" => "Observaciones frecuentes",
        "motivo-atender" => "Motivo para atender antes",
        "motivo-devolver" => "Devolver a la cola",
        "form-devolver" => "Devolver a la cola",
        "nota" => "Nota interna",
        "form-nota" => "Nota interna",
        "confirma-revision" => "Confirmación de la revisión",
        "confirma-sin-lentes" => "Sin lentes",
        "motivo-rechazo" => "Motivo del rechazo",
        "cita-fecha" => "Fecha de la cita",
        "cita-hora" => "Hora de la cita",
        "medio" => "Medio",
        "propiedad" => "Propiedad del medio",
        "serie" => "N° de serie",
        "emitido-el" => "Fecha de emisión del certificado",
        "caduca-el" => "Fecha de caducidad del certificado",
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

fn notice_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "atendido" => "Ahora usted atiende este trámite. Revise los datos y decida.",
        "devuelto" => "Trámite devuelto a la cola: conserva su lugar por orden de llegada y cualquier analista puede atenderlo.",
        "nota" => "Nota interna guardada. Solo la ven los analistas y administradores.",
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
    let id = a.payment_id?;
    let p = payments.iter().find(|p| p.id == id)?;
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

fn card(
    a: &Applicant,
    view: &TicketView,
    feedback: &Feedback,
    batches: &[(ApplicantId, BatchId, jiff::Timestamp)],
    forecasts: &[review::Forecast],
) -> ApplicantCard {
    let forecast = forecasts
        .iter()
        .find(|f| f.applicant_id == a.id)
        .map(|f| CardForecast::new(f, view.ticket.kind, a.dni.as_str()));
    let dispatch = a.dispatch_at.map(|at| {
        let when = schedule::format_dispatch(&schedule::to_lima(at));
        match a.status {
            ApplicantStatus::Registrado | ApplicantStatus::Programado => {
                format!("Se enviará a RENIEC el {when}.")
            }
            _ => format!("Enviado a RENIEC en el lote del {when}."),
        }
    });
    let result = a
        .status
        .awaits_result()
        .then(|| ResultForms::new(feedback, a.id));
    ApplicantCard {
        id: a.id.to_string(),
        name: a.full_name(),
        dni: a.dni.to_string(),
        check_digit: a.dni_check_digit.clone(),
        dni_issued_on: schedule::format_date(a.dni_issued_on),
        email: a.email.clone(),
        position: a.position.clone(),
        unit: a.unit.clone(),
        current_expires_on: a.current_expires_on.map(schedule::format_date),
        status_code: a.status.as_str(),
        status_label: a.status.label(),
        dispatch,
        receipt: receipt_of(a, &view.payments, &view.applicants),
        photo_url: format!("/api/v1/applicants/{}/photo", a.id),
        signature_url: format!("/api/v1/applicants/{}/signature", a.id),
        files_purged: view.ticket.files_purged_at.is_some(),
        no_glasses_confirmed: a.no_glasses_confirmed,
        result,
        batch: batches
            .iter()
            .find(|(applicant, _, _)| *applicant == a.id)
            .map(|(_, batch, cutoff)| {
                (
                    format!("/analista/lotes/{batch}#solicitante-{}", a.id),
                    schedule::format_date(schedule::to_lima(*cutoff).date()),
                )
            }),
        forecast,
    }
}

impl From<Ticket> for NextInQueue {
    fn from(t: Ticket) -> Self {
        NextInQueue {
            kind: t.kind.label(),
            id: t.id.to_string(),
            number: t.number.to_string(),
        }
    }
}

/// Renders the review page with `feedback` from the last action (empty on a plain GET).
async fn page(
    state: &WebState,
    me: &Analyst,
    id: TicketId,
    status: StatusCode,
    notice: Option<&str>,
    feedback: Feedback,
) -> PageResult {
    let review = review::review(&state.app, me.user(), id).await?;
    Ok(render(status, &build(state, me, review, notice, feedback)))
}

fn build(
    state: &WebState,
    me: &Analyst,
    review: review::Review,
    notice: Option<&str>,
    feedback: Feedback,
) -> ReviewPage {
    let user = me.user();
    let view = &review.view;
    let t = &view.ticket;
    let can = |a: Action| review.actions.contains(&a);
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
        .filter(|a| a.status.awaits_result())
        .count();
    let idle = !analyst_actions.iter().any(|a| can(*a)) && pending_results == 0;
    let head_of_queue = review.head_of_queue.clone().map(NextInQueue::from);
    let (earlier, next) = if can(Action::Take) {
        (head_of_queue, None)
    } else if idle {
        (None, head_of_queue)
    } else {
        (None, None)
    };
    let assignee = t.assigned_to.as_ref().map(|(id, name)| {
        if *id == user.id {
            "usted".to_owned()
        } else {
            name.clone()
        }
    });
    let appointment = t.appointment.as_ref().map(|a| {
        let when = schedule::to_lima(a.at);
        format!(
            "{} a las {}{}",
            schedule::format_date(when.date()),
            when.strftime("%H:%M"),
            a.note
                .as_deref()
                .map(|n| format!(" — {n}"))
                .unwrap_or_default()
        )
    });
    let chosen_medium = feedback.values.get("medio").cloned().unwrap_or_default();
    let chosen_ownership = feedback
        .values
        .get("propiedad")
        .cloned()
        .unwrap_or_default();
    let summary = summary_of(&feedback.errors, label_of);
    let layout = Layout::new(
        format!("Revisar {}", t.number),
        Some(&me.viewer),
        "/analista/cola",
    )
    .with_notice(notice);
    ReviewPage {
        layout,
        head: t.into(),
        requester: review.requester.name.clone(),
        requester_email: Some(review.requester.email.clone()),
        submitted: t.submitted_at.map(datetime),
        waited: t
            .submitted_at
            .filter(|_| t.status.is_in_queue())
            .map(|s| waited(state.app.now(), s)),
        queue_position: view.queue_position,
        assignee,
        certificate: view.certificate.as_ref().map(describe),
        contact_phone: t
            .contact_phone
            .as_deref()
            .and_then(|p| domain::phone::PhoneNumber::parse(p).ok())
            .map(|p| (p.to_string(), p.international())),
        crl_reason: (t.kind == Kind::Cancelacion)
            .then(|| t.reason.crl_reason().map(|r| r.to_string()))
            .flatten(),
        appointment,
        has_applicants: t.kind.has_applicants(),
        requires_payment: t.reason.requires_payment(),
        applicants: view
            .applicants
            .iter()
            .map(|a| card(a, view, &feedback, &review.batches, &review.forecasts))
            .collect(),
        payments: PaymentRow::all(view),
        history: view
            .history
            .iter()
            .map(|e| HistoryRow::new(e, t.kind))
            .collect(),
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
        next_cutoff: review.next_cutoff.as_ref().map(schedule::format_dispatch),
        pending_results,
        take_general: feedback.field(&Form::Take.general()),
        take_reason: feedback.field("motivo-atender"),
        can_release: can(Action::Release),
        release_general: feedback.field(&Form::Release.general()),
        release_comment: feedback.field("motivo-devolver"),
        confirm_review: feedback.field("confirma-revision"),
        confirm_no_glasses: feedback.field("confirma-sin-lentes"),
        canned: review
            .canned
            .iter()
            .map(|c| CannedChoice {
                checked: feedback.values.contains_key(&format!("canned-{}", c.id)),
                id: c.id.to_string(),
                title: c.title.clone(),
                body: c.body.clone(),
            })
            .collect(),
        canned_errors: feedback.field("observaciones-frecuentes").errors,
        notes: review
            .notes
            .iter()
            .map(|n| NoteRow {
                author: n.author_name.clone(),
                at: datetime(n.created_at),
                text: n.body.clone(),
            })
            .collect(),
        note_general: feedback.field(&Form::Note.general()),
        note: feedback.field("nota"),
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
        public_part_dates: view
            .certificate
            .as_ref()
            .filter(|c| c.public_part_sha256.is_some())
            .and_then(|c| match (c.issued_on, c.expires_on) {
                (Some(from), Some(to)) => Some(format!(
                    "vigente del {} al {}",
                    schedule::format_date(from),
                    schedule::format_date(to)
                )),
                _ => None,
            }),
        issued_on: feedback.field("emitido-el"),
        expires_on: feedback.field("caduca-el"),
        registry_href: view.certificate.as_ref().map(|c| {
            format!(
                "/analista/certificados?{}#certificado-{}",
                serde_urlencoded::to_string([("q", c.dni.as_str())]).unwrap_or_default(),
                c.id
            )
        }),
    }
}

pub async fn show(
    State(state): State<WebState>,
    me: Analyst,
    Id(id): Id<TicketId>,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let notice = query.aviso.as_deref().and_then(notice_text);
    page(&state, &me, id, StatusCode::OK, notice, Feedback::default()).await
}
