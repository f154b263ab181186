//! The settings page for admins (`/admin/configuracion`): one form with every setting —
//! the entity, the receipts' fee, tribute code and RUC, the weekly cut-off, the
//! institutional e-mail domains, how long personal files are kept, and the image checks'
//! thresholds. Saving checks every field at once; a change takes effect at once.

use std::collections::BTreeMap;

use askama::Template;
use axum::{
    extract::{Query, State},
    http::StatusCode,
};
use domain::{
    images::{ThresholdGroup, THRESHOLD_FIELDS},
    schedule::weekday_name,
    settings::{threshold_of_key, Setting, Settings, MAX_RETENTION_DAYS, MIN_RETENTION_DAYS},
    validation::FieldErrors,
};
use jiff::civil::Weekday;

use super::{render, see_other, summary, Layout, NoticeQuery, SummaryItem};
use crate::{
    app::{schedule, settings, AppError},
    web::{
        error::PageResult,
        extract::{Admin, CsrfForm},
        WebState,
    },
};

pub const PATH: &str = "/admin/configuracion";

/// Element ids (and form names) of the fields that are not thresholds, with their labels,
/// in the order of the form.
const FIELDS: &[(Setting, &str)] = &[
    (Setting::EntityName, "Nombre de la entidad"),
    (Setting::EntityRuc, "RUC de la entidad"),
    (Setting::Fee, "Monto de la tasa (S/)"),
    (Setting::TributeCode, "Código de tributo"),
    (Setting::BatchWeekday, "Día del corte semanal"),
    (Setting::BatchTime, "Hora del corte"),
    (
        Setting::InstitutionalDomains,
        "Dominios de correo institucional",
    ),
    (Setting::RetentionDays, "Plazo de conservación (días)"),
];

/// The form name and element id of a threshold.
fn threshold_id(name: &str) -> String {
    format!("umbral_{name}")
}

/// The element id an error key (a setting's word, or `image_thresholds.<name>`) belongs to.
fn element_of(key: &str) -> String {
    match threshold_of_key(key) {
        Some(field) => threshold_id(field.name),
        None => key.to_owned(),
    }
}

/// Every element id with its label, in the form's order (the error summary's order).
fn labels() -> Vec<(String, String)> {
    FIELDS
        .iter()
        .map(|(s, label)| (s.as_str().to_owned(), (*label).to_owned()))
        .chain(
            THRESHOLD_FIELDS
                .iter()
                .map(|f| (threshold_id(f.name), format!("Umbral «{}»", f.label))),
        )
        .collect()
}

/// Errors re-keyed by element id.
fn placed(errors: &FieldErrors) -> FieldErrors {
    let mut out = FieldErrors::new();
    for (key, messages) in errors.iter() {
        let element = element_of(key);
        for m in messages {
            out.add(&element, m.clone());
        }
    }
    out
}

/// One threshold's input.
struct ThresholdInput {
    id: String,
    label: String,
    value: String,
    min: String,
    max: String,
    errors: Vec<String>,
}

/// A group of thresholds (a fieldset).
struct ThresholdSet {
    legend: &'static str,
    hint: &'static str,
    inputs: Vec<ThresholdInput>,
}

struct WeekdayChoice {
    value: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "admin_settings.html")]
struct SettingsPage {
    layout: Layout,
    summary: Vec<SummaryItem>,
    /// Keyed by element id.
    errors: FieldErrors,
    /// What the form shows, by element id: the settings in force, or what was typed.
    values: BTreeMap<String, String>,
    weekdays: Vec<WeekdayChoice>,
    thresholds: Vec<ThresholdSet>,
    /// Some threshold failed: the advanced section opens.
    thresholds_open: bool,
    /// The cut-off in force, in words, and the next one.
    every: String,
    next_cutoff: String,
    retention_hint: String,
}

impl SettingsPage {
    fn value(&self, id: &str) -> &str {
        self.values.get(id).map_or("", String::as_str)
    }
}

/// The form's values for `settings`.
fn values_of(settings: &Settings) -> BTreeMap<String, String> {
    let mut values: BTreeMap<String, String> = FIELDS
        .iter()
        .map(|(s, _)| (s.as_str().to_owned(), settings.stored(*s)))
        .collect();
    values.insert(
        Setting::InstitutionalDomains.as_str().to_owned(),
        settings.institutional_domains.join(", "),
    );
    for f in THRESHOLD_FIELDS {
        if let Some(v) = settings.images.value(f.name) {
            values.insert(threshold_id(f.name), f.show(v));
        }
    }
    values
}

