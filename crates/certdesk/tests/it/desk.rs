//! The analyst's desk (issue 11): taking a ticket out of FIFO order needs a reason kept in
//! the history; approving asks for confirmation and "sin lentes"; a taken ticket goes back
//! to the queue in its place; canned observation texts that admins keep; internal notes
//! that requesters never see; and the batch page that lists people and takes RENIEC's
//! answers.

use domain::role::Role;
use jiff::SignedDuration;
use reqwest::Client;
use serde_json::{json, Value};

use crate::helpers::{
    act, app_at, applicant_with, attrs, doc, field_error, file_ticket, h1, history, location,
    notice, problem, queue_ids, review, text, texts, ticket_json, title_badge, Find, Person,
    TestApp, PASSWORD, WEDNESDAY,
};

const ANALYST: &str = "analista@regioncajamarca.gob.pe";
const REQUESTER: &str = "solicitante@regioncajamarca.gob.pe";
const ADMIN: &str = "admin@regioncajamarca.gob.pe";

/// Just after the cut-off that follows `WEDNESDAY`.
const FRIDAY_AFTER_CUTOFF: &str = "2026-12-04T16:31:00-05:00";

/// An emision-a ticket with one applicant (`dni`, `given_names`), submitted; its id.
async fn submitted(app: &TestApp, requester: &Person, dni: &str, given: &str) -> String {
    let fields = applicant_with(dni, &[("given_names", given)]);
    file_ticket(app, &requester.token, "emision", "a", &fields)
        .await
        .0
}

