//! The requester's pages: "Mis trámites", the new-ticket wizard (kind and reason →
//! receipts → applicants → send), the ticket page, "Mis certificados" and the public
//! "Procedimiento" page. Driven as a browser would: cookies, CSRF tokens, multipart posts.

use domain::role::Role;
use reqwest::multipart::{Form, Part};

use crate::helpers::{
    applicant_page_form, attrs, count, csrf_token, doc, error_summary, field_error, h1, history,
    image_part, location, notice, receipt_pdf, spawn_app, text, text_of, texts, title_badge, Find,
    TestApp,
};

const PASSWORD: &str = "clave segura 2026";

/// Logs `email` in through the login form; the browser keeps the session.
async fn log_in(app: &TestApp, email: &str) {
    app.user(email, Role::Solicitante, PASSWORD).await;
    app.log_in_browser(email, PASSWORD).await;
}

/// The wizard's "Paso N de M…" line.
fn step_now(html: &str) -> String {
    text(html, "main p.step-now")
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

fn applicant_form(csrf: &str, email: &str, photo: &str, signature: &str) -> Form {
    applicant_page_form(csrf, email)
        .text("no_glasses_confirmed", "true")
        .part("photo", image_part(photo))
        .part("signature", image_part(signature))
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
    assert_eq!(h1(&list), "Mis trámites");
    assert!(text(&list, "main .empty-state").contains("Aún no tiene trámites"));
    assert_eq!(count(&list, "main table"), 0);
    assert_eq!(
        attrs(&list, "main .page-title a.button", "href"),
        vec!["/tramites/nuevo"]
    );

    // Step 1: the kind, then its reasons, paid ones marked.
    let (status, step1) = app.page("/tramites/nuevo").await;
    assert_eq!(status, 200);
    assert_eq!(h1(&step1), "Nuevo trámite");
    assert!(step_now(&step1).starts_with("Paso 1 de 4"));
    assert!(step1.contains("value=\"emision\""));
    assert!(step1.contains("value=\"cancelacion\""));
    assert_eq!(
        attrs(
            &step1,
            "form fieldset#kind input[type=radio][name=tipo]",
            "value"
        ),
        vec!["emision", "reemision", "instalacion", "cancelacion"]
    );
    let (_, reasons) = app.page("/tramites/nuevo?tipo=emision").await;
    assert!(reasons.contains("c) Necesidad de certificado digital"));
    assert!(reasons.contains("Requiere pago de S/ 8.10"));
    let reason_c = text(&reasons, "fieldset#reason label[for=motivo-c]");
    assert!(
        reason_c.starts_with("c) Necesidad de certificado digital"),
        "{reason_c}"
    );
    assert_eq!(
        text(&reasons, "label[for=motivo-c] .tag-paid"),
        "Requiere pago de S/ 8.10"
    );
    let (id, next) = open_through_the_wizard(&app, "emision", "c").await;
    assert_eq!(next, format!("/tramites/{id}/pagos"));

    // Step 2: the payment data to copy, then the receipt.
    let (status, step2) = app.page(&next).await;
    assert_eq!(status, 200);
    assert_eq!(h1(&step2), "Constancia de pago");
    assert!(step_now(&step2).starts_with("Paso 2 de 4"));
    for value in [
        "S/ 8.10",
        "00529",
        "20453744168",
        "accept=\".jpg,.jpeg,.png,.pdf\"",
    ] {
        assert!(step2.contains(value), "step 2 lacks {value}");
    }
    // The payment data sit in the boxes to copy them from, the file field takes PDFs.
    assert_eq!(text(&step2, "#dato-monto"), "S/ 8.10");
    assert_eq!(text(&step2, "#dato-tributo"), "00529");
    assert_eq!(text(&step2, "#dato-ruc"), "20453744168");
    assert_eq!(
        attrs(&step2, "form input#receipt[type=file]", "accept"),
        vec![".jpg,.jpeg,.png,.pdf"]
    );
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
    let res = app.post_page(&next, receipt).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    assert_eq!(
        location(&res),
        format!("/tramites/{id}/pagos?aviso=registrada")
    );
    let (_, step2) = app.page(&location(&res)).await;
    assert!(step2.contains("Constancia registrada"));
    assert!(step2.contains("74210093"));
    assert!(notice(&step2).unwrap().contains("Constancia registrada"));
    let receipts = texts(&step2, "section .item-list .item-title");
    assert_eq!(receipts.len(), 1, "{receipts:?}");
    assert!(
        receipts[0].contains("Operación N° 74210093"),
        "{receipts:?}"
    );

    // Step 3: the applicant, linked to the receipt just registered.
    let (status, step3) = app.page(&format!("/tramites/{id}/solicitantes")).await;
    assert_eq!(status, 200);
    assert_eq!(h1(&step3), "Solicitantes");
    assert!(step_now(&step3).starts_with("Paso 3 de 4"));
    assert!(
        step3.contains("tal como aparece en su DNI")
            || step3.contains("Tal como aparece en su DNI")
    );
    // The hint belongs to the DNI's issue date.
    assert!(text(&step3, "#dni_issued_on-ayuda").contains("Tal como aparece en su DNI"));
    assert_eq!(
        attrs(&step3, "#dni_issued_on", "aria-describedby"),
        vec!["dni_issued_on-ayuda"]
    );
    assert!(step3.contains("accept=\"image/jpeg,image/png\""));
    for field in ["photo", "signature"] {
        assert_eq!(
            attrs(&step3, &format!("input#{field}[type=file]"), "accept"),
            vec!["image/jpeg,image/png"]
        );
    }
    let payment_id = first_option(&step3, "payment_id");
    let form = applicant_form(
        &csrf_token(&step3),
        "ctello@regioncajamarca.gob.pe",
        "photo_ok.jpg",
        "signature_ok.png",
    )
    .text("payment_id", payment_id);
    let res = app
        .post_page(&format!("/tramites/{id}/solicitantes"), form)
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let (_, step3) = app.page(&location(&res)).await;
    assert!(step3.contains("Solicitante registrado"));
    assert!(step3.contains("TELLO VÁSQUEZ") || step3.contains("Tello Vásquez"));
    assert!(notice(&step3).unwrap().contains("Solicitante registrado"));
    let registered = texts(&step3, "section .item-list .applicant .item-title");
    assert_eq!(registered.len(), 1, "{registered:?}");
    assert!(
        registered[0].contains("TELLO VÁSQUEZ") || registered[0].contains("Tello Vásquez"),
        "{registered:?}"
    );
    // Every receipt is used now: the page says to register one first.
    assert!(step3.contains("Registre primero la constancia de pago"));
    assert!(text(&step3, "details.more").contains("Registre primero la constancia de pago"));
    assert_eq!(count(&step3, "form[enctype='multipart/form-data']"), 0);

    // Step 4: the summary, then send.
    let (status, step4) = app.page(&format!("/tramites/{id}/enviar")).await;
    assert_eq!(status, 200);
    assert_eq!(h1(&step4), "Revisar y enviar");
    assert!(step_now(&step4).starts_with("Paso 4 de 4"));
    assert!(step4.contains("Enviar solicitud"));
    assert_eq!(
        texts(
            &step4,
            &format!("form[action^='/tramites/{id}/enviar'] button")
        ),
        vec!["Enviar solicitud"]
    );
    assert_eq!(count(&step4, ".error-summary"), 0);
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
    assert!(h1(&page).starts_with("Trámite "));
    assert_eq!(title_badge(&page), ("enviado".into(), "Enviado".into()));
    assert!(notice(&page).unwrap().contains("Su solicitud fue enviada"));
    // The history, oldest first, one row per step.
    let events: Vec<String> = history(&page).into_iter().map(|(what, _)| what).collect();
    assert_eq!(
        events,
        [
            "Creó el trámite",
            "Registró una constancia de pago",
            "Registró un solicitante",
            "Envió la solicitud"
        ]
    );
    let photos = attrs(
        &page,
        "section .applicant .thumbs img[src$='/photo']",
        "src",
    );
    assert_eq!(photos.len(), 1, "one photo thumbnail: {photos:?}");
    let photo = photos[0].clone();
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
    let page = doc(&list);
    let rows = page.all("main table tbody tr");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].attrs(".cell-number a", "href"),
        vec![format!("/tramites/{id}")]
    );
    assert_eq!(rows[0].text_at(".cell-status .status-enviado"), "Enviado");
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
    assert!(step_now(&step3).starts_with("Paso 3 de 4"));
    // The payment step is the one marked as not required.
    let skipped = texts(&step3, "nav.wizard-steps li.step-omitido");
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(skipped[0].contains("(no requerido)"), "{skipped:?}");
    assert!(skipped[0].contains("pago"), "{skipped:?}");

    let form = applicant_form(
        &csrf_token(&step3),
        "carmen.tello@gmail.com",
        "photo_blurred.jpg",
        "signature_black_ink.png",
    );
    let res = app.post_page(&next, form).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    // What was typed is still there, each in its own field.
    for (field, value) in [
        ("given_names", "Carmen Rosa"),
        ("paternal_surname", "Tello"),
        ("dni", "10117410"),
        ("dni_issued_on", "2019-05-14"),
        ("email", "carmen.tello@gmail.com"),
        ("unit", "Oficina de Recursos Humanos"),
    ] {
        assert_eq!(
            attrs(&html, &format!("form input#{field}"), "value"),
            vec![value],
            "lost {field}"
        );
    }
    // Each error in the summary at the top, linking to its field…
    assert_eq!(
        text(&html, ".error-summary[role=alert] h2"),
        "Revise estos datos antes de continuar"
    );
    let summary = error_summary(&html);
    let targets: Vec<&str> = summary.iter().map(|(href, _)| href.as_str()).collect();
    assert_eq!(
        targets,
        vec!["#email", "#photo", "#signature"],
        "{summary:?}"
    );
    for (field, label) in [
        ("email", "Correo institucional"),
        ("photo", "Foto del solicitante"),
        ("signature", "Foto de la firma"),
    ] {
        let (_, line) = summary
            .iter()
            .find(|(href, _)| *href == format!("#{field}"))
            .unwrap();
        assert!(line.starts_with(&format!("{label}:")), "{summary:?}");
        // …and next to the field, saying the same.
        let beside = field_error(&html, field);
        assert!(!beside.is_empty(), "no error by {field}");
        assert!(line.contains(&beside), "{line} / {beside}");
    }
    assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"email-error\""));
    assert!(html.find("href=\"#photo\"").unwrap() < html.find("id=\"photo-error\"").unwrap());
    // The fields without errors are not marked.
    assert_eq!(count(&html, "[aria-invalid]"), 3);
    // Files must be chosen again, and the page says so beside each file field.
    assert!(html.contains("Vuelva a elegir la foto"));
    let page = doc(&html);
    let photo_field = page
        .all(".field.file-field")
        .into_iter()
        .find(|f| f.count("input#photo") == 1)
        .unwrap();
    assert!(photo_field
        .text_at("p.retry")
        .starts_with("Vuelva a elegir la foto:"));
    // Beside each file field: a thumbnail of what was sent and the ✓/✗ list of its checks.
    let photo_report = photo_field.one("#photo-report");
    assert_eq!(
        photo_report.count("img[src^='data:image/jpeg;base64,']"),
        1,
        "{}",
        photo_report.html()
    );
    assert!(
        photo_report.count("ul.checks > li.check-bad") >= 1,
        "the blur is marked"
    );
    // The file is not kept: the checks it passed are not shown as green ✓ beside an
    // empty field, only what was wrong with it, and that it must be chosen again.
    assert_eq!(
        photo_report.count("ul.checks > li.check-ok"),
        0,
        "no green check beside an empty field"
    );
    assert!(photo_report
        .text_at("p.image-report-note")
        .starts_with("La foto que envió no se guardó"));
    let signature_field = page
        .all(".field.file-field")
        .into_iter()
        .find(|f| f.count("input#signature") == 1)
        .unwrap();
    let signature_checks = signature_field.texts("#signature-report ul.checks > li.check-bad");
    assert!(
        signature_checks.iter().any(|c| c.contains("azul")),
        "{signature_checks:?}"
    );
    // Nothing was stored.
    let (_, page) = app.page(&format!("/tramites/{id}")).await;
    assert!(page.contains("Aún no hay solicitantes registrados"));
    assert_eq!(
        text(&page, "section[aria-labelledby=solicitantes] p.muted"),
        "Aún no hay solicitantes registrados."
    );
    assert_eq!(count(&page, "section .applicant"), 0);
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
        assert_eq!(h1(&html), "No encontrado", "{path}");
        assert_eq!(attrs(&html, "html", "lang"), vec!["es-PE"]);
    }
    let (_, list) = app.page("/tramites").await;
    assert!(!list.contains(&id));
    assert!(list.contains("Aún no tiene trámites"));
    assert!(text(&list, "main .empty-state").contains("Aún no tiene trámites"));
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
    assert_eq!(h1(&html), "Procedimiento de certificación digital");
    assert_eq!(text(&html, "#dato-monto"), "S/ 8.10");
    assert_eq!(text(&html, "#dato-tributo"), "00529");
    assert_eq!(text(&html, "#dato-ruc"), "20453744168");
    let examples = attrs(&html, "main img", "src");
    for example in [
        "/static/ejemplos/foto-correcta.jpg",
        "/static/ejemplos/firma-tinta-negra.jpg",
    ] {
        assert!(
            examples.iter().any(|src| src.starts_with(example)),
            "no image {example} in {examples:?}"
        );
    }
    // Linked from every page (the footer), and from the anonymous menu.
    let (_, login) = app.page("/login").await;
    assert!(login.contains("href=\"/procedimiento\""));
    assert_eq!(
        attrs(&login, "footer.site-footer a", "href"),
        vec!["/procedimiento"]
    );
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
    assert_eq!(
        attrs(&page, ".actions-bar a.danger-outline", "href"),
        vec![format!("/tramites/{id}/anular")]
    );
    let (status, confirm) = app.page(&format!("/tramites/{id}/anular")).await;
    assert_eq!(status, 200);
    assert!(confirm.contains("Sí, anular el trámite"));
    assert!(h1(&confirm).starts_with("¿Anular el trámite "));
    assert_eq!(
        texts(
            &confirm,
            &format!("form[method=post][action='/tramites/{id}/anular'] button[type=submit]")
        ),
        vec!["Sí, anular el trámite"]
    );
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
    assert_eq!(title_badge(&page), ("anulado".into(), "Anulado".into()));
    // The comment belongs to the withdrawal, the last line of the history.
    assert_eq!(
        history(&page).last().cloned(),
        Some((
            "Anuló el trámite".to_owned(),
            Some("Lo registré por error".to_owned())
        ))
    );
    assert_eq!(count(&page, ".actions-bar"), 0);
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
    // The problem is in the summary at the top, with the link that fixes it.
    let page = doc(&html);
    let problems = page.all(".error-summary[role=alert] ul.problems > li");
    let problem = problems
        .iter()
        .find(|p| text_of(**p).contains("Registre al menos un solicitante"))
        .unwrap_or_else(|| {
            panic!(
                "{:?}",
                problems.iter().map(|p| text_of(*p)).collect::<Vec<_>>()
            )
        });
    assert_eq!(
        problem.attrs("a", "href"),
        vec![format!("/tramites/{id}/solicitantes")]
    );
    // Renewal asks for the current certificate's expiry date.
    let (_, step3) = app.page(&format!("/tramites/{id}/solicitantes")).await;
    assert!(step3.contains("name=\"current_expires_on\""));
    assert_eq!(
        count(
            &step3,
            "form[enctype='multipart/form-data'] input#current_expires_on[type=date][name=current_expires_on]"
        ),
        1
    );
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
    let summary = error_summary(&html);
    assert_eq!(summary.len(), 1, "{summary:?}");
    assert_eq!(summary[0].0, "#reason");
    assert!(summary[0].1.starts_with("Motivo:"), "{summary:?}");
    let beside = field_error(&html, "reason");
    assert!(summary[0].1.contains(&beside), "{summary:?} / {beside}");
    // The kind chosen is kept: the reasons of a reemission are offered again.
    assert_eq!(
        attrs(&html, "form input[type=hidden][name=kind]", "value"),
        vec!["reemision"]
    );
    // Installation without certificates says so plainly, and offers no button to go on.
    let (_, html) = app.page("/tramites/nuevo?tipo=instalacion").await;
    assert!(html.contains("No tiene certificados pendientes de instalación"));
    assert!(text(&html, "fieldset#certificate_id .warning-box")
        .starts_with("No tiene certificados pendientes de instalación."));
    assert_eq!(
        count(&html, "main form[method=post] button[type=submit]"),
        0
    );
    let (status, certs) = app.page("/certificados").await;
    assert_eq!(status, 200);
    assert!(certs.contains("Aún no tiene certificados registrados"));
    assert!(text(&certs, "main .empty-state").starts_with("Aún no tiene certificados registrados."));
    assert_eq!(count(&certs, "li.certificate"), 0);
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
    assert_eq!(app.post_page(&pagos, receipt).await.status(), 303);
    let step3_path = format!("/tramites/{id}/solicitantes");
    let (_, step3) = app.page(&step3_path).await;
    let form = applicant_form(
        &csrf_token(&step3),
        "ctello@regioncajamarca.gob.pe",
        "photo_ok.jpg",
        "signature_ok.png",
    )
    .text("payment_id", first_option(&step3, "payment_id"));
    assert_eq!(app.post_page(&step3_path, form).await.status(), 303);

    // A linked receipt offers no remove button; the applicant does, behind a confirmation.
    let (_, step2) = app.page(&pagos).await;
    assert!(!step2.contains(&format!("action=\"/tramites/{id}/pagos/")));
    assert_eq!(count(&step2, "details.confirm"), 0);
    let receipt = text(&step2, ".item-list .item");
    assert!(
        receipt.contains("Enlazada a: Tello Vásquez, Carmen Rosa"),
        "{receipt}"
    );
    let (_, step3) = app.page(&step3_path).await;
    assert!(step3.contains("Sí, quitar"));
    // The remove button sits inside the applicant's card, behind a <details>.
    let page = doc(&step3);
    let card = page.one(".item-list > li.applicant");
    let confirm = card.one("details.confirm");
    assert!(confirm.text_at("summary").starts_with("Quitar"));
    assert_eq!(
        confirm.texts("form[method=post] button[type=submit]"),
        vec!["Sí, quitar"]
    );
    assert!(
        confirm.attrs("form", "action")[0].starts_with(&format!("/tramites/{id}/solicitantes/"))
    );
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
    assert!(notice(&step3).unwrap().contains("Solicitante quitado"));
    assert_eq!(count(&step3, ".item-list > li.applicant"), 0);
    let offered = texts(&step3, "select#payment_id option");
    assert!(
        offered.iter().any(|o| o.contains("N° 55501234")),
        "the receipt is offered again: {offered:?}"
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
    assert!(notice(&step2).unwrap().contains("Constancia quitada"));
    assert_eq!(
        text(&step2, "section[aria-labelledby=registradas] p.muted"),
        "Aún no registró constancias en este trámite."
    );
    assert_eq!(count(&step2, ".item-list .item"), 0);
    let (_, page) = app.page(&format!("/tramites/{id}")).await;
    assert!(page.contains("Quitó un solicitante"));
    assert!(page.contains("Quitó una constancia de pago"));
    // The history, in order: the applicant went first, then the receipt.
    let events: Vec<String> = history(&page).into_iter().map(|(what, _)| what).collect();
    assert_eq!(
        events[events.len() - 2..],
        ["Quitó un solicitante", "Quitó una constancia de pago"],
        "{events:?}"
    );
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
    assert_eq!(app.post_page(&step3_path, form).await.status(), 303);
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
    certdesk::app::review::take(&app.app, &analyst, id.parse().unwrap(), None)
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
    assert_eq!(title_badge(&page), ("observado".into(), "Observado".into()));
    assert_eq!(
        text(&page, ".desk-note[role=note] h2"),
        "Observación de la Mesa de Servicios"
    );
    assert_eq!(
        text(&page, ".desk-note .desk-note-text"),
        "La foto no es actual."
    );
    // Only correcting: an observed ticket cannot be withdrawn (docs/DECISIONS.md).
    assert_eq!(
        texts(&page, ".actions-bar a"),
        vec!["Corregir y volver a enviar"]
    );
    assert_eq!(
        history(&page).last().cloned(),
        Some((
            "Observó el trámite".to_owned(),
            Some("La foto no es actual.".to_owned())
        ))
    );
    let (status, step3) = app.page(&format!("/tramites/{id}/solicitantes")).await;
    assert_eq!(status, 200, "an observed ticket can be corrected");
    assert!(step3.contains("La foto no es actual."));
    assert_eq!(
        text(&step3, ".desk-note .desk-note-text"),
        "La foto no es actual."
    );
    let (_, step4) = app.page(&format!("/tramites/{id}/enviar")).await;
    assert!(step4.contains("Corregir y reenviar"));
    assert!(!step4.contains("Guardar como borrador"));
    assert_eq!(
        texts(
            &step4,
            &format!("form[action^='/tramites/{id}/enviar'] button")
        ),
        vec!["Corregir y reenviar"]
    );
    let res = app
        .submit(
            &format!("/tramites/{id}/enviar"),
            &[("csrf_token", &csrf_token(&step4))],
        )
        .await;
    assert_eq!(res.status(), 303);

    // Approved: each applicant shows when it goes to RENIEC.
    certdesk::app::review::take(&app.app, &analyst, id.parse().unwrap(), None)
        .await
        .unwrap();
    certdesk::app::review::approve(&app.app, &analyst, id.parse().unwrap(), None)
        .await
        .unwrap();
    let (_, page) = app.page(&format!("/tramites/{id}")).await;
    assert!(page.contains("status-programado\">Programado<"));
    assert!(page.contains("Se enviará a RENIEC el "), "{page}");
    assert!(page.contains(" a las 16:30."));
    assert!(page.contains("Aprobó la solicitud"));
    assert_eq!(
        title_badge(&page),
        ("programado".into(), "Programado".into())
    );
    // The date is on the applicant's card.
    let dispatch = text(&page, "section .applicant .dispatch");
    assert!(
        dispatch.starts_with("Se enviará a RENIEC el "),
        "{dispatch}"
    );
    assert!(dispatch.ends_with(" a las 16:30."), "{dispatch}");
    assert_eq!(
        history(&page).last().map(|(what, _)| what.clone()),
        Some("Aprobó la solicitud".to_owned())
    );
    // Nothing left for the requester to edit or withdraw.
    assert!(!page.contains("/anular\""));
    assert!(!page.contains("Corregir y volver a enviar"));
    assert_eq!(count(&page, ".actions-bar"), 0);
    assert_eq!(count(&page, ".desk-note"), 0);
}

