//! The analysts' side of a ticket (SPEC "Lifecycle"): the FIFO queue, take, observe,
//! approve (which schedules each applicant for its RENIEC batch), reject.

use domain::{
    applicant::ApplicantStatus,
    schedule,
    ticket::{self, Action, Actor, Kind, Status, TransitionFacts},
};
use jiff::{civil::Date, Timestamp};

use super::{
    auth,
    schedule::dispatch_at_in,
    tickets::{transition_error, view, TicketView},
    App, AppError, AppResult,
};
use crate::{
    mail,
    store::{
        applicants, batches, certificates, outbox,
        tickets::{self as ticket_store, NewEvent, Ticket},
        users::{self, User},
        Conn, StoreError, Tx,
    },
};

/// A page of the queue: open tickets in strict FIFO order by their last submission.
pub async fn queue(
    app: &App,
    actor: &User,
    kind: Option<Kind>,
    status: Option<Status>,
    after: Option<(Timestamp, &str)>,
    limit: i64,
) -> AppResult<Vec<Ticket>> {
    auth::require_analyst(actor)?;
    if let Some(status) = status.filter(|s| !s.is_in_queue()) {
        return Err(AppError::field(
            "status",
            format!(
                "«{}» no es un estado de la cola: use enviado o en_atencion.",
                status.as_str()
            ),
        ));
    }
    let mut conn = app.store.conn().await?;
    Ok(ticket_store::queue(&mut conn, kind, status, after, limit).await?)
}

/// The ticket's place in line, while it waits (shown to its requester too).
pub async fn queue_position(app: &App, ticket: &Ticket) -> AppResult<Option<i64>> {
    match (ticket.status.is_in_queue(), ticket.submitted_at) {
        (true, Some(at)) => {
            let mut conn = app.store.conn().await?;
            Ok(Some(
                ticket_store::queue_position(&mut conn, at, &ticket.id).await?,
            ))
        }
        _ => Ok(None),
    }
}

/// Moves the ticket by an analyst's action inside `tx`; returns the ticket as it was.
pub(crate) async fn move_ticket(
    tx: &mut Conn,
    actor: &User,
    ticket_id: &str,
    action: Action,
    facts: impl FnOnce(TransitionFacts<'static>) -> TransitionFacts<'static>,
    comment: Option<&str>,
    now: Timestamp,
) -> AppResult<(Ticket, Status)> {
    let ticket = ticket_store::by_id(tx, ticket_id).await?;
    if !actor.role.is_analyst() && ticket.requester_id != actor.id {
        return Err(AppError::NotFound);
    }
    let base = TransitionFacts::new(Actor::user(actor.role, ticket.requester_id == actor.id));
    let facts = TransitionFacts {
        comment,
        ..facts(base)
    };
    let to = ticket::transition(ticket.kind, ticket.reason, ticket.status, action, &facts)
        .map_err(transition_error)?;
    ticket_store::set_status(tx, &ticket.id, ticket.status, to, None, now)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => {
                AppError::Conflict("El ticket cambió mientras tanto. Vuelva a cargarlo.".into())
            }
            other => other.into(),
        })?;
    ticket_store::record_event(
        tx,
        &NewEvent {
            ticket_id: &ticket.id,
            actor_id: Some(&actor.id),
            event: action.as_str(),
            from_status: Some(ticket.status),
            to_status: to,
            comment: comment.map(str::trim).filter(|c| !c.is_empty()),
        },
        now,
    )
    .await?;
    Ok((ticket, to))
}

/// Writes a notice to the ticket's requester into the outbox, in the caller's transaction.
pub(crate) async fn notify_requester(
    app: &App,
    tx: &mut Tx,
    ticket: &Ticket,
    subject: String,
    paragraphs: &[String],
) -> AppResult<()> {
    let requester = users::by_id(tx, &ticket.requester_id).await?;
    let link = format!("{}/tramites/{}", app.config.base_url, ticket.id);
    let notice = mail::ticket_notice(
        &requester.email,
        &requester.name,
        subject,
        paragraphs,
        &link,
    )?;
    outbox::enqueue(tx, &notice, app.now()).await?;
    Ok(())
}

/// Takes a ticket from the queue: it is assigned to the analyst.
pub async fn take(app: &App, actor: &User, ticket_id: &str) -> AppResult<TicketView> {
    auth::require_analyst(actor)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let (ticket, _) =
        move_ticket(&mut tx, actor, ticket_id, Action::Take, |f| f, None, now).await?;
    ticket_store::assign(&mut tx, &ticket.id, &actor.id).await?;
    tx.commit().await.map_err(StoreError::from)?;
    view(app, actor, ticket_id).await
}

