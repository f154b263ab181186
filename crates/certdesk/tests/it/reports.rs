//! The reports (issue 12): numbers computed from a small set of tickets made through the API
//! under a driven clock, checked against values derived here from the same instants; the
//! CSV files; the charts (well-formed SVG, named images followed by their tables); who may
//! read them; and the period's validation.

use certdesk::{clock::FixedClock, store::certificates::NewCertificate};
use domain::{certificate::CertificateState, role::Role};
use jiff::{civil::Date, Timestamp};
use reqwest::Client;
use serde_json::{json, Value};

use crate::helpers::{
    act_ok, app_at, applicant_fields, applicant_with, at, attr, attrs, count, doc, error_summary,
    file_ticket, problem, texts, Person, TestApp,
};

const ANALYST: &str = "analista@regioncajamarca.gob.pe";
const REQUESTER: &str = "solicitante@regioncajamarca.gob.pe";
const ADMIN: &str = "admin@regioncajamarca.gob.pe";

/// The seeded canned observation texts (migration 0009).
const LENTES: &str = "01938a00-0000-7000-8000-000000000001";
const TINTA: &str = "01938a00-0000-7000-8000-000000000002";
const DNI_CADUCADO: &str = "01938a00-0000-7000-8000-000000000004";

/// Every report's name, in the page's order.
const NAMES: [&str; 7] = [
    "tramites_por_estado",
    "lotes_por_semana",
    "tiempo_hasta_envio",
    "tasa_de_observacion",
    "motivos_de_observacion",
    "certificados_por_vencer",
    "descargas_en_riesgo",
];

/// The period the tests ask for, and the day they read the reports (a Monday).
const FROM: &str = "2026-11-23";
const TO: &str = "2026-12-07";
const READ_AT: &str = "2026-12-07T09:00:00-05:00";

fn today() -> Date {
    jiff::civil::date(2026, 12, 7)
}

fn days(n: i64) -> Date {
    today().checked_add(jiff::Span::new().days(n)).unwrap()
}

/// The tickets, people and instants of the fixture.
struct Fixture {
    app: TestApp,
    clock: FixedClock,
    analyst: Person,
    requester: Person,
    /// Each dispatched applicant's wait in seconds, with its batch's cut-off day.
    waits: Vec<(Date, i64)>,
    /// The installation ticket's number (open, for the certificate whose deadline is in 7 days).
    installation_number: String,
}

/// Takes ticket `id` and observes it with the canned texts `canned` and `words`.
async fn observe(app: &TestApp, analyst: &str, id: &str, canned: &[&str], words: &str) {
    act_ok(app, analyst, id, "take", json!({})).await;
    act_ok(
        app,
        analyst,
        id,
        "observe",
        json!({"comment": words, "canned": canned}),
    )
    .await;
}

async fn take_and(app: &TestApp, analyst: &str, id: &str, action: &str, body: Value) {
    act_ok(app, analyst, id, "take", json!({})).await;
    act_ok(app, analyst, id, action, body).await;
}

async fn close_batch(app: &TestApp, analyst: &str) -> Value {
    let res = app
        .post_json("/api/v1/batches/close", Some(analyst), &json!({}))
        .await;
    assert_eq!(res.status(), 200, "close the batch");
    res.json().await.unwrap()
}

fn seconds_between(from: &str, to: &str) -> i64 {
    at(to).as_second() - at(from).as_second()
}

/// A certificate of the requester, recorded straight into the registry.
async fn certificate(
    f: &Fixture,
    holder: &str,
    state: CertificateState,
    expires_on: Option<Date>,
    download_deadline: Option<Date>,
) -> String {
    let me = f.app.me(&f.requester.token).await;
    f.app
        .record_certificate(
            &NewCertificate {
                owner_id: me["id"].as_str().unwrap().parse().unwrap(),
                holder_name: holder,
                dni: &"10117410".parse().unwrap(),
                applicant_id: None,
                medium: None,
                ownership: None,
                issued_on: None,
                expires_on,
                state,
                delivery_sent_on: download_deadline
                    .map(|d| d.checked_sub(jiff::Span::new().days(30)).unwrap()),
                download_deadline,
            },
            None,
        )
        .await
}

