//! The requester side: tickets, receipts before applicants, applicants with their files,
//! submit, withdraw, correct; and who may see what.

use std::collections::BTreeSet;

use certdesk::store::tickets as ticket_store;
use domain::{certificate::CertificateState, role::Role, ticket::Status};
use serde_json::{json, Value};

use crate::helpers::{
    applicant_fields, applicant_form, fixture, payment_form, png_claiming, problem, receipt_pdf,
    spawn_app, TestApp,
};

async fn add_applicant(
    app: &TestApp,
    token: &str,
    ticket: &str,
    fields: Vec<(&'static str, String)>,
) -> reqwest::Response {
    app.post_multipart(
        &format!("/api/v1/tickets/{ticket}/applicants"),
        token,
        applicant_form(&fields, &[]),
    )
    .await
}

#[tokio::test]
async fn each_reason_applies_its_payment_rule_to_applicants() {
    let app = spawn_app().await;
    let token = app.token_for(Role::Solicitante).await;
    let catalogue: Value = app
        .get("/api/v1/catalogue", None)
        .await
        .json()
        .await
        .unwrap();
    let reasons: Vec<&Value> = catalogue
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "emision" || r["kind"] == "reemision")
        .collect();
    assert_eq!(reasons.len(), 10);
    for (i, reason) in reasons.iter().enumerate() {
        let kind = reason["kind"].as_str().unwrap();
        let code = reason["code"].as_str().unwrap();
        let paid = reason["requires_payment"].as_bool().unwrap();
        let ticket = app.open_ticket(&token, kind, Some(code)).await;
        assert_eq!(ticket["requires_payment"], paid);
        let id = ticket["id"].as_str().unwrap();
        // Each reason's applicant is a different person, so no DNI is "in another open ticket".
        let dni = format!("4000000{i}");
        let mut fields = applicant_fields(&dni);
        if kind == "reemision" && code == "a" {
            fields.push(("current_expires_on", "2027-06-30".into()));
        }
        let res = add_applicant(&app, &token, id, fields.clone()).await;
        if paid {
            let body = problem(res, 422).await;
            assert!(
                body["errors"]["payment_id"][0]
                    .as_str()
                    .unwrap()
                    .contains("requiere pago"),
                "{kind} {code}: {body}"
            );
            let payment: Value = app
                .post_multipart(
                    &format!("/api/v1/tickets/{id}/payments"),
                    &token,
                    payment_form(&format!("OP{i:06}")),
                )
                .await
                .json()
                .await
                .unwrap();
            fields.push(("payment_id", payment["id"].as_str().unwrap().to_owned()));
            let res = add_applicant(&app, &token, id, fields).await;
            assert_eq!(res.status(), 201, "{kind} {code} with its receipt");
            let detail: Value = app
                .get(&format!("/api/v1/tickets/{id}"), Some(&token))
                .await
                .json()
                .await
                .unwrap();
            assert_eq!(
                detail["payments"][0]["applicant_id"],
                detail["applicants"][0]["id"]
            );
        } else {
            assert_eq!(res.status(), 201, "{kind} {code} needs no receipt");
            let res = app
                .post_multipart(
                    &format!("/api/v1/tickets/{id}/payments"),
                    &token,
                    payment_form(&format!("OP{i:06}")),
                )
                .await;
            problem(res, 409).await;
        }
        let submitted: Value = app
            .post_json(
                &format!("/api/v1/tickets/{id}/submit"),
                Some(&token),
                &json!({}),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(submitted["status"], "enviado", "{kind} {code}");
    }
}

#[tokio::test]
async fn a_renewal_needs_the_current_expiry_date() {
    let app = spawn_app().await;
    let token = app.token_for(Role::Solicitante).await;
    let ticket = app.open_ticket(&token, "reemision", Some("a")).await;
    let res = add_applicant(
        &app,
        &token,
        ticket["id"].as_str().unwrap(),
        applicant_fields("10117410"),
    )
    .await;
    let body = problem(res, 422).await;
    assert!(body["errors"]["current_expires_on"].is_array(), "{body}");
}

#[tokio::test]
async fn a_reused_operation_number_is_refused_anywhere_in_the_system() {
    let app = spawn_app().await;
    let ana = app.token_for(Role::Solicitante).await;
    let luis = app.token_for(Role::Analista).await;
    let first = app.open_ticket(&ana, "emision", Some("c")).await;
    let res = app
        .post_multipart(
            &format!("/api/v1/tickets/{}/payments", first["id"].as_str().unwrap()),
            &ana,
            payment_form("12345678"),
        )
        .await;
    assert_eq!(res.status(), 201);
    let second = app.open_ticket(&luis, "reemision", Some("f")).await;
    let res = app
        .post_multipart(
            &format!(
                "/api/v1/tickets/{}/payments",
                second["id"].as_str().unwrap()
            ),
            &luis,
            payment_form("12-345-678"),
        )
        .await;
    let body = problem(res, 422).await;
    assert!(
        body["errors"]["operation_number"][0]
            .as_str()
            .unwrap()
            .contains("ya fue registrado"),
        "{body}"
    );
}

#[tokio::test]
async fn a_receipt_with_the_wrong_amount_or_code_or_file_names_each_field() {
    let app = spawn_app().await;
    let token = app.token_for(Role::Solicitante).await;
    let ticket = app.open_ticket(&token, "emision", Some("c")).await;
    let form = reqwest::multipart::Form::new()
        .text("operation_number", "998877")
        .text("paid_on", "2026-11-02")
        .text("amount", "8.1O")
        .text("tribute_code", "00530")
        .text("payer_dni", "1011741")
        .text("channel", "cajero")
        .part(
            "receipt",
            reqwest::multipart::Part::bytes(b"hola".to_vec()).file_name("constancia.pdf"),
        );
    let res = app
        .post_multipart(
            &format!(
                "/api/v1/tickets/{}/payments",
                ticket["id"].as_str().unwrap()
            ),
            &token,
            form,
        )
        .await;
    let body = problem(res, 422).await;
    for field in ["amount", "tribute_code", "payer_dni", "channel", "receipt"] {
        assert!(body["errors"][field].is_array(), "{field}: {body}");
    }
}

#[tokio::test]
async fn bad_applicant_data_is_refused_with_a_422_naming_each_field() {
    let app = spawn_app().await;
    let token = app.token_for(Role::Solicitante).await;
    let ticket = app.open_ticket(&token, "emision", Some("a")).await;
    let id = ticket["id"].as_str().unwrap();
    let cases: Vec<(&str, Vec<(&'static str, String)>)> = vec![
        ("email", vec![("email", "carmen.tello@gmail.com".into())]),
        ("dni", vec![("dni", "1011741A".into())]),
        (
            "dni",
            vec![("dni", "10117410".into()), ("dni_check_digit", "7".into())],
        ),
        (
            "dni_issued_on",
            vec![("dni_issued_on", "2999-01-01".into())],
        ),
    ];
    for (field, overrides) in cases {
        let mut fields = applicant_fields("10117410");
        for (name, value) in overrides {
            fields.retain(|(n, _)| *n != name);
            fields.push((name, value));
        }
        let body = problem(add_applicant(&app, &token, id, fields).await, 422).await;
        assert!(body["errors"][field].is_array(), "{field}: {body}");
        assert_eq!(
            body["errors"].as_object().unwrap().len(),
            1,
            "only {field} fails: {body}"
        );
    }
    // The right check character, digit or letter, is accepted.
    let mut fields = applicant_fields("10117410");
    fields.push(("dni_check_digit", "g".into()));
    assert_eq!(add_applicant(&app, &token, id, fields).await.status(), 201);
}

#[tokio::test]
async fn the_same_dni_twice_in_a_ticket_is_refused() {
    let app = spawn_app().await;
    let token = app.token_for(Role::Solicitante).await;
    let ticket = app.open_ticket(&token, "emision", Some("a")).await;
    let id = ticket["id"].as_str().unwrap();
    assert_eq!(
        add_applicant(&app, &token, id, applicant_fields("10117410"))
            .await
            .status(),
        201
    );
    let body = problem(
        add_applicant(&app, &token, id, applicant_fields("10117410")).await,
        422,
    )
    .await;
    assert!(
        body["errors"]["dni"][0]
            .as_str()
            .unwrap()
            .contains("10117410"),
        "{body}"
    );
}

#[tokio::test]
async fn the_same_dni_in_another_open_ticket_of_the_same_kind_is_refused() {
    let app = spawn_app().await;
    let token = app.token_for(Role::Solicitante).await;
    let first = app.open_ticket(&token, "emision", Some("a")).await;
    assert_eq!(
        add_applicant(
            &app,
            &token,
            first["id"].as_str().unwrap(),
            applicant_fields("10117410")
        )
        .await
        .status(),
        201
    );
    let second = app.open_ticket(&token, "emision", Some("b")).await;
    problem(
        add_applicant(
            &app,
            &token,
            second["id"].as_str().unwrap(),
            applicant_fields("10117410"),
        )
        .await,
        422,
    )
    .await;
    // Another kind is fine.
    let other = app.open_ticket(&token, "reemision", Some("b")).await;
    assert_eq!(
        add_applicant(
            &app,
            &token,
            other["id"].as_str().unwrap(),
            applicant_fields("10117410")
        )
        .await
        .status(),
        201
    );
}

#[tokio::test]
async fn submitting_with_no_applicant_is_refused() {
    let app = spawn_app().await;
    let token = app.token_for(Role::Solicitante).await;
    let ticket = app.open_ticket(&token, "emision", Some("a")).await;
    let res = app
        .post_json(
            &format!("/api/v1/tickets/{}/submit", ticket["id"].as_str().unwrap()),
            Some(&token),
            &json!({}),
        )
        .await;
    let body = problem(res, 422).await;
    assert!(body["errors"]["applicants"][0]
        .as_str()
        .unwrap()
        .contains("al menos un solicitante"));
}

#[tokio::test]
async fn a_ticket_can_be_withdrawn_and_then_no_longer_changed() {
    let app = spawn_app().await;
    let token = app.token_for(Role::Solicitante).await;
    let ticket = app.open_ticket(&token, "emision", Some("a")).await;
    let id = ticket["id"].as_str().unwrap();
    add_applicant(&app, &token, id, applicant_fields("10117410")).await;
    let sent: Value = app
        .post_json(
            &format!("/api/v1/tickets/{id}/submit"),
            Some(&token),
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sent["status"], "enviado");
    let res = app
        .post_json(
            &format!("/api/v1/tickets/{id}/withdraw"),
            Some(&token),
            &json!({"comment": "Ya no lo necesito"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let withdrawn: Value = res.json().await.unwrap();
    assert_eq!(withdrawn["status"], "anulado");
    let events: Vec<&str> = withdrawn["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["create", "applicant_added", "submit", "withdraw"]);
    assert_eq!(withdrawn["history"][3]["comment"], "Ya no lo necesito");
    problem(
        add_applicant(&app, &token, id, applicant_fields("40000001")).await,
        409,
    )
    .await;
    problem(
        app.post_json(
            &format!("/api/v1/tickets/{id}/withdraw"),
            Some(&token),
            &json!({}),
        )
        .await,
        409,
    )
    .await;
}

#[tokio::test]
async fn a_corrected_observed_ticket_arrives_again_at_its_resubmission_time() {
    let app = spawn_app().await;
    let token = app.token_for(Role::Solicitante).await;
    let ticket = app.open_ticket(&token, "emision", Some("a")).await;
    let id = ticket["id"].as_str().unwrap();
    add_applicant(&app, &token, id, applicant_fields("10117410")).await;
    let first: Value = app
        .post_json(
            &format!("/api/v1/tickets/{id}/submit"),
            Some(&token),
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    let first_at = first["submitted_at"].as_str().unwrap().to_owned();
    // An analyst observes it (the analyst side is its own issue: move it in the store here).
    let mut conn = app.app.store.conn().await.unwrap();
    let now = app.app.now();
    ticket_store::set_status(
        &mut conn,
        id.parse().unwrap(),
        Status::Enviado,
        Status::Observado,
        None,
        now,
    )
    .await
    .unwrap();
    drop(conn);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    // The requester corrects it: removes the applicant and adds them again, then resubmits.
    let applicant = first["applicants"][0]["id"].as_str().unwrap();
    let res = reqwest::Client::new()
        .delete(app.url(&format!("/api/v1/tickets/{id}/applicants/{applicant}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(
        add_applicant(&app, &token, id, applicant_fields("10117410"))
            .await
            .status(),
        201
    );
    let again: Value = app
        .post_json(
            &format!("/api/v1/tickets/{id}/submit"),
            Some(&token),
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["status"], "enviado");
    let again_at = again["submitted_at"].as_str().unwrap();
    assert!(again_at > first_at.as_str(), "{again_at} after {first_at}");
}

#[tokio::test]
async fn another_requester_gets_404_on_the_ticket_its_files_and_certificates() {
    let app = spawn_app().await;
    let owner = app.token_for(Role::Solicitante).await;
    let ticket = app.open_ticket(&owner, "emision", Some("c")).await;
    let id = ticket["id"].as_str().unwrap();
    let payment: Value = app
        .post_multipart(
            &format!("/api/v1/tickets/{id}/payments"),
            &owner,
            payment_form("55555555"),
        )
        .await
        .json()
        .await
        .unwrap();
    let mut fields = applicant_fields("10117410");
    fields.push(("payment_id", payment["id"].as_str().unwrap().to_owned()));
    let applicant: Value = add_applicant(&app, &owner, id, fields)
        .await
        .json()
        .await
        .unwrap();
    let cert = app
        .certificate(
            &owner,
            CertificateState::Instalado,
            Some(jiff::civil::date(2027, 6, 30)),
        )
        .await;

    let paths = [
        format!("/api/v1/tickets/{id}"),
        format!(
            "/api/v1/applicants/{}/photo",
            applicant["id"].as_str().unwrap()
        ),
        format!(
            "/api/v1/applicants/{}/signature",
            applicant["id"].as_str().unwrap()
        ),
        format!(
            "/api/v1/payments/{}/receipt",
            payment["id"].as_str().unwrap()
        ),
        format!("/api/v1/certificates/{cert}"),
    ];
    for path in &paths {
        let res = app.get(path, Some(&owner)).await;
        assert_eq!(res.status(), 200, "the owner reads {path}");
        let is_file =
            path.ends_with("/photo") || path.ends_with("/signature") || path.ends_with("/receipt");
        if is_file {
            assert_eq!(
                res.headers()["cache-control"],
                "private, no-store",
                "{path}"
            );
        }
    }
    let stranger = {
        app.user(
            "extrano@regioncajamarca.gob.pe",
            Role::Solicitante,
            "clave de prueba 1",
        )
        .await;
        app.login_token("extrano@regioncajamarca.gob.pe", "clave de prueba 1")
            .await
    };
    for path in &paths {
        problem(app.get(path, Some(&stranger)).await, 404).await;
    }
    let theirs: Value = app
        .get("/api/v1/tickets", Some(&stranger))
        .await
        .json()
        .await
        .unwrap();
    assert!(theirs["items"].as_array().unwrap().is_empty());
    let certs: Value = app
        .get("/api/v1/certificates", Some(&stranger))
        .await
        .json()
        .await
        .unwrap();
    assert!(certs["items"].as_array().unwrap().is_empty());
    // Nor can they act on it.
    problem(
        app.post_json(
            &format!("/api/v1/tickets/{id}/submit"),
            Some(&stranger),
            &json!({}),
        )
        .await,
        404,
    )
    .await;
    // Analysts may see everything.
    let analyst = app.token_for(Role::Analista).await;
    for path in &paths {
        assert_eq!(
            app.get(path, Some(&analyst)).await.status(),
            200,
            "analyst reads {path}"
        );
    }
    // The files are what was uploaded (photo re-encoded, receipt as sent).
    let receipt = app
        .get(&paths[3], Some(&owner))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(receipt.as_ref(), receipt_pdf().as_slice());
}

#[tokio::test]
async fn fifty_tickets_opened_at_once_get_unique_gapless_numbers() {
    let app = spawn_app().await;
    let token = app.token_for(Role::Solicitante).await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let url = app.url("/api/v1/tickets");
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let res = reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .json(&json!({"kind": "emision", "reason": "a"}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 201);
            res.json::<Value>().await.unwrap()["number"]
                .as_str()
                .unwrap()
                .to_owned()
        }));
    }
    let mut numbers = BTreeSet::new();
    for task in tasks {
        numbers.insert(task.await.unwrap());
    }
    let year = domain::schedule::to_lima(app.app.now()).year();
    let expected: BTreeSet<String> = (1..=50).map(|n| format!("CD-{year}-{n:06}")).collect();
    assert_eq!(numbers, expected);
}

#[tokio::test]
async fn uploads_that_are_not_usable_images_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let token = app.token_for(Role::Solicitante).await;
    let ticket = app.open_ticket(&token, "emision", Some("a")).await;
    let id = ticket["id"].as_str().unwrap();
    let cases = [
        ("photo", "foto.jpg", receipt_pdf()),
        ("photo", "foto.jpg", fixture("truncated.jpg")),
        ("photo", "foto.jpg", fixture("not_an_image.jpg")),
        ("signature", "firma.png", png_claiming(30_000, 30_000)),
    ];
    for (field, name, bytes) in cases {
        let form = applicant_form(&applicant_fields("10117410"), &[(field, name, bytes)]);
        let res = app
            .post_multipart(&format!("/api/v1/tickets/{id}/applicants"), &token, form)
            .await;
        let body = problem(res, 422).await;
        assert!(body["errors"][field].is_array(), "{field} {name}: {body}");
        assert_eq!(body["errors"].as_object().unwrap().len(), 1, "{body}");
    }
    let detail: Value = app
        .get(&format!("/api/v1/tickets/{id}"), Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        detail["applicants"].as_array().unwrap().is_empty(),
        "nothing half-saved"
    );
}

#[tokio::test]
async fn instalacion_and_cancelacion_name_one_of_the_users_certificates() {
    let app = spawn_app().await;
    let token = app.token_for(Role::Solicitante).await;
    let res = app
        .post_json(
            "/api/v1/tickets",
            Some(&token),
            &json!({"kind": "cancelacion", "reason": "g"}),
        )
        .await;
    let body = problem(res, 422).await;
    assert!(body["errors"]["certificate_id"].is_array());
    let cert = app
        .certificate(&token, CertificateState::PendienteDescarga, None)
        .await;
    let res = app
        .post_json(
            "/api/v1/tickets",
            Some(&token),
            &json!({"kind": "instalacion", "certificate_id": cert}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let ticket: Value = res.json().await.unwrap();
    assert_eq!(ticket["reason"], Value::Null);
    assert_eq!(ticket["certificate_id"], cert.as_str());
    let sent = app
        .post_json(
            &format!("/api/v1/tickets/{}/submit", ticket["id"].as_str().unwrap()),
            Some(&token),
            &json!({}),
        )
        .await;
    assert_eq!(sent.status(), 200);
    // Someone else's certificate is refused.
    let other = app.token_for(Role::Analista).await;
    let res = app
        .post_json(
            "/api/v1/tickets",
            Some(&other),
            &json!({"kind": "cancelacion", "reason": "a", "certificate_id": cert}),
        )
        .await;
    problem(res, 422).await;
}

#[tokio::test]
async fn unknown_kinds_and_reasons_are_spanish_422s() {
    let app = spawn_app().await;
    let token = app.token_for(Role::Solicitante).await;
    let body = problem(
        app.post_json(
            "/api/v1/tickets",
            Some(&token),
            &json!({"kind": "renovacion"}),
        )
        .await,
        422,
    )
    .await;
    assert!(body["errors"]["kind"].is_array());
    let body = problem(
        app.post_json(
            "/api/v1/tickets",
            Some(&token),
            &json!({"kind": "emision", "reason": "z"}),
        )
        .await,
        422,
    )
    .await;
    assert!(body["errors"]["reason"].is_array());
}

#[tokio::test]
async fn an_installed_certificate_cannot_be_installed_again_nor_a_cancelled_one_cancelled() {
    let app = spawn_app().await;
    let token = app.token_for(Role::Solicitante).await;
    let mut ids = Vec::new();
    for state in [CertificateState::Instalado, CertificateState::Cancelado] {
        ids.push(app.certificate(&token, state, None).await);
    }
    let res = app
        .post_json(
            "/api/v1/tickets",
            Some(&token),
            &json!({"kind": "instalacion", "certificate_id": ids[0]}),
        )
        .await;
    let body = problem(res, 422).await;
    assert!(
        body["errors"]["certificate_id"][0]
            .as_str()
            .unwrap()
            .contains("Instalado"),
        "{body}"
    );
    let res = app
        .post_json(
            "/api/v1/tickets",
            Some(&token),
            &json!({"kind": "cancelacion", "reason": "a", "certificate_id": ids[1]}),
        )
        .await;
    problem(res, 422).await;
    let res = app
        .post_json(
            "/api/v1/tickets",
            Some(&token),
            &json!({"kind": "cancelacion", "reason": "a", "certificate_id": ids[0]}),
        )
        .await;
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn an_image_can_be_checked_before_registering_the_applicant() {
    let app = spawn_app().await;
    let token = app.token_for(Role::Solicitante).await;
    let check = |purpose: &'static str, name: &'static str, bytes: Vec<u8>| {
        reqwest::multipart::Form::new()
            .text("purpose", purpose)
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            )
    };
    let res = app
        .post_multipart(
            "/api/v1/image-checks",
            &token,
            check("photo", "foto.jpg", fixture("photo_blurred.jpg")),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["passed"], false);
    let failed: Vec<&str> = body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == false)
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["photo.sharpness"]);
    assert!(body["thumbnail"]
        .as_str()
        .unwrap()
        .starts_with("data:image/jpeg;base64,"));
    let ok: Value = app
        .post_multipart(
            "/api/v1/image-checks",
            &token,
            check("signature", "firma.png", fixture("signature_ok.png")),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ok["passed"], true);
    let res = app
        .post_multipart(
            "/api/v1/image-checks",
            &token,
            check("photo", "foto.jpg", receipt_pdf()),
        )
        .await;
    let body = problem(res, 422).await;
    assert!(body["errors"]["file"][0].as_str().unwrap().contains("JPEG"));
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/image-checks"))
        .multipart(check("photo", "foto.jpg", fixture("photo_ok.jpg")))
        .send()
        .await
        .unwrap();
    problem(res, 401).await;
}
