//! What certdesk tells people, in Spanish. Every notice is a [`Message`]: a subject, a
//! lead sentence, facts, perhaps someone's words, paragraphs and a link. One pair of
//! askama templates (`templates/mail/message.{txt,html}`) renders any message as the text
//! and HTML parts of a mail; the in-app twin keeps its subject, lead and link.
//!
//! [`notices`] writes each kind of notice; [`ics`] the appointment's calendar file;
//! [`smtp`] delivers the outbox.

pub mod ics;
pub mod notices;
pub mod smtp;

use askama::Template;
use domain::notice::NoticeKind;

use crate::store::outbox::{Attachment, PendingLink};

/// A label and its value ("Fecha de envío a RENIEC": "viernes 04/12/2026 a las 16:30").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub label: String,
    pub value: String,
}

/// Words someone wrote, quoted as they wrote them (an observation, a reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub label: String,
    pub text: String,
}

/// Where to go next: a path of the service (the base URL is added for mail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub label: String,
    pub path: String,
}

/// One notice, whatever shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub kind: NoticeKind,
    pub subject: String,
    /// Whom it greets ("Estimado(a) …:").
    pub greeting: String,
    /// The one sentence that says what happened; also the in-app notice's text.
    pub lead: String,
    pub facts: Vec<Fact>,
    pub quote: Option<Quote>,
    pub paragraphs: Vec<String>,
    pub action: Option<Link>,
    /// The entity's name, for the signature.
    pub entity: String,
    pub attachment: Option<Attachment>,
    /// The set-password link the action leads to, minted when the mail is delivered (the
    /// action's path holds a placeholder until then).
    pub link: Option<PendingLink>,
}

impl Message {
    /// A message with only its subject and lead; the builders add the rest.
    pub fn new(
        kind: NoticeKind,
        subject: impl Into<String>,
        greeting: &str,
        lead: impl Into<String>,
        entity: &str,
    ) -> Self {
        Self {
            kind,
            subject: subject.into(),
            greeting: greeting.to_owned(),
            lead: lead.into(),
            facts: Vec::new(),
            quote: None,
            paragraphs: Vec::new(),
            action: None,
            entity: entity.to_owned(),
            attachment: None,
            link: None,
        }
    }

    pub fn fact(mut self, label: &str, value: impl Into<String>) -> Self {
        self.facts.push(Fact {
            label: label.to_owned(),
            value: value.into(),
        });
        self
    }

    pub fn quote(mut self, label: &str, text: &str) -> Self {
        self.quote = Some(Quote {
            label: label.to_owned(),
            text: text.trim().to_owned(),
        });
        self
    }

    pub fn paragraph(mut self, text: impl Into<String>) -> Self {
        self.paragraphs.push(text.into());
        self
    }

    pub fn action(mut self, label: &str, path: impl Into<String>) -> Self {
        self.action = Some(Link {
            label: label.to_owned(),
            path: path.into(),
        });
        self
    }

    /// Makes the action's placeholder a set-password link minted at delivery.
    pub fn with_password_link(mut self, link: PendingLink) -> Self {
        self.link = Some(link);
        self
    }

    pub fn attach(mut self, attachment: Attachment) -> Self {
        self.attachment = Some(attachment);
        self
    }

    /// The link of the in-app twin. A set-password link is a secret for the mailbox only.
    pub fn in_app_link(&self) -> Option<&str> {
        match self.kind {
            NoticeKind::AccessApproved | NoticeKind::PasswordReset => None,
            _ => self.action.as_ref().map(|a| a.path.as_str()),
        }
    }

    /// The text and HTML parts, with links under `base_url`.
    pub fn render(&self, base_url: &str) -> askama::Result<Rendered> {
        Ok(Rendered {
            text: MessageText { m: self, base_url }.render()?,
            html: MessageHtml { m: self, base_url }.render()?,
        })
    }
}

/// A message's two parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    pub html: String,
}

#[derive(Template)]
#[template(path = "mail/message.txt")]
struct MessageText<'a> {
    m: &'a Message,
    base_url: &'a str,
}

#[derive(Template)]
#[template(path = "mail/message.html")]
struct MessageHtml<'a> {
    m: &'a Message,
    base_url: &'a str,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_message_renders_as_text_and_as_escaped_html() {
        let message = Message::new(
            NoticeKind::TicketObserved,
            "Su trámite CD-2026-000001 fue observado",
            "Ana <Pérez>",
            "La Mesa de Servicios revisó su trámite.",
            "Gobierno Regional Cajamarca",
        )
        .fact("Trámite", "CD-2026-000001")
        .quote("Observación", "La foto está <borrosa>.\nCámbiela.")
        .action("Corregir el trámite", "/tramites/abc");
        let out = message.render("https://certdesk.example").unwrap();
        assert!(out.text.contains("Estimado(a) Ana <Pérez>:"));
        assert!(out.text.contains("Trámite: CD-2026-000001"));
        assert!(out.text.contains("> La foto está <borrosa>.\n> Cámbiela."));
        assert!(out
            .text
            .contains("Corregir el trámite: https://certdesk.example/tramites/abc"));
        assert!(out.html.contains("Ana &#60;Pérez&#62;") || out.html.contains("Ana &lt;Pérez&gt;"));
        assert!(!out.html.contains("<borrosa>"));
        assert!(out
            .html
            .contains("href=\"https://certdesk.example/tramites/abc\""));
        assert!(out.html.contains("Gobierno Regional Cajamarca"));
    }
}
