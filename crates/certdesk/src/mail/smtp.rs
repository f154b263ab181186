//! Delivering the outbox over SMTP (lettre): an outbox row becomes a MIME message, and a
//! [`Sender`] hands it to a server.
//!
//! The message is a pure function of the row: the `Message-ID` is the one written with the
//! row and the `Date` is when the row was written, so a retry after an unclear failure (the
//! connection dropped after the server took the mail) is the same mail, which receiving
//! systems can recognise. Errors are sorted by what they say about the mail: a 5xx answer
//! is a refusal for good; anything else may pass and is retried.
//!
//! Must not depend on `web` or `app`; the worker in `jobs::outbox` drives it.

use std::{future::Future, time::Duration};

use lettre::{
    message::{
        header::{ContentType, HeaderName, HeaderValue},
        Attachment as MimeAttachment, Mailbox, MultiPart,
    },
    transport::smtp::Error as SmtpError,
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

use crate::store::outbox::OutboxMail;

/// How long lettre waits for each network step (connecting, each answer of the server).
pub const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// How long one delivery may take in all, from connecting to the server's acceptance. The
/// worker's lease on a mail is longer, so no other worker takes it while it is being sent.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(60);

/// What a failure says about the mail, and so what the worker does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The server refused this mail for good (a 5xx answer), or the row cannot be written
    /// as a mail: it is not tried again, and admins see it.
    Permanent,
    /// The server answered "not now" about this mail (a 4xx answer): try again later.
    Transient,
    /// Nothing to do with this mail: the server could not be reached, TLS failed, it
    /// refused our credentials, or did not answer in time. Try again later; the other due
    /// mails would meet the same fate now, so the worker stops this run.
    Server,
}

/// Why a mail was not delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct SendError {
    pub failure: Failure,
    /// The SMTP reply code, when the server answered.
    pub code: Option<u16>,
    /// What happened, with the server's own words when it answered. Those words may name
    /// the recipient: this is for the outbox row (admins see it), not for the logs.
    pub detail: String,
}

/// Replies about our session rather than the mail: authentication required, too weak,
/// refused, or needing encryption (RFC 4954). A wrong password must not fail every mail in
/// the outbox for good; it is retried until an admin fixes the configuration.
const SESSION_CODES: [u16; 5] = [454, 530, 534, 535, 538];

impl SendError {
    fn new(failure: Failure, code: Option<u16>, detail: impl Into<String>) -> Self {
        Self {
            failure,
            code,
            detail: detail.into(),
        }
    }

    /// The row cannot become a mail; trying again would not change that.
    pub fn unsendable(detail: impl Into<String>) -> Self {
        Self::new(Failure::Permanent, None, detail)
    }

    /// Sorts lettre's error: the reply code when the server answered, else a server fault.
    pub fn from_smtp(err: &SmtpError) -> Self {
        let code = err.status().map(u16::from);
        let failure = match code {
            Some(c) if SESSION_CODES.contains(&c) => Failure::Server,
            Some(421) => Failure::Server,
            Some(_) if err.is_permanent() => Failure::Permanent,
            Some(_) => Failure::Transient,
            None => Failure::Server,
        };
        Self::new(failure, code, err.to_string())
    }

    /// Safe to log: the reply code alone when the server answered (its words may contain
    /// the address), else the detail (a network or TLS error, which names no person).
    pub fn log_summary(&self) -> String {
        match self.code {
            Some(code) => format!("SMTP {code}"),
            None => self.detail.clone(),
        }
    }
}

/// Something that delivers messages: the SMTP server in production, a capturing double
/// in tests.
pub trait Sender: Send + Sync {
    fn send(&self, message: Message) -> impl Future<Output = Result<(), SendError>> + Send;
}

/// An SMTP server, from `CERTDESK_SMTP_URL`.
#[derive(Clone)]
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

/// A configuration the worker cannot use; the message is for the operator, in Spanish.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

