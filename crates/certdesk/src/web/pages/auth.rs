//! Login, logout, the set-password page reached from an e-mailed link, and "¿Olvidó su
//! contraseña?" (a new link by mail, the same answer whether or not the address has an
//! account).

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use domain::validation::FieldErrors;

use super::{render, summary, Layout, SummaryItem};
use crate::{
    app::{accounts, auth, AppError},
    store::sessions::SessionKind,
    web::{
        error::PageResult,
        extract::{ClientInfo, ClientIp, CsrfForm, Https, Viewer, SESSION_COOKIE},
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
    ClientInfo(client): ClientInfo,
    Https(https): Https,
    jar: CookieJar,
    form: CsrfForm<LoginForm>,
) -> PageResult {
    let CsrfForm { viewer, data } = form;
    Ok(
        match auth::login(
            &state.app,
            &data.email,
            &data.password,
            &client,
            SessionKind::Web,
        )
        .await
        {
            Ok(login) => {
                let cookie = Cookie::build((SESSION_COOKIE, login.token))
                    .path("/")
                    .http_only(true)
                    .same_site(SameSite::Lax)
                    .secure(https)
                    .build();
                (jar.add(cookie), Redirect::to("/")).into_response()
            }
            Err(err @ (AppError::Unauthorized(_) | AppError::RateLimited { .. })) => {
                let (status, message, retry_after) = match err {
                    AppError::RateLimited {
                        detail,
                        retry_after_secs,
                    } => (
                        StatusCode::TOO_MANY_REQUESTS,
                        detail,
                        Some(retry_after_secs),
                    ),
                    AppError::Unauthorized(m) => (StatusCode::UNAUTHORIZED, m, None),
                    _ => (StatusCode::UNAUTHORIZED, String::new(), None),
                };
                let mut res = render(
                    status,
                    &LoginPage {
                        layout: Layout::new("Ingresar", Some(&viewer), "/login"),
                        email: data.email,
                        error: Some(message),
                        errors: FieldErrors::new(),
                    },
                );
                if let Some(secs) = retry_after {
                    res.headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
                }
                res
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
    /// The link's secret, for the "send me a new link" form of a spent one.
    token: String,
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
            token,
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
                    token,
                    valid: true,
                    summary: summary(&errors, PASSWORD_LABELS),
                    errors,
                },
            ),
            Err(AppError::Conflict(_)) => render(
                StatusCode::GONE,
                &SetPasswordPage {
                    layout: Layout::new("Elegir contraseña", Some(&viewer), ""),
                    token,
                    valid: false,
                    errors: FieldErrors::new(),
                    summary: Vec::new(),
                },
            ),
            Err(err) => return Err(err.into()),
        },
    )
}

/// Where "¿Olvidó su contraseña?" leads.
pub const FORGOT_PATH: &str = "/olvide-clave";
/// The answer to every reset request, known address or not.
pub const FORGOT_SENT_PATH: &str = "/olvide-clave/enviado";

#[derive(Template)]
#[template(path = "forgot_password.html")]
struct ForgotPage {
    layout: Layout,
    sent: bool,
    /// How long a link lasts, in hours.
    hours: i64,
    email: String,
    errors: FieldErrors,
    summary: Vec<SummaryItem>,
}

const FORGOT_LABELS: &[(&str, &str)] = &[("email", "Correo institucional")];

pub async fn forgot_form(viewer: Viewer) -> Response {
    render(
        StatusCode::OK,
        &ForgotPage {
            layout: Layout::new("Recuperar contraseña", Some(&viewer), FORGOT_PATH),
            sent: false,
            hours: accounts::RESET_LINK_TTL.as_hours(),
            email: String::new(),
            errors: FieldErrors::new(),
            summary: Vec::new(),
        },
    )
}

#[derive(serde::Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// Sends the link when the address has an active account; the answer (a redirect to the
/// same page) is the same either way. Only an address that is not one is refused, on its
/// field: that says nothing about accounts.
pub async fn forgot(
    State(state): State<WebState>,
    ClientIp(ip): ClientIp,
    form: CsrfForm<ForgotForm>,
) -> PageResult {
    let CsrfForm { viewer, data } = form;
    let email = data.email.trim();
    let problem = if email.is_empty() {
        Some("Escriba el correo institucional con el que ingresa.")
    } else if !accounts::looks_like_email(email) {
        Some("Escriba un correo válido, por ejemplo nombre@regioncajamarca.gob.pe.")
    } else {
        None
    };
    if let Some(message) = problem {
        let mut errors = FieldErrors::new();
        errors.add("email", message);
        return Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ForgotPage {
                layout: Layout::new("Recuperar contraseña", Some(&viewer), FORGOT_PATH),
                sent: false,
                hours: accounts::RESET_LINK_TTL.as_hours(),
                email: data.email,
                summary: summary(&errors, FORGOT_LABELS),
                errors,
            },
        ));
    }
    accounts::request_password_reset(&state.app, email, &ip).await?;
    Ok(Redirect::to(FORGOT_SENT_PATH).into_response())
}

pub async fn forgot_sent(viewer: Viewer) -> Response {
    render(
        StatusCode::OK,
        &ForgotPage {
            layout: Layout::new("Revise su correo", Some(&viewer), ""),
            sent: true,
            hours: accounts::RESET_LINK_TTL.as_hours(),
            email: String::new(),
            errors: FieldErrors::new(),
            summary: Vec::new(),
        },
    )
}

/// From a used or expired link's page: a new link to the account's own address.
pub async fn resend_link(
    State(state): State<WebState>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    _form: CsrfForm<Empty>,
) -> PageResult {
    accounts::resend_password_link(&state.app, &token, &ip).await?;
    Ok(Redirect::to(FORGOT_SENT_PATH).into_response())
}
