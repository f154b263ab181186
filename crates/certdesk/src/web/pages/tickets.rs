//! The requester's tickets as pages: "Mis trámites" (`/tramites`), the ticket page
//! (`/tramites/{id}`) and withdrawing a ticket. The new-ticket wizard is in `wizard`.
//!
//! Handlers call the use cases of `app::tickets` and render; who may see or do what is
//! decided there (anyone else's ticket answers the Spanish 404 page). No SQL, no rules here:
//! only how things are said to people.

use crate::web::pages::NoticeQuery;
use askama::Template;
use axum::{
    extract::{Query, State},
    http::StatusCode,
};
use domain::{
    applicant::ApplicantStatus,
    ids::TicketId,
    schedule::{self, format_date},
    ticket::{self, Action, Event, Kind, Status},
};

use super::{
    datetime, render,
    ticket_search::{self, SearchForm, SearchQuery},
    Layout,
};
use crate::web::pages::see_other;
use crate::{
    app::{tickets as uc, transition::actor_on},
    store::{
        applicants::Applicant,
        payments::Payment,
        tickets::{HistoryEntry, PageAt, Ticket},
    },
    web::{
        error::PageResult,
        extract::{CsrfForm, Id, SignedIn},
        WebState,
    },
};

/// Tickets per page of "Mis trámites".
const LIST_PAGE: i64 = 25;

/// A ticket's status as a badge: the CSS class picks the colour, the text says it.
pub(super) struct StatusBadge {
    pub code: &'static str,
    pub label: &'static str,
}

impl From<Status> for StatusBadge {
    fn from(s: Status) -> Self {
        Self {
            code: s.as_str(),
            label: s.label(),
        }
    }
}

/// The line that names a ticket at the top of its pages.
pub(super) struct TicketHead {
    pub id: String,
    pub number: String,
    pub kind: &'static str,
    pub reason: String,
    pub status: StatusBadge,
}

impl From<&Ticket> for TicketHead {
    fn from(t: &Ticket) -> Self {
        Self {
            id: t.id.to_string(),
            number: t.number.to_string(),
            kind: t.kind.label(),
            reason: t.reason.label(),
            status: t.status.into(),
        }
    }
}

/// An applicant as the ticket page and the wizard show them.
pub(super) struct ApplicantRow {
    pub id: String,
    pub name: String,
    pub dni: String,
    pub email: String,
    pub position: String,
    pub unit: String,
    pub dni_issued_on: String,
    pub current_expires_on: Option<String>,
    pub status_code: &'static str,
    pub status_label: &'static str,
    /// "Se enviará a RENIEC el viernes 27/11/2026 a las 16:30", once known.
    pub dispatch: Option<String>,
    /// The operation number of the linked receipt.
    pub receipt: Option<String>,
    pub photo_url: String,
    pub signature_url: String,
    /// The photo and signature were deleted, their retention period over (Ley 29733).
    pub files_purged: bool,
}

impl ApplicantRow {
    /// Every applicant of the ticket, in order.
    pub fn all(view: &uc::TicketView) -> Vec<Self> {
        let files_purged = view.ticket.files_purged_at.is_some();
        view.applicants
            .iter()
            .map(|a| ApplicantRow {
                files_purged,
                ..ApplicantRow::new(a, &view.payments)
            })
            .collect()
    }

    pub fn new(a: &Applicant, payments: &[Payment]) -> Self {
        let dispatch = a.dispatch_at.map(|at| {
            let when = schedule::format_dispatch(&schedule::to_lima(at));
            match a.status {
                ApplicantStatus::Registrado | ApplicantStatus::Programado => {
                    format!("Se enviará a RENIEC el {when}.")
                }
                _ => format!("Enviado a RENIEC el {when}."),
            }
        });
        Self {
            id: a.id.to_string(),
            name: a.full_name(),
            dni: a.dni.to_string(),
            email: a.email.clone(),
            position: a.position.clone(),
            unit: a.unit.clone(),
            dni_issued_on: format_date(a.dni_issued_on),
            current_expires_on: a.current_expires_on.map(format_date),
            status_code: a.status.as_str(),
            status_label: a.status.label(),
            dispatch,
            receipt: a.payment_id.and_then(|id| {
                payments
                    .iter()
                    .find(|p| p.id == id)
                    .map(|p| p.operation_number.clone())
            }),
            photo_url: format!("/api/v1/applicants/{}/photo", a.id),
            signature_url: format!("/api/v1/applicants/{}/signature", a.id),
            files_purged: false,
        }
    }
}