/// Two weeks of work, from Monday 23 Nov 2026:
/// - T1 (one applicant) sent Mon 09:00, approved Mon 13:00;
/// - T2 (two applicants) sent Mon 10:00, observed Mon with two canned texts and words,
///   sent again Tue 09:00, approved Tue 10:00;
/// - T3 (one) sent Mon 11:00, observed Mon with words only, sent again Tue 10:30, observed
///   Tue with one canned text, sent again Mon 30 Nov 09:00, approved Mon 30 Nov 10:00;
/// - T4 (one) sent Mon 12:00, rejected Mon 16:00;
/// - the batch of Fri 27 Nov closed at 17:00 (T1, T2: three applicants);
/// - T5 (one) sent Mon 30 Nov 11:00, approved 12:00;
/// - the batch of Fri 4 Dec closed at 16:45 (T3, T5: two applicants);
/// - a draft (T6) and an installation ticket, sent on Mon 7 Dec;
/// - certificates expiring and waiting to be downloaded around Mon 7 Dec.
async fn fixture() -> Fixture {
    let (app, clock) = app_at("2026-11-23T08:00:00-05:00").await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let (r, a) = (requester.token.clone(), analyst.token.clone());
    let file = |dni: &'static str| {
        let app = &app;
        let r = r.clone();
        async move {
            file_ticket(app, &r, "emision", "a", &applicant_fields(dni))
                .await
                .0
        }
    };

    let t1_sent = "2026-11-23T09:00:00-05:00";
    clock.set(at(t1_sent));
    let t1 = file("41000001").await;
    let t2_sent = "2026-11-23T10:00:00-05:00";
    clock.set(at(t2_sent));
    let t2 = app.open_ticket(&r, "emision", Some("a")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.add_applicant(&r, &t2, &applicant_fields("41000002"))
        .await;
    app.add_applicant(
        &r,
        &t2,
        &applicant_with(
            "41000003",
            &[
                ("given_names", "Luis"),
                ("email", "lluis@regioncajamarca.gob.pe"),
            ],
        ),
    )
    .await;
    app.submit_ticket(&r, &t2).await;
    let t3_sent = "2026-11-23T11:00:00-05:00";
    clock.set(at(t3_sent));
    let t3 = file("41000004").await;
    clock.set(at("2026-11-23T12:00:00-05:00"));
    let t4 = file("41000005").await;

    clock.set(at("2026-11-23T13:00:00-05:00"));
    take_and(&app, &a, &t1, "approve", json!({})).await;
    clock.set(at("2026-11-23T14:00:00-05:00"));
    observe(
        &app,
        &a,
        &t2,
        &[LENTES, DNI_CADUCADO],
        "Revise también el cargo.",
    )
    .await;
    clock.set(at("2026-11-23T15:00:00-05:00"));
    observe(&app, &a, &t3, &[], "La constancia no se lee.").await;
    clock.set(at("2026-11-23T16:00:00-05:00"));
    take_and(&app, &a, &t4, "reject", json!({"reason": "Duplicado"})).await;

    clock.set(at("2026-11-24T09:00:00-05:00"));
    app.submit_ticket(&r, &t2).await;
    clock.set(at("2026-11-24T10:00:00-05:00"));
    take_and(&app, &a, &t2, "approve", json!({})).await;
    clock.set(at("2026-11-24T10:30:00-05:00"));
    app.submit_ticket(&r, &t3).await;
    clock.set(at("2026-11-24T11:00:00-05:00"));
    observe(&app, &a, &t3, &[TINTA], "").await;

    let first_close = "2026-11-27T17:00:00-05:00";
    clock.set(at(first_close));
    let batch = close_batch(&app, &a).await;
    assert_eq!(batch["items"].as_array().unwrap().len(), 3, "{batch}");

    clock.set(at("2026-11-30T09:00:00-05:00"));
    app.submit_ticket(&r, &t3).await;
    clock.set(at("2026-11-30T10:00:00-05:00"));
    take_and(&app, &a, &t3, "approve", json!({})).await;
    let t5_sent = "2026-11-30T11:00:00-05:00";
    clock.set(at(t5_sent));
    let t5 = file("41000006").await;
    clock.set(at("2026-11-30T12:00:00-05:00"));
    take_and(&app, &a, &t5, "approve", json!({})).await;

    let second_close = "2026-12-04T16:45:00-05:00";
    clock.set(at(second_close));
    let batch = close_batch(&app, &a).await;
    assert_eq!(batch["items"].as_array().unwrap().len(), 2, "{batch}");

    let week1 = jiff::civil::date(2026, 11, 27);
    let week2 = jiff::civil::date(2026, 12, 4);
    let waits = vec![
        (week1, seconds_between(t1_sent, first_close)),
        (week1, seconds_between(t2_sent, first_close)),
        (week1, seconds_between(t2_sent, first_close)),
        // T3 counts from its first submission, observations included.
        (week2, seconds_between(t3_sent, second_close)),
        (week2, seconds_between(t5_sent, second_close)),
    ];

    clock.set(at(READ_AT));
    let mut fixture = Fixture {
        app,
        clock,
        analyst,
        requester,
        waits,
        installation_number: String::new(),
    };
    // Sessions last 12 hours: sign in again on the reading day.
    fixture.analyst.sign_in_again(&fixture.app).await;
    fixture.requester.sign_in_again(&fixture.app).await;
    let r = fixture.requester.token.clone();
    // A draft, never sent.
    fixture.app.open_ticket(&r, "emision", Some("a")).await;

    // Expiring: in 10 and 30 days (window 30), 31 (60), 75 (90); not counted: in 91 days,
    // yesterday, and a cancelled one.
    for (holder, state, n) in [
        ("Ana Uno", CertificateState::Instalado, 10),
        ("Ana Dos", CertificateState::Instalado, 30),
        ("Ana Tres", CertificateState::Instalado, 31),
        ("Ana Cuatro", CertificateState::Instalado, 75),
        ("Ana Cinco", CertificateState::Instalado, 91),
        ("Ana Seis", CertificateState::Instalado, -1),
        ("Ana Siete", CertificateState::Cancelado, 5),
    ] {
        certificate(&fixture, holder, state, Some(days(n)), None).await;
    }
    // Download deadlines: today and in 7 days are at risk; in 8 days and an expired
    // download are not.
    certificate(
        &fixture,
        "Bruno Hoy",
        CertificateState::PendienteDescarga,
        None,
        Some(days(0)),
    )
    .await;
    let in_seven = certificate(
        &fixture,
        "Carla Siete",
        CertificateState::PendienteDescarga,
        None,
        Some(days(7)),
    )
    .await;
    certificate(
        &fixture,
        "Diego Ocho",
        CertificateState::PendienteDescarga,
        None,
        Some(days(8)),
    )
    .await;
    certificate(
        &fixture,
        "Elsa Vencida",
        CertificateState::DescargaVencida,
        None,
        Some(days(3)),
    )
    .await;
    let res = fixture
        .app
        .post_json(
            "/api/v1/tickets",
            Some(&r),
            &json!({"kind": "instalacion", "certificate_id": in_seven}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let installation: Value = res.json().await.unwrap();
    fixture
        .app
        .submit_ticket(&r, installation["id"].as_str().unwrap())
        .await;
    fixture.installation_number = installation["number"].as_str().unwrap().to_owned();
    fixture
}

/// `GET /api/v1/reports/{name}?from=&to=` as the analyst, which must answer 200.
async fn report(f: &Fixture, name: &str) -> Value {
    let res = f
        .app
        .get(
            &format!("/api/v1/reports/{name}?from={FROM}&to={TO}"),
            Some(&f.analyst.token),
        )
        .await;
    assert_eq!(res.status(), 200, "{name}");
    res.json().await.unwrap()
}

/// The rows of a report's JSON.
fn rows(report: &Value) -> Vec<Value> {
    report["rows"].as_array().unwrap().clone()
}

/// Nearest-rank percentile of `values` (sorted here): the value at rank ceil(p·n/100).
fn nearest_rank(values: &[i64], percent: usize) -> i64 {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let rank = (percent * sorted.len()).div_ceil(100);
    sorted[rank - 1]
}

/// Seconds as the API's days (two decimals).
fn api_days(seconds: f64) -> Value {
    json!(((seconds / 86_400.0) * 100.0).round() / 100.0)
}

#[tokio::test]
async fn reports_count_the_tickets_batches_observations_and_certificates_of_the_fixture() {
    let f = fixture().await;

    // Tickets registered in the period, by current status and kind.
    let by_status = report(&f, "tramites_por_estado").await;
    assert_eq!(by_status["from"], FROM);
    assert_eq!(by_status["to"], TO);
    let cell = |status: Value, kind: &str| {
        rows(&by_status)
            .into_iter()
            .find(|r| r["status"] == status)
            .unwrap_or_else(|| panic!("row {status}"))[kind]
            .clone()
    };
    assert_eq!(
        cell(json!("enviado_reniec"), "emision"),
        4,
        "T1, T2, T3, T5"
    );
    assert_eq!(cell(json!("rechazado"), "emision"), 1);
    assert_eq!(cell(json!("borrador"), "emision"), 1);
    assert_eq!(cell(json!("enviado"), "instalacion"), 1);
    assert_eq!(cell(json!("atendido"), "total"), 0);
    assert_eq!(cell(Value::Null, "total"), 7, "the total row");
    assert_eq!(cell(Value::Null, "emision"), 6);

    // Batches per week.
    let batches = report(&f, "lotes_por_semana").await;
    assert_eq!(
        rows(&batches),
        vec![
            json!({"week": "2026-11-23", "batches": 1, "applicants": 3, "largest": 3}),
            json!({"week": "2026-11-30", "batches": 1, "applicants": 2, "largest": 2}),
        ]
    );

    // Time from first submission to the batch's close: the whole period, then each batch.
    let waits = report(&f, "tiempo_hasta_envio").await;
    let expected = |week: Option<Date>| {
        let values: Vec<i64> = f
            .waits
            .iter()
            .filter(|(w, _)| week.is_none_or(|week| *w == week))
            .map(|(_, s)| *s)
            .collect();
        let mean = values.iter().sum::<i64>() as f64 / values.len() as f64;
        json!({
            "batch_cutoff": week.map(|w| w.to_string()),
            "applicants": values.len(),
            "mean_days": api_days(mean),
            "median_days": api_days(nearest_rank(&values, 50) as f64),
            "p90_days": api_days(nearest_rank(&values, 90) as f64),
        })
    };
    assert_eq!(
        rows(&waits),
        vec![
            expected(None),
            expected(Some(jiff::civil::date(2026, 11, 27))),
            expected(Some(jiff::civil::date(2026, 12, 4))),
        ]
    );
    // Spelled out once: T3 waited 11 days 5 h 45 min, the longest (the 90th percentile).
    assert_eq!(rows(&waits)[0]["p90_days"], api_days(971_100.0));
    assert_eq!(rows(&waits)[0]["median_days"], api_days(370_800.0));

    // Review decisions: week of 23 Nov: 3 observations, 2 approvals, 1 rejection; week of
    // 30 Nov: 2 approvals.
    let rate = report(&f, "tasa_de_observacion").await;
    assert_eq!(
        rows(&rate),
        vec![
            json!({"week": null, "reviews": 8, "observed": 3, "approved": 4, "rejected": 1, "observation_rate": 0.375}),
            json!({"week": "2026-11-23", "reviews": 6, "observed": 3, "approved": 2, "rejected": 1, "observation_rate": 0.5}),
            json!({"week": "2026-11-30", "reviews": 2, "observed": 0, "approved": 2, "rejected": 0, "observation_rate": 0.0}),
        ]
    );

    // Reasons: each canned text once, one observation in words only, three in all.
    let reasons = report(&f, "motivos_de_observacion").await;
    let third = json!(0.3333);
    assert_eq!(
        rows(&reasons),
        vec![
            json!({"reason_id": DNI_CADUCADO, "reason": "DNI caducado", "observations": 1, "share": third}),
            json!({"reason_id": TINTA, "reason": "Firma con tinta negra", "observations": 1, "share": third}),
            json!({"reason_id": LENTES, "reason": "Foto con lentes", "observations": 1, "share": third}),
            json!({"reason_id": null, "reason": "Solo con palabras del analista (sin texto frecuente)", "observations": 1, "share": third}),
            json!({"reason_id": null, "reason": "Observaciones en el periodo", "observations": 3, "share": 1.0}),
        ]
    );

    // Certificates expiring, counted from today whatever the period.
    let expiring = report(&f, "certificados_por_vencer").await;
    assert_eq!(expiring["from"], Value::Null);
    assert_eq!(expiring["as_of"], "2026-12-07");
    assert_eq!(
        rows(&expiring),
        vec![
            json!({"within_days": 30, "from": "2026-12-07", "to": "2027-01-06", "certificates": 2, "cumulative": 2}),
            json!({"within_days": 60, "from": "2027-01-07", "to": "2027-02-05", "certificates": 1, "cumulative": 3}),
            json!({"within_days": 90, "from": "2027-02-06", "to": "2027-03-07", "certificates": 1, "cumulative": 4}),
        ]
    );

    // Download deadlines at risk: today's and the one in 7 days, soonest first.
    let risk = report(&f, "descargas_en_riesgo").await;
    let risk_rows = rows(&risk);
    assert_eq!(risk_rows.len(), 2, "{risk}");
    assert_eq!(risk_rows[0]["holder"], "Bruno Hoy");
    assert_eq!(risk_rows[0]["days_left"], 0);
    assert_eq!(risk_rows[0]["installation_ticket"], Value::Null);
    assert_eq!(risk_rows[1]["holder"], "Carla Siete");
    assert_eq!(risk_rows[1]["download_deadline"], "2026-12-14");
    assert_eq!(risk_rows[1]["days_left"], 7);
    assert_eq!(risk_rows[1]["installation_ticket"], f.installation_number);

    // A period that holds only the second week counts only it.
    let res = f
        .app
        .get(
            "/api/v1/reports/lotes_por_semana?from=2026-11-30&to=2026-12-06",
            Some(&f.analyst.token),
        )
        .await;
    let second: Value = res.json().await.unwrap();
    assert_eq!(rows(&second).len(), 1);
    assert_eq!(rows(&second)[0]["week"], "2026-11-30");
}

/// The CSV file's lines, after checking the BOM.
async fn csv_lines(res: reqwest::Response) -> Vec<String> {
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\""),
        "{disposition}"
    );
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a BOM");
    String::from_utf8(bytes[3..].to_vec())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn each_report_downloads_as_csv_with_the_pages_words() {
    let f = fixture().await;
    let res = f
        .app
        .get(
            &format!("/api/v1/reports/tiempo_hasta_envio.csv?from={FROM}&to={TO}"),
            Some(&f.analyst.token),
        )
        .await;
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        disposition,
        "attachment; filename=\"tiempo_hasta_envio-2026-11-23-2026-12-07.csv\""
    );
    let lines = csv_lines(res).await;
    let days = |s: i64| format!("{:.1}", s as f64 / 86_400.0);
    let week = |w: Date| -> Vec<i64> {
        f.waits
            .iter()
            .filter(|(d, _)| *d == w)
            .map(|(_, s)| *s)
            .collect()
    };
    let w1 = week(jiff::civil::date(2026, 11, 27));
    assert_eq!(
        lines,
        vec![
            "Lote del corte,Solicitantes enviados,Promedio (días),Mediana (días),Percentil 90 (días)"
                .to_owned(),
            format!("Todo el periodo,5,{},{},{}", days(490_680), days(370_800), days(971_100)),
            format!(
                "27/11/2026,3,{},{},{}",
                days(w1.iter().sum::<i64>() / 3),
                days(nearest_rank(&w1, 50)),
                days(nearest_rank(&w1, 90))
            ),
            format!("04/12/2026,2,{},{},{}", days(668_700), days(366_300), days(971_100)),
        ]
    );

    // The page's link gives the same kind of file, with the browser's session; ids are
    // for programs and stay out of it.
    let (_, html) = f
        .analyst
        .page(&f.app, "/reportes?desde=2026-11-23&hasta=2026-12-07")
        .await;
    let links = attrs(&html, "#motivos-de-observacion .export-link a", "href");
    assert_eq!(
        links,
        ["/reportes/motivos_de_observacion.csv?desde=2026-11-23&hasta=2026-12-07"]
    );
    let res = f
        .analyst
        .browser
        .get(f.app.url(&links[0]))
        .send()
        .await
        .unwrap();
    let lines = csv_lines(res).await;
    assert_eq!(
        lines,
        [
            "Motivo,Observaciones,% de las observaciones",
            "DNI caducado,1,33.3 %",
            "Firma con tinta negra,1,33.3 %",
            "Foto con lentes,1,33.3 %",
            "Solo con palabras del analista (sin texto frecuente),1,33.3 %",
            "Observaciones en el periodo,3,100.0 %",
        ]
    );
    let res = f
        .app
        .get(
            "/api/v1/reports/descargas_en_riesgo.csv",
            Some(&f.analyst.token),
        )
        .await;
    let lines = csv_lines(res).await;
    assert_eq!(
        lines[0],
        "Titular,Plazo de descarga,Días restantes,Trámite de instalación,Cita de instalación"
    );
    assert_eq!(
        lines[1],
        "Bruno Hoy,07/12/2026,Hoy es el último día,Sin trámite,"
    );
    assert_eq!(
        lines[2],
        format!(
            "Carla Siete,14/12/2026,Quedan 7 días,{},",
            f.installation_number
        )
    );
}