async fn page(
    state: &WebState,
    me: &Admin,
    status: StatusCode,
    notice: Option<String>,
    values: BTreeMap<String, String>,
    errors: &FieldErrors,
) -> PageResult {
    let in_force = settings::view(&state.app, me.user()).await?;
    let times = schedule::batch_times(&state.app, &in_force).await?;
    let errors = placed(errors);
    let labels = labels();
    let labels: Vec<(&str, &str)> = labels
        .iter()
        .map(|(id, label)| (id.as_str(), label.as_str()))
        .collect();
    let summary = summary(&errors, &labels);
    let chosen = values
        .get(Setting::BatchWeekday.as_str())
        .cloned()
        .unwrap_or_default();
    let weekdays = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
    ]
    .into_iter()
    .map(|w| WeekdayChoice {
        value: weekday_name(w),
        selected: weekday_name(w) == chosen,
    })
    .collect();
    let groups = [
        (
            ThresholdGroup::Photo,
            "Foto",
            "Lo que se exige a la foto del solicitante.",
        ),
        (
            ThresholdGroup::Signature,
            "Firma",
            "Lo que se exige a la foto de la firma, y cómo se reconoce una postfirma.",
        ),
        (
            ThresholdGroup::Analysis,
            "Análisis",
            "Tamaño al que se reducen las imágenes antes de medirlas. Cambiarlo altera el significado de los demás umbrales.",
        ),
    ];
    let thresholds = groups
        .into_iter()
        .map(|(group, legend, hint)| ThresholdSet {
            legend,
            hint,
            inputs: THRESHOLD_FIELDS
                .iter()
                .filter(|f| f.group == group)
                .map(|f| {
                    let id = threshold_id(f.name);
                    ThresholdInput {
                        label: f.label.to_owned(),
                        value: values.get(&id).cloned().unwrap_or_default(),
                        min: f.show(f.min),
                        max: f.show(f.max),
                        errors: errors.get(&id).map(<[String]>::to_vec).unwrap_or_default(),
                        id,
                    }
                })
                .collect(),
        })
        .collect();
    let thresholds_open = THRESHOLD_FIELDS
        .iter()
        .any(|f| errors.contains(&threshold_id(f.name)));
    let layout = Layout::new("Configuración", Some(&me.viewer), PATH).with_notice(notice);
    Ok(render(
        status,
        &SettingsPage {
            layout,
            summary,
            errors,
            values,
            weekdays,
            thresholds_open,
            thresholds,
            every: times.every,
            next_cutoff: times.next,
            retention_hint: format!(
                "Entre {MIN_RETENTION_DAYS} y {MAX_RETENTION_DAYS} días. Por ejemplo, 365 es un año."
            ),
        },
    ))
}

fn notice_text(code: Option<&str>) -> Option<String> {
    match code? {
        "guardada" => Some("Configuración guardada. Los cambios rigen desde ahora.".into()),
        "sin-cambios" => Some("No había cambios que guardar.".into()),
        _ => None,
    }
}

pub async fn show(
    State(state): State<WebState>,
    me: Admin,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let in_force = settings::view(&state.app, me.user()).await?;
    page(
        &state,
        &me,
        StatusCode::OK,
        notice_text(query.aviso.as_deref()),
        values_of(&in_force),
        &FieldErrors::new(),
    )
    .await
}

pub async fn save(
    State(state): State<WebState>,
    me: Admin,
    form: CsrfForm<BTreeMap<String, String>>,
) -> PageResult {
    let typed = form.data;
    let mut changes: Vec<(Setting, String)> = FIELDS
        .iter()
        .filter_map(|(s, _)| Some((*s, typed.get(s.as_str())?.clone())))
        .collect();
    let lines: Vec<String> = THRESHOLD_FIELDS
        .iter()
        .filter_map(|f| {
            let value = typed.get(&threshold_id(f.name))?;
            // One line per threshold: a typed line break must not start another.
            let value = value.replace(['\n', '\r', ';'], " ");
            Some(format!("{}={value}", f.name))
        })
        .collect();
    if !lines.is_empty() {
        changes.push((Setting::ImageThresholds, lines.join("\n")));
    }
    match settings::update(&state.app, me.user(), &changes, FieldErrors::new()).await {
        Ok(saved) if saved.changes.is_empty() => see_other(format!("{PATH}?aviso=sin-cambios")),
        Ok(_) => see_other(format!("{PATH}?aviso=guardada")),
        Err(AppError::Validation(errors)) => {
            let values = typed
                .into_iter()
                .filter(|(k, _)| k != "csrf_token")
                .collect();
            page(
                &state,
                &me,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                values,
                &errors,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
