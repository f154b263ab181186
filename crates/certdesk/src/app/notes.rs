//! Analysts' internal notes on a ticket: what one analyst tells the next ("llamé al
//! solicitante, envía la foto el lunes"). Only analysts and admins write or read them; they
//! are not history lines, so no notice carries them and no requester's page or API answer
//! reads them.

use domain::ids::TicketId;

use super::{auth, transition::visible_ticket, App, AppError, AppResult};
use crate::store::{
    notes::{self, Note},
    users::User,
    StoreError,
};

/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;

/// A note's text, trimmed, or why not.
fn note_text(text: &str) -> AppResult<&str> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::field("text", "Escriba la nota."));
    }
    if text.chars().count() > MAX_NOTE_CHARS {
        return Err(AppError::field(
            "text",
            format!("La nota es muy larga: escriba como máximo {MAX_NOTE_CHARS} caracteres."),
        ));
    }
    Ok(text)
}

/// Adds a note to a ticket (analysts and admins) and returns it.
pub async fn add(app: &App, actor: &User, ticket_id: TicketId, text: &str) -> AppResult<Note> {
    auth::require_analyst(actor)?;
    let text = note_text(text)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let ticket = visible_ticket(&mut tx, actor, ticket_id).await?;
    let id = notes::insert(&mut tx, ticket.id, actor.id, text, now).await?;
    let note = notes::for_ticket(&mut tx, ticket.id)
        .await?
        .into_iter()
        .find(|n| n.id == id)
        .ok_or(AppError::NotFound)?;
    tx.commit().await.map_err(StoreError::from)?;
    tracing::info!(ticket = %ticket.number, "internal note added");
    Ok(note)
}

/// A ticket's notes, oldest first (analysts and admins).
pub async fn list(app: &App, actor: &User, ticket_id: TicketId) -> AppResult<Vec<Note>> {
    auth::require_analyst(actor)?;
    let mut tx = app.store.read().await?;
    let ticket = visible_ticket(&mut tx, actor, ticket_id).await?;
    Ok(notes::for_ticket(&mut tx, ticket.id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_is_trimmed_and_neither_blank_nor_too_long() {
        assert_eq!(
            note_text("  Llamé al solicitante.  ").unwrap(),
            "Llamé al solicitante."
        );
        assert!(matches!(note_text(" \n "), Err(AppError::Validation(_))));
        let long = "a".repeat(MAX_NOTE_CHARS + 1);
        assert!(matches!(note_text(&long), Err(AppError::Validation(_))));
        assert!(note_text(&"ñ".repeat(MAX_NOTE_CHARS)).is_ok());
    }
}
