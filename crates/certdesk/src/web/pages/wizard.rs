//! The new-ticket wizard, one step per page, following the entity's procedure:
//! 1. kind and reason (and the certificate, for instalación and cancelación)
//!    `/tramites/nuevo`, 2. payment receipts `/tramites/{id}/pagos` (only when the reason
//!    requires payment), 3. applicants `/tramites/{id}/solicitantes`, 4. review and send
//!    `/tramites/{id}/enviar`.
//!
//! Works without JavaScript: choosing the kind is a GET form (`?tipo=`), and every other
//! step is a plain POST that redirects (or re-renders with its errors, keeping what was
//! typed). The rules are in `app::tickets` and `domain`; this module only presents them.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use base64::{engine::general_purpose::STANDARD, Engine};
use domain::{
    applicant::{requires_current_expiry, ApplicantInput},
    certificate::CertificateState,
    identity::DEFAULT_INSTITUTIONAL_DOMAIN,
    payment::{
        PaymentChannel, PaymentInput, PaymentRules, DEFAULT_TRIBUTE_CODE, DEFAULT_TRIBUTE_NAME,
    },
    ticket::{Kind, Reason},
    validation::FieldErrors,
};

use super::{
    app_error_page, render, summary,
    tickets::{ApplicantRow, PaymentRow, TicketHead},
    Layout, SummaryItem,
};
use crate::{
    app::{tickets as uc, App, AppError, AppResult},
    images,
    web::{
        api::tickets::{applicant_input, payment_input},
        assets,
        extract::{CsrfForm, CsrfMultipart, SignedIn},
        WebState,
    },
};

// ---------------------------------------------------------------------------------------
// The step indicator

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StepId {
    Kind,
    Payments,
    Applicants,
    Send,
}

pub(super) struct Step {
    pub number: usize,
    pub label: &'static str,
    /// `hecho`, `actual`, `pendiente` or `omitido` (CSS class and, for `omitido`, a note).
    pub state: &'static str,
    /// A link back to a step already reached.
    pub href: Option<String>,
}

pub(super) struct Steps {
    pub current: usize,
    pub total: usize,
    pub title: &'static str,
    pub items: Vec<Step>,
}

fn step_label(step: StepId, kind: Option<Kind>) -> &'static str {
    match step {
        StepId::Kind if kind.is_some_and(|k| k.names_certificate()) => "Tipo, motivo y certificado",
        StepId::Kind => "Tipo y motivo",
        StepId::Payments => "Constancia de pago",
        StepId::Applicants => "Solicitantes",
        StepId::Send => "Revisar y enviar",
    }
}

/// What is already on the ticket, to tell a step really done from one merely passed.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Progress {
    pub payments: usize,
    pub applicants: usize,
}

impl Progress {
    fn of(view: &uc::TicketView) -> Self {
        Self {
            payments: view.payments.len(),
            applicants: view.applicants.len(),
        }
    }
}

/// The steps of the wizard for a ticket of `kind` with `reason` (both unknown at first).
pub(super) fn steps(
    kind: Option<Kind>,
    reason: Option<Reason>,
    ticket_id: Option<&str>,
    current: StepId,
    progress: Progress,
) -> Steps {
    let ids: &[StepId] = if kind.is_some_and(|k| k.names_certificate()) {
        &[StepId::Kind, StepId::Send]
    } else {
        &[
            StepId::Kind,
            StepId::Payments,
            StepId::Applicants,
            StepId::Send,
        ]
    };
    let current_index = ids.iter().position(|s| *s == current).unwrap_or(0);
    let items = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let skipped = *id == StepId::Payments && reason.is_some_and(|r| !r.requires_payment());
            let done = match id {
                StepId::Kind => ticket_id.is_some(),
                StepId::Payments => progress.payments > 0,
                StepId::Applicants => progress.applicants > 0,
                StepId::Send => false,
            };
            let state = if skipped {
                "omitido"
            } else if i == current_index {
                "actual"
            } else if done {
                "hecho"
            } else {
                "pendiente"
            };
            let href = match (ticket_id, id) {
                (Some(t), StepId::Payments) if !skipped && i != current_index => {
                    Some(format!("/tramites/{t}/pagos"))
                }
                (Some(t), StepId::Applicants) if i != current_index => {
                    Some(format!("/tramites/{t}/solicitantes"))
                }
                (Some(t), StepId::Send) if i != current_index => {
                    Some(format!("/tramites/{t}/enviar"))
                }
                _ => None,
            };
            Step {
                number: i + 1,
                label: step_label(*id, kind),
                state,
                href,
            }
        })
        .collect();
    Steps {
        current: current_index + 1,
        total: ids.len(),
        title: step_label(current, kind),
        items,
    }
}

