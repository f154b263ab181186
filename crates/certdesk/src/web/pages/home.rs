//! The start page after login.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};

use super::{app_error_page, render, Layout};
use crate::{
    app::access,
    web::{extract::SignedIn, WebState},
};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    name: String,
    is_admin: bool,
    pending_requests: i64,
}

pub async fn show(State(state): State<WebState>, me: SignedIn) -> Response {
    let user = me.user();
    let pending_requests = if user.role.is_admin() {
        match access::pending_count(&state.app, user).await {
            Ok(n) => n,
            Err(err) => return app_error_page(err, Some(&me.viewer)),
        }
    } else {
        0
    };
    render(
        StatusCode::OK,
        &HomePage {
            layout: Layout::new("Inicio", Some(&me.viewer), "/"),
            name: user.name.clone(),
            is_admin: user.role.is_admin(),
            pending_requests,
        },
    )
}
