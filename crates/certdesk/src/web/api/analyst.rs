//! The analysts' API: the queue, review actions, batches and their package, RENIEC
//! results, installation and cancellation, certificates' public part.

use axum::{
    body::Body,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
    Json,
};
use domain::{
    ids::{ApplicantId, BatchId, CertificateId, ObservationTextId, TicketId},
    ticket::{Kind, Status},
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    tickets::{CertificateJson, TicketJson, TicketSummaryJson},
    Page,
};
use crate::{
    app::{
        batch, bulk_results, notes, registry,
        registry::{Installation, ReniecResult},
        review, AppError,
    },
    store::{
        batches::{Batch, Item},
        tickets::QueueCursor,
    },
    web::{
        error::{ApiResult, Problem},
        extract::{ApiJson, ApiQuery, ApiUser, Id, MultipartForm},
        rfc3339, WebState,
    },
};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct QueueParams {
    /// `emision`, `reemision`, `instalacion` or `cancelacion`.
    pub kind: Option<String>,
    /// `enviado` or `en_atencion`.
    pub status: Option<String>,
    pub after: Option<String>,
    pub limit: Option<i64>,
}

/// Open tickets in strict FIFO order by their last submission (analysts).
#[utoipa::path(get, path = "/api/v1/queue", tag = "análisis", security(("bearer" = [])),
    params(QueueParams),
    responses((status = 200, body = Page<TicketSummaryJson>), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn queue(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    ApiQuery(params): ApiQuery<QueueParams>,
) -> ApiResult<Json<Page<TicketSummaryJson>>> {
    let kind = params
        .kind
        .as_deref()
        .map(str::parse::<Kind>)
        .transpose()
        .map_err(|e| AppError::field("kind", e.to_string()))?;
    let status = params
        .status
        .as_deref()
        .map(str::parse::<Status>)
        .transpose()
        .map_err(|e| AppError::field("status", e.to_string()))?;
    let after = super::after::<QueueCursor>(params.after.as_deref())?;
    let limit = super::page_limit(params.limit);
    let tickets = review::queue(&state.app, &user, kind, status, after, limit).await?;
    let next = (tickets.len() as i64 >= limit)
        .then(|| tickets.last().map(|t| QueueCursor::after(t).to_string()))
        .flatten();
    let items = tickets.into_iter().map(Into::into).collect();
    Ok(Json(Page { items, next }))
}

/// A JSON body that may be left out: empty (or whitespace) is `T::default()`; what is not
/// JSON is 400; JSON of the wrong shape is 422 on `field`.
fn optional_body<T: Default + serde::de::DeserializeOwned>(
    body: &[u8],
    field: &str,
    shape: &str,
) -> Result<T, Problem> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|_| Problem::bad_request(format!("El cuerpo debe ser JSON: {shape}.")))?;
    serde_json::from_value(value).map_err(|_| {
        AppError::field(field, format!("El cuerpo debe tener la forma {shape}.")).into()
    })
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TakeRequest {
    /// Why the ticket is taken before older ones that wait. Required (422 on `reason`)
    /// only when older tickets wait; recorded in the history.
    pub reason: Option<String>,
}