/// The payment rules as the pages show them.
pub(super) struct RulesView {
    /// `S/ 8.10`.
    pub fee: String,
    /// `8.10`.
    pub fee_plain: String,
    pub tribute_code: String,
    /// The tribute's name, when the code is the one we know the name of.
    pub tribute_name: Option<&'static str>,
    pub ruc: String,
}

impl From<PaymentRules> for RulesView {
    fn from(r: PaymentRules) -> Self {
        Self {
            fee: r.fee.soles(),
            fee_plain: r.fee.to_string(),
            tribute_name: (r.tribute_code == DEFAULT_TRIBUTE_CODE).then_some(DEFAULT_TRIBUTE_NAME),
            tribute_code: r.tribute_code,
            ruc: r.ruc.as_str().to_owned(),
        }
    }
}

/// The fee, tribute code and RUC in force (admins' settings).
pub(super) async fn payment_rules(app: &App) -> AppResult<RulesView> {
    let mut conn = app.store.conn().await?;
    Ok(uc::payment_rules(&mut conn).await?.into())
}

/// The ticket behind a step page, if its owner may still edit it. Anything else goes to
/// the ticket page (which says why), or to the 404 page for someone else's ticket.
async fn editable_view(
    state: &WebState,
    me: &SignedIn,
    id: &str,
) -> Result<uc::TicketView, Response> {
    let view = uc::view(&state.app, me.user(), id)
        .await
        .map_err(|err| app_error_page(err, Some(&me.viewer)))?;
    if view.ticket.requester_id != me.user().id || !view.ticket.status.is_editable() {
        return Err(Redirect::to(&format!("/tramites/{}", view.ticket.id)).into_response());
    }
    Ok(view)
}

/// The step that follows the first one for a new ticket.
fn after_opening(kind: Kind, reason: Reason, id: &str) -> String {
    if reason.requires_payment() {
        format!("/tramites/{id}/pagos")
    } else if kind.has_applicants() {
        format!("/tramites/{id}/solicitantes")
    } else {
        format!("/tramites/{id}/enviar")
    }
}

// ---------------------------------------------------------------------------------------
// Step 1: kind and reason

struct KindOption {
    value: &'static str,
    label: &'static str,
    help: &'static str,
    checked: bool,
}

struct ReasonOption {
    code: &'static str,
    label: String,
    paid: bool,
    checked: bool,
}

struct CertOption {
    id: String,
    label: String,
    checked: bool,
}

/// The second half of step 1, once the kind is chosen.
struct Chosen {
    value: &'static str,
    label: &'static str,
    help: &'static str,
    /// False for instalación, which has a single reason.
    has_reasons: bool,
    single_reason: &'static str,
    needs_certificate: bool,
    certificates: Vec<CertOption>,
    reasons: Vec<ReasonOption>,
}

#[derive(Template)]
#[template(path = "ticket_new.html")]
struct NewPage {
    layout: Layout,
    steps: Steps,
    kinds: Vec<KindOption>,
    chosen: Option<Chosen>,
    fee: String,
    errors: FieldErrors,
    summary: Vec<SummaryItem>,
}

const NEW_LABELS: &[(&str, &str)] = &[
    ("kind", "Tipo de trámite"),
    ("reason", "Motivo"),
    ("certificate_id", "Certificado"),
];

