//! The analysts' side of a ticket (SPEC "Lifecycle"): the FIFO queue, take, observe,
//! approve (which schedules each applicant for its RENIEC batch), reject, and what the
//! queue and review pages show, each read in one snapshot.

use domain::{
    ids::TicketId,
    ticket::{Action, Kind, Status},
};
use jiff::{civil::Date, Zoned};

use super::{
    auth,
    schedule::dispatch_at_in,
    settings,
    tickets::{view, view_in, TicketView},
    transition::{act, actor_on},
    App, AppError, AppResult,
};
use crate::store::{
    applicants::{self, Applicant},
    batches, certificates,
    tickets::{self as ticket_store, QueueCursor, Ticket},
    users::{self, User},
    Conn, StoreError, Tx,
};

/// Checks a queue filter: only the queue's statuses.
fn queue_status(status: Option<Status>) -> AppResult<Option<Status>> {
    match status {
        Some(s) if !s.is_in_queue() => Err(AppError::field(
            "status",
            format!(
                "«{}» no es un estado de la cola: use enviado o en_atencion.",
                s.as_str()
            ),
        )),
        other => Ok(other),
    }
}

/// A page of the queue: open tickets in strict FIFO order by their last submission.
pub async fn queue(
    app: &App,
    actor: &User,
    kind: Option<Kind>,
    status: Option<Status>,
    after: Option<QueueCursor>,
    limit: i64,
) -> AppResult<Vec<Ticket>> {
    auth::require_analyst(actor)?;
    let status = queue_status(status)?;
    let mut conn = app.store.conn().await?;
    Ok(ticket_store::queue(&mut conn, kind, status, after, limit).await?)
}

/// A page of the queue with each ticket's place in the whole line, filters or not.
#[derive(Debug, Clone)]
pub struct QueuePage {
    pub tickets: Vec<(i64, Ticket)>,
}

/// The queue page, read in one snapshot.
pub async fn queue_page(
    app: &App,
    actor: &User,
    kind: Option<Kind>,
    status: Option<Status>,
    after: Option<QueueCursor>,
    limit: i64,
) -> AppResult<QueuePage> {
    auth::require_analyst(actor)?;
    let status = queue_status(status)?;
    let mut tx = app.store.read().await?;
    let tickets = ticket_store::queue(&mut tx, kind, status, after, limit).await?;
    let mut placed = Vec::with_capacity(tickets.len());
    let unfiltered = kind.is_none() && status.is_none();
    let mut next_place = None;
    for t in tickets {
        // Unfiltered, the page is a run of the line: count once, then add one.
        let place = match next_place {
            Some(place) if unfiltered => place,
            _ => ticket_store::queue_position(&mut tx, QueueCursor::after(&t)).await?,
        };
        next_place = Some(place + 1);
        placed.push((place, t));
    }
    Ok(QueuePage { tickets: placed })
}

/// Commits a move and reads the ticket again, as the one who moved it sees it.
pub(crate) async fn commit_and_view(
    app: &App,
    tx: Tx,
    actor: &User,
    ticket_id: TicketId,
) -> AppResult<TicketView> {
    tx.commit().await.map_err(StoreError::from)?;
    view(app, actor, ticket_id).await
}

/// Takes a ticket from the queue: it is assigned to the analyst.
pub async fn take(app: &App, actor: &User, ticket_id: TicketId) -> AppResult<TicketView> {
    auth::require_analyst(actor)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let (ticket, _) = act(app, &mut tx, actor, ticket_id, Action::Take, None, now).await?;
    ticket_store::assign(&mut tx, ticket.id, actor.id).await?;
    tx.commit().await.map_err(StoreError::from)?;
    view(app, actor, ticket_id).await
}

/// An analyst's move that carries words for the requester (an observation, a rejection's
/// reason): the notice goes out with the history line.
async fn move_with_words(
    app: &App,
    actor: &User,
    ticket_id: TicketId,
    action: Action,
    words: &str,
) -> AppResult<TicketView> {
    auth::require_analyst(actor)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    act(app, &mut tx, actor, ticket_id, action, Some(words), now).await?;
    commit_and_view(app, tx, actor, ticket_id).await
}

