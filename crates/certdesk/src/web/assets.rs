//! Static files, embedded in the binary and fingerprinted: pages link `/static/app.css?v=<hash>`,
//! which is cached for a year; a new build changes the hash.

use axum::{
    extract::{Path, Query},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Static;

fn fingerprint(path: &str) -> Option<String> {
    Static::get(path).map(|file| hex::encode(&file.metadata.sha256_hash()[..6]))
}

/// The URL of an embedded file with its fingerprint.
pub fn url(path: &str) -> String {
    match fingerprint(path) {
        Some(hash) => format!("/static/{path}?v={hash}"),
        None => format!("/static/{path}"),
    }
}

#[derive(serde::Deserialize)]
pub struct Version {
    v: Option<String>,
}

pub async fn serve(Path(path): Path<String>, Query(version): Query<Version>) -> Response {
    let Some(file) = Static::get(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let current = hex::encode(&file.metadata.sha256_hash()[..6]);
    let cache = if version.v.as_deref() == Some(current.as_str()) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mime = file.metadata.mimetype().to_owned();
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, cache.to_owned()),
        ],
        file.data.into_owned(),
    )
        .into_response()
}

/// `/favicon.ico`, which browsers ask for whatever the page links: the embedded icon, cached
/// for a day (its URL cannot carry a fingerprint). Pages link the SVG icon.
pub async fn favicon() -> Response {
    let Some(file) = Static::get("favicon.ico") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        [
            (header::CONTENT_TYPE, "image/x-icon"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        file.data.into_owned(),
    )
        .into_response()
}
