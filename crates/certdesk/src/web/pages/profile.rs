//! "Mi cuenta" (`/perfil`): who the signed-in person is, changing their password, and their
//! open sessions and API tokens, each of which they can close (the current one is marked).

use askama::Template;
use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect},
};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use domain::validation::FieldErrors;

use super::{datetime, render, see_other, summary, Layout, NoticeQuery, SummaryItem};
use crate::{
    app::{accounts, AppError},
    store::sessions::SessionKind,
    web::{
        error::PageResult,
        extract::{ClientIp, CsrfForm, SignedIn, SESSION_COOKIE},
        WebState,
    },
};

/// The page's path (the name in the header links here).
pub const PATH: &str = "/perfil";

struct SessionRow {
    id: String,
    kind: &'static str,
    created: String,
    expires: String,
    /// Browser and system, in short, when the client said.
    device: String,
    ip: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    layout: Layout,
    name: String,
    email: String,
    role: &'static str,
    mail_copies: bool,
    sessions: Vec<SessionRow>,
    others: usize,
    errors: FieldErrors,
    summary: Vec<SummaryItem>,
}

const PASSWORD_LABELS: &[(&str, &str)] = &[
    ("current_password", "Contraseña actual"),
    ("password", "Nueva contraseña"),
    ("password_confirmation", "Repita la nueva contraseña"),
];

/// A short, readable name for a user agent ("Chrome en Android"); the full string is not
/// shown (it is long and says little to people).
fn device(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent.filter(|u| !u.trim().is_empty()) else {
        return "Desconocido".into();
    };
    let browser = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("OPR/") || ua.contains("Opera") {
        "Opera"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else if ua.contains("curl/") {
        "curl"
    } else {
        "Otro programa"
    };
    let system = if ua.contains("Android") {
        Some("Android")
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        Some("iOS")
    } else if ua.contains("Windows") {
        Some("Windows")
    } else if ua.contains("Mac OS") {
        Some("macOS")
    } else if ua.contains("Linux") {
        Some("Linux")
    } else {
        None
    };
    match system {
        Some(system) => format!("{browser} en {system}"),
        None => browser.to_owned(),
    }
}

async fn page(
    state: &WebState,
    me: &SignedIn,
    notice: Option<&'static str>,
    errors: FieldErrors,
) -> PageResult<ProfilePage> {
    let user = me.user();
    let current = me.session.id.as_str();
    let sessions: Vec<SessionRow> = accounts::sessions(&state.app, user)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            current: s.id == current && s.kind == SessionKind::Web,
            kind: match s.kind {
                SessionKind::Web => "Navegador",
                SessionKind::Api => "Token de la API",
            },
            created: datetime(s.created_at),
            expires: datetime(s.expires_at),
            device: device(s.user_agent.as_deref()),
            ip: s.ip.unwrap_or_else(|| "—".into()),
            id: s.id,
        })
        .collect();
    let others = sessions.iter().filter(|s| !s.current).count();
    Ok(ProfilePage {
        layout: Layout::new("Mi cuenta", Some(&me.viewer), PATH).with_notice(notice),
        name: user.name.clone(),
        email: user.email.clone(),
        role: user.role.label(),
        mail_copies: user.mail_copies,
        sessions,
        others,
        summary: summary(&errors, PASSWORD_LABELS),
        errors,
    })
}

pub async fn show(
    State(state): State<WebState>,
    me: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    let notice = q.aviso.as_deref().and_then(|a| match a {
        "clave" => Some("Su contraseña quedó cambiada. Las demás sesiones se cerraron."),
        "cerrada" => Some("La sesión quedó cerrada."),
        "cerradas" => Some("Las demás sesiones quedaron cerradas."),
        _ => None,
    });
    let page = page(&state, &me, notice, FieldErrors::new()).await?;
    Ok(render(StatusCode::OK, &page))
}

#[derive(serde::Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
}

pub async fn change_password(
    State(state): State<WebState>,
    me: SignedIn,
    ClientIp(ip): ClientIp,
    form: CsrfForm<PasswordForm>,
) -> PageResult {
    let data = form.data;
    match accounts::change_password(
        &state.app,
        me.user(),
        Some(&me.session.id),
        &data.current_password,
        &data.password,
        &data.password_confirmation,
        &ip,
    )
    .await
    {
        Ok(_) => see_other(format!("{PATH}?aviso=clave")),
        Err(AppError::Validation(errors)) => {
            let page = page(&state, &me, None, errors).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(err) => Err(err.into()),
    }
}

#[derive(serde::Deserialize)]
pub struct Empty {}

/// Closes one session or token; closing the current one signs out.
pub async fn close(
    State(state): State<WebState>,
    me: SignedIn,
    jar: CookieJar,
    axum::extract::Path(id): axum::extract::Path<String>,
    _form: CsrfForm<Empty>,
) -> PageResult {
    accounts::close_session(&state.app, me.user().id, &id).await?;
    if id == me.session.id {
        let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
        return Ok((jar, Redirect::to("/login")).into_response());
    }
    see_other(format!("{PATH}?aviso=cerrada"))
}

/// Closes every session and token but this one.
pub async fn close_others(
    State(state): State<WebState>,
    me: SignedIn,
    _form: CsrfForm<Empty>,
) -> PageResult {
    accounts::close_other_sessions(&state.app, me.user().id, &me.session.id).await?;
    see_other(format!("{PATH}?aviso=cerradas"))
}

#[cfg(test)]
mod tests {
    use super::device;

    #[test]
    fn a_user_agent_reads_as_browser_and_system() {
        assert_eq!(
            device(Some("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36")),
            "Chrome en Android"
        );
        assert_eq!(
            device(Some(
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
            )),
            "Firefox en Windows"
        );
        assert_eq!(device(None), "Desconocido");
        assert_eq!(device(Some("curl/8.5.0")), "curl");
    }
}
