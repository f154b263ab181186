//! Accounts, for admins (`/admin/usuarios`): the list, searched by name or e-mail and
//! filtered by role and state, in pages by name; and each account's page, where its role
//! is changed, it is deactivated or reactivated, and a new set-password link is sent.

use askama::Template;
use axum::{
    extract::{Query, State},
    http::StatusCode,
};
use domain::{ids::UserId, role::Role, validation::FieldErrors};

use super::{datetime, page_cursor, render, see_other, summary, summary_of, Layout, SummaryItem};
use crate::{
    app::{
        auth,
        users::{self, UserChange, UserQuery},
        AppError,
    },
    store::users::User,
    web::{
        error::PageResult,
        extract::{Admin, CsrfForm, Id},
        pages::ticket_search::Choice,
        WebState,
    },
};

pub const PATH: &str = "/admin/usuarios";

/// Accounts per page.
const PAGE: i64 = 50;

/// What the list's search form sends.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    rol: String,
    /// `activas` or `desactivadas`.
    #[serde(default)]
    estado: String,
    despues: Option<String>,
}

impl ListQuery {
    fn user_query(&self) -> UserQuery {
        let active = match self.estado.trim() {
            "activas" => "true".to_owned(),
            "desactivadas" => "false".to_owned(),
            other => other.to_owned(),
        };
        UserQuery {
            q: self.q.clone(),
            role: self.rol.clone(),
            active,
        }
    }

    fn narrowed(&self) -> bool {
        [&self.q, &self.rol, &self.estado]
            .iter()
            .any(|v| !v.trim().is_empty())
    }

    /// A link to a page of this search.
    fn href(&self, after: Option<&str>) -> String {
        let mut params: Vec<(&str, &str)> = Vec::new();
        for (name, value) in [("q", &self.q), ("rol", &self.rol), ("estado", &self.estado)] {
            let value = value.trim();
            if !value.is_empty() {
                params.push((name, value));
            }
        }
        if let Some(after) = after {
            params.push(("despues", after));
        }
        match serde_urlencoded::to_string(&params) {
            Ok(query) if !query.is_empty() => format!("{PATH}?{query}"),
            _ => PATH.to_owned(),
        }
    }
}

/// The page's field of each of the use case's fields.
fn page_field(field: &str) -> &'static str {
    match field {
        "role" => "rol",
        "active" => "estado",
        _ => "q",
    }
}

fn label_of(field: &str) -> &'static str {
    match field {
        "rol" => "Rol",
        "estado" => "Estado",
        _ => "Buscar",
    }
}

/// An account as the list shows it.
struct Row {
    id: String,
    name: String,
    email: String,
    role: &'static str,
    active: bool,
    last_login: Option<String>,
    is_me: bool,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    q: String,
    roles: Vec<Choice>,
    states: Vec<Choice>,
    errors: FieldErrors,
    summary: Vec<SummaryItem>,
    narrowed: bool,
    first_page: bool,
    next_href: Option<String>,
    first_href: String,
}

fn role_choices(selected: &str) -> Vec<Choice> {
    Role::ALL
        .iter()
        .map(|r| Choice {
            value: r.as_str(),
            label: r.label(),
            selected: selected.trim().eq_ignore_ascii_case(r.as_str()),
        })
        .collect()
}

pub async fn list(
    State(state): State<WebState>,
    me: Admin,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let after = page_cursor::<UserId>(query.despues.as_deref())?;
    let (found, errors) = super::found_or_errors(
        users::list(&state.app, me.user(), &query.user_query(), after, PAGE + 1).await,
        page_field,
    )?;
    let more = found.len() as i64 > PAGE;
    let rows: Vec<Row> = found
        .into_iter()
        .take(PAGE as usize)
        .map(|u| Row {
            is_me: u.id == me.user().id,
            id: u.id.to_string(),
            role: u.role.label(),
            active: u.active,
            last_login: u.last_login_at.map(datetime),
            name: u.name,
            email: u.email,
        })
        .collect();
    let next_href = if more {
        rows.last().map(|r| query.href(Some(&r.id)))
    } else {
        None
    };
    let states = [("activas", "Activas"), ("desactivadas", "Desactivadas")]
        .into_iter()
        .map(|(value, label)| Choice {
            value,
            label,
            selected: query.estado.trim() == value,
        })
        .collect();
    let summary = summary_of(&errors, |f| label_of(f).to_owned());
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        status,
        &ListPage {
            layout: Layout::new("Usuarios", Some(&me.viewer), PATH),
            rows,
            q: query.q.clone(),
            roles: role_choices(&query.rol),
            states,
            errors,
            summary,
            narrowed: query.narrowed(),
            first_page: after.is_none(),
            next_href,
            first_href: query.href(None),
        },
    ))
}

/// The labels of the account page's fields, for the error summary.
const LABELS: &[(&str, &str)] = &[("rol", "Nuevo rol"), ("confirmar", "Confirmación")];

#[derive(Template)]
#[template(path = "admin_user.html")]
struct DetailPage {
    layout: Layout,
    id: String,
    name: String,
    email: String,
    role: &'static str,
    active: bool,
    created: String,
    last_login: Option<String>,
    is_me: bool,
    roles: Vec<Choice>,
    link_hours: i64,
    errors: FieldErrors,
    summary: Vec<SummaryItem>,
    /// A refusal that is about no field (the last admin).
    conflict: Option<String>,
}