/// A receipt as the ticket page and the wizard show it.
pub(super) struct PaymentRow {
    pub id: String,
    pub operation_number: String,
    pub paid_on: String,
    pub amount: String,
    pub tribute_code: String,
    pub payer_dni: String,
    pub channel: String,
    /// The applicant it pays for, once linked.
    pub linked_to: Option<String>,
    pub file_url: String,
    pub file_kind: &'static str,
    /// The receipt's file was deleted, its retention period over (Ley 29733).
    pub files_purged: bool,
}

impl PaymentRow {
    /// Every receipt of the ticket, in order.
    pub fn all(view: &uc::TicketView) -> Vec<Self> {
        let files_purged = view.ticket.files_purged_at.is_some();
        view.payments
            .iter()
            .map(|p| PaymentRow {
                files_purged,
                ..PaymentRow::new(p, &view.applicants)
            })
            .collect()
    }

    pub fn new(p: &Payment, applicants: &[Applicant]) -> Self {
        Self {
            id: p.id.to_string(),
            operation_number: p.operation_number.clone(),
            paid_on: format_date(p.paid_on),
            amount: p.amount.soles(),
            tribute_code: p.tribute_code.clone(),
            payer_dni: p.payer_dni.to_string(),
            channel: p.channel.label().to_owned(),
            linked_to: p.applicant_id.and_then(|id| {
                applicants
                    .iter()
                    .find(|a| a.id == id)
                    .map(Applicant::full_name)
            }),
            file_url: format!("/api/v1/payments/{}/receipt", p.id),
            file_kind: if p.receipt_mime == "application/pdf" {
                "PDF"
            } else {
                "imagen"
            },
            files_purged: false,
        }
    }
}

/// What a history entry means, in words for people.
pub(super) fn event_text(event: Event, kind: Kind) -> &'static str {
    match (event, kind) {
        (Event::Action(Action::Complete), Kind::Instalacion) => "Instaló el certificado",
        (Event::Action(Action::Complete), Kind::Cancelacion) => "Canceló el certificado",
        _ => event.label(),
    }
}

/// A line of history as the ticket pages show it.
pub(super) struct HistoryRow {
    pub at: String,
    pub who: String,
    pub what: &'static str,
    pub status: Option<StatusBadge>,
    pub comment: Option<String>,
}

impl HistoryRow {
    pub fn new(e: &HistoryEntry, kind: Kind) -> Self {
        Self {
            at: datetime(e.at),
            who: e.actor_name.clone().unwrap_or_else(|| "Sistema".into()),
            what: event_text(e.event, kind),
            status: e
                .from_status
                .filter(|from| *from != e.to_status)
                .map(|_| e.to_status.into()),
            comment: e.comment.clone(),
        }
    }
}

/// The service desk's observation of an observed ticket (what to correct).
pub(super) fn observation(view: &uc::TicketView) -> Option<String> {
    if view.ticket.status != Status::Observado {
        return None;
    }
    view.last(Event::Action(Action::Observe))
        .and_then(|e| e.comment.clone())
}

