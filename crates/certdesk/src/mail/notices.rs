//! The wording of each notice (SPEC "Notifications", "Certificate registry and reminders").
//! Each function takes what the notice needs to say and returns its [`Message`]; none
//! reads the database or the clock, so every notice can be rendered and looked at alone.

use domain::{
    ids::{TicketId, TicketNumber},
    notice::NoticeKind,
    schedule::{format_date, format_dispatch},
};
use jiff::{civil::Date, Zoned};

use super::Message;
use crate::store::outbox::Attachment;

/// The ticket a notice is about.
#[derive(Debug, Clone, Copy)]
pub struct TicketRef {
    pub id: TicketId,
    pub number: TicketNumber,
}

impl TicketRef {
    pub fn path(&self) -> String {
        format!("/tramites/{}", self.id)
    }
}

/// Where requesters see their certificates.
const CERTIFICATES_PATH: &str = "/certificados";

fn on_ticket(
    kind: NoticeKind,
    subject: String,
    name: &str,
    lead: String,
    entity: &str,
    t: &TicketRef,
) -> Message {
    Message::new(kind, subject, name, lead, entity).fact("Trámite", t.number.to_string())
}

/// An access request was received.
pub fn access_received(name: &str, entity: &str) -> Message {
    Message::new(
        NoticeKind::AccessReceived,
        "Recibimos su solicitud de acceso a certdesk",
        name,
        format!("Recibimos su solicitud de acceso a certdesk, la mesa de servicios de certificados digitales del {entity}."),
        entity,
    )
    .paragraph("Un administrador la revisará. Le escribiremos a este correo cuando la apruebe, con un enlace para elegir su contraseña.")
}

/// Someone asked for access with the address of an existing account (to its owner; the
/// answer to whoever asked was the usual one, so it told them nothing).
pub fn access_requested_for_existing_account(name: &str, entity: &str) -> Message {
    Message::new(
        NoticeKind::AccessReceived,
        "Se pidió acceso a certdesk con su correo",
        name,
        format!("Alguien llenó el formulario de solicitud de acceso a certdesk, la mesa de servicios de certificados digitales del {entity}, con este correo. Usted ya tiene una cuenta, así que no se registró ninguna solicitud nueva."),
        entity,
    )
    .paragraph("Si olvidó su contraseña, pida un enlace para elegir una nueva con «¿Olvidó su contraseña?» en la página de ingreso.")
    .paragraph("Si usted no lo pidió, ignore este mensaje: su cuenta y su contraseña no cambiaron.")
}

/// Access approved, with the one-time link to choose a password (`link_path`).
pub fn access_approved(name: &str, link_path: &str, entity: &str) -> Message {
    Message::new(
        NoticeKind::AccessApproved,
        "Su acceso a certdesk fue aprobado",
        name,
        format!("Su solicitud de acceso a certdesk, la mesa de servicios de certificados digitales del {entity}, fue aprobada."),
        entity,
    )
    .paragraph("Para elegir su contraseña, abra el enlace de abajo. Vale por 72 horas y se usa una sola vez.")
    .paragraph("Si usted no pidió este acceso, ignore este mensaje.")
    .action("Elegir mi contraseña", link_path)
}

/// Access refused, with the admin's reason.
pub fn access_rejected(name: &str, reason: &str, entity: &str) -> Message {
    Message::new(
        NoticeKind::AccessRejected,
        "Su solicitud de acceso a certdesk no fue aprobada",
        name,
        "Un administrador revisó su solicitud de acceso a certdesk y no la aprobó.",
        entity,
    )
    .quote("Motivo", reason)
    .paragraph("Si cree que se trata de un error, puede presentar una nueva solicitud con los datos corregidos.")
}

/// A link to choose a new password (`link_path`), valid for `valid_hours`: asked for from
/// "¿Olvidó su contraseña?" or from an expired link. Its in-app twin never carries the link.
pub fn password_reset(name: &str, link_path: &str, valid_hours: i64, entity: &str) -> Message {
    Message::new(
        NoticeKind::PasswordReset,
        "Enlace para cambiar su contraseña de certdesk",
        name,
        "Se pidió un enlace para elegir una nueva contraseña de su cuenta en certdesk.",
        entity,
    )
    .paragraph(format!("Para elegir su nueva contraseña, abra el enlace de abajo. Vale por {valid_hours} horas y se usa una sola vez; los enlaces que se enviaron antes ya no sirven."))
    .paragraph("Al guardar la nueva contraseña se cierran todas las sesiones abiertas de su cuenta.")
    .paragraph("Si usted no lo pidió, ignore este mensaje: su contraseña actual sigue valiendo.")
    .action("Elegir una nueva contraseña", link_path)
}

