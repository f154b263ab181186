//! The holiday calendar for admins (`/admin/feriados`): a year's non-working days, the
//! national holidays marked as such and not removable, a form to add a decreed
//! non-working day, and a button to remove each decreed one. The next cut-off is shown,
//! so the effect of a change is visible at once.

use askama::Template;
use axum::{
    extract::{Query, State},
    http::StatusCode,
};
use domain::{
    schedule::{format_date, weekday_name, HOLIDAY_YEARS},
    validation::FieldErrors,
};

use super::{render, see_other, summary, Layout, SummaryItem};
use crate::{
    app::{
        holidays::{self, NewHoliday},
        schedule, AppError,
    },
    web::{
        error::{PageError, PageResult},
        extract::{Admin, CsrfForm, Id},
        WebState,
    },
};

pub const PATH: &str = "/admin/feriados";

/// The add form's fields and labels, for the error summary.
const LABELS: &[(&str, &str)] = &[("date", "Fecha"), ("name", "Nombre")];

struct Row {
    /// `YYYY-MM-DD`, for the remove form.
    iso: String,
    /// `viernes 02/01/2026`.
    when: String,
    name: String,
    national: bool,
}

struct YearChoice {
    year: i16,
    selected: bool,
}

#[derive(Template)]
#[template(path = "admin_holidays.html")]
struct HolidaysPage {
    layout: Layout,
    year: i16,
    years: Vec<YearChoice>,
    previous: Option<i16>,
    following: Option<i16>,
    rows: Vec<Row>,
    national_count: usize,
    summary: Vec<SummaryItem>,
    errors: FieldErrors,
    typed_date: String,
    typed_name: String,
    next_cutoff: String,
}

#[derive(serde::Deserialize)]
pub struct YearQuery {
    anio: Option<String>,
    aviso: Option<String>,
}

/// The year asked for (`?anio=`), or this year; one that is not a year is a broken link.
fn year_of(raw: Option<&str>, this_year: i16) -> PageResult<i16> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(this_year),
        Some(raw) => raw
            .parse::<i16>()
            .ok()
            .filter(|y| HOLIDAY_YEARS.contains(y))
            .ok_or_else(|| {
                PageError::new(
                    StatusCode::BAD_REQUEST,
                    "Año inválido",
                    format!(
                        "Elija un año entre {} y {}.",
                        HOLIDAY_YEARS.start(),
                        HOLIDAY_YEARS.end()
                    ),
                )
            }),
    }
}

struct Typed {
    date: String,
    name: String,
}

async fn page(
    state: &WebState,
    me: &Admin,
    status: StatusCode,
    year: i16,
    notice: Option<String>,
    typed: Typed,
    errors: FieldErrors,
) -> PageResult {
    let days = holidays::list(&state.app, me.user(), year).await?;
    let settings = me.viewer.settings.as_ref();
    let next_cutoff = schedule::batch_times(&state.app, settings).await?.next;
    let national_count = days.iter().filter(|d| d.national).count();
    let rows = days
        .into_iter()
        .map(|d| Row {
            iso: d.date.to_string(),
            when: format!("{} {}", weekday_name(d.date.weekday()), format_date(d.date)),
            name: d.name,
            national: d.national,
        })
        .collect();
    let this_year = state.app.today().year();
    let mut choices: Vec<i16> = (this_year - 1..=this_year + 2)
        .filter(|y| HOLIDAY_YEARS.contains(y))
        .collect();
    if !choices.contains(&year) {
        choices.push(year);
        choices.sort_unstable();
    }
    let years = choices
        .into_iter()
        .map(|y| YearChoice {
            year: y,
            selected: y == year,
        })
        .collect();
    let layout =
        Layout::new("Feriados y días no laborables", Some(&me.viewer), PATH).with_notice(notice);
    Ok(render(
        status,
        &HolidaysPage {
            layout,
            year,
            years,
            previous: Some(year - 1).filter(|y| HOLIDAY_YEARS.contains(y)),
            following: Some(year + 1).filter(|y| HOLIDAY_YEARS.contains(y)),
            rows,
            national_count,
            summary: summary(&errors, LABELS),
            errors,
            typed_date: typed.date,
            typed_name: typed.name,
            next_cutoff,
        },
    ))
}

fn notice_text(code: Option<&str>) -> Option<String> {
    match code? {
        "agregado" => {
            Some("Día no laborable agregado. El próximo corte ya lo tiene en cuenta.".to_owned())
        }
        "quitado" => {
            Some("Día no laborable quitado. El próximo corte ya lo tiene en cuenta.".to_owned())
        }
        _ => None,
    }
}

pub async fn list(
    State(state): State<WebState>,
    me: Admin,
    Query(query): Query<YearQuery>,
) -> PageResult {
    let year = year_of(query.anio.as_deref(), state.app.today().year())?;
    page(
        &state,
        &me,
        StatusCode::OK,
        year,
        notice_text(query.aviso.as_deref()),
        Typed {
            date: String::new(),
            name: String::new(),
        },
        FieldErrors::new(),
    )
    .await
}

#[derive(serde::Deserialize)]
pub struct AddForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    name: String,
    /// The year the page showed, to show it again after an error.
    #[serde(default)]
    anio: String,
}

pub async fn add(State(state): State<WebState>, me: Admin, form: CsrfForm<AddForm>) -> PageResult {
    let AddForm { date, name, anio } = form.data;
    let input = NewHoliday {
        date: date.clone(),
        name: name.clone(),
    };
    match holidays::add(&state.app, me.user(), &input).await {
        Ok(added) => see_other(format!("{PATH}?anio={}&aviso=agregado", added.date.year())),
        Err(AppError::Validation(errors)) => {
            let year = year_of(Some(&anio), state.app.today().year())
                .unwrap_or_else(|_| state.app.today().year());
            page(
                &state,
                &me,
                StatusCode::UNPROCESSABLE_ENTITY,
                year,
                None,
                Typed { date, name },
                errors,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
pub struct Empty {}

pub async fn remove(
    State(state): State<WebState>,
    me: Admin,
    Id(date): Id<String>,
    _form: CsrfForm<Empty>,
) -> PageResult {
    let removed = holidays::remove(&state.app, me.user(), &date).await?;
    see_other(format!("{PATH}?anio={}&aviso=quitado", removed.date.year()))
}