fn kind_help(kind: Kind) -> &'static str {
    match kind {
        Kind::Emision => "Su primer certificado digital, o uno nuevo porque el anterior caducó.",
        Kind::Reemision => "Un certificado nuevo que reemplaza al que tiene: renovación, formateo o problemas del equipo, olvido de la contraseña o plazo de descarga vencido.",
        Kind::Instalacion => "RENIEC aprobó su certificado y le llegó el correo de DCDelivery: un analista lo instala en su PC, token o tarjeta.",
        Kind::Cancelacion => "Dejar sin efecto uno de sus certificados (por ejemplo, si deja la entidad o su contraseña fue expuesta).",
    }
}

#[derive(serde::Deserialize, Default)]
pub struct NewQuery {
    tipo: Option<String>,
    motivo: Option<String>,
    certificado: Option<String>,
}

async fn new_page(
    state: &WebState,
    me: &SignedIn,
    kind: Option<Kind>,
    reason: Option<&str>,
    certificate: Option<&str>,
    errors: FieldErrors,
) -> Response {
    let rules = match payment_rules(&state.app).await {
        Ok(rules) => rules,
        Err(err) => return app_error_page(err, Some(&me.viewer)),
    };
    let chosen = match kind {
        None => None,
        Some(kind) => {
            let certificates = if kind.names_certificate() {
                match uc::certificates(&state.app, me.user(), uc::Scope::Own, None, 200).await {
                    Ok(list) => list,
                    Err(err) => return app_error_page(err, Some(&me.viewer)),
                }
            } else {
                Vec::new()
            };
            let certificates: Vec<CertOption> = certificates
                .iter()
                .filter(|c| match kind {
                    // Installation is for a certificate RENIEC approved and not yet installed.
                    Kind::Instalacion => c.state == CertificateState::PendienteDescarga,
                    _ => !c.state.is_final(),
                })
                .map(|c| CertOption {
                    checked: Some(c.id.as_str()) == certificate,
                    label: super::certificates::describe(c),
                    id: c.id.clone(),
                })
                .collect();
            let reason = reason.map(str::trim).map(str::to_lowercase);
            Some(Chosen {
                value: kind.as_str(),
                label: kind.label(),
                help: kind_help(kind),
                has_reasons: kind != Kind::Instalacion,
                single_reason: Reason::instalacion().text(),
                needs_certificate: kind.names_certificate(),
                certificates,
                reasons: kind
                    .reasons()
                    .filter_map(|r| {
                        r.code_str().map(|code| ReasonOption {
                            code,
                            label: r.label(),
                            paid: r.requires_payment(),
                            checked: reason.as_deref() == Some(code),
                        })
                    })
                    .collect(),
            })
        }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
        &NewPage {
            layout: Layout::new("Nuevo trámite", Some(&me.viewer), "/tramites"),
            steps: steps(kind, None, None, StepId::Kind, Progress::default()),
            kinds: Kind::ALL
                .iter()
                .copied()
                .map(|k| KindOption {
                    value: k.as_str(),
                    label: k.label(),
                    help: kind_help(k),
                    checked: Some(k) == kind,
                })
                .collect(),
            chosen,
            fee: rules.fee,
            summary: summary(&errors, NEW_LABELS),
            errors,
        },
    )
}

pub async fn new_form(
    State(state): State<WebState>,
    me: SignedIn,
    Query(query): Query<NewQuery>,
) -> Response {
    let kind = query.tipo.as_deref().and_then(|t| t.parse::<Kind>().ok());
    let mut errors = FieldErrors::new();
    if kind.is_none() && query.tipo.as_deref().is_some_and(|t| !t.trim().is_empty()) {
        errors.add("kind", "Elija uno de los cuatro tipos de trámite.");
    }
    new_page(
        &state,
        &me,
        kind,
        query.motivo.as_deref(),
        query.certificado.as_deref(),
        errors,
    )
    .await
}

/// A form with only "Continuar" pressed and no kind chosen comes back as `?tipo=`; this
/// is the POST of the second half.
#[derive(serde::Deserialize)]
pub struct NewForm {
    #[serde(default)]
    kind: String,
    reason: Option<String>,
    certificate_id: Option<String>,
}