/// The last history line of the ticket's JSON.
fn last_line(ticket: &Value) -> Value {
    ticket["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone()
}

/// The approval form of the review page, as an analyst fills it in.
const CONFIRMED: &[(&str, &str)] = &[("revisado", "si"), ("sin_lentes", "si")];

#[tokio::test]
async fn taking_a_ticket_out_of_fifo_order_needs_a_reason_that_the_history_keeps() {
    let (app, clock) = app_at(WEDNESDAY).await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    let first = submitted(&app, &requester, "41111111", "Ana").await;
    clock.advance(SignedDuration::from_mins(5));
    let second = submitted(&app, &requester, "42222222", "Berta").await;
    clock.advance(SignedDuration::from_mins(5));
    let third = submitted(&app, &requester, "43333333", "Carla").await;

    // API: the second while the first waits, without a reason (or a blank one) → 422.
    for body in [json!({}), json!({"reason": "  "})] {
        let body = problem(act(&app, &analyst.token, &second, "take", body).await, 422).await;
        assert!(
            body["errors"]["reason"][0]
                .as_str()
                .unwrap()
                .contains("motivo"),
            "{body}"
        );
    }
    // A body that is not JSON is 400; nothing moved.
    let res = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/tickets/{second}/take")))
        .bearer_auth(&analyst.token)
        .body("motivo")
        .send()
        .await
        .unwrap();
    problem(res, 400).await;
    assert_eq!(
        ticket_json(&app, &analyst.token, &second).await["status"],
        "enviado"
    );
    // With a reason it is taken, and the history keeps the reason.
    let reason = "Urgente: el gerente firma el convenio el lunes.";
    let res = act(
        &app,
        &analyst.token,
        &second,
        "take",
        json!({"reason": reason}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let ticket: Value = res.json().await.unwrap();
    assert_eq!(ticket["status"], "en_atencion");
    let line = last_line(&ticket);
    assert_eq!(line["event"], "take");
    assert_eq!(line["comment"], reason);

    // The page: the third while the first waits asks for the reason.
    let page = review(&third);
    let (_, html) = analyst.page(&app, &page).await;
    let page_doc = doc(&html);
    let form = page_doc.one(&format!("form[action^='{page}/atender']"));
    assert_eq!(form.count("textarea#motivo-atender[name=reason]"), 1);
    assert!(text(&html, "aside.review-actions .warning-box").contains("corresponde atender antes"));
    let res = analyst
        .post(&app, &page, &format!("{page}/atender"), &[])
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(field_error(&html, "motivo-atender").contains("motivo"));
    assert_eq!(title_badge(&html).0, "enviado");
    let page_reason = "Renovación de la autoridad que firma resoluciones hoy.";
    let res = analyst
        .post(
            &app,
            &page,
            &format!("{page}/atender"),
            &[("reason", page_reason)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = analyst.page(&app, &location(&res)).await;
    assert_eq!(
        history(&html).last().unwrap(),
        &(
            "Empezó a atender el trámite".to_owned(),
            Some(page_reason.to_owned())
        )
    );

    // The oldest waiting ticket is taken without a word, on the page too.
    let page = review(&first);
    let (_, html) = analyst.page(&app, &page).await;
    assert_eq!(doc(&html).count("textarea#motivo-atender"), 0);
    let res = analyst
        .post(&app, &page, &format!("{page}/atender"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let ticket = ticket_json(&app, &analyst.token, &first).await;
    assert_eq!(last_line(&ticket)["comment"], Value::Null);
}

#[tokio::test]
async fn approval_on_the_page_asks_for_confirmation_and_sin_lentes() {
    let (app, _) = app_at(WEDNESDAY).await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    let id = submitted(&app, &requester, "41111111", "Ana").await;
    let page = review(&id);
    assert_eq!(
        analyst
            .post(&app, &page, &format!("{page}/atender"), &[])
            .await
            .status(),
        303
    );
    let (_, html) = analyst.page(&app, &page).await;
    let page_doc = doc(&html);
    let form = page_doc.one(&format!("form[action^='{page}/aprobar']"));
    assert_eq!(form.count("input[type=checkbox]#confirma-revision"), 1);
    assert!(form
        .text_at("label:has(#confirma-sin-lentes)")
        .contains("Sin lentes"));

    // Without the ticks nothing is approved: both are asked for, beside their boxes.
    let res = analyst
        .post(&app, &page, &format!("{page}/aprobar"), &[])
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(field_error(&html, "confirma-revision").contains("revisó"));
    assert!(field_error(&html, "confirma-sin-lentes").contains("lentes"));
    assert_eq!(title_badge(&html).0, "en_atencion");
    // One tick is not enough; what was ticked stays ticked.
    let res = analyst
        .post(
            &app,
            &page,
            &format!("{page}/aprobar"),
            &[("revisado", "si")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert_eq!(attrs(&html, "#confirma-revision[checked]", "id").len(), 1);
    assert!(field_error(&html, "confirma-sin-lentes").contains("lentes"));
    assert_eq!(
        ticket_json(&app, &analyst.token, &id).await["status"],
        "en_atencion"
    );
    // Confirmed: approved, and the history says the analyst checked for glasses.
    let res = analyst
        .post(&app, &page, &format!("{page}/aprobar"), CONFIRMED)
        .await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).contains("aviso=aprobado"));
    let ticket = ticket_json(&app, &analyst.token, &id).await;
    assert_eq!(ticket["status"], "programado");
    assert_eq!(last_line(&ticket)["event"], "approve");
    assert_eq!(
        last_line(&ticket)["comment"],
        certdesk::app::review::NO_GLASSES_CONFIRMED
    );
}

#[tokio::test]
async fn the_api_approval_takes_an_optional_no_glasses_confirmation() {
    let (app, _) = app_at(WEDNESDAY).await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    let a = submitted(&app, &requester, "41111111", "Ana").await;
    let b = submitted(&app, &requester, "42222222", "Berta").await;
    for id in [&a, &b] {
        assert_eq!(
            act(
                &app,
                &analyst.token,
                id,
                "take",
                json!({"reason": "Prueba de aprobación"})
            )
            .await
            .status(),
            200
        );
    }
    // `false` is refused on its field: a photo with glasses is observed, not approved.
    let body = problem(
        act(
            &app,
            &analyst.token,
            &a,
            "approve",
            json!({"no_glasses_confirmed": false}),
        )
        .await,
        422,
    )
    .await;
    assert!(body["errors"]["no_glasses_confirmed"][0]
        .as_str()
        .unwrap()
        .contains("lentes"));
    // A wrong shape is 422 on the field too.
    problem(
        act(
            &app,
            &analyst.token,
            &a,
            "approve",
            json!({"no_glasses_confirmed": "sí"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        ticket_json(&app, &analyst.token, &a).await["status"],
        "en_atencion"
    );
    // `true` is recorded; left out (older clients) nothing is stated.
    let res = act(
        &app,
        &analyst.token,
        &a,
        "approve",
        json!({"no_glasses_confirmed": true}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let ticket: Value = res.json().await.unwrap();
    assert_eq!(
        last_line(&ticket)["comment"],
        certdesk::app::review::NO_GLASSES_CONFIRMED
    );
    let res = act(&app, &analyst.token, &b, "approve", json!({})).await;
    assert_eq!(res.status(), 200);
    let ticket: Value = res.json().await.unwrap();
    assert_eq!(ticket["status"], "programado");
    assert_eq!(last_line(&ticket)["comment"], Value::Null);
}

#[tokio::test]
async fn a_taken_ticket_goes_back_to_the_queue_in_its_place() {
    let (app, clock) = app_at(WEDNESDAY).await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    let mut ids = Vec::new();
    for (dni, name) in [
        ("41111111", "Ana"),
        ("42222222", "Berta"),
        ("43333333", "Carla"),
    ] {
        ids.push(submitted(&app, &requester, dni, name).await);
        clock.advance(SignedDuration::from_mins(5));
    }
    let queue = |app: &TestApp| {
        let token = analyst.token.clone();
        let url = app.url("/api/v1/queue");
        async move {
            let q: Value = Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            q
        }
    };
    // Releasing what nobody took is a conflict.
    problem(
        act(&app, &analyst.token, &ids[0], "release", json!({})).await,
        409,
    )
    .await;

    // API: take the first, give it back: enviado again, nobody's, same place, a history line.
    assert_eq!(
        act(&app, &analyst.token, &ids[0], "take", json!({}))
            .await
            .status(),
        200
    );
    clock.advance(SignedDuration::from_mins(30));
    let res = act(
        &app,
        &analyst.token,
        &ids[0],
        "release",
        json!({"comment": "Me voy a una reunión."}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let ticket: Value = res.json().await.unwrap();
    assert_eq!(ticket["status"], "enviado");
    let line = last_line(&ticket);
    assert_eq!(line["event"], "release");
    assert_eq!(line["from_status"], "en_atencion");
    assert_eq!(line["to_status"], "enviado");
    assert_eq!(line["comment"], "Me voy a una reunión.");
    let q = queue(&app).await;
    assert_eq!(queue_ids(&q), ids, "it keeps its place by arrival");
    assert_eq!(q["items"][0]["status"], "enviado");
    // Still the oldest: taken again without a reason.
    let res = Client::new()
        .post(app.url(&format!("/api/v1/tickets/{}/take", ids[0])))
        .bearer_auth(&analyst.token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        200,
        "an empty body is no reason, and none is needed"
    );

    // The page: "Devolver a la cola" with an empty body works too.
    let page = review(&ids[0]);
    let (_, html) = analyst.page(&app, &page).await;
    assert!(
        texts(&html, "aside.review-actions form button").contains(&"Devolver a la cola".to_owned())
    );
    let res = analyst
        .post(&app, &page, &format!("{page}/devolver"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = analyst.page(&app, &location(&res)).await;
    assert!(notice(&html)
        .unwrap()
        .starts_with("Trámite devuelto a la cola"));
    assert_eq!(title_badge(&html).0, "enviado");
    assert_eq!(
        history(&html).last().unwrap().0,
        "Devolvió el trámite a la cola"
    );
    assert_eq!(queue_ids(&queue(&app).await), ids);
    let (_, html) = analyst.page(&app, "/analista/cola").await;
    assert!(
        !html.contains("<strong>Usted</strong>"),
        "nobody's any more"
    );
    // The requester is not told: releasing is the desk's own business.
    let (subjects,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM notifications WHERE title LIKE '%cola%'")
            .fetch_one(app.app.store.pool())
            .await
            .unwrap();
    assert_eq!(subjects, 0);
    // Only analysts release.
    problem(
        act(&app, &requester.token, &ids[1], "release", json!({})).await,
        403,
    )
    .await;
}

#[tokio::test]
async fn admins_keep_canned_observation_texts_and_analysts_observe_with_them() {
    let (app, _) = app_at(WEDNESDAY).await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    let admin = Person::sign_up(&app, ADMIN, Role::Admin).await;
    let list = "/admin/observaciones";

    // Seeded with the common ones, linked from the admin's navigation only.
    let (status, html) = admin.page(&app, list).await;
    assert_eq!(status, 200);
    let titles = texts(&html, ".canned-list h3");
    for seeded in [
        "Foto con lentes",
        "Firma con tinta negra",
        "Constancia de pago no corresponde",
        "DNI caducado",
    ] {
        assert!(titles.contains(&seeded.to_owned()), "{titles:?}");
    }
    // Reached from the administration page, which the menu marks current here.
    assert_eq!(
        text(&html, "nav.site-nav [aria-current=page]"),
        "Administración"
    );
    let (_, hub) = admin.page(&app, "/admin").await;
    assert!(attrs(&hub, ".admin-links a", "href").contains(&list.to_owned()));
    let (_, html) = analyst.page(&app, "/analista/cola").await;
    assert!(!attrs(&html, "nav.site-nav a", "href").contains(&"/admin".to_owned()));
    assert_eq!(analyst.page(&app, list).await.0, 403);
    assert_eq!(requester.page(&app, list).await.0, 403);

    // Adding: blank fields are refused beside each field, what was typed kept.
    let res = admin
        .post(
            &app,
            list,
            list,
            &[("title", "  "), ("body", "Texto sin título")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(field_error(&html, "titulo").contains("título"));
    assert_eq!(text(&html, "textarea#texto"), "Texto sin título");
    let too_long = "x".repeat(81);
    let res = admin
        .post(&app, list, list, &[("title", &too_long), ("body", "")])
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(field_error(&html, "titulo").contains("80"));
    assert!(field_error(&html, "texto").contains("Escriba"));
    let body = "La constancia está borrosa: vuelva a escanearla completa y legible.";
    let res = admin
        .post(
            &app,
            list,
            list,
            &[("title", "Constancia ilegible"), ("body", body)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = admin.page(&app, &location(&res)).await;
    assert!(notice(&html)
        .unwrap()
        .starts_with("Observación frecuente agregada"));
    let added_href = doc(&html)
        .all(".canned-list li")
        .into_iter()
        .find(|li| li.text_at("h3") == "Constancia ilegible")
        .map(|li| li.attrs("a", "href")[0].clone())
        .unwrap();
    // The edit form of "Constancia ilegible", saved (or deactivated) with `body`.
    let save_illegible = |body: &'static str, accion: &'static str| {
        let (admin, app, href) = (&admin, &app, added_href.clone());
        async move {
            let fields = [
                ("title", "Constancia ilegible"),
                ("body", body),
                ("active", "si"),
                ("accion", accion),
            ];
            admin.post(app, &href, &href, &fields).await
        }
    };

    // Editing, with validation, then deactivating.
    let res = save_illegible(" ", "guardar").await;
    assert_eq!(res.status(), 422);
    assert!(field_error(&res.text().await.unwrap(), "texto").contains("Escriba"));
    let edited =
        "La constancia de pago está borrosa o cortada: escanéela de nuevo completa y legible.";
    let res = save_illegible(edited, "guardar").await;
    assert_eq!(res.status(), 303);
    let (_, html) = admin.page(&app, list).await;
    assert!(html.contains(edited));

    // The analyst observes with the canned texts, and free words.
    let id = submitted(&app, &requester, "41111111", "Ana").await;
    let page = review(&id);
    analyst
        .post(&app, &page, &format!("{page}/atender"), &[])
        .await;
    let (_, html) = analyst.page(&app, &page).await;
    let offered: Vec<String> = texts(&html, "#observaciones-frecuentes .canned label");
    assert!(
        offered.contains(&"Foto con lentes".to_owned()),
        "{offered:?}"
    );
    assert!(
        offered.contains(&"Constancia ilegible".to_owned()),
        "{offered:?}"
    );
    let value_of = |html: &str, title: &str| -> String {
        doc(html)
            .all("#observaciones-frecuentes .canned")
            .into_iter()
            .find(|c| c.text_at("label") == title)
            .map(|c| c.attrs("input[name=canned]", "value")[0].clone())
            .unwrap()
    };
    let glasses = value_of(&html, "Foto con lentes");
    let illegible = value_of(&html, "Constancia ilegible");

    // Deactivated, a text is no longer offered, and a stale form is refused on its field.
    let res = save_illegible(edited, "desactivar").await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).contains("aviso=desactivada"));
    let (_, html) = admin.page(&app, list).await;
    assert_eq!(
        texts(&html, ".canned-list li.inactive h3"),
        vec!["Constancia ilegible"]
    );
    let (_, html) = analyst.page(&app, &page).await;
    assert!(!texts(&html, "#observaciones-frecuentes .canned label")
        .contains(&"Constancia ilegible".to_owned()));
    let res = analyst
        .post(
            &app,
            &page,
            &format!("{page}/observar"),
            &[("canned", illegible.as_str()), ("comment", "")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(text(&html, "#observaciones-frecuentes-error").contains("ya no está disponible"));
    assert_eq!(title_badge(&html).0, "en_atencion");

    let res = analyst
        .post(
            &app,
            &page,
            &format!("{page}/observar"),
            &[
                ("canned", glasses.as_str()),
                ("comment", "Además, el cargo no coincide con su resolución."),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let ticket = ticket_json(&app, &requester.token, &id).await;
    assert_eq!(ticket["status"], "observado");
    let comment = last_line(&ticket)["comment"].as_str().unwrap().to_owned();
    assert!(
        comment.starts_with("La foto del solicitante lleva lentes."),
        "{comment}"
    );
    assert!(
        comment.ends_with("Además, el cargo no coincide con su resolución."),
        "{comment}"
    );
    // The requester reads it in the mail too.
    let mails: Vec<(String,)> =
        sqlx::query_as("SELECT body_text FROM outbox WHERE subject LIKE '%observado%'")
            .fetch_all(app.app.store.pool())
            .await
            .unwrap();
    assert!(mails
        .iter()
        .any(|(b,)| b.contains("RENIEC no acepta fotos con lentes")));

    // The API takes canned ids too; neither words nor texts is refused.
    let other = submitted(&app, &requester, "42222222", "Berta").await;
    act(&app, &analyst.token, &other, "take", json!({})).await;
    problem(
        act(
            &app,
            &analyst.token,
            &other,
            "observe",
            json!({"canned": [], "comment": " "}),
        )
        .await,
        422,
    )
    .await;
    problem(
        act(
            &app,
            &analyst.token,
            &other,
            "observe",
            json!({"canned": ["no-es-un-id"]}),
        )
        .await,
        422,
    )
    .await;
    let res = act(
        &app,
        &analyst.token,
        &other,
        "observe",
        json!({"canned": [glasses]}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let ticket: Value = res.json().await.unwrap();
    assert!(last_line(&ticket)["comment"]
        .as_str()
        .unwrap()
        .contains("sin lentes"));
}

#[tokio::test]
async fn internal_notes_are_for_analysts_and_never_reach_the_requester() {
    let (app, _) = app_at(WEDNESDAY).await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    let id = submitted(&app, &requester, "41111111", "Ana").await;
    let secret_api = "NOTA-API: llamé al anexo 2041, no contestan.";
    let secret_page = "NOTA-PAGINA: el jefe de RR. HH. confirma el cargo.";

    // API: added and listed, with author and time; blank is refused; requesters may not.
    let res = act(
        &app,
        &analyst.token,
        &id,
        "notes",
        json!({"text": secret_api}),
    )
    .await;
    assert_eq!(res.status(), 201);
    let note: Value = res.json().await.unwrap();
    assert_eq!(note["text"], secret_api);
    assert_eq!(note["author"]["name"], "Persona de Prueba");
    assert!(note["created_at"]
        .as_str()
        .unwrap()
        .starts_with("2026-12-02T10:00:00"));
    problem(
        act(&app, &analyst.token, &id, "notes", json!({"text": "  "})).await,
        422,
    )
    .await;
    problem(
        act(
            &app,
            &requester.token,
            &id,
            "notes",
            json!({"text": "hola"}),
        )
        .await,
        403,
    )
    .await;
    problem(
        app.get(
            &format!("/api/v1/tickets/{id}/notes"),
            Some(&requester.token),
        )
        .await,
        403,
    )
    .await;

    // The page: a form on the review page; the list shows author and time.
    let page = review(&id);
    let res = analyst
        .post(&app, &page, &format!("{page}/notas"), &[("text", "")])
        .await;
    assert_eq!(res.status(), 422);
    assert!(field_error(&res.text().await.unwrap(), "nota").contains("Escriba"));
    let res = analyst
        .post(
            &app,
            &page,
            &format!("{page}/notas"),
            &[("text", secret_page)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = analyst.page(&app, &location(&res)).await;
    assert!(notice(&html).unwrap().starts_with("Nota interna guardada"));
    let notes = texts(&html, ".internal-notes ol.notes li");
    assert_eq!(notes.len(), 2);
    assert!(
        notes[0].contains("Persona de Prueba · 02/12/2026 10:00") && notes[0].contains(secret_api),
        "{notes:?}"
    );
    assert!(notes[1].contains(secret_page));
    let listed: Value = app
        .get(&format!("/api/v1/tickets/{id}/notes"), Some(&analyst.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    assert_eq!(listed["next"], Value::Null);

    // Move the ticket on so the requester gets notices and mail, then look everywhere.
    act(&app, &analyst.token, &id, "take", json!({})).await;
    act(
        &app,
        &analyst.token,
        &id,
        "observe",
        json!({"comment": "Corrija la foto."}),
    )
    .await;
    let everything = [
        app.get(&format!("/api/v1/tickets/{id}"), Some(&requester.token))
            .await
            .text()
            .await
            .unwrap(),
        app.get("/api/v1/tickets", Some(&requester.token))
            .await
            .text()
            .await
            .unwrap(),
        app.get("/api/v1/notifications", Some(&requester.token))
            .await
            .text()
            .await
            .unwrap(),
        requester.page(&app, &format!("/tramites/{id}")).await.1,
        requester.page(&app, "/tramites").await.1,
        requester.page(&app, "/avisos").await.1,
        requester.page(&app, "/").await.1,
    ];
    assert!(
        everything[0].contains("Corrija la foto."),
        "the requester does see the observation"
    );
    for seen in &everything {
        assert!(
            !seen.contains("NOTA-API") && !seen.contains("NOTA-PAGINA"),
            "a note leaked: {seen}"
        );
    }
    let mail: Vec<(String, String)> = sqlx::query_as("SELECT subject, body_text FROM outbox")
        .fetch_all(app.app.store.pool())
        .await
        .unwrap();
    assert!(!mail.is_empty());
    for (subject, body) in &mail {
        assert!(
            !body.contains("NOTA-") && !subject.contains("NOTA-"),
            "{body}"
        );
    }
    let (in_app,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM notifications WHERE body LIKE '%NOTA-%' OR title LIKE '%NOTA-%'",
    )
    .fetch_one(app.app.store.pool())
    .await
    .unwrap();
    assert_eq!(in_app, 0);
    // The requester's own page of the ticket has no notes section at all.
    assert_eq!(doc(&everything[3]).count(".internal-notes"), 0);
}

#[tokio::test]
async fn the_batch_page_lists_who_goes_next_who_is_held_and_takes_reniecs_answers() {
    let (app, clock) = app_at(WEDNESDAY).await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    let plain = submitted(&app, &requester, "41111111", "Ana").await;
    let renewal = applicant_with(
        "42222222",
        &[
            ("given_names", "Berta"),
            ("current_expires_on", "2027-01-15"),
        ],
    );
    let (renewal, _) = file_ticket(&app, &requester.token, "reemision", "a", &renewal).await;
    for id in [&plain, &renewal] {
        assert_eq!(
            act(&app, &analyst.token, id, "take", json!({}))
                .await
                .status(),
            200
        );
        assert_eq!(
            act(
                &app,
                &analyst.token,
                id,
                "approve",
                json!({"no_glasses_confirmed": true})
            )
            .await
            .status(),
            200
        );
    }
    let plain_number = ticket_json(&app, &analyst.token, &plain).await["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let renewal_number = ticket_json(&app, &analyst.token, &renewal).await["number"]
        .as_str()
        .unwrap()
        .to_owned();

    let (status, html) = analyst.page(&app, "/analista/lotes").await;
    assert_eq!(status, 200);
    let page = doc(&html);
    let next = page.one("#tabla-proximo-lote");
    let rows = next.all("tbody tr");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].text_at("th"), "Tello Vásquez, Ana");
    assert_eq!(rows[0].text_at("td[data-label='Trámite'] a"), plain_number);
    assert_eq!(
        rows[0].text_at("td[data-label='Envío a RENIEC']"),
        "viernes 04/12/2026 a las 16:30"
    );
    let held = page.one("#tabla-retenidos");
    let rows = held.all("tbody tr");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].text_at("th"), "Tello Vásquez, Berta");
    assert_eq!(
        rows[0].text_at("td[data-label='Trámite'] a"),
        renewal_number
    );
    assert_eq!(
        rows[0].text_at("td[data-label='Envío a RENIEC']"),
        "retenido hasta 31/12/2026 (corte de las 16:30)"
    );
    assert_eq!(
        rows[0].text_at("td[data-label='Certificado actual']"),
        "caduca el 15/01/2027"
    );
    // Every cell of these tables keeps its column's name for the phone layout.
    for cell in page.all(".people-table tbody th, .people-table tbody td") {
        assert!(cell.value().attr("data-label").is_some(), "{}", cell.html());
    }

    // The batch closes; its page takes RENIEC's answer for each applicant.
    clock.set(crate::helpers::at(FRIDAY_AFTER_CUTOFF));
    // Two days on, the browser session has expired: sign in again.
    app.sign_in(&analyst.browser, ANALYST, PASSWORD).await;
    let closed: Value = app
        .post_json("/api/v1/batches/close", Some(&analyst.token), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let batch_id = closed["id"].as_str().unwrap().to_owned();
    let applicant = closed["items"][0]["applicant_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let batch_page = format!("/analista/lotes/{batch_id}");
    let (_, html) = analyst.page(&app, &batch_page).await;
    let action = format!("{batch_page}/solicitantes/{applicant}/resultado");
    assert_eq!(doc(&html).count(&format!("form[action='{action}']")), 2);
    // RENIEC's "aprobado" for the applicant, delivered on `date`, from the batch page.
    let approved_on = |date: &'static str| {
        let fields = [("resultado", "aprobado"), ("delivery_sent_on", date)];
        let (analyst, app, from, to) = (&analyst, &app, batch_page.clone(), action.clone());
        async move { analyst.post(app, &from, &to, &fields).await }
    };
    // A future date is refused beside the field of that applicant, on the batch page.
    let res = approved_on("2026-12-20").await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(h1(&html).starts_with("Lote del"));
    assert!(field_error(&html, &format!("entrega-{applicant}")).contains("futura"));
    let res = approved_on("2026-12-04").await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        location(&res),
        format!("{batch_page}?aviso=resultado#solicitante-{applicant}")
    );
    let (_, html) = analyst.page(&app, &location(&res)).await;
    assert!(notice(&html)
        .unwrap()
        .starts_with("Resultado de RENIEC registrado"));
    let row = doc(&html);
    let row = row.one(&format!("tr#solicitante-{applicant}"));
    assert_eq!(
        row.text_at(".cell-result"),
        "Aprobado por RENIEC correo de DCDelivery del 04/12/2026"
    );
    assert_eq!(row.count("form"), 0);
    // An applicant of another batch cannot be answered from this one.
    let res = analyst
        .post(
            &app,
            &batch_page,
            &format!("{batch_page}/solicitantes/{}/resultado", uuid::Uuid::nil()),
            &[("resultado", "rechazado"), ("reason", "x")],
        )
        .await;
    assert_eq!(res.status(), 404);

    // The review page links back to the applicant's batch.
    let (_, html) = analyst.page(&app, &review(&plain)).await;
    let links = attrs(&html, ".batch-link a", "href");
    assert_eq!(links, vec![format!("{batch_page}#solicitante-{applicant}")]);
    assert_eq!(
        text(&html, ".batch-link a"),
        "Ver el lote del 04/12/2026 de Tello Vásquez, Ana"
    );
    // The held renewal is still listed as held, not in a batch.
    let (_, html) = analyst.page(&app, "/analista/lotes").await;
    assert_eq!(doc(&html).one("#tabla-retenidos").count("tbody tr"), 1);
    assert_eq!(doc(&html).count("#tabla-proximo-lote"), 0);
}
