//! Issue 11's wrong results: the dispatch date the review page forecasts is the one approval
//! gives, names the expiry it used and where it came from, and flags a DNI that the registry
//! knows under another name; an installation records the certificate's dates.

use domain::{certificate::CertificateState, role::Role};
use jiff::civil::{date, Date};
use serde_json::{json, Value};

use crate::{
    analyst::act,
    helpers::{
        app_at, applicant_fields, applicant_form, payment_form, texts, TestApp, WEDNESDAY,
    },
};

const PASSWORD: &str = "clave-de-prueba-1";

/// Records an installed certificate of `owner_email`'s account, as the registry knows it.
async fn registry_certificate(
    app: &TestApp,
    owner_email: &str,
    holder: &str,
    dni: &str,
    serial: Option<&str>,
    expires_on: Date,
) -> String {
    let owner = app.me_by_email(owner_email).await;
    let mut conn = app.app.store.conn().await.unwrap();
    let id = certdesk::store::certificates::insert(
        &mut conn,
        &certdesk::store::certificates::NewCertificate {
            owner_id: owner.parse().unwrap(),
            holder_name: holder,
            dni: &dni.parse().unwrap(),
            applicant_id: None,
            medium: Some(domain::certificate::Medium::Pc),
            ownership: Some(domain::certificate::Ownership::Grc),
            issued_on: Some(date(2025, 1, 10)),
            expires_on: Some(expires_on),
            state: CertificateState::Instalado,
            delivery_sent_on: None,
            download_deadline: None,
        },
        app.app.now(),
    )
    .await
    .unwrap();
    if let Some(serial) = serial {
        certdesk::store::certificates::update(
            &mut conn,
            id,
            &certdesk::store::certificates::CertificateUpdate {
                serial: Some(serial),
                ..Default::default()
            },
            app.app.now(),
        )
        .await
        .unwrap();
    }
    id.to_string()
}

