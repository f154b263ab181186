//! The certificate registry found by words (name, DNI, serial), filtered, paged and exported:
//! requesters only ever find their own.

use certdesk::store::certificates::NewCertificate;
use domain::{
    certificate::{CertificateState, Medium, Ownership},
    role::Role,
};
use jiff::civil::{date, Date};
use serde_json::Value;

use crate::helpers::{app_at, attr, count, new_browser, texts, TestApp, WEDNESDAY};

const PASSWORD: &str = "clave-de-prueba-1";

/// Records a certificate of the account `owner_email`; returns its id.
async fn cert(
    app: &TestApp,
    owner_email: &str,
    holder: &str,
    dni: &str,
    state: CertificateState,
    expires_on: Option<Date>,
    serial: Option<&str>,
) -> String {
    let owner = app.me_by_email(owner_email).await;
    let installed = state != CertificateState::PendienteDescarga;
    let delivered = date(2026, 11, 20);
    let new = NewCertificate {
        owner_id: owner.parse().unwrap(),
        holder_name: holder,
        dni: &dni.parse().unwrap(),
        applicant_id: None,
        medium: installed.then_some(Medium::Pc),
        ownership: installed.then_some(Ownership::Grc),
        issued_on: installed.then_some(date(2026, 11, 21)),
        expires_on,
        state,
        delivery_sent_on: Some(delivered),
        download_deadline: Some(domain::certificate::download_deadline(delivered)),
    };
    app.record_certificate(&new, serial).await
}

/// The holder names a `GET /api/v1/certificates?…` answers with `token`, and `next`.
async fn found(app: &TestApp, token: &str, query: &str) -> (Vec<String>, Option<String>) {
    let res = app
        .get(&format!("/api/v1/certificates?{query}"), Some(token))
        .await;
    assert_eq!(res.status(), 200, "{query}");
    let page: Value = res.json().await.unwrap();
    (
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["holder_name"].as_str().unwrap().to_owned())
            .collect(),
        page["next"].as_str().map(str::to_owned),
    )
}

/// Two requesters with a certificate each, and an analyst; their tokens.
async fn two_owners(app: &TestApp) -> (String, String, String) {
    let (a, b) = (
        "ctello@regioncajamarca.gob.pe",
        "jnunez@regioncajamarca.gob.pe",
    );
    app.user(a, Role::Solicitante, PASSWORD).await;
    app.user(b, Role::Solicitante, PASSWORD).await;
    cert(
        app,
        a,
        "Tello Vásquez, Carmen Rosa",
        "10117410",
        CertificateState::Instalado,
        Some(date(2026, 12, 20)),
        Some("1A2B3C4D5E"),
    )
    .await;
    cert(
        app,
        b,
        "Núñez Quispe, José",
        "42223333",
        CertificateState::PendienteDescarga,
        None,
        None,
    )
    .await;
    let analyst = app.token_for(Role::Analista).await;
    (
        app.login_token(a, PASSWORD).await,
        app.login_token(b, PASSWORD).await,
        analyst,
    )
}

#[tokio::test]
async fn a_requester_never_finds_another_persons_certificate_and_analysts_find_any() {
    let (app, _) = app_at(WEDNESDAY).await;
    let (tello, nunez, analyst) = two_owners(&app).await;
    for q in ["q=10117410", "q=tello", "q=1a2b", "q=vasquez%20carmen"] {
        assert_eq!(found(&app, &nunez, q).await.0, Vec::<String>::new(), "{q}");
        assert_eq!(
            found(&app, &tello, q).await.0,
            vec!["Tello Vásquez, Carmen Rosa"],
            "{q}"
        );
        assert_eq!(
            found(&app, &analyst, q).await.0,
            vec!["Tello Vásquez, Carmen Rosa"],
            "{q}"
        );
    }
    // Case and accents do not matter, on the name and in the query; words in any order.
    for q in [
        "q=NUNEZ%20jose",
        "q=n%C3%BA%C3%B1ez",
        "q=4222",
        "q=jos%C3%A9%20QUISPE",
    ] {
        assert_eq!(
            found(&app, &analyst, q).await.0,
            vec!["Núñez Quispe, José"],
            "{q}"
        );
    }
    // A word that matches nothing, and LIKE's wildcards taken literally.
    assert!(found(&app, &analyst, "q=tello%20nunez").await.0.is_empty());
    assert!(found(&app, &analyst, "q=%25").await.0.is_empty());
    assert!(found(&app, &analyst, "q=_").await.0.is_empty());
    // The requester's page: their own only.
    let browser = new_browser();
    app.sign_in(&browser, "jnunez@regioncajamarca.gob.pe", PASSWORD)
        .await;
    let html = app.page_in(&browser, "/certificados?q=Tello").await.1;
    assert_eq!(count(&html, "li.certificate"), 0);
    assert!(html.contains("Ningún certificado coincide con la búsqueda."));
    assert_eq!(attr(&html, "input#q", "value").as_deref(), Some("Tello"));
    let html = app.page_in(&browser, "/certificados?q=jose").await.1;
    assert_eq!(
        texts(&html, "li.certificate h2"),
        vec!["Núñez Quispe, José"]
    );
}

