//! The analysts' pages (`/analista/…`): the FIFO queue, the review page of a ticket with the
//! actions available now, the weekly RENIEC batch and its package, and every certificate.
//!
//! Made for a full working day at a desktop: dense tables, the actions beside the data, every
//! form a plain POST that works without JavaScript and redirects back with a notice (or
//! re-renders with its errors). Who may do what is decided by the use cases in `app` (and,
//! for which buttons to show, `domain::ticket::available_actions`); every handler takes the
//! `Analyst` extractor, so requesters get the same Spanish 403 page on every one of these
//! URLs.

mod batches;
mod bulk_results;
mod certificates;
mod queue;
mod result_forms;
mod review;
mod search;

use axum::{
    extract::DefaultBodyLimit,
    routing::{get, post},
};
use jiff::Timestamp;

use super::summary_of;
use crate::web::{api::UPLOAD_BODY_LIMIT, Routes};

/// The analysts' routes, merged into the pages' router.
pub fn routes() -> Routes {
    Routes::new()
        .route("/analista/cola", get(queue::show))
        .route("/analista/cola.csv", get(queue::csv))
        .route("/analista/buscar", get(search::show))
        .route("/analista/tramites/{id}", get(review::show))
        .route("/analista/tramites/{id}/atender", post(review::take))
        .route("/analista/tramites/{id}/observar", post(review::observe))
        .route("/analista/tramites/{id}/aprobar", post(review::approve))
        .route("/analista/tramites/{id}/rechazar", post(review::reject))
        .route("/analista/tramites/{id}/cita", post(review::appointment))
        .route("/analista/tramites/{id}/completar", post(review::complete))
        .route(
            "/analista/tramites/{id}/solicitantes/{applicant_id}/resultado",
            post(review::result),
        )
        .route("/analista/lotes", get(batches::list))
        .route("/analista/lotes/cerrar", post(batches::close))
        .route("/analista/lotes/{id}", get(batches::show))
        .route("/analista/certificados", get(certificates::list))
        .route("/analista/tramites/{id}/devolver", post(review::release))
        .route("/analista/tramites/{id}/notas", post(review::note))
        .route(
            "/analista/lotes/{id}/solicitantes/{applicant_id}/resultado",
            post(batches::result),
        )
        .route(
            "/analista/lotes/{id}/resultados",
            post(bulk_results::upload).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/analista/lotes/{id}/resultados/aplicar",
            post(bulk_results::apply).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/analista/lotes/{id}/plantilla.csv",
            get(bulk_results::template_csv),
        )
        .route(
            "/analista/lotes/{id}/plantilla.xlsx",
            get(bulk_results::template_xlsx),
        )
        .route(certificates::CSV_PATH, get(certificates::csv))
        .route(
            "/analista/certificados/{id}/parte-publica",
            post(certificates::attach).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
}

/// How long something has waited, in words: "hace 5 min", "hace 3 h", "hace 2 días".
pub(super) fn waited(now: Timestamp, since: Timestamp) -> String {
    let minutes = now.duration_since(since).as_secs().max(0) / 60;
    match minutes {
        0 => "hace menos de 1 min".to_owned(),
        1..=59 => format!("hace {minutes} min"),
        60..=1439 => format!("hace {} h", minutes / 60),
        1440..=2879 => "hace 1 día".to_owned(),
        _ => format!("hace {} días", minutes / 1440),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_times_read_as_words() {
        let at: Timestamp = "2026-12-02T15:00:00Z".parse().unwrap();
        let ago = |mins: i64| waited(at, at - jiff::SignedDuration::from_mins(mins));
        assert_eq!(ago(0), "hace menos de 1 min");
        assert_eq!(ago(5), "hace 5 min");
        assert_eq!(ago(125), "hace 2 h");
        assert_eq!(ago(1500), "hace 1 día");
        assert_eq!(ago(3 * 1440 + 7), "hace 3 días");
    }
}
