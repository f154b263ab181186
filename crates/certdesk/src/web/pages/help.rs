//! The public "Procedimiento" page (`/procedimiento`): the entity's procedure in plain
//! Spanish, with the fee, tribute code and RUC read from the settings, the batch schedule,
//! and good and bad examples of photos and signatures.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use domain::{
    schedule::{format_dispatch, weekday_name},
    ticket::Kind,
};

use super::{app_error_page, render, wizard::RulesView, Layout};
use crate::{
    app::{self, App, AppResult},
    store::StoreError,
    web::{assets, extract::Viewer, WebState},
};

/// When batches go to RENIEC: the weekly cut-off ("cada viernes a las 16:30") and the next
/// one ("viernes 27/11/2026 a las 16:30"), holidays considered.
pub(super) async fn batch_times(app: &App) -> AppResult<(String, String)> {
    let now = app.now();
    let today = app.today();
    let mut tx = app.store.begin().await?;
    let calendar = app::schedule::calendar_in(&mut tx, now, today, today).await?;
    let next = app::schedule::dispatch_at_in(&mut tx, now, now, None).await?;
    tx.commit().await.map_err(StoreError::from)?;
    let cutoff = format!(
        "cada {} a las {}",
        weekday_name(calendar.cutoff.weekday),
        calendar.cutoff.time.strftime("%H:%M")
    );
    Ok((cutoff, format_dispatch(&next)))
}

struct ReasonLine {
    label: String,
    paid: bool,
}

struct KindSection {
    label: &'static str,
    reasons: Vec<ReasonLine>,
}

/// An example image with what it shows.
struct Example {
    url: String,
    caption: &'static str,
    good: bool,
}

#[derive(Template)]
#[template(path = "procedure.html")]
struct ProcedurePage {
    layout: Layout,
    rules: RulesView,
    cutoff: String,
    next_dispatch: String,
    catalogue: Vec<KindSection>,
    photos: Vec<Example>,
    signatures: Vec<Example>,
    signed_in: bool,
    copy_js: String,
}

fn example(file: &str, caption: &'static str, good: bool) -> Example {
    Example {
        url: assets::url(&format!("ejemplos/{file}")),
        caption,
        good,
    }
}

pub async fn show(State(state): State<WebState>, viewer: Viewer) -> Response {
    let rules = match super::wizard::payment_rules(&state.app).await {
        Ok(rules) => rules,
        Err(err) => return app_error_page(err, Some(&viewer)),
    };
    let (cutoff, next_dispatch) = match batch_times(&state.app).await {
        Ok(times) => times,
        Err(err) => return app_error_page(err, Some(&viewer)),
    };
    let catalogue = [Kind::Emision, Kind::Reemision, Kind::Cancelacion]
        .into_iter()
        .map(|k| KindSection {
            label: k.label(),
            reasons: k
                .reasons()
                .map(|r| ReasonLine {
                    label: r.label(),
                    paid: r.requires_payment(),
                })
                .collect(),
        })
        .collect();
    render(
        StatusCode::OK,
        &ProcedurePage {
            layout: Layout::new("Procedimiento", Some(&viewer), "/procedimiento"),
            rules,
            cutoff,
            next_dispatch,
            catalogue,
            photos: vec![
                example(
                    "foto-correcta.jpg",
                    "actual, de frente, nítida y con buena luz.",
                    true,
                ),
                example("foto-borrosa.jpg", "borrosa (movida o desenfocada).", false),
                example("foto-oscura.jpg", "demasiado oscura.", false),
            ],
            signatures: vec![
                example(
                    "firma-correcta.jpg",
                    "lapicero azul, completa, centrada, tamaño mediano.",
                    true,
                ),
                example(
                    "firma-tinta-negra.jpg",
                    "tinta negra (use lapicero azul).",
                    false,
                ),
                example("firma-cortada.jpg", "cortada en los bordes.", false),
                example(
                    "firma-descentrada.jpg",
                    "en una esquina, no en el centro.",
                    false,
                ),
                example("firma-pequena.jpg", "demasiado pequeña.", false),
            ],
            signed_in: viewer.session.is_some(),
            copy_js: assets::url("copiar.js"),
        },
    )
}
