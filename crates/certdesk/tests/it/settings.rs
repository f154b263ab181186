//! Administration (issue 12): the settings page and API, the holiday calendar, and the
//! retention of personal files (Ley 29733).

use domain::role::Role;
use reqwest::{Client, Response};
use serde_json::{json, Value};

use crate::helpers::*;

const SETTINGS: &str = "/admin/configuracion";
const HOLIDAYS: &str = "/admin/feriados";

/// `DELETE path` with `token` (or none).
async fn delete(app: &TestApp, path: &str, token: Option<&str>) -> Response {
    let mut req = Client::new().delete(app.url(path));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap()
}

/// `PATCH /api/v1/settings` with no token.
async fn patch_anonymously(app: &TestApp, body: &Value) -> Response {
    Client::new()
        .patch(app.url("/api/v1/settings"))
        .json(body)
        .send()
        .await
        .unwrap()
}

/// The settings as the API gives them to an admin.
async fn settings_json(app: &TestApp, admin: &str) -> Value {
    let res = app.get("/api/v1/settings", Some(admin)).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// The dates of a year's holidays as the API lists them, with their `national` flag.
async fn holiday_dates(app: &TestApp, token: &str, year: i32) -> Vec<(String, bool)> {
    let res = app
        .get(&format!("/api/v1/holidays?year={year}"), Some(token))
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert!(body["next"].is_null());
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["date"].as_str().unwrap().to_owned(),
                h["national"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// The audit entries with this action code, newest first (as an admin reads them).
async fn audit_of(app: &TestApp, admin: &str, action: &str) -> Vec<Value> {
    let res = app
        .get(
            &format!("/api/v1/audit?action={action}&limit=200"),
            Some(admin),
        )
        .await;
    assert_eq!(res.status(), 200, "audit of {action}");
    let body: Value = res.json().await.unwrap();
    body["items"].as_array().unwrap().clone()
}

// ---------------------------------------------------------------------------------------
// Who may

#[tokio::test]
async fn analysts_and_requesters_are_refused_every_admin_page_and_endpoint_of_settings() {
    let (app, _) = app_at(WEDNESDAY).await;
    let analyst = Person::sign_up(&app, "analista@regioncajamarca.gob.pe", Role::Analista).await;
    let requester = Person::sign_up(
        &app,
        "solicitante@regioncajamarca.gob.pe",
        Role::Solicitante,
    )
    .await;
    for person in [&analyst, &requester] {
        for path in [SETTINGS, HOLIDAYS, "/admin/feriados?anio=2027"] {
            let (status, html) = person.page(&app, path).await;
            assert_eq!(status, 403, "{} GET {path}", person.email);
            assert!(html.contains("Acceso denegado"), "{path}");
        }
        for (to, fields) in [
            (SETTINGS, vec![("fee", "1.00")]),
            (HOLIDAYS, vec![("date", "2026-12-11"), ("name", "Feriado")]),
            ("/admin/feriados/2026-12-25/quitar", vec![]),
        ] {
            let res = person.post(&app, "/", to, &fields).await;
            assert_eq!(res.status(), 403, "{} POST {to}", person.email);
        }
        let token = person.token.as_str();
        problem(app.get("/api/v1/settings", Some(token)).await, 403).await;
        problem(
            app.patch_json("/api/v1/settings", token, &json!({"fee": "1.00"}))
                .await,
            403,
        )
        .await;
        problem(
            app.post_json(
                "/api/v1/holidays",
                Some(token),
                &json!({"date": "2026-12-11", "name": "Feriado"}),
            )
            .await,
            403,
        )
        .await;
        problem(
            delete(&app, "/api/v1/holidays/2026-12-25", Some(token)).await,
            403,
        )
        .await;
        // Reading the calendar is for anyone signed in.
        assert!(!holiday_dates(&app, token, 2026).await.is_empty());
    }
    // Nothing changed.
    let admin = app.token_for(Role::Admin).await;
    assert_eq!(settings_json(&app, &admin).await["fee"], "8.10");

    // Signed out: the pages send to the login page, the API answers 401.
    let anonymous = new_browser();
    for path in [SETTINGS, HOLIDAYS] {
        let res = anonymous.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 303, "{path}");
        assert_eq!(location(&res), "/login");
    }
    let res = anonymous
        .post(app.url(HOLIDAYS))
        .form(&[("date", "2026-12-11"), ("name", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    problem(app.get("/api/v1/settings", None).await, 401).await;
    problem(patch_anonymously(&app, &json!({"fee": "1.00"})).await, 401).await;
    problem(app.get("/api/v1/holidays?year=2026", None).await, 401).await;
    problem(
        app.post_json(
            "/api/v1/holidays",
            None,
            &json!({"date": "2026-12-11", "name": "x"}),
        )
        .await,
        401,
    )
    .await;
    problem(delete(&app, "/api/v1/holidays/2026-12-25", None).await, 401).await;
}

// ---------------------------------------------------------------------------------------
// Settings API

#[tokio::test]
async fn the_api_gives_every_setting_typed() {
    let (app, _) = app_at(WEDNESDAY).await;
    let admin = app.token_for(Role::Admin).await;
    let s = settings_json(&app, &admin).await;
    assert_eq!(s["fee"], "8.10");
    assert_eq!(s["tribute_code"], "00529");
    assert_eq!(s["entity_ruc"], "20453744168");
    assert_eq!(s["entity_name"], "Gobierno Regional Cajamarca");
    assert_eq!(s["batch_weekday"], "viernes");
    assert_eq!(s["batch_time"], "16:30");
    assert_eq!(s["email_domains"], json!(["regioncajamarca.gob.pe"]));
    assert_eq!(s["retention_days"], 365);
    assert_eq!(s["image_thresholds"]["photo_min_width"], 240);
    assert_eq!(s["image_thresholds"]["photo_min_sharpness"], 25.0);
    assert_eq!(s["image_thresholds"]["signature_min_ink_share"], 0.0005);
}

#[tokio::test]
async fn a_patch_with_several_bad_fields_lists_each_in_spanish_and_saves_nothing() {
    let (app, _) = app_at(WEDNESDAY).await;
    let admin = app.token_for(Role::Admin).await;
    let before = settings_json(&app, &admin).await;
    let res = app
        .patch_json(
            "/api/v1/settings",
            &admin,
            &json!({
                "fee": "0",
                "tribute_code": "00530",
                "entity_ruc": "20131312956",
                "entity_name": "   ",
                "batch_weekday": "sábado",
                "batch_time": "25:00",
                "email_domains": ["gmail"],
                "retention_days": 7,
                "image_thresholds": {"photo_min_width": 0, "photo_min_sharpness": 40, "brillo": 3},
                "color": "azul",
            }),
        )
        .await;
    let body = problem(res, 422).await;
    let errors = body["errors"].as_object().unwrap();
    let mut fields: Vec<&str> = errors.keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "batch_time",
            "batch_weekday",
            "color",
            "email_domains",
            "entity_name",
            "entity_ruc",
            "fee",
            "image_thresholds.brillo",
            "image_thresholds.photo_min_width",
            "retention_days",
        ],
        "{body}"
    );
    let first = |field: &str| errors[field][0].as_str().unwrap().to_owned();
    assert!(first("entity_ruc").contains("dígito verificador"));
    assert!(first("batch_weekday").contains("lunes a viernes"));
    assert!(first("retention_days").contains("entre 30 y 3650"));
    assert!(first("image_thresholds.photo_min_width").contains("entre 1 y 4000"));
    assert!(first("fee").contains("mayor que cero"));
    // Nothing was saved, not even the good values, and nothing is on record.
    assert_eq!(settings_json(&app, &admin).await, before);
    assert!(audit_of(&app, &admin, "settings.changed").await.is_empty());

    // Wrong JSON types are reported per field too, next to the rule breakers.
    let res = app
        .patch_json(
            "/api/v1/settings",
            &admin,
            &json!({"fee": 8.1, "email_domains": "regioncajamarca.gob.pe",
                    "retention_days": "un año", "batch_time": "09:00"}),
        )
        .await;
    let body = problem(res, 422).await;
    let errors = body["errors"].as_object().unwrap();
    assert!(errors["fee"][0].as_str().unwrap().contains("\"8.10\""));
    assert!(errors.contains_key("email_domains"));
    assert!(errors.contains_key("retention_days"));
    assert!(!errors.contains_key("batch_time"));
    assert_eq!(settings_json(&app, &admin).await["batch_time"], "16:30");
}

#[tokio::test]
async fn the_entity_ruc_must_have_its_check_digit() {
    let (app, _) = app_at(WEDNESDAY).await;
    let admin = app.token_for(Role::Admin).await;
    for good in ["20131312955", "20100047218"] {
        let res = app
            .patch_json("/api/v1/settings", &admin, &json!({"entity_ruc": good}))
            .await;
        assert_eq!(res.status(), 200, "{good}");
        assert_eq!(res.json::<Value>().await.unwrap()["entity_ruc"], good);
    }
    for (bad, says) in [
        ("20100047219", "dígito verificador"),
        ("30100047218", "10, 15, 16, 17 o 20"),
        ("2010004721", "11 dígitos"),
    ] {
        let res = app
            .patch_json("/api/v1/settings", &admin, &json!({"entity_ruc": bad}))
            .await;
        let body = problem(res, 422).await;
        let message = body["errors"]["entity_ruc"][0].as_str().unwrap();
        assert!(message.contains(says), "{bad}: {message}");
    }
    assert_eq!(
        settings_json(&app, &admin).await["entity_ruc"],
        "20100047218"
    );
    // One entry per save, naming the one setting it changed; refused saves left none.
    let entries = audit_of(&app, &admin, "settings.changed").await;
    let subjects: Vec<&str> = entries
        .iter()
        .map(|e| e["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["setting:entity_ruc", "setting:entity_ruc"]);
    assert_eq!(
        entries[0]["detail"]["changes"],
        json!([{"key": "entity_ruc", "old": "20131312955", "new": "20100047218"}])
    );
}

#[tokio::test]
async fn a_new_fee_is_what_pages_show_and_receipts_must_match_at_once() {
    let (app, _) = app_at(WEDNESDAY).await;
    let admin = app.token_for(Role::Admin).await;
    let requester = app.token_for(Role::Solicitante).await;
    let (_, procedure) = app.page("/procedimiento").await;
    assert_eq!(text(&procedure, "#dato-monto"), "S/ 8.10");

    let res = app
        .patch_json(
            "/api/v1/settings",
            &admin,
            &json!({"fee": "9.50", "image_thresholds": {"photo_min_sharpness": 30}}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let saved: Value = res.json().await.unwrap();
    assert_eq!(saved["fee"], "9.50");
    // A PATCH changes only what it names.
    assert_eq!(saved["tribute_code"], "00529");
    assert_eq!(saved["image_thresholds"]["photo_min_sharpness"], 30.0);
    assert_eq!(saved["image_thresholds"]["photo_min_width"], 240);

    // One audit entry for the save, with each changed value before and after.
    let entries = audit_of(&app, &admin, "settings.changed").await;
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!(entry["subject"], "settings");
    assert_eq!(entry["actor_email"], "admin@regioncajamarca.gob.pe");
    assert!(entry["ip"].is_string());
    assert_eq!(
        entry["detail"]["changes"],
        json!([
            {"key": "fee", "old": "8.10", "new": "9.50"},
            {"key": "image_thresholds.photo_min_sharpness", "old": "25", "new": "30"},
        ])
    );

    // No restart: the next page and the next receipt already use it.
    let (_, procedure) = app.page("/procedimiento").await;
    assert_eq!(text(&procedure, "#dato-monto"), "S/ 9.50");
    let ticket = app.open_ticket(&requester, "emision", Some("c")).await;
    let id = ticket["id"].as_str().unwrap();
    let old_fee = app
        .post_multipart(
            &format!("/api/v1/tickets/{id}/payments"),
            &requester,
            payment_form("500001"),
        )
        .await;
    let body = problem(old_fee, 422).await;
    assert!(
        body["errors"]["amount"][0]
            .as_str()
            .unwrap()
            .contains("9.50"),
        "{body}"
    );
    let new_fee = payment_form("500002").text("amount", "9.50");
    let res = app
        .post_multipart(
            &format!("/api/v1/tickets/{id}/payments"),
            &requester,
            new_fee,
        )
        .await;
    assert_eq!(res.status(), 201);
}

/// The codes of the checks a photo fails, through the live check of the upload forms.
async fn failed_photo_checks(app: &TestApp, token: &str, photo: &str) -> Vec<String> {
    let form = reqwest::multipart::Form::new()
        .text("purpose", "photo")
        .part("file", image_part(photo));
    let res = app
        .post_multipart("/api/v1/image-checks", token, form)
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == false)
        .map(|c| c["code"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn changed_image_thresholds_judge_the_next_upload() {
    let (app, _) = app_at(WEDNESDAY).await;
    let admin = app.token_for(Role::Admin).await;
    let requester = app.token_for(Role::Solicitante).await;
    assert!(failed_photo_checks(&app, &requester, "photo_ok.jpg")
        .await
        .is_empty());
    assert_eq!(
        failed_photo_checks(&app, &requester, "photo_blurred.jpg").await,
        ["photo.sharpness"]
    );
    let res = app
        .patch_json(
            "/api/v1/settings",
            &admin,
            &json!({"image_thresholds": {"photo_min_width": 2000, "photo_min_sharpness": 0}}),
        )
        .await;
    assert_eq!(res.status(), 200);
    // A good photo is now too small; the blurred one is sharp enough.
    assert_eq!(
        failed_photo_checks(&app, &requester, "photo_ok.jpg").await,
        ["photo.size"]
    );
    assert!(!failed_photo_checks(&app, &requester, "photo_blurred.jpg")
        .await
        .contains(&"photo.sharpness".to_owned()));
}

// ---------------------------------------------------------------------------------------
// Settings page

#[tokio::test]
async fn the_settings_page_saves_every_field_or_shows_every_error() {
    let (app, _) = app_at(WEDNESDAY).await;
    let admin = Person::sign_up(&app, "admin@regioncajamarca.gob.pe", Role::Admin).await;
    let (status, html) = admin.page(&app, SETTINGS).await;
    assert_eq!(status, 200);
    assert_eq!(h1(&html), "Configuración");
    let page = doc(&html);
    assert_eq!(
        page.attrs("#fee", "value"),
        ["8.10"],
        "the form shows what is in force"
    );
    assert_eq!(page.attrs("#entity_ruc", "value"), ["20453744168"]);
    assert_eq!(page.attrs("#batch_time", "value"), ["16:30"]);
    assert_eq!(page.texts("#batch_weekday option[selected]"), ["viernes"]);
    assert_eq!(page.attrs("#retention_days", "value"), ["365"]);
    assert_eq!(page.attrs("#umbral_photo_min_width", "value"), ["240"]);
    assert!(text(&html, "#corte-vigente").contains("viernes 04/12/2026 a las 16:30"));
    // Every field has a label.
    for input in page.all("form.settings-form input:not([type=hidden]), form.settings-form select")
    {
        let id = input.value().attr("id").unwrap();
        assert_eq!(page.count(&format!("label[for='{id}']")), 1, "{id}");
    }

    // Several bad fields: one error summary listing each, each next to its field.
    let mut fields = form_fields(&html);
    set(&mut fields, "fee", "ocho");
    set(&mut fields, "entity_ruc", "20453744169");
    set(&mut fields, "retention_days", "10");
    set(&mut fields, "umbral_signature_min_blue_share", "1,5");
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .filter(|(k, _)| k != "csrf_token")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let res = admin.post(&app, SETTINGS, SETTINGS, &borrowed).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    let summary = error_summary(&html);
    let targets: Vec<&str> = summary.iter().map(|(href, _)| href.as_str()).collect();
    assert_eq!(
        targets,
        [
            "#entity_ruc",
            "#fee",
            "#retention_days",
            "#umbral_signature_min_blue_share"
        ]
    );
    assert!(field_error(&html, "entity_ruc").contains("dígito verificador"));
    assert!(field_error(&html, "umbral_signature_min_blue_share").contains("entre 0 y 1"));
    // What was typed stays in the form; the advanced section opens on its error.
    assert_eq!(attr(&html, "#fee", "value").as_deref(), Some("ocho"));
    assert_eq!(count(&html, "details.card[open]"), 1);
    // Nothing was saved.
    let (_, html) = admin.page(&app, SETTINGS).await;
    assert_eq!(attr(&html, "#fee", "value").as_deref(), Some("8.10"));

    // A good form saves and says so; the next cut-off moves at once.
    let mut fields = form_fields(&html);
    set(&mut fields, "batch_weekday", "jueves");
    set(&mut fields, "batch_time", "12:00");
    set(
        &mut fields,
        "institutional_domains",
        "regioncajamarca.gob.pe, @GRC.gob.pe",
    );
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .filter(|(k, _)| k != "csrf_token")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let res = admin.post(&app, SETTINGS, SETTINGS, &borrowed).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/admin/configuracion?aviso=guardada");
    let (_, html) = admin.page(&app, &location(&res)).await;
    assert!(notice(&html).unwrap().contains("rigen desde ahora"));
    assert!(
        text(&html, "#corte-vigente").contains("jueves 03/12/2026 a las 12:00"),
        "{}",
        text(&html, "#corte-vigente")
    );
    assert_eq!(
        attr(&html, "#institutional_domains", "value").as_deref(),
        Some("regioncajamarca.gob.pe, grc.gob.pe")
    );
    // Saving again without changes says so.
    let fields = form_fields(&html);
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .filter(|(k, _)| k != "csrf_token")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let res = admin.post(&app, SETTINGS, SETTINGS, &borrowed).await;
    assert_eq!(location(&res), "/admin/configuracion?aviso=sin-cambios");
    // Only the save that changed something is on record: the cut-off and the domains.
    let entries = audit_of(&app, &admin.token, "settings.changed").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(
        entries[0]["detail"]["keys"],
        json!(["institutional_domains", "batch_weekday", "batch_time"])
    );
}

/// Every field of the settings form as the browser would send it.
fn form_fields(html: &str) -> Vec<(String, String)> {
    let page = doc(html);
    let mut out = Vec::new();
    for input in page.all("form.settings-form input") {
        let name = input.value().attr("name").unwrap().to_owned();
        let value = input.value().attr("value").unwrap_or_default().to_owned();
        out.push((name, value));
    }
    for select in page.all("form.settings-form select") {
        let name = select.value().attr("name").unwrap().to_owned();
        let chosen = select
            .all("option[selected]")
            .into_iter()
            .next()
            .and_then(|o| o.value().attr("value").map(str::to_owned))
            .unwrap_or_default();
        out.push((name, chosen));
    }
    out
}

fn set(fields: &mut [(String, String)], name: &str, value: &str) {
    let field = fields
        .iter_mut()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no field {name}"));
    field.1 = value.to_owned();
}

// ---------------------------------------------------------------------------------------
// Holidays

#[tokio::test]
async fn a_decreed_day_moves_the_next_cut_off_and_removing_it_moves_it_back() {
    let (app, _) = app_at(WEDNESDAY).await;
    let admin = app.token_for(Role::Admin).await;
    let analyst = app.token_for(Role::Analista).await;
    let requester = app.token_for(Role::Solicitante).await;

    let listed = holiday_dates(&app, &requester, 2026).await;
    for national in [
        "2026-01-01",
        "2026-04-02",
        "2026-04-03",
        "2026-12-08",
        "2026-12-25",
    ] {
        assert!(
            listed.contains(&(national.to_owned(), true)),
            "{national}: {listed:?}"
        );
    }
    assert!(listed.iter().all(|(_, national)| *national));

    // Friday 4 Dec, the next cut-off, becomes a decreed non-working day.
    let res = app
        .post_json(
            "/api/v1/holidays",
            Some(&admin),
            &json!({"date": "2026-12-04", "name": "  Día no laborable (D.S. N° 100-2026-PCM) "}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let added: Value = res.json().await.unwrap();
    assert_eq!(
        added,
        json!({"date": "2026-12-04", "name": "Día no laborable (D.S. N° 100-2026-PCM)", "national": false})
    );
    assert!(holiday_dates(&app, &requester, 2026)
        .await
        .contains(&("2026-12-04".to_owned(), false)));
    // The schedule reads it at once: approved now, the applicant goes on Thursday.
    let (id, _) = submitted(&app, &requester, "41111111").await;
    let ticket = approved(&app, &analyst, &id).await;
    assert_eq!(
        ticket["applicants"][0]["dispatch_at"],
        "2026-12-03T16:30:00-05:00"
    );

    let res = delete(&app, "/api/v1/holidays/2026-12-04", Some(&admin)).await;
    assert_eq!(res.status(), 204);
    assert!(!holiday_dates(&app, &requester, 2026)
        .await
        .iter()
        .any(|(d, _)| d == "2026-12-04"));
    let (id, _) = submitted(&app, &requester, "42222222").await;
    let ticket = approved(&app, &analyst, &id).await;
    assert_eq!(
        ticket["applicants"][0]["dispatch_at"],
        "2026-12-04T16:30:00-05:00"
    );
    // Gone is gone.
    problem(
        delete(&app, "/api/v1/holidays/2026-12-04", Some(&admin)).await,
        404,
    )
    .await;
    // Both changes are on record.
    for action in ["holiday.added", "holiday.removed"] {
        let entries = audit_of(&app, &admin, action).await;
        assert_eq!(entries.len(), 1, "{action}");
        assert_eq!(entries[0]["subject"], "holiday:2026-12-04");
        assert_eq!(
            entries[0]["detail"]["name"],
            "Día no laborable (D.S. N° 100-2026-PCM)"
        );
    }
}

#[tokio::test]
async fn bad_duplicate_or_national_days_are_refused_and_national_ones_cannot_be_removed() {
    let (app, _) = app_at(WEDNESDAY).await;
    let admin = app.token_for(Role::Admin).await;
    let add = |body: Value| {
        let app = &app;
        let admin = admin.clone();
        async move { app.post_json("/api/v1/holidays", Some(&admin), &body).await }
    };
    // Both fields wrong: both listed.
    let body = problem(add(json!({"date": "2026-02-30", "name": " "})).await, 422).await;
    assert!(body["errors"]["date"][0]
        .as_str()
        .unwrap()
        .contains("AAAA-MM-DD"));
    assert!(body["errors"]["name"][0]
        .as_str()
        .unwrap()
        .contains("nombre"));
    // A national holiday's date (seeded year, and a year not seeded yet).
    for date in ["2026-12-08", "2031-07-28"] {
        let body = problem(add(json!({"date": date, "name": "Otro"})).await, 422).await;
        assert!(
            body["errors"]["date"][0]
                .as_str()
                .unwrap()
                .contains("ya es feriado nacional"),
            "{date}: {body}"
        );
    }
    // Twice the same day.
    assert_eq!(
        add(json!({"date": "2026-01-02", "name": "No laborable"}))
            .await
            .status(),
        201
    );
    let body = problem(
        add(json!({"date": "2026-01-02", "name": "Otra vez"})).await,
        422,
    )
    .await;
    assert!(body["errors"]["date"][0]
        .as_str()
        .unwrap()
        .contains("ya está en la lista"));
    // National holidays stay.
    let body = problem(
        delete(&app, "/api/v1/holidays/2026-12-25", Some(&admin)).await,
        409,
    )
    .await;
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("feriado nacional"));
    assert!(holiday_dates(&app, &admin, 2026)
        .await
        .contains(&("2026-12-25".to_owned(), true)));
    // Nothing there, or not a date: 404. A year out of range: 422.
    problem(
        delete(&app, "/api/v1/holidays/2026-12-10", Some(&admin)).await,
        404,
    )
    .await;
    problem(
        delete(&app, "/api/v1/holidays/mañana", Some(&admin)).await,
        404,
    )
    .await;
    let body = problem(
        app.get("/api/v1/holidays?year=1990", Some(&admin)).await,
        422,
    )
    .await;
    assert!(body["errors"]["year"][0].as_str().unwrap().contains("2000"));
}

#[tokio::test]
async fn the_holidays_page_marks_national_days_and_adds_and_removes_decreed_ones() {
    let (app, _) = app_at(WEDNESDAY).await;
    let admin = Person::sign_up(&app, "admin@regioncajamarca.gob.pe", Role::Admin).await;
    // As `serve` does on start: this year's national holidays are stored.
    certdesk::app::schedule::seed_holidays(&app.app, app.app.now())
        .await
        .unwrap();
    let (status, html) = admin.page(&app, "/admin/feriados?anio=2026").await;
    assert_eq!(status, 200);
    let page = doc(&html);
    let christmas = page.one("#feriado-2026-12-25");
    assert_eq!(christmas.text_at(".status"), "Feriado nacional");
    assert_eq!(
        christmas.count("form"),
        0,
        "national days have no remove button"
    );
    assert!(text(&html, "#proximo-corte").contains("viernes 04/12/2026 a las 16:30"));
    assert_eq!(page.texts("#anio option[selected]"), ["2026"]);

    // Errors: the summary lists both fields, the typed values stay.
    let res = admin
        .post(
            &app,
            HOLIDAYS,
            HOLIDAYS,
            &[("date", "2026-13-01"), ("name", ""), ("anio", "2026")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    let targets: Vec<String> = error_summary(&html).into_iter().map(|(h, _)| h).collect();
    assert_eq!(targets, ["#date", "#name"]);
    assert!(field_error(&html, "date").contains("AAAA-MM-DD"));
    assert_eq!(attr(&html, "#date", "value").as_deref(), Some("2026-13-01"));

    let res = admin
        .post(
            &app,
            HOLIDAYS,
            HOLIDAYS,
            &[
                ("date", "2026-12-04"),
                ("name", "Día no laborable"),
                ("anio", "2026"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/admin/feriados?anio=2026&aviso=agregado");
    let (_, html) = admin.page(&app, &location(&res)).await;
    assert!(notice(&html).unwrap().contains("agregado"));
    let page = doc(&html);
    let decreed = page.one("#feriado-2026-12-04");
    assert_eq!(decreed.text_at(".status"), "Día no laborable (decretado)");
    assert_eq!(decreed.text_at("th"), "viernes 04/12/2026");
    assert!(
        text(&html, "#proximo-corte").contains("jueves 03/12/2026 a las 16:30"),
        "the page shows the moved cut-off"
    );
    let action = decreed.attrs("form", "action");
    assert_eq!(action, ["/admin/feriados/2026-12-04/quitar"]);

    let res = admin
        .post(&app, "/admin/feriados?anio=2026", &action[0], &[])
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = admin.page(&app, &location(&res)).await;
    assert!(notice(&html).unwrap().contains("quitado"));
    assert_eq!(count(&html, "#feriado-2026-12-04"), 0);
    assert!(text(&html, "#proximo-corte").contains("viernes 04/12/2026"));
    // A national day cannot be removed through the page either.
    let res = admin
        .post(&app, HOLIDAYS, "/admin/feriados/2026-12-25/quitar", &[])
        .await;
    assert_eq!(res.status(), 409);
}

// ---------------------------------------------------------------------------------------
// Retention

mod retention {
    use certdesk::{jobs, store::retention::ticket_files};
    use domain::ids::TicketId;
    use jiff::SignedDuration;

    use super::*;

    const PURGED: &str = "Archivo eliminado por plazo de conservación (Ley 29733)";

    /// A receipt whose file is its own (a PDF with a distinct comment).
    fn own_receipt(operation_number: &str) -> reqwest::multipart::Form {
        let mut pdf = receipt_pdf();
        pdf.extend_from_slice(format!("% {operation_number}\n").as_bytes());
        reqwest::multipart::Form::new()
            .text("operation_number", operation_number.to_owned())
            .text("paid_on", "2026-11-02")
            .text("amount", "8.10")
            .text("tribute_code", "00529")
            .text("payer_dni", "10117410")
            .text("channel", "ventanilla")
            .part(
                "receipt",
                reqwest::multipart::Part::bytes(pdf)
                    .file_name("constancia.pdf")
                    .mime_str("application/pdf")
                    .unwrap(),
            )
    }

    /// A paid emision (c) with one applicant whose photo is `photo`, submitted; its id.
    async fn paid_ticket(app: &TestApp, token: &str, dni: &str, photo: &str) -> String {
        let ticket = app.open_ticket(token, "emision", Some("c")).await;
        let id = ticket["id"].as_str().unwrap().to_owned();
        let res = app
            .post_multipart(
                &format!("/api/v1/tickets/{id}/payments"),
                token,
                own_receipt(&format!("7{dni}")),
            )
            .await;
        assert_eq!(res.status(), 201);
        let payment: Value = res.json().await.unwrap();
        let mut fields = applicant_fields(dni);
        fields.push(("payment_id", payment["id"].as_str().unwrap().to_owned()));
        let res = app
            .post_multipart(
                &format!("/api/v1/tickets/{id}/applicants"),
                token,
                applicant_form(&fields, &[("photo", photo, fixture(photo))]),
            )
            .await;
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        app.submit_ticket(token, &id).await;
        id
    }

    async fn on_disk(app: &TestApp, sha: &str) -> bool {
        app.app.blobs.exists(sha).await.unwrap()
    }

    async fn files_of(app: &TestApp, id: &str) -> certdesk::store::retention::TicketFiles {
        let mut conn = app.app.store.conn().await.unwrap();
        ticket_files(&mut conn, id.parse::<TicketId>().unwrap())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn finished_tickets_lose_their_files_after_the_retention_period_and_keep_their_data() {
        let (app, _) = app_at(WEDNESDAY).await;
        let requester = Person::sign_up(
            &app,
            "solicitante@regioncajamarca.gob.pe",
            Role::Solicitante,
        )
        .await;
        let analyst =
            Person::sign_up(&app, "analista@regioncajamarca.gob.pe", Role::Analista).await;
        // Finished: rejected today. Its photo is its own; its signature is also used by an
        // open ticket, which must keep it.
        let finished = paid_ticket(&app, &requester.token, "43333333", "photo_ok_large.png").await;
        act_ok(&app, &analyst.token, &finished, "take", json!({})).await;
        act_ok(
            &app,
            &analyst.token,
            &finished,
            "reject",
            json!({"reason": "Duplicado."}),
        )
        .await;
        let (open, _) = submitted(&app, &requester.token, "44444444").await;
        let gone = files_of(&app, &finished).await;
        let kept = files_of(&app, &open).await;
        assert_eq!(gone.signatures, kept.signatures, "the same signature file");
        assert_ne!(gone.photos, kept.photos);
        for sha in gone.hashes() {
            assert!(on_disk(&app, sha).await);
        }

        // A day short of the year: nothing happens.
        let now = app.app.now();
        let report =
            jobs::retention::run_once(&app.app, now + SignedDuration::from_hours(364 * 24))
                .await
                .unwrap();
        assert_eq!(report, jobs::retention::Report::default());

        let later = now + SignedDuration::from_hours(366 * 24);
        let report = jobs::retention::run_once(&app.app, later).await.unwrap();
        assert_eq!(report.tickets_purged, 1);
        assert_eq!(report.files_deleted, 2, "the photo and the receipt");
        assert_eq!(report.files_kept, 1, "the shared signature");
        assert!(!on_disk(&app, &gone.photos[0]).await);
        assert!(!on_disk(&app, &gone.receipts[0]).await);
        assert!(on_disk(&app, &gone.signatures[0]).await);
        for sha in kept.hashes() {
            assert!(on_disk(&app, sha).await, "the open ticket keeps its files");
        }

        // The record stays; the files answer 410 and pages say why.
        let ticket = ticket_json(&app, &requester.token, &finished).await;
        assert_eq!(ticket["status"], "rechazado");
        assert!(ticket["files_purged_at"].is_string());
        assert_eq!(ticket["applicants"].as_array().unwrap().len(), 1);
        assert_eq!(ticket["payments"].as_array().unwrap().len(), 1);
        for url in [
            ticket["applicants"][0]["photo_url"].as_str().unwrap(),
            ticket["applicants"][0]["signature_url"].as_str().unwrap(),
            ticket["payments"][0]["receipt_url"].as_str().unwrap(),
        ] {
            let body = problem(app.get(url, Some(&analyst.token)).await, 410).await;
            assert!(
                body["detail"].as_str().unwrap().contains("Ley 29733"),
                "{url}"
            );
        }
        let open_ticket = ticket_json(&app, &requester.token, &open).await;
        assert!(open_ticket["files_purged_at"].is_null());
        let photo = app
            .get(
                open_ticket["applicants"][0]["photo_url"].as_str().unwrap(),
                Some(&requester.token),
            )
            .await;
        assert_eq!(photo.status(), 200);

        for (who, path) in [
            (&requester, format!("/tramites/{finished}")),
            (&analyst, review(&finished)),
        ] {
            let (status, html) = who.page(&app, &path).await;
            assert_eq!(status, 200, "{path}");
            let page = doc(&html);
            assert!(
                page.texts(".purged-file").iter().any(|t| t == PURGED),
                "{path}"
            );
            assert_eq!(
                page.count("img[src^='/api/v1/applicants/']"),
                0,
                "no broken image on {path}"
            );
            assert_eq!(page.count("a[href^='/api/v1/payments/']"), 0, "{path}");
        }

        // One audit entry for the ticket, by the system.
        let admin = app.token_for(Role::Admin).await;
        let entries = audit_of(&app, &admin, "retention.purged").await;
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0]["subject"], format!("ticket:{finished}"));
        assert!(entries[0]["actor"].is_null());
        assert_eq!(entries[0]["detail"]["photos"], 1);
        assert_eq!(entries[0]["detail"]["receipts"], 1);
        assert_eq!(entries[0]["detail"]["retention_days"], 365);

        // Again: nothing left to do, nothing more on record.
        let report = jobs::retention::run_once(&app.app, later).await.unwrap();
        assert_eq!(report, jobs::retention::Report::default());
        assert_eq!(audit_of(&app, &admin, "retention.purged").await.len(), 1);
    }

    #[tokio::test]
    async fn the_retention_setting_decides_and_a_batch_package_goes_with_its_last_ticket() {
        let (app, clock) = app_at(WEDNESDAY).await;
        let admin = app.token_for(Role::Admin).await;
        let requester = app.token_for(Role::Solicitante).await;
        let analyst = app.token_for(Role::Analista).await;
        let (id, _) = submitted(&app, &requester, "45555555").await;
        let ticket = approved(&app, &analyst, &id).await;
        let applicant = ticket["applicants"][0]["id"].as_str().unwrap().to_owned();
        clock.set(at("2026-12-09T09:00:00-05:00"));
        let res = app
            .post_json("/api/v1/batches/close", Some(&analyst), &json!({}))
            .await;
        assert_eq!(res.status(), 200);
        let batch: Value = res.json().await.unwrap();
        let batch_id = batch["id"].as_str().unwrap().to_owned();
        let package = app
            .get(
                &format!("/api/v1/batches/{batch_id}/package.zip"),
                Some(&analyst),
            )
            .await;
        assert_eq!(package.status(), 200);
        let res = app
            .post_json(
                &format!("/api/v1/applicants/{applicant}/reniec-result"),
                Some(&analyst),
                &json!({"approved": true, "delivery_sent_on": "2026-12-08"}),
            )
            .await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.json::<Value>().await.unwrap()["status"], "atendido");

        // Forty days on: kept under the default year, purged under a 30-day setting.
        let forty_days = app.app.now() + SignedDuration::from_hours(40 * 24);
        let report = jobs::retention::run_once(&app.app, forty_days)
            .await
            .unwrap();
        assert_eq!(report.tickets_purged, 0);
        let res = app
            .patch_json("/api/v1/settings", &admin, &json!({"retention_days": 30}))
            .await;
        assert_eq!(res.status(), 200);
        let report = jobs::retention::run_once(&app.app, forty_days)
            .await
            .unwrap();
        assert_eq!(report.tickets_purged, 1);
        assert_eq!(report.batches_purged, 1);
        let subjects: Vec<String> = audit_of(&app, &admin, "retention.purged")
            .await
            .iter()
            .map(|e| e["subject"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            subjects,
            [format!("batch:{batch_id}"), format!("ticket:{id}")]
        );

        let res = app
            .get(&format!("/api/v1/batches/{batch_id}"), Some(&analyst))
            .await;
        let batch: Value = res.json().await.unwrap();
        assert!(batch["files_purged_at"].is_string());
        assert_eq!(
            batch["items"].as_array().unwrap().len(),
            1,
            "the list stays"
        );
        let body = problem(
            app.get(
                &format!("/api/v1/batches/{batch_id}/package.zip"),
                Some(&analyst),
            )
            .await,
            410,
        )
        .await;
        assert!(body["detail"].as_str().unwrap().contains("Ley 29733"));
        let desk = Person::sign_up(&app, "lotes@regioncajamarca.gob.pe", Role::Analista).await;
        for path in [
            format!("/analista/lotes/{batch_id}"),
            "/analista/lotes".to_owned(),
        ] {
            let (status, html) = desk.page(&app, &path).await;
            assert_eq!(status, 200, "{path}");
            assert!(
                texts(&html, ".purged-file").contains(&PURGED.to_owned()),
                "{path}"
            );
            assert_eq!(
                count(
                    &html,
                    &format!("a[href='/api/v1/batches/{batch_id}/package.zip']")
                ),
                0,
                "{path}"
            );
        }
    }

    #[tokio::test]
    async fn files_left_queued_by_an_interrupted_run_are_deleted_by_the_next_unless_in_use() {
        let (app, _) = app_at(WEDNESDAY).await;
        let requester = app.token_for(Role::Solicitante).await;
        let (open, _) = submitted(&app, &requester, "46666666").await;
        let in_use = files_of(&app, &open).await.photos[0].clone();
        let orphan = app.app.blobs.put(b"una constancia olvidada").await.unwrap();
        // As a run leaves them when it stops between its commit and the deletions.
        let mut conn = app.app.store.conn().await.unwrap();
        for sha in [&in_use, &orphan] {
            certdesk::store::retention::queue_blob(&mut conn, sha, app.app.now())
                .await
                .unwrap();
        }
        // The same file queued twice is one entry.
        certdesk::store::retention::queue_blob(&mut conn, &orphan, app.app.now())
            .await
            .unwrap();
        drop(conn);
        let report = jobs::retention::run_once(&app.app, app.app.now())
            .await
            .unwrap();
        assert_eq!(report.tickets_purged, 0);
        assert_eq!(report.files_deleted, 1);
        assert_eq!(report.files_kept, 1);
        assert!(!on_disk(&app, &orphan).await);
        assert!(on_disk(&app, &in_use).await);
        let mut conn = app.app.store.conn().await.unwrap();
        assert!(certdesk::store::retention::queued_blobs(&mut conn, 10)
            .await
            .unwrap()
            .is_empty());
    }
}
