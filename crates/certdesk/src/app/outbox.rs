//! Reading the mail outbox (admins only), with each mail's delivery state.

use domain::ids::OutboxId;

use super::{auth, App, AppResult};
use crate::store::{
    outbox::{self, OutboxMail},
    users::User,
};

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
    Ok(outbox::list(&mut conn, before, limit).await?)
}
