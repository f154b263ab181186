//! The holiday calendar: `GET /api/v1/holidays?year=YYYY` (anyone signed in) lists a year's
//! non-working days, national ones with `"national": true`; admins add a decreed day with
//! `POST /api/v1/holidays` and remove one with `DELETE /api/v1/holidays/{date}`. A change
//! moves the next cut-off at once.

use axum::{extract::State, http::StatusCode, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Page;
use crate::{
    app::holidays::{self, Holiday, NewHoliday},
    web::{
        error::{ApiResult, Problem},
        extract::{ApiJson, ApiQuery, ApiUser, Id},
        WebState,
    },
};

#[derive(Debug, Serialize, ToSchema)]
pub struct HolidayJson {
    /// `YYYY-MM-DD`.
    #[schema(example = "2026-01-02")]
    pub date: String,
    #[schema(example = "Día no laborable para el sector público")]
    pub name: String,
    /// A national holiday by law (never removable); false for a decreed non-working day.
    pub national: bool,
}

impl From<Holiday> for HolidayJson {
    fn from(h: Holiday) -> Self {
        HolidayJson {
            date: h.date.to_string(),
            name: h.name,
            national: h.national,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct YearParams {
    /// The year, 2000 to 2100 (default: this year in Lima).
    pub year: Option<i16>,
}

/// A year's non-working days, in date order (any signed-in user). One page: `next` is null.
#[utoipa::path(get, path = "/api/v1/holidays", tag = "administración", security(("bearer" = [])),
    params(YearParams),
    responses((status = 200, body = Page<HolidayJson>),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    ApiQuery(params): ApiQuery<YearParams>,
) -> ApiResult<Json<Page<HolidayJson>>> {
    let year = params.year.unwrap_or_else(|| state.app.today().year());
    let days = holidays::list(&state.app, &user, year).await?;
    Ok(Json(Page {
        items: days.into_iter().map(HolidayJson::from).collect(),
        next: None,
    }))
}

/// A decreed non-working day.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewHolidayJson {
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub name: String,
}

/// Add a decreed non-working day (admins). A bad date, an empty name, a day already listed
/// or a national holiday's date is 422 on its field.
#[utoipa::path(post, path = "/api/v1/holidays", tag = "administración", security(("bearer" = [])),
    request_body = NewHolidayJson,
    responses((status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 201, body = HolidayJson),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<NewHolidayJson>,
) -> ApiResult<(StatusCode, Json<HolidayJson>)> {
    let input = NewHoliday {
        date: body.date,
        name: body.name,
    };
    let added = holidays::add(&state.app, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(added.into())))
}

/// Remove a decreed non-working day (admins). National holidays cannot be removed (409).
#[utoipa::path(delete, path = "/api/v1/holidays/{date}", tag = "administración", security(("bearer" = [])),
    params(("date" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 204),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn remove(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(date): Id<String>,
) -> ApiResult<StatusCode> {
    holidays::remove(&state.app, &user, &date).await?;
    Ok(StatusCode::NO_CONTENT)
}
