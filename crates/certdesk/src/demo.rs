//! Demo data for `serve --demo`: loaded once, then only its logins are printed.
//!
//! The requester's tickets are made through the same use cases people use. The moves
//! that belong to analysts are made here directly on the store, recorded in each ticket's
//! history under the demo analyst, until the analyst side provides them.

use domain::{
    access::AccessRequestInput,
    applicant::{ApplicantInput, ApplicantStatus},
    certificate::{self, CertificateState, Medium, Ownership},
    payment::PaymentInput,
    role::Role,
    ticket::Status,
};
use jiff::{civil::Date, ToSpan};

use crate::{
    app::{
        access, auth,
        schedule::dispatch_at_in,
        tickets::{self, Upload},
        App,
    },
    store::{
        applicants,
        certificates::{self, NewCertificate},
        settings,
        tickets::{self as ticket_store, NewEvent},
        users::User,
    },
};

/// A demo login, printed at start.
pub struct DemoLogin {
    pub email: &'static str,
    pub password: &'static str,
    pub role: Role,
    pub name: &'static str,
}

pub const LOGINS: &[DemoLogin] = &[
    DemoLogin {
        email: "admin@regioncajamarca.gob.pe",
        password: "demo-admin-2026",
        role: Role::Admin,
        name: "Rosa Quispe Chávez",
    },
    DemoLogin {
        email: "analista@regioncajamarca.gob.pe",
        password: "demo-analista-2026",
        role: Role::Analista,
        name: "Jorge Huamán Díaz",
    },
    DemoLogin {
        email: "solicitante@regioncajamarca.gob.pe",
        password: "demo-solicitante-2026",
        role: Role::Solicitante,
        name: "María Cabrera Llanos",
    },
];

const PHOTO: &[u8] = include_bytes!("../assets/demo/foto.jpg");
const SIGNATURE: &[u8] = include_bytes!("../assets/demo/firma.jpg");

/// Loads the demo data unless it is already there; true when it was loaded now.
pub async fn load(app: &App) -> anyhow::Result<bool> {
    let mut conn = app.store.conn().await?;
    if settings::get(&mut conn, settings::DEMO_LOADED)
        .await?
        .is_some()
    {
        return Ok(false);
    }
    drop(conn);
    let mut users = Vec::new();
    for login in LOGINS {
        let user = auth::create_user(app, login.email, login.name, login.role, login.password)
            .await
            .map_err(|e| anyhow::anyhow!("demo user {}: {e:?}", login.email))?;
        users.push(user);
    }
    let (analyst, requester) = (&users[1], &users[2]);
    access::file(
        app,
        &AccessRequestInput {
            full_name: "Luis Alberto Vargas Rojas".into(),
            dni: "10117410".into(),
            position: "Especialista administrativo".into(),
            unit: "Oficina de Abastecimiento".into(),
            dependency: "Sede central".into(),
            start_date: "2025-03-01".into(),
            email: "lvargas@regioncajamarca.gob.pe".into(),
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("demo access request: {e:?}"))?;
    tickets_in_every_status(app, analyst, requester).await?;
    let mut conn = app.store.conn().await?;
    settings::set_once(&mut conn, settings::DEMO_LOADED, "1").await?;
    Ok(true)
}

struct Person {
    paternal: &'static str,
    maternal: &'static str,
    given: &'static str,
    dni: &'static str,
    email: &'static str,
}

const PEOPLE: &[Person] = &[
    Person {
        paternal: "Cabrera",
        maternal: "Llanos",
        given: "María",
        dni: "41234567",
        email: "solicitante@regioncajamarca.gob.pe",
    },
    Person {
        paternal: "Chávez",
        maternal: "Rojas",
        given: "Pedro Pablo",
        dni: "42345678",
        email: "pchavez@regioncajamarca.gob.pe",
    },
    Person {
        paternal: "Ruiz",
        maternal: "Campos",
        given: "Elena",
        dni: "43456789",
        email: "eruiz@regioncajamarca.gob.pe",
    },
    Person {
        paternal: "Mendoza",
        maternal: "Silva",
        given: "Julio César",
        dni: "44567890",
        email: "jmendoza@regioncajamarca.gob.pe",
    },
    Person {
        paternal: "Torres",
        maternal: "Alva",
        given: "Lucía",
        dni: "45678901",
        email: "ltorres@regioncajamarca.gob.pe",
    },
    Person {
        paternal: "Sánchez",
        maternal: "Vera",
        given: "Raúl",
        dni: "46789012",
        email: "rsanchez@regioncajamarca.gob.pe",
    },
    Person {
        paternal: "Gálvez",
        maternal: "Paredes",
        given: "Rosa Elvira",
        dni: "47890123",
        email: "rgalvez@regioncajamarca.gob.pe",
    },
    Person {
        paternal: "Díaz",
        maternal: "Bazán",
        given: "Carlos",
        dni: "48901234",
        email: "cdiaz@regioncajamarca.gob.pe",
    },
    Person {
        paternal: "Vargas",
        maternal: "Cueva",
        given: "Ana",
        dni: "49012345",
        email: "avargas@regioncajamarca.gob.pe",
    },
];

fn err(context: &str) -> impl Fn(crate::app::AppError) -> anyhow::Error + '_ {
    move |e| anyhow::anyhow!("demo {context}: {e:?}")
}