/// Every chart of a page: each `<svg class="grafico" …>…</svg>` (the layout has icons too).
fn svgs(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("a closed svg") + start + "</svg>".len();
        let svg = &rest[start..end];
        if svg[..svg.find('>').unwrap()].contains("class=\"grafico\"") {
            out.push(svg.to_owned());
        }
        rest = &rest[end..];
    }
    out
}

/// Parses `svg` as XML; the name of its root element, its attributes, and the text of its
/// `<title>`.
fn parse_svg(svg: &str) -> (String, Vec<(String, String)>, String) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut root = None;
    let mut depth = 0i32;
    let mut in_title = false;
    let mut title = String::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                let name = e.name().as_ref().to_owned();
                if root.is_none() {
                    let attributes = e
                        .attributes()
                        .map(|a| {
                            let a = a.unwrap();
                            (a.key.as_ref().to_owned(), a.value.clone().into_owned())
                        })
                        .collect();
                    root = Some((name.clone(), attributes));
                }
                in_title = name == "title";
                depth += 1;
            }
            Event::End(_) => {
                in_title = false;
                depth -= 1;
            }
            Event::Text(t) if in_title => title.push_str(&t.xml10_content()),
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "every element closed");
    let (name, attributes) = root.expect("a root element");
    (name, attributes, title)
}

