//! The review page's forms: take, observe, approve, reject, the installation appointment,
//! completion, and RENIEC's result per applicant. Each redirects back with a notice, or shows
//! the page again with what failed next to the form it came from.

use std::collections::HashMap;

use axum::{extract::State, http::StatusCode};
use domain::{
    ids::{ApplicantId, ObservationTextId, TicketId},
    schedule,
    ticket::Status,
    validation::{parse_date, FieldErrors},
};

use super::{page, Form};
use crate::web::pages::analyst::result_forms::{Feedback, ResultForm};
use crate::web::pages::see_other;
use crate::{
    app::{
        notes,
        registry::{self, Installation},
        review,
        tickets::TicketView,
        AppError, AppResult,
    },
    web::{
        error::PageResult,
        extract::{Analyst, CsrfForm, Id},
        WebState,
    },
};

// ---------------------------------------------------------------------------------------
// Actions

/// After an action: back to the page with a notice, or the page again with what failed.
async fn finish(
    state: &WebState,
    me: &Analyst,
    id: TicketId,
    form: Form,
    outcome: AppResult<TicketView>,
    notice: impl FnOnce(&TicketView) -> &'static str,
    values: Vec<(String, String)>,
) -> PageResult {
    let values: HashMap<String, String> = values.into_iter().collect();
    match outcome {
        Ok(view) => see_other(format!(
            "/analista/tramites/{}?aviso={}#contenido",
            view.ticket.id,
            notice(&view)
        )),
        Err(AppError::Validation(errors)) => {
            let mut placed = FieldErrors::new();
            for (field, messages) in errors.iter() {
                let element = form.element(field);
                for message in messages {
                    placed.add(&element, message.clone());
                }
            }
            invalid(state, me, id, placed, values).await
        }
        Err(AppError::Conflict(message)) => {
            let feedback = Feedback {
                alert: Some(message),
                values,
                ..Feedback::default()
            };
            page(state, me, id, StatusCode::CONFLICT, None, feedback).await
        }
        Err(err) => Err(err.into()),
    }
}

/// The page again, with errors already keyed by element id shown as they are.
async fn invalid(
    state: &WebState,
    me: &Analyst,
    id: TicketId,
    errors: FieldErrors,
    values: impl IntoIterator<Item = (String, String)>,
) -> PageResult {
    let feedback = Feedback {
        errors,
        values: values.into_iter().collect(),
        alert: None,
    };
    page(
        state,
        me,
        id,
        StatusCode::UNPROCESSABLE_ENTITY,
        None,
        feedback,
    )
    .await
}

#[derive(serde::Deserialize)]
pub struct TakeForm {
    /// Why this ticket goes before older ones (asked only when some wait).
    #[serde(default)]
    reason: String,
}

pub async fn take(
    State(state): State<WebState>,
    me: Analyst,
    Id(id): Id<TicketId>,
    form: CsrfForm<TakeForm>,
) -> PageResult {
    let reason = form.data.reason;
    let given = Some(reason.trim()).filter(|r| !r.is_empty());
    let outcome = review::take(&state.app, me.user(), id, given).await;
    finish(
        &state,
        &me,
        id,
        Form::Take,
        outcome,
        |_| "atendido",
        vec![("motivo-atender".into(), reason)],
    )
    .await
}

#[derive(serde::Deserialize)]
pub struct ReleaseForm {
    #[serde(default)]
    comment: String,
}

pub async fn release(
    State(state): State<WebState>,
    me: Analyst,
    Id(id): Id<TicketId>,
    form: CsrfForm<ReleaseForm>,
) -> PageResult {
    let comment = form.data.comment;
    let given = Some(comment.trim()).filter(|c| !c.is_empty());
    let outcome = review::release(&state.app, me.user(), id, given).await;
    finish(
        &state,
        &me,
        id,
        Form::Release,
        outcome,
        |_| "devuelto",
        vec![("motivo-devolver".into(), comment)],
    )
    .await
}

#[derive(serde::Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    text: String,
}

pub async fn note(
    State(state): State<WebState>,
    me: Analyst,
    Id(id): Id<TicketId>,
    form: CsrfForm<NoteForm>,
) -> PageResult {
    let text = form.data.text;
    let outcome = match notes::add(&state.app, me.user(), id, &text).await {
        Ok(_) => review::review(&state.app, me.user(), id)
            .await
            .map(|r| r.view),
        Err(e) => Err(e),
    };
    finish(
        &state,
        &me,
        id,
        Form::Note,
        outcome,
        |_| "nota",
        vec![("nota".into(), text)],
    )
    .await
}

