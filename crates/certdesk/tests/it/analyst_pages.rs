//! The analysts' pages, driven as a browser would (cookies, CSRF tokens, plain form posts):
//! the queue in FIFO order, the review page and its actions, the batch page with its
//! package, RENIEC results, installation and cancellation, certificates' public part, and
//! requesters refused on every `/analista/…` page.

use domain::{certificate::CertificateState, role::Role};
use jiff::SignedDuration;
use reqwest::Client;
use serde_json::{json, Value};
use sqlx::{Connection, Executor, SqliteConnection};

use crate::helpers::{
    app_at, at, attr, attrs, backend_name, count, csrf_token, doc, error_summary, field_error, h1,
    history, location, new_browser, notice, review, submitted, text, texts, ticket_json,
    title_badge, Find, Person, TestApp, PASSWORD, WEDNESDAY,
};

/// Just after the cut-off that follows `WEDNESDAY`.
const FRIDAY_AFTER_CUTOFF: &str = "2026-12-04T16:31:00-05:00";

const ANALYST: &str = "analista@regioncajamarca.gob.pe";
const REQUESTER: &str = "solicitante@regioncajamarca.gob.pe";

/// The buttons offered in the review page's actions column, in order.
fn action_buttons(html: &str) -> Vec<String> {
    texts(html, "aside.review-actions form button")
}

/// The applicant id of a review card (`solicitante-{id}`).
fn card_applicant(card: &scraper::ElementRef<'_>) -> String {
    card.value()
        .id()
        .and_then(|id| id.strip_prefix("solicitante-"))
        .unwrap()
        .to_owned()
}

/// Takes and approves a ticket through the review page.
async fn take_and_approve(app: &TestApp, analyst: &Person, id: &str) {
    let page = review(id);
    let res = analyst
        .post(app, &page, &format!("{page}/atender"), &[])
        .await;
    assert_eq!(res.status(), 303);
    // Approval asks the analyst to confirm the review and "sin lentes" (issue 11).
    let res = analyst
        .post(
            app,
            &page,
            &format!("{page}/aprobar"),
            &[("revisado", "si"), ("sin_lentes", "si")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).contains("aviso=aprobado"));
}

/// One row of the queue table.
#[derive(Debug)]
struct QueueRow {
    place: String,
    number: String,
    href: String,
    requester: String,
    arrived: String,
    status: String,
    analyst: String,
    mine: bool,
}

/// The rows of the queue table, top to bottom.
fn queue_rows(html: &str) -> Vec<QueueRow> {
    let page = doc(html);
    page.all("main table.queue-table > tbody > tr")
        .into_iter()
        .map(|tr| QueueRow {
            place: tr.text_at("td.cell-pos"),
            number: tr.text_at("th.cell-number"),
            href: tr.attrs("th.cell-number a", "href").remove(0),
            requester: tr.text_at("td.cell-who"),
            arrived: tr.text_at("td.cell-date"),
            status: tr.text_at("td.cell-status .status"),
            analyst: tr.text_at("td.cell-analyst"),
            mine: tr.value().classes().any(|c| c == "row-mine"),
        })
        .collect()
}

