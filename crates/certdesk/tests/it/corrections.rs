//! Issue 11, the requester's side: correcting an applicant in place (API and pages), the
//! answer to an observation, renewing from a certificate, the "sin lentes" confirmation,
//! the installation contact phone, and drafts in "Mis trámites".

use domain::{certificate::CertificateState, role::Role};
use reqwest::multipart::Form;
use serde_json::{json, Value};

use crate::helpers::{
    act_ok, applicant_fields, applicant_form, applicant_page_form, attrs, csrf_token, doc,
    field_error, history, image_part, notice, problem, review, spawn_app, text, texts, ticket_json,
    Find, TestApp,
};

const PASSWORD: &str = "clave segura 2026";
const REQUESTER: &str = "ana@regioncajamarca.gob.pe";

/// A requester signed in on the app's browser, with an API token of the same account.
async fn requester(app: &TestApp) -> String {
    app.user(REQUESTER, Role::Solicitante, PASSWORD).await;
    app.log_in_browser(REQUESTER, PASSWORD).await;
    app.login_token(REQUESTER, PASSWORD).await
}

/// An emisión a) with one applicant (DNI `dni`) through the API; returns (ticket, applicant).
async fn ticket_with_applicant(app: &TestApp, token: &str, dni: &str) -> (String, String) {
    let ticket = app.open_ticket(token, "emision", Some("a")).await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let applicant = app.add_applicant(token, &id, &applicant_fields(dni)).await;
    (id, applicant["id"].as_str().unwrap().to_owned())
}

async fn file_bytes(app: &TestApp, token: &str, path: &str) -> Vec<u8> {
    let res = app.get(path, Some(token)).await;
    assert_eq!(res.status(), 200, "{path}");
    res.bytes().await.unwrap().to_vec()
}