/// A link to choose a password (`link_path`), valid for `valid_hours`, that an admin sent
/// from the accounts page (the account never got one, its link expired, or its owner asked
/// the service desk). Same kind as [`password_reset`]: its in-app twin never carries the link.
pub fn password_link_from_admin(
    name: &str,
    link_path: &str,
    valid_hours: i64,
    entity: &str,
) -> Message {
    Message::new(
        NoticeKind::PasswordReset,
        "Enlace para elegir su contraseña de certdesk",
        name,
        "Un administrador de certdesk le envió un enlace para elegir la contraseña de su cuenta.",
        entity,
    )
    .paragraph(format!("Para elegir su contraseña, abra el enlace de abajo. Vale por {valid_hours} horas y se usa una sola vez; los enlaces que se enviaron antes ya no sirven."))
    .paragraph("Al guardar la nueva contraseña se cierran todas las sesiones abiertas de su cuenta.")
    .paragraph("Si usted no lo esperaba, ignore este mensaje: su contraseña actual, si tiene una, sigue valiendo.")
    .action("Elegir mi contraseña", link_path)
}

/// The ticket reached the service desk (again, after a correction, when `resubmitted`).
pub fn ticket_received(t: &TicketRef, name: &str, resubmitted: bool, entity: &str) -> Message {
    let lead = if resubmitted {
        format!(
            "Recibimos la corrección de su trámite {}. Volvió a la cola de la Mesa de Servicios.",
            t.number
        )
    } else {
        format!("Su trámite {} llegó a la Mesa de Servicios.", t.number)
    };
    on_ticket(
        NoticeKind::TicketReceived,
        format!("Recibimos su trámite {}", t.number),
        name,
        lead,
        entity,
        t,
    )
    .paragraph("Un analista lo revisará en orden de llegada. Le avisaremos cuando lo apruebe o si necesita alguna corrección.")
    .action("Ver el trámite", t.path())
}

/// `text` cut at `max` characters, with "…" when cut.
fn short(text: &str, max: usize) -> String {
    let text = text.trim();
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", text[..at].trim_end()),
        None => text.to_owned(),
    }
}

/// To the analyst who observed it: the requester corrected the ticket and sent it back,
/// with the requester's answer to the observation when they wrote one.
pub fn ticket_corrected(
    t: &TicketRef,
    analyst: &str,
    requester: &str,
    answer: Option<&str>,
    entity: &str,
) -> Message {
    let message = on_ticket(
        NoticeKind::TicketCorrected,
        format!("El trámite {} fue corregido", t.number),
        analyst,
        match answer {
            // The in-app twin keeps only the lead: the start of the answer goes there too.
            Some(answer) => format!(
                "{requester} corrigió el trámite {} que usted observó y lo volvió a enviar. Respondió: «{}»",
                t.number,
                short(answer, 160)
            ),
            None => format!(
                "{requester} corrigió el trámite {} que usted observó y lo volvió a enviar.",
                t.number
            ),
        },
        entity,
        t,
    );
    let message = match answer {
        Some(answer) => message.quote("Respuesta del solicitante", answer),
        None => message,
    };
    message
        .paragraph(
            "Está otra vez en la cola, en orden de llegada desde el momento en que se reenvió.",
        )
        .action("Revisar el trámite", format!("/analista/tramites/{}", t.id))
}

/// The analyst returned the ticket with an observation.
pub fn ticket_observed(t: &TicketRef, name: &str, comment: &str, entity: &str) -> Message {
    on_ticket(
        NoticeKind::TicketObserved,
        format!("Su trámite {} fue observado", t.number),
        name,
        format!("La Mesa de Servicios revisó su trámite {} y necesita que corrija algo antes de enviarlo a RENIEC.", t.number),
        entity,
        t,
    )
    .quote("Observación del analista", comment)
    .paragraph("Corrija el trámite y vuelva a enviarlo. Volverá a la cola en orden de llegada, desde el momento en que lo envíe.")
    .action("Corregir el trámite", t.path())
}

/// When one applicant goes to RENIEC.
#[derive(Debug, Clone)]
pub struct Dispatch {
    pub applicant: String,
    pub at: Zoned,
    /// Later than the next cut-off because of the 10-day rule.
    pub held_for_expiry: bool,
    /// The expiry the 10-day rule used, and where it came from.
    pub expiry: Option<ExpiryNote>,
}