#[tokio::test]
async fn the_queue_page_lists_open_tickets_first_come_first_served() {
    let (app, clock) = app_at(WEDNESDAY).await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    let mut numbers = Vec::new();
    for dni in ["41111111", "42222222", "43333333"] {
        numbers.push(submitted(&app, &requester.token, dni).await.1);
        clock.advance(SignedDuration::from_mins(7));
    }

    let (status, html) = analyst.page(&app, "/analista/cola").await;
    assert_eq!(status, 200);
    assert_eq!(h1(&html), "Cola de atención");
    // The analysts' menu.
    for entry in [
        "href=\"/analista/cola\" aria-current=\"page\">Cola<",
        ">Lote RENIEC<",
        ">Certificados<",
    ] {
        assert!(html.contains(entry), "menu entry {entry}");
    }
    let menu = texts(&html, "nav.site-nav a");
    for entry in ["Cola", "Lote RENIEC", "Certificados"] {
        assert!(
            menu.iter().any(|m| m == entry),
            "menu entry {entry}: {menu:?}"
        );
    }
    assert_eq!(
        texts(&html, "nav.site-nav a[aria-current=page]"),
        vec!["Cola"]
    );
    // Oldest first, each with its place, arrival time (dd/mm/aaaa) and a link to review it.
    let places: Vec<usize> = numbers
        .iter()
        .map(|n| html.find(n.as_str()).unwrap())
        .collect();
    assert!(places.windows(2).all(|w| w[0] < w[1]), "FIFO order");
    assert!(html.contains("<th scope=\"col\" class=\"num\">N°</th>"));
    assert!(html.contains("02/12/2026 10:00"));
    assert!(html.contains("02/12/2026 10:14"));
    assert!(html.contains("data-label=\"N°\">3</td>"));
    assert!(html.contains("href=\"/analista/tramites/"));
    assert!(html.contains("Persona de Prueba"), "the requester");
    let rows = queue_rows(&html);
    assert_eq!(
        rows.iter().map(|r| r.number.as_str()).collect::<Vec<_>>(),
        numbers.iter().map(String::as_str).collect::<Vec<_>>(),
        "FIFO order"
    );
    assert_eq!(
        rows.iter().map(|r| r.place.as_str()).collect::<Vec<_>>(),
        ["1", "2", "3"]
    );
    for (row, arrived) in
        rows.iter()
            .zip(["02/12/2026 10:00", "02/12/2026 10:07", "02/12/2026 10:14"])
    {
        assert!(row.arrived.starts_with(arrived), "{row:?}");
        assert!(row.href.starts_with("/analista/tramites/"), "{row:?}");
        assert_eq!(row.requester, "Persona de Prueba");
        assert_eq!(row.status, "Enviado");
        assert_eq!(row.analyst, "—");
    }

    // Taken tickets keep their place, with the analyst's name; filters by status and kind.
    let (first_id, first_number) = {
        let queue: Value = app
            .get("/api/v1/queue", Some(&analyst.token))
            .await
            .json()
            .await
            .unwrap();
        (
            queue["items"][0]["id"].as_str().unwrap().to_owned(),
            queue["items"][0]["number"].as_str().unwrap().to_owned(),
        )
    };
    let res = analyst
        .post(
            &app,
            &review(&first_id),
            &format!("{}/atender", review(&first_id)),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = analyst.page(&app, "/analista/cola").await;
    assert!(html.find(numbers[0].as_str()).unwrap() < html.find(numbers[1].as_str()).unwrap());
    assert!(html.contains("<strong>Usted</strong>"));
    let rows = queue_rows(&html);
    assert_eq!(rows[0].number, first_number);
    assert_eq!(
        rows.iter().map(|r| r.number.as_str()).collect::<Vec<_>>(),
        numbers.iter().map(String::as_str).collect::<Vec<_>>(),
        "a taken ticket keeps its place"
    );
    assert_eq!(
        rows.iter()
            .map(|r| (r.analyst.as_str(), r.status.as_str(), r.mine))
            .collect::<Vec<_>>(),
        [
            ("Usted", "En atención", true),
            ("—", "Enviado", false),
            ("—", "Enviado", false)
        ]
    );
    let (status, taken) = analyst
        .page(&app, "/analista/cola?tipo=&estado=en_atencion")
        .await;
    assert_eq!(status, 200);
    assert!(taken.contains(numbers[0].as_str()));
    assert!(!taken.contains(numbers[1].as_str()));
    assert!(taken.contains("<option value=\"en_atencion\" selected>"));
    assert_eq!(
        queue_rows(&taken)
            .iter()
            .map(|r| r.number.as_str())
            .collect::<Vec<_>>(),
        [numbers[0].as_str()]
    );
    assert_eq!(
        attrs(
            &taken,
            "form.filters select#estado option[selected]",
            "value"
        ),
        vec!["en_atencion"]
    );
    assert_eq!(
        attrs(&taken, "form.filters select#tipo option[selected]", "value"),
        Vec::<String>::new()
    );
    // The place shown is the place in the whole queue, filters or not.
    let (_, waiting) = analyst.page(&app, "/analista/cola?estado=enviado").await;
    assert!(waiting.contains("data-label=\"N°\">2</td>"));
    assert!(!waiting.contains("data-label=\"N°\">1</td>"));
    assert_eq!(
        queue_rows(&waiting)
            .iter()
            .map(|r| (r.place.as_str(), r.number.as_str()))
            .collect::<Vec<_>>(),
        [("2", numbers[1].as_str()), ("3", numbers[2].as_str())]
    );
    let (_, none) = analyst.page(&app, "/analista/cola?tipo=cancelacion").await;
    assert!(none.contains("No hay trámites con esos filtros."));
    assert!(queue_rows(&none).is_empty());
    assert!(text(&none, "main .empty-state").starts_with("No hay trámites con esos filtros."));
    let (status, bad) = analyst.page(&app, "/analista/cola?estado=programado").await;
    assert_eq!(status, 422);
    assert!(bad.contains("Elija «Enviado» o «En atención»."));
    // The error is beside the status filter (which says so to assistive technology) and
    // in the summary.
    let page = doc(&bad);
    let filter = page.one("form.filters .filter.has-error");
    assert_eq!(filter.count("select#estado"), 1);
    assert_eq!(
        field_error(&bad, "estado"),
        "Elija «Enviado» o «En atención»."
    );
    let summary = error_summary(&bad);
    assert_eq!(summary.len(), 1, "{summary:?}");
    assert_eq!(summary[0].0, "#estado");
    assert!(
        summary[0].1.ends_with("Elija «Enviado» o «En atención»."),
        "{summary:?}"
    );
}

#[tokio::test]
async fn the_queue_pages_by_keyset_in_the_same_order() {
    let (app, clock) = app_at(WEDNESDAY).await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    // 51 tickets, one more than a page (cancellations: quick to make, no images).
    let cert = requesters_certificate(&app, &requester).await;
    let mut last = String::new();
    for _ in 0..51 {
        let id = named_ticket(&app, &requester, "cancelacion", Some("g"), &cert).await;
        last = ticket_json(&app, &requester.token, &id).await["number"]
            .as_str()
            .unwrap()
            .to_owned();
        clock.advance(SignedDuration::from_secs(30));
    }
    let (_, first) = analyst.page(&app, "/analista/cola").await;
    assert!(!first.contains(last.as_str()));
    let rows = queue_rows(&first);
    assert_eq!(rows.len(), 50);
    assert_eq!(rows[0].place, "1");
    assert_eq!(rows[49].place, "50");
    let next =
        attr(&first, "a[href^='/analista/cola?despues=']", "href").expect("a next-page link");
    // The link is the pager's "next", and the first page has no way back.
    assert_eq!(attrs(&first, "main p.pager a", "href"), vec![next.clone()]);
    assert_eq!(
        texts(&first, "main p.pager a"),
        vec!["Siguientes en la cola →"]
    );
    let (status, second) = analyst.page(&app, &next).await;
    assert_eq!(status, 200);
    assert!(second.contains(last.as_str()));
    assert!(second.contains("data-label=\"N°\">51</td>"));
    assert!(second.contains("Volver al inicio de la cola"));
    let rows = queue_rows(&second);
    assert_eq!(
        rows.iter()
            .map(|r| (r.place.as_str(), r.number.as_str()))
            .collect::<Vec<_>>(),
        [("51", last.as_str())]
    );
    assert_eq!(
        texts(&second, "main p.pager a"),
        vec!["← Volver al inicio de la cola"]
    );
}

#[tokio::test]
async fn observing_needs_a_comment_next_to_the_field_and_then_returns_the_ticket() {
    let (app, _) = app_at(WEDNESDAY).await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    let (id, number) = submitted(&app, &requester.token, "41111111").await;
    let page = review(&id);

    // Everything needed to judge, and only "Atender" for now.
    let (status, html) = analyst.page(&app, &page).await;
    assert_eq!(status, 200);
    assert_eq!(h1(&html), format!("Trámite {number}"));
    assert_eq!(title_badge(&html), ("enviado".into(), "Enviado".into()));
    let card = doc(&html);
    let card = card.one("article.applicant-review");
    assert_eq!(card.text_at("h3"), "Tello Vásquez, Carmen Rosa");
    let facts: Vec<String> = card.texts("dl.facts > dd");
    for fact in [
        "14/05/2019",
        "ctello@regioncajamarca.gob.pe",
        "Asistente administrativo",
        "Oficina de Recursos Humanos",
    ] {
        assert!(facts.iter().any(|f| f == fact), "{fact} in {facts:?}");
    }
    assert!(facts[0].starts_with("41111111"), "{facts:?}");
    let applicant = card_applicant(&card);
    assert_eq!(
        card.attrs("img[width='150'][height='200']", "src"),
        vec![format!("/api/v1/applicants/{applicant}/photo")]
    );
    assert_eq!(
        card.attrs("img", "src")[1],
        format!("/api/v1/applicants/{applicant}/signature")
    );
    assert_eq!(action_buttons(&html), vec!["Atender este trámite"]);
    assert_eq!(text(&html, "#historial"), "Historial");
    for text in [
        number.as_str(),
        "Tello Vásquez, Carmen Rosa",
        "41111111",
        "14/05/2019",
        "ctello@regioncajamarca.gob.pe",
        "Asistente administrativo",
        "Oficina de Recursos Humanos",
        "width=\"150\" height=\"200\"",
        "/photo\"",
        "/signature\"",
        "Atender este trámite",
        "Historial",
    ] {
        assert!(html.contains(text), "review page shows {text}");
    }
    assert!(!html.contains("Observar y devolver"));
    // Observing before taking is a conflict, shown on the page.
    let res = analyst
        .post(
            &app,
            &page,
            &format!("{page}/observar"),
            &[("comment", "Foto antigua")],
        )
        .await;
    assert_eq!(res.status(), 409);
    let html = res.text().await.unwrap();
    assert!(html.contains("role=\"alert\""));
    assert!(html.contains("No se pudo completar la acción."));
    assert!(text(&html, "main .alert[role=alert]").starts_with("No se pudo completar la acción."));
    assert_eq!(action_buttons(&html), vec!["Atender este trámite"]);

    let res = analyst
        .post(&app, &page, &format!("{page}/atender"), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("{page}?aviso=atendido#contenido"));
    let (_, html) = analyst.page(&app, &location(&res)).await;
    assert!(html.contains("Ahora usted atiende este trámite."));
    assert!(html.contains("Observar y devolver"));
    assert!(html.contains(">Aprobar</button>"));
    assert!(html.contains(">Rechazar</button>"));
    assert!(
        html.contains("viernes 04/12/2026 a las 16:30"),
        "next cut-off"
    );
    assert!(notice(&html)
        .unwrap()
        .starts_with("Ahora usted atiende este trámite."));
    assert_eq!(
        title_badge(&html),
        ("en_atencion".into(), "En atención".into())
    );
    assert_eq!(
        action_buttons(&html),
        vec![
            "Aprobar",
            "Observar y devolver",
            "Rechazar",
            "Devolver a la cola"
        ]
    );
    assert_eq!(
        text(
            &html,
            &format!("form[action^='{page}/aprobar'] p.hint strong")
        ),
        "viernes 04/12/2026 a las 16:30",
        "next cut-off"
    );

    // An empty comment: the error next to the field and in the summary, nothing moved.
    let res = analyst
        .post(
            &app,
            &page,
            &format!("{page}/observar"),
            &[("comment", "   ")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("class=\"error-summary\""));
    assert!(html.contains("href=\"#comentario\">Observación:"));
    assert!(html.contains("id=\"comentario-error\""));
    assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"comentario-error\""));
    let summary = error_summary(&html);
    assert_eq!(summary.len(), 1, "{summary:?}");
    assert_eq!(summary[0].0, "#comentario");
    let beside = field_error(&html, "comentario");
    assert!(!beside.is_empty());
    assert_eq!(summary[0].1, format!("Observación: {beside}"));
    // The error is in the observe form, not in another action's.
    assert_eq!(
        count(
            &html,
            &format!("form[action^='{page}/observar'] #comentario-error")
        ),
        1
    );
    let detail = ticket_json(&app, &analyst.token, &id).await;
    assert_eq!(detail["status"], "en_atencion");

    // With a comment the ticket goes back to its requester, who reads the observation.
    let res = analyst
        .post(
            &app,
            &page,
            &format!("{page}/observar"),
            &[("comment", "La foto no es actual.")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).contains("aviso=observado"));
    let (_, html) = analyst.page(&app, &location(&res)).await;
    assert!(html.contains("Trámite observado"));
    assert!(html.contains("La foto no es actual."), "in the history");
    assert!(html.contains("Nada pendiente en este estado."));
    assert!(notice(&html).unwrap().starts_with("Trámite observado"));
    assert_eq!(title_badge(&html), ("observado".into(), "Observado".into()));
    assert_eq!(
        history(&html).last().cloned(),
        Some((
            "Observó el trámite".to_owned(),
            Some("La foto no es actual.".to_owned())
        )),
        "in the history"
    );
    assert!(action_buttons(&html).is_empty());
    assert_eq!(
        texts(&html, "aside.review-actions p.muted"),
        vec!["Nada pendiente en este estado."]
    );
    let detail = ticket_json(&app, &analyst.token, &id).await;
    assert_eq!(detail["status"], "observado");
    let (_, html) = requester.page(&app, &format!("/tramites/{id}")).await;
    assert!(html.contains("La foto no es actual."));
    assert_eq!(
        text(&html, ".desk-note .desk-note-text"),
        "La foto no es actual."
    );
    let (_, queue) = analyst.page(&app, "/analista/cola").await;
    assert!(!queue.contains(number.as_str()));
    assert!(queue_rows(&queue).is_empty());
}

