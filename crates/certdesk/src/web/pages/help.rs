//! The public "Procedimiento" page (`/procedimiento`): the entity's procedure in plain
//! Spanish, with the fee, tribute code and RUC read from the settings, the batch schedule,
//! and good and bad examples of photos and signatures.

use askama::Template;
use axum::{extract::State, http::StatusCode};
use domain::ticket::Kind;

use super::{render, wizard::RulesView, Layout};
use crate::{
    app::schedule,
    web::{assets, error::PageResult, extract::Viewer, WebState},
};

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

pub async fn show(State(state): State<WebState>, viewer: Viewer) -> PageResult {
    let times = schedule::batch_times(&state.app, &viewer.settings).await?;
    let rules = RulesView::from(&viewer.settings.payment);
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
    Ok(render(
        StatusCode::OK,
        &ProcedurePage {
            layout: Layout::new("Procedimiento", Some(&viewer), "/procedimiento"),
            rules,
            cutoff: times.every,
            next_dispatch: times.next,
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
    ))
}