/// The expiry a dispatch date was computed from, as the requester is told.
#[derive(Debug, Clone)]
pub struct ExpiryNote {
    pub on: Date,
    /// "la que usted declaró en la solicitud", "la del certificado N.º … registrado a
    /// nombre de …".
    pub source: String,
}

/// Approved: the date and time each applicant goes to RENIEC.
pub fn ticket_approved(
    t: &TicketRef,
    name: &str,
    dispatches: &[Dispatch],
    entity: &str,
) -> Message {
    let mut message = on_ticket(
        NoticeKind::TicketApproved,
        format!("Su trámite {} se enviará a RENIEC", t.number),
        name,
        format!("La Mesa de Servicios aprobó su trámite {}. Se enviará a RENIEC en la fecha y hora indicadas.", t.number),
        entity,
        t,
    );
    for d in dispatches {
        message = message.fact(&d.applicant, format_dispatch(&d.at));
    }
    let held: Vec<&Dispatch> = dispatches.iter().filter(|d| d.held_for_expiry).collect();
    if !held.is_empty() {
        message = message.paragraph("Cuando el certificado vigente aún no caduca, la solicitud se envía diez días antes de su caducidad, como indica el procedimiento.");
    }
    for d in held {
        if let Some(e) = &d.expiry {
            message = message.paragraph(format!(
                "{}: se tomó la caducidad del {}, {}.",
                d.applicant,
                format_date(e.on),
                e.source
            ));
        }
    }
    message
        .paragraph("Cuando RENIEC apruebe la solicitud, recibirá un correo de DCDelivery con el enlace para generar su certificado. Le avisaremos también por aquí.")
        .action("Ver el trámite", t.path())
}

/// Rejected, with the analyst's reason.
pub fn ticket_rejected(t: &TicketRef, name: &str, reason: &str, entity: &str) -> Message {
    on_ticket(
        NoticeKind::TicketRejected,
        format!("Su trámite {} fue rechazado", t.number),
        name,
        format!("La Mesa de Servicios rechazó su trámite {}.", t.number),
        entity,
        t,
    )
    .quote("Motivo", reason)
    .paragraph("Si corresponde, registre un nuevo trámite con los datos correctos.")
    .action("Ver el trámite", t.path())
}

/// The ticket went to RENIEC in the batch of `cutoff`.
pub fn sent_to_reniec(t: &TicketRef, name: &str, cutoff: &Zoned, entity: &str) -> Message {
    on_ticket(
        NoticeKind::SentToReniec,
        format!("Su trámite {} fue enviado a RENIEC", t.number),
        name,
        format!(
            "La Mesa de Servicios envió su trámite {} a RENIEC en el lote del {}.",
            t.number,
            format_dispatch(cutoff)
        ),
        entity,
        t,
    )
    .paragraph("RENIEC enviará a cada solicitante aprobado un correo de DCDelivery para generar su certificado; desde ese día hay 30 días calendario para descargarlo e instalarlo.")
    .action("Ver el trámite", t.path())
}

/// RENIEC approved an applicant: register an installation before the deadline.
pub fn reniec_approved(
    t: &TicketRef,
    name: &str,
    applicant: &str,
    delivery_sent_on: Date,
    deadline: Date,
    entity: &str,
) -> Message {
    on_ticket(
        NoticeKind::ReniecApproved,
        format!("RENIEC aprobó el certificado de {applicant}"),
        name,
        format!("RENIEC aprobó la solicitud de {applicant} y envió el correo de DCDelivery."),
        entity,
        t,
    )
    .fact("Correo de DCDelivery", format_date(delivery_sent_on))
    .fact("Plazo para descargar e instalar", format_date(deadline))
    .paragraph(format!("Registre ahora un trámite de instalación: un analista coordinará con usted para instalar el certificado en su PC, token o tarjeta. Tiene plazo hasta el {} (30 días calendario).", format_date(deadline)))
    .paragraph("Pasado el plazo, el certificado ya no se puede descargar y una nueva solicitud se paga (reemisión, motivo g).")
    .action("Ver mis certificados", CERTIFICATES_PATH)
}

