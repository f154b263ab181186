//! Who is told what, and how (SPEC "Notifications"). Every notice is written in the
//! transaction of the change it announces: an in-app notice for a user, and a mail in the
//! outbox when the notice is important or the user asked for copies. The outbox worker
//! delivers the mail later, so nothing is lost when the mail server is down.
//!
//! Ticket notices come from [`on_history`], which `history::record` calls for every line:
//! it `match`es on the [`Event`], so no event can be forgotten. It reads what the notice
//! says from the database as it stands, so a use case writes its change (the dispatch
//! times, the appointment) before the history line that announces it.

use std::collections::HashMap;

use domain::{
    certificate,
    ids::{TicketId, UserId},
    ticket::{Action, Event, Kind},
};
use jiff::Timestamp;

use super::{
    history::Line,
    review::{self, ExpirySource},
    schedule::dispatch_at_in,
    settings, App, AppResult,
};
use crate::{
    mail::{
        ics,
        notices::{self, Dispatch, ExpiryNote, TicketRef},
        Message,
    },
    store::{
        applicants, batches, certificates,
        notifications::{self, NewNotification},
        outbox::{self, NewMail},
        tickets::{self, Filed},
        users::{self, User},
        Conn,
    },
};

/// Whom a notice goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// Their account; None for someone without one (an access request's author).
    pub user_id: Option<UserId>,
    pub email: String,
    pub name: String,
    /// Also wants by mail the notices that are in-app only by default.
    pub mail_copies: bool,
}

impl Recipient {
    pub fn user(user: &User) -> Self {
        Self {
            user_id: Some(user.id),
            email: user.email.clone(),
            name: user.name.clone(),
            mail_copies: user.mail_copies,
        }
    }

    /// Someone without an account: mail only.
    pub fn person(email: &str, name: &str) -> Self {
        Self {
            user_id: None,
            email: email.to_owned(),
            name: name.to_owned(),
            mail_copies: true,
        }
    }
}

/// A notice for one recipient.
#[derive(Debug, Clone)]
pub struct Notice {
    pub to: Recipient,
    pub ticket: Option<TicketId>,
    pub message: Message,
}

/// Writes the notices: the in-app twin for users (many rows at once), and the mails.
pub async fn send(app: &App, conn: &mut Conn, notices: &[Notice], now: Timestamp) -> AppResult<()> {
    let in_app: Vec<NewNotification> = notices
        .iter()
        .filter_map(|n| {
            Some(NewNotification {
                user_id: n.to.user_id?,
                kind: n.message.kind,
                ticket_id: n.ticket,
                title: n.message.subject.clone(),
                body: n.message.lead.clone(),
                link: n.message.in_app_link().map(str::to_owned),
            })
        })
        .collect();
    notifications::insert_many(conn, &in_app, now).await?;
    let domain = app.config.message_domain();
    for n in notices {
        if n.to.user_id.is_some() && !n.message.kind.by_mail(n.to.mail_copies) {
            continue;
        }
        let rendered = n
            .message
            .render(&app.config.base_url)
            .map_err(anyhow::Error::from)?;
        let mail = NewMail {
            kind: n.message.kind,
            to: n.to.email.clone(),
            user_id: n.to.user_id,
            subject: n.message.subject.clone(),
            body_text: rendered.text,
            body_html: rendered.html,
            attachment: n.message.attachment.clone(),
            link: n.message.link,
        };
        outbox::enqueue(conn, &mail, &domain, now).await?;
    }
    Ok(())
}

/// Whether a history line is announced to anyone. Exhaustive: a new event must say.
fn announced(line: &Line<'_>) -> bool {
    match line.event {
        Event::Created
        | Event::PaymentAdded
        | Event::PaymentRemoved
        | Event::ApplicantAdded
        | Event::ApplicantRemoved
        | Event::ApplicantEdited => false,
        Event::ReniecAnswered => true,
        Event::Action(action) => match action {
            // The requester's own moves, and the analyst's taking it or giving it back to
            // the queue: nothing to tell.
            Action::Correct | Action::Withdraw | Action::Take | Action::Release => false,
            // Each applicant's answer was already announced; atendido says nothing new.
            Action::RecordResults => false,
            Action::Submit
            | Action::Observe
            | Action::Approve
            | Action::Reject
            | Action::Dispatch
            | Action::Appointment
            | Action::Complete => true,
        },
    }
}