/// What the status means for the person who asked, and what comes next.
fn status_explanation(status: Status, kind: Kind) -> &'static str {
    match status {
        Status::Borrador => "Aún no lo envió: la Mesa de Servicios no lo ve hasta que lo envíe.",
        Status::Enviado => "Recibido. Espera su turno: se atiende en orden de llegada, sin importar la urgencia.",
        Status::EnAtencion => "Un analista de la Mesa de Servicios está revisando su solicitud.",
        Status::Observado => "La Mesa de Servicios le pide corregir algo antes de continuar (vea la observación).",
        Status::Programado => "Aprobado por la Mesa de Servicios. Se enviará a RENIEC en la fecha indicada para cada solicitante.",
        Status::EnviadoReniec => "Enviado a RENIEC. RENIEC enviará a cada solicitante un correo de DCDelivery; cuando le llegue, solicite la instalación desde «Mis certificados».",
        Status::Atendido => "RENIEC respondió. Revise el resultado de cada solicitante y, si fue aprobado, solicite la instalación desde «Mis certificados».",
        Status::Rechazado => "La Mesa de Servicios rechazó la solicitud (vea el motivo). Puede registrar un trámite nuevo.",
        Status::Anulado => "Trámite anulado: ya no se atenderá.",
        Status::Instalado => "Certificado instalado.",
        Status::Cancelado => match kind {
            Kind::Cancelacion => "Certificado cancelado.",
            _ => "Trámite cancelado.",
        },
    }
}

// ---------------------------------------------------------------------------------------
// Mis trámites

struct TicketRow {
    id: String,
    number: String,
    kind: &'static str,
    reason: &'static str,
    status: StatusBadge,
    submitted: Option<String>,
    /// What the "Enviado el" cell says of a ticket never sent: "Sin enviar (borrador creado
    /// el 01/12/2026)" — no "Enviado el" label before it on a phone.
    unsent: String,
}

#[derive(Template)]
#[template(path = "tickets_list.html")]
struct ListPage {
    layout: Layout,
    tickets: Vec<TicketRow>,
    first_page: bool,
    search: SearchForm,
}

pub async fn list(
    State(state): State<WebState>,
    me: SignedIn,
    Query(query): Query<SearchQuery>,
) -> PageResult {
    let (found, errors) =
        ticket_search::run(&state.app, me.user(), &query, true, LIST_PAGE).await?;
    let search = ticket_search::form("/tramites", &query, found.as_ref(), errors);
    let first_page = query.page_at()? == PageAt::First;
    let failed = found.is_none();
    let tickets = found
        .map(|f| f.tickets)
        .unwrap_or_default()
        .into_iter()
        .map(|t| TicketRow {
            submitted: t.submitted_at.map(datetime),
            unsent: {
                let created = format_date(schedule::to_lima(t.created_at).date());
                if t.status == Status::Borrador {
                    format!("Sin enviar (borrador creado el {created})")
                } else {
                    format!("No se envió (creado el {created})")
                }
            },
            kind: t.kind.label(),
            reason: t.reason.text(),
            status: t.status.into(),
            id: t.id.to_string(),
            number: t.number.to_string(),
        })
        .collect();
    Ok(super::render_form(
        failed,
        &ListPage {
            layout: Layout::new("Mis trámites", Some(&me.viewer), "/tramites"),
            tickets,
            first_page,
            search,
        },
    ))
}

// ---------------------------------------------------------------------------------------
// The ticket page

/// A comment from the service desk the requester must read (observation, rejection).
struct DeskNote {
    heading: &'static str,
    text: String,
    at: String,
}

#[derive(Template)]
#[template(path = "ticket_show.html")]
struct TicketPage {
    layout: Layout,
    head: TicketHead,
    requester: String,
    created: String,
    submitted: Option<String>,
    explanation: &'static str,
    queue_position: Option<i64>,
    has_applicants: bool,
    requires_payment: bool,
    certificate: Option<String>,
    /// Instalación: the holder's phone, as given.
    contact_phone: Option<String>,
    applicants: Vec<ApplicantRow>,
    payments: Vec<PaymentRow>,
    history: Vec<HistoryRow>,
    desk_note: Option<DeskNote>,
    /// Owner actions available now.
    can_edit: bool,
    can_withdraw: bool,
    observed: bool,
    /// The first wizard step still to do (or the applicants step, to correct).
    edit_href: String,
}

fn ticket_notice(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "enviado" => Some(
            "Su solicitud fue enviada. Será atendida en orden de llegada; le avisaremos por correo la fecha de envío a RENIEC.",
        ),
        "enviado-otro" => Some(
            "Su solicitud fue enviada. Será atendida en orden de llegada; un analista se comunicará con usted.",
        ),
        "anulado" => Some("El trámite fue anulado."),
        _ => None,
    }
}