#[tokio::test]
async fn rejecting_needs_a_reason() {
    let (app, _) = app_at(WEDNESDAY).await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    let (id, _) = submitted(&app, &requester.token, "41111111").await;
    let page = review(&id);
    analyst
        .post(&app, &page, &format!("{page}/atender"), &[])
        .await;
    let res = analyst
        .post(&app, &page, &format!("{page}/rechazar"), &[("reason", "")])
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"motivo-rechazo-error\""));
    assert!(html.contains("href=\"#motivo-rechazo\">Motivo del rechazo:"));
    let beside = field_error(&html, "motivo-rechazo");
    assert!(!beside.is_empty());
    assert_eq!(
        error_summary(&html),
        vec![(
            "#motivo-rechazo".to_owned(),
            format!("Motivo del rechazo: {beside}")
        )]
    );
    assert_eq!(
        count(
            &html,
            &format!("form[action^='{page}/rechazar'] #motivo-rechazo-error")
        ),
        1
    );
    assert_eq!(
        title_badge(&html),
        ("en_atencion".into(), "En atención".into())
    );
    let res = analyst
        .post(
            &app,
            &page,
            &format!("{page}/rechazar"),
            &[("reason", "Ya tiene un certificado vigente.")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        ticket_json(&app, &analyst.token, &id).await["status"],
        "rechazado"
    );
}

