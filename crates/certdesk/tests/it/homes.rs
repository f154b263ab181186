//! Each role's home (`/`) lists what that person has to do, from real data: a requester's
//! observed tickets, drafts and running deadlines; an analyst's queue, next batch and
//! missing RENIEC results; an admin's access requests, undelivered mail and jobs.

use std::sync::Arc;

use certdesk::{
    app::{
        job_runs::{self, Job},
        AppConfig,
    },
    jobs,
    mail::smtp::SmtpSender,
};
use domain::{certificate::CertificateState, role::Role};
use jiff::civil::date;
use serde_json::{json, Value};

use crate::{
    helpers::{
        access_request, act_ok, app_at, at, doc, submitted, text_of, Find, Person, TestApp,
        WEDNESDAY,
    },
    smtp_server::SmtpServer,
};

/// Their home page, parsed.
async fn home_of(app: &TestApp, who: &Person) -> scraper::Html {
    let (status, html) = who.page(app, "/").await;
    assert_eq!(status, 200);
    doc(&html)
}

#[tokio::test]
async fn an_observed_ticket_shows_on_its_requesters_home_with_the_observation_and_not_on_anothers()
{
    let (app, clock) = app_at(WEDNESDAY).await;
    let mut maria = Person::sign_up(&app, "maria@regioncajamarca.gob.pe", Role::Solicitante).await;
    let other = Person::sign_up(&app, "otro@regioncajamarca.gob.pe", Role::Solicitante).await;
    let analyst = Person::sign_up(&app, "analista@regioncajamarca.gob.pe", Role::Analista).await;

    let (observed, observed_number) = submitted(&app, &maria.token, "41234567").await;
    act_ok(&app, &analyst.token, &observed, "take", json!({})).await;
    act_ok(
        &app,
        &analyst.token,
        &observed,
        "observe",
        json!({"comment": "La foto tiene lentes: suba otra sin lentes."}),
    )
    .await;
    let draft = app.open_ticket(&maria.token, "reemision", Some("a")).await;
    let draft_number = draft["number"].as_str().unwrap();
    // Delivered 30/11/2026: the download deadline is 30/12/2026, 28 days from today.
    app.certificate(
        &maria.token,
        CertificateState::PendienteDescarga,
        Some(date(2028, 11, 30)),
    )
    .await;
    app.certificate(
        &maria.token,
        CertificateState::Instalado,
        Some(date(2026, 12, 7)),
    )
    .await;
    // Far from expiring: not a thing to do yet.
    app.certificate(
        &maria.token,
        CertificateState::Instalado,
        Some(date(2027, 6, 1)),
    )
    .await;

    let home = home_of(&app, &maria).await;
    let observed_card = home.one("#pendiente-observados");
    assert_eq!(
        observed_card.attrs("a", "href"),
        [format!("/tramites/{observed}")]
    );
    assert!(observed_card.text_at("a").contains(&observed_number));
    assert_eq!(
        observed_card.text_at(".observation"),
        "Observación: La foto tiene lentes: suba otra sin lentes."
    );
    let drafts = home.one("#pendiente-borradores");
    assert_eq!(
        drafts.attrs("a", "href"),
        [format!("/tramites/{}", draft["id"].as_str().unwrap())]
    );
    assert!(drafts.text_at("a").contains(draft_number));
    // Soonest first, days counted in Lima's calendar, the action beside each.
    let deadlines = home.one("#pendiente-plazos").texts("li");
    assert_eq!(deadlines.len(), 2, "{deadlines:?}");
    assert!(
        deadlines[0].contains("caduca el 07/12/2026, quedan 5 días."),
        "{deadlines:?}"
    );
    assert!(deadlines[0].ends_with("Solicitar la renovación"));
    assert!(
        deadlines[1].contains("hasta el 30/12/2026, quedan 28 días."),
        "{deadlines:?}"
    );
    assert!(deadlines[1].ends_with("Solicitar la instalación"));
    assert!(home.count(".empty-state") == 0);
    // Nobody else's home mentions María's tickets.
    let theirs = home_of(&app, &other).await;
    assert_eq!(theirs.count("#pendiente-observados"), 0);
    assert_eq!(theirs.count("#pendiente-borradores"), 0);
    assert!(!theirs.root_element().html().contains(&observed_number));
    assert!(theirs
        .text_at(".empty-state")
        .contains("No tiene nada pendiente."));
    assert_eq!(theirs.count("#pendiente-cola"), 0, "no analyst section");
    // Late in the evening of Sunday 06/12 in Lima (already Monday in UTC): one day left.
    clock.set(at("2026-12-06T22:30:00-05:00"));
    maria.sign_in_again(&app).await;
    let home = home_of(&app, &maria).await;
    let deadlines = home.one("#pendiente-plazos").texts("li");
    assert!(deadlines[0].contains("queda 1 día."), "{deadlines:?}");
    clock.set(at("2026-12-07T08:00:00-05:00"));
    maria.sign_in_again(&app).await;
    let deadlines = home_of(&app, &maria)
        .await
        .one("#pendiente-plazos")
        .texts("li");
    assert!(
        deadlines[0].contains("hoy es el último día."),
        "{deadlines:?}"
    );
    // Once the requester corrects and resubmits, the observation leaves the home.
    let res = app
        .post_json(
            &format!("/api/v1/tickets/{observed}/submit"),
            Some(&maria.token),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        home_of(&app, &maria).await.count("#pendiente-observados"),
        0
    );
}

