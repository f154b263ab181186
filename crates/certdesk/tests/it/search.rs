//! Finding tickets: `GET /api/v1/tickets?q=&status=&kind=` by number, DNI and name (case
//! and accents ignored), requesters only among their own; the search box of "Mis trámites"
//! and the analysts' `/analista/buscar` with keyset pages; the queue as CSV.

use certdesk::clock::FixedClock;
use domain::{certificate::CertificateState, role::Role};
use serde_json::{json, Value};

use crate::helpers::{
    app_at, applicant_with, at, doc, field_error, problem, Find, Person, TestApp, WEDNESDAY,
};

/// A ticket with one applicant; submitted unless `draft`. Its id and number.
async fn ticket(
    app: &TestApp,
    who: &Person,
    dni: &str,
    names: (&str, &str, &str),
    draft: bool,
) -> (String, String) {
    let created = app.open_ticket(&who.token, "emision", Some("a")).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let fields = applicant_with(
        dni,
        &[
            ("paternal_surname", names.0),
            ("maternal_surname", names.1),
            ("given_names", names.2),
        ],
    );
    app.add_applicant(&who.token, &id, &fields).await;
    if !draft {
        app.submit_ticket(&who.token, &id).await;
    }
    (id, created["number"].as_str().unwrap().to_owned())
}

/// The numbers `GET /api/v1/tickets?{query}` answers, in order.
async fn found(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let res = app
        .get(&format!("/api/v1/tickets?{query}"), Some(token))
        .await;
    assert_eq!(res.status(), 200, "{query}");
    let body: Value = res.json().await.unwrap();
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["number"].as_str().unwrap().to_owned())
        .collect()
}

struct World {
    app: TestApp,
    maria: Person,
    other: Person,
    analyst: Person,
    /// María's: Núñez Cárdenas (submitted), Tello Vásquez (draft); the other's: Núñez Ríos.
    nunez: (String, String),
    tello: (String, String),
    theirs: (String, String),
}

async fn world() -> (World, FixedClock) {
    let (app, clock) = app_at(WEDNESDAY).await;
    let maria = Person::sign_up_named(
        &app,
        "mcabrera@regioncajamarca.gob.pe",
        "María Cabrera Llanos",
        Role::Solicitante,
    )
    .await;
    let other = Person::sign_up_named(
        &app,
        "lvargas@regioncajamarca.gob.pe",
        "Luis Vargas Rojas",
        Role::Solicitante,
    )
    .await;
    let analyst = Person::sign_up_named(
        &app,
        "jhuaman@regioncajamarca.gob.pe",
        "Jorge Huamán Díaz",
        Role::Analista,
    )
    .await;
    let nunez = ticket(
        &app,
        &maria,
        "41234567",
        ("Núñez", "Cárdenas", "José Ángel"),
        false,
    )
    .await;
    clock.set(at("2026-12-02T10:05:00-05:00"));
    let tello = ticket(
        &app,
        &maria,
        "42345678",
        ("Tello", "Vásquez", "Carmen Rosa"),
        true,
    )
    .await;
    clock.set(at("2026-12-02T10:10:00-05:00"));
    let theirs = ticket(&app, &other, "43456789", ("Núñez", "Ríos", "Ana"), false).await;
    (
        World {
            app,
            maria,
            other,
            analyst,
            nunez,
            tello,
            theirs,
        },
        clock,
    )
}

