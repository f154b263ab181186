//! `GET /api/v1/settings` and `PATCH /api/v1/settings` (admins): the settings in force as
//! typed JSON, and a change of any subset of them. A PATCH checks every field it names at
//! once (a wrong JSON type included) and saves nothing unless all pass; a change takes
//! effect at once.

use axum::{extract::State, Json};
use domain::{
    images::THRESHOLD_FIELDS,
    settings::{Setting, Settings},
    validation::FieldErrors,
};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::{
    app::{settings, AppError},
    web::{
        error::{ApiResult, Problem},
        extract::{ApiJson, ApiUser},
        WebState,
    },
};

/// The settings in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsJson {
    /// Fee of a paid request, a decimal string.
    #[schema(example = "8.10")]
    pub fee: String,
    /// Banco de la Nación's tribute code.
    #[schema(example = "00529")]
    pub tribute_code: String,
    /// The entity's RUC (11 digits, check digit verified).
    #[schema(example = "20453744168")]
    pub entity_ruc: String,
    #[schema(example = "Gobierno Regional Cajamarca")]
    pub entity_name: String,
    /// Day of the weekly RENIEC cut-off, `lunes` to `viernes`.
    #[schema(example = "viernes")]
    pub batch_weekday: String,
    /// Lima time of the cut-off, `HH:MM`.
    #[schema(example = "16:30")]
    pub batch_time: String,
    /// Institutional e-mail domains.
    pub email_domains: Vec<String>,
    /// The image checks' thresholds, by name (numbers). A PATCH may name only some.
    #[schema(value_type = Object)]
    pub image_thresholds: Map<String, Value>,
    /// Days a finished ticket's photos, signatures and receipts are kept (Ley 29733).
    #[schema(example = 365)]
    pub retention_days: u32,
}

impl From<&Settings> for SettingsJson {
    fn from(s: &Settings) -> Self {
        let image_thresholds = THRESHOLD_FIELDS
            .iter()
            .filter_map(|f| {
                let v = s.images.value(f.name)?;
                let number = if f.integer {
                    Value::from(v as i64)
                } else {
                    Value::from(v)
                };
                Some((f.name.to_owned(), number))
            })
            .collect();
        SettingsJson {
            fee: s.stored(Setting::Fee),
            tribute_code: s.stored(Setting::TributeCode),
            entity_ruc: s.stored(Setting::EntityRuc),
            entity_name: s.entity_name.clone(),
            batch_weekday: s.stored(Setting::BatchWeekday),
            batch_time: s.stored(Setting::BatchTime),
            email_domains: s.institutional_domains.clone(),
            image_thresholds,
            retention_days: s.retention_days,
        }
    }
}

/// The JSON field of a setting (its word, but for the e-mail domains).
fn field_of(setting: Setting) -> &'static str {
    match setting {
        Setting::InstitutionalDomains => "email_domains",
        other => other.as_str(),
    }
}

/// The setting behind a JSON field.
fn setting_of(field: &str) -> Option<Setting> {
    Setting::ALL.iter().copied().find(|s| field_of(*s) == field)
}

/// Errors keyed by setting words, re-keyed by JSON field.
fn as_fields(errors: FieldErrors) -> FieldErrors {
    let mut out = FieldErrors::new();
    for (key, messages) in errors.iter() {
        let field = match key.parse::<Setting>() {
            Ok(setting) => field_of(setting),
            Err(_) => key,
        };
        for m in messages {
            out.add(field, m.clone());
        }
    }
    out
}

/// A PATCH body read into changes, and what cannot be read (wrong types, unknown fields).
fn read_patch(body: &Map<String, Value>) -> (Vec<(Setting, String)>, FieldErrors) {
    let mut changes = Vec::new();
    let mut errors = FieldErrors::new();
    for (field, value) in body {
        let Some(setting) = setting_of(field) else {
            let known: Vec<&str> = Setting::ALL.iter().map(|s| field_of(*s)).collect();
            errors.add(
                field,
                format!("Campo desconocido. Los ajustes son: {}.", known.join(", ")),
            );
            continue;
        };
        let text = match (setting, value) {
            (Setting::InstitutionalDomains, Value::Array(items)) => {
                let mut domains = Vec::new();
                for item in items {
                    match item {
                        Value::String(d) => domains.push(d.clone()),
                        _ => {
                            errors.add(field, "Cada dominio debe ser un texto, por ejemplo \"regioncajamarca.gob.pe\".");
                        }
                    }
                }
                Some(domains.join(","))
            }
            (Setting::InstitutionalDomains, _) => {
                errors.add(
                    field,
                    "Envíe los dominios como una lista: [\"regioncajamarca.gob.pe\"].",
                );
                None
            }
            (Setting::ImageThresholds, Value::Object(thresholds)) => {
                let mut lines = Vec::new();
                for (name, v) in thresholds {
                    let key = format!("{field}.{name}");
                    let plausible = !name.is_empty()
                        && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
                    match v {
                        Value::Number(n) if plausible => lines.push(format!("{name}={n}")),
                        Value::Number(_) => {
                            errors.add(&key, "No es un umbral de las verificaciones de imágenes.")
                        }
                        _ => errors.add(&key, "Escriba el umbral como un número."),
                    }
                }
                Some(lines.join("\n"))
            }
            (Setting::ImageThresholds, _) => {
                errors.add(
                    field,
                    "Envíe los umbrales como un objeto: {\"photo_min_sharpness\": 25}.",
                );
                None
            }
            (Setting::RetentionDays, Value::Number(n)) => Some(n.to_string()),
            (Setting::RetentionDays, _) => {
                errors.add(
                    field,
                    "Escriba el plazo como un número entero de días, por ejemplo 365.",
                );
                None
            }
            (Setting::Fee, Value::Number(_)) => {
                errors.add(
                    field,
                    "Escriba el monto como texto decimal, por ejemplo \"8.10\".",
                );
                None
            }
            (_, Value::String(text)) => Some(text.clone()),
            (_, _) => {
                errors.add(field, "Escriba este ajuste como texto.");
                None
            }
        };
        if let Some(text) = text {
            changes.push((setting, text));
        }
    }
    (changes, errors)
}

/// The settings in force (admins).
#[utoipa::path(get, path = "/api/v1/settings", tag = "administración", security(("bearer" = [])),
    responses((status = 200, body = SettingsJson),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn show(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<SettingsJson>> {
    let s = settings::view(&state.app, &user).await?;
    Ok(Json(SettingsJson::from(&s)))
}

/// Change any subset of the settings (admins). Every bad field is listed (422) and then
/// nothing is saved; a change takes effect at once and is written to the audit log.
#[utoipa::path(patch, path = "/api/v1/settings", tag = "administración", security(("bearer" = [])),
    request_body(content = Object, description = "Any subset of the fields of SettingsJson; `image_thresholds` may name only some thresholds."),
    responses((status = 200, body = SettingsJson),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Json<SettingsJson>> {
    let empty = Map::new();
    let (changes, mut unreadable) = match &body {
        Value::Object(fields) => read_patch(fields),
        _ => read_patch(&empty),
    };
    if !body.is_object() {
        unreadable.add(
            "body",
            "Envíe un objeto JSON con los ajustes que cambian, por ejemplo {\"fee\": \"8.10\"}.",
        );
    }
    let saved = settings::update(&state.app, &user, &changes, unreadable)
        .await
        .map_err(|e| match e {
            AppError::Validation(errors) => AppError::Validation(as_fields(errors)),
            other => other,
        })?;
    Ok(Json(SettingsJson::from(&saved.settings)))
}