/// How many notices [`on_history`] builds before writing them.
const NOTICES_PER_WRITE: usize = 500;

/// The notices of history lines, written in the caller's transaction.
pub(super) async fn on_history(
    app: &App,
    conn: &mut Conn,
    lines: &[Line<'_>],
    now: Timestamp,
) -> AppResult<()> {
    let lines: Vec<&Line<'_>> = lines.iter().filter(|l| announced(l)).collect();
    if lines.is_empty() {
        return Ok(());
    }
    let entity = settings::load_in(conn).await?.entity_name;
    let mut ids: Vec<TicketId> = lines.iter().map(|l| l.ticket_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let filed: HashMap<TicketId, Filed> = tickets::filed(conn, &ids)
        .await?
        .into_iter()
        .map(|f| (f.id, f))
        .collect();
    // Written a chunk at a time: a batch of thousands never holds all its notices at once.
    let mut out = Vec::with_capacity(lines.len().min(NOTICES_PER_WRITE));
    // The batch being closed is the newest: its cut-off, read once for all its tickets.
    let mut batch_cutoff: Option<jiff::Zoned> = None;
    for line in lines {
        let Some(f) = filed.get(&line.ticket_id) else {
            continue;
        };
        let comment = line.comment.unwrap_or_default();
        let requester = Recipient::user(&f.requester);
        let to = |message: Message| Notice {
            to: requester.clone(),
            ticket: Some(f.id),
            message,
        };
        let name = f.requester.name.as_str();
        let t = &TicketRef {
            id: f.id,
            number: f.number,
        };
        match line.event {
            Event::ReniecAnswered => {
                let Some(applicant_id) = line.applicant_id else {
                    continue;
                };
                let a = applicants::by_id(conn, applicant_id).await?;
                let message = match (a.delivery_sent_on, a.reniec_reason.as_deref()) {
                    (Some(sent), _) => notices::reniec_approved(
                        t,
                        name,
                        &a.full_name(),
                        sent,
                        certificate::download_deadline(sent),
                        &entity,
                    ),
                    (None, reason) => notices::reniec_rejected(
                        t,
                        name,
                        &a.full_name(),
                        reason.unwrap_or_default(),
                        &entity,
                    ),
                };
                out.push(to(message));
            }
            Event::Action(Action::Submit) => {
                let observer =
                    tickets::last_actor_of(conn, t.id, Event::Action(Action::Observe)).await?;
                out.push(to(notices::ticket_received(
                    t,
                    name,
                    observer.is_some(),
                    &entity,
                )));
                if let Some(analyst) = observer {
                    let analyst = users::by_id(conn, analyst).await?;
                    if analyst.active {
                        out.push(Notice {
                            message: notices::ticket_corrected(
                                t,
                                &analyst.name,
                                name,
                                line.comment,
                                &entity,
                            ),
                            to: Recipient::user(&analyst),
                            ticket: Some(t.id),
                        });
                    }
                }
            }
            Event::Action(Action::Observe) => {
                out.push(to(notices::ticket_observed(t, name, comment, &entity)));
            }
            Event::Action(Action::Reject) => {
                out.push(to(notices::ticket_rejected(t, name, comment, &entity)));
            }
            Event::Action(Action::Approve) => {
                let dispatches = approved_dispatches(conn, t.id, now).await?;
                out.push(to(notices::ticket_approved(t, name, &dispatches, &entity)));
            }
            Event::Action(Action::Dispatch) => {
                let cutoff = match &batch_cutoff {
                    Some(cutoff) => cutoff.clone(),
                    None => {
                        let newest = batches::list(conn, None, 1).await?.into_iter().next();
                        let cutoff = domain::schedule::to_lima(newest.map_or(now, |b| b.cutoff_at));
                        batch_cutoff = Some(cutoff.clone());
                        cutoff
                    }
                };
                out.push(to(notices::sent_to_reniec(t, name, &cutoff, &entity)));
            }
            Event::Action(Action::Appointment) => {
                let ticket = tickets::by_id(conn, t.id).await?;
                let Some(appointment) = ticket.appointment else {
                    continue;
                };
                let bookings = tickets::count_events(conn, t.id, line.event).await?;
                let uid = format!("{}@{}", t.id, app.config.message_domain());
                let description = format!(
                    "Instalación del certificado digital, trámite {}. {}",
                    t.number,
                    appointment.note.as_deref().unwrap_or_default()
                );
                let calendar = ics::appointment(&ics::Appointment {
                    uid: &uid,
                    sequence: u32::try_from(bookings).unwrap_or(0),
                    at: appointment.at,
                    booked_at: now,
                    summary: "Instalación de certificado digital",
                    description: description.trim(),
                    location: &format!("Mesa de Servicios — {entity}"),
                });
                out.push(to(notices::appointment(
                    t,
                    name,
                    &domain::schedule::to_lima(appointment.at),
                    appointment.note.as_deref(),
                    calendar,
                    &entity,
                )));
            }
            Event::Action(Action::Complete) => {
                let ticket = tickets::by_id(conn, t.id).await?;
                let Some(cert) = ticket.certificate_id else {
                    continue;
                };
                let cert = certificates::by_id(conn, cert).await?;
                let message = match f.kind {
                    Kind::Cancelacion => notices::cancelled(
                        t,
                        name,
                        &cert.holder_name,
                        ticket.reason.text(),
                        &entity,
                    ),
                    Kind::Instalacion | Kind::Emision | Kind::Reemision => notices::installed(
                        t,
                        name,
                        &cert.holder_name,
                        cert.medium.map(|m| m.label()).unwrap_or("—"),
                        &entity,
                    ),
                };
                out.push(to(message));
            }
            Event::Created
            | Event::PaymentAdded
            | Event::PaymentRemoved
            | Event::ApplicantAdded
            | Event::ApplicantRemoved
            | Event::ApplicantEdited
            | Event::Action(
                Action::Correct
                | Action::Withdraw
                | Action::Take
                | Action::Release
                | Action::RecordResults,
            ) => {}
        }
        if out.len() >= NOTICES_PER_WRITE {
            send(app, conn, &out, now).await?;
            out.clear();
        }
    }
    send(app, conn, &out, now).await
}

/// Each applicant of an approved ticket with the time it goes to RENIEC.
async fn approved_dispatches(
    conn: &mut Conn,
    ticket: TicketId,
    now: Timestamp,
) -> AppResult<Vec<Dispatch>> {
    let settings = settings::load_in(conn).await?;
    let next_cutoff = dispatch_at_in(conn, &settings, now, None).await?;
    let mut out = Vec::new();
    for a in applicants::for_ticket(conn, ticket).await? {
        let Some(at) = a.dispatch_at else { continue };
        // The same expiry `approve` used, read in the same transaction.
        let (expiry, _) = review::expiry_in(conn, &a).await?;
        out.push(Dispatch {
            applicant: a.full_name(),
            held_for_expiry: at > next_cutoff.timestamp(),
            at: domain::schedule::to_lima(at),
            expiry: expiry.map(|e| ExpiryNote {
                on: e.on,
                source: match e.source {
                    ExpirySource::Declared => "la que usted declaró en la solicitud".to_owned(),
                    ExpirySource::Registry(c) => format!(
                        "la del certificado {} registrado a nombre de {}",
                        c.number(),
                        c.holder_name
                    ),
                },
            }),
        });
    }
    Ok(out)
}
