//! Login, logout and the set-password page reached from an e-mailed link.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use domain::validation::FieldErrors;

use super::{render, summary, Layout, SummaryItem};
use crate::{
    app::{auth, AppError},
    store::sessions::SessionKind,
    web::{
        error::PageResult,
        extract::{ClientIp, CsrfForm, Viewer, SESSION_COOKIE},
        WebState,
    },
};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    email: String,
    error: Option<String>,
    errors: FieldErrors,
}

#[derive(serde::Deserialize)]
pub struct LoginQuery {
    aviso: Option<String>,
}

pub async fn login_form(viewer: Viewer, Query(query): Query<LoginQuery>) -> Response {
    if viewer.session.is_some() {
        return Redirect::to("/").into_response();
    }
    let layout = Layout::new("Ingresar", Some(&viewer), "/login").with_notice(
        (query.aviso.as_deref() == Some("clave"))
            .then_some("Su contraseña quedó guardada. Ya puede ingresar."),
    );
    render(
        StatusCode::OK,
        &LoginPage {
            layout,
            email: String::new(),
            error: None,
            errors: FieldErrors::new(),
        },
    )
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub async fn login(
    State(state): State<WebState>,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    form: CsrfForm<LoginForm>,
) -> PageResult {
    let CsrfForm { viewer, data } = form;
    Ok(
        match auth::login(
            &state.app,
            &data.email,
            &data.password,
            &ip,
            SessionKind::Web,
        )
        .await
        {
            Ok(login) => {
                let cookie = Cookie::build((SESSION_COOKIE, login.token))
                    .path("/")
                    .http_only(true)
                    .same_site(SameSite::Lax)
                    .secure(state.app.config.secure_cookies)
                    .build();
                (jar.add(cookie), Redirect::to("/")).into_response()
            }
            Err(err @ (AppError::Unauthorized(_) | AppError::RateLimited(_))) => {
                let status = match err {
                    AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
                    _ => StatusCode::UNAUTHORIZED,
                };
                let message = match err {
                    AppError::Unauthorized(m) | AppError::RateLimited(m) => m,
                    _ => String::new(),
                };
                render(
                    status,
                    &LoginPage {
                        layout: Layout::new("Ingresar", Some(&viewer), "/login"),
                        email: data.email,
                        error: Some(message),
                        errors: FieldErrors::new(),
                    },
                )
            }
            Err(err) => return Err(err.into()),
        },
    )
}

#[derive(serde::Deserialize)]
pub struct Empty {}

pub async fn logout(
    State(state): State<WebState>,
    jar: CookieJar,
    _form: CsrfForm<Empty>,
) -> PageResult {
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        auth::logout(&state.app, cookie.value()).await?;
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/login")).into_response())
}

#[derive(Template)]
#[template(path = "set_password.html")]
struct SetPasswordPage {
    layout: Layout,
    valid: bool,
    errors: FieldErrors,
    summary: Vec<SummaryItem>,
}

const PASSWORD_LABELS: &[(&str, &str)] = &[
    ("password", "Nueva contraseña"),
    ("password_confirmation", "Repita la contraseña"),
];

pub async fn set_password_form(
    State(state): State<WebState>,
    viewer: Viewer,
    Path(token): Path<String>,
) -> PageResult {
    let valid = auth::password_link_is_valid(&state.app, &token).await?;
    Ok(render(
        if valid {
            StatusCode::OK
        } else {
            StatusCode::GONE
        },
        &SetPasswordPage {
            layout: Layout::new("Elegir contraseña", Some(&viewer), ""),
            valid,
            errors: FieldErrors::new(),
            summary: Vec::new(),
        },
    ))
}

#[derive(serde::Deserialize)]
pub struct SetPasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
}

pub async fn set_password(
    State(state): State<WebState>,
    Path(token): Path<String>,
    form: CsrfForm<SetPasswordForm>,
) -> PageResult {
    let CsrfForm { viewer, data } = form;
    Ok(
        match auth::set_password_with_link(
            &state.app,
            &token,
            &data.password,
            &data.password_confirmation,
        )
        .await
        {
            Ok(_) => Redirect::to("/login?aviso=clave").into_response(),
            Err(AppError::Validation(errors)) => render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &SetPasswordPage {
                    layout: Layout::new("Elegir contraseña", Some(&viewer), ""),
                    valid: true,
                    summary: summary(&errors, PASSWORD_LABELS),
                    errors,
                },
            ),
            Err(AppError::Conflict(_)) => render(
                StatusCode::GONE,
                &SetPasswordPage {
                    layout: Layout::new("Elegir contraseña", Some(&viewer), ""),
                    valid: false,
                    errors: FieldErrors::new(),
                    summary: Vec::new(),
                },
            ),
            Err(err) => return Err(err.into()),
        },
    )
}
