//! Results in bulk (issue 12): RENIEC's answers for a whole batch from a CSV or XLSX file,
//! previewed without saving, or applied all in one transaction or not at all; through the
//! API and through the batch page; and the template to fill in.

use certdesk::clock::FixedClock;
use domain::role::Role;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

use crate::helpers::{
    app_at, applicant_with, approved, at, attr, count, csrf_token, error_summary, field_error,
    file_ticket, h1, location, notice, problem, texts, ticket_json, Person, TestApp, WEDNESDAY,
};

/// The day the tests answer on: the batch of Friday 4 Dec 2026 was sent on the 9th.
const AFTER_THE_BATCH: &str = "2026-12-09T09:00:00-05:00";

/// A batch sent to RENIEC with three applicants: Ana (41111111) and Beto (05222222) in one
/// ticket, Carla (43333333) in another; the clock stands at [`AFTER_THE_BATCH`].
struct Sent {
    app: TestApp,
    _clock: FixedClock,
    requester: Person,
    analyst: Person,
    batch: String,
    tickets: Vec<String>,
}

const ANA: &str = "41111111";
const BETO: &str = "05222222";
const CARLA: &str = "43333333";

async fn sent_batch() -> Sent {
    let (app, clock) = app_at(WEDNESDAY).await;
    let requester = Person::sign_up(&app, "sol@regioncajamarca.gob.pe", Role::Solicitante).await;
    let mut analyst = Person::sign_up(&app, "ana@regioncajamarca.gob.pe", Role::Analista).await;
    let person = |dni: &str, name: &str, email: &str| {
        applicant_with(dni, &[("given_names", name), ("email", email)])
    };
    let first = app
        .open_ticket(&requester.token, "emision", Some("a"))
        .await;
    let first = first["id"].as_str().unwrap().to_owned();
    app.add_applicant(
        &requester.token,
        &first,
        &person(ANA, "Ana", "ana.tello@regioncajamarca.gob.pe"),
    )
    .await;
    app.add_applicant(
        &requester.token,
        &first,
        &person(BETO, "Beto", "beto.tello@regioncajamarca.gob.pe"),
    )
    .await;
    app.submit_ticket(&requester.token, &first).await;
    let (second, _) = file_ticket(
        &app,
        &requester.token,
        "emision",
        "a",
        &person(CARLA, "Carla", "carla.tello@regioncajamarca.gob.pe"),
    )
    .await;
    approved(&app, &analyst.token, &first).await;
    approved(&app, &analyst.token, &second).await;
    clock.set(at(AFTER_THE_BATCH));
    // A week later the browser session is gone; the API token (30 days) is not.
    analyst.sign_in_again(&app).await;
    let res = app
        .post_json("/api/v1/batches/close", Some(&analyst.token), &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let batch: Value = res.json().await.unwrap();
    assert_eq!(batch["items"].as_array().unwrap().len(), 3);
    Sent {
        app,
        _clock: clock,
        requester,
        analyst,
        batch: batch["id"].as_str().unwrap().to_owned(),
        tickets: vec![first, second],
    }
}

impl Sent {
    /// `POST /api/v1/batches/{id}/results` with the file `results`.
    async fn upload(
        &self,
        token: &str,
        name: &str,
        bytes: Vec<u8>,
        dry_run: bool,
    ) -> reqwest::Response {
        let query = if dry_run { "?dry_run=true" } else { "" };
        self.app
            .post_multipart(
                &format!("/api/v1/batches/{}/results{query}", self.batch),
                token,
                Form::new().part("results", Part::bytes(bytes).file_name(name.to_owned())),
            )
            .await
    }

    async fn upload_csv(&self, csv: &str, dry_run: bool) -> reqwest::Response {
        self.upload(
            &self.analyst.token,
            "resultados.csv",
            csv.as_bytes().to_vec(),
            dry_run,
        )
        .await
    }

    /// Each applicant of the batch with their status, in FIFO order.
    async fn statuses(&self) -> Vec<(String, String)> {
        let batch: Value = self
            .app
            .get(
                &format!("/api/v1/batches/{}", self.batch),
                Some(&self.analyst.token),
            )
            .await
            .json()
            .await
            .unwrap();
        batch["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["dni"].as_str().unwrap().to_owned(),
                    i["status"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    /// Every certificate in the registry (analysts see all).
    async fn certificates(&self) -> Vec<Value> {
        let list: Value = self
            .app
            .get("/api/v1/certificates", Some(&self.analyst.token))
            .await
            .json()
            .await
            .unwrap();
        list["items"].as_array().unwrap().clone()
    }

    /// Nothing recorded: everyone still sent to RENIEC, no certificate, tickets unmoved.
    async fn assert_nothing_recorded(&self) {
        assert_eq!(
            self.statuses().await,
            vec![
                (ANA.into(), "enviado_reniec".into()),
                (BETO.into(), "enviado_reniec".into()),
                (CARLA.into(), "enviado_reniec".into()),
            ]
        );
        assert!(self.certificates().await.is_empty());
        for id in &self.tickets {
            let ticket = ticket_json(&self.app, &self.analyst.token, id).await;
            assert_eq!(ticket["status"], "enviado_reniec");
            assert!(
                ticket["history"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|h| h["event"] != "reniec_result"),
                "{ticket}"
            );
        }
    }
}

const HEADER: &str =
    "DNI,Apellidos y nombres,Trámite,Resultado,Fecha del correo de DCDelivery,Motivo del rechazo\n";

/// Ana approved (DCDelivery 08/12/2026), Beto rejected, Carla approved (07/12/2026).
fn good_csv() -> String {
    format!(
        "{HEADER}{ANA},,,Aprobado,08/12/2026,\n{BETO},,,RECHAZADO,,Foto con lentes\n{CARLA},,,aprobada,2026-12-07,\n"
    )
}

fn row_of(body: &Value, line: u64) -> &Value {
    body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["row"] == line)
        .unwrap_or_else(|| panic!("row {line} in {body}"))
}

#[tokio::test]
async fn a_dry_run_previews_every_row_flags_strangers_and_saves_nothing() {
    let sent = sent_batch().await;
    let csv = format!(
        "{HEADER}{ANA},,,Aprobado,08/12/2026,\n{BETO},,,rechazado,,Foto con lentes\n49999999,,,aprobado,08/12/2026,\n{CARLA},Tello Vásquez Carla,,,,\n"
    );
    let res = sent.upload_csv(&csv, true).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["dry_run"], true);
    assert_eq!(body["applied"], false);
    assert_eq!(body["can_apply"], false, "a stranger's row stops the file");
    assert_eq!(
        body["counts"],
        json!({"rows": 4, "ready": 2, "approved": 1, "rejected": 1, "skipped": 1, "unmatched": 1, "invalid": 0})
    );
    let ana = row_of(&body, 2);
    assert_eq!(ana["state"], "listo");
    assert_eq!(ana["matched"], true);
    assert_eq!(ana["dni"], ANA);
    assert_eq!(ana["result"], "aprobado");
    assert_eq!(ana["delivery_sent_on"], "2026-12-08");
    assert_eq!(ana["full_name"], "Tello Vásquez, Ana");
    assert_eq!(ana["ticket_id"], sent.tickets[0].as_str());
    let beto = row_of(&body, 3);
    assert_eq!(
        (&beto["result"], &beto["reason"]),
        (&json!("rechazado"), &json!("Foto con lentes"))
    );
    let stranger = row_of(&body, 4);
    assert_eq!(stranger["state"], "no_coincide");
    assert_eq!(stranger["matched"], false);
    assert_eq!(stranger["applicant_id"], Value::Null);
    assert_eq!(
        stranger["errors"],
        json!(["Este DNI no es de ningún solicitante de este lote."])
    );
    assert_eq!(row_of(&body, 5)["state"], "sin_resultado");
    sent.assert_nothing_recorded().await;

    // Without the stranger the same preview can be applied, and still saves nothing.
    let csv = csv.replace("49999999,,,aprobado,08/12/2026,\n", "");
    let body: Value = sent.upload_csv(&csv, true).await.json().await.unwrap();
    assert_eq!(body["can_apply"], true);
    sent.assert_nothing_recorded().await;
}

/// What a ticket's JSON says that results may change (ids and times left out).
fn ticket_facts(ticket: &Value) -> Value {
    json!({
        "status": ticket["status"],
        "applicants": ticket["applicants"].as_array().unwrap().iter()
            .map(|a| json!([a["dni"], a["status"]])).collect::<Vec<_>>(),
        "history": ticket["history"].as_array().unwrap().iter()
            .map(|h| json!([h["actor"], h["event"], h["from_status"], h["to_status"], h["comment"]]))
            .collect::<Vec<_>>(),
    })
}

/// Everything RENIEC's answers change, as comparable values: tickets, certificates, the
/// requester's in-app notices and the outbox.
async fn outcome(sent: &Sent) -> Value {
    let mut tickets = Vec::new();
    for id in &sent.tickets {
        tickets.push(ticket_facts(
            &ticket_json(&sent.app, &sent.analyst.token, id).await,
        ));
    }
    let mut certificates: Vec<Value> = sent
        .certificates()
        .await
        .iter()
        .map(|c| {
            json!([
                c["holder_name"],
                c["dni"],
                c["state"],
                c["download_deadline"],
                c["expires_on"]
            ])
        })
        .collect();
    certificates.sort_by_key(|c| c.to_string());
    let notices: Value = sent
        .app
        .get("/api/v1/notifications", Some(&sent.requester.token))
        .await
        .json()
        .await
        .unwrap();
    let mut notices: Vec<Value> = notices["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| json!([n["kind"], n["title"], n["body"]]))
        .collect();
    notices.sort_by_key(|n| n.to_string());
    let mut conn = sent.app.app.store.conn().await.unwrap();
    let mut mails: Vec<(String, String)> = sqlx::query_as("SELECT to_address, subject FROM outbox")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    mails.sort();
    json!({"tickets": tickets, "certificates": certificates, "notices": notices, "mails": mails})
}

#[tokio::test]
async fn a_good_file_records_every_row_exactly_as_one_by_one_does() {
    // The same batch twice: one answered row by row, the other with the file.
    let by_hand = sent_batch().await;
    let items: Value = by_hand
        .app
        .get(
            &format!("/api/v1/batches/{}", by_hand.batch),
            Some(&by_hand.analyst.token),
        )
        .await
        .json()
        .await
        .unwrap();
    let applicant = |dni: &str| {
        items["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["dni"] == dni)
            .unwrap()["applicant_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    for (dni, body) in [
        (
            ANA,
            json!({"approved": true, "delivery_sent_on": "2026-12-08"}),
        ),
        (
            BETO,
            json!({"approved": false, "reason": "Foto con lentes"}),
        ),
        (
            CARLA,
            json!({"approved": true, "delivery_sent_on": "2026-12-07"}),
        ),
    ] {
        let res = by_hand
            .app
            .post_json(
                &format!("/api/v1/applicants/{}/reniec-result", applicant(dni)),
                Some(&by_hand.analyst.token),
                &body,
            )
            .await;
        assert_eq!(res.status(), 200);
    }

    let by_file = sent_batch().await;
    let res = by_file.upload_csv(&good_csv(), false).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (&body["applied"], &body["dry_run"]),
        (&json!(true), &json!(false))
    );
    assert_eq!(body["counts"]["ready"], 3);

    assert_eq!(
        by_file.statuses().await,
        vec![
            (ANA.into(), "aprobado".into()),
            (BETO.into(), "rechazado".into()),
            (CARLA.into(), "aprobado".into()),
        ]
    );
    let expected = outcome(&by_hand).await;
    let got = outcome(&by_file).await;
    assert_eq!(got, expected);
    // And what that is: both tickets attended, two certificates pending download.
    assert_eq!(got["tickets"][0]["status"], "atendido");
    assert_eq!(got["tickets"][1]["status"], "atendido");
    assert_eq!(got["certificates"].as_array().unwrap().len(), 2);
    assert!(got["mails"].as_array().unwrap().len() >= 3, "{got}");

    // One audit entry for the upload, with counts and no DNI; each answer is on record
    // through its history line as well.
    let admin = Person::sign_up(&by_file.app, "jefe@regioncajamarca.gob.pe", Role::Admin).await;
    let uploads = audit_entries(&by_file, &admin.token, "batch.results_uploaded").await;
    assert_eq!(uploads.len(), 1, "{uploads:?}");
    assert_eq!(uploads[0]["subject"], format!("batch:{}", by_file.batch));
    assert_eq!(
        uploads[0]["detail"],
        json!({"source": "csv", "rows": 3, "recorded": 3, "approved": 2, "rejected": 1, "skipped": 0})
    );
    assert_eq!(uploads[0]["actor_email"], by_file.analyst.email.as_str());
    let everything = audit_entries(&by_file, &admin.token, "").await;
    for dni in [ANA, BETO, CARLA] {
        assert!(
            everything
                .iter()
                .all(|e| !e["detail"].to_string().contains(dni)),
            "a DNI in the audit log"
        );
    }

    // The same file again: every row is already recorded (422), nothing changes.
    let again = problem(by_file.upload_csv(&good_csv(), false).await, 422).await;
    assert!(
        again["errors"]["results[2]"][0]
            .as_str()
            .unwrap()
            .starts_with("Ya se registró el resultado de Tello Vásquez, Ana"),
        "{again}"
    );
    assert_eq!(outcome(&by_file).await, got);
    assert_eq!(
        audit_entries(&by_file, &admin.token, "batch.results_uploaded")
            .await
            .len(),
        1,
        "a refused upload is not on record as applied"
    );
}

/// The audit log's entries with this action (every entry when blank), as the admin behind
/// `token` reads them.
async fn audit_entries(sent: &Sent, token: &str, action: &str) -> Vec<Value> {
    let query = if action.is_empty() {
        "?limit=200".to_owned()
    } else {
        format!("?action={action}&limit=200")
    };
    let res = sent
        .app
        .get(&format!("/api/v1/audit{query}"), Some(token))
        .await;
    assert_eq!(res.status(), 200);
    let page: Value = res.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn one_bad_row_saves_no_row() {
    let sent = sent_batch().await;
    // Carla's date is tomorrow, and a stranger is in the file: both rows are named.
    let csv = format!(
        "{HEADER}{ANA},,,Aprobado,08/12/2026,\n{BETO},,,rechazado,,Foto con lentes\n{CARLA},,,aprobado,10/12/2026,\n49999999,,,rechazado,,Otro\n"
    );
    let body = problem(sent.upload_csv(&csv, false).await, 422).await;
    let errors = body["errors"].as_object().unwrap();
    assert_eq!(
        errors.keys().collect::<Vec<_>>(),
        vec!["results[4]", "results[5]"],
        "{body}"
    );
    assert_eq!(
        errors["results[4]"],
        json!(["La fecha del correo de DCDelivery no puede ser futura."])
    );
    assert_eq!(
        errors["results[5]"],
        json!(["Este DNI no es de ningún solicitante de este lote."])
    );
    sent.assert_nothing_recorded().await;
}

#[tokio::test]
async fn an_xlsx_is_read_like_a_csv_with_its_numbers_and_date_cells() {
    use rust_xlsxwriter::{ExcelDateTime, Format as Cell, Workbook};
    let sent = sent_batch().await;
    // As people fill it in Excel: the DNI typed as a number (Beto's zero lost), a real date
    // cell, a serial number where the date format was lost, words in any case.
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (col, title) in [
        "DNI",
        "Resultado",
        "Fecha del correo de DCDelivery",
        "Motivo del rechazo",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, col as u16, *title).unwrap();
    }
    let date = Cell::new().set_num_format("dd/mm/yyyy");
    sheet.write_number(1, 0, 41_111_111.0).unwrap();
    sheet.write_string(1, 1, "APROBADO").unwrap();
    sheet
        .write_datetime_with_format(1, 2, ExcelDateTime::from_ymd(2026, 12, 8).unwrap(), &date)
        .unwrap();
    sheet.write_number(2, 0, 5_222_222.0).unwrap();
    sheet.write_string(2, 1, "Rechazado").unwrap();
    sheet.write_string(2, 3, "Firma incompleta").unwrap();
    sheet.write_string(3, 0, CARLA).unwrap();
    sheet.write_string(3, 1, "aprobado").unwrap();
    sheet.write_number(3, 2, 46363.0).unwrap();
    let bytes = book.save_to_buffer().unwrap();

    let preview: Value = sent
        .upload(&sent.analyst.token, "resultados.xlsx", bytes.clone(), true)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(preview["can_apply"], true, "{preview}");
    assert_eq!(row_of(&preview, 3)["dni"], BETO);
    assert_eq!(row_of(&preview, 2)["delivery_sent_on"], "2026-12-08");
    assert_eq!(row_of(&preview, 4)["delivery_sent_on"], "2026-12-07");

    let res = sent
        .upload(&sent.analyst.token, "resultados.xlsx", bytes, false)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        sent.statuses().await,
        vec![
            (ANA.into(), "aprobado".into()),
            (BETO.into(), "rechazado".into()),
            (CARLA.into(), "aprobado".into()),
        ]
    );
    let mut deadlines: Vec<String> = sent
        .certificates()
        .await
        .iter()
        .map(|c| c["download_deadline"].as_str().unwrap().to_owned())
        .collect();
    deadlines.sort();
    assert_eq!(deadlines, ["2027-01-06", "2027-01-07"]);
}

#[tokio::test]
async fn files_that_cannot_be_applied_get_a_clear_spanish_422() {
    let sent = sent_batch().await;
    let file_error = |body: &Value| body["errors"]["results"][0].as_str().unwrap().to_owned();

    let empty = problem(sent.upload_csv("", false).await, 422).await;
    assert!(file_error(&empty).contains("vacío"), "{empty}");
    let header_only = problem(sent.upload_csv(HEADER, true).await, 422).await;
    assert!(
        file_error(&header_only).contains("no tiene filas"),
        "{header_only}"
    );
    let wrong_header = problem(
        sent.upload_csv(
            &format!("Documento nacional,Estado\n{ANA},aprobado\n"),
            true,
        )
        .await,
        422,
    )
    .await;
    assert!(
        file_error(&wrong_header).contains("Falta: DNI, Resultado"),
        "{wrong_header}"
    );
    let no_file = problem(
        sent.app
            .post_multipart(
                &format!("/api/v1/batches/{}/results", sent.batch),
                &sent.analyst.token,
                Form::new().text("otro", "x"),
            )
            .await,
        422,
    )
    .await;
    assert!(
        file_error(&no_file).contains("Elija el archivo"),
        "{no_file}"
    );
    let too_big = format!("{HEADER}{}", format!("{ANA},,,,,\n").repeat(260_000));
    assert!(too_big.len() > 2 * 1024 * 1024);
    let big = problem(sent.upload_csv(&too_big, false).await, 422).await;
    assert!(file_error(&big).contains("pesa más de 2 MB"), "{big}");
    let xls = problem(
        sent.upload(
            &sent.analyst.token,
            "resultados.xls",
            vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1],
            false,
        )
        .await,
        422,
    )
    .await;
    assert!(file_error(&xls).contains(".xls"), "{xls}");
    let blank = problem(
        sent.upload_csv(&format!("{HEADER}{ANA},,,,,\n"), false)
            .await,
        422,
    )
    .await;
    assert!(
        file_error(&blank).contains("Ninguna fila trae un resultado"),
        "{blank}"
    );

    let twice = format!("{HEADER}{ANA},,,aprobado,08/12/2026,\n{ANA},,,rechazado,,Foto\n");
    let body = problem(sent.upload_csv(&twice, false).await, 422).await;
    assert_eq!(
        body["errors"]["results[3]"],
        json!(["Este DNI ya está en la fila 2: deje una sola fila por persona."])
    );
    let words =
        format!("{HEADER}{ANA},,,pendiente,,\n{BETO},,,aprobado,,\n{CARLA},,,rechazado,,\n");
    let body = problem(sent.upload_csv(&words, false).await, 422).await;
    assert_eq!(
        body["errors"]["results[2]"],
        json!(["Escriba «aprobado» o «rechazado» en el resultado (dice «pendiente»)."])
    );
    assert_eq!(
        body["errors"]["results[3]"],
        json!(["Aprobado: escriba la fecha del correo de DCDelivery."])
    );
    assert_eq!(
        body["errors"]["results[4]"],
        json!(["Rechazado: escriba el motivo que indicó RENIEC."])
    );
    // A dry run of the same file answers 200 with the same messages on its rows.
    let preview: Value = sent.upload_csv(&words, true).await.json().await.unwrap();
    assert_eq!(row_of(&preview, 4)["state"], "con_errores");
    assert_eq!(row_of(&preview, 4)["errors"], body["errors"]["results[4]"]);
    sent.assert_nothing_recorded().await;
}

#[tokio::test]
async fn only_analysts_send_results_or_get_the_template() {
    let mut sent = sent_batch().await;
    let bytes = good_csv().into_bytes();
    for dry_run in [true, false] {
        let res = sent
            .upload(&sent.requester.token, "r.csv", bytes.clone(), dry_run)
            .await;
        problem(res, 403).await;
    }
    let anonymous = reqwest::Client::new()
        .post(
            sent.app
                .url(&format!("/api/v1/batches/{}/results", sent.batch)),
        )
        .multipart(Form::new().part("results", Part::bytes(bytes.clone()).file_name("r.csv")))
        .send()
        .await
        .unwrap();
    problem(anonymous, 401).await;
    // An admin is an analyst too.
    let admin = Person::sign_up(&sent.app, "jefe@regioncajamarca.gob.pe", Role::Admin).await;
    let res = sent
        .upload(&admin.token, "r.csv", bytes.clone(), true)
        .await;
    assert_eq!(res.status(), 200);

    // The pages: requesters get the 403 page, nobody signed in goes to the login page.
    sent.requester.sign_in_again(&sent.app).await;
    let requester = &sent.requester;
    for path in ["plantilla.csv", "plantilla.xlsx"] {
        let url = format!("/analista/lotes/{}/{path}", sent.batch);
        let (status, _) = requester.page(&sent.app, &url).await;
        assert_eq!(status, 403, "{path}");
        let res = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(sent.app.url(&url))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{path}");
        assert_eq!(location(&res), "/login");
    }
    let (_, home) = requester.page(&sent.app, "/").await;
    let res = requester
        .browser
        .post(
            sent.app
                .url(&format!("/analista/lotes/{}/resultados", sent.batch)),
        )
        .multipart(
            Form::new()
                .text("csrf_token", csrf_token(&home))
                .part("results", Part::bytes(bytes).file_name("r.csv")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    sent.assert_nothing_recorded().await;
}

#[tokio::test]
async fn the_template_lists_who_still_waits_with_empty_result_columns() {
    let sent = sent_batch().await;
    // Carla's answer came one by one: she is no longer in the template.
    let items: Value = sent
        .app
        .get(
            &format!("/api/v1/batches/{}", sent.batch),
            Some(&sent.analyst.token),
        )
        .await
        .json()
        .await
        .unwrap();
    let carla = items["items"][2]["applicant_id"].as_str().unwrap();
    let res = sent
        .app
        .post_json(
            &format!("/api/v1/applicants/{carla}/reniec-result"),
            Some(&sent.analyst.token),
            &json!({"approved": true, "delivery_sent_on": "2026-12-08"}),
        )
        .await;
    assert_eq!(res.status(), 200);

    let url = |ext: &str| {
        sent.app
            .url(&format!("/analista/lotes/{}/plantilla.{ext}", sent.batch))
    };
    let res = sent.analyst.browser.get(url("csv")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        res.headers()["content-disposition"],
        "attachment; filename=\"resultados-lote-2026-12-04.csv\""
    );
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines,
        vec![
            "DNI,Apellidos y nombres,Trámite,Resultado,Fecha del correo de DCDelivery,Motivo del rechazo",
            "41111111,\"Tello Vásquez, Ana\",CD-2026-000001,,,",
            "05222222,\"Tello Vásquez, Beto\",CD-2026-000001,,,",
        ]
    );

    let res = sent.analyst.browser.get(url("xlsx")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = res.bytes().await.unwrap().to_vec();
    {
        use calamine::{Data, Reader, Xlsx};
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.clone())).unwrap();
        let range = book.worksheet_range("Resultados").unwrap();
        let rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        Data::String(s) => s.clone(),
                        Data::Empty => String::new(),
                        other => format!("{other:?}"),
                    })
                    .collect()
            })
            .collect();
        assert_eq!(rows.len(), 3, "{rows:?}");
        assert_eq!(rows[0][0], "DNI");
        assert_eq!(rows[0][3], "Resultado");
        assert_eq!(
            rows[2][..3],
            [
                "05222222".to_owned(),
                "Tello Vásquez, Beto".into(),
                "CD-2026-000001".into()
            ],
            "DNIs stay text, with their leading zero"
        );
    }

    // The template filled in (here: with the same cells) is what the upload reads.
    let filled = format!(
        "{}\n{}\n",
        lines[0],
        lines[1].replace(",,,", ",aprobado,08/12/2026,")
    );
    let preview: Value = sent.upload_csv(&filled, true).await.json().await.unwrap();
    assert_eq!(preview["can_apply"], true, "{preview}");
    assert_eq!(preview["counts"]["approved"], 1);
}

