//! The start page after login.

use askama::Template;
use axum::{extract::State, http::StatusCode};

use super::{render, Layout};
use crate::{
    app::access,
    web::{error::PageResult, extract::SignedIn, WebState},
};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    name: String,
    is_admin: bool,
    pending_requests: i64,
}

pub async fn show(State(state): State<WebState>, me: SignedIn) -> PageResult {
    let user = me.user();
    let pending_requests = if user.role.is_admin() {
        access::pending_count(&state.app, user).await?
    } else {
        0
    };
    Ok(render(
        StatusCode::OK,
        &HomePage {
            layout: Layout::new("Inicio", Some(&me.viewer), "/"),
            name: user.name.clone(),
            is_admin: user.role.is_admin(),
            pending_requests,
        },
    ))
}