/// Opens a ticket for `requester`, with a receipt when its reason needs one and one
/// applicant, and sends it unless `status` is borrador; then walks it to `status`.
async fn demo_ticket(
    app: &App,
    analyst: &User,
    requester: &User,
    kind: &str,
    reason: &str,
    person: &Person,
    status: Status,
    note: Option<&str>,
) -> anyhow::Result<String> {
    let view = tickets::open(app, requester, kind, Some(reason), None)
        .await
        .map_err(err("ticket"))?;
    let id = view.ticket.id.clone();
    let payment_id = if view.ticket.reason.requires_payment() {
        let payment = tickets::add_payment(
            app,
            requester,
            &id,
            &PaymentInput {
                operation_number: format!("{}{}", &person.dni[..4], &view.ticket.number[8..]),
                paid_on: (app.today() - 3.days()).to_string(),
                amount: "8.10".into(),
                tribute_code: "00529".into(),
                payer_dni: person.dni.into(),
                channel: "pagalo.pe".into(),
            },
            Some(&Upload {
                file_name: Some("constancia.jpg".into()),
                bytes: PHOTO.to_vec(),
            }),
        )
        .await
        .map_err(err("receipt"))?;
        Some(payment.id)
    } else {
        None
    };
    let renewal = kind == "reemision" && reason == "a";
    let applicant = tickets::add_applicant(
        app,
        requester,
        &id,
        &ApplicantInput {
            paternal_surname: person.paternal.into(),
            maternal_surname: person.maternal.into(),
            given_names: person.given.into(),
            dni: person.dni.into(),
            dni_check_digit: None,
            dni_issued_on: "2020-08-14".into(),
            email: person.email.into(),
            position: "Especialista administrativo".into(),
            unit: "Oficina de Tecnologías de la Información".into(),
            payment_id,
            current_expires_on: renewal.then(|| (app.today() + 40.days()).to_string()),
        },
        Some(&Upload {
            file_name: Some("foto.jpg".into()),
            bytes: PHOTO.to_vec(),
        }),
        Some(&Upload {
            file_name: Some("firma.jpg".into()),
            bytes: SIGNATURE.to_vec(),
        }),
    )
    .await
    .map_err(err("applicant"))?;
    if status == Status::Borrador {
        return Ok(id);
    }
    tickets::submit(app, requester, &id)
        .await
        .map_err(err("submit"))?;
    if status == Status::Anulado {
        tickets::withdraw(app, requester, &id, note)
            .await
            .map_err(err("withdraw"))?;
        return Ok(id);
    }
    // The analyst's part of the path to `status`.
    let path: &[(Status, &str)] = match status {
        Status::EnAtencion => &[(Status::EnAtencion, "take")],
        Status::Observado => &[(Status::EnAtencion, "take"), (Status::Observado, "observe")],
        Status::Rechazado => &[(Status::EnAtencion, "take"), (Status::Rechazado, "reject")],
        Status::Programado => &[
            (Status::EnAtencion, "take"),
            (Status::Programado, "approve"),
        ],
        Status::EnviadoReniec => &[
            (Status::EnAtencion, "take"),
            (Status::Programado, "approve"),
            (Status::EnviadoReniec, "dispatch"),
        ],
        Status::Atendido => &[
            (Status::EnAtencion, "take"),
            (Status::Programado, "approve"),
            (Status::EnviadoReniec, "dispatch"),
            (Status::Atendido, "record_results"),
        ],
        _ => &[],
    };
    let mut from = Status::Enviado;
    for (to, event) in path {
        let now = app.now();
        let mut tx = app.store.begin().await?;
        ticket_store::set_status(&mut tx, &id, from, *to, None, now).await?;
        let comment = match to {
            Status::Observado | Status::Rechazado => note,
            _ => None,
        };
        ticket_store::record_event(
            &mut tx,
            &NewEvent {
                ticket_id: &id,
                actor_id: Some(&analyst.id),
                event,
                from_status: Some(from),
                to_status: *to,
                comment,
            },
            now,
        )
        .await?;
        match to {
            Status::Programado => {
                let expires = applicant
                    .current_expires_on
                    .as_deref()
                    .and_then(|d| d.parse::<Date>().ok());
                let at = dispatch_at_in(&mut tx, now, now, expires)
                    .await
                    .map_err(err("schedule"))?;
                applicants::set_status(
                    &mut tx,
                    &applicant.id,
                    ApplicantStatus::Programado,
                    Some(at.timestamp()),
                )
                .await?;
            }
            Status::EnviadoReniec => {
                applicants::set_status(
                    &mut tx,
                    &applicant.id,
                    ApplicantStatus::EnviadoReniec,
                    None,
                )
                .await?;
            }
            Status::Atendido => {
                applicants::set_status(&mut tx, &applicant.id, ApplicantStatus::Aprobado, None)
                    .await?;
                let delivered = app.today() - 5.days();
                certificates::insert(
                    &mut tx,
                    &NewCertificate {
                        owner_id: &requester.id,
                        holder_name: &applicant.full_name(),
                        dni: person.dni,
                        applicant_id: Some(&applicant.id),
                        medium: None,
                        ownership: None,
                        issued_on: None,
                        expires_on: None,
                        state: CertificateState::PendienteDescarga,
                        delivery_sent_on: Some(delivered),
                        download_deadline: Some(certificate::download_deadline(delivered)),
                    },
                    now,
                )
                .await?;
            }
            _ => {}
        }
        tx.commit().await?;
        from = *to;
    }
    Ok(id)
}

