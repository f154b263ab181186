//! Issue 11's wrong results: the dispatch date the review page forecasts is the one approval
//! gives, names the expiry it used and where it came from, and flags a DNI that the registry
//! knows under another name; an installation records the certificate's dates.

use domain::{certificate::CertificateState, role::Role};
use jiff::civil::{date, Date};
use serde_json::{json, Value};

use certdesk::store::certificates::NewCertificate;

use crate::helpers::{
    act, app_at, applicant_with, certificate_json, installation_ready, payment_form, submitted,
    texts, TestApp, WEDNESDAY,
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
    let new = NewCertificate {
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
    };
    app.record_certificate(&new, serial).await
}

/// María Cabrera's account; she holds DNI 41234567, installed, expiring 10/01/2027.
async fn maria_holds_41234567(app: &TestApp, serial: Option<&str>) -> &'static str {
    let maria = "mcabrera@regioncajamarca.gob.pe";
    app.user(maria, Role::Solicitante, PASSWORD).await;
    let holder = "Cabrera Llanos, María";
    registry_certificate(app, maria, holder, "41234567", serial, date(2027, 1, 10)).await;
    maria
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
    let payment_id = payment["id"].as_str().unwrap();
    let mut fields = applicant_with(
        dni,
        &[
            ("paternal_surname", names.0),
            ("maternal_surname", names.1),
            ("given_names", names.2),
            ("payment_id", payment_id),
        ],
    );
    if let Some(d) = declared {
        fields.push(("current_expires_on", d.into()));
    }
    app.add_applicant(token, &id, &fields).await;
    app.submit_ticket(token, &id).await;
    id
}

/// The review page's forecast for the (only) applicant: (expiry line, dispatch line, flags).
async fn page_forecast(app: &TestApp, ticket: &str) -> (String, String, Vec<String>) {
    let (status, html) = app.page(&format!("/analista/tramites/{ticket}")).await;
    assert_eq!(status, 200);
    let expiry = texts(&html, ".forecast-expiry");
    let dispatch = texts(&html, ".forecast-dispatch");
    assert_eq!(
        (expiry.len(), dispatch.len()),
        (1, 1),
        "one applicant, one forecast"
    );
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
    maria_holds_41234567(&app, Some("5A6B7C")).await;
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
    assert_eq!(
        act(&app, &analyst, &ticket, "take", json!({}))
            .await
            .status(),
        200
    );
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
    let maria = maria_holds_41234567(&app, Some("5A6B7C")).await;
    let token = app.login_token(maria, PASSWORD).await;
    let ticket = paid_emision(
        &app,
        &token,
        ("CABRERA", "LLANOS", "MARIA"),
        "41234567",
        None,
    )
    .await;
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
    assert!(
        dispatch.contains(&given),
        "page {dispatch:?}, approval {given:?}"
    );
    let mail = approval_mail(&app, maria).await;
    assert!(
        mail.contains("se tomó la caducidad del 10/01/2027, la del certificado N.º 5A6B7C registrado a nombre de Cabrera Llanos, María"),
        "{mail}"
    );
}

#[tokio::test]
async fn a_declared_expiry_wins_and_is_named_as_declared() {
    let (app, _) = app_at(WEDNESDAY).await;
    let maria = maria_holds_41234567(&app, None).await;
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
    assert!(
        dispatch.contains(&given),
        "page {dispatch:?}, approval {given:?}"
    );
    assert!(given.contains("05/02/2027"), "{given}");
    let mail = approval_mail(&app, maria).await;
    assert!(
        mail.contains("se tomó la caducidad del 20/02/2027, la que usted declaró en la solicitud"),
        "{mail}"
    );
}

