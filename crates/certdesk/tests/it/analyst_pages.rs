//! The analysts' pages, driven as a browser would (cookies, CSRF tokens, plain form posts):
//! the queue in FIFO order, the review page and its actions, the batch page with its
//! package, RENIEC results, installation and cancellation, certificates' public part, and
//! requesters refused on every `/analista/…` page.

use domain::{certificate::CertificateState, role::Role};
use jiff::SignedDuration;
use reqwest::Client;
use serde_json::{json, Value};

use crate::helpers::{
    app_at, applicant_fields, applicant_form, at, csrf_token, new_browser, TestApp, WEDNESDAY,
};

/// Just after the cut-off that follows `WEDNESDAY`.
const FRIDAY_AFTER_CUTOFF: &str = "2026-12-04T16:31:00-05:00";

const PASSWORD: &str = "clave segura 2026";
const ANALYST: &str = "analista@regioncajamarca.gob.pe";
const REQUESTER: &str = "solicitante@regioncajamarca.gob.pe";

/// A person with an account, their browser (signed in) and an API token.
struct Person {
    browser: Client,
    token: String,
}

impl Person {
    async fn sign_up(app: &TestApp, email: &str, role: Role) -> Person {
        app.user(email, role, PASSWORD).await;
        let browser = new_browser();
        app.sign_in(&browser, email, PASSWORD).await;
        let token = app.login_token(email, PASSWORD).await;
        Person { browser, token }
    }

    async fn page(&self, app: &TestApp, path: &str) -> (u16, String) {
        let res = self.browser.get(app.url(path)).send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.text().await.unwrap())
    }

    /// Posts a form from the page at `from` (its CSRF token) to `to`.
    async fn post(
        &self,
        app: &TestApp,
        from: &str,
        to: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let (_, html) = self.page(app, from).await;
        let token = csrf_token(&html);
        let mut form = vec![("csrf_token", token.as_str())];
        form.extend_from_slice(fields);
        self.browser
            .post(app.url(to))
            .form(&form)
            .send()
            .await
            .unwrap()
    }
}

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