#[tokio::test]
async fn the_analysts_home_counts_the_queue_the_next_batch_and_missing_results() {
    let (app, clock) = app_at(WEDNESDAY).await;
    let requester = Person::sign_up(&app, "maria@regioncajamarca.gob.pe", Role::Solicitante).await;
    let mut analyst =
        Person::sign_up(&app, "analista@regioncajamarca.gob.pe", Role::Analista).await;
    let mut admin = Person::sign_up(&app, "admin@regioncajamarca.gob.pe", Role::Admin).await;

    let empty = home_of(&app, &analyst).await;
    assert_eq!(
        empty.one("#pendiente-cola").text_at(".todo-none"),
        "La cola está vacía."
    );
    let mut tickets = Vec::new();
    for (n, dni) in ["41234567", "42345678", "43456789", "44567890"]
        .iter()
        .enumerate()
    {
        clock.set(at(WEDNESDAY) + jiff::SignedDuration::from_mins(5 * n as i64));
        tickets.push(submitted(&app, &requester.token, dni).await);
    }
    clock.set(at("2026-12-02T11:00:00-05:00"));
    // The second and third are approved, out of turn: their applicants go in Friday's batch.
    for (id, _) in &tickets[1..3] {
        let reason = json!({"reason": "Renovación urgente por viaje."});
        act_ok(&app, &analyst.token, id, "take", reason).await;
        act_ok(&app, &analyst.token, id, "approve", json!({})).await;
    }

    let home = home_of(&app, &analyst).await;
    let queue = home.one("#pendiente-cola");
    assert_eq!(queue.texts(".todo-count"), ["2"]);
    let oldest = queue.one("#pendiente-mas-antiguo");
    assert_eq!(
        oldest.attrs("a", "href"),
        [format!("/analista/tramites/{}", tickets[0].0)]
    );
    assert!(
        oldest.text_at("a").contains(&tickets[0].1),
        "the first to arrive is the oldest"
    );
    assert!(text_of(oldest).contains("llegó el 02/12/2026 10:00 (hace 1 h)"));
    let batch = home.one("#pendiente-lote");
    assert!(text_of(batch).contains("Corte: viernes 04/12/2026 a las 16:30."));
    assert_eq!(batch.texts(".todo-count"), ["2"]);
    assert_eq!(
        home.one("#pendiente-resultados").text_at(".todo-none"),
        "Todos los lotes enviados tienen sus resultados."
    );
    assert_eq!(
        home.count("#pendiente-solicitudes"),
        0,
        "analysts are not admins"
    );

    // Friday after the cut-off the batch is closed; RENIEC has not answered anyone yet.
    clock.set(at("2026-12-04T16:31:00-05:00"));
    analyst.sign_in_again(&app).await;
    admin.sign_in_again(&app).await;
    let res = app
        .post_json("/api/v1/batches/close", Some(&analyst.token), &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let closed: Value = res.json().await.unwrap();
    let batch_id = closed["id"].as_str().unwrap();
    let items = closed["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let missing = home_of(&app, &analyst).await;
    let missing = missing.one("#pendiente-resultados");
    assert_eq!(
        missing.attrs("a", "href"),
        [format!("/analista/lotes/{batch_id}")]
    );
    assert_eq!(
        missing.texts("li"),
        ["Lote del viernes 04/12/2026 a las 16:30: faltan 2 resultados."]
    );
    let applicant = items[0]["applicant_id"].as_str().unwrap();
    let res = app
        .post_json(
            &format!("/api/v1/applicants/{applicant}/reniec-result"),
            Some(&analyst.token),
            &json!({"approved": true, "delivery_sent_on": "2026-12-04"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let home = home_of(&app, &analyst).await;
    assert_eq!(
        home.one("#pendiente-resultados").texts("li"),
        ["Lote del viernes 04/12/2026 a las 16:30: falta 1 resultado."]
    );
    // Nobody is programmed for the next cut-off any more.
    assert!(text_of(home.one("#pendiente-lote")).contains("Nadie está programado para ese lote."));
    // An admin is an analyst too: both sections, the same counts.
    let admins = home_of(&app, &admin).await;
    assert_eq!(admins.count("#pendiente-solicitudes"), 1);
    assert_eq!(admins.one("#pendiente-cola").texts(".todo-count"), ["2"]);
    assert_eq!(
        admins.one("#pendiente-resultados").texts("li"),
        ["Lote del viernes 04/12/2026 a las 16:30: falta 1 resultado."]
    );
}

#[tokio::test]
async fn the_admins_home_shows_pending_requests_failed_mail_and_the_jobs_health() {
    let (app, clock) = app_at(WEDNESDAY).await;
    let admin = Person::sign_up(&app, "admin@regioncajamarca.gob.pe", Role::Admin).await;

    let calm = home_of(&app, &admin).await;
    assert_eq!(
        calm.one("#pendiente-solicitudes").text_at(".todo-none"),
        "No hay solicitudes pendientes."
    );
    assert_eq!(
        calm.one("#pendiente-correos").text_at(".todo-none"),
        "No hay correos fallidos ni en reintento."
    );
    let states = calm.one("#pendiente-tareas").texts("tbody .job-state");
    assert!(
        states.iter().all(|s| s == "Sin ejecuciones registradas"),
        "{states:?}"
    );

    // Two people ask for access: each gets a "we received it" mail. One address is
    // refused for good by the SMTP server.
    for email in [
        "rechazado@regioncajamarca.gob.pe",
        "carmen.tello@regioncajamarca.gob.pe",
    ] {
        let res = app
            .post_json("/api/v1/access-requests", None, &access_request(email))
            .await;
        assert_eq!(res.status(), 201);
    }
    let server = SmtpServer::start();
    let sender = SmtpSender::from_url(&server.url()).unwrap();
    let mut delivering = app.app.clone();
    delivering.config = Arc::new(AppConfig {
        mail_from: Some("Mesa de Servicios <mesa@regioncajamarca.gob.pe>".to_owned()),
        ..(*app.app.config).clone()
    });
    let report = jobs::outbox::run_once(&delivering, &sender, app.app.now())
        .await
        .unwrap();
    assert_eq!(report.failed, 1);
    assert_eq!(report.retried, 0);

    // The background loop runs every job once on start, and records each run.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let loop_app = app.app.clone();
    let jobs_loop = tokio::spawn(jobs::run_all(loop_app, stopped));
    for _ in 0..100 {
        let mut conn = app.app.store.conn().await.unwrap();
        let runs = certdesk::store::job_runs::all(&mut conn).await.unwrap();
        if runs.len() == 6 {
            break;
        }
        drop(conn);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    stop.send(true).unwrap();
    jobs_loop.await.unwrap();

    let home = home_of(&app, &admin).await;
    let requests = home.one("#pendiente-solicitudes");
    assert_eq!(requests.texts(".todo-count"), ["2"]);
    let names = requests.texts(".todo-items li");
    assert_eq!(names.len(), 2);
    assert!(names[0].contains("rechazado@regioncajamarca.gob.pe"));
    assert!(
        names[0].contains("recibida el 02/12/2026 10:00"),
        "{names:?}"
    );
    assert_eq!(requests.attrs("a", "href"), ["/admin/solicitudes"; 2]);
    // The access request list shows dates as people read them, never ISO.
    let res = admin
        .browser
        .get(app.url("/admin/solicitudes"))
        .send()
        .await
        .unwrap();
    let list = doc(&res.text().await.unwrap());
    let facts = list.texts(".request-list dd");
    assert!(facts.contains(&"01/02/2024".to_owned()), "{facts:?}");
    assert!(facts.contains(&"02/12/2026 10:00".to_owned()), "{facts:?}");
    assert!(facts.iter().all(|f| !f.contains("2024-02-01")), "{facts:?}");
    let mail = home.one("#pendiente-correos");
    assert_eq!(mail.texts(".todo-count"), ["1"]);
    let failed = mail.texts(".todo-items li");
    assert_eq!(failed.len(), 1, "only the refused one: {failed:?}");
    assert!(failed[0].starts_with("Fallido"));
    assert!(failed[0].contains("rechazado@regioncajamarca.gob.pe"));
    assert!(failed[0].contains("550"), "{failed:?}");
    let jobs_card = home.one("#pendiente-tareas");
    let row_of = |label: &str| -> String {
        jobs_card
            .all("tbody tr")
            .into_iter()
            .find(|tr| tr.text_at("th").starts_with(label))
            .map(|tr| tr.text_at(".job-state"))
            .unwrap_or_else(|| panic!("no row {label}"))
    };
    assert_eq!(row_of(Job::Batch.label()), "Al día");
    assert_eq!(row_of(Job::Housekeeping.label()), "Al día");
    assert_eq!(row_of(Job::QueueSummary.label()), "Al día");
    assert_eq!(row_of(Job::Retention.label()), "Al día");
    assert_eq!(row_of(Job::Outbox.label()), "Sin ejecuciones registradas");
    assert_eq!(
        jobs_card.text_at(".todo-none"),
        "Ninguna tarea atrasada ni con fallos."
    );

    // An hour without the loop: the batch job (every 20 s) is late, the hourly ones are not.
    clock.set(app.app.now() + jiff::SignedDuration::from_hours(1));
    // A failed run of the reminders, as the loop records it.
    let started = app.app.now();
    let failure: anyhow::Result<()> = Err(anyhow::anyhow!("la base de datos no respondió"));
    job_runs::record(&app.app, Job::Reminders, started, &failure).await;
    let home = home_of(&app, &admin).await;
    let jobs_card = home.one("#pendiente-tareas");
    let row_of = |label: &str| {
        jobs_card
            .all("tbody tr")
            .into_iter()
            .find(|tr| tr.text_at("th").starts_with(label))
            .unwrap_or_else(|| panic!("no row {label}"))
    };
    assert_eq!(row_of(Job::Batch.label()).text_at(".job-state"), "Atrasada");
    assert_eq!(
        row_of(Job::Housekeeping.label()).text_at(".job-state"),
        "Al día"
    );
    let reminders = row_of(Job::Reminders.label());
    assert_eq!(
        reminders.text_at(".job-state"),
        "Falló en su última ejecución"
    );
    assert_eq!(
        reminders.text_at(".todo-error"),
        "la base de datos no respondió"
    );
    assert_eq!(jobs_card.texts(".todo-count"), ["2"]);
}