#[tokio::test]
async fn filters_by_state_and_expiry_and_refuses_a_bad_filter_per_field() {
    let (app, _) = app_at(WEDNESDAY).await;
    let (_, nunez, analyst) = two_owners(&app).await;
    cert(
        &app,
        "jnunez@regioncajamarca.gob.pe",
        "Núñez Quispe, José",
        "42223333",
        CertificateState::Instalado,
        Some(date(2027, 6, 1)),
        None,
    )
    .await;
    assert_eq!(found(&app, &analyst, "state=instalado").await.0.len(), 2);
    assert_eq!(
        found(&app, &analyst, "state=pendiente_descarga").await.0,
        vec!["Núñez Quispe, José"]
    );
    // Expiring within 30 days of 02/12/2026: only the one of 20/12/2026.
    assert_eq!(
        found(&app, &analyst, "expiring_within_days=30").await.0,
        vec!["Tello Vásquez, Carmen Rosa"]
    );
    assert_eq!(
        found_own(&app, &nunez).await,
        2,
        "a requester lists their own"
    );
    let res = app
        .get(
            "/api/v1/certificates?state=vigente&expiring_within_days=pronto",
            Some(&analyst),
        )
        .await;
    let body = crate::helpers::problem(res, 422).await;
    assert!(body["errors"]["state"].is_array(), "{body}");
    assert!(body["errors"]["expiring_within_days"].is_array(), "{body}");
    // On the page, the same mistake is shown beside the filter.
    app.log_in_browser("analista@regioncajamarca.gob.pe", PASSWORD)
        .await;
    let (status, html) = app.page("/analista/certificados?vence=pronto").await;
    assert_eq!(status, 422);
    assert!(!crate::helpers::field_error(&html, "vence").is_empty());
    let (status, html) = app
        .page("/analista/certificados?estado=instalado&vence=30")
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        texts(&html, "table.cert-table tbody th"),
        vec!["Tello Vásquez, Carmen Rosa"]
    );
}

/// `found`, for a requester's own token (readability above).
async fn found_own(app: &TestApp, token: &str) -> usize {
    found(app, token, "").await.0.len()
}

#[tokio::test]
async fn pages_keep_the_filters_and_the_csv_has_every_match_in_spanish() {
    let (app, _) = app_at(WEDNESDAY).await;
    let (_, nunez, analyst) = two_owners(&app).await;
    assert_eq!(found_own(&app, &nunez).await, 1);
    for i in 0..51 {
        cert(
            &app,
            "jnunez@regioncajamarca.gob.pe",
            &format!("Prueba Número {i:02}, Ana"),
            &format!("5{i:07}"),
            CertificateState::PendienteDescarga,
            None,
            None,
        )
        .await;
    }
    // The API's keyset pages.
    let (first, next) = found(&app, &analyst, "q=numero&limit=20").await;
    assert_eq!(first.len(), 20);
    let (second, next2) = found(
        &app,
        &analyst,
        &format!("q=numero&limit=20&after={}", next.unwrap()),
    )
    .await;
    let (third, last) = found(
        &app,
        &analyst,
        &format!("q=numero&limit=20&after={}", next2.unwrap()),
    )
    .await;
    assert_eq!((second.len(), third.len(), last), (20, 11, None));
    let mut all: Vec<String> = [first, second, third].concat();
    all.dedup();
    assert_eq!(all.len(), 51, "no repeats, nothing missed");
    assert!(all.iter().all(|n| n.starts_with("Prueba Número")));
    // The page: 50, then a link that keeps the search.
    app.log_in_browser("analista@regioncajamarca.gob.pe", PASSWORD)
        .await;
    let (_, html) = app.page("/analista/certificados?q=numero").await;
    assert_eq!(count(&html, "table.cert-table tbody tr"), 50);
    let next = attr(&html, "p.pager a", "href").unwrap();
    assert!(
        next.contains("q=numero") && next.contains("antes="),
        "{next}"
    );
    let (_, html) = app.page(&next).await;
    assert_eq!(
        texts(&html, "table.cert-table tbody th"),
        vec!["Prueba Número 00, Ana"]
    );
    // The CSV: a BOM, Spanish headers and words, dd/mm/aaaa, every match of the filters.
    let csv_href = attr(&html, "p.export-link a", "href").unwrap();
    assert_eq!(csv_href, "/analista/certificados.csv?q=numero");
    let res = app
        .browser
        .get(app.url("/analista/certificados.csv?q=tello"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "a BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        vec![
            "Titular,DNI,Estado,Medio,Propiedad del medio,Emitido el,Caduca el,Plazo de descarga,N.º de serie,Registrado el",
            "\"Tello Vásquez, Carmen Rosa\",10117410,Instalado,PC,Propiedad del GRC,21/11/2026,20/12/2026,,1A2B3C4D5E,02/12/2026",
        ]
    );
    let all = app
        .page("/analista/certificados.csv?q=numero&estado=pendiente_descarga")
        .await
        .1;
    assert_eq!(
        all.lines().count(),
        52,
        "the header and all 51, not one page"
    );
    assert!(
        all.contains(",Pendiente de descarga,,,,,20/12/2026,,"),
        "{all}"
    );
    // Requesters cannot export.
    let browser = new_browser();
    app.sign_in(&browser, "jnunez@regioncajamarca.gob.pe", PASSWORD)
        .await;
    let res = browser
        .get(app.url("/analista/certificados.csv"))
        .send()
        .await
        .unwrap();
    assert_ne!(res.status(), 200);
}
