//! `GET /api/v1/reports/{name}` (JSON) and `GET /api/v1/reports/{name}.csv` (CSV): the
//! tables of the reports page (analysts and admins).

use axum::{
    extract::{Path, State},
    response::{IntoResponse, Response},
    Json,
};
use domain::report::ReportName;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    app::reports,
    web::{
        error::{ApiResult, Problem},
        extract::{ApiQuery, ApiUser},
        report_table::{self, Table},
        WebState,
    },
};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ReportParams {
    /// First day of the period, `YYYY-MM-DD` (Lima). Default: the Monday eleven weeks
    /// before this week's.
    pub from: Option<String>,
    /// Last day of the period, included, `YYYY-MM-DD`. Default: today.
    pub to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ColumnJson {
    /// The key of this column's value in each row.
    pub key: String,
    /// Its Spanish title (the CSV header).
    pub label: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportJson {
    /// The report's name, as in the path.
    #[schema(example = "tramites_por_estado")]
    pub name: String,
    pub title: String,
    /// The period's first and last day; null for the reports that look ahead from `as_of`
    /// (`certificados_por_vencer`, `descargas_en_riesgo`).
    pub from: Option<String>,
    pub to: Option<String>,
    /// The day (Lima) the report was read.
    pub as_of: String,
    pub columns: Vec<ColumnJson>,
    /// One object per row, keyed by the columns' keys: dates `YYYY-MM-DD`, counts as
    /// integers, days as numbers with two decimals, shares as fractions (0.25). A row whose
    /// first value is null sums up the others (the whole period, or the total).
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<serde_json::Map<String, serde_json::Value>>,
}

/// A report's table. `name` is one of `tramites_por_estado`, `lotes_por_semana`,
/// `tiempo_hasta_envio`, `tasa_de_observacion`, `motivos_de_observacion`,
/// `certificados_por_vencer`, `descargas_en_riesgo`; with `.csv` after it the answer is
/// the same table as a CSV file (UTF-8 with BOM, Spanish headers and values as the page
/// shows them).
#[utoipa::path(get, path = "/api/v1/reports/{name}", tag = "reportes", security(("bearer" = [])),
    params(("name" = String, Path, description = "The report's name, optionally followed by `.csv`",
            example = "tiempo_hasta_envio"), ReportParams),
    responses(
        (status = 200, body = ReportJson, description = "The table (JSON); `text/csv` for `{name}.csv`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json",
            description = "`from` or `to` is not a date, or `to` is before `from`")))]
pub async fn show(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Path(name): Path<String>,
    ApiQuery(params): ApiQuery<ReportParams>,
) -> ApiResult<Response> {
    let (name, csv) = match name.strip_suffix(".csv") {
        Some(name) => (name, true),
        None => (name.as_str(), false),
    };
    let name: ReportName = name.parse().map_err(|_| Problem::not_found())?;
    let period = reports::period(
        &state.app,
        params.from.as_deref(),
        params.to.as_deref(),
        ("from", "to"),
    )?;
    let reading = reports::one(&state.app, &user, name, period).await?;
    let table = report_table::table(&reading);
    if csv {
        return Ok(csv_download(&reading, &table).map_err(|_| {
            Problem::from(crate::app::AppError::Internal(anyhow::anyhow!(
                "writing a report CSV"
            )))
        })?);
    }
    let uses_period = name.uses_period();
    Ok(Json(ReportJson {
        name: name.as_str().to_owned(),
        title: name.title().to_owned(),
        from: uses_period.then(|| reading.period.from.to_string()),
        to: uses_period.then(|| reading.period.to.to_string()),
        as_of: reading.today.to_string(),
        columns: table
            .columns
            .iter()
            .map(|c| ColumnJson {
                key: c.key.to_owned(),
                label: c.label.to_owned(),
            })
            .collect(),
        rows: table.json_rows(),
    })
    .into_response())
}

/// The CSV download of a report, named after it and its period (or its day).
pub fn csv_download(
    reading: &reports::Reading,
    table: &Table,
) -> Result<Response, crate::web::error::PageError> {
    let name = reading.name.as_str();
    let file = if reading.name.uses_period() {
        format!("{name}-{}-{}.csv", reading.period.from, reading.period.to)
    } else {
        format!("{name}-{}.csv", reading.today)
    };
    table.sheet()?.into_response(&file)
}
