//! Step 3: the applicants, each with their photo and signature checked as soon as they are
//! chosen (and again on the server), and the receipt that pays for them.

use crate::web::pages::NoticeQuery;
use askama::Template;
use axum::{
    extract::{Query, State},
    response::Response,
};
use domain::{
    applicant::{parse_confirmation, requires_current_expiry, ApplicantInput},
    ids::{ApplicantId, TicketId},
    schedule::format_date,
    ticket::{Kind, Status},
    validation::FieldErrors,
};

use super::{editable_view, steps, Empty, Progress, StepId, Steps};
use crate::web::pages::{render_form, see_other};
use crate::{
    app::{tickets as uc, AppError},
    images,
    store::{applicants::Applicant, payments::Payment},
    web::{
        api::tickets::{applicant_input, applicant_patch},
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
    no_glasses_confirmed: bool,
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
            no_glasses_confirmed: parse_confirmation(i.no_glasses_confirmed.as_deref())
                .unwrap_or(false),
        }
    }
}

struct ReceiptOption {
    id: String,
    label: String,
    selected: bool,
}

impl ReceiptOption {
    /// `p` as the form offers it; `chosen` is the receipt id sent with the form, if any.
    fn new(p: &Payment, chosen: Option<&str>) -> Self {
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
    }
}

/// What the form says under the e-mail field.
fn email_hint(me: &SignedIn) -> String {
    format!(
        "Solo el correo institucional ({}). No se acepta correo personal (Gmail, Hotmail, Outlook, Yahoo…).",
        me.viewer.settings.domains_hint()
    )
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
    retry_photo: bool,
    retry_signature: bool,
    /// The stored photo and signature (when correcting an applicant).
    current_images: Option<CurrentImages>,
    /// The ticket was observed: the way on is "corregir y reenviar".
    observed: bool,
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
    ("no_glasses_confirmed", "Sin lentes"),
];

/// An applicant's stored photo and signature, shown while correcting them.
struct CurrentImages {
    name: String,
    photo_url: String,
    signature_url: String,
    /// "Sin lentes" was confirmed for the current photo.
    no_glasses_confirmed: bool,
}

/// One check of an uploaded image, as the form lists it.
struct CheckLine {
    passed: bool,
    message: String,
}

/// What the checks said of a file sent with a form that failed. The browser does not keep
/// the file, so the field is empty again: only what was wrong with it is listed (a green ✓
/// next to an empty field would read as "this one is fine, nothing to do").
struct ImageReport {
    /// `data:image/jpeg;base64,…` (the page is the only place it exists: nothing is stored).
    thumbnail: Option<String>,
    /// What this report is about, and what to do now.
    note: String,
    /// The checks it failed.
    checks: Vec<CheckLine>,
}

impl ImageReport {
    /// The report on the photo sent with a failed form, if one was sent.
    fn photo(uploads: Option<&uc::ImageUploads>) -> Option<Self> {
        uploads
            .and_then(|u| u.photo.as_ref())
            .map(|v| ImageReport::new(v, "La foto"))
    }

    /// The report on the signature sent with a failed form, if one was sent.
    fn signature(uploads: Option<&uc::ImageUploads>) -> Option<Self> {
        uploads
            .and_then(|u| u.signature.as_ref())
            .map(|v| ImageReport::new(v, "La firma"))
    }