pub async fn create(
    State(state): State<WebState>,
    me: SignedIn,
    form: CsrfForm<NewForm>,
) -> Response {
    let data = form.data;
    match uc::open(
        &state.app,
        me.user(),
        &data.kind,
        data.reason.as_deref(),
        data.certificate_id.as_deref(),
    )
    .await
    {
        Ok(view) => {
            let t = &view.ticket;
            Redirect::to(&after_opening(t.kind, t.reason, &t.id)).into_response()
        }
        Err(AppError::Validation(errors)) => {
            let kind = data.kind.parse::<Kind>().ok();
            new_page(
                &state,
                &me,
                kind,
                data.reason.as_deref(),
                data.certificate_id.as_deref(),
                errors,
            )
            .await
        }
        Err(err) => app_error_page(err, Some(&me.viewer)),
    }
}

// ---------------------------------------------------------------------------------------
// Step 2: payment receipts

struct ChannelOption {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "ticket_payments.html")]
struct PaymentsPage {
    layout: Layout,
    steps: Steps,
    head: TicketHead,
    rules: RulesView,
    payments: Vec<PaymentRow>,
    applicants: usize,
    free: usize,
    form: PaymentInput,
    channels: Vec<ChannelOption>,
    errors: FieldErrors,
    summary: Vec<SummaryItem>,
    retry_file: bool,
    next_href: String,
    copy_js: String,
}

const PAYMENT_LABELS: &[(&str, &str)] = &[
    ("operation_number", "Número de operación"),
    ("paid_on", "Fecha de pago"),
    ("amount", "Monto pagado"),
    ("tribute_code", "Código de tributo"),
    ("payer_dni", "DNI de quien pagó"),
    ("channel", "Dónde pagó"),
    ("receipt", "Archivo de la constancia"),
];

fn payments_page(
    me: &SignedIn,
    view: &uc::TicketView,
    rules: RulesView,
    form: PaymentInput,
    errors: FieldErrors,
    notice: Option<&str>,
) -> Response {
    let t = &view.ticket;
    let retry_file = !errors.is_empty();
    let form = if retry_file {
        form
    } else {
        // A fresh form starts with what the receipt should say.
        PaymentInput {
            amount: rules.fee_plain.clone(),
            tribute_code: rules.tribute_code.clone(),
            ..form
        }
    };
    let chosen = form.channel.parse::<PaymentChannel>().ok();
    let channels = PaymentChannel::ALL
        .iter()
        .map(|c| ChannelOption {
            value: c.as_str(),
            label: c.label(),
            selected: chosen == Some(*c),
        })
        .collect();
    let mut layout = Layout::new(
        format!("Constancias de pago · {}", t.number),
        Some(&me.viewer),
        "/tramites",
    );
    if let Some(notice) = notice {
        layout = layout.with_notice(notice);
    }
    let page = PaymentsPage {
        layout,
        steps: steps(
            Some(t.kind),
            Some(t.reason),
            Some(&t.id),
            StepId::Payments,
            Progress::of(view),
        ),
        head: t.into(),
        rules,
        payments: view
            .payments
            .iter()
            .map(|p| PaymentRow::new(p, &view.applicants))
            .collect(),
        applicants: view.applicants.len(),
        free: view.unused_payments().count(),
        form,
        channels,
        summary: summary(&errors, PAYMENT_LABELS),
        errors,
        retry_file,
        next_href: format!("/tramites/{}/solicitantes", t.id),
        copy_js: assets::url("copiar.js"),
    };
    let status = if retry_file {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(status, &page)
}

#[derive(serde::Deserialize)]
pub struct StepQuery {
    aviso: Option<String>,
}

pub async fn payments_form(
    State(state): State<WebState>,
    me: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<StepQuery>,
) -> Response {
    let view = match editable_view(&state, &me, &id).await {
        Ok(view) => view,
        Err(res) => return res,
    };
    if !view.ticket.reason.requires_payment() {
        return Redirect::to(&format!("/tramites/{}/solicitantes", view.ticket.id)).into_response();
    }
    let rules = match payment_rules(&state.app).await {
        Ok(rules) => rules,
        Err(err) => return app_error_page(err, Some(&me.viewer)),
    };
    let notice = match query.aviso.as_deref() {
        Some("registrada") => Some("Constancia registrada. Si hay más solicitantes, registre una constancia por cada uno; si no, continúe."),
        Some("quitada") => Some("Constancia quitada."),
        _ => None,
    };
    payments_page(
        &me,
        &view,
        rules,
        PaymentInput::default(),
        FieldErrors::new(),
        notice,
    )
}

pub async fn add_payment(
    State(state): State<WebState>,
    me: SignedIn,
    Path(id): Path<String>,
    form: CsrfMultipart,
) -> Response {
    let input = payment_input(&form.form);
    match uc::add_payment(
        &state.app,
        me.user(),
        &id,
        &input,
        form.form.file("receipt"),
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("/tramites/{id}/pagos?aviso=registrada")).into_response(),
        Err(AppError::Validation(errors)) => {
            let view = match editable_view(&state, &me, &id).await {
                Ok(view) => view,
                Err(res) => return res,
            };
            let rules = match payment_rules(&state.app).await {
                Ok(rules) => rules,
                Err(err) => return app_error_page(err, Some(&me.viewer)),
            };
            payments_page(&me, &view, rules, input, errors, None)
        }
        Err(err) => app_error_page(err, Some(&me.viewer)),
    }
}