impl SmtpSender {
    /// `smtp://[user:pass@]host[:port]` uses STARTTLS when the server offers it (port 587
    /// unless given); `?tls=required` refuses to go on without it; `?tls=none` never
    /// encrypts (a relay on the same machine; port 25 unless given); `smtps://` is TLS from
    /// the first byte (port 465 unless given). User and password are percent-decoded.
    pub fn from_url(url: &str) -> Result<Self, ConfigError> {
        let url = lettre_url(url)?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
            .map_err(|e| ConfigError(format!("no se pudo usar la URL SMTP: {e}")))?
            .timeout(Some(IO_TIMEOUT))
            .build();
        Ok(Self { transport })
    }
}

impl Sender for SmtpSender {
    async fn send(&self, message: Message) -> Result<(), SendError> {
        match tokio::time::timeout(SEND_TIMEOUT, self.transport.send(message)).await {
            Ok(Ok(_response)) => Ok(()),
            Ok(Err(err)) => Err(SendError::from_smtp(&err)),
            Err(_elapsed) => Err(SendError::new(
                Failure::Server,
                None,
                format!(
                    "el servidor no terminó de recibir el correo en {} s",
                    SEND_TIMEOUT.as_secs()
                ),
            )),
        }
    }
}

/// Our URL as lettre reads it. lettre sends `smtp://` in plain text unless told otherwise;
/// ours tries STARTTLS (`tls=opportunistic`), and `tls=none` is the way to say plain text.
fn lettre_url(url: &str) -> Result<String, ConfigError> {
    let url = url.trim();
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let Some((scheme, _)) = base.split_once("://") else {
        return Err(ConfigError(
            "la URL SMTP debe empezar con smtp:// o smtps://".to_owned(),
        ));
    };
    let mut pairs: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    let tls = pairs.iter().find_map(|p| p.strip_prefix("tls="));
    match (scheme.to_ascii_lowercase().as_str(), tls) {
        ("smtp", None) => pairs.push("tls=opportunistic"),
        ("smtp", Some("none")) => pairs.retain(|p| !p.starts_with("tls=")),
        ("smtp", Some("opportunistic" | "required")) | ("smtps", None) => {}
        ("smtp", Some(other)) => {
            return Err(ConfigError(format!(
                "tls={other} no se reconoce en la URL SMTP; use tls=required o tls=none"
            )))
        }
        ("smtps", Some(_)) => {
            return Err(ConfigError(
                "smtps:// ya cifra la conexión desde el inicio; quite el parámetro tls".to_owned(),
            ))
        }
        _ => {
            return Err(ConfigError(
                "la URL SMTP debe empezar con smtp:// o smtps://".to_owned(),
            ))
        }
    }
    Ok(if pairs.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", pairs.join("&"))
    })
}

/// The sender of every mail (`CERTDESK_MAIL_FROM`), e.g.
/// `Mesa de Servicios <mesa@regioncajamarca.gob.pe>`.
pub fn sender_mailbox(from: &str) -> Result<Mailbox, ConfigError> {
    from.trim().parse().map_err(|_| {
        ConfigError(format!(
            "el remitente «{from}» no es una dirección de correo válida \
             (por ejemplo: Mesa de Servicios <mesa@regioncajamarca.gob.pe>)"
        ))
    })
}