#[tokio::test]
async fn approving_from_the_page_shows_the_dispatch_date_to_the_requester() {
    let (app, _) = app_at(WEDNESDAY).await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    let (id, _) = submitted(&app, &requester.token, "41111111").await;
    take_and_approve(&app, &analyst, &id).await;

    let (_, html) = analyst
        .page(&app, &format!("{}?aviso=aprobado", review(&id)))
        .await;
    assert!(html.contains("Trámite aprobado"));
    assert!(html.contains("Se enviará a RENIEC el viernes 04/12/2026 a las 16:30."));
    assert!(notice(&html).unwrap().starts_with("Trámite aprobado"));
    assert_eq!(
        title_badge(&html),
        ("programado".into(), "Programado".into())
    );
    assert_eq!(
        text(&html, "article.applicant-review .dispatch"),
        "Se enviará a RENIEC el viernes 04/12/2026 a las 16:30."
    );
    assert!(action_buttons(&html).is_empty());
    let (status, html) = requester.page(&app, &format!("/tramites/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Se enviará a RENIEC el viernes 04/12/2026 a las 16:30."));
    assert_eq!(
        text(&html, "section .applicant .dispatch"),
        "Se enviará a RENIEC el viernes 04/12/2026 a las 16:30."
    );
    // Approving twice is a conflict, said on the page.
    let page = review(&id);
    let res = analyst
        .post(
            &app,
            &page,
            &format!("{page}/aprobar"),
            &[("revisado", "si"), ("sin_lentes", "si")],
        )
        .await;
    assert_eq!(res.status(), 409);
    let html = res.text().await.unwrap();
    assert!(text(&html, "main .alert[role=alert]").starts_with("No se pudo completar la acción."));
    assert_eq!(
        title_badge(&html),
        ("programado".into(), "Programado".into())
    );
}