async fn patch_multipart(app: &TestApp, path: &str, token: &str, form: Form) -> reqwest::Response {
    reqwest::Client::new()
        .patch(app.url(path))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// An analyst's account and token.
async fn analyst(app: &TestApp) -> (certdesk::store::users::User, String) {
    let user = app
        .user("jorge@regioncajamarca.gob.pe", Role::Analista, PASSWORD)
        .await;
    let token = app
        .login_token("jorge@regioncajamarca.gob.pe", PASSWORD)
        .await;
    (user, token)
}

/// The review page of ticket `id`, as the analyst (signed in on a browser of their own) sees it.
async fn analyst_review(app: &TestApp, id: &str) -> String {
    let browser = crate::helpers::new_browser();
    app.sign_in(&browser, "jorge@regioncajamarca.gob.pe", PASSWORD)
        .await;
    app.page_in(&browser, &review(id)).await.1
}

/// Submits the ticket, and the analyst takes it and observes it with `comment`.
async fn observed(app: &TestApp, token: &str, analyst: &str, id: &str, comment: &str) {
    app.submit_ticket(token, id).await;
    act_ok(app, analyst, id, "take", json!({})).await;
    act_ok(app, analyst, id, "observe", json!({"comment": comment})).await;
}

// ---------------------------------------------------------------------------------------
// PATCH /api/v1/applicants/{id}

#[tokio::test]
async fn patching_some_fields_changes_only_those_and_answers_the_applicant_as_the_ticket_shows_it()
{
    let app = spawn_app().await;
    let token = requester(&app).await;
    let (id, applicant) = ticket_with_applicant(&app, &token, "10117410").await;
    let before = ticket_json(&app, &token, &id).await["applicants"][0].clone();

    let res = app
        .patch_json(
            &format!("/api/v1/applicants/{applicant}"),
            &token,
            &json!({"email": "carmen.tello@regioncajamarca.gob.pe", "position": "Jefa de oficina"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let answered: Value = res.json().await.unwrap();
    assert_eq!(answered["email"], "carmen.tello@regioncajamarca.gob.pe");
    assert_eq!(answered["position"], "Jefa de oficina");
    // Everything else is as it was, photo and signature included.
    for field in [
        "dni",
        "given_names",
        "paternal_surname",
        "unit",
        "dni_issued_on",
        "photo_url",
    ] {
        assert_eq!(answered[field], before[field], "{field}");
    }
    // The same shape as the applicant in the ticket's JSON, with the same values.
    let after = ticket_json(&app, &token, &id).await;
    assert_eq!(after["applicants"][0], answered);
    // The history says what was corrected.
    let line = after["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["event"] == "applicant_edited")
        .expect("an applicant_edited line")
        .clone();
    let comment = line["comment"].as_str().unwrap();
    assert!(comment.contains("Tello Vásquez, Carmen Rosa"), "{comment}");
    assert!(comment.ends_with("correo, cargo"), "{comment}");
    assert_eq!(after["status"], "borrador");
}

#[tokio::test]
async fn patching_only_the_photo_replaces_it_and_keeps_the_signature() {
    let app = spawn_app().await;
    let token = requester(&app).await;
    let (_, applicant) = ticket_with_applicant(&app, &token, "10117410").await;
    let photo_path = format!("/api/v1/applicants/{applicant}/photo");
    let signature_path = format!("/api/v1/applicants/{applicant}/signature");
    let old_photo = file_bytes(&app, &token, &photo_path).await;
    let old_signature = file_bytes(&app, &token, &signature_path).await;
    // Confirmed with the first photo.
    let res = app
        .patch_json(
            &format!("/api/v1/applicants/{applicant}"),
            &token,
            &json!({"no_glasses_confirmed": true}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap()["no_glasses_confirmed"],
        true
    );

    let res = patch_multipart(
        &app,
        &format!("/api/v1/applicants/{applicant}"),
        &token,
        Form::new().part("photo", image_part("photo_ok_large.png")),
    )
    .await;
    assert_eq!(res.status(), 200);
    let answered: Value = res.json().await.unwrap();
    // A new photo is a new confirmation: the old one was about the old photo.
    assert_eq!(answered["no_glasses_confirmed"], false);
    assert_eq!(answered["given_names"], "Carmen Rosa");
    let new_photo = file_bytes(&app, &token, &photo_path).await;
    assert_ne!(new_photo, old_photo, "the photo was replaced");
    assert_eq!(
        file_bytes(&app, &token, &signature_path).await,
        old_signature,
        "the signature stayed"
    );

    // A signature alone, with a field: the photo stays.
    let res = patch_multipart(
        &app,
        &format!("/api/v1/applicants/{applicant}"),
        &token,
        Form::new()
            .text("unit", "Gerencia Regional de Salud")
            .text("no_glasses_confirmed", "true")
            .part("signature", image_part("signature_ok_2.jpg")),
    )
    .await;
    assert_eq!(res.status(), 200);
    let answered: Value = res.json().await.unwrap();
    assert_eq!(answered["unit"], "Gerencia Regional de Salud");
    assert_eq!(answered["no_glasses_confirmed"], true);
    assert_eq!(file_bytes(&app, &token, &photo_path).await, new_photo);
    assert_ne!(
        file_bytes(&app, &token, &signature_path).await,
        old_signature
    );
}

#[tokio::test]
async fn a_bad_correction_answers_422_with_every_failing_field_and_saves_nothing() {
    let app = spawn_app().await;
    let token = requester(&app).await;
    let (id, applicant) = ticket_with_applicant(&app, &token, "10117410").await;
    let before = ticket_json(&app, &token, &id).await;
    let path = format!("/api/v1/applicants/{applicant}");

    let body = problem(
        app.patch_json(
            &path,
            &token,
            &json!({
                "email": "carmen@gmail.com",
                "dni": "1234",
                "dni_issued_on": "2031-01-01",
                "given_names": "Carmen"
            }),
        )
        .await,
        422,
    )
    .await;
    let fields: Vec<&str> = body["errors"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(fields, ["dni", "dni_issued_on", "email"], "{body}");
    assert!(
        body["errors"]["email"][0]
            .as_str()
            .unwrap()
            .contains("personal"),
        "{body}"
    );

    // A photo that fails its checks, with a good field: 422 on the photo, nothing saved.
    let body = problem(
        patch_multipart(
            &app,
            &path,
            &token,
            Form::new()
                .text("position", "Otro cargo")
                .part("photo", image_part("photo_blurred.jpg"))
                .part("signature", image_part("signature_black_ink.png")),
        )
        .await,
        422,
    )
    .await;
    let fields: Vec<&str> = body["errors"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(fields, ["photo", "signature"], "{body}");

    // An unknown field is named, not ignored.
    let body = problem(
        app.patch_json(&path, &token, &json!({"correo": "x"})).await,
        422,
    )
    .await;
    assert!(body["detail"].as_str().is_some());

    let after = ticket_json(&app, &token, &id).await;
    assert_eq!(after["applicants"], before["applicants"]);
    assert_eq!(
        after["history"].as_array().unwrap().len(),
        before["history"].as_array().unwrap().len()
    );
}

#[tokio::test]
async fn only_the_owner_corrects_an_applicant_and_only_while_the_ticket_is_editable() {
    let app = spawn_app().await;
    let token = requester(&app).await;
    let (id, applicant) = ticket_with_applicant(&app, &token, "10117410").await;
    let path = format!("/api/v1/applicants/{applicant}");
    let change = json!({"position": "Jefa"});

    // Another requester does not see it: 404, like an id that exists nowhere.
    let other = app.token_for(Role::Solicitante).await;
    problem(app.patch_json(&path, &other, &change).await, 404).await;
    problem(
        app.patch_json(
            "/api/v1/applicants/0192f0c4-7e2a-7cc0-8a7e-6c1f0f6f2b11",
            &token,
            &change,
        )
        .await,
        404,
    )
    .await;
    problem(
        app.patch_json("/api/v1/applicants/nada", &token, &change)
            .await,
        404,
    )
    .await;
    // An analyst sees it but may not edit someone else's ticket: 403.
    let (_, analyst) = analyst(&app).await;
    problem(app.patch_json(&path, &analyst, &change).await, 403).await;

    // In the queue it is no longer the requester's to edit: 409.
    let res = app
        .post_json(
            &format!("/api/v1/tickets/{id}/submit"),
            Some(&token),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body = problem(app.patch_json(&path, &token, &change).await, 409).await;
    assert!(
        body["detail"].as_str().unwrap().contains("Enviado"),
        "{body}"
    );

    // Observed, it is editable again.
    app.post_json(
        &format!("/api/v1/tickets/{id}/take"),
        Some(&analyst),
        &json!({}),
    )
    .await;
    app.post_json(
        &format!("/api/v1/tickets/{id}/observe"),
        Some(&analyst),
        &json!({"comment": "El cargo no coincide."}),
    )
    .await;
    let res = app.patch_json(&path, &token, &change).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["position"], "Jefa");
}

// ---------------------------------------------------------------------------------------
// The pages: Editar, Corregir y reenviar

#[tokio::test]
async fn an_observed_applicant_is_corrected_in_place_and_resubmitted_with_an_answer_the_analyst_reads(
) {
    let app = spawn_app().await;
    let token = requester(&app).await;
    let (analyst_user, analyst_token) = analyst(&app).await;
    let (id, applicant) = ticket_with_applicant(&app, &token, "10117410").await;
    observed(&app, &token, &analyst_token, &id, "La foto tiene lentes.").await;
    let signature_before = file_bytes(
        &app,
        &token,
        &format!("/api/v1/applicants/{applicant}/signature"),
    )
    .await;

    // The applicants step offers "Editar" on each applicant, and "corregir y reenviar".
    let (status, step3) = app.page(&format!("/tramites/{id}/solicitantes")).await;
    assert_eq!(status, 200);
    let edit_path = format!("/tramites/{id}/solicitantes/{applicant}/editar");
    assert_eq!(
        attrs(&step3, "a.edit-applicant", "href"),
        vec![edit_path.clone()]
    );
    assert!(step3.contains("Continuar: corregir y reenviar"));

    // The form comes filled in, with the current photo and signature shown.
    let (status, form_html) = app.page(&edit_path).await;
    assert_eq!(status, 200);
    for (field, value) in [
        ("given_names", "Carmen Rosa"),
        ("dni", "10117410"),
        ("dni_issued_on", "2019-05-14"),
        ("email", "ctello@regioncajamarca.gob.pe"),
    ] {
        assert_eq!(
            attrs(&form_html, &format!("form input#{field}"), "value"),
            vec![value]
        );
    }
    let page = doc(&form_html);
    let current = page.one(".current-images");
    assert_eq!(
        current.attrs("img", "src"),
        vec![
            format!("/api/v1/applicants/{applicant}/photo"),
            format!("/api/v1/applicants/{applicant}/signature")
        ]
    );
    assert!(text(&form_html, "h1").starts_with("Corregir a Tello Vásquez"));

    // A new photo without ticking "sin lentes": refused on that line, nothing saved.
    let res = app
        .post_page(
            &edit_path,
            applicant_page_form(
                &csrf_token(&form_html),
                "carmen.tello@regioncajamarca.gob.pe",
            )
            .part("photo", image_part("photo_ok_large.png")),
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(field_error(&html, "no_glasses_confirmed").contains("Sin lentes"));
    assert_eq!(
        attrs(&html, "form input#email", "value"),
        vec!["carmen.tello@regioncajamarca.gob.pe"],
        "what was typed is kept"
    );
    assert!(html.contains("Vuelva a elegir la foto"));
    assert!(
        !html.contains("Vuelva a elegir la foto de la firma"),
        "no signature was sent"
    );
    assert_eq!(
        ticket_json(&app, &token, &id).await["applicants"][0]["email"],
        "ctello@regioncajamarca.gob.pe"
    );

    // Ticked: saved, the signature untouched.
    let res = app
        .post_page(
            &edit_path,
            applicant_page_form(&csrf_token(&html), "carmen.tello@regioncajamarca.gob.pe")
                .text("no_glasses_confirmed", "true")
                .part("photo", image_part("photo_ok_large.png")),
        )
        .await;
    assert_eq!(res.status(), 303);
    let back = res.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(back, format!("/tramites/{id}/solicitantes?aviso=corregido"));
    let (_, step3) = app.page(&back).await;
    assert!(notice(&step3).unwrap().starts_with("Cambios guardados."));
    let ticket = ticket_json(&app, &token, &id).await;
    assert_eq!(ticket["status"], "observado");
    assert_eq!(
        ticket["applicants"][0]["email"],
        "carmen.tello@regioncajamarca.gob.pe"
    );
    assert_eq!(ticket["applicants"][0]["no_glasses_confirmed"], true);
    assert_eq!(
        file_bytes(
            &app,
            &token,
            &format!("/api/v1/applicants/{applicant}/signature")
        )
        .await,
        signature_before
    );

    // The last step: "Corregir y reenviar" with an answer, not "Guardar como borrador".
    let (_, step4) = app.page(&format!("/tramites/{id}/enviar")).await;
    assert_eq!(
        texts(
            &step4,
            &format!("form[action^='/tramites/{id}/enviar'] button")
        ),
        vec!["Corregir y reenviar"]
    );
    assert!(!step4.contains("Guardar como borrador"));
    assert_eq!(doc(&step4).count("form textarea#comment[name=comment]"), 1);
    let answer = "Cambié la foto por una actual, sin lentes.";
    let res = app
        .submit(
            &format!("/tramites/{id}/enviar"),
            &[("csrf_token", &csrf_token(&step4)), ("comment", answer)],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(ticket_json(&app, &token, &id).await["status"], "enviado");

    // The analyst reads the answer in the review page's history…
    let review = analyst_review(&app, &id).await;
    let lines = history(&review);
    assert!(
        lines.contains(&(
            "Corrigió los datos de un solicitante".to_owned(),
            Some("Se corrigió a Tello Vásquez, Carmen Rosa: correo, foto".to_owned())
        )),
        "{lines:?}"
    );
    assert_eq!(
        lines.last().cloned(),
        Some(("Envió la solicitud".to_owned(), Some(answer.to_owned())))
    );
    // …and in the "corrected" notice.
    let notices: Value = app
        .get("/api/v1/notifications", Some(&analyst_token))
        .await
        .json()
        .await
        .unwrap();
    let corrected = notices["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "ticket_corrected")
        .unwrap_or_else(|| panic!("{notices}"));
    assert!(
        corrected["body"].as_str().unwrap().contains(answer),
        "{corrected}"
    );
    let _ = analyst_user;
}

// ---------------------------------------------------------------------------------------
// "Sin lentes"

#[tokio::test]
async fn sin_lentes_must_be_ticked_on_the_page_and_the_analyst_sees_whether_it_was() {
    let app = spawn_app().await;
    let token = requester(&app).await;
    let ticket = app.open_ticket(&token, "emision", Some("a")).await;
    let id = ticket["id"].as_str().unwrap();
    let step3_path = format!("/tramites/{id}/solicitantes");
    let (_, step3) = app.page(&step3_path).await;
    // The line is in the photo's checklist, unticked.
    let page = doc(&step3);
    let line = page.one(".file-field .check-field");
    assert_eq!(
        line.attrs("input[type=checkbox]#no_glasses_confirmed", "name"),
        vec!["no_glasses_confirmed"]
    );
    assert!(line.text_at("label").starts_with("Sin lentes"));
    assert!(line.attrs("input[checked]", "id").is_empty());

    let form = || {
        let mut form = Form::new().text("csrf_token", csrf_token(&step3));
        for (name, value) in applicant_fields("10117410") {
            form = form.text(name, value);
        }
        form.part("photo", image_part("photo_ok.jpg"))
            .part("signature", image_part("signature_ok.png"))
    };
    let res = app.post_page(&step3_path, form()).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert_eq!(
        crate::helpers::error_summary(&html)
            .iter()
            .map(|(href, _)| href.as_str())
            .collect::<Vec<_>>(),
        vec!["#no_glasses_confirmed"]
    );
    assert!(field_error(&html, "no_glasses_confirmed").starts_with("Confirme que en la foto"));
    assert!(ticket_json(&app, &token, id).await["applicants"]
        .as_array()
        .unwrap()
        .is_empty());

    let res = app
        .post_page(&step3_path, form().text("no_glasses_confirmed", "true"))
        .await;
    assert_eq!(res.status(), 303);
    // Through the API the confirmation is optional (existing clients keep working) and
    // recorded as sent.
    let mut fields = applicant_fields("40000002");
    fields.push(("given_names", "Luis".into()));
    assert_eq!(
        app.add_applicant(&token, id, &fields).await["no_glasses_confirmed"],
        false
    );
    let mut bad = applicant_fields("40000003");
    bad.push(("no_glasses_confirmed", "tal vez".into()));
    let body = problem(
        app.post_multipart(
            &format!("/api/v1/tickets/{id}/applicants"),
            &token,
            applicant_form(&bad, &[]),
        )
        .await,
        422,
    )
    .await;
    assert!(body["errors"]["no_glasses_confirmed"].is_array(), "{body}");

    let (_, analyst_token) = analyst(&app).await;
    app.submit_ticket(&token, id).await;
    let review = analyst_review(&app, id).await;
    let page = doc(&review);
    let said: Vec<(String, String)> = page
        .all("article.applicant-review")
        .into_iter()
        .map(|card| (card.text_at("h3"), card.text_at("dd.no-glasses")))
        .collect();
    assert_eq!(
        said,
        vec![
            (
                "Tello Vásquez, Carmen Rosa".to_owned(),
                "El solicitante confirmó: sin lentes".to_owned()
            ),
            (
                "Tello Vásquez, Luis".to_owned(),
                "El solicitante no confirmó «sin lentes»: revise la foto".to_owned()
            ),
        ]
    );
    let _ = analyst_token;
}

// ---------------------------------------------------------------------------------------
// Renewal from a certificate

#[tokio::test]
async fn solicitar_renovacion_opens_a_reemision_a_with_the_holders_data_filled_in() {
    let app = spawn_app().await;
    let token = requester(&app).await;
    // The holder was an applicant of an earlier ticket of this requester.
    ticket_with_applicant(&app, &token, "10117410").await;
    let expires = jiff::civil::date(2027, 1, 10);
    let cert = app
        .certificate(&token, CertificateState::Instalado, Some(expires))
        .await;

    let (_, list) = app.page("/certificados").await;
    let renew_path = format!("/certificados/{cert}/renovar");
    assert!(attrs(&list, "a", "href").contains(&renew_path), "{list}");

    // The GET says what will happen; it writes nothing.
    let (status, offer) = app.page(&renew_path).await;
    assert_eq!(status, 200);
    assert!(offer.contains("Renovación de certificado digital"));
    assert!(offer.contains("10/01/2027"));
    assert_eq!(
        texts(&offer, &format!("form[action='{renew_path}'] button")),
        vec!["Empezar la renovación"]
    );
    let before: Value = app
        .get("/api/v1/tickets", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(before["items"].as_array().unwrap().len(), 1);

    let res = app
        .submit(&renew_path, &[("csrf_token", &csrf_token(&offer))])
        .await;
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    let id = to
        .trim_start_matches("/tramites/")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(to, format!("/tramites/{id}/solicitantes?aviso=renovacion"));
    let ticket = ticket_json(&app, &token, &id).await;
    assert_eq!(
        (ticket["kind"].as_str(), ticket["reason"].as_str()),
        (Some("reemision"), Some("a"))
    );
    assert_eq!(ticket["renews_certificate_id"], cert.as_str());
    assert_eq!(ticket["status"], "borrador");

    // The applicant form comes filled in with the holder's data and the current expiry.
    let (_, form) = app.page(&to).await;
    for (field, value) in [
        ("paternal_surname", "Tello"),
        ("maternal_surname", "Vásquez"),
        ("given_names", "Carmen Rosa"),
        ("dni", "10117410"),
        ("email", "ctello@regioncajamarca.gob.pe"),
        ("position", "Asistente administrativo"),
        ("unit", "Oficina de Recursos Humanos"),
        ("current_expires_on", "2027-01-10"),
        ("dni_issued_on", ""),
    ] {
        assert_eq!(
            attrs(&form, &format!("form input#{field}"), "value"),
            vec![value],
            "{field}"
        );
    }

    // It now has an open renewal: the page says so, and a second one is refused.
    let (_, again) = app.page(&renew_path).await;
    assert!(
        again.contains("ya tiene una renovación en curso"),
        "{again}"
    );
    assert!(attrs(&again, "a", "href").contains(&format!("/tramites/{id}/solicitantes")));
    assert_eq!(
        doc(&again).count(&format!("form[action='{renew_path}']")),
        0
    );
    let res = app
        .submit(&renew_path, &[("csrf_token", &csrf_token(&offer))])
        .await;
    assert_eq!(res.status(), 409);
    let after: Value = app
        .get("/api/v1/tickets", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn only_visible_installed_certificates_can_be_renewed() {
    let app = spawn_app().await;
    let token = requester(&app).await;
    let cancelled = app
        .certificate(
            &token,
            CertificateState::Cancelado,
            Some(jiff::civil::date(2027, 1, 10)),
        )
        .await;
    let (status, page) = app
        .page(&format!("/certificados/{cancelled}/renovar"))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("no se puede renovar"), "{page}");
    assert_eq!(doc(&page).count("form[action$='/renovar']"), 0);
    let res = app
        .submit(
            &format!("/certificados/{cancelled}/renovar"),
            &[("csrf_token", &csrf_token(&page))],
        )
        .await;
    assert_eq!(res.status(), 409);

    // Someone else's certificate is not there at all.
    let other = app.token_for(Role::Solicitante).await;
    let theirs = app
        .certificate(
            &other,
            CertificateState::Instalado,
            Some(jiff::civil::date(2027, 2, 1)),
        )
        .await;
    let (status, _) = app.page(&format!("/certificados/{theirs}/renovar")).await;
    assert_eq!(status, 404);
    let res = app
        .submit(
            &format!("/certificados/{theirs}/renovar"),
            &[("csrf_token", &csrf_token(&page))],
        )
        .await;
    assert_eq!(res.status(), 404);
    let (status, _) = app.page("/certificados/no-es-un-id/renovar").await;
    assert_eq!(status, 404);
}

// ---------------------------------------------------------------------------------------
// Installation contact phone

#[tokio::test]
async fn the_installation_phone_is_checked_kept_and_shown_to_the_analyst() {
    let app = spawn_app().await;
    let token = requester(&app).await;
    let cert = app
        .certificate(&token, CertificateState::PendienteDescarga, None)
        .await;
    let open = |body: Value| {
        let app = &app;
        let token = token.clone();
        async move { app.post_json("/api/v1/tickets", Some(&token), &body).await }
    };
    let body = problem(
        open(json!({"kind": "instalacion", "certificate_id": cert, "contact_phone": "12345"}))
            .await,
        422,
    )
    .await;
    assert!(
        body["errors"]["contact_phone"][0]
            .as_str()
            .unwrap()
            .contains("celular de 9 dígitos"),
        "{body}"
    );
    let body = problem(
        open(json!({"kind": "emision", "reason": "a", "contact_phone": "987654321"})).await,
        422,
    )
    .await;
    assert!(body["errors"]["contact_phone"].is_array(), "{body}");

    // The page's first step asks for it with the certificate, and keeps a wrong one.
    let (_, step1) = app.page("/tramites/nuevo?tipo=instalacion").await;
    // Step 1 of the wizard posted from `form` (its CSRF token) with this phone.
    let ask_installation = |form: &str, phone: &'static str| {
        let (app, csrf, cert) = (&app, csrf_token(form), cert.clone());
        async move {
            let fields = [
                ("csrf_token", csrf.as_str()),
                ("kind", "instalacion"),
                ("certificate_id", cert.as_str()),
                ("contact_phone", phone),
            ];
            app.submit("/tramites/nuevo", &fields).await
        }
    };
    assert_eq!(doc(&step1).count("form input#contact_phone[type=tel]"), 1);
    let res = ask_installation(&step1, "076 12345").await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(field_error(&html, "contact_phone").contains("código de ciudad"));
    assert_eq!(
        attrs(&html, "form input#contact_phone", "value"),
        vec!["076 12345"]
    );
    let res = ask_installation(&html, "076 123456").await;
    assert_eq!(res.status(), 303);
    let id = res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/tramites/")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let ticket = ticket_json(&app, &token, &id).await;
    assert_eq!(ticket["contact_phone"], "076123456");
    let (_, mine) = app.page(&format!("/tramites/{id}")).await;
    assert!(mine.contains("(076) 123456"));
    app.post_json(
        &format!("/api/v1/tickets/{id}/submit"),
        Some(&token),
        &json!({}),
    )
    .await;

    analyst(&app).await;
    let review = analyst_review(&app, &id).await;
    let page = doc(&review);
    let strip = page.one("dl.fact-strip");
    let phone = strip.one("div.contact-phone");
    assert_eq!(phone.text_at("dt"), "Teléfono del titular");
    assert_eq!(phone.text_at("dd"), "(076) 123456");
    assert_eq!(phone.attrs("a", "href"), vec!["tel:+5176123456"]);
}

// ---------------------------------------------------------------------------------------
// Mis trámites

#[tokio::test]
async fn a_draft_in_mis_tramites_says_it_was_not_sent_and_when_it_was_created() {
    let app = spawn_app().await;
    let token = requester(&app).await;
    let (draft, _) = ticket_with_applicant(&app, &token, "10117410").await;
    let (sent, _) = ticket_with_applicant(&app, &token, "40000001").await;
    app.post_json(
        &format!("/api/v1/tickets/{sent}/submit"),
        Some(&token),
        &json!({}),
    )
    .await;
    let (_, html) = app.page("/tramites").await;
    let page = doc(&html);
    let row_of = |id: &str| {
        page.all("table.list-table tbody tr")
            .into_iter()
            .find(|tr| tr.count(&format!("a[href='/tramites/{id}']")) == 1)
            .unwrap()
    };
    let draft_row = row_of(&draft);
    let draft_cell = draft_row.one("td.cell-date");
    assert_eq!(draft_cell.value().attr("data-label"), None);
    let today = domain::schedule::format_date(app.app.today());
    assert_eq!(
        crate::helpers::text_of(draft_cell),
        format!("Sin enviar (borrador creado el {today})")
    );
    let sent_row = row_of(&sent);
    let sent_cell = sent_row.one("td.cell-date");
    assert_eq!(sent_cell.value().attr("data-label"), Some("Enviado el"));
    assert!(!html.contains("Enviado el Sin enviar"));
}
