//! Access requests (SPEC "Access requests"): anyone files one; an admin approves it, which
//! creates the account and e-mails a one-time set-password link, or rejects it with a reason.

use domain::{
    access::{AccessRequestInput, AccessRequestStatus},
    ids::AccessRequestId,
    role::Role,
};

use jiff::SignedDuration;

use super::{
    audit::{self, AuditEvent},
    auth,
    notify::{self, Notice, Recipient},
    settings, App, AppError, AppResult,
};
use crate::{
    mail::notices,
    store::{
        access_requests::{self, AccessRequest},
        new_id,
        rate_limits::{self, Reservation},
        users::{self, NewUser, User},
        StoreError,
    },
};

/// Access requests one client address may file within [`ACCESS_WINDOW`].
pub const MAX_ACCESS_REQUESTS_PER_IP: i64 = 20;
/// The window of [`MAX_ACCESS_REQUESTS_PER_IP`].
pub const ACCESS_WINDOW: SignedDuration = SignedDuration::from_hours(1);
/// At most one "you already have an account" mail per address within this window.
pub const OWNER_NOTICE_WINDOW: SignedDuration = SignedDuration::from_hours(24);

/// What filing answers: the same shape whether or not the address already had an account
/// or a pending request, so the answer tells a stranger nothing about which addresses exist.
#[derive(Debug, Clone)]
pub struct Filed {
    pub id: AccessRequestId,
    pub email: String,
    pub status: AccessRequestStatus,
}