/// The mail of an outbox row, from `from`. Rows written before Message-IDs were stored get
/// one made of their id, which is as stable. `domain` is its right-hand side.
pub fn message(mail: &OutboxMail, from: &Mailbox, domain: &str) -> Result<Message, SendError> {
    let to: Mailbox = mail
        .to
        .trim()
        .parse()
        .map_err(|_| SendError::unsendable("la dirección del destinatario no es válida"))?;
    let message_id = mail
        .message_id
        .clone()
        .unwrap_or_else(|| format!("<{}@{domain}>", mail.id));
    let text_and_html =
        MultiPart::alternative_plain_html(mail.body_text.clone(), mail.body_html.clone());
    let body = match &mail.attachment {
        None => text_and_html,
        Some(file) => {
            let content_type = ContentType::parse(&file.content_type).map_err(|_| {
                SendError::unsendable(format!(
                    "el adjunto tiene un tipo de contenido inválido: {}",
                    file.content_type
                ))
            })?;
            MultiPart::mixed().multipart(text_and_html).singlepart(
                MimeAttachment::new(file.name.clone()).body(file.body.clone(), content_type),
            )
        }
    };
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .message_id(Some(message_id))
        .date(mail.created_at.into())
        // RFC 3834: a notice from a program; vacation responders should not answer it.
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".to_owned(),
        ))
        .multipart(body)
        .map_err(|e| SendError::unsendable(format!("no se pudo armar el correo: {e}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::store::outbox::Attachment;
    use domain::notice::NoticeKind;
    use jiff::Timestamp;

    fn row(attachment: Option<Attachment>) -> OutboxMail {
        let created_at: Timestamp = "2026-12-02T15:04:05Z".parse().unwrap();
        OutboxMail {
            id: "0193a1b2-0000-7000-8000-000000000001".parse().unwrap(),
            kind: Some(NoticeKind::Appointment),
            to: "Ana.Perez@regioncajamarca.gob.pe".to_owned(),
            message_id: Some("<0193a1b2@regioncajamarca.gob.pe>".to_owned()),
            subject: "Cita de instalación".to_owned(),
            body_text: "Su cita es el jueves.".to_owned(),
            body_html: "<p>Su cita es el <b>jueves</b>.</p>".to_owned(),
            created_at,
            sent_at: None,
            attempts: 0,
            last_error: None,
            next_attempt_at: created_at,
            failed_at: None,
            attachment,
            link: None,
        }
    }

    fn from() -> Mailbox {
        sender_mailbox("Mesa de Servicios <mesa@regioncajamarca.gob.pe>").unwrap()
    }

    fn formatted(mail: &OutboxMail) -> String {
        let message = message(mail, &from(), "regioncajamarca.gob.pe").unwrap();
        String::from_utf8(message.formatted()).unwrap()
    }

    fn header<'a>(raw: &'a str, name: &str) -> Vec<&'a str> {
        let head = raw.split("\r\n\r\n").next().unwrap();
        head.lines()
            .filter_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
            .collect()
    }

    #[test]
    fn the_message_carries_the_rows_message_id_date_and_addresses() {
        let raw = formatted(&row(None));
        assert_eq!(
            header(&raw, "Message-ID"),
            ["<0193a1b2@regioncajamarca.gob.pe>"]
        );
        assert_eq!(header(&raw, "Date"), ["Wed, 02 Dec 2026 15:04:05 +0000"]);
        assert_eq!(
            header(&raw, "From"),
            ["\"Mesa de Servicios\" <mesa@regioncajamarca.gob.pe>"]
        );
        assert_eq!(header(&raw, "To"), ["Ana.Perez@regioncajamarca.gob.pe"]);
        assert_eq!(header(&raw, "Auto-Submitted"), ["auto-generated"]);
        // An accented subject is RFC 2047-encoded, never raw 8-bit (the integration test
        // decodes it as it arrives at a server).
        let subject = header(&raw, "Subject");
        assert_eq!(subject.len(), 1);
        assert!(subject[0].is_ascii(), "{}", subject[0]);
        assert!(subject[0].contains("=?utf-8?b?"), "{}", subject[0]);
    }

    #[test]
    fn building_a_row_twice_gives_the_same_identity() {
        let a = formatted(&row(None));
        let b = formatted(&row(None));
        assert_eq!(header(&a, "Message-ID"), header(&b, "Message-ID"));
        assert_eq!(header(&a, "Date"), header(&b, "Date"));
    }

    #[test]
    fn text_and_html_are_alternatives_without_an_attachment() {
        let raw = formatted(&row(None));
        let content_type = header(&raw, "Content-Type");
        assert_eq!(content_type.len(), 1);
        assert!(content_type[0].starts_with("multipart/alternative"));
        assert!(raw.contains("Content-Type: text/plain; charset=utf-8"));
        assert!(raw.contains("Content-Type: text/html; charset=utf-8"));
        assert!(!raw.contains("multipart/mixed"));
    }

    #[test]
    fn an_attachment_makes_the_message_mixed_with_the_alternatives_first() {
        let ics = Attachment {
            name: "cita-instalacion.ics".to_owned(),
            content_type: "text/calendar; charset=utf-8; method=PUBLISH".to_owned(),
            body: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".to_owned(),
        };
        let raw = formatted(&row(Some(ics)));
        assert!(header(&raw, "Content-Type")[0].starts_with("multipart/mixed"));
        let alternative = raw.find("multipart/alternative").unwrap();
        let calendar = raw.find("Content-Type: text/calendar").unwrap();
        assert!(alternative < calendar);
        assert!(raw.contains("Content-Disposition: attachment; filename=\"cita-instalacion.ics\""));
        assert!(raw.contains("method=PUBLISH"));
        assert!(raw.contains("BEGIN:VCALENDAR"));
    }

    #[test]
    fn a_row_without_a_stored_message_id_gets_one_from_its_id() {
        let mut mail = row(None);
        mail.message_id = None;
        let raw = formatted(&mail);
        assert_eq!(
            header(&raw, "Message-ID"),
            ["<0193a1b2-0000-7000-8000-000000000001@regioncajamarca.gob.pe>"]
        );
    }

    #[test]
    fn a_bad_recipient_or_attachment_type_is_a_permanent_failure() {
        let mut mail = row(None);
        mail.to = "no es un correo".to_owned();
        let err = message(&mail, &from(), "x").unwrap_err();
        assert_eq!(err.failure, Failure::Permanent);
        let mut mail = row(Some(Attachment {
            name: "a".to_owned(),
            content_type: "no/es/un tipo".to_owned(),
            body: String::new(),
        }));
        mail.to = "a@b.pe".to_owned();
        let err = message(&mail, &from(), "x").unwrap_err();
        assert_eq!(err.failure, Failure::Permanent);
    }

    #[test]
    fn smtp_urls_try_starttls_unless_told_otherwise() {
        assert_eq!(
            lettre_url("smtp://u:p@mail.example:587").unwrap(),
            "smtp://u:p@mail.example:587?tls=opportunistic"
        );
        assert_eq!(
            lettre_url("smtp://mail.example?tls=required").unwrap(),
            "smtp://mail.example?tls=required"
        );
        assert_eq!(
            lettre_url("smtp://127.0.0.1:25?tls=none").unwrap(),
            "smtp://127.0.0.1:25"
        );
        assert_eq!(
            lettre_url("smtps://mail.example").unwrap(),
            "smtps://mail.example"
        );
        assert!(lettre_url("smtp://mail.example?tls=maybe").is_err());
        assert!(lettre_url("smtps://mail.example?tls=required").is_err());
        assert!(lettre_url("http://mail.example").is_err());
        assert!(lettre_url("mail.example").is_err());
        assert!(SmtpSender::from_url("smtp://u:p%40ss@mail.example:2525").is_ok());
        assert!(SmtpSender::from_url("smtps://mail.example").is_ok());
    }

    #[test]
    fn the_sender_must_be_an_address() {
        assert!(sender_mailbox("mesa@regioncajamarca.gob.pe").is_ok());
        assert!(sender_mailbox("Mesa <mesa@regioncajamarca.gob.pe>").is_ok());
        assert!(sender_mailbox("Mesa de Servicios").is_err());
    }
}
