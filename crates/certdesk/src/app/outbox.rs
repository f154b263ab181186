//! Reading the mail outbox (admins only), with each mail's delivery state; and the
//! set-password links that mails carry, which no stored row holds.
//!
//! A mail with a set-password link is written with [`LINK_PLACEHOLDER`] where the link's
//! secret goes and the account and expiry beside it ([`PendingLink`]). The worker mints the
//! secret as it delivers the mail ([`mint_link`]): only its hash is stored, in
//! `password_tokens`, so neither a copy of the database nor an admin reading the outbox
//! can use a link. What admins read is also passed through [`redact_links`].

use domain::ids::OutboxId;
use jiff::Timestamp;

use super::{auth, App, AppResult};
use crate::store::{
    self,
    outbox::{self, OutboxMail, PendingLink, LINK_PLACEHOLDER},
    password_tokens, users,
    users::User,
    StoreError,
};

/// Where a set-password link's secret starts in a mail.
const LINK_PREFIX: &str = "/establecer-clave/";

/// The path of a set-password link as a mail stores it until delivery.
pub fn pending_link_path() -> String {
    format!("{LINK_PREFIX}{LINK_PLACEHOLDER}")
}

/// Replaces every set-password secret in `body` with [`LINK_PLACEHOLDER`] (what admins
/// read of a mail, whatever was stored).
pub fn redact_links(body: &str) -> String {
    replace_secrets(body, |_| LINK_PLACEHOLDER.to_owned()).0
}

/// `body` with each secret after [`LINK_PREFIX`] replaced by `with(secret)`, and the
/// secrets found (not the placeholder).
fn replace_secrets(body: &str, with: impl Fn(&str) -> String) -> (String, Vec<String>) {
    let mut out = String::with_capacity(body.len());
    let mut found = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.find(LINK_PREFIX) {
        let after = at + LINK_PREFIX.len();
        out.push_str(&rest[..after]);
        rest = &rest[after..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len());
        let secret = &rest[..end];
        if secret.is_empty() {
            continue;
        }
        out.push_str(&with(secret));
        found.push(secret.to_owned());
        rest = &rest[end..];
    }
    out.push_str(rest);
    (out, found)
}

/// What delivering a mail with a link found.
#[derive(Debug)]
pub enum Minted {
    /// The mail with its link in place, ready to send.
    Ready(Box<OutboxMail>),
    /// The mail must not be sent (the account was deactivated meanwhile): why, for admins.
    Refused(String),
}

