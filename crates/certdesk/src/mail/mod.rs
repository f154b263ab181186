//! The e-mails certdesk writes, in Spanish, as text and HTML (askama templates under
//! `templates/mail/`). Each builder returns a [`NewMail`] that the caller writes to the
//! outbox in the same transaction as the change it announces.
//!
//! Delivery over SMTP is a separate worker; this module only composes messages.

use askama::Template;

use crate::store::outbox::NewMail;

/// Renders a text and an HTML template into one message.
fn compose(
    to: &str,
    subject: String,
    text: impl Template,
    html: impl Template,
) -> anyhow::Result<NewMail> {
    Ok(NewMail {
        to: to.to_owned(),
        subject,
        body_text: text.render()?,
        body_html: html.render()?,
    })
}

#[derive(Template)]
#[template(path = "mail/account_approved.txt")]
struct AccountApprovedText<'a> {
    name: &'a str,
    link: &'a str,
    entity: &'a str,
}

#[derive(Template)]
#[template(path = "mail/account_approved.html")]
struct AccountApprovedHtml<'a> {
    name: &'a str,
    link: &'a str,
    entity: &'a str,
}

/// Access approved: the one-time link to choose a password.
pub fn account_approved(to: &str, name: &str, link: &str, entity: &str) -> anyhow::Result<NewMail> {
    compose(
        to,
        "Su acceso a certdesk fue aprobado".into(),
        AccountApprovedText { name, link, entity },
        AccountApprovedHtml { name, link, entity },
    )
}

#[derive(Template)]
#[template(path = "mail/access_rejected.txt")]
struct AccessRejectedText<'a> {
    name: &'a str,
    reason: &'a str,
    entity: &'a str,
}

#[derive(Template)]
#[template(path = "mail/access_rejected.html")]
struct AccessRejectedHtml<'a> {
    name: &'a str,
    reason: &'a str,
    entity: &'a str,
}

/// Access refused, with the admin's reason.
pub fn access_rejected(
    to: &str,
    name: &str,
    reason: &str,
    entity: &str,
) -> anyhow::Result<NewMail> {
    compose(
        to,
        "Su solicitud de acceso a certdesk no fue aprobada".into(),
        AccessRejectedText {
            name,
            reason,
            entity,
        },
        AccessRejectedHtml {
            name,
            reason,
            entity,
        },
    )
}

#[derive(Template)]
#[template(path = "mail/access_received.txt")]
struct AccessReceivedText<'a> {
    name: &'a str,
    entity: &'a str,
}

#[derive(Template)]
#[template(path = "mail/access_received.html")]
struct AccessReceivedHtml<'a> {
    name: &'a str,
    entity: &'a str,
}

/// Acknowledges a new access request.
pub fn access_received(to: &str, name: &str, entity: &str) -> anyhow::Result<NewMail> {
    compose(
        to,
        "Recibimos su solicitud de acceso a certdesk".into(),
        AccessReceivedText { name, entity },
        AccessReceivedHtml { name, entity },
    )
}

#[derive(Template)]
#[template(path = "mail/ticket_notice.txt")]
struct TicketNoticeText<'a> {
    name: &'a str,
    paragraphs: &'a [String],
    link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/ticket_notice.html")]
struct TicketNoticeHtml<'a> {
    name: &'a str,
    paragraphs: &'a [String],
    link: &'a str,
}

/// A change on a ticket the requester must know about (approval with its RENIEC date,
/// observation, rejection, results).
pub fn ticket_notice(
    to: &str,
    name: &str,
    subject: String,
    paragraphs: &[String],
    link: &str,
) -> anyhow::Result<NewMail> {
    compose(
        to,
        subject,
        TicketNoticeText {
            name,
            paragraphs,
            link,
        },
        TicketNoticeHtml {
            name,
            paragraphs,
            link,
        },
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_approval_mail_carries_the_link_in_text_and_escaped_html() {
        let mail = account_approved(
            "ana@regioncajamarca.gob.pe",
            "Ana <Pérez>",
            "https://certdesk.example/establecer-clave/abc",
            "Gobierno Regional Cajamarca",
        )
        .unwrap();
        assert!(mail
            .body_text
            .contains("https://certdesk.example/establecer-clave/abc"));
        assert!(mail.body_text.contains("Ana <Pérez>"));
        assert!(
            mail.body_html.contains("Ana &#60;Pérez&#62;")
                || mail.body_html.contains("Ana &lt;Pérez&gt;")
        );
        assert!(mail
            .body_html
            .contains("href=\"https://certdesk.example/establecer-clave/abc\""));
    }
}