/// RENIEC refused an applicant, with its reason.
pub fn reniec_rejected(
    t: &TicketRef,
    name: &str,
    applicant: &str,
    reason: &str,
    entity: &str,
) -> Message {
    on_ticket(
        NoticeKind::ReniecRejected,
        format!("RENIEC no aprobó la solicitud de {applicant}"),
        name,
        format!("RENIEC revisó la solicitud de {applicant} y no la aprobó."),
        entity,
        t,
    )
    .quote("Motivo indicado por RENIEC", reason)
    .paragraph("Si el motivo se puede corregir, registre un nuevo trámite con los datos correctos.")
    .action("Ver el trámite", t.path())
}

/// The installation appointment, with its calendar file.
pub fn appointment(
    t: &TicketRef,
    name: &str,
    at: &Zoned,
    note: Option<&str>,
    calendar: Attachment,
    entity: &str,
) -> Message {
    let mut message = on_ticket(
        NoticeKind::Appointment,
        format!(
            "Cita de instalación de su certificado — {}",
            format_dispatch(at)
        ),
        name,
        format!(
            "La Mesa de Servicios agendó la instalación de su certificado digital (trámite {}).",
            t.number
        ),
        entity,
        t,
    )
    .fact("Fecha y hora", format_dispatch(at));
    if let Some(note) = note.map(str::trim).filter(|n| !n.is_empty()) {
        message = message.quote("Indicaciones del analista", note);
    }
    message
        .paragraph("Tenga a mano el correo de DCDelivery de RENIEC y, si lo usará, su token o tarjeta. Durante la instalación usted elige la contraseña de su clave privada: nadie más la conoce.")
        .paragraph("El archivo adjunto agrega la cita a su calendario.")
        .action("Ver el trámite", t.path())
        .attach(calendar)
}

/// The certificate was installed.
pub fn installed(t: &TicketRef, name: &str, holder: &str, medium: &str, entity: &str) -> Message {
    on_ticket(
        NoticeKind::Installed,
        format!("El certificado de {holder} quedó instalado"),
        name,
        format!("La Mesa de Servicios instaló el certificado digital de {holder} (trámite {}).", t.number),
        entity,
        t,
    )
    .fact("Medio", medium)
    .paragraph("Recuerde que la contraseña de la clave privada es solo suya: no la comparta con nadie, tampoco con la Mesa de Servicios.")
    .action("Ver mis certificados", CERTIFICATES_PATH)
}

/// The certificate was cancelled.
pub fn cancelled(t: &TicketRef, name: &str, holder: &str, reason: &str, entity: &str) -> Message {
    on_ticket(
        NoticeKind::Cancelled,
        format!("El certificado de {holder} fue cancelado"),
        name,
        format!("La Mesa de Servicios canceló el certificado digital de {holder} (trámite {}).", t.number),
        entity,
        t,
    )
    .fact("Motivo", reason)
    .paragraph("Desde ahora ese certificado ya no sirve para firmar. Si necesita uno nuevo, registre un trámite de emisión.")
    .action("Ver mis certificados", CERTIFICATES_PATH)
}

/// `1 día` / `15 días`.
fn days(n: i64) -> String {
    if n == 1 {
        "1 día".to_owned()
    } else {
        format!("{n} días")
    }
}

/// The certificate expires soon: request the renewal now.
pub fn expiry_reminder(
    name: &str,
    holder: &str,
    expires_on: Date,
    days_left: i64,
    entity: &str,
) -> Message {
    Message::new(
        NoticeKind::ExpiryReminder,
        format!("El certificado de {holder} caduca en {}", days(days_left)),
        name,
        format!("El certificado digital de {holder} caduca el {}.", format_date(expires_on)),
        entity,
    )
    .fact("Caduca el", format_date(expires_on))
    .fact("Días que faltan", days(days_left))
    .paragraph("Solicite ahora su renovación (reemisión, motivo a) para no quedarse sin firma digital: la solicitud se envía a RENIEC diez días antes de la caducidad.")
    .action("Ver mis certificados", CERTIFICATES_PATH)
}

/// The download deadline is near: install before it passes.
pub fn download_reminder(
    name: &str,
    holder: &str,
    deadline: Date,
    days_left: i64,
    entity: &str,
) -> Message {
    Message::new(
        NoticeKind::DownloadReminder,
        format!("Quedan {} para instalar el certificado de {holder}", days(days_left)),
        name,
        format!("El plazo para descargar e instalar el certificado digital de {holder} vence el {}.", format_date(deadline)),
        entity,
    )
    .fact("Vence el", format_date(deadline))
    .fact("Días que faltan", days(days_left))
    .paragraph("Si aún no lo hizo, registre hoy un trámite de instalación. Pasado el plazo, el certificado ya no se puede descargar y una nueva solicitud se paga (reemisión, motivo g).")
    .action("Ver mis certificados", CERTIFICATES_PATH)
}