/// Returns the ticket to its requester with a comment saying what to correct.
pub async fn observe(
    app: &App,
    actor: &User,
    ticket_id: &str,
    comment: &str,
) -> AppResult<TicketView> {
    auth::require_analyst(actor)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let (ticket, _) = move_ticket(
        &mut tx,
        actor,
        ticket_id,
        Action::Observe,
        |f| f,
        Some(comment),
        now,
    )
    .await?;
    notify_requester(
        app,
        &mut tx,
        &ticket,
        format!("Su trámite {} fue observado", ticket.number),
        &[
            format!("La Mesa de Servicios revisó su trámite {} y necesita que corrija lo siguiente:", ticket.number),
            comment.trim().to_owned(),
            "Corrija el trámite y vuelva a enviarlo. Volverá a la cola en orden de llegada, desde el momento en que lo envíe.".into(),
        ],
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    view(app, actor, ticket_id).await
}

/// Rejects the ticket with a reason.
pub async fn reject(
    app: &App,
    actor: &User,
    ticket_id: &str,
    reason: &str,
) -> AppResult<TicketView> {
    auth::require_analyst(actor)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let (ticket, _) = move_ticket(
        &mut tx,
        actor,
        ticket_id,
        Action::Reject,
        |f| f,
        Some(reason),
        now,
    )
    .await?;
    notify_requester(
        app,
        &mut tx,
        &ticket,
        format!("Su trámite {} fue rechazado", ticket.number),
        &[
            format!("La Mesa de Servicios rechazó su trámite {}.", ticket.number),
            format!("Motivo: {}", reason.trim()),
        ],
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    view(app, actor, ticket_id).await
}

/// The expiry that the 10-day rule uses for an applicant: the one typed on the form, or the
/// registry's latest certificate for the DNI.
async fn current_expiry(
    conn: &mut Conn,
    applicant: &applicants::Applicant,
) -> AppResult<Option<Date>> {
    if let Some(typed) = applicant
        .current_expires_on
        .as_deref()
        .and_then(|d| d.parse().ok())
    {
        return Ok(Some(typed));
    }
    Ok(certificates::latest_expiry_for_dni(conn, &applicant.dni).await?)
}

/// Approves an emision/reemision ticket: each applicant gets its RENIEC dispatch time and
/// the requester is told when. Runs under the batch lock, so a closing batch cannot miss it.
pub async fn approve(app: &App, actor: &User, ticket_id: &str) -> AppResult<TicketView> {
    auth::require_analyst(actor)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    batches::lock(&mut tx).await?;
    let (ticket, _) =
        move_ticket(&mut tx, actor, ticket_id, Action::Approve, |f| f, None, now).await?;
    let mut lines = vec![format!(
        "Su trámite {} fue aprobado por la Mesa de Servicios. Se enviará a RENIEC en esta fecha:",
        ticket.number
    )];
    for applicant in applicants::for_ticket(&mut tx, &ticket.id).await? {
        let expires = current_expiry(&mut tx, &applicant).await?;
        let mut at = dispatch_at_in(&mut tx, now, now, expires).await?;
        // A cut-off already closed (another server's clock ran ahead) cannot take it: the
        // next one does.
        while batches::by_cutoff(&mut tx, at.timestamp()).await?.is_some() {
            at = dispatch_at_in(&mut tx, now, at.timestamp(), expires).await?;
        }
        applicants::set_status(
            &mut tx,
            &applicant.id,
            ApplicantStatus::Programado,
            Some(at.timestamp()),
        )
        .await?;
        let held = expires.is_some()
            && at.timestamp() > dispatch_at_in(&mut tx, now, now, None).await?.timestamp();
        let mut line = format!(
            "• {}: {}.",
            applicant.full_name(),
            schedule::format_dispatch(&at)
        );
        if held {
            line.push_str(" Se envía diez días antes de la caducidad de su certificado actual, como indica el procedimiento.");
        }
        lines.push(line);
    }
    lines.push("Cuando RENIEC apruebe la solicitud, le enviará un correo con el enlace de DCDelivery para generar su certificado.".into());
    notify_requester(
        app,
        &mut tx,
        &ticket,
        format!("Su trámite {} se enviará a RENIEC", ticket.number),
        &lines,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    tracing::info!(ticket = %ticket.number, "ticket approved");
    view(app, actor, ticket_id).await
}

/// People by user id, for the analysts' pages (who registered or took a ticket, who closed
/// a batch, how to reach them). Unknown ids are left out.
pub async fn people(
    app: &App,
    actor: &User,
    ids: &[&str],
) -> AppResult<std::collections::HashMap<String, User>> {
    auth::require_analyst(actor)?;
    let mut conn = app.store.conn().await?;
    let mut people = std::collections::HashMap::new();
    for id in ids {
        if people.contains_key(*id) {
            continue;
        }
        match users::by_id(&mut conn, id).await {
            Ok(user) => {
                people.insert(user.id.clone(), user);
            }
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(people)
}
