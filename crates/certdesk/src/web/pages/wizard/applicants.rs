//! Step 3: the applicants, each with their photo and signature checked as soon as they are
//! chosen (and again on the server), and the receipt that pays for them.

use crate::web::pages::NoticeQuery;
use askama::Template;
use axum::{
    extract::{Query, State},
    response::Response,
};
use domain::{
    applicant::{requires_current_expiry, ApplicantInput},
    ids::{ApplicantId, TicketId},
    schedule::format_date,
    ticket::Kind,
    validation::FieldErrors,
};

use super::{editable_view, steps, Empty, Progress, StepId, Steps};
use crate::web::pages::{render_form, see_other};
use crate::{
    app::{tickets as uc, AppError},
    images,
    web::{
        api::tickets::applicant_input,
        assets,
        error::PageResult,
        extract::{CsrfForm, CsrfMultipart, Id, SignedIn},
        pages::{
            summary,
            tickets::{observation, ApplicantRow, TicketHead},
            Layout, SummaryItem,
        },
        WebState,
    },
};

#[derive(Default)]
struct ApplicantValues {
    paternal_surname: String,
    maternal_surname: String,
    given_names: String,
    dni: String,
    dni_check_digit: String,
    dni_issued_on: String,
    email: String,
    position: String,
    unit: String,
    current_expires_on: String,
}

impl From<&ApplicantInput> for ApplicantValues {
    fn from(i: &ApplicantInput) -> Self {
        Self {
            paternal_surname: i.paternal_surname.clone(),
            maternal_surname: i.maternal_surname.clone(),
            given_names: i.given_names.clone(),
            dni: i.dni.clone(),
            dni_check_digit: i.dni_check_digit.clone().unwrap_or_default(),
            dni_issued_on: i.dni_issued_on.clone(),
            email: i.email.clone(),
            position: i.position.clone(),
            unit: i.unit.clone(),
            current_expires_on: i.current_expires_on.clone().unwrap_or_default(),
        }
    }
}

struct ReceiptOption {
    id: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "ticket_applicants.html")]
struct ApplicantsPage {
    layout: Layout,
    observation: Option<String>,
    steps: Steps,
    head: TicketHead,
    applicants: Vec<ApplicantRow>,
    form: ApplicantValues,
    errors: FieldErrors,
    summary: Vec<SummaryItem>,
    requires_payment: bool,
    receipts: Vec<ReceiptOption>,
    /// Paid reason and no free receipt: the form cannot succeed yet.
    needs_receipt_first: bool,
    asks_expiry: bool,
    expiry_required: bool,
    retry_files: bool,
    /// What the checks said of the photo and signature just sent (on a failed submit).
    photo_report: Option<ImageReport>,
    signature_report: Option<ImageReport>,
    image_check_js: String,
    email_hint: String,
    payments_href: String,
    next_href: String,
    photo_example: String,
    signature_example: String,
}

const APPLICANT_LABELS: &[(&str, &str)] = &[
    ("paternal_surname", "Apellido paterno"),
    ("maternal_surname", "Apellido materno"),
    ("given_names", "Nombres"),
    ("dni", "DNI"),
    ("dni_check_digit", "Dígito verificador"),
    ("dni_issued_on", "Fecha de emisión del DNI"),
    ("email", "Correo institucional"),
    ("position", "Cargo"),
    ("unit", "Órgano o unidad orgánica"),
    ("payment_id", "Constancia de pago"),
    ("current_expires_on", "Caducidad del certificado actual"),
    ("photo", "Foto del solicitante"),
    ("signature", "Foto de la firma"),
];

/// One check of an uploaded image, as the form lists it.
struct CheckLine {
    passed: bool,
    message: String,
}

/// A thumbnail of what was uploaded and the ✓/✗ list of its checks.
struct ImageReport {
    /// `data:image/jpeg;base64,…` (the page is the only place it exists: nothing is stored).
    thumbnail: Option<String>,
    checks: Vec<CheckLine>,
}

impl ImageReport {
    fn new(verdict: &Result<images::CheckedImage, images::ImageRejection>) -> Self {
        match verdict {
            Ok(checked) => ImageReport {
                thumbnail: checked.thumbnail_url(),
                checks: checked
                    .checks
                    .iter()
                    .map(|c| CheckLine {
                        passed: c.passed,
                        message: c.message.clone(),
                    })
                    .collect(),
            },
            Err(rejection) => ImageReport {
                thumbnail: None,
                checks: vec![CheckLine {
                    passed: false,
                    message: rejection.0.clone(),
                }],
            },
        }
    }
}