/// The oldest ticket waiting in the queue.
#[derive(Debug, Clone)]
pub struct Oldest {
    pub ticket: TicketRef,
    pub submitted_on: Date,
    pub days_waiting: i64,
}

/// The analysts' morning summary of the queue.
pub fn queue_summary(
    name: &str,
    today: Date,
    waiting: i64,
    oldest: Option<&Oldest>,
    next_batch: i64,
    next_cutoff: &Zoned,
    entity: &str,
) -> Message {
    let lead = match waiting {
        0 => "No hay trámites esperando en la cola.".to_owned(),
        1 => "Hay 1 trámite esperando en la cola.".to_owned(),
        n => format!("Hay {n} trámites esperando en la cola."),
    };
    let mut message = Message::new(
        NoticeKind::QueueSummary,
        format!("Resumen de la cola — {}", format_date(today)),
        name,
        lead,
        entity,
    )
    .fact("En la cola", waiting.to_string());
    if let Some(o) = oldest {
        message = message.fact(
            "El más antiguo",
            format!(
                "{}, enviado el {} ({} esperando)",
                o.ticket.number,
                format_date(o.submitted_on),
                days(o.days_waiting)
            ),
        );
    }
    message
        .fact("Próximo lote", format_dispatch(next_cutoff))
        .fact(
            "Solicitantes programados para ese lote",
            next_batch.to_string(),
        )
        .action("Abrir la cola", "/analista/cola")
}

