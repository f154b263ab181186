//! The one transition path. Whoever moves a ticket — its requester, an analyst, the
//! registry, the batch — the steps are the same, inside the caller's transaction:
//! 1. [`Facts::gather`] reads what the state machine needs to know about the ticket;
//! 2. [`decide`] lets `domain::ticket::transition` say yes (the new status) or why not;
//! 3. [`persist`] writes the new status (only if nobody moved it meanwhile) and the
//!    history line, through `history::record`.
//!
//! [`act`] chains the three for one person acting on one ticket; the batch gathers its facts
//! for many tickets in one query and persists them at once.

use domain::{
    applicant::ApplicantStatus,
    identity::Dni,
    ids::{TicketId, UserId},
    ticket::{self, Action, Actor, ErrorKind, Event, Status, TransitionError, TransitionFacts},
};
use jiff::Timestamp;

use super::{history, App, AppError, AppResult};
use crate::store::{
    applicants::{self, Applicant},
    tickets::{self, Ticket},
    users::User,
    Conn, StoreError,
};

/// What the state machine needs to know about one ticket, read in one transaction.
#[derive(Debug, Clone)]
struct Facts {
    applicants: Vec<Applicant>,
    /// DNIs twice in this ticket, or in another open ticket of the same kind.
    duplicate_dnis: Vec<Dni>,
    certificate_named: bool,
    appointment_recorded: bool,
    /// Tickets waiting to be taken that arrived before this one (when it waits too).
    earlier_waiting: usize,
}

impl Facts {
    /// Reads the facts of `ticket` inside `conn`.
    async fn gather(conn: &mut Conn, ticket: &Ticket) -> AppResult<Facts> {
        let applicants = applicants::for_ticket(conn, ticket.id).await?;
        let dnis: Vec<Dni> = applicants.iter().map(|a| a.dni.clone()).collect();
        let mut duplicate_dnis = ticket::repeated_dnis(&dnis);
        duplicate_dnis.extend(
            tickets::dnis_in_other_open_tickets(conn, ticket.kind, ticket.id, &dnis).await?,
        );
        let earlier_waiting = if ticket.status == Status::Enviado {
            tickets::waiting_before(conn, tickets::QueueCursor::after(ticket)).await?
        } else {
            0
        };
        Ok(Facts {
            applicants,
            duplicate_dnis,
            certificate_named: ticket.certificate_id.is_some(),
            appointment_recorded: ticket.appointment.is_some(),
            earlier_waiting: usize::try_from(earlier_waiting).unwrap_or(usize::MAX),
        })
    }

    /// The facts as the domain takes them.
    fn for_domain<'a>(&'a self, actor: Actor, comment: Option<&'a str>) -> TransitionFacts<'a> {
        let count =
            |keep: fn(&Applicant) -> bool| self.applicants.iter().filter(|a| keep(a)).count();
        TransitionFacts {
            actor,
            applicants: self.applicants.len(),
            applicants_missing_receipt: count(|a| a.payment_id.is_none()),
            duplicate_dnis: &self.duplicate_dnis,
            certificate_named: self.certificate_named,
            appointment_recorded: self.appointment_recorded,
            applicants_not_dispatched: count(|a| a.status == ApplicantStatus::Programado),
            applicants_without_result: count(|a| !a.status.has_result()),
            earlier_waiting: self.earlier_waiting,
            comment,
        }
    }
}

/// How `user` stands towards `ticket`, for the state machine.
pub fn actor_on(user: &User, ticket: &Ticket) -> Actor {
    Actor::user(user.role, ticket.requester_id == user.id)
}

/// The domain's verdict on `action`.
fn decide(
    ticket: &Ticket,
    facts: &TransitionFacts<'_>,
    action: Action,
) -> Result<Status, TransitionError> {
    ticket::transition(ticket.kind, ticket.reason, ticket.status, action, facts)
}

/// A transition error as the use-case error it stands for.
pub fn refused(err: TransitionError) -> AppError {
    match err.kind() {
        ErrorKind::Forbidden => AppError::Forbidden,
        ErrorKind::Conflict => AppError::Conflict(err.to_string()),
        ErrorKind::Invalid => {
            let field = match err {
                TransitionError::NoApplicants | TransitionError::DuplicateDni(_) => "applicants",
                TransitionError::MissingReceipts(_) => "payments",
                TransitionError::NoCertificate => "certificate_id",
                TransitionError::CommentRequired => "comment",
                // A rejection's and an out-of-turn take's words are their reason.
                TransitionError::CommentTooLong(Action::Reject | Action::Take, _) => "reason",
                TransitionError::CommentTooLong(..) => "comment",
                TransitionError::ReasonRequired | TransitionError::OutOfOrderReasonRequired(_) => {
                    "reason"
                }
                _ => "ticket",
            };
            AppError::field(field, err.to_string())
        }
    }
}

