//! The analysts' side of a ticket (SPEC "Lifecycle"): the FIFO queue, take, observe,
//! approve (which schedules each applicant for its RENIEC batch), reject, and what the
//! queue and review pages show, each read in one snapshot.

use domain::{
    certificate::{self, CertificateState},
    ids::{ApplicantId, BatchId, CertificateId, ObservationTextId, TicketId},
    schedule,
    settings::Settings,
    ticket::{Action, Kind, Status},
};
use jiff::{civil::Date, Timestamp, Zoned};

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
    batches,
    certificates::{self, Certificate},
    notes::{self, Note},
    observation_texts::{self, ObservationText},
    reports,
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

/// Takes a ticket from the queue: it is assigned to the analyst. Only the oldest waiting
/// ticket is taken without a word; taking it before older ones needs `reason`, which the
/// domain requires (422 on `reason` otherwise) and the history line keeps as its comment.
pub async fn take(
    app: &App,
    actor: &User,
    ticket_id: TicketId,
    reason: Option<&str>,
) -> AppResult<TicketView> {
    auth::require_analyst(actor)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let (ticket, _) = act(app, &mut tx, actor, ticket_id, Action::Take, reason, now).await?;
    ticket_store::assign(&mut tx, ticket.id, actor.id).await?;
    tx.commit().await.map_err(StoreError::from)?;
    view(app, actor, ticket_id).await
}