/// One example of every kind of notice, with made-up data: for the admins' preview of
/// what people receive, and for tests. Exhaustive over [`NoticeKind`].
pub fn samples(entity: &str) -> Vec<Message> {
    let t = TicketRef {
        id: TicketId::from(uuid::Uuid::nil()),
        number: TicketNumber::new(2026, 123).unwrap_or_else(|_| unreachable!()),
    };
    let lima = |s: &str| -> Zoned {
        s.parse::<jiff::civil::DateTime>()
            .ok()
            .and_then(|d| d.to_zoned(domain::schedule::lima()).ok())
            .unwrap_or_else(|| jiff::Timestamp::UNIX_EPOCH.to_zoned(domain::schedule::lima()))
    };
    let day = |y: i16, m: i8, d: i8| jiff::civil::date(y, m, d);
    let name = "María Elena Cabrera Díaz";
    let holder = "Rosa Elena Quispe Huamán";
    NoticeKind::ALL
        .iter()
        .map(|kind| match kind {
            NoticeKind::AccessReceived => access_received(name, entity),
            NoticeKind::AccessApproved => {
                access_approved(name, "/establecer-clave/ejemplo", entity)
            }
            NoticeKind::AccessRejected => {
                access_rejected(name, "El correo no corresponde a la entidad.", entity)
            }
            NoticeKind::PasswordReset => {
                password_reset(name, "/establecer-clave/ejemplo", 2, entity)
            }
            NoticeKind::TicketReceived => ticket_received(&t, name, false, entity),
            NoticeKind::TicketCorrected => ticket_corrected(
                &t,
                "Luis Analista",
                name,
                Some("Cambié la foto por una actual, sin lentes."),
                entity,
            ),
            NoticeKind::TicketObserved => ticket_observed(
                &t,
                name,
                "La foto de Rosa Elena está borrosa.\nSuba otra, de frente y con fondo blanco.",
                entity,
            ),
            NoticeKind::TicketApproved => ticket_approved(
                &t,
                name,
                &[
                    Dispatch {
                        applicant: name.to_owned(),
                        at: lima("2026-12-04T16:30"),
                        held_for_expiry: false,
                        expiry: None,
                    },
                    Dispatch {
                        applicant: holder.to_owned(),
                        at: lima("2026-12-31T16:30"),
                        held_for_expiry: true,
                        expiry: Some(ExpiryNote {
                            on: day(2027, 1, 10),
                            source: "la que usted declaró en la solicitud".to_owned(),
                        }),
                    },
                ],
                entity,
            ),
            NoticeKind::TicketRejected => {
                ticket_rejected(&t, name, "La persona ya no labora en la entidad.", entity)
            }
            NoticeKind::SentToReniec => sent_to_reniec(&t, name, &lima("2026-12-04T16:30"), entity),
            NoticeKind::ReniecApproved => {
                reniec_approved(&t, name, holder, day(2026, 12, 9), day(2027, 1, 8), entity)
            }
            NoticeKind::ReniecRejected => reniec_rejected(
                &t,
                name,
                holder,
                "La fotografía no cumple el formato.",
                entity,
            ),
            NoticeKind::Appointment => {
                let at = lima("2026-12-10T10:00");
                let calendar = super::ics::appointment(&super::ics::Appointment {
                    uid: "ejemplo@certdesk",
                    sequence: 0,
                    at: at.timestamp(),
                    booked_at: at.timestamp(),
                    summary: "Instalación de certificado digital",
                    description: "Trámite CD-2026-000123",
                    location: "Mesa de Servicios",
                });
                appointment(&t, name, &at, Some("Traiga su token."), calendar, entity)
            }
            NoticeKind::Installed => installed(&t, name, holder, "Token criptográfico", entity),
            NoticeKind::Cancelled => {
                cancelled(&t, name, holder, "Pérdida o robo del medio", entity)
            }
            NoticeKind::ExpiryReminder => {
                expiry_reminder(name, holder, day(2027, 1, 10), 30, entity)
            }
            NoticeKind::DownloadReminder => {
                download_reminder(name, holder, day(2027, 1, 8), 2, entity)
            }
            NoticeKind::QueueSummary => queue_summary(
                "Luis Analista",
                day(2026, 12, 2),
                14,
                Some(&Oldest {
                    ticket: t,
                    submitted_on: day(2026, 11, 26),
                    days_waiting: 6,
                }),
                9,
                &lima("2026-12-04T16:30"),
                entity,
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn there_is_a_sample_of_every_kind_and_each_renders_in_text_and_html() {
        let samples = samples("Gobierno Regional Cajamarca");
        assert_eq!(samples.len(), NoticeKind::ALL.len());
        for (kind, m) in NoticeKind::ALL.iter().zip(&samples) {
            assert_eq!(m.kind, *kind);
            let out = m.render("https://certdesk.example").unwrap();
            assert!(out.text.contains(&m.lead), "{kind}");
            assert!(out.html.contains("<!doctype html>"), "{kind}");
            assert!(out.html.contains("Gobierno Regional Cajamarca"), "{kind}");
            if let Some(a) = &m.action {
                assert!(
                    out.text
                        .contains(&format!("https://certdesk.example{}", a.path)),
                    "{kind}"
                );
            }
        }
    }

    #[test]
    fn ticket_notices_name_the_ticket_and_dates_are_dd_mm_aaaa() {
        let samples = samples("GR");
        let approved = samples
            .iter()
            .find(|m| m.kind == NoticeKind::TicketApproved)
            .unwrap();
        let text = approved.render("").unwrap().text;
        assert!(text.contains("Trámite: CD-2026-000123"), "{text}");
        assert!(text.contains("viernes 04/12/2026 a las 16:30"), "{text}");
        assert!(text.contains("diez días antes"), "{text}");
        assert!(
            text.contains("se tomó la caducidad del 10/01/2027, la que usted declaró"),
            "{text}"
        );
        let reminder = samples
            .iter()
            .find(|m| m.kind == NoticeKind::DownloadReminder)
            .unwrap();
        assert!(reminder
            .render("")
            .unwrap()
            .text
            .contains("Vence el: 08/01/2027"));
    }

    #[test]
    fn the_appointment_carries_its_calendar_file() {
        let samples = samples("GR");
        let m = samples
            .iter()
            .find(|m| m.kind == NoticeKind::Appointment)
            .unwrap();
        let ics = m.attachment.as_ref().unwrap();
        assert_eq!(ics.name, "cita-instalacion.ics");
        assert!(ics.body.contains("DTSTART:20261210T150000Z"));
    }

    #[test]
    fn the_set_password_link_stays_out_of_the_in_app_twin() {
        let m = access_approved("Ana", "/establecer-clave/secreto", "GR");
        assert_eq!(m.in_app_link(), None);
        let m = password_reset("Ana", "/establecer-clave/secreto", 2, "GR");
        assert_eq!(m.in_app_link(), None);
        assert_eq!(m.action.unwrap().path, "/establecer-clave/secreto");
        let t = ticket_observed(
            &TicketRef {
                id: TicketId::from(uuid::Uuid::nil()),
                number: TicketNumber::new(2026, 1).unwrap(),
            },
            "Ana",
            "x",
            "GR",
        );
        assert!(t.in_app_link().unwrap().starts_with("/tramites/"));
    }
}
