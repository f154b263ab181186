//! Notices: what each event tells whom, in the app and by mail; the bell's API; the mail
//! preference; the reminders of a simulated 60 days; the analysts' morning summary.

use std::collections::BTreeMap;

use certdesk::{clock::FixedClock, jobs};
use domain::{certificate::CertificateState, role::Role};
use jiff::{civil::date, Timestamp, ToSpan};
use serde_json::{json, Value};

use crate::helpers::{
    act, app_at, approved, at, attr, attrs, count, csrf_token, h1, installation_ready, notice,
    submitted, text, TestApp, WEDNESDAY,
};

/// Every mail in the outbox: (to, kind, subject, body_text).
async fn mails(app: &TestApp) -> Vec<(String, String, String, String)> {
    sqlx::query_as(
        "SELECT to_address, COALESCE(kind, ''), subject, body_text FROM outbox ORDER BY id",
    )
    .fetch_all(app.app.store.pool())
    .await
    .unwrap()
}

async fn notices(app: &TestApp, token: &str) -> Vec<Value> {
    let res = app.get("/api/v1/notifications", Some(token)).await;
    assert_eq!(res.status(), 200);
    let page: Value = res.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

fn kinds(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_observation_reaches_the_requester_by_mail_and_in_the_app_and_the_fix_reaches_the_analyst(
) {
    let (app, _) = app_at(WEDNESDAY).await;
    let requester = app.token_for(Role::Solicitante).await;
    let analyst = app.token_for(Role::Analista).await;
    let id = submitted(&app, &requester, "41111111").await.0;

    // Sending it: an in-app notice only (the requester did not ask for copies).
    assert_eq!(kinds(&notices(&app, &requester).await), ["ticket_received"]);
    assert!(mails(&app).await.iter().all(|m| m.1 != "ticket_received"));

    assert_eq!(
        act(&app, &analyst, &id, "take", json!({})).await.status(),
        200
    );
    let res = act(
        &app,
        &analyst,
        &id,
        "observe",
        json!({"comment": "La foto está borrosa: suba otra, de frente."}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let ticket: Value = res.json().await.unwrap();
    let number = ticket["number"].as_str().unwrap();

    let all = mails(&app).await;
    let observed: Vec<_> = all.iter().filter(|m| m.1 == "ticket_observed").collect();
    assert_eq!(observed.len(), 1, "{all:?}");
    let (to, _, subject, body) = observed[0];
    assert_eq!(to, "solicitante@regioncajamarca.gob.pe");
    assert_eq!(subject, &format!("Su trámite {number} fue observado"));
    assert!(
        body.contains("La foto está borrosa: suba otra, de frente."),
        "{body}"
    );
    assert!(body.contains(&format!("Trámite: {number}")), "{body}");
    assert!(
        body.contains(&format!("{}/tramites/{id}", app.base)),
        "{body}"
    );

    let items = notices(&app, &requester).await;
    assert_eq!(kinds(&items), ["ticket_observed", "ticket_received"]);
    let twin = &items[0];
    assert_eq!(twin["title"], subject.as_str());
    assert_eq!(twin["link"], format!("/tramites/{id}"));
    assert_eq!(twin["ticket_id"], id.as_str());
    assert_eq!(twin["read"], false);

    // The requester sends it again: the analyst who observed it hears of it.
    let res = app
        .post_json(
            &format!("/api/v1/tickets/{id}/submit"),
            Some(&requester),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let analyst_items = notices(&app, &analyst).await;
    assert_eq!(kinds(&analyst_items), ["ticket_corrected"]);
    assert_eq!(analyst_items[0]["link"], format!("/analista/tramites/{id}"));
    let requester_items = notices(&app, &requester).await;
    assert_eq!(requester_items[0]["kind"], "ticket_received");
    assert!(requester_items[0]["body"]
        .as_str()
        .unwrap()
        .contains("Recibimos la corrección"));
}

#[tokio::test]
async fn notices_are_marked_read_by_their_owner_only() {
    let (app, _) = app_at(WEDNESDAY).await;
    let requester = app.token_for(Role::Solicitante).await;
    let analyst = app.token_for(Role::Analista).await;
    submitted(&app, &requester, "41111111").await;
    submitted(&app, &requester, "42222222").await;
    let items = notices(&app, &requester).await;
    assert_eq!(items.len(), 2);
    let unread: Value = app
        .get("/api/v1/notifications/unread", Some(&requester))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unread["unread"], 2);

    let first = items[0]["id"].as_str().unwrap();
    // Someone else's notice does not exist for them.
    let res = app
        .post_json(
            &format!("/api/v1/notifications/{first}/read"),
            Some(&analyst),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 404);
    let res = app
        .post_json(
            &format!("/api/v1/notifications/{first}/read"),
            Some(&requester),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let read: Value = res.json().await.unwrap();
    assert_eq!(read["read"], true);
    assert!(read["read_at"].is_string());

    let unread_only: Value = app
        .get("/api/v1/notifications?unread=true", Some(&requester))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unread_only["items"].as_array().unwrap().len(), 1);
    assert_ne!(unread_only["items"][0]["id"], first);

    let res = app
        .post_json(
            "/api/v1/notifications/read-all",
            Some(&requester),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["marked"], 1);
    assert!(notices(&app, &requester)
        .await
        .iter()
        .all(|n| n["read"] == true));
    let res = app
        .post_json(
            "/api/v1/notifications/nope/read",
            Some(&requester),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 404);
    let res = app.get("/api/v1/notifications", None).await;
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn a_user_who_asks_for_copies_also_gets_the_in_app_only_notices_by_mail() {
    let (app, _) = app_at(WEDNESDAY).await;
    let requester = app.token_for(Role::Solicitante).await;
    let res = app
        .patch_json("/api/v1/me", &requester, &json!({"mail_copies": true}))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["mail_copies"], true);
    submitted(&app, &requester, "41111111").await;
    let received: Vec<_> = mails(&app)
        .await
        .into_iter()
        .filter(|m| m.1 == "ticket_received")
        .collect();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].0, "solicitante@regioncajamarca.gob.pe");
    // A bad value is a 422 naming the field, not a 500.
    let res = app
        .patch_json("/api/v1/me", &requester, &json!({"mail_copies": "quizás"}))
        .await;
    assert_eq!(res.status(), 422);
}

/// `certdesk schedule --approved-at` as a person would run it.
fn schedule_cli(app: &TestApp, approved_at: &str) -> Timestamp {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_certdesk"))
        .args(["schedule", "--approved-at", approved_at])
        .env("CERTDESK_DATABASE_URL", &app.database_url)
        .env("CERTDESK_DATA_DIR", app.dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn the_approval_mail_states_the_dispatch_time_that_certdesk_schedule_gives() {
    let (app, _) = app_at(WEDNESDAY).await;
    let requester = app.token_for(Role::Solicitante).await;
    let analyst = app.token_for(Role::Analista).await;
    let id = submitted(&app, &requester, "41111111").await.0;
    approved(&app, &analyst, &id).await;
    let when = schedule_cli(&app, WEDNESDAY).in_tz("America/Lima").unwrap();
    let day = when.strftime("%d/%m/%Y").to_string();
    let time = when.strftime("%H:%M").to_string();
    let mail = mails(&app)
        .await
        .into_iter()
        .find(|m| m.1 == "ticket_approved")
        .expect("approval mail");
    assert!(
        mail.3.contains(&format!("{day} a las {time}")),
        "{} vs {day} {time}",
        mail.3
    );
    assert_eq!((day.as_str(), time.as_str()), ("04/12/2026", "16:30"));
}

#[tokio::test]
async fn the_appointment_mail_carries_a_calendar_file_at_the_booked_time() {
    let (app, _) = app_at(WEDNESDAY).await;
    let requester = app.token_for(Role::Solicitante).await;
    let analyst = app.token_for(Role::Analista).await;
    let cert = app
        .certificate(&requester, CertificateState::PendienteDescarga, None)
        .await;
    let appointment = json!({"at": "2026-12-03T10:00:00-05:00", "note": "Traiga su token"});
    let id = installation_ready(&app, &requester, &analyst, &cert, appointment).await;
    let (subject, body, name, ics): (String, String, Option<String>, Option<String>) =
        sqlx::query_as(
            "SELECT subject, body_text, attachment_name, attachment_body FROM outbox WHERE kind = 'appointment'",
        )
        .fetch_one(app.app.store.pool())
        .await
        .unwrap();
    assert!(subject.contains("03/12/2026 a las 10:00"), "{subject}");
    assert!(body.contains("Traiga su token"), "{body}");
    assert_eq!(name.as_deref(), Some("cita-instalacion.ics"));
    let ics = ics.unwrap();
    assert!(ics.contains("DTSTART:20261203T150000Z"), "{ics}");
    assert!(ics.contains(&format!("UID:{id}@")), "{ics}");
    // Installed: the requester hears of it in the app.
    let res = act(
        &app,
        &analyst,
        &id,
        "complete",
        json!({"medium": "token", "ownership": "grc",
               "issued_on": "2026-12-01", "expires_on": "2028-11-30"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let items = notices(&app, &requester).await;
    assert_eq!(items[0]["kind"], "installed");
    assert!(items[0]["title"]
        .as_str()
        .unwrap()
        .contains("quedó instalado"));
}

/// Runs the daily jobs at 09:00 Lima each day from `first` for `days` days (twice a day,
/// as restarts would), and returns the reminders written, by day.
async fn simulate(
    app: &TestApp,
    clock: &FixedClock,
    first: jiff::civil::Date,
    days: i64,
) -> BTreeMap<jiff::civil::Date, Vec<String>> {
    let mut seen = BTreeMap::new();
    for n in 0..days {
        let day = first + n.days();
        for hour in [9, 15] {
            let now = day
                .at(hour, 0, 0, 0)
                .in_tz("America/Lima")
                .unwrap()
                .timestamp();
            clock.set(now);
            jobs::certificates::run_once(&app.app, now).await.unwrap();
            jobs::reminders::run_once(&app.app, now).await.unwrap();
        }
        let written: Vec<(String,)> =
            sqlx::query_as("SELECT kind FROM reminders_sent WHERE day = $1 ORDER BY kind")
                .bind(day.to_string())
                .fetch_all(app.app.store.pool())
                .await
                .unwrap();
        if !written.is_empty() {
            seen.insert(day, written.into_iter().map(|(k,)| k).collect());
        }
    }
    seen
}

#[tokio::test]
async fn over_sixty_days_every_reminder_is_sent_once_on_its_day() {
    let (app, clock) = app_at(WEDNESDAY).await;
    let requester = app.token_for(Role::Solicitante).await;
    let today = date(2026, 12, 2);
    // Installed, expiring in 40 days; waiting for download since 30 Nov (deadline 30 Dec).
    let expires = today + 40.days();
    app.certificate(&requester, CertificateState::Instalado, Some(expires))
        .await;
    app.certificate(&requester, CertificateState::PendienteDescarga, None)
        .await;
    let deadline = date(2026, 12, 30);

    let seen = simulate(&app, &clock, today, 60).await;
    let expected: BTreeMap<_, Vec<String>> = [
        (deadline - 7.days(), vec!["download_7".to_owned()]),
        (expires - 30.days(), vec!["expiry_30".to_owned()]),
        (deadline - 2.days(), vec!["download_2".to_owned()]),
        (expires - 15.days(), vec!["expiry_15".to_owned()]),
        (expires - 10.days(), vec!["expiry_10".to_owned()]),
    ]
    .into_iter()
    .collect();
    assert_eq!(seen, expected);

    // One notice and one mail per reminder, to the certificate's owner, never twice. (The
    // session expired during the 60 days: read the notices from the database.)
    let owner = app.me_by_email("solicitante@regioncajamarca.gob.pe").await;
    let in_app: Vec<(String, String)> =
        sqlx::query_as("SELECT user_id, kind FROM notifications WHERE kind LIKE '%_reminder'")
            .fetch_all(app.app.store.pool())
            .await
            .unwrap();
    assert_eq!(in_app.len(), 5);
    assert!(in_app.iter().all(|(user, _)| *user == owner));
    let mailed: Vec<_> = mails(&app)
        .await
        .into_iter()
        .filter(|m| m.1.ends_with("_reminder"))
        .collect();
    assert_eq!(mailed.len(), 5);
    assert!(mailed
        .iter()
        .any(|m| m.2 == "El certificado de Tello Vásquez, Carmen Rosa caduca en 30 días"));
    assert!(mailed.iter().any(|m| m.3.contains("Vence el: 30/12/2026")));
    assert!(mailed
        .iter()
        .all(|m| m.0 == "solicitante@regioncajamarca.gob.pe"));
}

#[tokio::test]
async fn a_job_that_was_down_sends_the_latest_due_reminder_not_the_stale_ones() {
    let (app, clock) = app_at(WEDNESDAY).await;
    let requester = app.token_for(Role::Solicitante).await;
    let expires = date(2026, 12, 14);
    app.certificate(&requester, CertificateState::Instalado, Some(expires))
        .await;
    // Down from 14 Nov (the 30-day mark) until 2 Dec, 12 days before expiry: the 15-day
    // reminder goes out at once (the 30-day one is stale), the 10-day one on its day.
    let seen = simulate(&app, &clock, date(2026, 12, 2), 5).await;
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        [
            (date(2026, 12, 2), vec!["expiry_15".to_owned()]),
            (date(2026, 12, 4), vec!["expiry_10".to_owned()])
        ]
    );
}

#[tokio::test]
async fn the_queue_summary_goes_to_analysts_once_on_working_days_after_eight() {
    let (app, clock) = app_at(WEDNESDAY).await;
    let requester = app.token_for(Role::Solicitante).await;
    let analyst = app.token_for(Role::Analista).await;
    submitted(&app, &requester, "41111111").await;
    let run = |s: &str| {
        let now = at(s);
        clock.set(now);
        let app = app.app.clone();
        async move { jobs::reminders::summary_once(&app, now).await.unwrap() }
    };
    assert!(!run("2026-12-03T07:59:00-05:00").await, "before eight");
    assert!(run("2026-12-03T08:00:00-05:00").await);
    assert!(!run("2026-12-03T11:00:00-05:00").await, "once a day");
    assert!(!run("2026-12-05T09:00:00-05:00").await, "Saturday");
    assert!(
        !run("2026-12-08T09:00:00-05:00").await,
        "8 Dec is a national holiday"
    );
    assert!(
        !run("2026-12-09T09:00:00-05:00").await,
        "9 Dec too (from 2022)"
    );
    assert!(run("2026-12-10T09:00:00-05:00").await);
    let items = notices(&app, &analyst).await;
    assert_eq!(kinds(&items), ["queue_summary", "queue_summary"]);
    let mail = mails(&app)
        .await
        .into_iter()
        .find(|m| m.1 == "queue_summary")
        .unwrap();
    assert_eq!(mail.0, "analista@regioncajamarca.gob.pe");
    assert!(mail.2.contains("03/12/2026"), "{}", mail.2);
    assert!(mail.3.contains("En la cola: 1"), "{}", mail.3);
    assert!(
        mail.3.contains("enviado el 02/12/2026 (1 día esperando)"),
        "{}",
        mail.3
    );
    assert!(
        mail.3
            .contains("Próximo lote: viernes 04/12/2026 a las 16:30"),
        "{}",
        mail.3
    );
    // The requester gets no summary.
    assert!(notices(&app, &requester)
        .await
        .iter()
        .all(|n| n["kind"] != "queue_summary"));
}

#[tokio::test]
async fn the_bell_shows_the_unread_count_and_opening_a_notice_marks_it_read_and_goes_there() {
    let (app, _) = app_at(WEDNESDAY).await;
    let requester = app.token_for(Role::Solicitante).await;
    let first = submitted(&app, &requester, "41111111").await.0;
    submitted(&app, &requester, "42222222").await;
    app.log_in_browser("solicitante@regioncajamarca.gob.pe", "clave-de-prueba-1")
        .await;
    let (status, html) = app.page("/tramites").await;
    assert_eq!(status, 200);
    assert_eq!(text(&html, "header .bell .bell-count"), "2");
    assert_eq!(
        attr(&html, "header .bell", "href").as_deref(),
        Some("/avisos")
    );

    let (_, html) = app.page("/avisos").await;
    assert_eq!(h1(&html), "Avisos");
    assert_eq!(count(&html, ".notice-item.unread"), 2);
    // The oldest notice is last; open it.
    let forms = attrs(&html, "form[action$='/abrir']", "action");
    assert_eq!(forms.len(), 2);
    let res = app
        .submit(&forms[1], &[("csrf_token", csrf_token(&html).as_str())])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        format!("/tramites/{first}")
    );
    let (_, html) = app.page("/avisos").await;
    assert_eq!(count(&html, ".notice-item.unread"), 1);
    assert_eq!(text(&html, "header .bell .bell-count"), "1");
    // Without the form's token nothing happens.
    let res = app
        .submit(&forms[0], &[("csrf_token", "no-es-el-token")])
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .submit(
            "/avisos/leer-todos",
            &[("csrf_token", csrf_token(&html).as_str())],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = app.page("/avisos?aviso=leidos").await;
    assert_eq!(count(&html, "header .bell .bell-count"), 0);
    assert_eq!(
        notice(&html).as_deref(),
        Some("Todos los avisos quedaron marcados como leídos.")
    );
}

#[tokio::test]
async fn admins_preview_every_kind_of_notice_and_others_may_not() {
    let (app, _) = app_at(WEDNESDAY).await;
    app.user(
        "jefa@regioncajamarca.gob.pe",
        Role::Admin,
        "clave-de-prueba-1",
    )
    .await;
    app.log_in_browser("jefa@regioncajamarca.gob.pe", "clave-de-prueba-1")
        .await;
    let (status, html) = app.page("/admin/avisos").await;
    assert_eq!(status, 200);
    let links = attrs(
        &html,
        "td a[href^='/admin/avisos/']:not([href*='formato'])",
        "href",
    );
    assert_eq!(links.len(), domain::notice::NoticeKind::ALL.len());
    let (status, mail) = app.page("/admin/avisos/ticket_approved").await;
    assert_eq!(status, 200);
    assert!(mail.contains("viernes 04/12/2026 a las 16:30"), "{mail}");
    let (status, _) = app.page("/admin/avisos/no_existe").await;
    assert_eq!(status, 404);

    let other = crate::helpers::new_browser();
    app.user(
        "ana@regioncajamarca.gob.pe",
        Role::Solicitante,
        "clave-de-prueba-1",
    )
    .await;
    app.sign_in(&other, "ana@regioncajamarca.gob.pe", "clave-de-prueba-1")
        .await;
    let res = other.get(app.url("/admin/avisos")).send().await.unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn the_batch_tells_each_requester_the_cut_off_their_ticket_went_with() {
    let (app, clock) = app_at(WEDNESDAY).await;
    let requester = app.token_for(Role::Solicitante).await;
    let analyst = app.token_for(Role::Analista).await;
    let id = submitted(&app, &requester, "41111111").await.0;
    approved(&app, &analyst, &id).await;
    // The job closes Friday's batch a few minutes late.
    let late = at("2026-12-04T16:37:00-05:00");
    clock.set(late);
    jobs::batch::run_once(&app.app, late).await.unwrap();
    let items = notices(&app, &requester).await;
    assert_eq!(items[0]["kind"], "sent_to_reniec");
    assert_eq!(items[0]["ticket_id"], id.as_str());
    assert!(
        items[0]["body"]
            .as_str()
            .unwrap()
            .ends_with("en el lote del viernes 04/12/2026 a las 16:30."),
        "{}",
        items[0]["body"]
    );
}