/// Files a new request; every failing field is reported at once. A client address may
/// file [`MAX_ACCESS_REQUESTS_PER_IP`] valid requests an hour (429 after that).
///
/// No account enumeration: an address that already has an account, or a pending request,
/// gets the same answer as a new one (a fresh id that names nothing). Nothing is stored
/// then; the account's owner gets one mail a day at most saying that access was asked for
/// with their address and how to recover the password; a pending request's author already
/// got the acknowledgement.
pub async fn file(app: &App, input: &AccessRequestInput, client_ip: &str) -> AppResult<Filed> {
    let now = app.now();
    let domains = settings::load(app).await?.institutional_domains;
    let valid = input.validate(&domains, app.today())?;
    let mut conn = app.store.conn().await?;
    let key = rate_limits::key("access-ip", &[client_ip]);
    let reservation = rate_limits::reserve(
        &mut conn,
        &key,
        MAX_ACCESS_REQUESTS_PER_IP,
        ACCESS_WINDOW,
        now,
    )
    .await?;
    drop(conn);
    if let Reservation::Full { window_ends } = reservation {
        tracing::warn!(ip = client_ip, "access request refused: rate limit reached");
        return Err(auth::rate_limited(now, window_ends, |wait| {
            format!(
                "Se enviaron demasiadas solicitudes de acceso desde esta conexión. Espere {wait} \
                 e intente de nuevo."
            )
        }));
    }
    let email = valid.email.as_str();
    let answer = |id| Filed {
        id,
        email: email.to_owned(),
        status: AccessRequestStatus::Pendiente,
    };
    let mut tx = app.store.begin().await?;
    let entity = settings::load_in(&mut tx).await?.entity_name;
    if let Some(owner) = users::by_email(&mut tx, email).await? {
        let once = rate_limits::key("access-owner-notice", &[email]);
        let notify_owner = matches!(
            rate_limits::reserve(&mut tx, &once, 1, OWNER_NOTICE_WINDOW, now).await?,
            Reservation::Taken { .. }
        );
        if notify_owner {
            let notice = Notice {
                to: Recipient::person(&owner.email, &owner.name),
                ticket: None,
                message: notices::access_requested_for_existing_account(&owner.name, &entity),
            };
            notify::send(app, &mut tx, &[notice], now).await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        tracing::info!(user_id = %owner.id, "access request for an existing account: not filed");
        return Ok(answer(new_id(now)));
    }
    if access_requests::has_pending_for_email(&mut tx, email).await? {
        tracing::info!("access request for an address with a pending one: not filed");
        return Ok(answer(new_id(now)));
    }
    let request = match access_requests::insert(&mut tx, &valid, now).await {
        Ok(request) => request,
        // Filed a moment ago by a parallel request: the same answer.
        Err(e) if e.on_constraint(access_requests::ONE_PENDING_PER_EMAIL) => {
            return Ok(answer(new_id(now)))
        }
        Err(e) => return Err(e.into()),
    };
    let notice = Notice {
        to: Recipient::person(email, valid.full_name.as_str()),
        ticket: None,
        message: notices::access_received(valid.full_name.as_str(), &entity),
    };
    notify::send(app, &mut tx, &[notice], now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    tracing::info!(access_request_id = %request.id, "access request filed");
    Ok(answer(request.id))
}

/// Admins list requests, oldest first.
pub async fn list(
    app: &App,
    actor: &User,
    status: Option<AccessRequestStatus>,
    after: Option<AccessRequestId>,
    limit: i64,
) -> AppResult<Vec<AccessRequest>> {
    auth::require_admin(actor)?;
    let mut conn = app.store.conn().await?;
    Ok(access_requests::list(&mut conn, status, after, limit).await?)
}

/// Approves a pending request: creates the account and e-mails the set-password link,
/// all in one transaction.
pub async fn approve(app: &App, actor: &User, id: AccessRequestId) -> AppResult<User> {
    auth::require_admin(actor)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let request = access_requests::by_id(&mut tx, id).await?;
    if request.status != AccessRequestStatus::Pendiente {
        return Err(already_decided(request.status));
    }
    let user = users::insert(
        &mut tx,
        &NewUser {
            email: &request.email,
            name: &request.full_name,
            role: Role::Solicitante,
            password_hash: None,
            dni: Some(request.dni.as_str()),
            position: Some(&request.position),
            unit: Some(&request.unit),
            dependency: Some(&request.dependency),
        },
        now,
    )
    .await
    .map_err(|e| {
        if e.on_constraint("email") {
            AppError::Conflict("Ya existe una cuenta con el correo de esta solicitud.".into())
        } else {
            e.into()
        }
    })?;
    access_requests::decide(
        &mut tx,
        id,
        AccessRequestStatus::Aprobada,
        actor.id,
        None,
        Some(user.id),
        now,
    )
    .await?;
    let link = auth::pending_password_link(app, user.id, auth::PASSWORD_LINK_TTL)?;
    let entity = settings::load_in(&mut tx).await?.entity_name;
    let notice = Notice {
        to: Recipient::user(&user),
        ticket: None,
        message: notices::access_approved(&user.name, &super::outbox::pending_link_path(), &entity)
            .with_password_link(link),
    };
    notify::send(app, &mut tx, &[notice], now).await?;
    audit::record(
        &mut tx,
        now,
        audit::Entry::new(
            AuditEvent::AccessRequestApproved,
            Some(&actor.id),
            format!("access_request:{id}"),
        )
        .with_detail(serde_json::json!({ "user": user.id.to_string() })),
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    tracing::info!(access_request_id = %id, user_id = %user.id, "access request approved");
    Ok(user)
}

/// Rejects a pending request; the reason is required and is e-mailed to the person.
pub async fn reject(
    app: &App,
    actor: &User,
    id: AccessRequestId,
    reason: &str,
) -> AppResult<AccessRequest> {
    auth::require_admin(actor)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::field(
            "reason",
            "Escriba el motivo del rechazo; se enviará a la persona.",
        ));
    }
    if reason.chars().count() > 1000 {
        return Err(AppError::field(
            "reason",
            "El motivo puede tener como máximo 1000 caracteres.",
        ));
    }
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let request = access_requests::by_id(&mut tx, id).await?;
    if request.status != AccessRequestStatus::Pendiente {
        return Err(already_decided(request.status));
    }
    access_requests::decide(
        &mut tx,
        id,
        AccessRequestStatus::Rechazada,
        actor.id,
        Some(reason),
        None,
        now,
    )
    .await?;
    let entity = settings::load_in(&mut tx).await?.entity_name;
    let notice = Notice {
        to: Recipient::person(&request.email, &request.full_name),
        ticket: None,
        message: notices::access_rejected(&request.full_name, reason, &entity),
    };
    notify::send(app, &mut tx, &[notice], now).await?;
    let request = access_requests::by_id(&mut tx, id).await?;
    audit::record(
        &mut tx,
        now,
        audit::Entry::new(
            AuditEvent::AccessRequestRejected,
            Some(&actor.id),
            format!("access_request:{id}"),
        ),
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    tracing::info!(access_request_id = %id, "access request rejected");
    Ok(request)
}

fn already_decided(status: AccessRequestStatus) -> AppError {
    AppError::Conflict(format!(
        "Esta solicitud ya fue resuelta (estado: {}).",
        status.label()
    ))
}

/// How many requests wait for an admin.
pub async fn pending_count(app: &App, actor: &User) -> AppResult<i64> {
    auth::require_admin(actor)?;
    let mut conn = app.store.conn().await?;
    Ok(access_requests::count_with_status(&mut conn, AccessRequestStatus::Pendiente).await?)
}
