//! "Avisos" (`/avisos`): the signed-in person's in-app notices, newest first, with what is
//! unread marked; opening one marks it read. The same page holds the one preference:
//! whether the in-app-only notices also go by e-mail.

use askama::Template;
use axum::{
    extract::{Query, State},
    http::StatusCode,
};
use domain::{ids::NotificationId, schedule::format_date};

use super::{page_cursor, render, see_other, Layout};
use crate::{
    app::notifications,
    web::{
        error::PageResult,
        extract::{CsrfForm, Id, SignedIn},
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