fn applicants_page(
    me: &SignedIn,
    view: &uc::TicketView,
    input: &ApplicantInput,
    errors: FieldErrors,
    notice: Option<&str>,
    uploads: Option<&uc::ImageUploads>,
) -> Response {
    let t = &view.ticket;
    let retry_files = !errors.is_empty();
    let requires_payment = t.reason.requires_payment();
    let chosen = input.payment_id.as_deref().map(str::trim);
    let receipts: Vec<ReceiptOption> = view
        .unused_payments()
        .map(|p| {
            let id = p.id.to_string();
            ReceiptOption {
                selected: chosen == Some(id.as_str()),
                id,
                label: format!(
                    "N° {} · {} · pagado el {} (DNI {})",
                    p.operation_number,
                    p.amount.soles(),
                    format_date(p.paid_on),
                    p.payer_dni
                ),
            }
        })
        .collect();
    let layout = Layout::new(
        format!("Solicitantes · {}", t.number),
        Some(&me.viewer),
        "/tramites",
    )
    .with_notice(notice);
    let page = ApplicantsPage {
        layout,
        observation: observation(view),
        steps: steps(
            Some(t.kind),
            Some(t.reason),
            Some(t.id),
            StepId::Applicants,
            Progress::of(view),
        ),
        head: t.into(),
        applicants: ApplicantRow::all(view),
        form: input.into(),
        summary: summary(&errors, APPLICANT_LABELS),
        errors,
        requires_payment,
        needs_receipt_first: requires_payment && receipts.is_empty(),
        receipts,
        asks_expiry: t.kind == Kind::Reemision,
        expiry_required: requires_current_expiry(t.reason),
        retry_files,
        photo_report: uploads.and_then(|u| u.photo.as_ref()).map(ImageReport::new),
        signature_report: uploads.and_then(|u| u.signature.as_ref()).map(ImageReport::new),
        image_check_js: assets::url("image-check.js"),
        email_hint: format!(
            "Solo el correo institucional ({}). No se acepta correo personal (Gmail, Hotmail, Outlook, Yahoo…).",
            me.viewer.settings.domains_hint()
        ),
        payments_href: format!("/tramites/{}/pagos", t.id),
        next_href: format!("/tramites/{}/enviar", t.id),
        photo_example: assets::url("ejemplos/foto-correcta.jpg"),
        signature_example: assets::url("ejemplos/firma-correcta.jpg"),
    };
    render_form(retry_files, &page)
}

pub async fn applicants_form(
    State(state): State<WebState>,
    me: SignedIn,
    Id(id): Id<TicketId>,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let view = editable_view(&state, &me, id).await?;
    if !view.ticket.kind.has_applicants() {
        return see_other(format!("/tramites/{}/enviar", view.ticket.id));
    }
    let notice = match query.aviso.as_deref() {
        Some("registrado") => {
            Some("Solicitante registrado. Puede registrar a otro o continuar al último paso.")
        }
        Some("quitado") => Some("Solicitante quitado."),
        _ => None,
    };
    Ok(applicants_page(
        &me,
        &view,
        &ApplicantInput::default(),
        FieldErrors::new(),
        notice,
        None,
    ))
}

pub async fn add_applicant(
    State(state): State<WebState>,
    me: SignedIn,
    Id(id): Id<TicketId>,
    form: CsrfMultipart,
) -> PageResult {
    let input = applicant_input(&form.form);
    let uploads = uc::check_images(form.form.file("photo"), form.form.file("signature")).await?;
    match uc::add_applicant(&state.app, me.user(), id, &input, &uploads).await {
        Ok(_) => see_other(format!("/tramites/{id}/solicitantes?aviso=registrado")),
        Err(AppError::Validation(errors)) => {
            let view = editable_view(&state, &me, id).await?;
            Ok(applicants_page(
                &me,
                &view,
                &input,
                errors,
                None,
                Some(&uploads),
            ))
        }
        Err(err) => Err(err.into()),
    }
}

pub async fn remove_applicant(
    State(state): State<WebState>,
    me: SignedIn,
    Id((id, applicant_id)): Id<(TicketId, ApplicantId)>,
    _form: CsrfForm<Empty>,
) -> PageResult {
    uc::remove_applicant(&state.app, me.user(), id, applicant_id).await?;
    see_other(format!("/tramites/{id}/solicitantes?aviso=quitado"))
}