#[tokio::test]
async fn tickets_are_found_by_number_dni_and_name_and_a_requester_never_finds_anothers() {
    let (w, _clock) = world().await;
    let app = &w.app;
    let (nunez, tello, theirs) = (&w.nunez.1, &w.tello.1, &w.theirs.1);
    assert_eq!(nunez, "CD-2026-000001");
    let maria = w.maria.token.as_str();
    // By number, written in full, without the prefix, or only the sequence.
    for q in [
        "CD-2026-000001",
        "cd-2026-000001",
        "2026-000001",
        "2026-1",
        "1",
        "000001",
    ] {
        assert_eq!(
            found(app, maria, &format!("q={q}")).await,
            [nunez.as_str()],
            "{q}"
        );
    }
    // By DNI, whole or its start.
    assert_eq!(found(app, maria, "q=41234567").await, [nunez.as_str()]);
    assert_eq!(found(app, maria, "q=4234567").await, [tello.as_str()]);
    assert_eq!(
        found(app, maria, "q=4234").await.len(),
        0,
        "4 digits name a number"
    );
    assert_eq!(found(app, maria, "q=42345678").await, [tello.as_str()]);
    // By name, case and accents ignored; every word must match.
    for q in ["nunez", "NÚÑEZ", "núñez%20josé", "Jose%20Angel", "cardenas"] {
        assert_eq!(
            found(app, maria, &format!("q={q}")).await,
            [nunez.as_str()],
            "{q}"
        );
    }
    assert_eq!(found(app, maria, "q=nunez%20tello").await.len(), 0);
    // By the requester's name: all of María's, newest first.
    assert_eq!(
        found(app, maria, "q=cabrera").await,
        [tello.as_str(), nunez.as_str()]
    );
    // LIKE's wildcards are taken literally.
    assert_eq!(found(app, maria, "q=%25").await.len(), 0);
    assert_eq!(found(app, maria, "q=_").await.len(), 0);

    // The other requester's ticket is never found by María, however it is asked for.
    for q in [
        "3",
        "2026-000003",
        "CD-2026-000003",
        "43456789",
        "rios",
        "vargas",
        "ana",
    ] {
        assert_eq!(found(app, maria, &format!("q={q}")).await.len(), 0, "{q}");
    }
    assert_eq!(
        found(app, &w.other.token, "q=nunez").await,
        [theirs.as_str()]
    );
    // Analysts find everyone's.
    let analyst = w.analyst.token.as_str();
    assert_eq!(
        found(app, analyst, "q=nunez").await,
        [theirs.as_str(), nunez.as_str()]
    );
    assert_eq!(found(app, analyst, "q=43456789").await, [theirs.as_str()]);
    assert_eq!(found(app, analyst, "q=3").await, [theirs.as_str()]);
    assert_eq!(found(app, analyst, "q=vargas").await, [theirs.as_str()]);
    assert_eq!(found(app, analyst, "").await.len(), 3);
    // …or only their own, when they ask.
    assert_eq!(found(app, analyst, "mine=true").await.len(), 0);
}

#[tokio::test]
async fn filters_narrow_the_search_and_bad_ones_are_a_422_naming_each_field() {
    let (w, _clock) = world().await;
    let app = &w.app;
    let analyst = w.analyst.token.as_str();
    assert_eq!(
        found(app, analyst, "status=borrador").await,
        [w.tello.1.as_str()]
    );
    assert_eq!(
        found(app, analyst, "status=enviado&q=nunez").await,
        [w.theirs.1.as_str(), w.nunez.1.as_str()]
    );
    assert_eq!(
        found(app, analyst, "kind=emision&status=enviado&q=41234567").await,
        [w.nunez.1.as_str()]
    );
    assert_eq!(found(app, analyst, "kind=reemision").await.len(), 0);
    assert_eq!(
        found(app, w.maria.token.as_str(), "status=enviado").await,
        [w.nunez.1.as_str()]
    );
    let long = "a".repeat(101);
    let res = app
        .get(
            &format!("/api/v1/tickets?status=perdido&kind=otro&q={long}"),
            Some(analyst),
        )
        .await;
    let body = problem(res, 422).await;
    for field in ["q", "status", "kind"] {
        assert!(
            body["errors"][field][0].as_str().is_some(),
            "{field}: {body}"
        );
    }
    assert_eq!(body["errors"]["status"][0], "Elija un estado de la lista.");
}