#[tokio::test]
async fn the_page_shows_each_report_as_a_named_svg_chart_followed_by_its_table() {
    let f = fixture().await;
    let (status, html) = f
        .analyst
        .page(&f.app, "/reportes?desde=2026-11-23&hasta=2026-12-07")
        .await;
    assert_eq!(status, 200);
    let charts = svgs(&html);
    // Every report has data in the fixture, so every one has its chart.
    assert_eq!(charts.len(), NAMES.len());
    for svg in &charts {
        let (root, attributes, title) = parse_svg(svg);
        assert_eq!(root, "svg");
        let attr_of = |k: &str| {
            attributes
                .iter()
                .find(|(name, _)| name == k)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(attr_of("role").as_deref(), Some("img"));
        assert_eq!(
            attr_of("xmlns").as_deref(),
            Some("http://www.w3.org/2000/svg")
        );
        let labelled_by = attr_of("aria-labelledby").expect("named by its title");
        assert!(svg.contains(&format!("<title id=\"{labelled_by}\">")));
        assert!(!title.trim().is_empty());
        assert!(attr_of("viewBox").is_some());
        assert!(attr_of("width").is_none(), "the page sizes it");
    }
    // Each report's section: heading, chart, table, CSV link; the table has the numbers.
    let page = doc(&html);
    for name in NAMES {
        let id = name.replace('_', "-");
        let section = format!("section#{id}");
        assert_eq!(
            count(&html, &format!("{section} figure.chart svg[role=img]")),
            1,
            "{name}"
        );
        assert_eq!(
            count(&html, &format!("{section} table.report-table")),
            1,
            "{name}"
        );
        assert_eq!(
            texts(&html, &format!("{section} .export-link a"))[0],
            format!(
                "Descargar CSV: {}",
                texts(&html, &format!("{section} h2"))[0]
            )
        );
        // The figure comes before its table: the table is the chart's text alternative.
        let sel = scraper::Selector::parse(&format!("{section} > *")).unwrap();
        let order: Vec<&str> = page.select(&sel).map(|e| e.value().name()).collect();
        let figure = order.iter().position(|n| *n == "figure").unwrap();
        let table = order.iter().position(|n| *n == "table").unwrap();
        assert!(figure < table, "{name}: {order:?}");
    }
    // The batches chart draws the weeks the table lists.
    assert!(charts[1].contains(">\n23/11\n</text>"), "{}", charts[1]);
    assert!(charts[1].contains(">\n30/11\n</text>"));
    assert_eq!(
        texts(&html, "#lotes-por-semana tbody tr th"),
        ["23/11/2026", "30/11/2026"]
    );
    // The period's fields keep what was asked.
    assert_eq!(
        attr(&html, "#desde", "value").as_deref(),
        Some("2026-11-23")
    );
    assert_eq!(
        attr(&html, "#hasta", "value").as_deref(),
        Some("2026-12-07")
    );
    // An admin reads the page too.
    let admin = Person::sign_up(&f.app, ADMIN, Role::Admin).await;
    assert_eq!(admin.page(&f.app, "/reportes").await.0, 200);
    let _ = &f.clock;
}

#[tokio::test]
async fn requesters_and_strangers_cannot_read_reports() {
    let (app, _clock) = app_at(READ_AT).await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    for name in NAMES {
        for path in [
            format!("/api/v1/reports/{name}"),
            format!("/api/v1/reports/{name}.csv"),
        ] {
            problem(app.get(&path, Some(&requester.token)).await, 403).await;
            problem(app.get(&path, None).await, 401).await;
            assert_eq!(
                app.get(&path, Some(&analyst.token)).await.status(),
                200,
                "{path}"
            );
        }
        let page = format!("/reportes/{name}.csv");
        assert_eq!(requester.page(&app, &page).await.0, 403, "{page}");
        let res = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(app.url(&page))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{page}");
        assert_eq!(res.headers()["location"], "/login");
    }
    let (status, html) = requester.page(&app, "/reportes").await;
    assert_eq!(status, 403);
    assert_eq!(
        count(&html, "section.report, svg.grafico"),
        0,
        "no report for a requester"
    );
    let res = crate::helpers::new_browser()
        .get(app.url("/reportes"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login");
    // With no tickets, the reports are empty, not errors.
    let (status, html) = analyst.page(&app, "/reportes").await;
    assert_eq!(status, 200);
    assert_eq!(count(&html, "section.report"), NAMES.len());
    let _: Timestamp = at(READ_AT);
}

#[tokio::test]
async fn a_bad_period_is_refused_in_spanish_on_each_field() {
    let (app, _clock) = app_at(READ_AT).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    let token = &analyst.token;
    let body = problem(
        app.get(
            "/api/v1/reports/lotes_por_semana?from=2026-13-01&to=ayer",
            Some(token),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        body["errors"]["from"][0],
        "La fecha no existe en el calendario. Revise el día y el mes."
    );
    assert_eq!(
        body["errors"]["to"][0],
        "Escriba la fecha con el formato AAAA-MM-DD (por ejemplo, 2026-03-15)."
    );
    let body = problem(
        app.get(
            "/api/v1/reports/tiempo_hasta_envio.csv?from=2026-12-01&to=2026-11-01",
            Some(token),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        body["errors"]["to"][0],
        "La fecha final debe ser igual o posterior a la fecha inicial."
    );
    assert!(body["errors"].get("from").is_none());
    problem(app.get("/api/v1/reports/ventas", Some(token)).await, 404).await;
    problem(
        app.get("/api/v1/reports/ventas.csv", Some(token)).await,
        404,
    )
    .await;

    // The page: 422, the error summary and the message beside the field, no report.
    let (status, html) = analyst
        .page(&app, "/reportes?desde=2026-12-01&hasta=2026-02-30")
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        error_summary(&html),
        [(
            "#hasta".to_owned(),
            "Hasta: La fecha no existe en el calendario. Revise el día y el mes.".to_owned()
        )]
    );
    assert_eq!(
        attr(&html, "#hasta", "aria-invalid").as_deref(),
        Some("true")
    );
    assert_eq!(
        attr(&html, "#hasta", "value").as_deref(),
        Some("2026-02-30")
    );
    assert_eq!(count(&html, "section.report"), 0);
    assert_eq!(
        analyst
            .page(&app, "/reportes/lotes_por_semana.csv?desde=mañana")
            .await
            .0,
        422
    );
    assert_eq!(analyst.page(&app, "/reportes/ventas.csv").await.0, 404);
}

#[tokio::test]
async fn the_default_period_is_the_last_twelve_weeks_to_today() {
    let (app, _clock) = app_at(READ_AT).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    let res = app
        .get("/api/v1/reports/tasa_de_observacion", Some(&analyst.token))
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["from"], "2026-09-21",
        "the Monday 11 weeks before this one"
    );
    assert_eq!(body["to"], "2026-12-07");
    assert_eq!(body["as_of"], "2026-12-07");
    let keys: Vec<&str> = body["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "week",
            "reviews",
            "observed",
            "approved",
            "rejected",
            "observation_rate"
        ]
    );
    let (_, html) = analyst.page(&app, "/reportes").await;
    assert_eq!(
        attr(&html, "#desde", "value").as_deref(),
        Some("2026-09-21")
    );
}