#[derive(serde::Deserialize)]
pub struct Empty {}

pub async fn remove_payment(
    State(state): State<WebState>,
    me: SignedIn,
    Path((id, payment_id)): Path<(String, String)>,
    _form: CsrfForm<Empty>,
) -> Response {
    match uc::remove_payment(&state.app, me.user(), &id, &payment_id).await {
        Ok(()) => Redirect::to(&format!("/tramites/{id}/pagos?aviso=quitada")).into_response(),
        Err(err) => app_error_page(err, Some(&me.viewer)),
    }
}

// ---------------------------------------------------------------------------------------
// Step 3: applicants

/// The applicant form as typed, every value a string for the template.
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
    ("photo", "Foto"),
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
                thumbnail: (!checked.thumbnail.is_empty()).then(|| {
                    format!(
                        "data:image/jpeg;base64,{}",
                        STANDARD.encode(&checked.thumbnail)
                    )
                }),
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
    let chosen = input.payment_id.as_deref();
    let receipts: Vec<ReceiptOption> = view
        .unused_payments()
        .map(|p| ReceiptOption {
            id: p.id.clone(),
            label: format!(
                "N° {} · {} · pagado el {} (DNI {})",
                p.operation_number,
                p.amount.soles(),
                super::tickets::date_text(&p.paid_on),
                p.payer_dni
            ),
            selected: chosen == Some(p.id.as_str()),
        })
        .collect();
    let mut layout = Layout::new(
        format!("Solicitantes · {}", t.number),
        Some(&me.viewer),
        "/tramites",
    );
    if let Some(notice) = notice {
        layout = layout.with_notice(notice);
    }
    let page = ApplicantsPage {
        layout,
        observation: super::tickets::observation(view),
        steps: steps(
            Some(t.kind),
            Some(t.reason),
            Some(&t.id),
            StepId::Applicants,
            Progress::of(view),
        ),
        head: t.into(),
        applicants: view
            .applicants
            .iter()
            .map(|a| ApplicantRow::new(a, &view.payments))
            .collect(),
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
            "Solo el correo institucional (@{DEFAULT_INSTITUTIONAL_DOMAIN}). No se acepta correo personal (Gmail, Hotmail, Outlook, Yahoo…)."
        ),
        payments_href: format!("/tramites/{}/pagos", t.id),
        next_href: format!("/tramites/{}/enviar", t.id),
        photo_example: assets::url("ejemplos/foto-correcta.jpg"),
        signature_example: assets::url("ejemplos/firma-correcta.jpg"),
    };
    let status = if retry_files {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(status, &page)
}