#[tokio::test]
async fn the_batch_page_previews_the_file_and_records_it_on_confirmation() {
    let sent = sent_batch().await;
    let batch_page = format!("/analista/lotes/{}", sent.batch);
    let (status, html) = sent.analyst.page(&sent.app, &batch_page).await;
    assert_eq!(status, 200);
    assert_eq!(
        texts(&html, "#carga"),
        vec!["Cargar resultados de RENIEC".to_owned()]
    );
    assert_eq!(
        attr(&html, ".bulk-upload form", "action"),
        Some(format!("{batch_page}/resultados"))
    );
    assert_eq!(
        attr(&html, ".template-links a[href$='.xlsx']", "href"),
        Some(format!("{batch_page}/plantilla.xlsx"))
    );
    let post_file = |csv: String, html: &str| {
        let form = Form::new().text("csrf_token", csrf_token(html)).part(
            "results",
            Part::bytes(csv.into_bytes()).file_name("resultados.csv"),
        );
        sent.analyst
            .browser
            .post(sent.app.url(&format!("{batch_page}/resultados")))
            .multipart(form)
            .send()
    };

    // A file that cannot be read: back on the batch page, the reason beside the input.
    let res = post_file("Nombre,Estado\nAna,ok\n".into(), &html)
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(field_error(&page, "archivo-resultados").contains("Falta: DNI, Resultado"));
    assert_eq!(error_summary(&page)[0].0, "#archivo-resultados");

    // A stranger in the file: every row shown, the stranger flagged, no button to save.
    let with_stranger = format!("{}49999999,,,aprobado,08/12/2026,\n", good_csv());
    let res = post_file(with_stranger, &html).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let page = res.text().await.unwrap();
    assert_eq!(h1(&page), "Revise los resultados de RENIEC");
    assert_eq!(
        texts(&page, ".bulk-rows tbody tr th"),
        vec!["2", "3", "4", "5"]
    );
    assert_eq!(
        texts(&page, "#fila-5 .bulk-state"),
        vec!["No coincide con el lote".to_owned()]
    );
    assert_eq!(
        error_summary(&page),
        vec![(
            "#fila-5".to_owned(),
            "Fila 5: Este DNI no es de ningún solicitante de este lote.".to_owned()
        )]
    );
    assert_eq!(
        texts(&page, "#fila-2 .bulk-state"),
        vec!["Se registrará".to_owned()]
    );
    assert!(attr(&page, "input[name=filas]", "value").is_none());
    sent.assert_nothing_recorded().await;

    // The good file: the preview's button records the rows it shows, without the file.
    let res = post_file(good_csv(), &html).await.unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert_eq!(count(&page, ".error-summary"), 0);
    assert_eq!(
        texts(&page, ".bulk-confirm button"),
        vec!["Registrar 3 resultado(s)".to_owned()]
    );
    let rows = attr(&page, "input[name=filas]", "value").unwrap();
    sent.assert_nothing_recorded().await;
    let res = sent
        .analyst
        .browser
        .post(sent.app.url(&format!("{batch_page}/resultados/aplicar")))
        .form(&[
            ("csrf_token", csrf_token(&page)),
            ("filas", rows.clone()),
            ("formato", "csv".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert!(
        to.starts_with(&format!("{batch_page}?aviso=resultados-cargados&n=3")),
        "{to}"
    );
    let (_, page) = sent.analyst.page(&sent.app, &to).await;
    assert_eq!(
        notice(&page).unwrap(),
        "Se registraron 3 resultado(s) de RENIEC desde el archivo: se avisó a cada solicitante por correo."
    );
    assert_eq!(
        sent.statuses().await,
        vec![
            (ANA.into(), "aprobado".into()),
            (BETO.into(), "rechazado".into()),
            (CARLA.into(), "aprobado".into()),
        ]
    );
    // Nobody waits any more: the upload form is gone.
    assert!(texts(&page, "#carga").is_empty());

    // Confirming the same rows again changes nothing and says why, row by row.
    let res = sent
        .analyst
        .browser
        .post(sent.app.url(&format!("{batch_page}/resultados/aplicar")))
        .form(&[
            ("csrf_token", csrf_token(&page)),
            ("filas", rows),
            ("formato", "csv".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert_eq!(error_summary(&page).len(), 3);
    assert!(error_summary(&page)[0]
        .1
        .starts_with("Fila 2: Ya se registró el resultado"));
}
