//! The requester's pages: "Mis trámites", the new-ticket wizard (kind and reason →
//! receipts → applicants → send), the ticket page, "Mis certificados" and the public
//! "Procedimiento" page. Driven as a browser would: cookies, CSRF tokens, multipart posts.

use domain::role::Role;
use reqwest::multipart::{Form, Part};

use crate::helpers::{csrf_token, fixture, receipt_pdf, spawn_app, TestApp};

const PASSWORD: &str = "clave segura 2026";

/// Logs `email` in through the login form; the browser keeps the session.
async fn log_in(app: &TestApp, email: &str) {
    app.user(email, Role::Solicitante, PASSWORD).await;
    app.log_in_browser(email, PASSWORD).await;
}

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

/// Posts step 1 (kind and reason) and returns the new ticket's id and the next step's URL.
async fn open_through_the_wizard(app: &TestApp, kind: &str, reason: &str) -> (String, String) {
    let (status, html) = app.page(&format!("/tramites/nuevo?tipo={kind}")).await;
    assert_eq!(status, 200);
    let res = app
        .submit(
            "/tramites/nuevo",
            &[
                ("csrf_token", &csrf_token(&html)),
                ("kind", kind),
                ("reason", reason),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "opening {kind} {reason}");
    let next = location(&res);
    let id = next
        .trim_start_matches("/tramites/")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    (id, next)
}

async fn post_multipart(app: &TestApp, path: &str, form: Form) -> reqwest::Response {
    app.browser
        .post(app.url(path))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn applicant_form(csrf: &str, email: &str, photo: &str, signature: &str) -> Form {
    let part = |name: &str| {
        let mime = if name.ends_with(".png") {
            "image/png"
        } else {
            "image/jpeg"
        };
        Part::bytes(fixture(name))
            .file_name(name.to_owned())
            .mime_str(mime)
            .unwrap()
    };
    Form::new()
        .text("csrf_token", csrf.to_owned())
        .text("paternal_surname", "Tello")
        .text("maternal_surname", "Vásquez")
        .text("given_names", "Carmen Rosa")
        .text("dni", "10117410")
        .text("dni_check_digit", "")
        .text("dni_issued_on", "2019-05-14")
        .text("email", email.to_owned())
        .text("position", "Asistente administrativo")
        .text("unit", "Oficina de Recursos Humanos")
        .part("photo", part(photo))
        .part("signature", part(signature))
}

/// The value of the first `<option>` with a value inside the select `name`.
fn first_option(html: &str, name: &str) -> String {
    let select = html
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no select {name}"));
    let rest = &html[select..];
    let mut from = 0;
    loop {
        let start = rest[from..].find("<option value=\"").expect("an option") + from + 15;
        let end = rest[start..].find('"').unwrap() + start;
        if end > start {
            return rest[start..end].to_owned();
        }
        from = end;
    }
}

#[tokio::test]
async fn the_wizard_takes_a_paid_request_from_kind_and_reason_to_sent() {
    let app = spawn_app().await;
    log_in(&app, "ana@regioncajamarca.gob.pe").await;

    let (status, list) = app.page("/tramites").await;
    assert_eq!(status, 200);
    assert!(list.contains("Aún no tiene trámites"));
    assert!(list.contains("href=\"/tramites/nuevo\""));

    // Step 1: the kind, then its reasons, paid ones marked.
    let (status, step1) = app.page("/tramites/nuevo").await;
    assert_eq!(status, 200);
    assert!(step1.contains("Paso 1 de 4"));
    assert!(step1.contains("value=\"emision\""));
    assert!(step1.contains("value=\"cancelacion\""));
    let (_, reasons) = app.page("/tramites/nuevo?tipo=emision").await;
    assert!(reasons.contains("c) Necesidad de certificado digital"));
    assert!(reasons.contains("Requiere pago de S/ 8.10"));
    let (id, next) = open_through_the_wizard(&app, "emision", "c").await;
    assert_eq!(next, format!("/tramites/{id}/pagos"));

    // Step 2: the payment data to copy, then the receipt.
    let (status, step2) = app.page(&next).await;
    assert_eq!(status, 200);
    assert!(step2.contains("Paso 2 de 4"));
    for value in [
        "S/ 8.10",
        "00529",
        "20453744168",
        "accept=\".jpg,.jpeg,.png,.pdf\"",
    ] {
        assert!(step2.contains(value), "step 2 lacks {value}");
    }
    let receipt = Form::new()
        .text("csrf_token", csrf_token(&step2))
        .text("operation_number", "7421-0093")
        .text("paid_on", "2026-01-05")
        .text("amount", "8.10")
        .text("tribute_code", "00529")
        .text("payer_dni", "10117410")
        .text("channel", "ventanilla")
        .part(
            "receipt",
            Part::bytes(receipt_pdf())
                .file_name("constancia.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let res = post_multipart(&app, &next, receipt).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    assert_eq!(
        location(&res),
        format!("/tramites/{id}/pagos?aviso=registrada")
    );
    let (_, step2) = app.page(&location(&res)).await;
    assert!(step2.contains("Constancia registrada"));
    assert!(step2.contains("74210093"));

    // Step 3: the applicant, linked to the receipt just registered.
    let (status, step3) = app.page(&format!("/tramites/{id}/solicitantes")).await;
    assert_eq!(status, 200);
    assert!(step3.contains("Paso 3 de 4"));
    assert!(
        step3.contains("tal como aparece en su DNI")
            || step3.contains("Tal como aparece en su DNI")
    );
    assert!(step3.contains("accept=\"image/jpeg,image/png\""));
    let payment_id = first_option(&step3, "payment_id");
    let form = applicant_form(
        &csrf_token(&step3),
        "ctello@regioncajamarca.gob.pe",
        "photo_ok.jpg",
        "signature_ok.png",
    )
    .text("payment_id", payment_id);
    let res = post_multipart(&app, &format!("/tramites/{id}/solicitantes"), form).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let (_, step3) = app.page(&location(&res)).await;
    assert!(step3.contains("Solicitante registrado"));
    assert!(step3.contains("TELLO VÁSQUEZ") || step3.contains("Tello Vásquez"));
    // Every receipt is used now: the page says to register one first.
    assert!(step3.contains("Registre primero la constancia de pago"));

    // Step 4: the summary, then send.
    let (status, step4) = app.page(&format!("/tramites/{id}/enviar")).await;
    assert_eq!(status, 200);
    assert!(step4.contains("Paso 4 de 4"));
    assert!(step4.contains("Enviar solicitud"));
    let res = app
        .submit(
            &format!("/tramites/{id}/enviar"),
            &[("csrf_token", &csrf_token(&step4))],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("/tramites/{id}?aviso=enviado"));

    // The ticket page: sent, with the notice, the applicant's thumbnails and the history.
    let (status, page) = app.page(&location(&res)).await;
    assert_eq!(status, 200);
    assert!(page.contains("status-enviado\">Enviado<"));
    assert!(page.contains("Su solicitud fue enviada"));
    assert!(page.contains("Envió la solicitud"));
    assert!(page.contains("Creó el trámite"));
    assert!(page.contains("Registró una constancia de pago"));
    let photo = page
        .split("src=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .find(|src| src.ends_with("/photo"))
        .expect("a photo thumbnail")
        .to_owned();
    let res = app.browser.get(app.url(&photo)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");

    // It can no longer be edited: the step pages lead back to the ticket.
    let res = app
        .browser
        .get(app.url(&format!("/tramites/{id}/solicitantes")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("/tramites/{id}"));

    let (_, list) = app.page("/tramites").await;
    assert!(list.contains(&format!("href=\"/tramites/{id}\"")));
    assert!(list.contains(">Enviado<"));
}

#[tokio::test]
async fn a_failed_applicant_upload_keeps_what_was_typed_and_shows_each_error_twice() {
    let app = spawn_app().await;
    log_in(&app, "ana@regioncajamarca.gob.pe").await;
    let (id, next) = open_through_the_wizard(&app, "emision", "a").await;
    // A free reason skips the payment step.
    assert_eq!(next, format!("/tramites/{id}/solicitantes"));
    let (_, step3) = app.page(&next).await;
    assert!(step3.contains("Paso 3 de 4"));
    assert!(step3.contains("(no requerido)"));
    assert!(!step3.contains("name=\"payment_id\""));

    let form = applicant_form(
        &csrf_token(&step3),
        "carmen.tello@gmail.com",
        "photo_blurred.jpg",
        "signature_black_ink.png",
    );
    let res = post_multipart(&app, &next, form).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    // What was typed is still there.
    for value in [
        "value=\"Carmen Rosa\"",
        "value=\"Tello\"",
        "value=\"10117410\"",
        "value=\"2019-05-14\"",
        "value=\"carmen.tello@gmail.com\"",
        "value=\"Oficina de Recursos Humanos\"",
    ] {
        assert!(html.contains(value), "lost {value}");
    }
    // Each error in the summary at the top, linking to its field…
    assert!(html.contains("Revise estos datos antes de continuar"));
    for field in ["email", "photo", "signature"] {
        assert!(
            html.contains(&format!("href=\"#{field}\"")),
            "summary lacks {field}"
        );
        // …and next to the field.
        assert!(
            html.contains(&format!("id=\"{field}-error\"")),
            "no error by {field}"
        );
    }
    assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"email-error\""));
    assert!(html.find("href=\"#photo\"").unwrap() < html.find("id=\"photo-error\"").unwrap());
    // Files must be chosen again, and the page says so.
    assert!(html.contains("Vuelva a elegir la foto"));
    // Beside each file field: a thumbnail of what was sent and the ✓/✗ list of its checks.
    let photo_report = &html[html.find("id=\"photo-report\"").unwrap()..];
    let photo_report = &photo_report[..photo_report.find("</div>").unwrap()];
    assert!(
        photo_report.contains("src=\"data:image/jpeg;base64,"),
        "{photo_report}"
    );
    assert!(photo_report.contains("check-bad"), "the blur is marked");
    assert!(
        photo_report.contains("check-ok"),
        "the checks it passed are listed too"
    );
    let signature_report = &html[html.find("id=\"signature-report\"").unwrap()..];
    assert!(signature_report[..signature_report.find("</div>").unwrap()].contains("azul"));
    // Nothing was stored.
    let (_, page) = app.page(&format!("/tramites/{id}")).await;
    assert!(page.contains("Aún no hay solicitantes registrados"));
}

#[tokio::test]
async fn another_requester_gets_the_spanish_404_on_someone_elses_ticket() {
    let app = spawn_app().await;
    log_in(&app, "ana@regioncajamarca.gob.pe").await;
    let (id, _) = open_through_the_wizard(&app, "emision", "a").await;
    let res = app
        .submit(
            "/logout",
            &[("csrf_token", &csrf_token(&app.page("/").await.1))],
        )
        .await;
    assert_eq!(res.status(), 303);

    log_in(&app, "beto@regioncajamarca.gob.pe").await;
    for path in [
        format!("/tramites/{id}"),
        format!("/tramites/{id}/solicitantes"),
        format!("/tramites/{id}/enviar"),
        format!("/tramites/{id}/anular"),
    ] {
        let (status, html) = app.page(&path).await;
        assert_eq!(status, 404, "{path}");
        assert!(html.contains("No encontrado"), "{path}");
        assert!(html.contains("lang=\"es-PE\""));
    }
    let (_, list) = app.page("/tramites").await;
    assert!(!list.contains(&id));
    assert!(list.contains("Aún no tiene trámites"));
}

#[tokio::test]
async fn the_procedure_page_is_public_and_shows_the_fee_tribute_code_and_ruc() {
    let app = spawn_app().await;
    let (status, html) = app.page("/procedimiento").await;
    assert_eq!(status, 200);
    for value in [
        "8.10",
        "00529",
        "20453744168",
        "Tasa Emisión de Certificados Digitales para Suscriptor",
        "16:30",
        "10 días",
        "30 días calendario",
        "lapicero azul",
        "sin lentes",
        "/static/ejemplos/foto-correcta.jpg",
        "/static/ejemplos/firma-tinta-negra.jpg",
    ] {
        assert!(html.contains(value), "the procedure lacks {value}");
    }
    // Linked from every page (the footer), and from the anonymous menu.
    let (_, login) = app.page("/login").await;
    assert!(login.contains("href=\"/procedimiento\""));
    // The example images are served.
    let res = app
        .browser
        .get(app.url("/static/ejemplos/foto-correcta.jpg"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn withdrawing_asks_for_confirmation_then_annuls_the_ticket() {
    let app = spawn_app().await;
    log_in(&app, "ana@regioncajamarca.gob.pe").await;
    let (id, _) = open_through_the_wizard(&app, "emision", "a").await;
    let (_, page) = app.page(&format!("/tramites/{id}")).await;
    assert!(page.contains(&format!("href=\"/tramites/{id}/anular\"")));
    let (status, confirm) = app.page(&format!("/tramites/{id}/anular")).await;
    assert_eq!(status, 200);
    assert!(confirm.contains("Sí, anular el trámite"));
    let res = app
        .submit(
            &format!("/tramites/{id}/anular"),
            &[
                ("csrf_token", &csrf_token(&confirm)),
                ("comment", "Lo registré por error"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = app.page(&location(&res)).await;
    assert!(page.contains("status-anulado\">Anulado<"));
    assert!(page.contains("Anuló el trámite"));
    assert!(page.contains("Lo registré por error"));
    assert!(!page.contains(&format!("href=\"/tramites/{id}/anular\"")));
}

#[tokio::test]
async fn sending_without_applicants_says_why_and_links_to_the_step_that_fixes_it() {
    let app = spawn_app().await;
    log_in(&app, "ana@regioncajamarca.gob.pe").await;
    let (id, _) = open_through_the_wizard(&app, "reemision", "a").await;
    let (_, step4) = app.page(&format!("/tramites/{id}/enviar")).await;
    let res = app
        .submit(
            &format!("/tramites/{id}/enviar"),
            &[("csrf_token", &csrf_token(&step4))],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Registre al menos un solicitante"));
    assert!(html.contains(&format!("href=\"/tramites/{id}/solicitantes\"")));
    // Renewal asks for the current certificate's expiry date.
    let (_, step3) = app.page(&format!("/tramites/{id}/solicitantes")).await;
    assert!(step3.contains("name=\"current_expires_on\""));
}

#[tokio::test]
async fn choosing_no_reason_re_renders_step_one_with_the_error() {
    let app = spawn_app().await;
    log_in(&app, "ana@regioncajamarca.gob.pe").await;
    let (_, html) = app.page("/tramites/nuevo?tipo=reemision").await;
    let res = app
        .submit(
            "/tramites/nuevo",
            &[("csrf_token", &csrf_token(&html)), ("kind", "reemision")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("href=\"#reason\""));
    assert!(html.contains("id=\"reason-error\""));
    // Installation without certificates says so plainly.
    let (_, html) = app.page("/tramites/nuevo?tipo=instalacion").await;
    assert!(html.contains("No tiene certificados pendientes de instalación"));
    let (status, certs) = app.page("/certificados").await;
    assert_eq!(status, 200);
    assert!(certs.contains("Aún no tiene certificados registrados"));
}

/// The path of the first form posting to `prefix…/quitar`.
fn remove_action(html: &str, prefix: &str) -> String {
    let start = html
        .find(&format!("action=\"{prefix}"))
        .unwrap_or_else(|| panic!("no remove form under {prefix}"))
        + "action=\"".len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_owned()
}

#[tokio::test]
async fn removing_an_applicant_frees_the_receipt_and_then_the_receipt_can_go() {
    let app = spawn_app().await;
    log_in(&app, "ana@regioncajamarca.gob.pe").await;
    let (id, pagos) = open_through_the_wizard(&app, "reemision", "f").await;
    let (_, step2) = app.page(&pagos).await;
    let receipt = Form::new()
        .text("csrf_token", csrf_token(&step2))
        .text("operation_number", "55501234")
        .text("paid_on", "2026-01-05")
        .text("amount", "8.10")
        .text("tribute_code", "00529")
        .text("payer_dni", "10117410")
        .text("channel", "pagalo.pe")
        .part(
            "receipt",
            Part::bytes(receipt_pdf())
                .file_name("constancia.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    assert_eq!(post_multipart(&app, &pagos, receipt).await.status(), 303);
    let step3_path = format!("/tramites/{id}/solicitantes");
    let (_, step3) = app.page(&step3_path).await;
    let form = applicant_form(
        &csrf_token(&step3),
        "ctello@regioncajamarca.gob.pe",
        "photo_ok.jpg",
        "signature_ok.png",
    )
    .text("payment_id", first_option(&step3, "payment_id"));
    assert_eq!(post_multipart(&app, &step3_path, form).await.status(), 303);

    // A linked receipt offers no remove button; the applicant does, behind a confirmation.
    let (_, step2) = app.page(&pagos).await;
    assert!(!step2.contains(&format!("action=\"/tramites/{id}/pagos/")));
    let (_, step3) = app.page(&step3_path).await;
    assert!(step3.contains("Sí, quitar"));
    let action = remove_action(&step3, &format!("/tramites/{id}/solicitantes/"));
    let res = app
        .submit(&action, &[("csrf_token", &csrf_token(&step3))])
        .await;
    assert_eq!(res.status(), 303);
    let (_, step3) = app.page(&location(&res)).await;
    assert!(step3.contains("Solicitante quitado"));
    assert!(
        step3.contains("N° 55501234"),
        "the receipt is offered again"
    );

    let (_, step2) = app.page(&pagos).await;
    let action = remove_action(&step2, &format!("/tramites/{id}/pagos/"));
    let res = app
        .submit(&action, &[("csrf_token", &csrf_token(&step2))])
        .await;
    assert_eq!(res.status(), 303);
    let (_, step2) = app.page(&location(&res)).await;
    assert!(step2.contains("Constancia quitada"));
    assert!(step2.contains("Aún no registró constancias"));
    let (_, page) = app.page(&format!("/tramites/{id}")).await;
    assert!(page.contains("Quitó un solicitante"));
    assert!(page.contains("Quitó una constancia de pago"));
}

/// A free emission with one applicant, sent through the pages; returns the ticket id.
async fn send_a_free_emission(app: &TestApp) -> String {
    let (id, step3_path) = open_through_the_wizard(app, "emision", "a").await;
    let (_, step3) = app.page(&step3_path).await;
    let form = applicant_form(
        &csrf_token(&step3),
        "ctello@regioncajamarca.gob.pe",
        "photo_ok.jpg",
        "signature_ok.png",
    );
    assert_eq!(post_multipart(app, &step3_path, form).await.status(), 303);
    let (_, step4) = app.page(&format!("/tramites/{id}/enviar")).await;
    let res = app
        .submit(
            &format!("/tramites/{id}/enviar"),
            &[("csrf_token", &csrf_token(&step4))],
        )
        .await;
    assert_eq!(res.status(), 303);
    id
}

#[tokio::test]
async fn the_ticket_page_shows_the_observation_and_later_the_dispatch_date() {
    let app = spawn_app().await;
    log_in(&app, "ana@regioncajamarca.gob.pe").await;
    let id = send_a_free_emission(&app).await;
    let analyst = app
        .user("jorge@regioncajamarca.gob.pe", Role::Analista, PASSWORD)
        .await;

    // Observed: the observation stands out, and the way to correct it is offered.
    certdesk::app::review::take(&app.app, &analyst, id.parse().unwrap())
        .await
        .unwrap();
    certdesk::app::review::observe(
        &app.app,
        &analyst,
        id.parse().unwrap(),
        "La foto no es actual.",
    )
    .await
    .unwrap();
    let (_, page) = app.page(&format!("/tramites/{id}")).await;
    assert!(page.contains("Observación de la Mesa de Servicios"));
    assert!(page.contains("La foto no es actual."));
    assert!(page.contains("Corregir y volver a enviar"));
    assert!(page.contains("Observó el trámite"));
    let (status, step3) = app.page(&format!("/tramites/{id}/solicitantes")).await;
    assert_eq!(status, 200, "an observed ticket can be corrected");
    assert!(step3.contains("La foto no es actual."));
    let (_, step4) = app.page(&format!("/tramites/{id}/enviar")).await;
    assert!(step4.contains("Volver a enviar la solicitud"));
    let res = app
        .submit(
            &format!("/tramites/{id}/enviar"),
            &[("csrf_token", &csrf_token(&step4))],
        )
        .await;
    assert_eq!(res.status(), 303);

    // Approved: each applicant shows when it goes to RENIEC.
    certdesk::app::review::take(&app.app, &analyst, id.parse().unwrap())
        .await
        .unwrap();
    certdesk::app::review::approve(&app.app, &analyst, id.parse().unwrap())
        .await
        .unwrap();
    let (_, page) = app.page(&format!("/tramites/{id}")).await;
    assert!(page.contains("status-programado\">Programado<"));
    assert!(page.contains("Se enviará a RENIEC el "), "{page}");
    assert!(page.contains(" a las 16:30."));
    assert!(page.contains("Aprobó la solicitud"));
    // Nothing left for the requester to edit or withdraw.
    assert!(!page.contains("/anular\""));
    assert!(!page.contains("Corregir y volver a enviar"));
}
