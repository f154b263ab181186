//! The OpenAPI document against the routes actually served: every documented operation is
//! routed with its method, every method routed on a documented path is documented, and the
//! upload routes keep their own body limit.

use std::collections::{BTreeMap, BTreeSet};

use certdesk::web::api::{OPENAPI_PATH, UPLOAD_BODY_LIMIT};
use domain::role::Role;
use reqwest::{Client, Method};
use serde_json::Value;

use crate::helpers::{problem, spawn_app, TestApp};

/// The HTTP methods an OpenAPI path item can hold, in its spelling.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The served document.
async fn document(app: &TestApp) -> Value {
    let res = app.get(OPENAPI_PATH, None).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// Every path of the document with its methods, upper case (`GET`, `POST`…).
fn operations(doc: &Value) -> BTreeMap<String, BTreeSet<String>> {
    doc["paths"]
        .as_object()
        .expect("paths in the document")
        .iter()
        .map(|(path, item)| {
            let methods = item
                .as_object()
                .expect("a path item")
                .keys()
                .filter(|key| METHODS.contains(&key.as_str()))
                .map(|method| method.to_uppercase())
                .collect();
            (path.clone(), methods)
        })
        .collect()
}

/// `path` with every `{param}` replaced by a random UUID: an id that exists nowhere.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let end = start + rest[start..].find('}').expect("a closed path parameter");
        out.push_str(&rest[..start]);
        out.push_str(&uuid::Uuid::new_v4().to_string());
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

async fn send(app: &TestApp, method: Method, path: &str) -> reqwest::Response {
    Client::new()
        .request(method, app.url(path))
        .send()
        .await
        .unwrap()
}

/// The methods of a 405 answer's `Allow` header: what the router serves on that path.
fn allowed(res: &reqwest::Response) -> BTreeSet<String> {
    res.headers()
        .get_all("allow")
        .iter()
        .flat_map(|v| v.to_str().unwrap().split(','))
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty())
        .collect()
}

#[tokio::test]
async fn the_openapi_document_and_the_router_list_the_same_operations() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let operations = operations(&doc);
    assert!(operations.len() > 30, "too few paths: {operations:?}");
    assert!(operations.contains_key("/healthz"), "{operations:?}");

    // The router's own answers, which the checks below tell apart from the handlers': a
    // path it does not serve is 404 (the API's problem+json fallback), a method it does not
    // serve on a served path is 405 listing the served ones in `Allow`.
    assert_eq!(
        send(&app, Method::GET, "/api/v1/no-existe").await.status(),
        404
    );
    let res = send(&app, Method::TRACE, OPENAPI_PATH).await;
    assert_eq!(res.status(), 405);
    assert_eq!(allowed(&res), BTreeSet::from(["GET".into(), "HEAD".into()]));

    let mut wrong = Vec::new();
    for (path, documented) in &operations {
        let url = concrete(path);
        // No operation uses TRACE, so on a served path the router answers 405 with every
        // method it serves there: exactly the documented ones (axum serves HEAD with GET).
        let res = send(&app, Method::TRACE, &url).await;
        let mut expected = documented.clone();
        if documented.contains("GET") {
            expected.insert("HEAD".into());
        }
        if res.status() != 405 {
            wrong.push(format!("TRACE {path}: {} instead of 405", res.status()));
        } else if allowed(&res) != expected {
            wrong.push(format!(
                "{path}: served {:?}, documented {expected:?}",
                allowed(&res)
            ));
        }
        // And each documented operation reaches its handler. Without a token the API's
        // handlers answer before looking anything up (401, or 415/422 for the public forms,
        // 200 for the public reads), so a 404 or a 405 can only be the router's.
        for method in documented {
            let res = send(&app, Method::from_bytes(method.as_bytes()).unwrap(), &url).await;
            let status = res.status().as_u16();
            if status == 404 || status == 405 {
                wrong.push(format!("{method} {path}: {status} from the router"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "document and router disagree:\n{}",
        wrong.join("\n")
    );
}

/// A `multipart/form-data` body of exactly `len` bytes: one file of padding.
fn multipart_of(len: usize) -> (String, Vec<u8>) {
    const BOUNDARY: &str = "certdesk-limite";
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"relleno\"; \
         filename=\"relleno.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    );
    let tail = format!("\r\n--{BOUNDARY}--\r\n");
    let mut body = head.into_bytes();
    body.resize(len - tail.len(), b'x');
    body.extend_from_slice(tail.as_bytes());
    assert_eq!(body.len(), len);
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

#[tokio::test]
async fn every_upload_route_takes_bodies_up_to_the_upload_limit_and_no_more() {
    let app = spawn_app().await;
    let token = app.token_for(Role::Solicitante).await;
    let doc = document(&app).await;
    // The operations that take files: their request body is multipart in the document.
    let uploads: Vec<(String, String)> = operations(&doc)
        .into_iter()
        .flat_map(|(path, methods)| methods.into_iter().map(move |m| (path.clone(), m)))
        .filter(|(path, method)| {
            doc["paths"][path][method.to_lowercase()]["requestBody"]["content"]
                .get("multipart/form-data")
                .is_some()
        })
        .collect();
    assert_eq!(uploads.len(), 6, "{uploads:?}");

    let post = |method: &str, path: &str, len: usize| {
        let (content_type, body) = multipart_of(len);
        Client::new()
            .request(
                Method::from_bytes(method.as_bytes()).unwrap(),
                app.url(path),
            )
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    for (path, method) in &uploads {
        // Correcting an applicant takes a new photo or signature too (PATCH).
        let expected = if path == "/api/v1/applicants/{id}" {
            "PATCH"
        } else {
            "POST"
        };
        assert_eq!(method, expected, "{path}");
        let url = concrete(path);
        // At the limit the form is read whole and the handler answers (a requester's token,
        // ids that exist nowhere, a form without its fields): anything but 413.
        let res = post(method, &url, UPLOAD_BODY_LIMIT).await.unwrap();
        assert_ne!(res.status(), 413, "{path} at the limit");
        let res = post(method, &url, UPLOAD_BODY_LIMIT + 1).await.unwrap();
        let body = problem(res, 413).await;
        assert_eq!(
            body["type"], "urn:certdesk:problema:demasiado-grande",
            "{path}"
        );
    }
}
