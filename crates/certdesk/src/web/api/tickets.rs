//! Tickets, their receipts and applicants, and the requester's actions on them.

use axum::{
    extract::{FromRequest, Request, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use domain::{
    applicant::{ApplicantInput, ApplicantPatch},
    ids::{ApplicantId, CertificateId, PaymentId, TicketId},
    payment::PaymentInput,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Page, PageParams};
use crate::{
    app::{
        search::{self, SearchInput},
        tickets::{self as uc, ApplicantFile, FileContent, Scope, TicketView},
    },
    store::{
        applicants::Applicant,
        payments::Payment,
        tickets::{HistoryEntry, PageAt, Ticket},
    },
    web::{
        error::{ApiResult, Problem},
        extract::{ApiJson, ApiQuery, ApiUser, Id, MultipartForm},
        rfc3339, WebState,
    },
};

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicantJson {
    pub id: String,
    pub dni: String,
    pub dni_check_digit: Option<String>,
    pub paternal_surname: String,
    pub maternal_surname: Option<String>,
    pub given_names: String,
    pub dni_issued_on: String,
    pub email: String,
    pub position: String,
    pub unit: String,
    pub payment_id: Option<String>,
    pub current_expires_on: Option<String>,
    /// `registrado`, `programado`, `enviado_reniec`, `aprobado`, `rechazado`.
    pub status: String,
    /// When it goes to RENIEC (RFC 3339, Lima); null until approved.
    pub dispatch_at: Option<String>,
    pub photo_url: String,
    pub signature_url: String,
    /// The requester confirmed that the photo shows the person without glasses.
    pub no_glasses_confirmed: bool,
}

impl From<Applicant> for ApplicantJson {
    fn from(a: Applicant) -> Self {
        Self {
            photo_url: format!("/api/v1/applicants/{}/photo", a.id),
            signature_url: format!("/api/v1/applicants/{}/signature", a.id),
            id: a.id.to_string(),
            dni: a.dni.to_string(),
            dni_check_digit: a.dni_check_digit,
            paternal_surname: a.paternal_surname,
            maternal_surname: a.maternal_surname,
            given_names: a.given_names,
            dni_issued_on: a.dni_issued_on.to_string(),
            email: a.email,
            position: a.position,
            unit: a.unit,
            payment_id: a.payment_id.map(|p| p.to_string()),
            current_expires_on: a.current_expires_on.map(|d| d.to_string()),
            status: a.status.as_str().to_owned(),
            dispatch_at: a.dispatch_at.map(rfc3339),
            no_glasses_confirmed: a.no_glasses_confirmed,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentJson {
    pub id: String,
    pub operation_number: String,
    pub paid_on: String,
    /// Decimal string, `"8.10"`.
    pub amount: String,
    pub tribute_code: String,
    pub payer_dni: String,
    /// `ventanilla`, `agente` or `pagalo.pe`.
    pub channel: String,
    /// The applicant this receipt pays for, once linked.
    pub applicant_id: Option<String>,
    pub receipt_url: String,
}

impl From<Payment> for PaymentJson {
    fn from(p: Payment) -> Self {
        Self {
            receipt_url: format!("/api/v1/payments/{}/receipt", p.id),
            id: p.id.to_string(),
            operation_number: p.operation_number,
            paid_on: p.paid_on.to_string(),
            amount: p.amount.to_string(),
            tribute_code: p.tribute_code,
            payer_dni: p.payer_dni.to_string(),
            channel: p.channel.as_str().to_owned(),
            applicant_id: p.applicant_id.map(|a| a.to_string()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryJson {
    pub at: String,
    pub actor: Option<String>,
    /// `create`, `submit`, `take`, `appointment`, `applicant_added`, `reniec_result`, …
    pub event: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub comment: Option<String>,
}

impl From<HistoryEntry> for HistoryJson {
    fn from(e: HistoryEntry) -> Self {
        Self {
            at: rfc3339(e.at),
            actor: e.actor_name,
            event: e.event.code().to_owned(),
            from_status: e.from_status.map(|s| s.as_str().to_owned()),
            to_status: e.to_status.as_str().to_owned(),
            comment: e.comment,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketJson {
    pub id: String,
    /// `CD-2026-000123`.
    pub number: String,
    /// `emision`, `reemision`, `instalacion`, `cancelacion`.
    pub kind: String,
    /// Reason letter (`a`…`g`); null for instalacion.
    pub reason: Option<String>,
    pub reason_text: String,
    pub requires_payment: bool,
    pub status: String,
    pub requester: PersonRef,
    pub certificate_id: Option<String>,
    /// Instalación: the phone of the person whose certificate is installed, as dialled
    /// inside Peru (`987654321`, `076123456`).
    pub contact_phone: Option<String>,
    /// A renewal started from a certificate: that certificate.
    pub renews_certificate_id: Option<String>,
    /// Time of the last (re)submission: the ticket's place in the queue.
    pub submitted_at: Option<String>,
    pub created_at: String,
    /// When the photos, signatures and receipts were deleted, their retention period over
    /// (Ley 29733); null while they are kept. Their URLs then answer 410.
    pub files_purged_at: Option<String>,
    pub applicants: Vec<ApplicantJson>,
    pub payments: Vec<PaymentJson>,
    pub history: Vec<HistoryJson>,
}

/// A ticket in a list (without its applicants, receipts and history).
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketSummaryJson {
    pub id: String,
    pub number: String,
    pub kind: String,
    pub reason: Option<String>,
    pub status: String,
    pub requester: PersonRef,
    pub submitted_at: Option<String>,
    pub created_at: String,
}

impl From<Ticket> for TicketSummaryJson {
    fn from(t: Ticket) -> Self {
        Self {
            id: t.id.to_string(),
            number: t.number.to_string(),
            kind: t.kind.as_str().to_owned(),
            reason: t.reason.code_str().map(str::to_owned),
            status: t.status.as_str().to_owned(),
            requester: PersonRef {
                id: t.requester_id.to_string(),
                name: t.requester_name,
            },
            submitted_at: t.submitted_at.map(rfc3339),
            created_at: rfc3339(t.created_at),
        }
    }
}

impl From<TicketView> for TicketJson {
    fn from(v: TicketView) -> Self {
        let t = v.ticket;
        Self {
            id: t.id.to_string(),
            number: t.number.to_string(),
            kind: t.kind.as_str().to_owned(),
            reason: t.reason.code_str().map(str::to_owned),
            reason_text: t.reason.text().to_owned(),
            requires_payment: t.reason.requires_payment(),
            status: t.status.as_str().to_owned(),
            requester: PersonRef {
                id: t.requester_id.to_string(),
                name: t.requester_name,
            },
            certificate_id: t.certificate_id.map(|c| c.to_string()),
            contact_phone: t.contact_phone,
            renews_certificate_id: t.renews_certificate_id.map(|c| c.to_string()),
            submitted_at: t.submitted_at.map(rfc3339),
            created_at: rfc3339(t.created_at),
            files_purged_at: t.files_purged_at.map(rfc3339),
            applicants: v.applicants.into_iter().map(Into::into).collect(),
            payments: v.payments.into_iter().map(Into::into).collect(),
            history: v.history.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTicket {
    #[serde(default)]
    pub kind: String,
    /// Reason letter; omit for instalacion.
    pub reason: Option<String>,
    /// Required for instalacion and cancelacion: one of your certificates.
    pub certificate_id: Option<String>,
    /// Instalacion only, optional: the phone of the person whose certificate is installed
    /// (a 9-digit mobile starting with 9, or a landline with its area code).
    pub contact_phone: Option<String>,
}

/// Open a ticket (borrador).
#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets", security(("bearer" = [])),
    request_body = NewTicket,
    responses((status = 201, body = TicketJson),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<NewTicket>,
) -> ApiResult<(StatusCode, Json<TicketJson>)> {
    let view = uc::open_with(
        &state.app,
        &user,
        &uc::Opening {
            kind: &body.kind,
            reason: body.reason.as_deref(),
            certificate_id: body.certificate_id.as_deref(),
            contact_phone: body.contact_phone.as_deref(),
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(view.into())))
}

/// `GET /api/v1/tickets`: keyset pages and the search.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TicketListParams {
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// Ticket number (`CD-2026-000123`, `2026-000123` or `123`), applicant DNI, or a name
    /// (applicant, requester, certificate holder); case and accents ignored. Every word
    /// must match.
    pub q: Option<String>,
    /// Only tickets in this status (`borrador`, `enviado`, `observado`, …).
    pub status: Option<String>,
    /// Only tickets of this kind (`emision`, `reemision`, `instalacion`, `cancelacion`).
    pub kind: Option<String>,
    /// Analysts and admins: only their own tickets (requesters always get only theirs).
    pub mine: Option<bool>,
}

/// Tickets, newest first: your own; analysts and admins see and search everyone's. With
/// `q`, `status` or `kind`, only the tickets that match.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", security(("bearer" = [])),
    params(TicketListParams),
    responses((status = 200, body = Page<TicketSummaryJson>),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    ApiQuery(params): ApiQuery<TicketListParams>,
) -> ApiResult<Json<Page<TicketSummaryJson>>> {
    let page = PageParams {
        after: params.after.clone(),
        limit: params.limit,
    };
    let limit = page.limit();
    let at = match page.after::<TicketId>()? {
        Some(id) => PageAt::Before(id),
        None => PageAt::First,
    };
    let input = SearchInput {
        q: params.q.as_deref(),
        status: params.status.as_deref(),
        kind: params.kind.as_deref(),
        mine: params.mine.unwrap_or(false),
    };
    let (_, found) = search::parse_and_find(&state.app, &user, &input, at, limit).await?;
    let next = found
        .has_older
        .then(|| found.tickets.last().map(|t| t.id.to_string()))
        .flatten();
    let items = found
        .tickets
        .into_iter()
        .map(TicketSummaryJson::from)
        .collect();
    Ok(Json(Page { items, next }))
}

/// One ticket with its applicants, receipts and history.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = TicketJson),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn show(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<TicketId>,
) -> ApiResult<Json<TicketJson>> {
    Ok(Json(uc::view(&state.app, &user, id).await?.into()))
}

/// Register a payment receipt (multipart: the fields and the file `receipt`).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/payments", tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "operation_number, paid_on, amount, tribute_code, payer_dni, channel; file receipt (JPEG, PNG or PDF)"),
    responses((status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 201, body = PaymentJson),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn add_payment(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<TicketId>,
    form: MultipartForm,
) -> ApiResult<(StatusCode, Json<PaymentJson>)> {
    let input = payment_input(&form);
    let payment = uc::add_payment(&state.app, &user, id, &input, form.file("receipt")).await?;
    Ok((StatusCode::CREATED, Json(payment.into())))
}

/// The payment fields of a multipart form (API and pages share this).
pub fn payment_input(form: &MultipartForm) -> PaymentInput {
    PaymentInput {
        operation_number: form.text("operation_number"),
        paid_on: form.text("paid_on"),
        amount: form.text("amount"),
        tribute_code: form.text("tribute_code"),
        payer_dni: form.text("payer_dni"),
        channel: form.text("channel"),
    }
}

/// The applicant fields of a multipart form (API and pages share this).
pub fn applicant_input(form: &MultipartForm) -> ApplicantInput {
    ApplicantInput {
        paternal_surname: form.text("paternal_surname"),
        maternal_surname: form.text("maternal_surname"),
        given_names: form.text("given_names"),
        dni: form.text("dni"),
        dni_check_digit: form.optional("dni_check_digit"),
        dni_issued_on: form.text("dni_issued_on"),
        email: form.text("email"),
        position: form.text("position"),
        unit: form.text("unit"),
        payment_id: form.optional("payment_id"),
        current_expires_on: form.optional("current_expires_on"),
        no_glasses_confirmed: form.optional("no_glasses_confirmed"),
    }
}

/// The applicant fields present in a multipart form (a correction: the rest stays).
pub fn applicant_patch(form: &MultipartForm) -> ApplicantPatch {
    let given = |name: &str| form.fields.get(name).map(|v| v.trim().to_owned());
    ApplicantPatch {
        paternal_surname: given("paternal_surname"),
        maternal_surname: given("maternal_surname"),
        given_names: given("given_names"),
        dni: given("dni"),
        dni_check_digit: given("dni_check_digit"),
        dni_issued_on: given("dni_issued_on"),
        email: given("email"),
        position: given("position"),
        unit: given("unit"),
        payment_id: given("payment_id"),
        current_expires_on: given("current_expires_on"),
        no_glasses_confirmed: given("no_glasses_confirmed"),
    }
}

/// A correction of an applicant as JSON: any subset of its fields. An empty string clears
/// an optional field (`maternal_surname`, `dni_check_digit`, `payment_id`,
/// `current_expires_on`).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicantChanges {
    pub paternal_surname: Option<String>,
    pub maternal_surname: Option<String>,
    pub given_names: Option<String>,
    pub dni: Option<String>,
    pub dni_check_digit: Option<String>,
    /// `YYYY-MM-DD`, as printed on the DNI.
    pub dni_issued_on: Option<String>,
    pub email: Option<String>,
    pub position: Option<String>,
    pub unit: Option<String>,
    pub payment_id: Option<String>,
    /// `YYYY-MM-DD`.
    pub current_expires_on: Option<String>,
    /// The person is without glasses in the photo (no check detects glasses).
    pub no_glasses_confirmed: Option<bool>,
}

impl From<ApplicantChanges> for ApplicantPatch {
    fn from(c: ApplicantChanges) -> Self {
        ApplicantPatch {
            paternal_surname: c.paternal_surname,
            maternal_surname: c.maternal_surname,
            given_names: c.given_names,
            dni: c.dni,
            dni_check_digit: c.dni_check_digit,
            dni_issued_on: c.dni_issued_on,
            email: c.email,
            position: c.position,
            unit: c.unit,
            payment_id: c.payment_id,
            current_expires_on: c.current_expires_on,
            no_glasses_confirmed: c.no_glasses_confirmed.map(|b| b.to_string()),
        }
    }
}

/// Correct an applicant in place (the ticket's requester; borrador or observado): JSON with
/// any subset of its fields, or multipart with its fields and a new `photo` or `signature`
/// (checked as when adding). What is not sent stays. A new photo clears an earlier
/// `no_glasses_confirmed` unless it is sent again with it.
#[utoipa::path(patch, path = "/api/v1/applicants/{id}", tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body(content(
        (ApplicantChanges = "application/json"),
        (ApplicantChanges = "multipart/form-data")),
        description = "JSON: any subset of the fields. Multipart: the same fields as text, and the files photo and/or signature."),
    responses((status = 200, body = ApplicantJson),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn update_applicant(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<ApplicantId>,
    req: Request,
) -> ApiResult<Json<ApplicantJson>> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/")
        });
    let (patch, images) = if multipart {
        let form = MultipartForm::from_request(req, &state).await?;
        let images =
            uc::check_images(&state.app, form.file("photo"), form.file("signature")).await?;
        (applicant_patch(&form), images)
    } else {
        let ApiJson(changes) = ApiJson::<ApplicantChanges>::from_request(req, &state).await?;
        (changes.into(), uc::ImageUploads::default())
    };
    let applicant = uc::update_applicant(&state.app, &user, id, &patch, &images).await?;
    Ok(Json(applicant.into()))
}

/// Register an applicant (multipart: the fields and the files `photo` and `signature`).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/applicants", tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "paternal_surname, maternal_surname, given_names, dni, dni_check_digit?, dni_issued_on, email, position, unit, payment_id?, current_expires_on?; files photo and signature"),
    responses((status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 201, body = ApplicantJson),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn add_applicant(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<TicketId>,
    form: MultipartForm,
) -> ApiResult<(StatusCode, Json<ApplicantJson>)> {
    let input = applicant_input(&form);
    let images = uc::check_images(&state.app, form.file("photo"), form.file("signature")).await?;
    let applicant = uc::add_applicant(&state.app, &user, id, &input, &images).await?;
    Ok((StatusCode::CREATED, Json(applicant.into())))
}

/// Remove an applicant (borrador or observado only).
#[utoipa::path(delete, path = "/api/v1/tickets/{id}/applicants/{applicant_id}", tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path), ("applicant_id" = String, Path)), responses((status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 204)))]
pub async fn remove_applicant(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id((id, applicant_id)): Id<(TicketId, ApplicantId)>,
) -> ApiResult<StatusCode> {
    uc::remove_applicant(&state.app, &user, id, applicant_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove a receipt no applicant uses (borrador or observado only).
#[utoipa::path(delete, path = "/api/v1/tickets/{id}/payments/{payment_id}", tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path), ("payment_id" = String, Path)), responses((status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 204)))]
pub async fn remove_payment(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id((id, payment_id)): Id<(TicketId, PaymentId)>,
) -> ApiResult<StatusCode> {
    uc::remove_payment(&state.app, &user, id, payment_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send the ticket to the service desk's queue (also after correcting an observed one).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/submit", tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = TicketJson),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn submit(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<TicketId>,
) -> ApiResult<Json<TicketJson>> {
    Ok(Json(uc::submit(&state.app, &user, id).await?.into()))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct WithdrawRequest {
    pub comment: Option<String>,
}

/// Withdraw a borrador or enviado ticket (it becomes anulado).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/withdraw", tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body(content = WithdrawRequest, description = "Optional: a comment."),
    responses((status = 200, body = TicketJson),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn withdraw(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<TicketId>,
    body: axum::body::Bytes,
) -> ApiResult<Json<TicketJson>> {
    // The body is optional: no body, or `{"comment": "…"}`.
    let comment = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice::<WithdrawRequest>(&body)
            .map_err(|_| Problem::bad_request("El cuerpo debe ser JSON: {\"comment\": \"…\"}."))?
            .comment
    };
    Ok(Json(
        uc::withdraw(&state.app, &user, id, comment.as_deref())
            .await?
            .into(),
    ))
}

fn file_response(file: FileContent) -> Response {
    let mut res = (
        [
            (header::CONTENT_TYPE, file.mime),
            // Personal data: never cached by shared caches.
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        file.bytes,
    )
        .into_response();
    if let Some(d) = file.disposition {
        let kind = if d.attachment { "attachment" } else { "inline" };
        if let Ok(value) = HeaderValue::from_str(&format!("{kind}; filename=\"{}\"", d.file_name)) {
            res.headers_mut().insert(header::CONTENT_DISPOSITION, value);
        }
    }
    res
}

/// An applicant's photo (the requester, analysts and admins only).
#[utoipa::path(get, path = "/api/v1/applicants/{id}/photo", tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, content_type = "image/jpeg"), (status = 404, body = Problem)))]
pub async fn photo(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<ApplicantId>,
) -> ApiResult<Response> {
    Ok(file_response(
        uc::applicant_file(&state.app, &user, id, ApplicantFile::Photo).await?,
    ))
}

/// An applicant's signature (the requester, analysts and admins only).
#[utoipa::path(get, path = "/api/v1/applicants/{id}/signature", tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, content_type = "image/jpeg"), (status = 404, body = Problem)))]
pub async fn signature(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<ApplicantId>,
) -> ApiResult<Response> {
    Ok(file_response(
        uc::applicant_file(&state.app, &user, id, ApplicantFile::Signature).await?,
    ))
}

/// A receipt's file (the requester, analysts and admins only).
#[utoipa::path(get, path = "/api/v1/payments/{id}/receipt", tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "The file as uploaded: a photo or a PDF",
               content(("image/jpeg"), ("image/png"), ("application/pdf"))),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn receipt(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<PaymentId>,
) -> ApiResult<Response> {
    Ok(file_response(
        uc::receipt_file(&state.app, &user, id).await?,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReasonJson {
    pub kind: String,
    pub kind_label: String,
    /// Letter; null for instalacion.
    pub code: Option<String>,
    pub text: String,
    pub requires_payment: bool,
    /// RFC 5280 CRLReason code, for cancellations.
    pub crl_reason: Option<u8>,
}

/// The catalogue of kinds and reasons, with the payment rule of each.
#[utoipa::path(get, path = "/api/v1/catalogue", tag = "tickets", responses((status = 200, body = Vec<ReasonJson>)))]
pub async fn catalogue() -> Json<Vec<ReasonJson>> {
    Json(
        domain::ticket::Reason::all()
            .map(|r| ReasonJson {
                kind: r.kind().as_str().to_owned(),
                kind_label: r.kind().label().to_owned(),
                code: r.code_str().map(str::to_owned),
                text: r.text().to_owned(),
                requires_payment: r.requires_payment(),
                crl_reason: r.crl_reason().map(|c| c.code()),
            })
            .collect(),
    )
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateJson {
    pub id: String,
    pub holder_name: String,
    pub dni: String,
    /// `pendiente_descarga`, `instalado`, `caducado`, `descarga_vencida`, `cancelado`.
    pub state: String,
    pub medium: Option<String>,
    pub ownership: Option<String>,
    pub issued_on: Option<String>,
    pub expires_on: Option<String>,
    pub download_deadline: Option<String>,
    pub serial: Option<String>,
}

impl From<crate::store::certificates::Certificate> for CertificateJson {
    fn from(c: crate::store::certificates::Certificate) -> Self {
        Self {
            id: c.id.to_string(),
            holder_name: c.holder_name,
            dni: c.dni.to_string(),
            state: c.state.as_str().to_owned(),
            medium: c.medium.map(|m| m.as_str().to_owned()),
            ownership: c.ownership.map(|o| o.as_str().to_owned()),
            issued_on: c.issued_on.map(|d| d.to_string()),
            expires_on: c.expires_on.map(|d| d.to_string()),
            download_deadline: c.download_deadline.map(|d| d.to_string()),
            serial: c.serial,
        }
    }
}

/// Filters of the certificate registry.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CertificateSearch {
    /// Words of the holder's name, a DNI or a serial number; each word must match (case and
    /// accents do not matter).
    pub q: Option<String>,
    /// `pendiente_descarga`, `instalado`, `caducado`, `descarga_vencida` or `cancelado`.
    pub state: Option<String>,
    /// Only certificates expiring within this many days from today (0 to 3650).
    pub expiring_within_days: Option<String>,
}

/// Certificates, newest first: your own; analysts and admins see everyone's. `q` searches
/// by holder name, DNI or serial number.
#[utoipa::path(get, path = "/api/v1/certificates", tag = "certificados", security(("bearer" = [])),
    params(PageParams, CertificateSearch),
    responses((status = 200, body = Page<CertificateJson>),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn certificates(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    ApiQuery(page): ApiQuery<PageParams>,
    ApiQuery(search): ApiQuery<CertificateSearch>,
) -> ApiResult<Json<Page<CertificateJson>>> {
    let limit = page.limit();
    let query = crate::app::registry::RegistryQuery {
        q: search.q,
        state: search.state,
        expiring_within_days: search.expiring_within_days,
    };
    let items =
        crate::app::registry::search(&state.app, &user, Scope::All, &query, page.after()?, limit)
            .await?;
    let items = items.into_iter().map(CertificateJson::from).collect();
    Ok(Json(Page::new(items, limit, |c: &CertificateJson| {
        c.id.clone()
    })))
}

/// One certificate (its owner, analysts and admins).
#[utoipa::path(get, path = "/api/v1/certificates/{id}", tag = "certificados", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = CertificateJson), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn certificate(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<CertificateId>,
) -> ApiResult<Json<CertificateJson>> {
    Ok(Json(uc::certificate(&state.app, &user, id).await?.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckJson {
    /// Stable code, e.g. `photo.sharpness`.
    pub code: String,
    pub passed: bool,
    /// Spanish: what was checked, or what to do.
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImageCheckJson {
    /// Every check passed: the image will be accepted.
    pub passed: bool,
    pub checks: Vec<CheckJson>,
    /// A small JPEG of what was sent, as a `data:` URL.
    pub thumbnail: Option<String>,
}

/// Check a photo or signature before registering the applicant (nothing is stored).
#[utoipa::path(post, path = "/api/v1/image-checks", tag = "tickets", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "purpose (photo or signature); file file"),
    responses((status = 200, body = ImageCheckJson),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn image_check(
    State(state): State<WebState>,
    ApiUser(_user): ApiUser,
    form: MultipartForm,
) -> ApiResult<Json<ImageCheckJson>> {
    let purpose = match form.text("purpose").as_str() {
        "photo" => crate::images::ImagePurpose::Photo,
        "signature" => crate::images::ImagePurpose::Signature,
        _ => {
            return Err(
                crate::app::AppError::field("purpose", "Indique photo o signature.").into(),
            );
        }
    };
    let verdict = uc::check_image(&state.app, purpose, form.file("file"))
        .await?
        .ok_or_else(|| crate::app::AppError::field("file", "Adjunte la imagen."))?;
    let checked = verdict.map_err(|rejection| crate::app::AppError::field("file", rejection.0))?;
    Ok(Json(ImageCheckJson {
        passed: checked.passed(),
        thumbnail: checked.thumbnail_url(),
        checks: checked
            .checks
            .iter()
            .map(|c| CheckJson {
                code: c.code.to_owned(),
                passed: c.passed,
                message: c.message.clone(),
            })
            .collect(),
    }))
}