/// The observe form: free words (`comment`) and any number of canned texts (`canned`,
/// repeated), read as pairs because a form repeats the name of each ticked box.
pub async fn observe(
    State(state): State<WebState>,
    me: Analyst,
    Id(id): Id<TicketId>,
    form: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let mut comment = String::new();
    let mut picked = Vec::new();
    for (name, value) in form.data {
        match name.as_str() {
            "comment" => comment = value,
            "canned" => picked.push(value),
            _ => {}
        }
    }
    let canned: Result<Vec<ObservationTextId>, _> = picked.iter().map(|c| c.parse()).collect();
    let outcome = match canned {
        Ok(canned) => review::observe_with(&state.app, me.user(), id, &canned, &comment).await,
        Err(_) => Err(AppError::field(
            "canned",
            "Elija las observaciones frecuentes de la lista.",
        )),
    };
    let mut values = vec![("comentario".to_owned(), comment)];
    values.extend(
        picked
            .into_iter()
            .map(|c| (format!("canned-{c}"), "si".to_owned())),
    );
    finish(
        &state,
        &me,
        id,
        Form::Observe,
        outcome,
        |_| "observado",
        values,
    )
    .await
}

#[derive(serde::Deserialize)]
pub struct ApproveForm {
    /// «Confirmo que revisé…»: the page's confirmation step.
    #[serde(default)]
    revisado: String,
    /// «Sin lentes»: the analyst's word on the photos.
    #[serde(default)]
    sin_lentes: String,
}

/// Approval asks for two ticks: the analyst reviewed everything, and no photo shows
/// glasses. Without them nothing is approved and the form says what is missing.
pub async fn approve(
    State(state): State<WebState>,
    me: Analyst,
    Id(id): Id<TicketId>,
    form: CsrfForm<ApproveForm>,
) -> PageResult {
    let ApproveForm {
        revisado,
        sin_lentes,
    } = form.data;
    let mut errors = FieldErrors::new();
    if revisado.trim().is_empty() {
        errors.add(
            "confirma-revision",
            "Marque que revisó los datos, la foto, la firma y la constancia de cada solicitante.",
        );
    }
    if sin_lentes.trim().is_empty() {
        errors.add(
            "confirma-sin-lentes",
            "Marque que ningún solicitante lleva lentes en la foto. Si alguno los lleva, observe el trámite.",
        );
    }
    let values = vec![
        ("confirma-revision".to_owned(), revisado),
        ("confirma-sin-lentes".to_owned(), sin_lentes),
    ];
    if !errors.is_empty() {
        return invalid(&state, &me, id, errors, values).await;
    }
    let outcome = review::approve(&state.app, me.user(), id, Some(true)).await;
    finish(
        &state,
        &me,
        id,
        Form::Approve,
        outcome,
        |_| "aprobado",
        values,
    )
    .await
}

#[derive(serde::Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

pub async fn reject(
    State(state): State<WebState>,
    me: Analyst,
    Id(id): Id<TicketId>,
    form: CsrfForm<ReasonForm>,
) -> PageResult {
    let reason = form.data.reason;
    let outcome = review::reject(&state.app, me.user(), id, &reason).await;
    finish(
        &state,
        &me,
        id,
        Form::Reject,
        outcome,
        |_| "rechazado",
        vec![("motivo-rechazo".into(), reason)],
    )
    .await
}

#[derive(serde::Deserialize)]
pub struct AppointmentForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    note: String,
}

/// The appointment's date and time inputs as one RFC 3339 instant in Lima, or the errors of
/// each input.
fn appointment_at(date: &str, time: &str) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::new();
    let date = match parse_date(date) {
        Ok(d) => Some(d),
        Err(_) if date.trim().is_empty() => {
            errors.add("cita-fecha", "Indique la fecha de la cita.");
            None
        }
        Err(e) => {
            errors.add("cita-fecha", e.to_string());
            None
        }
    };
    let time = match time.trim() {
        "" => {
            errors.add("cita-hora", "Indique la hora de la cita.");
            None
        }
        t => match t.parse::<jiff::civil::Time>() {
            Ok(t) => Some(t),
            Err(_) => {
                errors.add(
                    "cita-hora",
                    "Escriba la hora como hh:mm, por ejemplo 10:30.",
                );
                None
            }
        },
    };
    let (Some(date), Some(time)) = (date, time) else {
        return Err(errors);
    };
    match date.to_datetime(time).to_zoned(schedule::lima()) {
        Ok(at) => Ok(crate::app::rfc3339(at.timestamp())),
        Err(_) => {
            errors.add("cita-fecha", "Esa fecha y hora no existen en Lima.");
            Err(errors)
        }
    }
}

