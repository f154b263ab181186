//! The requester side of tickets (SPEC "Tickets", "Applicants", "Payment receipts"): open a
//! ticket, register receipts, then applicants with their photo and signature, submit,
//! withdraw. Requesters see only their own tickets; analysts and admins see all. Anything a
//! person may not see answers `NotFound`, never `Forbidden`, so ids leak nothing.

use anyhow::Context;
use domain::{
    applicant::{ApplicantContext, ApplicantInput},
    identity::Dni,
    ids::{ApplicantId, CertificateId, PaymentId, TicketId, TicketNumber},
    payment::{PaymentInput, OPERATION_NUMBER_REUSED},
    schedule,
    ticket::{Action, Event, Kind, Reason, Status},
    validation::FieldErrors,
};
use jiff::Timestamp;
use tokio::sync::Semaphore;

use super::{
    history, settings,
    transition::{act, visible_ticket},
    App, AppError, AppResult,
};
use crate::{
    images::{self, CheckedImage, ImagePurpose, ImageRejection},
    store::{
        applicants::{self, Applicant, NewApplicant},
        certificates::{self, Certificate},
        payments::{self, Payment},
        tickets::{self, HistoryEntry, NewTicket, QueueCursor, Ticket},
        users::User,
        Conn, StoreError,
    },
};

/// A file as uploaded.
#[derive(Debug, Clone, Default)]
pub struct Upload {
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
}

/// A ticket with everything its pages and its JSON show, read in one snapshot.
#[derive(Debug, Clone)]
pub struct TicketView {
    pub ticket: Ticket,
    pub applicants: Vec<Applicant>,
    pub payments: Vec<Payment>,
    pub history: Vec<HistoryEntry>,
    /// The certificate an instalacion or cancelacion names, when the viewer may see it.
    pub certificate: Option<Certificate>,
    /// 1-based place in the analysts' queue while the ticket waits in it.
    pub queue_position: Option<i64>,
}

impl TicketView {
    /// Receipts of this ticket not yet linked to an applicant (offered in the applicant form).
    pub fn unused_payments(&self) -> impl Iterator<Item = &Payment> {
        self.payments.iter().filter(|p| p.applicant_id.is_none())
    }

    /// The last history line of `event`, if any (the observation being answered, …).
    pub fn last(&self, event: Event) -> Option<&HistoryEntry> {
        self.history.iter().rev().find(|e| e.event == event)
    }
}

/// Which tickets a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The actor's own.
    Own,
    /// Everyone's (analysts and admins only).
    All,
}

/// Loads a ticket the actor may edit: their own, in borrador or observado.
async fn editable_ticket(conn: &mut Conn, actor: &User, id: TicketId) -> AppResult<Ticket> {
    let ticket = visible_ticket(conn, actor, id).await?;
    if ticket.requester_id != actor.id {
        return Err(AppError::Forbidden);
    }
    if !ticket.status.is_editable() {
        return Err(AppError::Conflict(format!(
            "El ticket {} está «{}»: ya no se puede modificar.",
            ticket.number,
            ticket.status.label()
        )));
    }
    Ok(ticket)
}

/// Records an edit of a borrador/observado ticket (receipts, applicants) in its history and
/// marks it updated; the status does not change.
async fn record_edit(
    app: &App,
    conn: &mut Conn,
    ticket: &Ticket,
    actor: &User,
    event: Event,
    note: &str,
    now: Timestamp,
) -> AppResult<()> {
    history::record(
        app,
        conn,
        &[history::Line {
            ticket_id: ticket.id,
            actor_id: Some(actor.id),
            event,
            from_status: None,
            to_status: ticket.status,
            comment: Some(note),
            applicant_id: None,
        }],
        now,
    )
    .await?;
    tickets::touch(conn, ticket.id, now).await?;
    Ok(())
}

