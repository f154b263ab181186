//! The multipart reader of every upload form on arbitrary bodies: never a panic, and every
//! refusal is a 4xx problem (never a 5xx); what it keeps stays within its bounds.
//!
//! The input is the body; an input that starts with `CT:` brings its own Content-Type on
//! its first line (to exercise odd boundaries and media types).
#![no_main]

use axum::body::Body;
use axum::http::{header, Request};
use certdesk::web::extract::MultipartForm;
use libfuzzer_sys::fuzz_target;

const DEFAULT_TYPE: &str = "multipart/form-data; boundary=XyZ";

fuzz_target!(|data: &[u8]| {
    let (content_type, body) = match data.strip_prefix(b"CT:") {
        Some(rest) => {
            let end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
            (&rest[..end], rest.get(end + 1..).unwrap_or_default())
        }
        None => (DEFAULT_TYPE.as_bytes(), data),
    };
    let Ok(request) = Request::builder()
        .method("POST")
        .uri("/api/v1/tickets")
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body.to_vec()))
    else {
        return;
    };
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().build() else {
        return;
    };
    match runtime.block_on(MultipartForm::read(request)) {
        Ok(form) => {
            for upload in form.files.values() {
                assert!(upload.bytes.len() <= certdesk::images::MAX_UPLOAD_BYTES + 1);
            }
            for value in form.fields.values() {
                // At most 16 KiB of bytes, each at worst a 3-byte replacement character.
                assert!(value.len() <= 3 * 16 * 1024);
            }
        }
        Err(problem) => assert!(
            (400..500).contains(&problem.status),
            "status {}",
            problem.status
        ),
    }
});