/// Files an emision c) (paid) for one applicant with these names and DNI, submits it.
async fn paid_emision(
    app: &TestApp,
    token: &str,
    names: (&str, &str, &str),
    dni: &str,
    declared: Option<&str>,
) -> String {
    let ticket = app.open_ticket(token, "emision", Some("c")).await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let payment: Value = app
        .post_multipart(
            &format!("/api/v1/tickets/{id}/payments"),
            token,
            payment_form(&format!("9{dni}")),
        )
        .await
        .json()
        .await
        .unwrap();
    let mut fields: Vec<(&'static str, String)> = applicant_fields(dni)
        .into_iter()
        .filter(|(k, _)| !matches!(*k, "paternal_surname" | "maternal_surname" | "given_names"))
        .collect();
    fields.push(("paternal_surname", names.0.into()));
    fields.push(("maternal_surname", names.1.into()));
    fields.push(("given_names", names.2.into()));
    fields.push(("payment_id", payment["id"].as_str().unwrap().to_owned()));
    if let Some(d) = declared {
        fields.push(("current_expires_on", d.into()));
    }
    let res = app
        .post_multipart(
            &format!("/api/v1/tickets/{id}/applicants"),
            token,
            applicant_form(&fields, &[]),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let res = app
        .post_json(&format!("/api/v1/tickets/{id}/submit"), Some(token), &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    id
}

/// The review page's forecast for the (only) applicant: (expiry line, dispatch line, flags).
async fn page_forecast(app: &TestApp, ticket: &str) -> (String, String, Vec<String>) {
    let (status, html) = app.page(&format!("/analista/tramites/{ticket}")).await;
    assert_eq!(status, 200);
    let expiry = texts(&html, ".forecast-expiry");
    let dispatch = texts(&html, ".forecast-dispatch");
    assert_eq!((expiry.len(), dispatch.len()), (1, 1), "one applicant, one forecast");
    (
        expiry[0].clone(),
        dispatch[0].clone(),
        texts(&html, ".forecast-flag"),
    )
}

/// Approves through the API and returns the applicant's `dispatch_at` in words, as pages
/// write it ("viernes 04/12/2026 a las 16:30").
async fn approve(app: &TestApp, analyst: &str, ticket: &str) -> String {
    let res = act(app, analyst, ticket, "approve", json!({})).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let at: jiff::Timestamp = body["applicants"][0]["dispatch_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    domain::schedule::format_dispatch(&domain::schedule::to_lima(at))
}

/// The text of the approval mail to `email`.
async fn approval_mail(app: &TestApp, email: &str) -> String {
    let (body,): (String,) = sqlx::query_as(
        "SELECT body_text FROM outbox WHERE kind = 'ticket_approved' AND to_address = $1",
    )
    .bind(email)
    .fetch_one(app.app.store.pool())
    .await
    .unwrap();
    body
}

#[tokio::test]
async fn a_dni_on_another_holders_certificate_is_flagged_and_not_used_and_the_page_date_is_the_approval_date(
) {
    let (app, _) = app_at(WEDNESDAY).await;
    // María Cabrera holds DNI 41234567, installed, expiring 10/01/2027.
    let maria = "mcabrera@regioncajamarca.gob.pe";
    app.user(maria, Role::Solicitante, PASSWORD).await;
    registry_certificate(
        &app,
        maria,
        "Cabrera Llanos, María",
        "41234567",
        Some("5A6B7C"),
        date(2027, 1, 10),
    )
    .await;
    // A second account files an emision c) for "Rosa Elena Quispe Huamán" with that DNI.
    let other = "otra@regioncajamarca.gob.pe";
    app.user(other, Role::Solicitante, PASSWORD).await;
    let token = app.login_token(other, PASSWORD).await;
    let ticket = paid_emision(
        &app,
        &token,
        ("Quispe", "Huamán", "Rosa Elena"),
        "41234567",
        None,
    )
    .await;
    let analyst = app.token_for(Role::Analista).await;
    app.log_in_browser("analista@regioncajamarca.gob.pe", PASSWORD)
        .await;
    // Before taking it, the page already forecasts and flags.
    let (expiry, dispatch, flags) = page_forecast(&app, &ticket).await;
    assert!(expiry.starts_with("ninguna"), "{expiry}");
    assert!(
        dispatch.contains("viernes 04/12/2026 a las 16:30"),
        "{dispatch}"
    );
    assert_eq!(flags.len(), 2, "{flags:?}");
    assert!(
        flags[0].contains("a nombre de otra persona")
            && flags[0].contains("Cabrera Llanos, María")
            && flags[0].contains("N.º 5A6B7C")
            && flags[0].contains("no se usa"),
        "{flags:?}"
    );
    assert!(
        flags[1].contains("ya tiene un certificado vigente"),
        "{flags:?}"
    );
    assert_eq!(act(&app, &analyst, &ticket, "take", json!({})).await.status(), 200);
    let (_, dispatch_taken, _) = page_forecast(&app, &ticket).await;
    let given = approve(&app, &analyst, &ticket).await;
    assert!(
        dispatch_taken.contains(&given),
        "page said {dispatch_taken:?}, approval gave {given:?}"
    );
    // The mail claims no certificate the requester never declared, nor María's.
    let mail = approval_mail(&app, other).await;
    assert!(mail.contains("viernes 04/12/2026 a las 16:30"), "{mail}");
    assert!(!mail.contains("Cabrera"), "{mail}");
    assert!(!mail.contains("caducidad"), "{mail}");
}

#[tokio::test]
async fn the_holders_own_registry_certificate_is_used_named_and_told_in_the_mail() {
    let (app, _) = app_at(WEDNESDAY).await;
    let maria = "mcabrera@regioncajamarca.gob.pe";
    app.user(maria, Role::Solicitante, PASSWORD).await;
    registry_certificate(
        &app,
        maria,
        "Cabrera Llanos, María",
        "41234567",
        Some("5A6B7C"),
        date(2027, 1, 10),
    )
    .await;
    let token = app.login_token(maria, PASSWORD).await;
    let ticket = paid_emision(&app, &token, ("CABRERA", "LLANOS", "MARIA"), "41234567", None).await;
    let analyst = app.token_for(Role::Analista).await;
    app.log_in_browser("analista@regioncajamarca.gob.pe", PASSWORD)
        .await;
    act(&app, &analyst, &ticket, "take", json!({})).await;
    let (expiry, dispatch, flags) = page_forecast(&app, &ticket).await;
    assert!(
        expiry.contains("10/01/2027")
            && expiry.contains("del registro: certificado N.º 5A6B7C de Cabrera Llanos, María"),
        "{expiry}"
    );
    // E − 10 = 31/12/2026: that week's cut-off, Friday 01/01 being New Year's Day, is
    // Thursday 31/12.
    assert!(dispatch.contains("jueves 31/12/2026"), "{dispatch}");
    assert!(dispatch.contains("10 días antes"), "{dispatch}");
    assert_eq!(flags.len(), 1, "an emision for a holder: {flags:?}");
    assert!(flags[0].contains("Esta persona ya tiene un certificado vigente"));
    let given = approve(&app, &analyst, &ticket).await;
    assert!(dispatch.contains(&given), "page {dispatch:?}, approval {given:?}");
    let mail = approval_mail(&app, maria).await;
    assert!(
        mail.contains("se tomó la caducidad del 10/01/2027, la del certificado N.º 5A6B7C registrado a nombre de Cabrera Llanos, María"),
        "{mail}"
    );
}

#[tokio::test]
async fn a_declared_expiry_wins_and_is_named_as_declared() {
    let (app, _) = app_at(WEDNESDAY).await;
    let maria = "mcabrera@regioncajamarca.gob.pe";
    app.user(maria, Role::Solicitante, PASSWORD).await;
    registry_certificate(
        &app,
        maria,
        "Cabrera Llanos, María",
        "41234567",
        None,
        date(2027, 1, 10),
    )
    .await;
    let token = app.login_token(maria, PASSWORD).await;
    let ticket = paid_emision(
        &app,
        &token,
        ("Cabrera", "Llanos", "María"),
        "41234567",
        Some("2027-02-20"),
    )
    .await;
    let analyst = app.token_for(Role::Analista).await;
    app.log_in_browser("analista@regioncajamarca.gob.pe", PASSWORD)
        .await;
    act(&app, &analyst, &ticket, "take", json!({})).await;
    let (expiry, dispatch, _) = page_forecast(&app, &ticket).await;
    assert!(
        expiry.contains("20/02/2027") && expiry.contains("declarada por el solicitante"),
        "{expiry}"
    );
    let given = approve(&app, &analyst, &ticket).await;
    assert!(dispatch.contains(&given), "page {dispatch:?}, approval {given:?}");
    assert!(given.contains("05/02/2027"), "{given}");
    let mail = approval_mail(&app, maria).await;
    assert!(
        mail.contains("se tomó la caducidad del 20/02/2027, la que usted declaró en la solicitud"),
        "{mail}"
    );
}