/// Take a ticket from the queue (assigns it to you). Taking one while older tickets wait
/// needs a `reason`, which goes into the history.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/take", tag = "análisis", security(("bearer" = [])),
    params(("id" = String, Path)), request_body(content = Option<TakeRequest>),
    responses((status = 200, body = TicketJson), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn take(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<TicketId>,
    body: axum::body::Bytes,
) -> ApiResult<Json<TicketJson>> {
    let body: TakeRequest = optional_body(&body, "reason", "{\"reason\": \"…\"}")?;
    Ok(Json(
        review::take(&state.app, &user, id, body.reason.as_deref())
            .await?
            .into(),
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ReleaseRequest {
    /// Why it goes back (optional), for the history.
    pub comment: Option<String>,
}

/// Give a taken ticket back to the queue; it keeps its place (its arrival time).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/release", tag = "análisis", security(("bearer" = [])),
    params(("id" = String, Path)), request_body(content = Option<ReleaseRequest>),
    responses((status = 200, body = TicketJson), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn release(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<TicketId>,
    body: axum::body::Bytes,
) -> ApiResult<Json<TicketJson>> {
    let body: ReleaseRequest = optional_body(&body, "comment", "{\"comment\": \"…\"}")?;
    Ok(Json(
        review::release(&state.app, &user, id, body.comment.as_deref())
            .await?
            .into(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoteJson {
    pub id: String,
    pub ticket_id: String,
    pub author: super::tickets::PersonRef,
    pub text: String,
    pub created_at: String,
}

impl From<crate::store::notes::Note> for NoteJson {
    fn from(n: crate::store::notes::Note) -> Self {
        NoteJson {
            id: n.id.to_string(),
            ticket_id: n.ticket_id.to_string(),
            author: super::tickets::PersonRef {
                id: n.author_id.to_string(),
                name: n.author_name,
            },
            text: n.body,
            created_at: rfc3339(n.created_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NoteRequest {
    #[serde(default)]
    pub text: String,
}

/// Add an internal note to a ticket (analysts and admins; requesters never see notes).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/notes", tag = "análisis", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = NoteRequest,
    responses((status = 201, body = NoteJson), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn add_note(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<TicketId>,
    ApiJson(body): ApiJson<NoteRequest>,
) -> ApiResult<(axum::http::StatusCode, Json<NoteJson>)> {
    let note = notes::add(&state.app, &user, id, &body.text).await?;
    Ok((axum::http::StatusCode::CREATED, Json(note.into())))
}

/// A ticket's internal notes, oldest first (analysts and admins).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/notes", tag = "análisis", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Page<NoteJson>), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn notes(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<TicketId>,
) -> ApiResult<Json<Page<NoteJson>>> {
    let items = notes::list(&state.app, &user, id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(Page { items, next: None }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CommentRequest {
    #[serde(default)]
    pub comment: String,
    /// Ids of canned observation texts to include (each a paragraph, before `comment`).
    #[serde(default)]
    pub canned: Vec<String>,
}

/// Return the ticket to its requester with what to correct: `comment`, and/or the canned
/// texts of `canned`.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/observe", tag = "análisis", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = CommentRequest,
    responses((status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 200, body = TicketJson), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn observe(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<TicketId>,
    ApiJson(body): ApiJson<CommentRequest>,
) -> ApiResult<Json<TicketJson>> {
    let canned = body
        .canned
        .iter()
        .map(|c| c.parse())
        .collect::<Result<Vec<ObservationTextId>, _>>()
        .map_err(|_| {
            AppError::field(
                "canned",
                "Use los identificadores de las observaciones frecuentes.",
            )
        })?;
    Ok(Json(
        review::observe_with(&state.app, &user, id, &canned, &body.comment)
            .await?
            .into(),
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ApproveRequest {
    /// The analyst checked that no applicant wears glasses on the photo (no check can
    /// tell). `true` is written in the history; `false` is refused (422: observe instead);
    /// left out, nothing is stated.
    pub no_glasses_confirmed: Option<bool>,
}

/// Approve: each applicant gets its RENIEC dispatch time (`dispatch_at`).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/approve", tag = "análisis", security(("bearer" = [])),
    params(("id" = String, Path)), request_body(content = Option<ApproveRequest>),
    responses((status = 200, body = TicketJson), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn approve(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<TicketId>,
    body: axum::body::Bytes,
) -> ApiResult<Json<TicketJson>> {
    let body: ApproveRequest = optional_body(
        &body,
        "no_glasses_confirmed",
        "{\"no_glasses_confirmed\": true}",
    )?;
    Ok(Json(
        review::approve(&state.app, &user, id, body.no_glasses_confirmed)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReasonRequest {
    #[serde(default)]
    pub reason: String,
}

/// Reject with a reason.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/reject", tag = "análisis", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = ReasonRequest,
    responses((status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 200, body = TicketJson), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn reject(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<TicketId>,
    ApiJson(body): ApiJson<ReasonRequest>,
) -> ApiResult<Json<TicketJson>> {
    Ok(Json(
        review::reject(&state.app, &user, id, &body.reason)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AppointmentRequest {
    /// RFC 3339 with offset.
    #[serde(default)]
    pub at: String,
    pub note: Option<String>,
}

/// Record the installation appointment.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/appointment", tag = "análisis", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = AppointmentRequest,
    responses((status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 200, body = TicketJson)))]
pub async fn appointment(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<TicketId>,
    ApiJson(body): ApiJson<AppointmentRequest>,
) -> ApiResult<Json<TicketJson>> {
    Ok(Json(
        registry::record_appointment(&state.app, &user, id, &body.at, body.note.as_deref())
            .await?
            .into(),
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CompleteRequest {
    /// For instalacion: `pc`, `token` or `tarjeta`.
    #[serde(default)]
    pub medium: String,
    /// For instalacion: `grc` or `propio`.
    #[serde(default)]
    pub ownership: String,
    pub serial: Option<String>,
    /// For instalacion: the certificate's issue date, `YYYY-MM-DD`. Required unless the
    /// certificate's public part was attached (`POST /api/v1/certificates/{id}/public-part`),
    /// whose dates are used; a date given then must agree with it.
    #[schema(example = "2026-12-02")]
    pub issued_on: Option<String>,
    /// For instalacion: the certificate's expiry date, `YYYY-MM-DD`, after the issue date.
    /// Required unless the public part was attached, likewise.
    #[schema(example = "2028-12-01")]
    pub expires_on: Option<String>,
}

/// Finish an instalacion (certificate instalado, with its medium and its issue and expiry
/// dates, typed or read from its public part) or a cancelacion (certificate cancelado).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/complete", tag = "análisis", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = CompleteRequest,
    responses((status = 200, body = TicketJson),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "A missing or wrong field: medium, ownership, issued_on, expires_on", body = Problem, content_type = "application/problem+json")))]
pub async fn complete(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<TicketId>,
    body: axum::body::Bytes,
) -> ApiResult<Json<TicketJson>> {
    let body: CompleteRequest = if body.iter().all(u8::is_ascii_whitespace) {
        CompleteRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|_| Problem::bad_request("El cuerpo debe ser JSON."))?
    };
    let installation = Installation {
        medium: body.medium,
        ownership: body.ownership,
        serial: body.serial,
        issued_on: body.issued_on,
        expires_on: body.expires_on,
    };
    Ok(Json(
        registry::complete(&state.app, &user, id, &installation)
            .await?
            .into(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchItemJson {
    pub position: i64,
    pub applicant_id: String,
    pub ticket_id: String,
    pub ticket_number: String,
    pub dni: String,
    pub full_name: String,
    pub status: String,
}

impl From<Item> for BatchItemJson {
    fn from(i: Item) -> Self {
        Self {
            position: i.position,
            applicant_id: i.applicant_id.to_string(),
            ticket_id: i.ticket_id.to_string(),
            ticket_number: i.ticket_number.to_string(),
            dni: i.dni.to_string(),
            full_name: i.full_name,
            status: i.status.as_str().to_owned(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchJson {
    pub id: String,
    pub cutoff_at: String,
    pub closed_at: String,
    pub item_count: i64,
    pub package_sha256: Option<String>,
    pub package_url: String,
    /// When the package was deleted, every ticket in it past its retention period; its URL
    /// then answers 410.
    pub files_purged_at: Option<String>,
    pub items: Vec<BatchItemJson>,
}

fn batch_json(b: Batch, items: Vec<Item>) -> BatchJson {
    BatchJson {
        package_url: format!("/api/v1/batches/{}/package.zip", b.id),
        id: b.id.to_string(),
        cutoff_at: rfc3339(b.cutoff_at),
        closed_at: rfc3339(b.closed_at),
        item_count: b.item_count,
        package_sha256: b.package_sha256,
        files_purged_at: b.files_purged_at.map(rfc3339),
        items: items.into_iter().map(Into::into).collect(),
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CloseRequest {
    /// RFC 3339; closes the latest cut-off at or before it. Defaults to now; never later.
    pub now: Option<String>,
}

/// Close the due batch (the same use case the scheduler runs at each cut-off).
#[utoipa::path(post, path = "/api/v1/batches/close", tag = "análisis", security(("bearer" = [])),
    request_body = CloseRequest,
    responses((status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 200, body = BatchJson), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn close(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    body: axum::body::Bytes,
) -> ApiResult<Json<BatchJson>> {
    let body: CloseRequest = if body.iter().all(u8::is_ascii_whitespace) {
        CloseRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|_| Problem::bad_request("El cuerpo debe ser JSON: {\"now\": \"…\"}."))?
    };
    let real_now = state.app.now();
    let now = match body.now.as_deref() {
        None => real_now,
        Some(raw) => {
            let at: Timestamp = raw.trim().parse().map_err(|_| {
                AppError::field(
                    "now",
                    "Use fecha y hora RFC 3339 con zona, por ejemplo 2026-11-27T16:30:00-05:00.",
                )
            })?;
            // A too-old one is refused by the use case.
            if at > real_now {
                return Err(AppError::field("now", "No se puede cerrar un corte futuro.").into());
            }
            at
        }
    };
    let closed = batch::close(&state.app, Some(&user), now).await?;
    let (b, items) = batch::view(&state.app, &user, closed.batch.id).await?;
    Ok(Json(batch_json(b, items)))
}

/// Batches, newest first.
#[utoipa::path(get, path = "/api/v1/batches", tag = "análisis", security(("bearer" = [])),
    params(super::PageParams), responses((status = 200, body = Page<BatchJson>)))]
pub async fn list(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    ApiQuery(page): ApiQuery<super::PageParams>,
) -> ApiResult<Json<Page<BatchJson>>> {
    let limit = page.limit();
    let batches = batch::list(&state.app, &user, page.after()?, limit).await?;
    let items = batches
        .into_iter()
        .map(|b| batch_json(b, Vec::new()))
        .collect();
    Ok(Json(Page::new(items, limit, |b: &BatchJson| b.id.clone())))
}

/// One batch with its items in FIFO order.
#[utoipa::path(get, path = "/api/v1/batches/{id}", tag = "análisis", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = BatchJson)))]
pub async fn show(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<BatchId>,
) -> ApiResult<Json<BatchJson>> {
    let (b, items) = batch::view(&state.app, &user, id).await?;
    Ok(Json(batch_json(b, items)))
}

/// The batch package (ZIP), streamed from the files store; the same bytes every time.
#[utoipa::path(get, path = "/api/v1/batches/{id}/package.zip", tag = "análisis", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, content_type = "application/zip")))]
pub async fn package(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<BatchId>,
) -> ApiResult<Response> {
    let (b, size, stream) = batch::package(&state.app, &user, id).await?;
    let cutoff = domain::schedule::to_lima(b.cutoff_at);
    let name = format!("lote-reniec-{}.zip", cutoff.strftime("%Y-%m-%d"));
    let mut headers = vec![
        (header::CONTENT_TYPE, "application/zip".to_owned()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ),
        (header::CACHE_CONTROL, "private, no-store".to_owned()),
    ];
    headers.push((header::CONTENT_LENGTH, size.to_string()));
    if let Some(sha) = b.package_sha256 {
        headers.push((header::ETAG, format!("\"{sha}\"")));
    }
    let mut response = Body::from_stream(stream).into_response();
    for (name, value) in headers {
        if let Ok(value) = value.parse() {
            response.headers_mut().insert(name, value);
        }
    }
    Ok(response)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResultRequest {
    pub approved: Option<bool>,
    /// When approved: the date RENIEC sent the DCDelivery e-mail (`YYYY-MM-DD`).
    pub delivery_sent_on: Option<String>,
    /// When rejected: RENIEC's reason.
    pub reason: Option<String>,
}

/// Record RENIEC's result for an applicant.
#[utoipa::path(post, path = "/api/v1/applicants/{id}/reniec-result", tag = "análisis", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = ResultRequest,
    responses((status = 200, body = TicketJson), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn reniec_result(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<ApplicantId>,
    ApiJson(body): ApiJson<ResultRequest>,
) -> ApiResult<Json<TicketJson>> {
    // A body that says neither is the use case's to refuse, after its role check: a
    // requester gets 403 whatever they send.
    let result = match body.approved {
        Some(true) => ReniecResult::Approved {
            delivery_sent_on: body.delivery_sent_on.unwrap_or_default(),
        },
        Some(false) => ReniecResult::Rejected {
            reason: body.reason.unwrap_or_default(),
        },
        None => ReniecResult::Unstated,
    };
    Ok(Json(
        registry::record_result(&state.app, &user, id, &result)
            .await?
            .into(),
    ))
}

/// Attach the certificate's public part (.cer/.crt, DER or PEM; multipart file `certificate`).
#[utoipa::path(post, path = "/api/v1/certificates/{id}/public-part", tag = "análisis", security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "file certificate"),
    responses((status = 200, body = CertificateJson), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn public_part(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<CertificateId>,
    form: MultipartForm,
) -> ApiResult<Json<CertificateJson>> {
    let cert =
        registry::attach_public_part(&state.app, &user, id, form.file("certificate")).await?;
    Ok(Json(cert.into()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct BulkResultsParams {
    /// `true` previews every row and saves nothing.
    pub dry_run: Option<String>,
}

/// One row of a results file, checked and matched with the batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResultRowJson {
    /// The row's number in the file, as the spreadsheet shows it.
    pub row: u32,
    /// The DNI as read (8 digits when it is one).
    pub dni: String,
    /// `aprobado` or `rechazado`; null when the row says neither.
    pub result: Option<String>,
    /// When approved: the DCDelivery date read (`YYYY-MM-DD`).
    pub delivery_sent_on: Option<String>,
    /// When rejected: RENIEC's reason.
    pub reason: Option<String>,
    /// `listo` (will be recorded), `sin_resultado` (left out), `no_coincide` (no applicant
    /// of the batch has this DNI) or `con_errores`.
    pub state: String,
    /// Whether an applicant of the batch has this DNI.
    pub matched: bool,
    pub applicant_id: Option<String>,
    pub ticket_id: Option<String>,
    pub ticket_number: Option<String>,
    pub full_name: Option<String>,
    /// What is wrong with the row, in Spanish.
    pub errors: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResultCountsJson {
    pub rows: usize,
    pub ready: usize,
    pub approved: usize,
    pub rejected: usize,
    pub skipped: usize,
    pub unmatched: usize,
    pub invalid: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResultsJson {
    pub batch_id: String,
    pub dry_run: bool,
    /// Whether the rows were recorded (never in a dry run).
    pub applied: bool,
    /// Whether applying these rows would record them all.
    pub can_apply: bool,
    pub counts: BulkResultCountsJson,
    pub rows: Vec<BulkResultRowJson>,
}

fn bulk_json(preview: bulk_results::Preview, dry_run: bool) -> BulkResultsJson {
    let c = preview.counts();
    BulkResultsJson {
        batch_id: preview.batch.id.to_string(),
        dry_run,
        applied: !dry_run,
        can_apply: preview.can_apply(),
        counts: BulkResultCountsJson {
            rows: c.rows,
            ready: c.ready,
            approved: c.approved,
            rejected: c.rejected,
            skipped: c.skipped,
            unmatched: c.unmatched,
            invalid: c.invalid,
        },
        rows: preview
            .rows
            .into_iter()
            .map(|r| {
                let checked = &r.checked;
                BulkResultRowJson {
                    row: checked.entry.line,
                    dni: checked
                        .dni
                        .as_ref()
                        .map_or_else(|| checked.entry.dni.clone(), |d| d.to_string()),
                    result: checked.verdict.map(|v| v.as_str().to_owned()),
                    delivery_sent_on: checked.delivery_sent_on.map(|d| d.to_string()),
                    reason: checked.reason.clone(),
                    state: r.state.as_str().to_owned(),
                    matched: r.matched.is_some(),
                    applicant_id: r.matched.as_ref().map(|i| i.applicant_id.to_string()),
                    ticket_id: r.matched.as_ref().map(|i| i.ticket_id.to_string()),
                    ticket_number: r.matched.as_ref().map(|i| i.ticket_number.to_string()),
                    full_name: r.matched.as_ref().map(|i| i.full_name.clone()),
                    errors: r.errors,
                }
            })
            .collect(),
    }
}

/// Record RENIEC's results for a whole batch from a file (multipart file `results`, CSV or
/// XLSX; columns DNI, Resultado, Fecha del correo de DCDelivery, Motivo del rechazo). With
/// `?dry_run=true` every row is previewed and nothing is saved; otherwise every row is
/// recorded in one transaction, or none (422 with every failing row, keyed `results[<row>]`).
#[utoipa::path(post, path = "/api/v1/batches/{id}/results", tag = "análisis", security(("bearer" = [])),
    params(("id" = String, Path), BulkResultsParams),
    request_body(content_type = "multipart/form-data", description = "file results (CSV or XLSX)"),
    responses((status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 200, body = BulkResultsJson), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn bulk_results(
    State(state): State<WebState>,
    ApiUser(user): ApiUser,
    Id(id): Id<BatchId>,
    ApiQuery(params): ApiQuery<BulkResultsParams>,
    form: MultipartForm,
) -> ApiResult<Response> {
    let dry_run = match params.dry_run.as_deref().map(str::trim) {
        None | Some("" | "false" | "0") => false,
        Some("true" | "1") => true,
        Some(_) => {
            return Err(AppError::field("dry_run", "Use dry_run=true o dry_run=false.").into())
        }
    };
    let upload = form.files.get(bulk_results::FILE_FIELD);
    let (_, preview) = bulk_results::upload(&state.app, &user, id, upload, dry_run).await?;
    let mut response = Json(bulk_json(preview, dry_run)).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}