#[tokio::test]
async fn search_results_page_by_keyset_without_gaps_or_repeats() {
    let (w, clock) = world().await;
    let app = &w.app;
    let maria = &w.maria;
    // 27 more drafts of María's, one a minute.
    for n in 0..27 {
        clock.set(at("2026-12-02T11:00:00-05:00") + jiff::SignedDuration::from_mins(n));
        app.open_ticket(&maria.token, "emision", Some("b")).await;
    }
    // The API: two at a time, following `next`, gives every one once, newest first.
    let all = found(app, &maria.token, "limit=200&status=borrador").await;
    assert_eq!(all.len(), 28);
    let mut seen = Vec::new();
    let mut after = String::new();
    loop {
        let res = app
            .get(
                &format!("/api/v1/tickets?limit=2&status=borrador&after={after}"),
                Some(&maria.token),
            )
            .await;
        let body: Value = res.json().await.unwrap();
        seen.extend(
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["number"].as_str().unwrap().to_owned()),
        );
        match body["next"].as_str() {
            Some(next) => after = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, all);

    // The page: 25 a page, "Siguientes" then "Anteriores" back to the same first page.
    let numbers = |html: &str| doc(html).texts("table.list-table td.cell-number a");
    let (status, first) = maria.page(app, "/tramites?estado=borrador").await;
    assert_eq!(status, 200);
    assert_eq!(numbers(&first), all[..25]);
    let page = doc(&first);
    assert_eq!(page.count("a[rel=prev]"), 0);
    let older = page.attrs("a[rel=next]", "href").remove(0);
    assert!(older.contains("estado=borrador"), "{older}");
    let (_, second) = maria.page(app, &older).await;
    assert_eq!(numbers(&second), all[25..]);
    let page = doc(&second);
    assert_eq!(page.count("a[rel=next]"), 0);
    let newer = page.attrs("a[rel=prev]", "href").remove(0);
    let (_, back) = maria.page(app, &newer).await;
    assert_eq!(numbers(&back), all[..25]);
    // The search box keeps what was typed.
    let (_, searched) = maria.page(app, "/tramites?q=N%C3%BA%C3%B1ez").await;
    let page = doc(&searched);
    assert_eq!(page.attrs("input#q", "value"), ["Núñez"]);
    assert_eq!(numbers(&searched), [w.nunez.1.as_str()]);
    let (_, none) = maria.page(app, "/tramites?q=43456789").await;
    assert!(doc(&none)
        .text_at(".empty-state")
        .contains("Ningún trámite suyo coincide con la búsqueda."));
    // A bad filter: the page again, 422, the error beside the field.
    let (status, bad) = maria.page(app, "/tramites?estado=perdido").await;
    assert_eq!(status, 422);
    assert_eq!(field_error(&bad, "estado"), "Elija un estado de la lista.");
    let (status, _) = maria.page(app, "/tramites?antes=no-es-un-id").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn analysts_search_every_ticket_from_their_page_and_requesters_may_not() {
    let (w, _clock) = world().await;
    let app = &w.app;
    let (status, html) = w
        .analyst
        .page(app, "/analista/buscar?q=nu%C3%B1ez&estado=enviado")
        .await;
    assert_eq!(status, 200);
    let page = doc(&html);
    let rows = page.all("table.search-table tbody tr");
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0].attrs("th.cell-number a", "href"),
        [format!("/analista/tramites/{}", w.theirs.0)]
    );
    assert_eq!(
        rows[0].text_at(".cell-applicants"),
        "Núñez Ríos, Ana (DNI 43456789)"
    );
    assert_eq!(rows[0].text_at(".cell-who"), "Luis Vargas Rojas");
    assert_eq!(rows[1].text_at(".cell-status .status"), "Enviado");
    // Linked from the navigation and from the queue.
    assert!(page
        .attrs("nav.site-nav a", "href")
        .contains(&"/analista/buscar".to_owned()));
    let (_, queue) = w.analyst.page(app, "/analista/cola").await;
    assert!(doc(&queue)
        .attrs("main a", "href")
        .contains(&"/analista/buscar".to_owned()));
    let (status, _) = w.maria.page(app, "/analista/buscar?q=nunez").await;
    assert_eq!(status, 403);
    let (status, _) = w.maria.page(app, "/analista/cola.csv").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn the_queue_downloads_as_csv_with_spanish_headers_and_values() {
    let (w, clock) = world().await;
    let app = &w.app;
    // One ticket taken by the analyst, and a cancellation (reason c) after them.
    let res = app
        .post_json(
            &format!("/api/v1/tickets/{}/take", w.nunez.0),
            Some(&w.analyst.token),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    clock.set(at("2026-12-02T10:20:00-05:00"));
    let cert = app
        .certificate(&w.maria.token, CertificateState::Instalado, None)
        .await;
    let res = app
        .post_json(
            "/api/v1/tickets",
            Some(&w.maria.token),
            &json!({"kind": "cancelacion", "reason": "c", "certificate_id": cert}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let cancel: Value = res.json().await.unwrap();
    let res = app
        .post_json(
            &format!("/api/v1/tickets/{}/submit", cancel["id"].as_str().unwrap()),
            Some(&w.maria.token),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);

    let (_, queue) = w.analyst.page(app, "/analista/cola").await;
    assert!(doc(&queue)
        .attrs("main a", "href")
        .contains(&"/analista/cola.csv".to_owned()));
    let res = w
        .analyst
        .browser
        .get(app.url("/analista/cola.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("cola-2026-12-02.csv"));
    let bytes = res.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 with a BOM");
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        headers,
        [
            "Orden",
            "Trámite",
            "Tipo",
            "Motivo",
            "Estado",
            "Registrado por",
            "Llegada",
            "Analista",
            "Enlace"
        ]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(
        rows[0][..8],
        [
            "1",
            "CD-2026-000001",
            "Emisión",
            "a) Primera vez, para personal nuevo o personal activo",
            "En atención",
            "María Cabrera Llanos",
            "02/12/2026 10:00",
            "Jorge Huamán Díaz"
        ]
    );
    assert_eq!(
        rows[0][8],
        format!("{}/analista/tramites/{}", app.base, w.nunez.0)
    );
    assert_eq!(rows[1][1], w.theirs.1);
    assert_eq!(rows[1][4], "Enviado");
    assert_eq!(rows[1][5], "Luis Vargas Rojas");
    assert_eq!(rows[1][7], "");
    assert_eq!(rows[2][2], "Cancelación");
    assert_eq!(
        rows[2][3],
        "c) Deterioro, alteración o pérdida que afecte la contraseña o PIN de la clave privada"
    );
    assert_eq!(rows[2][6], "02/12/2026 10:20");
    // The page's filters apply to the file too.
    let filtered = w
        .analyst
        .browser
        .get(app.url("/analista/cola.csv?tipo=cancelacion"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(&filtered[3..]);
    let numbers: Vec<String> = reader.records().map(|r| r.unwrap()[1].to_owned()).collect();
    assert_eq!(numbers, [cancel["number"].as_str().unwrap()]);
}

#[tokio::test]
async fn the_favicon_answers_and_pages_link_the_svg_icon() {
    let (w, _clock) = world().await;
    let app = &w.app;
    let res = app.get("/favicon.ico", None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/x-icon");
    let ico = res.bytes().await.unwrap();
    assert_eq!(&ico[..4], [0, 0, 1, 0], "an ICO header");
    let (_, html) = w.maria.page(app, "/").await;
    let icon = doc(&html).attrs("link[rel=icon]", "href").remove(0);
    assert!(icon.starts_with("/static/favicon.svg?v="), "{icon}");
    let res = app.get(&icon, None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
}