pub async fn show(
    State(state): State<WebState>,
    me: SignedIn,
    Id(id): Id<TicketId>,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let view = uc::view(&state.app, me.user(), id).await?;
    let t = &view.ticket;
    let user = me.user();
    let is_owner = t.requester_id == user.id;
    let actions = ticket::available_actions(t.kind, t.status, actor_on(user, t));
    let can_edit = is_owner && t.status.is_editable();
    let desk_note = match t.status {
        Status::Observado => view
            .last(Event::Action(Action::Observe))
            .map(|e| ("Observación de la Mesa de Servicios", e)),
        Status::Rechazado => view
            .last(Event::Action(Action::Reject))
            .map(|e| ("Motivo del rechazo", e)),
        _ => None,
    }
    .and_then(|(heading, e)| {
        e.comment.as_ref().map(|c| DeskNote {
            heading,
            text: c.clone(),
            at: datetime(e.at),
        })
    });
    let step = if t.status == Status::Borrador
        && t.reason.requires_payment()
        && view.payments.is_empty()
    {
        "pagos"
    } else if t.kind.has_applicants()
        && (t.status == Status::Observado || view.applicants.is_empty())
    {
        "solicitantes"
    } else {
        "enviar"
    };
    let edit_href = format!("/tramites/{}/{step}", t.id);
    let layout = Layout::new(
        format!("Trámite {}", t.number),
        Some(&me.viewer),
        "/tramites",
    )
    .with_notice(ticket_notice(query.aviso.as_deref()));
    let page = TicketPage {
        layout,
        head: t.into(),
        requester: t.requester_name.clone(),
        created: datetime(t.created_at),
        submitted: t.submitted_at.map(datetime),
        explanation: status_explanation(t.status, t.kind),
        queue_position: view.queue_position,
        has_applicants: t.kind.has_applicants(),
        requires_payment: t.reason.requires_payment(),
        certificate: view.certificate.as_ref().map(super::certificates::describe),
        contact_phone: t
            .contact_phone
            .as_deref()
            .and_then(|p| domain::phone::PhoneNumber::parse(p).ok())
            .map(|p| p.to_string()),
        applicants: ApplicantRow::all(&view),
        payments: PaymentRow::all(&view),
        history: view
            .history
            .iter()
            .map(|e| HistoryRow::new(e, t.kind))
            .collect(),
        desk_note,
        can_edit,
        can_withdraw: is_owner && actions.contains(&Action::Withdraw),
        observed: t.status == Status::Observado,
        edit_href,
    };
    Ok(render(StatusCode::OK, &page))
}

// ---------------------------------------------------------------------------------------
// Withdraw (with a confirmation step)

#[derive(Template)]
#[template(path = "ticket_withdraw.html")]
struct WithdrawPage {
    layout: Layout,
    head: TicketHead,
    submitted: bool,
}

pub async fn withdraw_form(
    State(state): State<WebState>,
    me: SignedIn,
    Id(id): Id<TicketId>,
) -> PageResult {
    let view = uc::view(&state.app, me.user(), id).await?;
    let t = &view.ticket;
    let is_owner = t.requester_id == me.user().id;
    let actions = ticket::available_actions(t.kind, t.status, actor_on(me.user(), t));
    if !is_owner || !actions.contains(&Action::Withdraw) {
        return see_other(format!("/tramites/{}", t.id));
    }
    Ok(render(
        StatusCode::OK,
        &WithdrawPage {
            layout: Layout::new(
                format!("Anular el trámite {}", t.number),
                Some(&me.viewer),
                "/tramites",
            ),
            head: t.into(),
            submitted: t.status == Status::Enviado,
        },
    ))
}

#[derive(serde::Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    comment: String,
}

pub async fn withdraw(
    State(state): State<WebState>,
    me: SignedIn,
    Id(id): Id<TicketId>,
    form: CsrfForm<WithdrawForm>,
) -> PageResult {
    let comment = Some(form.data.comment.trim()).filter(|c| !c.is_empty());
    let view = uc::withdraw(&state.app, me.user(), id, comment).await?;
    see_other(format!("/tramites/{}?aviso=anulado", view.ticket.id))
}