/// Returns the ticket to its requester with a comment saying what to correct.
pub async fn observe(
    app: &App,
    actor: &User,
    ticket_id: TicketId,
    comment: &str,
) -> AppResult<TicketView> {
    move_with_words(app, actor, ticket_id, Action::Observe, comment).await
}

/// Rejects the ticket with a reason.
pub async fn reject(
    app: &App,
    actor: &User,
    ticket_id: TicketId,
    reason: &str,
) -> AppResult<TicketView> {
    move_with_words(app, actor, ticket_id, Action::Reject, reason).await
}

/// The expiry that the 10-day rule uses for an applicant: the one declared on the form, or
/// the latest expiry of a usable registry certificate with the applicant's DNI.
async fn current_expiry(conn: &mut Conn, applicant: &Applicant) -> AppResult<Option<Date>> {
    if let Some(declared) = applicant.current_expires_on {
        return Ok(Some(declared));
    }
    Ok(certificates::latest_usable_for_dni(conn, &applicant.dni)
        .await?
        .and_then(|c| c.expires_on))
}

/// Approves an emision/reemision ticket: each applicant gets its RENIEC dispatch time and
/// the requester is told when. Runs under the batch lock, so a closing batch cannot miss it.
/// The times are written first, so that the approval's notice states them.
pub async fn approve(app: &App, actor: &User, ticket_id: TicketId) -> AppResult<TicketView> {
    auth::require_analyst(actor)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    batches::lock(&mut tx).await?;
    let settings = settings::load_in(&mut tx).await?;
    for applicant in applicants::for_ticket(&mut tx, ticket_id).await? {
        let expires = current_expiry(&mut tx, &applicant).await?;
        let mut at = dispatch_at_in(&mut tx, &settings, now, expires).await?;
        // A cut-off already closed (another server's clock ran ahead) cannot take it: the
        // next one does.
        while batches::by_cutoff(&mut tx, at.timestamp()).await?.is_some() {
            at = dispatch_at_in(&mut tx, &settings, at.timestamp(), expires).await?;
        }
        applicants::schedule(&mut tx, applicant.id, at.timestamp()).await?;
    }
    // The state machine decides; when it refuses, the times above roll back with it.
    let (ticket, _) = act(app, &mut tx, actor, ticket_id, Action::Approve, None, now).await?;
    let view = commit_and_view(app, tx, actor, ticket_id).await?;
    tracing::info!(ticket = %ticket.number, "ticket approved");
    Ok(view)
}

/// Everything the review page shows, read in one snapshot.
#[derive(Debug, Clone)]
pub struct Review {
    pub view: TicketView,
    /// The ticket's requester (name and e-mail, to reach them).
    pub requester: User,
    /// The first ticket waiting to be taken, when it is not this one.
    pub head_of_queue: Option<Ticket>,
    /// The actions the viewing analyst could take now (role and lifecycle).
    pub actions: Vec<Action>,
    /// When an approval now would send it (the next cut-off), while approval is possible.
    pub next_cutoff: Option<Zoned>,
}

/// The review page of a ticket (analysts).
pub async fn review(app: &App, actor: &User, ticket_id: TicketId) -> AppResult<Review> {
    auth::require_analyst(actor)?;
    let now = app.now();
    let mut tx = app.store.read().await?;
    let view = view_in(&mut tx, actor, ticket_id).await?;
    let t = &view.ticket;
    let requester = users::by_id(&mut tx, t.requester_id).await?;
    let head_of_queue = ticket_store::queue(&mut tx, None, Some(Status::Enviado), None, 1)
        .await?
        .into_iter()
        .next()
        .filter(|head| head.id != t.id);
    let actions = domain::ticket::available_actions(t.kind, t.status, actor_on(actor, t));
    let next_cutoff = if actions.contains(&Action::Approve) {
        let settings = settings::load_in(&mut tx).await?;
        Some(dispatch_at_in(&mut tx, &settings, now, None).await?)
    } else {
        None
    };
    Ok(Review {
        requester,
        head_of_queue,
        actions,
        next_cutoff,
        view,
    })
}