pub async fn applicants_form(
    State(state): State<WebState>,
    me: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<StepQuery>,
) -> Response {
    let view = match editable_view(&state, &me, &id).await {
        Ok(view) => view,
        Err(res) => return res,
    };
    if !view.ticket.kind.has_applicants() {
        return Redirect::to(&format!("/tramites/{}/enviar", view.ticket.id)).into_response();
    }
    let notice = match query.aviso.as_deref() {
        Some("registrado") => {
            Some("Solicitante registrado. Puede registrar a otro o continuar al último paso.")
        }
        Some("quitado") => Some("Solicitante quitado."),
        _ => None,
    };
    applicants_page(
        &me,
        &view,
        &ApplicantInput::default(),
        FieldErrors::new(),
        notice,
        None,
    )
}

pub async fn add_applicant(
    State(state): State<WebState>,
    me: SignedIn,
    Path(id): Path<String>,
    form: CsrfMultipart,
) -> Response {
    let input = applicant_input(&form.form);
    let uploads = match uc::check_images(form.form.file("photo"), form.form.file("signature")).await
    {
        Ok(uploads) => uploads,
        Err(err) => return app_error_page(err, Some(&me.viewer)),
    };
    match uc::add_applicant(&state.app, me.user(), &id, &input, &uploads).await {
        Ok(_) => {
            Redirect::to(&format!("/tramites/{id}/solicitantes?aviso=registrado")).into_response()
        }
        Err(AppError::Validation(errors)) => {
            let view = match editable_view(&state, &me, &id).await {
                Ok(view) => view,
                Err(res) => return res,
            };
            applicants_page(&me, &view, &input, errors, None, Some(&uploads))
        }
        Err(err) => app_error_page(err, Some(&me.viewer)),
    }
}

pub async fn remove_applicant(
    State(state): State<WebState>,
    me: SignedIn,
    Path((id, applicant_id)): Path<(String, String)>,
    _form: CsrfForm<Empty>,
) -> Response {
    match uc::remove_applicant(&state.app, me.user(), &id, &applicant_id).await {
        Ok(()) => {
            Redirect::to(&format!("/tramites/{id}/solicitantes?aviso=quitado")).into_response()
        }
        Err(err) => app_error_page(err, Some(&me.viewer)),
    }
}

// ---------------------------------------------------------------------------------------
// Step 4: review and send

/// Why sending failed, and the step that fixes it.
struct SendProblem {
    message: String,
    fix_href: String,
    fix_label: &'static str,
}

#[derive(Template)]
#[template(path = "ticket_submit.html")]
struct SubmitPage {
    layout: Layout,
    observation: Option<String>,
    steps: Steps,
    head: TicketHead,
    has_applicants: bool,
    requires_payment: bool,
    applicants: Vec<ApplicantRow>,
    payments: Vec<PaymentRow>,
    certificate: Option<String>,
    problems: Vec<SendProblem>,
    resubmission: bool,
    next_dispatch: Option<String>,
    cutoff: String,
}