    fn new(verdict: &Result<images::CheckedImage, images::ImageRejection>, what: &str) -> Self {
        match verdict {
            Ok(checked) => {
                let checks: Vec<CheckLine> = checked
                    .checks
                    .iter()
                    .filter(|c| !c.passed)
                    .map(|c| CheckLine {
                        passed: false,
                        message: c.message.clone(),
                    })
                    .collect();
                ImageReport {
                    thumbnail: checked.thumbnail_url(),
                    note: if checks.is_empty() {
                        format!("{what} que envió pasó las revisiones, pero el navegador no la conserva: vuelva a elegirla.")
                    } else {
                        format!("{what} que envió no se guardó. Corrija esto y elija otra:")
                    },
                    checks,
                }
            }
            Err(rejection) => ImageReport {
                thumbnail: None,
                note: format!("{what} que envió no se guardó:"),
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
        .map(|p| ReceiptOption::new(p, chosen))
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
        retry_photo: retry_files,
        retry_signature: retry_files,
        current_images: None,
        observed: t.status == Status::Observado,
        photo_report: ImageReport::photo(uploads),
        signature_report: ImageReport::signature(uploads),
        image_check_js: assets::url("image-check.js"),
        email_hint: email_hint(me),
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
        Some("renovacion") => Some(
            "Trámite de renovación creado. Revise los datos del titular, complete lo que falta y adjunte su foto y su firma.",
        ),
        Some("corregido") if view.ticket.status == Status::Observado => Some(
            "Cambios guardados. Cuando termine de corregir, pulse «Continuar: corregir y reenviar».",
        ),
        Some("corregido") => Some("Cambios guardados."),
        _ => None,
    };
    // A renewal started from a certificate comes with its holder's data filled in.
    let input = uc::renewal_prefill(&state.app, me.user(), &view)
        .await?
        .unwrap_or_default();
    Ok(applicants_page(
        &me,
        &view,
        &input,
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
    let uploads = uc::check_images(
        &state.app,
        form.form.file("photo"),
        form.form.file("signature"),
    )
    .await?
    .requiring_no_glasses();
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

// ---------------------------------------------------------------------------------------
// Correcting one applicant in place

#[derive(Template)]
#[template(path = "ticket_applicant_edit.html")]
struct EditPage {
    layout: Layout,
    observation: Option<String>,
    steps: Steps,
    head: TicketHead,
    applicant_id: String,
    name: String,
    form: ApplicantValues,
    errors: FieldErrors,
    summary: Vec<SummaryItem>,
    requires_payment: bool,
    receipts: Vec<ReceiptOption>,
    asks_expiry: bool,
    expiry_required: bool,
    retry_photo: bool,
    retry_signature: bool,
    current_images: Option<CurrentImages>,
    observed: bool,
    photo_report: Option<ImageReport>,
    signature_report: Option<ImageReport>,
    image_check_js: String,
    email_hint: String,
    payments_href: String,
    back_href: String,
    photo_example: String,
    signature_example: String,
}

fn edit_page(
    me: &SignedIn,
    view: &uc::TicketView,
    applicant: &Applicant,
    input: &ApplicantInput,
    errors: FieldErrors,
    uploads: Option<&uc::ImageUploads>,
) -> Response {
    let t = &view.ticket;
    let failed = !errors.is_empty();
    let chosen = input.payment_id.as_deref().map(str::trim);
    // The receipts it may use: the free ones, and its own.
    let receipts: Vec<ReceiptOption> = view
        .payments
        .iter()
        .filter(|p| p.applicant_id.is_none() || p.applicant_id == Some(applicant.id))
        .map(|p| ReceiptOption::new(p, chosen))
        .collect();
    let name = applicant.full_name();
    let layout = Layout::new(
        format!("Corregir a {name} · {}", t.number),
        Some(&me.viewer),
        "/tramites",
    );
    let sent = |pick: fn(&uc::ImageUploads) -> bool| failed && uploads.is_some_and(pick);
    let page = EditPage {
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
        applicant_id: applicant.id.to_string(),
        current_images: Some(CurrentImages {
            name: name.clone(),
            photo_url: format!("/api/v1/applicants/{}/photo", applicant.id),
            signature_url: format!("/api/v1/applicants/{}/signature", applicant.id),
            no_glasses_confirmed: applicant.no_glasses_confirmed,
        }),
        name,
        form: input.into(),
        summary: summary(&errors, APPLICANT_LABELS),
        errors,
        requires_payment: t.reason.requires_payment(),
        receipts,
        asks_expiry: t.kind == Kind::Reemision,
        expiry_required: requires_current_expiry(t.reason),
        retry_photo: sent(|u| u.photo.is_some()),
        retry_signature: sent(|u| u.signature.is_some()),
        observed: t.status == Status::Observado,
        photo_report: ImageReport::photo(uploads),
        signature_report: ImageReport::signature(uploads),
        image_check_js: assets::url("image-check.js"),
        email_hint: email_hint(me),
        payments_href: format!("/tramites/{}/pagos", t.id),
        back_href: format!("/tramites/{}/solicitantes", t.id),
        photo_example: assets::url("ejemplos/foto-correcta.jpg"),
        signature_example: assets::url("ejemplos/firma-correcta.jpg"),
    };
    render_form(failed, &page)
}

/// The ticket (editable by its owner) and one of its applicants; anything else is the
/// ticket page or the 404 page.
async fn editable_applicant(
    state: &WebState,
    me: &SignedIn,
    id: TicketId,
    applicant_id: ApplicantId,
) -> PageResult<(uc::TicketView, Applicant)> {
    let view = editable_view(state, me, id).await?;
    let applicant = view
        .applicants
        .iter()
        .find(|a| a.id == applicant_id)
        .cloned()
        .ok_or(AppError::NotFound)?;
    Ok((view, applicant))
}

pub async fn edit_form(
    State(state): State<WebState>,
    me: SignedIn,
    Id((id, applicant_id)): Id<(TicketId, ApplicantId)>,
) -> PageResult {
    let (view, applicant) = editable_applicant(&state, &me, id, applicant_id).await?;
    // The box starts unticked: ticking it confirms the photo as it will be after saving.
    // Left unticked, the current photo keeps its confirmation (a new one needs the tick).
    let input = ApplicantInput {
        no_glasses_confirmed: None,
        ..uc::input_of(&applicant)
    };
    Ok(edit_page(
        &me,
        &view,
        &applicant,
        &input,
        FieldErrors::new(),
        None,
    ))
}

pub async fn edit(
    State(state): State<WebState>,
    me: SignedIn,
    Id((id, applicant_id)): Id<(TicketId, ApplicantId)>,
    form: CsrfMultipart,
) -> PageResult {
    editable_applicant(&state, &me, id, applicant_id).await?;
    // An unticked box sends nothing: the current photo keeps its confirmation, and a new
    // photo needs the tick.
    let patch = applicant_patch(&form.form);
    let uploads = uc::check_images(
        &state.app,
        form.form.file("photo"),
        form.form.file("signature"),
    )
    .await?
    .requiring_no_glasses();
    match uc::update_applicant(&state.app, me.user(), applicant_id, &patch, &uploads).await {
        Ok(_) => see_other(format!("/tramites/{id}/solicitantes?aviso=corregido")),
        Err(AppError::Validation(errors)) => {
            let (view, stored_now) = editable_applicant(&state, &me, id, applicant_id).await?;
            Ok(edit_page(
                &me,
                &view,
                &stored_now,
                &ApplicantInput {
                    no_glasses_confirmed: patch.no_glasses_confirmed.clone(),
                    ..patch.apply(uc::input_of(&stored_now))
                },
                errors,
                Some(&uploads),
            ))
        }
        Err(err) => Err(err.into()),
    }
}
