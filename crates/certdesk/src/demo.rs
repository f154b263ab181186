//! Demo data for `serve --demo`: loaded once, then only its logins are printed.
//!
//! Every ticket is made through the same use cases people use. Older ones are replayed
//! with a clock set in the past (submitted two weeks ago, sent in last Friday's batch,
//! answered by RENIEC), so the history, the batch and its package are all real.

use std::sync::Arc;

use anyhow::Context;
use domain::{
    access::AccessRequestInput,
    applicant::ApplicantInput,
    certificate::{CertificateState, Medium, Ownership},
    identity::Dni,
    ids::TicketId,
    payment::PaymentInput,
    role::Role,
    schedule,
    ticket::Status,
};
use jiff::{SignedDuration, ToSpan};

use crate::{
    app::{
        access, auth, batch,
        registry::{self, Installation, ReniecResult},
        review,
        schedule::calendar_around,
        settings::load_in,
        tickets::{self, Upload},
        App,
    },
    clock::FixedClock,
    store::{
        certificates::{self, NewCertificate},
        settings,
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

/// The demo photo and signature (also shared by every applicant of `load-demo`).
pub(crate) const PHOTO: &[u8] = include_bytes!("../assets/demo/foto.jpg");
pub(crate) const SIGNATURE: &[u8] = include_bytes!("../assets/demo/firma.jpg");

/// Loads the demo data unless it is already there; true when it was loaded now.
pub async fn load(app: &App) -> anyhow::Result<bool> {
    let mut conn = app.store.conn().await?;
    if settings::has_marker(&mut conn, settings::DEMO_LOADED).await? {
        return Ok(false);
    }
    drop(conn);
    let mut users = Vec::new();
    for login in LOGINS {
        let user = auth::create_user(app, login.email, login.name, login.role, login.password)
            .await
            .with_context(|| format!("demo user {}", login.email))?;
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
        "demo",
    )
    .await
    .context("demo access request")?;
    tickets_in_every_status(app, analyst, requester).await?;
    renewable_certificates(app, requester).await?;
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

/// Opens a ticket for `requester` with a receipt when its reason needs one and one
/// applicant, and sends it unless `status` is borrador; then the analyst takes it as far
/// as `status` allows before a batch. Returns the ticket id.
#[allow(clippy::too_many_arguments)]
async fn demo_ticket(
    app: &App,
    analyst: &User,
    requester: &User,
    kind: &str,
    reason: &str,
    person: &Person,
    status: Status,
    note: Option<&str>,
) -> anyhow::Result<TicketId> {
    let view = tickets::open(app, requester, kind, Some(reason), None)
        .await
        .context("demo ticket")?;
    let id = view.ticket.id;
    let payment_id = if view.ticket.reason.requires_payment() {
        let payment = tickets::add_payment(
            app,
            requester,
            id,
            &PaymentInput {
                operation_number: format!("{}{:06}", &person.dni[..4], view.ticket.number.seq()),
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
        .context("demo receipt")?;
        Some(payment.id.to_string())
    } else {
        None
    };
    let renewal = kind == "reemision" && reason == "a";
    let images = tickets::check_images(
        app,
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
    .context("demo images")?;
    tickets::add_applicant(
        app,
        requester,
        id,
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
            no_glasses_confirmed: Some("true".into()),
        },
        &images,
    )
    .await
    .context("demo applicant")?;
    if status == Status::Borrador {
        return Ok(id);
    }
    tickets::submit(app, requester, id)
        .await
        .context("demo submit")?;
    match status {
        Status::Anulado => {
            tickets::withdraw(app, requester, id, note)
                .await
                .context("demo withdraw")?;
        }
        Status::Enviado => {}
        _ => {
            demo_take(app, analyst, id).await?;
            match status {
                Status::Observado => {
                    review::observe(app, analyst, id, note.unwrap_or_default())
                        .await
                        .context("demo observe")?;
                }
                Status::Rechazado => {
                    review::reject(app, analyst, id, note.unwrap_or_default())
                        .await
                        .context("demo reject")?;
                }
                Status::Programado | Status::EnviadoReniec | Status::Atendido => {
                    review::approve(app, analyst, id, None)
                        .await
                        .context("demo approve")?;
                }
                _ => {}
            }
        }
    }
    Ok(id)
}

/// The analyst takes a demo ticket; the demo leaves older tickets waiting on purpose (to
/// show the queue), so taking out of turn says why, as the desk requires.
async fn demo_take(app: &App, analyst: &User, id: TicketId) -> anyhow::Result<()> {
    match review::take(app, analyst, id, None).await {
        Err(crate::app::AppError::Validation(_)) => {
            review::take(
                app,
                analyst,
                id,
                Some("Datos de demostración: se atiende antes para mostrar este estado."),
            )
            .await
            .context("demo take out of turn")?;
        }
        other => {
            other.context("demo take")?;
        }
    }
    Ok(())
}

/// The demo's clocks: `now`, and a past one for the tickets that have a history.
struct Replay {
    clock: FixedClock,
    past: App,
}

impl Replay {
    fn at(&self, t: jiff::Timestamp) -> &App {
        self.clock.set(t);
        &self.past
    }
}

async fn tickets_in_every_status(
    app: &App,
    analyst: &User,
    requester: &User,
) -> anyhow::Result<()> {
    let p = PEOPLE;
    let now = app.now();
    // Last Friday's cut-off (or the one before, if it was too recent to have a story).
    let today = app.today();
    let mut conn = app.store.conn().await?;
    let settings = load_in(&mut conn).await.context("demo settings")?;
    let calendar = calendar_around(&mut conn, &settings, now, 7)
        .await
        .context("demo calendar")?;
    drop(conn);
    let last_cutoff = calendar
        .latest_cutoff_at_or_before(now.checked_sub(SignedDuration::from_hours(24))?)
        .ok_or_else(|| anyhow::anyhow!("demo: no past cut-off"))?
        .timestamp();
    let clock = FixedClock::new(last_cutoff.checked_sub(SignedDuration::from_hours(24 * 9))?);
    let replay = Replay {
        past: App::new(
            app.store.clone(),
            app.blobs.clone(),
            Arc::new(clock.clone()),
            (*app.config).clone(),
        ),
        clock,
    };

    // Two weeks ago: two tickets approved, sent in last Friday's batch; RENIEC answered one.
    let early = last_cutoff.checked_sub(SignedDuration::from_hours(48))?;
    demo_ticket(
        replay.at(early),
        analyst,
        requester,
        "emision",
        "b",
        &p[5],
        Status::EnviadoReniec,
        None,
    )
    .await?;
    let answered = demo_ticket(
        replay.at(early.checked_add(SignedDuration::from_hours(2))?),
        analyst,
        requester,
        "reemision",
        "d",
        &p[6],
        Status::Atendido,
        None,
    )
    .await?;
    let closing = replay.at(last_cutoff.checked_add(SignedDuration::from_mins(1))?);
    batch::close(closing, Some(analyst), closing.now())
        .await
        .context("demo batch")?;
    let view = tickets::view(app, analyst, answered)
        .await
        .context("demo view")?;
    let delivered =
        schedule::today_in_lima(last_cutoff.checked_add(SignedDuration::from_hours(24 * 3))?);
    let answering = replay.at(last_cutoff.checked_add(SignedDuration::from_hours(24 * 3))?);
    for applicant in &view.applicants {
        registry::record_result(
            answering,
            analyst,
            applicant.id,
            &ReniecResult::Approved {
                delivery_sent_on: delivered.to_string(),
            },
        )
        .await
        .context("demo result")?;
    }

    // This week: the rest of the lifecycle, at the real time.
    for (kind, reason, person, status, note) in [
        ("emision", "a", 1, Status::Borrador, None),
        ("emision", "c", 2, Status::Enviado, None),
        ("reemision", "b", 3, Status::EnAtencion, None),
        (
            "reemision",
            "c",
            4,
            Status::Observado,
            Some(
                "La foto no es actual y la firma tiene postfirma. Corrija ambas y vuelva a enviar.",
            ),
        ),
        ("reemision", "a", 0, Status::Programado, None),
        (
            "emision",
            "a",
            7,
            Status::Rechazado,
            Some("La persona ya tiene un certificado vigente."),
        ),
        (
            "reemision",
            "e",
            8,
            Status::Anulado,
            Some("Se registró por error."),
        ),
    ] {
        demo_ticket(
            app, analyst, requester, kind, reason, &p[person], status, note,
        )
        .await?;
    }

    // Certificates of the requester's: the one being renewed, one installed through an
    // instalación ticket, and one cancelled through a cancelación ticket.
    let delivered = today - 10.days();
    let mut ids = Vec::new();
    let dni: Dni = p[0].dni.parse().context("demo DNI")?;
    let mut tx = app.store.begin().await?;
    for (state, medium, issued, expires, delivery) in [
        (
            CertificateState::Instalado,
            Some(Medium::Token),
            Some(today - 700.days()),
            Some(today + 40.days()),
            None,
        ),
        (
            CertificateState::PendienteDescarga,
            None,
            None,
            None,
            Some(delivered),
        ),
        (
            CertificateState::Instalado,
            Some(Medium::Pc),
            Some(today - 400.days()),
            Some(today + 300.days()),
            None,
        ),
    ] {
        let id = certificates::insert(
            &mut tx,
            &NewCertificate {
                owner_id: requester.id,
                holder_name: "Cabrera Llanos, María",
                dni: &dni,
                applicant_id: None,
                medium,
                ownership: medium.map(|_| Ownership::Grc),
                issued_on: issued,
                expires_on: expires,
                state,
                delivery_sent_on: delivery,
                download_deadline: delivery.map(domain::certificate::download_deadline),
            },
            now,
        )
        .await?;
        ids.push(id);
    }
    tx.commit().await?;
    let install = tickets::open(
        app,
        requester,
        "instalacion",
        None,
        Some(&ids[1].to_string()),
    )
    .await
    .context("demo install")?;
    tickets::submit(app, requester, install.ticket.id)
        .await
        .context("demo install submit")?;
    demo_take(app, analyst, install.ticket.id).await?;
    let appointment = crate::app::rfc3339(now.checked_sub(SignedDuration::from_hours(2))?);
    registry::record_appointment(
        app,
        analyst,
        install.ticket.id,
        &appointment,
        Some("Oficina de TI, 2.º piso"),
    )
    .await
    .context("demo appointment")?;
    registry::complete(
        app,
        analyst,
        install.ticket.id,
        &Installation {
            medium: "pc".into(),
            ownership: "propio".into(),
            serial: None,
            // Generated the day after RENIEC's mail, valid two years.
            issued_on: Some((delivered + 1.day()).to_string()),
            expires_on: Some((delivered + 1.day() + 2.years()).to_string()),
        },
    )
    .await
    .context("demo install complete")?;
    let cancel = tickets::open(
        app,
        requester,
        "cancelacion",
        Some("g"),
        Some(&ids[2].to_string()),
    )
    .await
    .context("demo cancel")?;
    tickets::submit(app, requester, cancel.ticket.id)
        .await
        .context("demo cancel submit")?;
    demo_take(app, analyst, cancel.ticket.id).await?;
    registry::complete(app, analyst, cancel.ticket.id, &Installation::default())
        .await
        .context("demo cancel complete")?;
    Ok(())
}

/// Two certificates the requester filed for people of her unit, installed and expiring
/// within the month, with no renewal open: "Solicitar renovación" has something to do.
/// Elena Ruiz and Pedro Pablo Chávez are applicants of her other tickets (an emisión
/// each), so the renewal's form is pre-filled with their e-mail, position and unit.
async fn renewable_certificates(app: &App, requester: &User) -> anyhow::Result<()> {
    let today = app.today();
    let mut tx = app.store.begin().await?;
    for (person, expires) in [(&PEOPLE[2], 25), (&PEOPLE[1], 28)] {
        let dni: Dni = person.dni.parse().context("demo DNI")?;
        let holder = format!("{} {}, {}", person.paternal, person.maternal, person.given);
        certificates::insert(
            &mut tx,
            &NewCertificate {
                owner_id: requester.id,
                holder_name: &holder,
                dni: &dni,
                applicant_id: None,
                medium: Some(Medium::Token),
                ownership: Some(Ownership::Grc),
                issued_on: Some(today - 705.days()),
                expires_on: Some(today + expires.days()),
                state: CertificateState::Instalado,
                delivery_sent_on: None,
                download_deadline: None,
            },
            app.now(),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