pub async fn appointment(
    State(state): State<WebState>,
    me: Analyst,
    Id(id): Id<TicketId>,
    form: CsrfForm<AppointmentForm>,
) -> PageResult {
    let AppointmentForm { date, time, note } = form.data;
    let values = vec![
        ("cita-fecha".to_owned(), date.clone()),
        ("cita-hora".to_owned(), time.clone()),
        ("cita-nota".to_owned(), note.clone()),
    ];
    let outcome = match appointment_at(&date, &time) {
        Ok(at) => {
            let note = Some(note.trim()).filter(|n| !n.is_empty());
            registry::record_appointment(&state.app, me.user(), id, &at, note).await
        }
        Err(errors) => return invalid(&state, &me, id, errors, values).await,
    };
    finish(
        &state,
        &me,
        id,
        Form::Appointment,
        outcome,
        |_| "cita",
        values,
    )
    .await
}

#[derive(serde::Deserialize)]
pub struct CompleteForm {
    #[serde(default)]
    medium: String,
    #[serde(default)]
    ownership: String,
    #[serde(default)]
    serial: String,
    #[serde(default)]
    issued_on: String,
    #[serde(default)]
    expires_on: String,
}

pub async fn complete(
    State(state): State<WebState>,
    me: Analyst,
    Id(id): Id<TicketId>,
    form: CsrfForm<CompleteForm>,
) -> PageResult {
    let CompleteForm {
        medium,
        ownership,
        serial,
        issued_on,
        expires_on,
    } = form.data;
    let installation = Installation {
        medium: medium.clone(),
        ownership: ownership.clone(),
        serial: Some(serial.trim().to_owned()).filter(|s| !s.is_empty()),
        issued_on: Some(issued_on.clone()),
        expires_on: Some(expires_on.clone()),
    };
    let outcome = registry::complete(&state.app, me.user(), id, &installation).await;
    finish(
        &state,
        &me,
        id,
        Form::Complete,
        outcome,
        |view| {
            if view.ticket.status == Status::Cancelado {
                "cancelado"
            } else {
                "instalado"
            }
        },
        vec![
            ("medio".into(), medium),
            ("propiedad".into(), ownership),
            ("serie".into(), serial),
            ("emitido-el".into(), issued_on),
            ("caduca-el".into(), expires_on),
        ],
    )
    .await
}

pub async fn result(
    State(state): State<WebState>,
    me: Analyst,
    Id((id, applicant_id)): Id<(TicketId, ApplicantId)>,
    form: CsrfForm<ResultForm>,
) -> PageResult {
    let (result, values) = form.data.into_result(applicant_id);
    let outcome = registry::record_result(&state.app, me.user(), applicant_id, &result).await;
    finish(
        &state,
        &me,
        id,
        Form::Result(applicant_id.to_string()),
        outcome,
        |view| {
            if view.ticket.status == Status::Atendido {
                "atendido-reniec"
            } else {
                "resultado"
            }
        },
        values,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::super::label_of;
    use super::*;

    #[test]
    fn an_appointment_is_read_in_lima_time() {
        assert_eq!(
            appointment_at("2026-12-03", "10:30").unwrap(),
            "2026-12-03T10:30:00-05:00"
        );
        assert_eq!(
            appointment_at("2026-12-03", "09:05:00").unwrap(),
            "2026-12-03T09:05:00-05:00"
        );
        let errors = appointment_at("", "25:00").unwrap_err();
        assert!(errors.contains("cita-fecha"));
        assert!(errors.contains("cita-hora"));
        let errors = appointment_at("03/12/2026", "10:00").unwrap_err();
        assert!(errors.contains("cita-fecha"));
    }

    #[test]
    fn use_case_errors_land_next_to_the_field_of_the_form_that_failed() {
        assert_eq!(Form::Observe.element("comment"), "comentario");
        assert_eq!(Form::Reject.element("reason"), "motivo-rechazo");
        assert_eq!(
            Form::Result("a1".into()).element("delivery_sent_on"),
            "entrega-a1"
        );
        assert_eq!(
            Form::Result("a1".into()).element("reason"),
            "motivo-reniec-a1"
        );
        // Errors about the ticket as a whole go beside the form's button.
        assert_eq!(Form::Complete.element("ticket"), "form-completar");
        assert_eq!(label_of("entrega-a1"), "Fecha del correo de DCDelivery");
    }
}