/// Mints the set-password link of `mail` (claimed by the caller) as it is delivered: a
/// fresh secret whose hash is stored for the account, working until the expiry fixed when
/// the mail was written. The account's other unused links stop working (a retry of this
/// mail retires the link of the attempt before it). Mails without a link pass unchanged.
pub async fn mint_link(app: &App, mail: OutboxMail, now: Timestamp) -> AppResult<Minted> {
    let Some(link) = mail.link else {
        return Ok(Minted::Ready(Box::new(mail)));
    };
    let mut tx = app.store.begin().await?;
    let user = users::by_id(&mut tx, link.user_id).await?;
    if !user.active {
        return Ok(Minted::Refused(
            "la cuenta fue desactivada antes de enviar su enlace para elegir contraseña; \
             no se envió"
                .to_owned(),
        ));
    }
    let secret = auth::random_token();
    password_tokens::expire_unused(&mut tx, link.user_id, now).await?;
    password_tokens::insert_for_mail(
        &mut tx,
        &auth::token_hash(&secret),
        link.user_id,
        now,
        link.expires_at,
        mail.id,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    let body_text = mail.body_text.replace(LINK_PLACEHOLDER, &secret);
    let body_html = mail.body_html.replace(LINK_PLACEHOLDER, &secret);
    Ok(Minted::Ready(Box::new(OutboxMail {
        body_text,
        body_html,
        ..mail
    })))
}

/// Takes the secrets out of mails written before links were minted at delivery: each
/// secret in a body becomes [`LINK_PLACEHOLDER`]. A mail not sent yet is sent later with a
/// freshly minted link (same account, same expiry), and its stored secret, which nobody
/// received, stops working; a sent mail's link keeps working for its owner until it
/// expires. Idempotent; `serve` and `migrate` run it after the migrations. Returns how
/// many mails were rewritten.
pub async fn scrub_stored_links(store: &store::Store, now: Timestamp) -> AppResult<usize> {
    let mut tx = store.begin().await?;
    let mails = outbox::with_stored_links(&mut tx).await?;
    let mut rewritten = 0;
    for mail in mails {
        let (body_text, mut secrets) =
            replace_secrets(&mail.body_text, |_| LINK_PLACEHOLDER.to_owned());
        let (body_html, more) = replace_secrets(&mail.body_html, |_| LINK_PLACEHOLDER.to_owned());
        secrets.extend(more);
        if secrets.is_empty() {
            continue;
        }
        secrets.sort_unstable();
        secrets.dedup();
        let waiting = mail.sent_at.is_none() && mail.failed_at.is_none();
        let mut link = None;
        for secret in &secrets {
            let hash = auth::token_hash(secret);
            let Some((user_id, expires_at)) = password_tokens::unused(&mut tx, &hash).await? else {
                continue;
            };
            if waiting {
                password_tokens::expire(&mut tx, &hash, now).await?;
                link = Some(PendingLink {
                    user_id,
                    expires_at,
                });
            }
        }
        outbox::replace_bodies(&mut tx, mail.id, &body_text, &body_html, link).await?;
        rewritten += 1;
    }
    tx.commit().await.map_err(StoreError::from)?;
    if rewritten > 0 {
        tracing::info!(
            mails = rewritten,
            "set-password links taken out of stored mails"
        );
    }
    Ok(rewritten)
}

/// Where a mail is on its way out, as admins read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Not tried yet (with no SMTP server configured, it stays so: admins read it here).
    Pendiente,
    /// The server accepted it.
    Enviado,
    /// An attempt failed for a reason that may pass; it is tried again at its next time.
    Reintentando,
    /// The server refused it for good; it is not tried again.
    Fallido,
}

impl DeliveryStatus {
    pub fn of(mail: &OutboxMail) -> Self {
        if mail.failed_at.is_some() {
            Self::Fallido
        } else if mail.sent_at.is_some() {
            Self::Enviado
        } else if mail.attempts > 0 {
            Self::Reintentando
        } else {
            Self::Pendiente
        }
    }

    /// The word programs read (JSON `status`, CSS classes).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pendiente => "pendiente",
            Self::Enviado => "enviado",
            Self::Reintentando => "reintentando",
            Self::Fallido => "fallido",
        }
    }

    /// The words people read.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pendiente => "Pendiente de envío",
            Self::Enviado => "Enviado",
            Self::Reintentando => "Reintentando",
            Self::Fallido => "Fallido",
        }
    }
}

/// Newest first; `before` is the last id of the previous page.
pub async fn list(
    app: &App,
    actor: &User,
    before: Option<OutboxId>,
    limit: i64,
) -> AppResult<Vec<OutboxMail>> {
    auth::require_admin(actor)?;
    let mut conn = app.store.conn().await?;
    let mut mails = outbox::list(&mut conn, before, limit).await?;
    for m in &mut mails {
        m.body_text = redact_links(&m.body_text);
        m.body_html = redact_links(&m.body_html);
    }
    Ok(mails)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_secret_after_the_link_path_is_redacted() {
        let body = "Abra https://x.gob.pe/establecer-clave/AbC_d-9 ahora.\n\
                    <a href=\"https://x.gob.pe/establecer-clave/Zz9\">y</a> /establecer-clave/";
        let (out, found) = replace_secrets(body, |_| LINK_PLACEHOLDER.to_owned());
        assert_eq!(found, ["AbC_d-9", "Zz9"]);
        assert_eq!(out, redact_links(body));
        assert_eq!(
            out,
            "Abra https://x.gob.pe/establecer-clave/[enlace-de-un-solo-uso] ahora.\n\
             <a href=\"https://x.gob.pe/establecer-clave/[enlace-de-un-solo-uso]\">y</a> /establecer-clave/"
        );
        // The placeholder itself is no secret, and redacting twice changes nothing.
        assert_eq!(redact_links(&out), out);
        assert!(replace_secrets(&out, |s| s.to_owned()).1.is_empty());
    }
}