/// What the account page says after an action (`?aviso=`).
fn notice_text(code: Option<&str>, user: &User) -> Option<String> {
    Some(match code? {
        "rol" => format!("Rol cambiado: ahora es {}.", user.role.label()),
        "sin-cambios" => "No se cambió nada: la cuenta ya tenía ese rol.".to_owned(),
        "desactivada" => "Cuenta desactivada: ya no puede ingresar, y sus sesiones y tokens de acceso se cerraron.".to_owned(),
        "reactivada" => "Cuenta reactivada: puede volver a ingresar con su contraseña.".to_owned(),
        "enlace" => format!(
            "Enlace enviado a {}: vale por {} horas y se usa una sola vez.",
            user.email,
            auth::PASSWORD_LINK_TTL.as_hours()
        ),
        _ => return None,
    })
}

async fn detail_page(
    state: &WebState,
    me: &Admin,
    id: UserId,
    status: StatusCode,
    notice: Option<&str>,
    errors: FieldErrors,
    conflict: Option<String>,
) -> PageResult {
    let user = users::get(&state.app, me.user(), id).await?;
    let layout = Layout::new(user.name.clone(), Some(&me.viewer), PATH)
        .with_notice(notice_text(notice, &user));
    let summary = summary(&errors, LABELS);
    Ok(render(
        status,
        &DetailPage {
            layout,
            id: user.id.to_string(),
            is_me: user.id == me.user().id,
            roles: role_choices(user.role.as_str()),
            role: user.role.label(),
            active: user.active,
            created: datetime(user.created_at),
            last_login: user.last_login_at.map(datetime),
            name: user.name,
            email: user.email,
            link_hours: auth::PASSWORD_LINK_TTL.as_hours(),
            errors,
            summary,
            conflict,
        },
    ))
}

fn account_path(id: UserId) -> String {
    format!("{PATH}/{id}")
}

pub async fn show(
    State(state): State<WebState>,
    me: Admin,
    Id(id): Id<UserId>,
    Query(query): Query<super::NoticeQuery>,
) -> PageResult {
    detail_page(
        &state,
        &me,
        id,
        StatusCode::OK,
        query.aviso.as_deref(),
        FieldErrors::new(),
        None,
    )
    .await
}

/// After a change the admin made to their own account, where they can still go: an
/// account that is no longer an active admin cannot see this page.
fn after_change(me: &Admin, user: &User, notice: &str) -> PageResult {
    if user.id == me.user().id && !(user.active && user.role.is_admin()) {
        return see_other("/");
    }
    see_other(format!("{}?aviso={notice}", account_path(user.id)))
}

/// A refused change: the account page again, with the field's error or the conflict.
async fn refused(state: &WebState, me: &Admin, id: UserId, err: AppError) -> PageResult {
    match err {
        AppError::Validation(errors) => {
            let mut placed = FieldErrors::new();
            for (field, messages) in errors.iter() {
                let field = if field == "role" { "rol" } else { field };
                for m in messages {
                    placed.add(field, m.clone());
                }
            }
            detail_page(
                state,
                me,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                placed,
                None,
            )
            .await
        }
        AppError::Conflict(message) => {
            detail_page(
                state,
                me,
                id,
                StatusCode::CONFLICT,
                None,
                FieldErrors::new(),
                Some(message),
            )
            .await
        }
        other => Err(other.into()),
    }
}

#[derive(serde::Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    rol: String,
}

pub async fn change_role(
    State(state): State<WebState>,
    me: Admin,
    Id(id): Id<UserId>,
    form: CsrfForm<RoleForm>,
) -> PageResult {
    let role = match form.data.rol.trim() {
        "" => Err("Elija el nuevo rol.".to_owned()),
        typed => typed.parse::<Role>().map_err(|e| e.to_string()),
    };
    let role = match role {
        Ok(role) => role,
        Err(message) => return refused(&state, &me, id, AppError::field("rol", message)).await,
    };
    let change = UserChange {
        role: Some(role),
        active: None,
    };
    match users::update(&state.app, me.user(), id, change).await {
        Ok(changed) => {
            let notice = if changed.role_changed {
                "rol"
            } else {
                "sin-cambios"
            };
            after_change(&me, &changed.user, notice)
        }
        Err(err) => refused(&state, &me, id, err).await,
    }
}

#[derive(serde::Deserialize)]
pub struct DeactivateForm {
    /// The "I mean it" box.
    #[serde(default)]
    confirmar: String,
}

pub async fn deactivate(
    State(state): State<WebState>,
    me: Admin,
    Id(id): Id<UserId>,
    form: CsrfForm<DeactivateForm>,
) -> PageResult {
    if form.data.confirmar.trim().is_empty() {
        let err = AppError::field(
            "confirmar",
            "Marque la casilla para confirmar que quiere desactivar la cuenta.",
        );
        return refused(&state, &me, id, err).await;
    }
    let change = UserChange {
        role: None,
        active: Some(false),
    };
    match users::update(&state.app, me.user(), id, change).await {
        Ok(changed) => after_change(&me, &changed.user, "desactivada"),
        Err(err) => refused(&state, &me, id, err).await,
    }
}

#[derive(serde::Deserialize)]
pub struct Empty {}

pub async fn reactivate(
    State(state): State<WebState>,
    me: Admin,
    Id(id): Id<UserId>,
    _form: CsrfForm<Empty>,
) -> PageResult {
    let change = UserChange {
        role: None,
        active: Some(true),
    };
    match users::update(&state.app, me.user(), id, change).await {
        Ok(changed) => after_change(&me, &changed.user, "reactivada"),
        Err(err) => refused(&state, &me, id, err).await,
    }
}

pub async fn send_link(
    State(state): State<WebState>,
    me: Admin,
    Id(id): Id<UserId>,
    _form: CsrfForm<Empty>,
) -> PageResult {
    match users::send_password_link(&state.app, me.user(), id).await {
        Ok(_) => see_other(format!("{}?aviso=enlace", account_path(id))),
        Err(err) => refused(&state, &me, id, err).await,
    }
}