/// Gives a taken ticket back to the queue: nobody attends it, and it keeps its place (its
/// arrival time does not change). `comment` is optional.
pub async fn release(
    app: &App,
    actor: &User,
    ticket_id: TicketId,
    comment: Option<&str>,
) -> AppResult<TicketView> {
    auth::require_analyst(actor)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let (ticket, _) = act(
        app,
        &mut tx,
        actor,
        ticket_id,
        Action::Release,
        comment,
        now,
    )
    .await?;
    ticket_store::unassign(&mut tx, ticket.id).await?;
    commit_and_view(app, tx, actor, ticket_id).await
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

/// The words of an observation: the canned texts picked (active ones, in the order given)
/// and the analyst's own words, one paragraph each. Unknown or deactivated texts are
/// refused on `canned`.
pub async fn observation_words(
    app: &App,
    canned: &[ObservationTextId],
    free: &str,
) -> AppResult<String> {
    let mut paragraphs = Vec::new();
    if !canned.is_empty() {
        let mut conn = app.store.conn().await?;
        for id in canned {
            match observation_texts::by_id(&mut conn, *id).await {
                Ok(text) if text.active => paragraphs.push(text.body),
                Ok(_) | Err(StoreError::NotFound) => {
                    return Err(AppError::field(
                        "canned",
                        "Una de las observaciones frecuentes elegidas ya no está disponible. Vuelva a cargar la página y elija de nuevo.",
                    ))
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    let free = free.trim();
    if !free.is_empty() {
        paragraphs.push(free.to_owned());
    }
    paragraphs.dedup();
    Ok(paragraphs.join("\n\n"))
}

/// Observes with canned texts and/or free words ([`observation_words`]).
pub async fn observe_with(
    app: &App,
    actor: &User,
    ticket_id: TicketId,
    canned: &[ObservationTextId],
    free: &str,
) -> AppResult<TicketView> {
    auth::require_analyst(actor)?;
    let words = observation_words(app, canned, free).await?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    act(
        app,
        &mut tx,
        actor,
        ticket_id,
        Action::Observe,
        Some(&words),
        now,
    )
    .await?;
    // Which texts were used, for the reports: the history keeps only the words, which stay
    // as they were sent even when an admin edits a text later.
    reports::record_reasons(&mut tx, ticket_id, canned, now).await?;
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

/// A registry certificate as the forecast names it: its holder, number and dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRef {
    pub certificate_id: CertificateId,
    pub holder_name: String,
    /// Its serial number, when known (read from its public part or typed at installation).
    pub serial: Option<String>,
    pub state: CertificateState,
    pub expires_on: Option<Date>,
    /// When it was recorded, to tell it apart when it has no serial.
    pub recorded_on: Date,
    /// Its holder name is the applicant's ([`certificate::same_holder`]).
    pub same_holder: bool,
}

/// What the approval's history line says when the analyst confirmed the photos show no
/// glasses (no check can tell; SPEC "Image checks").
pub const NO_GLASSES_CONFIRMED: &str =
    "Confirmó que revisó las fotos: ningún solicitante lleva lentes.";

impl RegistryRef {
    fn of(c: &Certificate, applicant: &Applicant) -> Self {
        RegistryRef {
            same_holder: certificate::same_holder(&c.holder_name, &applicant.full_name()),
            certificate_id: c.id,
            holder_name: c.holder_name.clone(),
            serial: c.serial.clone(),
            state: c.state,
            expires_on: c.expires_on,
            recorded_on: schedule::today_in_lima(c.created_at),
        }
    }

    /// "N.º 1A2B3C", or "sin N.º de serie (registrado el 30/11/2026)".
    pub fn number(&self) -> String {
        match &self.serial {
            Some(serial) => format!("N.º {serial}"),
            None => format!(
                "sin N.º de serie (registrado el {})",
                schedule::format_date(self.recorded_on)
            ),
        }
    }
}

/// Where the expiry used by the 10-day rule came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpirySource {
    /// Declared by the requester on the applicant's form.
    Declared,
    /// A usable registry certificate of the same person (same DNI, same name).
    Registry(RegistryRef),
}

impl ExpirySource {
    /// "declarada por el solicitante", "del registro: certificado N.º … de <holder>".
    pub fn describe(&self) -> String {
        match self {
            ExpirySource::Declared => "declarada por el solicitante".to_owned(),
            ExpirySource::Registry(c) => format!(
                "del registro: certificado {} de {}",
                c.number(),
                c.holder_name
            ),
        }
    }
}

/// The expiry E of the 10-day rule, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiryUsed {
    pub on: Date,
    pub source: ExpirySource,
}

/// Something about an applicant the analyst should look at before approving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForecastFlag {
    /// The applicant's DNI is on a registry certificate under another holder's name. That
    /// certificate's expiry is not used.
    OtherHolder(RegistryRef),
    /// An emision for a person who already holds a usable certificate.
    AlreadyHolds(RegistryRef),
}

/// What approving now gives an applicant: the expiry used, the RENIEC dispatch time, and
/// the flags the analyst decides on. One computation for the review page and `approve`.
#[derive(Debug, Clone)]
pub struct Forecast {
    pub applicant_id: ApplicantId,
    pub expiry: Option<ExpiryUsed>,
    pub dispatch_at: Zoned,
    /// Later than the next cut-off, because of the 10-day rule.
    pub held_for_expiry: bool,
    /// Every usable registry certificate with the applicant's DNI, whatever its name.
    pub registry: Vec<RegistryRef>,
}

impl Forecast {
    /// What the analyst should look at, for a ticket of `kind`: a certificate of the DNI
    /// under another name; for an emision, any usable certificate the person holds.
    pub fn flags(&self, kind: Kind) -> Vec<ForecastFlag> {
        let mut flags: Vec<ForecastFlag> = self
            .registry
            .iter()
            .filter(|c| !c.same_holder)
            .cloned()
            .map(ForecastFlag::OtherHolder)
            .collect();
        if kind == Kind::Emision {
            flags.extend(
                self.registry
                    .iter()
                    .cloned()
                    .map(ForecastFlag::AlreadyHolds),
            );
        }
        flags
    }
}

/// The expiry the 10-day rule uses for an applicant: the one the requester declared, or
/// else the latest expiry of a usable registry certificate with the applicant's DNI and
/// the applicant's name. A certificate with the DNI under another name is not the
/// applicant's to count on (docs/DECISIONS.md, issue 11): it only raises a flag.
pub(crate) async fn expiry_in(
    conn: &mut Conn,
    applicant: &Applicant,
) -> AppResult<(Option<ExpiryUsed>, Vec<RegistryRef>)> {
    let usable: Vec<RegistryRef> = certificates::usable_for_dni(conn, &applicant.dni)
        .await?
        .iter()
        .map(|c| RegistryRef::of(c, applicant))
        .collect();
    let used = match applicant.current_expires_on {
        Some(on) => Some(ExpiryUsed {
            on,
            source: ExpirySource::Declared,
        }),
        None => usable
            .iter()
            .filter(|c| c.same_holder)
            .filter_map(|c| c.expires_on.map(|on| (on, c)))
            .max_by_key(|(on, c)| (*on, c.certificate_id))
            .map(|(on, c)| ExpiryUsed {
                on,
                source: ExpirySource::Registry(c.clone()),
            }),
    };
    Ok((used, usable))
}

/// The [`Forecast`] of approving `applicant` at `now`, read inside the caller's connection
/// or transaction.
pub(crate) async fn forecast_in(
    conn: &mut Conn,
    settings: &Settings,
    applicant: &Applicant,
    now: Timestamp,
) -> AppResult<Forecast> {
    let (expiry, usable) = expiry_in(conn, applicant).await?;
    let expires = expiry.as_ref().map(|e| e.on);
    let mut at = dispatch_at_in(conn, settings, now, expires).await?;
    // A cut-off already closed (another server's clock ran ahead) cannot take it: the next
    // one does.
    while batches::by_cutoff(conn, at.timestamp()).await?.is_some() {
        at = dispatch_at_in(conn, settings, at.timestamp(), expires).await?;
    }
    let next_cutoff = dispatch_at_in(conn, settings, now, None).await?;
    Ok(Forecast {
        applicant_id: applicant.id,
        held_for_expiry: at.timestamp() > next_cutoff.timestamp(),
        dispatch_at: at,
        expiry,
        registry: usable,
    })
}

/// Approves an emision/reemision ticket: each applicant gets its RENIEC dispatch time (its
/// [`Forecast`], the one the review page showed) and the requester is told when. Runs
/// under the batch lock, so a closing batch cannot miss it. The times are written first,
/// so that the approval's notice states them.
///
/// The analyst's word on glasses: `Some(true)` is written in the approval's
/// history line; `Some(false)` is refused on `no_glasses_confirmed` (a photo with glasses is
/// observed, not approved); `None` says nothing (API clients written before the check).
pub async fn approve(
    app: &App,
    actor: &User,
    ticket_id: TicketId,
    no_glasses_confirmed: Option<bool>,
) -> AppResult<TicketView> {
    auth::require_analyst(actor)?;
    if no_glasses_confirmed == Some(false) {
        return Err(AppError::field(
            "no_glasses_confirmed",
            "Confirme que ningún solicitante lleva lentes en la foto. Si alguno los lleva, observe el trámite en lugar de aprobarlo.",
        ));
    }
    let comment = no_glasses_confirmed.and_then(|yes| yes.then_some(NO_GLASSES_CONFIRMED));
    let now = app.now();
    let mut tx = app.store.begin().await?;
    batches::lock(&mut tx).await?;
    let settings = settings::load_in(&mut tx).await?;
    for applicant in applicants::for_ticket(&mut tx, ticket_id).await? {
        let forecast = forecast_in(&mut tx, &settings, &applicant, now).await?;
        applicants::schedule(&mut tx, applicant.id, forecast.dispatch_at.timestamp()).await?;
    }
    // The state machine decides; when it refuses, the times above roll back with it.
    let (ticket, _) = act(
        app,
        &mut tx,
        actor,
        ticket_id,
        Action::Approve,
        comment,
        now,
    )
    .await?;
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
    /// The analysts' internal notes, oldest first (never shown to requesters).
    pub notes: Vec<Note>,
    /// Active canned observation texts, while observing is possible.
    pub canned: Vec<ObservationText>,
    /// The batch each applicant went in: (applicant, batch, cut-off).
    pub batches: Vec<(ApplicantId, BatchId, jiff::Timestamp)>,
    /// What approving now would give each applicant, while the ticket waits in the queue.
    pub forecasts: Vec<Forecast>,
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
    let notes = notes::for_ticket(&mut tx, t.id).await?;
    let canned = if actions.contains(&Action::Observe) {
        observation_texts::list(&mut tx, true).await?
    } else {
        Vec::new()
    };
    let batches = batches::of_ticket(&mut tx, t.id).await?;
    let mut forecasts = Vec::new();
    if t.kind.has_applicants() && t.status.is_in_queue() {
        let settings = settings::load_in(&mut tx).await?;
        for applicant in &view.applicants {
            forecasts.push(forecast_in(&mut tx, &settings, applicant, now).await?);
        }
    }
    Ok(Review {
        requester,
        head_of_queue,
        actions,
        next_cutoff,
        notes,
        canned,
        batches,
        forecasts,
        view,
    })
}