/// Opens an emision-a ticket with one applicant (`dni`) and submits it; returns its id and
/// number.
async fn submitted(app: &TestApp, requester: &Person, dni: &str) -> (String, String) {
    let ticket = app
        .open_ticket(&requester.token, "emision", Some("a"))
        .await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let res = app
        .post_multipart(
            &format!("/api/v1/tickets/{id}/applicants"),
            &requester.token,
            applicant_form(&applicant_fields(dni), &[]),
        )
        .await;
    assert_eq!(res.status(), 201);
    let res = app
        .post_json(
            &format!("/api/v1/tickets/{id}/submit"),
            Some(&requester.token),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    (id, ticket["number"].as_str().unwrap().to_owned())
}

fn review(id: &str) -> String {
    format!("/analista/tramites/{id}")
}

/// Takes and approves a ticket through the review page.
async fn take_and_approve(app: &TestApp, analyst: &Person, id: &str) {
    let page = review(id);
    let res = analyst
        .post(app, &page, &format!("{page}/atender"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let res = analyst
        .post(app, &page, &format!("{page}/aprobar"), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).contains("aviso=aprobado"));
}

async fn ticket_json(app: &TestApp, token: &str, id: &str) -> Value {
    app.get(&format!("/api/v1/tickets/{id}"), Some(token))
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_queue_page_lists_open_tickets_first_come_first_served() {
    let (app, clock) = app_at(WEDNESDAY).await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    let mut numbers = Vec::new();
    for dni in ["41111111", "42222222", "43333333"] {
        numbers.push(submitted(&app, &requester, dni).await.1);
        clock.advance(SignedDuration::from_mins(7));
    }

    let (status, html) = analyst.page(&app, "/analista/cola").await;
    assert_eq!(status, 200);
    // The analysts' menu.
    for entry in [
        "href=\"/analista/cola\" aria-current=\"page\">Cola<",
        ">Lote RENIEC<",
        ">Certificados<",
    ] {
        assert!(html.contains(entry), "menu entry {entry}");
    }
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

    // Taken tickets keep their place, with the analyst's name; filters by status and kind.
    let (first_id, _) = {
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
    let (status, taken) = analyst
        .page(&app, "/analista/cola?tipo=&estado=en_atencion")
        .await;
    assert_eq!(status, 200);
    assert!(taken.contains(numbers[0].as_str()));
    assert!(!taken.contains(numbers[1].as_str()));
    assert!(taken.contains("<option value=\"en_atencion\" selected>"));
    // The place shown is the place in the whole queue, filters or not.
    let (_, waiting) = analyst.page(&app, "/analista/cola?estado=enviado").await;
    assert!(waiting.contains("data-label=\"N°\">2</td>"));
    assert!(!waiting.contains("data-label=\"N°\">1</td>"));
    let (_, none) = analyst.page(&app, "/analista/cola?tipo=cancelacion").await;
    assert!(none.contains("No hay trámites con esos filtros."));
    let (status, bad) = analyst.page(&app, "/analista/cola?estado=programado").await;
    assert_eq!(status, 422);
    assert!(bad.contains("Elija «Enviado» o «En atención»."));
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
    let marker = "href=\"/analista/cola?despues=";
    let start = first.find(marker).expect("a next-page link") + "href=\"".len();
    let end = first[start..].find('"').unwrap() + start;
    let next = first[start..end].replace("&amp;", "&");
    let (status, second) = analyst.page(&app, &next).await;
    assert_eq!(status, 200);
    assert!(second.contains(last.as_str()));
    assert!(second.contains("data-label=\"N°\">51</td>"));
    assert!(second.contains("Volver al inicio de la cola"));
}

#[tokio::test]
async fn observing_needs_a_comment_next_to_the_field_and_then_returns_the_ticket() {
    let (app, _) = app_at(WEDNESDAY).await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    let (id, number) = submitted(&app, &requester, "41111111").await;
    let page = review(&id);

    // Everything needed to judge, and only "Atender" for now.
    let (status, html) = analyst.page(&app, &page).await;
    assert_eq!(status, 200);
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
    let detail = ticket_json(&app, &analyst.token, &id).await;
    assert_eq!(detail["status"], "observado");
    let (_, html) = requester.page(&app, &format!("/tramites/{id}")).await;
    assert!(html.contains("La foto no es actual."));
    let (_, queue) = analyst.page(&app, "/analista/cola").await;
    assert!(!queue.contains(number.as_str()));
}

#[tokio::test]
async fn rejecting_needs_a_reason() {
    let (app, _) = app_at(WEDNESDAY).await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    let (id, _) = submitted(&app, &requester, "41111111").await;
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
    let (id, _) = submitted(&app, &requester, "41111111").await;
    take_and_approve(&app, &analyst, &id).await;

    let (_, html) = analyst
        .page(&app, &format!("{}?aviso=aprobado", review(&id)))
        .await;
    assert!(html.contains("Trámite aprobado"));
    assert!(html.contains("Se enviará a RENIEC el viernes 04/12/2026 a las 16:30."));
    let (status, html) = requester.page(&app, &format!("/tramites/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Se enviará a RENIEC el viernes 04/12/2026 a las 16:30."));
    // Approving twice is a conflict, said on the page.
    let page = review(&id);
    let res = analyst
        .post(&app, &page, &format!("{page}/aprobar"), &[])
        .await;
    assert_eq!(res.status(), 409);
}

#[tokio::test]
async fn the_batch_page_closes_the_batch_and_its_package_downloads() {
    let (app, clock) = app_at(WEDNESDAY).await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    let (first, first_number) = submitted(&app, &requester, "41111111").await;
    clock.advance(SignedDuration::from_mins(3));
    let (second, _) = submitted(&app, &requester, "42222222").await;
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
    // Items in FIFO order, each linking to its ticket.
    let a = html.find("41111111").unwrap();
    let b = html.find("42222222").unwrap();
    assert!(a < b);
    assert!(html.contains(&format!(
        "href=\"/analista/tramites/{first}\">{first_number}<"
    )));

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
    let (id, _) = submitted(&app, &requester, "41111111").await;
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
    assert!(res
        .text()
        .await
        .unwrap()
        .contains(&format!("id=\"motivo-reniec-{applicant}-error\"")));

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
    assert_eq!(
        ticket_json(&app, &analyst.token, &id).await["status"],
        "atendido"
    );
    // The certificate is there, pending download until 03/01/2027.
    let (_, certs) = analyst.page(&app, "/analista/certificados").await;
    assert!(certs.contains("Pendiente de descarga"));
    assert!(certs.contains("hasta el 03/01/2027"));
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
    analyst
        .post(&app, &page, &format!("{page}/atender"), &[])
        .await;
    let (_, html) = analyst.page(&app, &page).await;
    assert!(html.contains("Registrar la cita"));
    assert!(html.contains("Registre la cita para poder completar la instalación."));
    assert!(!html.contains("Completar instalación</button>"));

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
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("id=\"form-completar-error\""));
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

    // The medium is required; then the certificate is installed.
    let res = analyst
        .post(
            &app,
            &page,
            &format!("{page}/completar"),
            &[("ownership", "grc"), ("serial", "TK-0099")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("href=\"#medio\">Medio:"));
    assert!(html.contains("value=\"grc\" checked"), "keeps the choice");
    let res = analyst
        .post(
            &app,
            &page,
            &format!("{page}/completar"),
            &[
                ("medium", "token"),
                ("ownership", "grc"),
                ("serial", "TK-0099"),
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

    // Cancelling it: the page says which RFC 5280 reason will be recorded.
    let id = named_ticket(&app, &requester, "cancelacion", Some("c"), &cert).await;
    let page = review(&id);
    analyst
        .post(&app, &page, &format!("{page}/atender"), &[])
        .await;
    let (_, html) = analyst.page(&app, &page).await;
    assert!(html.contains("keyCompromise (1)"));
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
}

#[tokio::test]
async fn requesters_get_the_spanish_403_page_on_every_analyst_page() {
    let (app, _) = app_at(WEDNESDAY).await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let (id, _) = submitted(&app, &requester, "41111111").await;
    let (_, home) = requester.page(&app, "/").await;
    assert!(!home.contains("/analista/cola"), "no analyst menu");
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
