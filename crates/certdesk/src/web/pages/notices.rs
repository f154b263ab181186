//! "Avisos" (`/avisos`): the signed-in person's in-app notices, newest first, with what is
//! unread marked; opening one marks it read. The same page holds the one preference:
//! whether the in-app-only notices also go by e-mail. Admins also get a preview of every
//! kind of notice (`/admin/avisos`), as people receive it.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::{header, StatusCode},
    response::{Html, IntoResponse},
};
use domain::{ids::NotificationId, notice::NoticeKind, schedule::format_date};

use super::{page_cursor, render, see_other, Layout};
use crate::{
    app::{notifications, AppError},
    mail::notices,
    web::{
        error::PageResult,
        extract::{Admin, CsrfForm, Id, SignedIn},
        WebState,
    },
};

/// The page's path (the bell links here).
pub const PATH: &str = "/avisos";

/// Notices per page.
const PAGE: i64 = 30;

struct NoticeRow {
    id: String,
    kind: &'static str,
    title: String,
    body: String,
    when: String,
    unread: bool,
    has_link: bool,
}

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage {
    layout: Layout,
    notices: Vec<NoticeRow>,
    next: Option<String>,
    first_page: bool,
    mail_copies: bool,
}

#[derive(serde::Deserialize)]
pub struct ListQuery {
    antes: Option<String>,
    aviso: Option<String>,
}

pub async fn list(
    State(state): State<WebState>,
    me: SignedIn,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let before = page_cursor::<NotificationId>(q.antes.as_deref())?;
    let items = notifications::list(&state.app, me.user(), false, before, PAGE).await?;
    let next = (items.len() as i64 >= PAGE)
        .then(|| items.last().map(|n| n.id.to_string()))
        .flatten();
    let notices = items
        .into_iter()
        .map(|n| {
            let at = domain::schedule::to_lima(n.created_at);
            NoticeRow {
                id: n.id.to_string(),
                kind: n.kind.label(),
                title: n.title,
                body: n.body,
                when: format!("{} {}", format_date(at.date()), at.strftime("%H:%M")),
                unread: n.read_at.is_none(),
                has_link: n.link.is_some(),
            }
        })
        .collect();
    let notice = q.aviso.as_deref().and_then(|a| match a {
        "leidos" => Some("Todos los avisos quedaron marcados como leídos."),
        "preferencia" => Some("Su preferencia de correo quedó guardada."),
        _ => None,
    });
    let page = NoticesPage {
        layout: Layout::new("Avisos", Some(&me.viewer), PATH).with_notice(notice),
        notices,
        next,
        first_page: before.is_none(),
        mail_copies: me.user().mail_copies,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(serde::Deserialize)]
pub struct Empty {}

/// Marks the notice read and goes where it points (or back to the list).
pub async fn open(
    State(state): State<WebState>,
    me: SignedIn,
    Id(id): Id<NotificationId>,
    _form: CsrfForm<Empty>,
) -> PageResult {
    let notice = notifications::mark_read(&state.app, me.user(), id).await?;
    see_other(notice.link.as_deref().unwrap_or(PATH))
}

/// Marks the notice read and stays on the list.
pub async fn mark_read(
    State(state): State<WebState>,
    me: SignedIn,
    Id(id): Id<NotificationId>,
    _form: CsrfForm<Empty>,
) -> PageResult {
    notifications::mark_read(&state.app, me.user(), id).await?;
    see_other(PATH)
}

pub async fn mark_all_read(
    State(state): State<WebState>,
    me: SignedIn,
    _form: CsrfForm<Empty>,
) -> PageResult {
    notifications::mark_all_read(&state.app, me.user()).await?;
    see_other(format!("{PATH}?aviso=leidos"))
}

#[derive(serde::Deserialize)]
pub struct PreferenceForm {
    /// A checkbox: present when ticked.
    mail_copies: Option<String>,
}

pub async fn preference(
    State(state): State<WebState>,
    me: SignedIn,
    form: CsrfForm<PreferenceForm>,
) -> PageResult {
    notifications::set_mail_copies(&state.app, me.user(), form.data.mail_copies.is_some()).await?;
    see_other(format!("{PATH}?aviso=preferencia"))
}

/// One kind of notice in the admins' preview.
struct SampleRow {
    code: &'static str,
    label: &'static str,
    subject: String,
    always_mailed: bool,
}

#[derive(Template)]
#[template(path = "admin_notice_samples.html")]
struct SamplesPage {
    layout: Layout,
    samples: Vec<SampleRow>,
}

/// What a previewed mail may do: inline styles, nothing else.
const MAIL_PREVIEW_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
     form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/// The preview's path.
pub const SAMPLES_PATH: &str = "/admin/avisos";

/// Admins: every kind of notice people receive, with made-up data, to read the wording.
pub async fn samples(State(_): State<WebState>, me: Admin) -> PageResult {
    let samples = notices::samples(&me.viewer.settings.entity_name)
        .into_iter()
        .map(|m| SampleRow {
            code: m.kind.as_str(),
            label: m.kind.label(),
            subject: m.subject,
            always_mailed: m.kind.is_important(),
        })
        .collect();
    let page = SamplesPage {
        layout: Layout::new("Avisos que envía certdesk", Some(&me.viewer), SAMPLES_PATH),
        samples,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(serde::Deserialize)]
pub struct SampleQuery {
    /// `texto` for the plain-text part.
    formato: Option<String>,
}

/// Admins: one sample notice as its mail looks, HTML or text.
pub async fn sample(
    State(state): State<WebState>,
    me: Admin,
    Path(kind): Path<String>,
    Query(q): Query<SampleQuery>,
) -> PageResult {
    let kind: NoticeKind = kind.parse().map_err(|_| AppError::NotFound)?;
    let message = notices::samples(&me.viewer.settings.entity_name)
        .into_iter()
        .find(|m| m.kind == kind)
        .ok_or(AppError::NotFound)?;
    let rendered = message
        .render(&state.app.config.base_url)
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(match q.formato.as_deref() {
        Some("texto") => (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            rendered.text,
        )
            .into_response(),
        // A mail styles itself inline, as mail clients need; nothing else is allowed.
        _ => (
            [(header::CONTENT_SECURITY_POLICY, MAIL_PREVIEW_POLICY)],
            Html(rendered.html),
        )
            .into_response(),
    })
}
