//! Access requests (SPEC "Access requests"): anyone files one; an admin approves it, which
//! creates the account and e-mails a one-time set-password link, or rejects it with a reason.

use domain::{
    access::{AccessRequestInput, AccessRequestStatus},
    ids::AccessRequestId,
    role::Role,
};

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
        users::{self, NewUser, User},
        StoreError,
    },
};

/// Files a new request; every failing field is reported at once.
pub async fn file(app: &App, input: &AccessRequestInput) -> AppResult<AccessRequest> {
    let mut tx = app.store.begin().await?;
    let settings = settings::load_in(&mut tx).await?;
    let valid = input.validate(&settings.institutional_domains, app.today())?;
    let email = valid.email.as_str();
    if users::exists_with_email(&mut tx, email).await? {
        return Err(AppError::field(
            "email",
            "Ya existe una cuenta con este correo. Si olvidó su contraseña, pida a la Mesa de \
             Servicios que la restablezca.",
        ));
    }
    if access_requests::has_pending_for_email(&mut tx, email).await? {
        return Err(already_pending());
    }
    let request = access_requests::insert(&mut tx, &valid, app.now())
        .await
        .map_err(|e| {
            if e.on_constraint(access_requests::ONE_PENDING_PER_EMAIL) {
                already_pending()
            } else {
                e.into()
            }
        })?;
    let notice = Notice {
        to: Recipient::person(email, valid.full_name.as_str()),
        ticket: None,
        message: notices::access_received(valid.full_name.as_str(), &settings.entity_name),
    };
    notify::send(app, &mut tx, &[notice], app.now()).await?;
    tx.commit().await.map_err(StoreError::from)?;
    tracing::info!(access_request_id = %request.id, "access request filed");
    Ok(request)
}

fn already_pending() -> AppError {
    AppError::field(
        "email",
        "Ya hay una solicitud pendiente con este correo. Espere la respuesta del administrador.",
    )
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