/// The certificates a requester is offered in the wizard's step 1 for `kind`: the value of
/// each radio button of the certificate choice, with its label.
async fn offered_in_the_wizard(app: &TestApp, kind: &str) -> Vec<(String, String)> {
    let (status, html) = app.page(&format!("/tramites/nuevo?tipo={kind}")).await;
    assert_eq!(status, 200);
    let page = doc(&html);
    let choice = page.one("form[method=post] fieldset#certificate_id");
    choice
        .all("input[type=radio][name=certificate_id]")
        .into_iter()
        .map(|radio| {
            let id = radio.value().attr("id").unwrap().to_owned();
            let label = choice.text_at(&format!("label[for='{id}']"));
            (radio.value().attr("value").unwrap().to_owned(), label)
        })
        .collect()
}

#[tokio::test]
async fn only_certificates_a_ticket_may_name_are_offered_for_cancellation_or_installation() {
    use domain::certificate::CertificateState as S;

    let app = spawn_app().await;
    log_in(&app, "ana@regioncajamarca.gob.pe").await;
    let token = app
        .login_token("ana@regioncajamarca.gob.pe", PASSWORD)
        .await;
    // One certificate in every state; each expiry date tells them apart on the page.
    let mut ids = std::collections::BTreeMap::new();
    for (day, state) in [
        (10, S::PendienteDescarga),
        (11, S::Instalado),
        (12, S::Caducado),
        (13, S::DescargaVencida),
        (14, S::Cancelado),
    ] {
        let id = app
            .certificate(&token, state, Some(jiff::civil::date(2028, 1, day)))
            .await;
        ids.insert(<&str>::from(state), (id, format!("vence el {day}/01/2028")));
    }
    let id = |state: &str| ids[state].0.clone();
    let offered_ids = |offered: &[(String, String)]| {
        let mut v: Vec<String> = offered.iter().map(|(id, _)| id.clone()).collect();
        v.sort();
        v
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };

    // The wizard: cancellation offers the installed and the pending one, never the one
    // whose download deadline passed; installation only the pending one.
    let cancellable = offered_in_the_wizard(&app, "cancelacion").await;
    assert_eq!(
        offered_ids(&cancellable),
        sorted(vec![id("pendiente_descarga"), id("instalado")]),
        "{cancellable:?}"
    );
    for (value, label) in &cancellable {
        let (_, (_, expiry)) = ids.iter().find(|(_, (id, _))| id == value).unwrap();
        assert!(label.contains(expiry.as_str()), "{label}");
        assert!(!label.contains("Plazo de descarga vencido"), "{label}");
    }
    let installable = offered_in_the_wizard(&app, "instalacion").await;
    assert_eq!(
        offered_ids(&installable),
        vec![id("pendiente_descarga")],
        "{installable:?}"
    );
    assert!(installable[0].1.contains("Pendiente de descarga"));

    // A link naming a certificate preselects it, but only among those offered.
    let (_, html) = app
        .page(&format!(
            "/tramites/nuevo?tipo=cancelacion&certificado={}",
            id("instalado")
        ))
        .await;
    assert_eq!(
        attrs(&html, "input[name=certificate_id][checked]", "value"),
        vec![id("instalado")]
    );
    let (_, html) = app
        .page(&format!(
            "/tramites/nuevo?tipo=cancelacion&certificado={}",
            id("descarga_vencida")
        ))
        .await;
    assert!(attrs(&html, "input[name=certificate_id]", "value")
        .iter()
        .all(|v| *v != id("descarga_vencida")));
    assert_eq!(count(&html, "input[name=certificate_id][checked]"), 0);

    // Posting it anyway is refused beside the certificate choice.
    let res = app
        .submit(
            "/tramites/nuevo",
            &[
                ("csrf_token", &csrf_token(&html)),
                ("kind", "cancelacion"),
                ("reason", "a"),
                ("certificate_id", &id("descarga_vencida")),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(field_error(&html, "certificate_id").contains("Plazo de descarga vencido"));
    assert_eq!(
        error_summary(&html)
            .into_iter()
            .map(|(href, _)| href)
            .collect::<Vec<_>>(),
        vec!["#certificate_id"]
    );

    // "Mis certificados": each row's state, and the links it carries.
    let (status, html) = app.page("/certificados").await;
    assert_eq!(status, 200);
    assert_eq!(h1(&html), "Mis certificados");
    let page = doc(&html);
    let rows = page.all("ul.item-list > li.certificate");
    assert_eq!(rows.len(), 5);
    let mut seen = Vec::new();
    for row in rows {
        let badge = row.one(".status");
        let state = badge
            .value()
            .classes()
            .find_map(|c| c.strip_prefix("cert-"))
            .unwrap()
            .to_owned();
        let (cert, expiry) = &ids[state.as_str()];
        assert!(text_of(row).contains(expiry.replace("vence el ", "").as_str()));
        let install = row.attrs(
            ".actions a[href^='/tramites/nuevo?tipo=instalacion']",
            "href",
        );
        let cancel = row.attrs(
            ".actions a[href^='/tramites/nuevo?tipo=cancelacion']",
            "href",
        );
        let (should_install, should_cancel) = match state.as_str() {
            "pendiente_descarga" => (true, true),
            "instalado" => (false, true),
            _ => (false, false),
        };
        let link = |kind: &str| vec![format!("/tramites/nuevo?tipo={kind}&certificado={cert}")];
        assert_eq!(
            install,
            if should_install {
                link("instalacion")
            } else {
                vec![]
            },
            "install link of the {state} certificate"
        );
        assert_eq!(
            cancel,
            if should_cancel {
                link("cancelacion")
            } else {
                vec![]
            },
            "cancel link of the {state} certificate"
        );
        if should_cancel {
            assert_eq!(
                row.text_at(".actions a.danger-outline"),
                "Solicitar cancelación"
            );
        }
        seen.push(state);
    }
    seen.sort();
    assert_eq!(
        seen,
        sorted(ids.keys().map(|s| s.to_string()).collect()),
        "one row per certificate"
    );
    // The overdue one offers a reemission instead.
    let overdue = page
        .all("li.certificate")
        .into_iter()
        .find(|r| r.count(".cert-descarga_vencida") == 1)
        .unwrap();
    assert_eq!(
        overdue.attrs(".actions a", "href"),
        vec!["/tramites/nuevo?tipo=reemision&motivo=g"]
    );
}