/// Opens a ticket in borrador. Instalación and cancelación name one of the actor's
/// certificates, in a state their kind accepts.
pub async fn open(
    app: &App,
    actor: &User,
    kind: &str,
    reason: Option<&str>,
    certificate_id: Option<&str>,
) -> AppResult<TicketView> {
    let mut errors = FieldErrors::new();
    let kind = errors.check("kind", kind.parse::<Kind>());
    let reason = kind.and_then(|k| errors.check("reason", Reason::parse(k, reason)));
    let certificate_id = certificate_id.map(str::trim).filter(|c| !c.is_empty());
    let mut certificate = None;
    if let Some(kind) = kind.filter(Kind::names_certificate) {
        let mut conn = app.store.conn().await?;
        match certificate_id {
            None => errors.add(
                "certificate_id",
                "Elija el certificado al que se refiere la solicitud.",
            ),
            Some(raw) => match own_certificate(&mut conn, actor, raw).await? {
                None => errors.add("certificate_id", "Elija uno de sus certificados."),
                Some(c) if !kind.accepts_certificate_in(c.state) => errors.add(
                    "certificate_id",
                    format!(
                        "Ese certificado está «{}»: no corresponde a un trámite de {}.",
                        c.state.label(),
                        kind.label().to_lowercase()
                    ),
                ),
                Some(c) => certificate = Some(c.id),
            },
        }
    }
    let (Some(kind), Some(reason), true) = (kind, reason, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let now = app.now();
    let year = schedule::to_lima(now).year();
    let mut tx = app.store.begin().await?;
    let seq = tickets::next_seq(&mut tx, year).await?;
    let number = u32::try_from(seq)
        .ok()
        .and_then(|seq| TicketNumber::new(year, seq).ok())
        .ok_or_else(|| anyhow::anyhow!("ticket numbers of {year} exhausted at {seq}"))?;
    let id = tickets::insert(
        &mut tx,
        &NewTicket {
            number,
            kind,
            reason,
            requester_id: actor.id,
            certificate_id: certificate,
        },
        now,
    )
    .await?;
    history::record(
        app,
        &mut tx,
        &[history::Line {
            ticket_id: id,
            actor_id: Some(actor.id),
            event: Event::Created,
            from_status: None,
            to_status: Status::Borrador,
            comment: None,
            applicant_id: None,
        }],
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    tracing::info!(ticket = %number, kind = kind.as_str(), "ticket opened");
    view(app, actor, id).await
}

/// The actor's certificate with this id (typed by a person: anything else is None).
async fn own_certificate(
    conn: &mut Conn,
    actor: &User,
    raw: &str,
) -> AppResult<Option<Certificate>> {
    let Ok(id) = raw.parse::<CertificateId>() else {
        return Ok(None);
    };
    match certificates::by_id(conn, id).await {
        Ok(c) if c.owner_id == actor.id => Ok(Some(c)),
        Ok(_) | Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Everything shown about a ticket, inside the caller's (read) transaction.
pub(crate) async fn view_in(conn: &mut Conn, actor: &User, id: TicketId) -> AppResult<TicketView> {
    let ticket = visible_ticket(conn, actor, id).await?;
    let certificate = match ticket.certificate_id {
        Some(cert) => match certificates::by_id(conn, cert).await {
            Ok(c) if c.owner_id == actor.id || actor.role.is_analyst() => Some(c),
            Ok(_) | Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let queue_position = if ticket.status.is_in_queue() {
        Some(tickets::queue_position(conn, QueueCursor::after(&ticket)).await?)
    } else {
        None
    };
    Ok(TicketView {
        applicants: applicants::for_ticket(conn, ticket.id).await?,
        payments: payments::for_ticket(conn, ticket.id).await?,
        history: tickets::history(conn, ticket.id).await?,
        certificate,
        queue_position,
        ticket,
    })
}

/// The ticket with its applicants, receipts, history and certificate, in one snapshot.
pub async fn view(app: &App, actor: &User, id: TicketId) -> AppResult<TicketView> {
    let mut tx = app.store.read().await?;
    view_in(&mut tx, actor, id).await
}

/// Newest first.
pub async fn list(
    app: &App,
    actor: &User,
    scope: Scope,
    before: Option<TicketId>,
    limit: i64,
) -> AppResult<Vec<Ticket>> {
    let requester = match scope {
        Scope::All if actor.role.is_analyst() => None,
        Scope::Own | Scope::All => Some(actor.id),
    };
    let mut conn = app.store.conn().await?;
    Ok(tickets::list(&mut conn, requester, before, limit).await?)
}

/// What a receipt file may be, sniffed from its bytes.
fn receipt_mime(bytes: &[u8]) -> Result<&'static str, String> {
    if bytes.is_empty() {
        return Err("Adjunte la constancia de pago (foto, escaneo o PDF).".into());
    }
    if bytes.len() > images::MAX_UPLOAD_BYTES {
        return Err(format!(
            "El archivo pesa más de {} MB. Redúzcalo e intente de nuevo.",
            images::MAX_UPLOAD_BYTES / (1024 * 1024)
        ));
    }
    match infer::get(bytes).map(|t| t.mime_type()) {
        // A receipt is a document kept as sent: its type is checked, its pixels are not.
        Some(mime @ ("application/pdf" | "image/jpeg" | "image/png")) => Ok(mime),
        _ => Err("La constancia debe ser una imagen JPEG o PNG, o un PDF (según su contenido, no su nombre).".into()),
    }
}

/// Registers a receipt on the ticket (before the applicant it pays for).
pub async fn add_payment(
    app: &App,
    actor: &User,
    ticket_id: TicketId,
    input: &PaymentInput,
    receipt: Option<&Upload>,
) -> AppResult<Payment> {
    let mut conn = app.store.conn().await?;
    let ticket = editable_ticket(&mut conn, actor, ticket_id).await?;
    if !ticket.reason.requires_payment() {
        return Err(AppError::Conflict(format!(
            "El motivo «{}» no requiere constancia de pago.",
            ticket.reason.text()
        )));
    }
    let rules = settings::load_in(&mut conn).await?.payment;
    let mut errors = FieldErrors::new();
    let valid = errors.absorb(input.validate(&rules, app.today()));
    let mime = errors.check(
        "receipt",
        receipt_mime(receipt.map(|r| r.bytes.as_slice()).unwrap_or_default()),
    );
    if let Some(valid) = &valid {
        if payments::ticket_with_operation(&mut conn, &valid.operation_number)
            .await?
            .is_some()
        {
            errors.add("operation_number", OPERATION_NUMBER_REUSED);
        }
    }
    drop(conn);
    let (Some(valid), Some(mime), Some(receipt), true) = (valid, mime, receipt, errors.is_empty())
    else {
        return Err(AppError::Validation(errors));
    };
    let sha256 = app
        .blobs
        .put(&receipt.bytes)
        .await
        .context("storing a receipt")?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let ticket = editable_ticket(&mut tx, actor, ticket_id).await?;
    let id = payments::insert(&mut tx, ticket.id, &valid, &sha256, mime, now)
        .await
        .map_err(|e| {
            if e.on_constraint(payments::OPERATION_NUMBER_UNIQUE) {
                AppError::field("operation_number", OPERATION_NUMBER_REUSED)
            } else {
                e.into()
            }
        })?;
    let note = format!("Constancia de pago N° {}", valid.operation_number);
    record_edit(
        app,
        &mut tx,
        &ticket,
        actor,
        Event::PaymentAdded,
        &note,
        now,
    )
    .await?;
    let payment = payments::by_id(&mut tx, id).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(payment)
}

/// Removes a receipt not linked to any applicant.
pub async fn remove_payment(
    app: &App,
    actor: &User,
    ticket_id: TicketId,
    payment_id: PaymentId,
) -> AppResult<()> {
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let ticket = editable_ticket(&mut tx, actor, ticket_id).await?;
    let payment = payments::by_id(&mut tx, payment_id).await?;
    if payment.ticket_id != ticket.id {
        return Err(AppError::NotFound);
    }
    if payment.applicant_id.is_some() {
        return Err(AppError::Conflict(
            "Esta constancia está enlazada a un solicitante: quite primero al solicitante.".into(),
        ));
    }
    payments::delete(&mut tx, payment.id).await?;
    let note = format!("Se quitó la constancia N° {}", payment.operation_number);
    record_edit(
        app,
        &mut tx,
        &ticket,
        actor,
        Event::PaymentRemoved,
        &note,
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// The verdicts on an applicant's photo and signature (None: no file was sent).
#[derive(Debug, Clone, Default)]
pub struct ImageUploads {
    pub photo: Option<Result<CheckedImage, ImageRejection>>,
    pub signature: Option<Result<CheckedImage, ImageRejection>>,
}

/// At most two image checks run at once: each is CPU-bound (about 140 ms for a 12 MP
/// photo) and can hold up to ~150 MB while it decodes, on a 2-core machine.
static IMAGE_CHECKS: Semaphore = Semaphore::const_new(2);

/// Checks one upload off the async runtime.
pub async fn check_image(
    purpose: ImagePurpose,
    upload: Option<&Upload>,
) -> AppResult<Option<Result<CheckedImage, ImageRejection>>> {
    let Some(upload) = upload.filter(|u| !u.bytes.is_empty()) else {
        return Ok(None);
    };
    let _permit = IMAGE_CHECKS
        .acquire()
        .await
        .context("image check permits")?;
    let bytes = upload.bytes.clone();
    let verdict = tokio::task::spawn_blocking(move || images::check(purpose, &bytes))
        .await
        .context("image check task")?;
    Ok(Some(verdict))
}

/// Checks an applicant's photo and signature (the applicant form, before `add_applicant`).
pub async fn check_images(
    photo: Option<&Upload>,
    signature: Option<&Upload>,
) -> AppResult<ImageUploads> {
    Ok(ImageUploads {
        photo: check_image(ImagePurpose::Photo, photo).await?,
        signature: check_image(ImagePurpose::Signature, signature).await?,
    })
}

/// The stored form of a checked image, or what is wrong with it on `field`.
fn usable_image<'a>(
    errors: &mut FieldErrors,
    field: &str,
    purpose: ImagePurpose,
    verdict: Option<&'a Result<CheckedImage, ImageRejection>>,
) -> Option<&'a CheckedImage> {
    match verdict {
        None => {
            errors.add(
                field,
                match purpose {
                    ImagePurpose::Photo => "Adjunte la foto del solicitante.",
                    ImagePurpose::Signature => "Adjunte la foto de la firma del solicitante.",
                },
            );
            None
        }
        Some(Err(rejection)) => {
            errors.add(field, rejection.0.clone());
            None
        }
        Some(Ok(checked)) if checked.passed() => Some(checked),
        Some(Ok(checked)) => {
            for problem in checked.problems() {
                errors.add(field, problem.message.clone());
            }
            None
        }
    }
}

/// Registers an applicant with their photo and signature. Every failing field is reported
/// at once; nothing is stored unless all pass.
pub async fn add_applicant(
    app: &App,
    actor: &User,
    ticket_id: TicketId,
    input: &ApplicantInput,
    images: &ImageUploads,
) -> AppResult<Applicant> {
    let mut conn = app.store.conn().await?;
    let ticket = editable_ticket(&mut conn, actor, ticket_id).await?;
    if !ticket.kind.has_applicants() {
        return Err(AppError::Conflict(format!(
            "Un ticket de {} no lleva solicitantes.",
            ticket.kind.label()
        )));
    }
    let mut errors = FieldErrors::new();
    let settings = settings::load_in(&mut conn).await?;
    let mut taken: Vec<Dni> = applicants::for_ticket(&mut conn, ticket.id)
        .await?
        .into_iter()
        .map(|a| a.dni)
        .collect();
    if let Ok(dni) = Dni::parse(&input.dni) {
        taken.extend(
            tickets::dnis_in_other_open_tickets(&mut conn, ticket.kind, ticket.id, &[dni]).await?,
        );
    }
    let ctx = ApplicantContext {
        reason: ticket.reason,
        allowed_domains: &settings.institutional_domains,
        today: app.today(),
        taken_dnis: &taken,
    };
    let valid = errors.absorb(input.validate(&ctx));
    if let Some(payment_id) = valid.as_ref().and_then(|v| v.payment_id) {
        let usable = match payments::by_id(&mut conn, payment_id).await {
            Ok(p) => p.ticket_id == ticket.id && p.applicant_id.is_none(),
            Err(StoreError::NotFound) => false,
            Err(e) => return Err(e.into()),
        };
        if !usable {
            errors.add(
                "payment_id",
                "Esa constancia no es de este ticket o ya está enlazada a otro solicitante.",
            );
        }
    }
    drop(conn);
    let photo = usable_image(
        &mut errors,
        "photo",
        ImagePurpose::Photo,
        images.photo.as_ref(),
    );
    let signature = usable_image(
        &mut errors,
        "signature",
        ImagePurpose::Signature,
        images.signature.as_ref(),
    );
    let (Some(valid), Some(photo), Some(signature), true) =
        (valid, photo, signature, errors.is_empty())
    else {
        return Err(AppError::Validation(errors));
    };
    let photo_sha256 = app
        .blobs
        .put(&photo.bytes)
        .await
        .context("storing a photo")?;
    let signature_sha256 = app
        .blobs
        .put(&signature.bytes)
        .await
        .context("storing a signature")?;
    let check = input
        .dni_check_digit
        .as_deref()
        .map(|c| c.trim().to_uppercase())
        .filter(|c| !c.is_empty());
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let ticket = editable_ticket(&mut tx, actor, ticket_id).await?;
    let id = applicants::insert(
        &mut tx,
        &NewApplicant {
            ticket_id: ticket.id,
            valid: &valid,
            dni_check_digit: check.as_deref(),
            photo_sha256: &photo_sha256,
            signature_sha256: &signature_sha256,
        },
        now,
    )
    .await
    .map_err(|e| {
        if e.on_constraint(applicants::RECEIPT_ONCE) {
            AppError::field(
                "payment_id",
                "Esa constancia ya está enlazada a otro solicitante.",
            )
        } else if e.on_constraint(applicants::DNI_ONCE_PER_TICKET) {
            AppError::field("dni", "Ese DNI ya figura en este ticket.")
        } else {
            e.into()
        }
    })?;
    let note = format!("Solicitante: {}", valid.full_name());
    record_edit(
        app,
        &mut tx,
        &ticket,
        actor,
        Event::ApplicantAdded,
        &note,
        now,
    )
    .await?;
    let applicant = applicants::by_id(&mut tx, id).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(applicant)
}

/// Removes an applicant from a ticket being written or corrected (its receipt is freed).
pub async fn remove_applicant(
    app: &App,
    actor: &User,
    ticket_id: TicketId,
    applicant_id: ApplicantId,
) -> AppResult<()> {
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let ticket = editable_ticket(&mut tx, actor, ticket_id).await?;
    let applicant = applicants::by_id(&mut tx, applicant_id).await?;
    if applicant.ticket_id != ticket.id {
        return Err(AppError::NotFound);
    }
    applicants::delete(&mut tx, applicant.id).await?;
    let note = format!("Se quitó al solicitante {}", applicant.full_name());
    record_edit(
        app,
        &mut tx,
        &ticket,
        actor,
        Event::ApplicantRemoved,
        &note,
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// A requester's move (submit, withdraw), through the one transition path.
async fn requester_action(
    app: &App,
    actor: &User,
    ticket_id: TicketId,
    action: Action,
    comment: Option<&str>,
) -> AppResult<TicketView> {
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let (ticket, to) = act(app, &mut tx, actor, ticket_id, action, comment, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    tracing::info!(ticket = %ticket.number, action = action.as_str(), to = to.as_str(), "ticket moved");
    view(app, actor, ticket.id).await
}

/// Sends the ticket to the queue. Its arrival time is this moment: a corrected ticket goes
/// to the back of the line.
pub async fn submit(app: &App, actor: &User, ticket_id: TicketId) -> AppResult<TicketView> {
    requester_action(app, actor, ticket_id, Action::Submit, None).await
}

/// Withdraws a borrador or enviado ticket.
pub async fn withdraw(
    app: &App,
    actor: &User,
    ticket_id: TicketId,
    comment: Option<&str>,
) -> AppResult<TicketView> {
    requester_action(app, actor, ticket_id, Action::Withdraw, comment).await
}

/// Which personal file of an applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicantFile {
    Photo,
    Signature,
}

/// A stored file with its content type, for someone allowed to see it.
pub struct FileContent {
    pub bytes: Vec<u8>,
    pub mime: String,
}

async fn read_blob(app: &App, sha256: &str) -> AppResult<Vec<u8>> {
    app.blobs
        .get(sha256)
        .await
        .context("reading a stored file")?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("stored file {sha256} is missing")))
}

/// An applicant's photo or signature: only for the ticket's requester, analysts and admins.
pub async fn applicant_file(
    app: &App,
    actor: &User,
    applicant_id: ApplicantId,
    which: ApplicantFile,
) -> AppResult<FileContent> {
    let mut conn = app.store.conn().await?;
    let applicant = applicants::by_id(&mut conn, applicant_id).await?;
    visible_ticket(&mut conn, actor, applicant.ticket_id).await?;
    drop(conn);
    let sha256 = match which {
        ApplicantFile::Photo => &applicant.photo_sha256,
        ApplicantFile::Signature => &applicant.signature_sha256,
    };
    let bytes = read_blob(app, sha256).await?;
    let mime = infer::get(&bytes)
        .map(|t| t.mime_type())
        .unwrap_or("application/octet-stream")
        .to_owned();
    Ok(FileContent { bytes, mime })
}

/// A receipt's file: only for the ticket's requester, analysts and admins.
pub async fn receipt_file(
    app: &App,
    actor: &User,
    payment_id: PaymentId,
) -> AppResult<FileContent> {
    let mut conn = app.store.conn().await?;
    let payment = payments::by_id(&mut conn, payment_id).await?;
    visible_ticket(&mut conn, actor, payment.ticket_id).await?;
    drop(conn);
    let bytes = read_blob(app, &payment.receipt_sha256).await?;
    Ok(FileContent {
        bytes,
        mime: payment.receipt_mime,
    })
}

/// Certificates: the actor's own, or everyone's for analysts with `Scope::All`.
pub async fn certificates(
    app: &App,
    actor: &User,
    scope: Scope,
    before: Option<CertificateId>,
    limit: i64,
) -> AppResult<Vec<Certificate>> {
    let owner = match scope {
        Scope::All if actor.role.is_analyst() => None,
        Scope::Own | Scope::All => Some(actor.id),
    };
    let mut conn = app.store.conn().await?;
    Ok(certificates::list(&mut conn, owner, before, limit).await?)
}

/// One certificate, for its owner, analysts and admins.
pub async fn certificate(app: &App, actor: &User, id: CertificateId) -> AppResult<Certificate> {
    let mut conn = app.store.conn().await?;
    let cert = certificates::by_id(&mut conn, id).await?;
    if cert.owner_id == actor.id || actor.role.is_analyst() {
        Ok(cert)
    } else {
        Err(AppError::NotFound)
    }
}