#[tokio::test]
async fn an_installation_records_typed_dates_and_then_expiry_reminders_and_the_ten_day_rule_use_them(
) {
    let (app, _) = app_at(WEDNESDAY).await;
    let requester = app.token_for(Role::Solicitante).await;
    let analyst = app.token_for(Role::Analista).await;
    let cert = app
        .certificate(&requester, CertificateState::PendienteDescarga, None)
        .await;
    let id = installation_ready(
        &app,
        &requester,
        &analyst,
        &cert,
        json!({"at": "2026-12-03T10:00:00-05:00"}),
    )
    .await;
    let complete = |body: Value| act(&app, &analyst, &id, "complete", body);
    // The dates are required when no public part is recorded, each with its message.
    let body = crate::helpers::problem(
        complete(json!({"medium": "token", "ownership": "grc"})).await,
        422,
    )
    .await;
    assert!(body["errors"]["issued_on"][0]
        .as_str()
        .unwrap()
        .starts_with("Indique la fecha de emisión"));
    assert!(body["errors"]["expires_on"][0]
        .as_str()
        .unwrap()
        .starts_with("Indique la fecha de caducidad"));
    let body = crate::helpers::problem(
        complete(json!({"medium": "token", "ownership": "grc",
                        "issued_on": "2026-12-01", "expires_on": "2026-11-30"}))
        .await,
        422,
    )
    .await;
    assert_eq!(
        body["errors"]["expires_on"][0],
        "La fecha de caducidad debe ser posterior a la de emisión."
    );
    let body = crate::helpers::problem(
        complete(json!({"medium": "token", "ownership": "grc",
                        "issued_on": "01/12/2026", "expires_on": "2028-11-30"}))
        .await,
        422,
    )
    .await;
    assert!(body["errors"]["issued_on"].is_array(), "{body}");
    let res = complete(json!({"medium": "token", "ownership": "grc",
                              "issued_on": "2026-12-01", "expires_on": "2028-11-30"}))
    .await;
    assert_eq!(res.status(), 200);
    let c = certificate_json(&app, &requester, &cert).await;
    assert_eq!(
        (
            c["state"].as_str(),
            c["issued_on"].as_str(),
            c["expires_on"].as_str()
        ),
        (Some("instalado"), Some("2026-12-01"), Some("2028-11-30"))
    );
    // Mis certificados: the real expiry, and no download deadline any more.
    let browser = crate::helpers::new_browser();
    app.sign_in(&browser, "solicitante@regioncajamarca.gob.pe", PASSWORD)
        .await;
    let html = app.page_in(&browser, "/certificados").await.1;
    let facts = texts(&html, "li.certificate dl.facts > *");
    let after = |label: &str| {
        let i = facts
            .iter()
            .position(|f| f == label)
            .unwrap_or_else(|| panic!("{label} in {facts:?}"));
        facts[i + 1].clone()
    };
    assert_eq!(after("Caduca el"), "30/11/2028");
    assert!(!facts.iter().any(|f| f == "Plazo de descarga"), "{facts:?}");
    // Its expiry reminder is due 30 days before.
    certdesk::jobs::reminders::run_once(&app.app, crate::helpers::at("2028-10-31T09:00:00-05:00"))
        .await
        .unwrap();
    let (sent,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'expiry_reminder' AND body_text LIKE '%30/11/2028%'",
    )
    .fetch_one(app.app.store.pool())
    .await
    .unwrap();
    assert_eq!(sent, 1);
    // A new request for the same person (no expiry declared) waits for it: the 10-day rule.
    let ticket = submitted(&app, &requester, "10117410").await.0;
    let res = act(&app, &analyst, &ticket, "take", json!({})).await;
    assert_eq!(res.status(), 200);
    app.log_in_browser("analista@regioncajamarca.gob.pe", PASSWORD)
        .await;
    let (expiry, dispatch, _) = page_forecast(&app, &ticket).await;
    assert!(
        expiry.contains("30/11/2028") && expiry.contains("de Tello Vásquez, Carmen Rosa"),
        "{expiry}"
    );
    let given = approve(&app, &analyst, &ticket).await;
    assert!(
        dispatch.contains(&given),
        "page {dispatch:?}, approval {given:?}"
    );
    assert!(given.contains("/11/2028"), "{given}");
}

#[tokio::test]
async fn an_installation_takes_the_dates_of_a_recorded_public_part_and_the_form_asks_otherwise() {
    let (app, _) = app_at(WEDNESDAY).await;
    let requester = app.token_for(Role::Solicitante).await;
    let analyst = app.token_for(Role::Analista).await;
    app.log_in_browser("analista@regioncajamarca.gob.pe", PASSWORD)
        .await;
    // Without a public part, the page's form asks for both dates and keeps what was typed.
    let cert = app
        .certificate(&requester, CertificateState::PendienteDescarga, None)
        .await;
    let id = installation_ready(
        &app,
        &requester,
        &analyst,
        &cert,
        json!({"at": "2026-12-03T10:00:00-05:00"}),
    )
    .await;
    let page = format!("/analista/tramites/{id}");
    let (_, html) = app.page(&page).await;
    assert_eq!(
        crate::helpers::count(&html, "input#emitido-el[type=date]"),
        1
    );
    assert_eq!(
        crate::helpers::count(&html, "input#caduca-el[type=date]"),
        1
    );
    let res = app
        .submit(
            &format!("{page}/completar"),
            &[
                ("csrf_token", crate::helpers::csrf_token(&html).as_str()),
                ("medium", "pc"),
                ("ownership", "propio"),
                ("issued_on", "2026-12-01"),
                ("expires_on", "2026-11-01"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert_eq!(
        crate::helpers::field_error(&html, "caduca-el"),
        "La fecha de caducidad debe ser posterior a la de emisión."
    );
    assert_eq!(
        crate::helpers::attrs(&html, "input#emitido-el", "value"),
        vec!["2026-12-01"]
    );
    let summary = crate::helpers::error_summary(&html);
    assert_eq!(summary.len(), 1, "{summary:?}");
    assert_eq!(summary[0].0, "#caduca-el");

    // With the public part attached, its dates are used, and the form says so.
    let bytes = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/certificado.cer"),
    )
    .unwrap();
    let form = reqwest::multipart::Form::new().part(
        "certificate",
        reqwest::multipart::Part::bytes(bytes).file_name("certificado.cer"),
    );
    let res = app
        .post_multipart(
            &format!("/api/v1/certificates/{cert}/public-part"),
            &analyst,
            form,
        )
        .await;
    assert_eq!(res.status(), 200);
    let (_, html) = app.page(&page).await;
    assert_eq!(crate::helpers::count(&html, "input#caduca-el"), 0);
    assert!(
        crate::helpers::text(&html, "p.installed-dates")
            .contains("vigente del 26/11/2026 al 25/11/2028"),
        "{html}"
    );
    // A typed date that disagrees with the public part is refused.
    let body = crate::helpers::problem(
        act(
            &app,
            &analyst,
            &id,
            "complete",
            json!({"medium": "pc", "ownership": "propio", "expires_on": "2029-01-01"}),
        )
        .await,
        422,
    )
    .await;
    assert!(body["errors"]["expires_on"][0]
        .as_str()
        .unwrap()
        .contains("25/11/2028"));
    let res = act(
        &app,
        &analyst,
        &id,
        "complete",
        json!({"medium": "pc", "ownership": "propio"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let c = certificate_json(&app, &requester, &cert).await;
    assert_eq!(
        (
            c["issued_on"].as_str(),
            c["expires_on"].as_str(),
            c["serial"].as_str()
        ),
        (Some("2026-11-26"), Some("2028-11-25"), Some("1A2B3C4D5E"))
    );
}