async fn submit_page(
    state: &WebState,
    me: &SignedIn,
    view: &uc::TicketView,
    problems: Vec<SendProblem>,
) -> Response {
    let t = &view.ticket;
    let certificate = match t.certificate_id.as_deref() {
        Some(cert_id) => match uc::certificate(&state.app, me.user(), cert_id).await {
            Ok(c) => Some(super::certificates::describe(&c)),
            Err(AppError::NotFound) => None,
            Err(err) => return app_error_page(err, Some(&me.viewer)),
        },
        None => None,
    };
    let (cutoff, next_dispatch) = match super::help::batch_times(&state.app).await {
        Ok((cutoff, next)) => (cutoff, Some(next)),
        Err(err) => return app_error_page(err, Some(&me.viewer)),
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = SubmitPage {
        observation: super::tickets::observation(view),
        layout: Layout::new(
            format!("Revisar y enviar · {}", t.number),
            Some(&me.viewer),
            "/tramites",
        ),
        steps: steps(
            Some(t.kind),
            Some(t.reason),
            Some(&t.id),
            StepId::Send,
            Progress::of(view),
        ),
        head: t.into(),
        has_applicants: t.kind.has_applicants(),
        requires_payment: t.reason.requires_payment(),
        applicants: view
            .applicants
            .iter()
            .map(|a| ApplicantRow::new(a, &view.payments))
            .collect(),
        payments: view
            .payments
            .iter()
            .map(|p| PaymentRow::new(p, &view.applicants))
            .collect(),
        certificate,
        problems,
        resubmission: t.status == domain::ticket::Status::Observado,
        next_dispatch: next_dispatch.filter(|_| t.kind.has_applicants()),
        cutoff,
    };
    render(status, &page)
}

pub async fn submit_form(
    State(state): State<WebState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let view = match editable_view(&state, &me, &id).await {
        Ok(view) => view,
        Err(res) => return res,
    };
    submit_page(&state, &me, &view, Vec::new()).await
}

pub async fn submit(
    State(state): State<WebState>,
    me: SignedIn,
    Path(id): Path<String>,
    _form: CsrfForm<Empty>,
) -> Response {
    match uc::submit(&state.app, me.user(), &id).await {
        Ok(view) => {
            let notice = if view.ticket.kind.has_applicants() {
                "enviado"
            } else {
                "enviado-otro"
            };
            Redirect::to(&format!("/tramites/{}?aviso={notice}", view.ticket.id)).into_response()
        }
        Err(AppError::Validation(errors)) => {
            let view = match editable_view(&state, &me, &id).await {
                Ok(view) => view,
                Err(res) => return res,
            };
            let t = &view.ticket;
            let problems = errors
                .iter()
                .flat_map(|(field, messages)| {
                    let (fix_href, fix_label) = match field {
                        "applicants" => (
                            format!("/tramites/{}/solicitantes", t.id),
                            "Ir a «Solicitantes»",
                        ),
                        "payments" => (
                            format!("/tramites/{}/pagos", t.id),
                            "Ir a «Constancia de pago»",
                        ),
                        "certificate_id" => {
                            ("/tramites/nuevo".to_owned(), "Empezar un trámite nuevo")
                        }
                        _ => (format!("/tramites/{}", t.id), "Ver el trámite"),
                    };
                    messages.iter().map(move |m| SendProblem {
                        message: m.clone(),
                        fix_href: fix_href.clone(),
                        fix_label,
                    })
                })
                .collect();
            submit_page(&state, &me, &view, problems).await
        }
        // Sent twice (a double click) or moved meanwhile: the ticket page says where it is.
        Err(AppError::Conflict(_)) => Redirect::to(&format!("/tramites/{id}")).into_response(),
        Err(err) => app_error_page(err, Some(&me.viewer)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn states(s: &Steps) -> Vec<&'static str> {
        s.items.iter().map(|i| i.state).collect()
    }

    #[test]
    fn a_paid_emission_has_four_steps_and_marks_only_what_is_done() {
        let reason = Reason::parse(Kind::Emision, Some("c")).unwrap();
        let s = steps(
            Some(Kind::Emision),
            Some(reason),
            Some("t1"),
            StepId::Applicants,
            Progress {
                payments: 1,
                applicants: 0,
            },
        );
        assert_eq!((s.current, s.total, s.title), (3, 4, "Solicitantes"));
        assert_eq!(states(&s), ["hecho", "hecho", "actual", "pendiente"]);
        assert_eq!(s.items[1].href.as_deref(), Some("/tramites/t1/pagos"));
        assert_eq!(s.items[2].href, None);
    }

    #[test]
    fn a_free_reason_skips_the_payment_step_and_installation_has_two_steps() {
        let reason = Reason::parse(Kind::Reemision, Some("a")).unwrap();
        let s = steps(
            Some(Kind::Reemision),
            Some(reason),
            Some("t1"),
            StepId::Send,
            Progress::default(),
        );
        assert_eq!(states(&s), ["hecho", "omitido", "pendiente", "actual"]);
        assert_eq!(s.items[1].href, None);
        let s = steps(
            Some(Kind::Instalacion),
            Some(Reason::instalacion()),
            None,
            StepId::Kind,
            Progress::default(),
        );
        assert_eq!((s.current, s.total), (1, 2));
        assert_eq!(s.title, "Tipo, motivo y certificado");
    }
}