#[tokio::test]
async fn the_batch_page_closes_the_batch_and_its_package_downloads() {
    let (app, clock) = app_at(WEDNESDAY).await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    let (first, first_number) = submitted(&app, &requester.token, "41111111").await;
    clock.advance(SignedDuration::from_mins(3));
    let (second, second_number) = submitted(&app, &requester.token, "42222222").await;
    take_and_approve(&app, &analyst, &first).await;
    take_and_approve(&app, &analyst, &second).await;

    let (status, html) = analyst.page(&app, "/analista/lotes").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("viernes 04/12/2026 a las 16:30"),
        "next cut-off"
    );
    assert!(html.contains("<strong class=\"big-number\">2</strong> solicitantes"));
    assert!(html.contains("Es seguro pulsarlo dos veces"));
    assert_eq!(h1(&html), "Lote RENIEC");
    let facts = doc(&html);
    let facts = facts.one("section[aria-labelledby=esta-semana] dl.facts");
    assert_eq!(
        facts.texts("dd")[..2],
        ["viernes 04/12/2026 a las 16:30", "2 solicitantes"]
    );
    assert_eq!(
        texts(&html, "form[action='/analista/lotes/cerrar'] button"),
        vec!["Cerrar lote ahora"]
    );
    assert!(text(&html, "section[aria-labelledby=cerrados] p.muted")
        .starts_with("Aún no se cerró ningún lote."));

    // After the cut-off, "Cerrar lote ahora" closes it.
    clock.set(at(FRIDAY_AFTER_CUTOFF));
    // Two days later: a new working day, a new session.
    app.sign_in(&analyst.browser, ANALYST, PASSWORD).await;
    let res = analyst
        .post(&app, "/analista/lotes", "/analista/lotes/cerrar", &[])
        .await;
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert!(to.contains("aviso=cerrado"), "{to}");
    let batch_path = to.split('?').next().unwrap().to_owned();
    let batch_id = batch_path.trim_start_matches("/analista/lotes/").to_owned();
    let (status, html) = analyst.page(&app, &to).await;
    assert_eq!(status, 200);
    assert!(html.contains("Lote cerrado: 2 solicitante(s)"));
    assert!(html.contains("Lote del viernes 04/12/2026 a las 16:30"));
    assert!(html.contains(&format!("/api/v1/batches/{batch_id}/package.zip")));
    assert!(notice(&html)
        .unwrap()
        .starts_with("Lote cerrado: 2 solicitante(s)"));
    assert_eq!(h1(&html), "Lote del viernes 04/12/2026 a las 16:30");
    assert_eq!(
        attrs(&html, ".batch-head a[download]", "href"),
        vec![format!("/api/v1/batches/{batch_id}/package.zip")]
    );
    // Items in FIFO order, each linking to its ticket.
    let a = html.find("41111111").unwrap();
    let b = html.find("42222222").unwrap();
    assert!(a < b);
    // Each links to its applicant on the ticket's review page (issue 11).
    assert!(html.contains(&format!("href=\"/analista/tramites/{first}#solicitante-")));
    let page = doc(&html);
    let items = page.all("section[aria-labelledby=items] table tbody tr");
    assert_eq!(
        items
            .iter()
            .map(|tr| tr.texts("td")[..3].to_vec())
            .collect::<Vec<_>>(),
        [
            vec!["1".to_owned(), first_number.clone(), "41111111".to_owned()],
            vec!["2".to_owned(), second_number, "42222222".to_owned()]
        ]
    );
    assert!(items[0].attrs("a", "href")[0]
        .starts_with(&format!("/analista/tramites/{first}#solicitante-")));
    assert!(items[1].attrs("a", "href")[0]
        .starts_with(&format!("/analista/tramites/{second}#solicitante-")));
    assert_eq!(items[0].text_at("td a"), first_number);

    // Pressing again changes nothing and shows the same batch.
    let res = analyst
        .post(&app, "/analista/lotes", "/analista/lotes/cerrar", &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        location(&res),
        format!("{batch_path}?aviso=ya-cerrado#contenido")
    );
    let (_, list) = analyst.page(&app, "/analista/lotes").await;
    assert_eq!(list.matches("Descargar paquete (.zip)").count(), 1);
    assert!(list.contains("Lote cerrado"));
    let closed = doc(&list);
    let closed = closed.all("section[aria-labelledby=cerrados] table tbody tr");
    assert_eq!(closed.len(), 1, "one closed batch");
    assert_eq!(closed[0].attrs("th a", "href"), vec![batch_path.clone()]);
    assert_eq!(
        closed[0].attrs("a[download]", "href"),
        vec![format!("/api/v1/batches/{batch_id}/package.zip")]
    );
    assert_eq!(
        text(&list, "section[aria-labelledby=esta-semana] .status"),
        "Lote cerrado"
    );

    // The package downloads with the session cookie.
    let res = analyst
        .browser
        .get(app.url(&format!("/api/v1/batches/{batch_id}/package.zip")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/zip");
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"));
}

#[tokio::test]
async fn reniec_results_are_recorded_from_the_review_page() {
    let (app, clock) = app_at(WEDNESDAY).await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    let (id, _) = submitted(&app, &requester.token, "41111111").await;
    take_and_approve(&app, &analyst, &id).await;
    clock.set(at(FRIDAY_AFTER_CUTOFF));
    app.sign_in(&analyst.browser, ANALYST, PASSWORD).await;
    analyst
        .post(&app, "/analista/lotes", "/analista/lotes/cerrar", &[])
        .await;
    let detail = ticket_json(&app, &analyst.token, &id).await;
    assert_eq!(detail["status"], "enviado_reniec");
    let applicant = detail["applicants"][0]["id"].as_str().unwrap().to_owned();
    let page = review(&id);
    let (_, html) = analyst.page(&app, &page).await;
    assert!(html.contains("Respuesta de RENIEC para Tello Vásquez, Carmen Rosa"));
    assert!(html.contains("Registrar: aprobado por RENIEC"));
    let to = format!("{page}/solicitantes/{applicant}/resultado");
    // The two result forms sit in that applicant's card.
    let card_css = format!("article#solicitante-{applicant}");
    let card = doc(&html);
    let card = card.one(&card_css);
    assert_eq!(
        card.text_at(".result-forms h4"),
        "Respuesta de RENIEC para Tello Vásquez, Carmen Rosa"
    );
    assert_eq!(
        card.texts(&format!(".result-forms form[action^='{to}'] button")),
        vec![
            "Registrar: aprobado por RENIEC",
            "Registrar: rechazado por RENIEC"
        ]
    );
    assert_eq!(
        title_badge(&html),
        ("enviado_reniec".into(), "Enviado a RENIEC".into())
    );

    // Without the DCDelivery date: the error beside that applicant's date field.
    let res = analyst
        .post(
            &app,
            &page,
            &to,
            &[("resultado", "aprobado"), ("delivery_sent_on", "")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains(&format!("id=\"entrega-{applicant}-error\"")));
    assert!(html.contains(&format!(
        "href=\"#entrega-{applicant}\">Fecha del correo de DCDelivery:"
    )));
    let beside = field_error(&html, &format!("entrega-{applicant}"));
    assert_eq!(
        error_summary(&html),
        vec![(
            format!("#entrega-{applicant}"),
            format!("Fecha del correo de DCDelivery: {beside}")
        )]
    );
    assert_eq!(
        count(
            &html,
            &format!("article#solicitante-{applicant} form.result-ok #entrega-{applicant}-error")
        ),
        1
    );
    // A rejection needs RENIEC's reason.
    let res = analyst
        .post(
            &app,
            &page,
            &to,
            &[("resultado", "rechazado"), ("reason", " ")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains(&format!("id=\"motivo-reniec-{applicant}-error\"")));
    assert!(!field_error(&html, &format!("motivo-reniec-{applicant}")).is_empty());
    assert_eq!(
        count(
            &html,
            &format!("form.result-no #motivo-reniec-{applicant}-error")
        ),
        1
    );
    assert_eq!(count(&html, "form.result-ok .field-error"), 0);

    let res = analyst
        .post(
            &app,
            &page,
            &to,
            &[
                ("resultado", "aprobado"),
                ("delivery_sent_on", "2026-12-04"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).contains("aviso=atendido-reniec"));
    let (_, html) = analyst.page(&app, &location(&res)).await;
    assert!(html.contains("el trámite quedó atendido"));
    assert!(html.contains("Aprobado por RENIEC"));
    assert!(!html.contains("Registrar: aprobado por RENIEC"));
    assert!(notice(&html).unwrap().contains("el trámite quedó atendido"));
    assert_eq!(title_badge(&html), ("atendido".into(), "Atendido".into()));
    assert_eq!(
        text(
            &html,
            &format!("article#solicitante-{applicant} .title-with-badge .status")
        ),
        "Aprobado por RENIEC"
    );
    assert_eq!(count(&html, ".result-forms"), 0);
    assert_eq!(
        ticket_json(&app, &analyst.token, &id).await["status"],
        "atendido"
    );
    // The certificate is there, pending download until 03/01/2027.
    let (_, certs) = analyst.page(&app, "/analista/certificados").await;
    assert!(certs.contains("Pendiente de descarga"));
    assert!(certs.contains("hasta el 03/01/2027"));
    let rows = doc(&certs);
    let rows = rows.all("table.cert-table tbody tr");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].text_at("th"), "Tello Vásquez, Carmen Rosa");
    assert_eq!(
        rows[0].text_at(".status.cert-pendiente_descarga"),
        "Pendiente de descarga"
    );
    assert_eq!(rows[0].texts("td")[4], "hasta el 03/01/2027");
}

async fn requesters_certificate(app: &TestApp, requester: &Person) -> String {
    app.certificate(&requester.token, CertificateState::PendienteDescarga, None)
        .await
}

/// Opens and submits an instalacion or cancelacion ticket naming `cert`.
async fn named_ticket(
    app: &TestApp,
    requester: &Person,
    kind: &str,
    reason: Option<&str>,
    cert: &str,
) -> String {
    let res = app
        .post_json(
            "/api/v1/tickets",
            Some(&requester.token),
            &json!({"kind": kind, "reason": reason, "certificate_id": cert}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let ticket: Value = res.json().await.unwrap();
    let id = ticket["id"].as_str().unwrap().to_owned();
    let res = app
        .post_json(
            &format!("/api/v1/tickets/{id}/submit"),
            Some(&requester.token),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    id
}

#[tokio::test]
async fn an_installation_is_booked_then_completed_and_a_cancellation_records_its_reason() {
    let (app, _) = app_at(WEDNESDAY).await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    let cert = requesters_certificate(&app, &requester).await;
    let id = named_ticket(&app, &requester, "instalacion", None, &cert).await;
    let page = review(&id);
    let (_, html) = analyst.page(&app, &page).await;
    assert!(
        html.contains("Tello Vásquez, Carmen Rosa (DNI 10117410)"),
        "the certificate"
    );
    let strip = doc(&html);
    let strip = strip.one("dl.fact-strip");
    let certificate = strip
        .all("div.fact-wide")
        .into_iter()
        .find(|d| d.text_at("dt") == "Certificado")
        .unwrap()
        .text_at("dd");
    assert!(
        certificate.starts_with("Tello Vásquez, Carmen Rosa (DNI 10117410)"),
        "the certificate: {certificate}"
    );
    analyst
        .post(&app, &page, &format!("{page}/atender"), &[])
        .await;
    let (_, html) = analyst.page(&app, &page).await;
    assert!(html.contains("Registrar la cita"));
    assert!(html.contains("Registre la cita para poder completar la instalación."));
    assert!(!html.contains("Completar instalación</button>"));
    assert_eq!(
        action_buttons(&html),
        vec![
            "Registrar la cita",
            "Observar y devolver",
            "Rechazar",
            "Devolver a la cola"
        ]
    );
    assert_eq!(
        count(&html, &format!("form[action^='{page}/completar']")),
        0
    );

    // Completing before the appointment is refused beside the form.
    let res = analyst
        .post(
            &app,
            &page,
            &format!("{page}/completar"),
            &[("medium", "token"), ("ownership", "grc")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"form-completar-error\""));
    // The refusal sits where the completion form will be, below the appointment form.
    assert!(!text(
        &html,
        "aside.review-actions div#form-completar > #form-completar-error"
    )
    .is_empty());
    // The appointment needs a date and a time.
    let res = analyst
        .post(
            &app,
            &page,
            &format!("{page}/cita"),
            &[("date", "2026-12-03"), ("time", ""), ("note", "")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"cita-hora-error\""));
    assert!(
        html.contains("value=\"2026-12-03\""),
        "keeps what was typed"
    );
    assert!(!field_error(&html, "cita-hora").is_empty());
    assert_eq!(count(&html, "#cita-fecha-error"), 0);
    assert_eq!(
        attrs(&html, "input#cita-fecha", "value"),
        vec!["2026-12-03"],
        "keeps what was typed"
    );
    let res = analyst
        .post(
            &app,
            &page,
            &format!("{page}/cita"),
            &[
                ("date", "2026-12-03"),
                ("time", "10:30"),
                ("note", "Oficina de TI"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).contains("aviso=cita"));
    let (_, html) = analyst.page(&app, &page).await;
    assert!(html.contains("Cita de instalación: 03/12/2026 a las 10:30 — Oficina de TI"));
    assert!(html.contains("Completar instalación</button>"));
    assert_eq!(
        action_buttons(&html),
        vec![
            "Cambiar la cita",
            "Completar instalación",
            "Observar y devolver",
            "Rechazar",
            "Devolver a la cola"
        ]
    );

    // The medium is required; then the certificate is installed.
    let res = analyst
        .post(
            &app,
            &page,
            &format!("{page}/completar"),
            &[
                ("ownership", "grc"),
                ("serial", "TK-0099"),
                ("issued_on", "2026-12-01"),
                ("expires_on", "2028-11-30"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("href=\"#medio\">Medio:"));
    assert!(html.contains("value=\"grc\" checked"), "keeps the choice");
    let summary = error_summary(&html);
    assert_eq!(summary.len(), 1, "{summary:?}");
    assert_eq!(summary[0].0, "#medio");
    let beside = text(&html, "fieldset#medio.has-error > ul.field-error");
    assert_eq!(summary[0].1, format!("Medio: {beside}"));
    assert_eq!(
        attrs(&html, "fieldset#propiedad input[checked]", "value"),
        vec!["grc"],
        "keeps the choice"
    );
    assert_eq!(count(&html, "fieldset#medio input[checked]"), 0);
    assert_eq!(attrs(&html, "input#serie", "value"), vec!["TK-0099"]);
    assert_eq!(attrs(&html, "input#caduca-el", "value"), vec!["2028-11-30"]);
    let res = analyst
        .post(
            &app,
            &page,
            &format!("{page}/completar"),
            &[
                ("medium", "token"),
                ("ownership", "grc"),
                ("serial", "TK-0099"),
                ("issued_on", "2026-12-01"),
                ("expires_on", "2028-11-30"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).contains("aviso=instalado"));
    let c: Value = app
        .get(
            &format!("/api/v1/certificates/{cert}"),
            Some(&requester.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["state"], "instalado");
    assert_eq!(c["serial"], "TK-0099");
    assert_eq!(c["expires_on"], "2028-11-30");

    // Cancelling it: the page says which RFC 5280 reason will be recorded.
    let id = named_ticket(&app, &requester, "cancelacion", Some("c"), &cert).await;
    let page = review(&id);
    analyst
        .post(&app, &page, &format!("{page}/atender"), &[])
        .await;
    let (_, html) = analyst.page(&app, &page).await;
    assert!(html.contains("keyCompromise (1)"));
    assert_eq!(
        text(
            &html,
            &format!("form[action^='{page}/completar'] strong.mono")
        ),
        "keyCompromise (1)"
    );
    assert_eq!(
        action_buttons(&html),
        vec![
            "Completar cancelación",
            "Observar y devolver",
            "Rechazar",
            "Devolver a la cola"
        ]
    );
    let res = analyst
        .post(&app, &page, &format!("{page}/completar"), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).contains("aviso=cancelado"));
    let c: Value = app
        .get(
            &format!("/api/v1/certificates/{cert}"),
            Some(&requester.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["state"], "cancelado");
}

#[tokio::test]
async fn the_public_part_is_read_from_the_certificates_page() {
    let (app, _) = app_at(WEDNESDAY).await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    let cert = requesters_certificate(&app, &requester).await;
    let (status, html) = analyst.page(&app, "/analista/certificados").await;
    assert_eq!(status, 200);
    assert!(html.contains("Pendiente de descarga"));
    assert!(html.contains("hasta el 30/12/2026"));
    assert_eq!(h1(&html), "Certificados");
    let row_css = format!("table.cert-table tbody tr#certificado-{cert}");
    assert_eq!(
        text(&html, &format!("{row_css} .status.cert-pendiente_descarga")),
        "Pendiente de descarga"
    );
    assert_eq!(
        texts(&html, &format!("{row_css} td"))[4],
        "hasta el 30/12/2026"
    );
    let token = csrf_token(&html);
    let upload = |name: &str, bytes: Vec<u8>| {
        reqwest::multipart::Form::new()
            .text("csrf_token", token.clone())
            .part(
                "certificate",
                reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
            )
    };
    let path = format!("/analista/certificados/{cert}/parte-publica");
    let res = analyst
        .browser
        .post(app.url(&path))
        .multipart(upload("x.cer", b"no soy un certificado".to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains(&format!("id=\"archivo-{cert}-error\"")));
    assert!(html.contains("no es un certificado X.509 válido"));
    // The error is in that certificate's row, beside its file field.
    let beside = field_error(&html, &format!("archivo-{cert}"));
    assert!(
        beside.contains("no es un certificado X.509 válido"),
        "{beside}"
    );
    assert_eq!(
        count(
            &html,
            &format!("tr#certificado-{cert} td.cell-upload.has-error #archivo-{cert}-error")
        ),
        1
    );

    let pem = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/certificado.pem"),
    )
    .unwrap();
    let res = analyst
        .browser
        .post(app.url(&path))
        .multipart(upload("certificado.pem", pem))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, html) = analyst.page(&app, &location(&res)).await;
    assert!(html.contains("Se leyó la parte pública del certificado de Tello Vásquez, Carmen Rosa: N° de serie 1A2B3C4D5E"));
    assert!(html.contains("class=\"row-highlight\""));
    assert!(notice(&html).unwrap().starts_with(
        "Se leyó la parte pública del certificado de Tello Vásquez, Carmen Rosa: N° de serie 1A2B3C4D5E"
    ));
    // The row read is the one highlighted, and shows the serial.
    assert_eq!(
        attrs(&html, "table.cert-table tbody tr.row-highlight", "id"),
        vec![format!("certificado-{cert}")]
    );
    assert_eq!(
        text(
            &html,
            &format!("tr#certificado-{cert} td.cell-serial .mono.strong")
        ),
        "1A2B3C4D5E"
    );
}

#[tokio::test]
async fn requesters_get_the_spanish_403_page_on_every_analyst_page() {
    let (app, _) = app_at(WEDNESDAY).await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let (id, _) = submitted(&app, &requester.token, "41111111").await;
    let (_, home) = requester.page(&app, "/").await;
    assert!(!home.contains("/analista/cola"), "no analyst menu");
    assert!(
        attrs(&home, "nav.site-nav a", "href")
            .iter()
            .all(|href| !href.starts_with("/analista")),
        "no analyst menu"
    );
    for path in [
        "/analista/cola".to_owned(),
        "/analista/lotes".to_owned(),
        "/analista/certificados".to_owned(),
        // Even their own ticket: the analyst page is not theirs to see.
        review(&id),
    ] {
        let (status, html) = requester.page(&app, &path).await;
        assert_eq!(status, 403, "{path}");
        assert!(html.contains("Acceso denegado"), "{path}");
        assert!(html.contains("lang=\"es-PE\""));
        assert_eq!(h1(&html), "Acceso denegado", "{path}");
        assert_eq!(attrs(&html, "html", "lang"), vec!["es-PE"]);
    }
    for to in [
        "/analista/lotes/cerrar".to_owned(),
        format!("{}/atender", review(&id)),
    ] {
        let res = requester.post(&app, "/tramites", &to, &[]).await;
        assert_eq!(res.status(), 403, "{to}");
    }
    assert_eq!(
        ticket_json(&app, &requester.token, &id).await["status"],
        "enviado"
    );
    // Nobody signed in is sent to the login page.
    let res = new_browser()
        .get(app.url("/analista/cola"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login");
}

/// GETs `path` with `browser`, giving up long before the app's SQLite `busy_timeout` (5 s)
/// would let a page that waits for the write lock answer at all.
async fn quick_page(app: &TestApp, browser: &Client, path: &str) -> (u16, String) {
    let res = browser
        .get(app.url(path))
        .timeout(std::time::Duration::from_secs(3))
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "{path} did not answer while the write lock was held (timed out: {}): {e}",
                e.is_timeout()
            )
        });
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

#[tokio::test]
async fn reading_pages_answer_while_another_connection_holds_the_sqlite_write_lock() {
    // SQLite has one write lock for the whole database, and a page that asked for it would
    // wait behind any writer (a batch being closed, a slow upload). PostgreSQL has no such
    // lock, so there is nothing to test there.
    if backend_name() == "postgres" {
        return;
    }
    let (app, _) = app_at(WEDNESDAY).await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    let (id, number) = submitted(&app, &requester.token, "41111111").await;

    // Another connection takes the write lock, writes, and keeps its transaction open.
    let mut writer = SqliteConnection::connect(&app.database_url).await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut writer)
        .await
        .unwrap();
    assert_eq!(mode, "wal", "the app's database is in WAL mode");
    writer.execute("BEGIN IMMEDIATE").await.unwrap();
    writer
        .execute("UPDATE users SET name = name")
        .await
        .unwrap();
    // The lock is really held: a third connection that does not wait cannot take it.
    let mut probe = SqliteConnection::connect(&app.database_url).await.unwrap();
    probe.execute("PRAGMA busy_timeout = 0").await.unwrap();
    let refused = probe.execute("BEGIN IMMEDIATE").await.unwrap_err();
    assert!(refused.to_string().contains("locked"), "{refused}");
    drop(probe);

    // The public procedure page.
    let (status, html) = quick_page(&app, &new_browser(), "/procedimiento").await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(h1(&html), "Procedimiento de certificación digital");
    assert_eq!(text(&html, "#dato-tributo"), "00529");
    // The analyst's review page, and the queue it comes from.
    let (status, html) = quick_page(&app, &analyst.browser, &review(&id)).await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(h1(&html), format!("Trámite {number}"));
    assert_eq!(
        texts(&html, "aside.review-actions button"),
        vec!["Atender este trámite"]
    );
    let (status, html) = quick_page(&app, &analyst.browser, "/analista/cola").await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(
        texts(&html, "table.queue-table tbody th.cell-number"),
        vec![number.clone()]
    );
    // The requester's own ticket page.
    let (status, html) = quick_page(&app, &requester.browser, &format!("/tramites/{id}")).await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(title_badge(&html), ("enviado".into(), "Enviado".into()));

    // Once the lock is released, the analyst's writes go through again.
    writer.execute("ROLLBACK").await.unwrap();
    let page = review(&id);
    let res = analyst
        .post(&app, &page, &format!("{page}/atender"), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        ticket_json(&app, &analyst.token, &id).await["status"],
        "en_atencion"
    );
}