async fn tickets_in_every_status(
    app: &App,
    analyst: &User,
    requester: &User,
) -> anyhow::Result<()> {
    let p = PEOPLE;
    demo_ticket(
        app,
        analyst,
        requester,
        "emision",
        "a",
        &p[1],
        Status::Borrador,
        None,
    )
    .await?;
    demo_ticket(
        app,
        analyst,
        requester,
        "emision",
        "c",
        &p[2],
        Status::Enviado,
        None,
    )
    .await?;
    demo_ticket(
        app,
        analyst,
        requester,
        "reemision",
        "b",
        &p[3],
        Status::EnAtencion,
        None,
    )
    .await?;
    demo_ticket(
        app,
        analyst,
        requester,
        "reemision",
        "c",
        &p[4],
        Status::Observado,
        Some("La foto no es actual y la firma tiene postfirma. Corrija ambas y vuelva a enviar."),
    )
    .await?;
    demo_ticket(
        app,
        analyst,
        requester,
        "reemision",
        "a",
        &p[0],
        Status::Programado,
        None,
    )
    .await?;
    demo_ticket(
        app,
        analyst,
        requester,
        "emision",
        "b",
        &p[5],
        Status::EnviadoReniec,
        None,
    )
    .await?;
    demo_ticket(
        app,
        analyst,
        requester,
        "reemision",
        "d",
        &p[6],
        Status::Atendido,
        None,
    )
    .await?;
    demo_ticket(
        app,
        analyst,
        requester,
        "emision",
        "a",
        &p[7],
        Status::Rechazado,
        Some("La persona ya tiene un certificado vigente."),
    )
    .await?;
    demo_ticket(
        app,
        analyst,
        requester,
        "reemision",
        "e",
        &p[8],
        Status::Anulado,
        Some("Se registró por error."),
    )
    .await?;
    // An installed certificate of the requester's own, for instalación/cancelación demos.
    let mut tx = app.store.begin().await?;
    let today = app.today();
    certificates::insert(
        &mut tx,
        &NewCertificate {
            owner_id: &requester.id,
            holder_name: "Cabrera Llanos, María",
            dni: p[0].dni,
            applicant_id: None,
            medium: Some(Medium::Token),
            ownership: Some(Ownership::Grc),
            issued_on: Some(today - 700.days()),
            expires_on: Some(today + 40.days()),
            state: CertificateState::Instalado,
            delivery_sent_on: None,
            download_deadline: None,
        },
        app.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