/// A decided move, ready to be written.
#[derive(Debug, Clone)]
pub struct Move<'a> {
    pub ticket: TicketId,
    pub action: Action,
    pub from: Status,
    pub to: Status,
    /// None for the scheduled job.
    pub actor: Option<UserId>,
    pub comment: Option<&'a str>,
}

/// Writes decided moves: the statuses (each only if the ticket is still where it was
/// decided from) and one history line each. A single move whose ticket moved meanwhile is a
/// conflict; in a bulk move such tickets are left out.
pub async fn persist(
    app: &App,
    conn: &mut Conn,
    moves: &[Move<'_>],
    now: Timestamp,
) -> AppResult<()> {
    match moves {
        [] => return Ok(()),
        [one] => {
            // A submission is the ticket's arrival time: its place in the FIFO queue.
            let submitted_at = (one.action == Action::Submit).then_some(now);
            tickets::set_status(conn, one.ticket, one.from, one.to, submitted_at, now)
                .await
                .map_err(|e| match e {
                    StoreError::NotFound => AppError::Conflict(
                        "El trámite cambió mientras tanto. Vuelva a cargarlo.".into(),
                    ),
                    other => other.into(),
                })?;
        }
        many => {
            for group in many.chunk_by(|a, b| (a.from, a.to) == (b.from, b.to)) {
                let ids: Vec<TicketId> = group.iter().map(|m| m.ticket).collect();
                tickets::set_statuses(conn, &ids, group[0].from, group[0].to, now).await?;
            }
        }
    }
    let lines: Vec<history::Line<'_>> = moves
        .iter()
        .map(|m| history::Line {
            ticket_id: m.ticket,
            actor_id: m.actor,
            event: Event::Action(m.action),
            from_status: Some(m.from),
            to_status: m.to,
            comment: m.comment,
            applicant_id: None,
        })
        .collect();
    history::record(app, conn, &lines, now).await
}

/// A ticket `user` may see: their own, or any for analysts and admins. Anything else is
/// `NotFound`, never `Forbidden`, so ids leak nothing.
pub async fn visible_ticket(conn: &mut Conn, user: &User, id: TicketId) -> AppResult<Ticket> {
    let ticket = tickets::by_id(conn, id).await?;
    if ticket.requester_id == user.id || user.role.is_analyst() {
        Ok(ticket)
    } else {
        Err(AppError::NotFound)
    }
}

/// Whether the domain would let `user` do `action` on `ticket` now; nothing is written.
/// For a use case whose own fields are wrong, to say first what the state machine says
/// (a ticket that cannot move at all is not fixed by correcting a field).
pub async fn check(conn: &mut Conn, user: &User, ticket: &Ticket, action: Action) -> AppResult<()> {
    let facts = Facts::gather(conn, ticket).await?;
    decide(
        ticket,
        &facts.for_domain(actor_on(user, ticket), None),
        action,
    )
    .map(|_| ())
    .map_err(refused)
}

/// `user` does `action` on the ticket: facts, decision, status and history, in `conn`.
/// Returns the ticket as it was before and its new status.
pub async fn act(
    app: &App,
    conn: &mut Conn,
    user: &User,
    ticket_id: TicketId,
    action: Action,
    comment: Option<&str>,
    now: Timestamp,
) -> AppResult<(Ticket, Status)> {
    try_act(app, conn, user, ticket_id, action, comment, now)
        .await?
        .map_err(refused)
}

/// [`act`], handing back the domain's refusal as it is, for a caller to whom some refusals
/// mean "not yet" (the last RENIEC answer makes a ticket atendido; the others do not).
/// Nothing is written when the domain refuses.
pub async fn try_act(
    app: &App,
    conn: &mut Conn,
    user: &User,
    ticket_id: TicketId,
    action: Action,
    comment: Option<&str>,
    now: Timestamp,
) -> AppResult<Result<(Ticket, Status), TransitionError>> {
    let ticket = visible_ticket(conn, user, ticket_id).await?;
    let facts = Facts::gather(conn, &ticket).await?;
    let to = match decide(
        &ticket,
        &facts.for_domain(actor_on(user, &ticket), comment),
        action,
    ) {
        Ok(to) => to,
        Err(refusal) => return Ok(Err(refusal)),
    };
    persist(
        app,
        conn,
        &[Move {
            ticket: ticket.id,
            action,
            from: ticket.status,
            to,
            actor: Some(user.id),
            comment,
        }],
        now,
    )
    .await?;
    Ok(Ok((ticket, to)))
}
