//! Canned observation texts (admins keep them; analysts pick them on the observe form).
//! A text is never deleted, only deactivated: observations already sent keep their words
//! in the history whatever happens to the text later.

use domain::{ids::ObservationTextId, validation::FieldErrors};

use super::{auth, App, AppError, AppResult};
use crate::store::{
    observation_texts::{self, ObservationText},
    users::User,
    StoreError,
};

/// Longest title and body, in characters.
pub const MAX_TITLE_CHARS: usize = 80;
pub const MAX_BODY_CHARS: usize = 1000;

/// What an admin typed.
#[derive(Debug, Clone, Default)]
pub struct TextInput {
    pub title: String,
    pub body: String,
    pub active: bool,
}

/// The input trimmed, or every failing field (`title`, `body`).
fn validate(input: &TextInput) -> AppResult<(String, String)> {
    let mut errors = FieldErrors::new();
    let title = input.title.trim();
    let body = input.body.trim();
    if title.is_empty() {
        errors.add(
            "title",
            "Escriba un título corto, por ejemplo «Foto con lentes».",
        );
    } else if title.chars().count() > MAX_TITLE_CHARS {
        errors.add(
            "title",
            format!("El título es muy largo: como máximo {MAX_TITLE_CHARS} caracteres."),
        );
    }
    if body.is_empty() {
        errors.add(
            "body",
            "Escriba el texto que leerá el solicitante: qué está mal y qué debe hacer.",
        );
    } else if body.chars().count() > MAX_BODY_CHARS {
        errors.add(
            "body",
            format!("El texto es muy largo: como máximo {MAX_BODY_CHARS} caracteres."),
        );
    }
    if errors.is_empty() {
        Ok((title.to_owned(), body.to_owned()))
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Every text, active ones first (admins).
pub async fn list(app: &App, actor: &User) -> AppResult<Vec<ObservationText>> {
    auth::require_admin(actor)?;
    let mut conn = app.store.conn().await?;
    Ok(observation_texts::list(&mut conn, false).await?)
}

/// One text (admins).
pub async fn get(app: &App, actor: &User, id: ObservationTextId) -> AppResult<ObservationText> {
    auth::require_admin(actor)?;
    let mut conn = app.store.conn().await?;
    Ok(observation_texts::by_id(&mut conn, id).await?)
}

/// Adds an active text (admins).
pub async fn create(app: &App, actor: &User, input: &TextInput) -> AppResult<ObservationText> {
    auth::require_admin(actor)?;
    let (title, body) = validate(input)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let id = observation_texts::insert(&mut tx, &title, &body, now).await?;
    let text = observation_texts::by_id(&mut tx, id).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(text)
}

/// Changes a text's words, or (de)activates it (admins).
pub async fn update(
    app: &App,
    actor: &User,
    id: ObservationTextId,
    input: &TextInput,
) -> AppResult<ObservationText> {
    auth::require_admin(actor)?;
    let (title, body) = validate(input)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    observation_texts::update(&mut tx, id, &title, &body, input.active, now).await?;
    let text = observation_texts::by_id(&mut tx, id).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_needs_a_short_title_and_a_body() {
        let bad = TextInput {
            title: " ".into(),
            body: String::new(),
            active: true,
        };
        let Err(AppError::Validation(errors)) = validate(&bad) else {
            panic!("blank input accepted");
        };
        assert!(errors.contains("title") && errors.contains("body"));
        let long = TextInput {
            title: "t".repeat(MAX_TITLE_CHARS + 1),
            body: "Texto".into(),
            active: true,
        };
        assert!(validate(&long).is_err());
        let good = TextInput {
            title: "  Foto con lentes ".into(),
            body: " Tómese otra foto sin lentes. ".into(),
            active: false,
        };
        assert_eq!(
            validate(&good).unwrap(),
            (
                "Foto con lentes".into(),
                "Tómese otra foto sin lentes.".into()
            )
        );
    }
}
