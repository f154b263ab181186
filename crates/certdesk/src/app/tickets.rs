//! The requester side of tickets (SPEC "Tickets", "Applicants", "Payment receipts"): open a
//! ticket, register receipts, then applicants with their photo and signature, submit,
//! withdraw. Requesters see only their own tickets; analysts and admins see all. Anything a
//! person may not see answers `NotFound`, never `Forbidden`, so ids leak nothing.

use anyhow::Context;
use domain::{
    applicant::{
        parse_confirmation, ApplicantContext, ApplicantInput, ApplicantPatch, ValidApplicant,
        NO_GLASSES_REQUIRED,
    },
    identity::Dni,
    ids::{ApplicantId, CertificateId, PaymentId, TicketId, TicketNumber, UserId},
    payment::{PaymentInput, OPERATION_NUMBER_REUSED},
    phone::PhoneNumber,
    schedule,
    ticket::{Action, Event, Kind, Reason, Status},
    validation::FieldErrors,
};
use jiff::Timestamp;

use super::{
    audit::{self, AuditEvent},
    history, settings,
    transition::{act, visible_ticket},
    App, AppError, AppResult,
};
use crate::{
    images::{self, CheckedImage, ImagePurpose, ImageRejection},
    store::{
        applicants::{self, Applicant, ApplicantUpdate, NewApplicant},
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

impl Scope {
    /// Whose rows the actor gets: `None` for everyone's (an analyst or admin asking for
    /// all), else the actor's own.
    pub fn owner(self, actor: &User) -> Option<UserId> {
        match self {
            Scope::All if actor.role.is_analyst() => None,
            Scope::Own | Scope::All => Some(actor.id),
        }
    }
}

/// Loads a ticket the actor may edit: their own, in borrador or observado.
async fn editable_ticket(conn: &mut Conn, actor: &User, id: TicketId) -> AppResult<Ticket> {
    let ticket = visible_ticket(conn, actor, id).await?;
    if ticket.requester_id != actor.id {
        return Err(AppError::Forbidden);
    }
    if !ticket.status.is_editable() {
        return Err(AppError::Conflict(format!(
            "El trámite {} está «{}»: ya no se puede modificar.",
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
    open_with(
        app,
        actor,
        &Opening {
            kind,
            reason,
            certificate_id,
            contact_phone: None,
        },
    )
    .await
}

/// A new ticket as asked for (the wizard's first step, `POST /api/v1/tickets`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Opening<'a> {
    pub kind: &'a str,
    pub reason: Option<&'a str>,
    pub certificate_id: Option<&'a str>,
    /// Instalación only: the phone of the person whose certificate is installed.
    pub contact_phone: Option<&'a str>,
}

/// The contact phone of an instalación, checked; `None` when none was given.
fn contact_phone(
    errors: &mut FieldErrors,
    kind: Option<Kind>,
    raw: Option<&str>,
) -> Option<String> {
    let raw = raw.map(str::trim).filter(|p| !p.is_empty())?;
    match kind {
        Some(Kind::Instalacion) => errors
            .check("contact_phone", PhoneNumber::parse(raw))
            .map(|p| p.as_str().to_owned()),
        Some(_) => {
            errors.add(
                "contact_phone",
                "El teléfono de contacto solo se indica en un trámite de instalación.",
            );
            None
        }
        None => None,
    }
}

/// [`open`], with everything the first step may carry.
pub async fn open_with(app: &App, actor: &User, opening: &Opening<'_>) -> AppResult<TicketView> {
    let Opening {
        kind,
        reason,
        certificate_id,
        contact_phone: phone,
    } = *opening;
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
    let phone = contact_phone(&mut errors, kind, phone);
    let (Some(kind), Some(reason), true) = (kind, reason, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let id = insert_ticket(app, actor, kind, reason, certificate, phone, None).await?;
    view(app, actor, id).await
}

/// Writes a new borrador ticket and its first history line, in a transaction of its own.
async fn insert_ticket(
    app: &App,
    actor: &User,
    kind: Kind,
    reason: Reason,
    certificate: Option<CertificateId>,
    contact_phone: Option<String>,
    renews: Option<&Certificate>,
) -> AppResult<TicketId> {
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
            contact_phone,
            renews_certificate_id: renews.map(|c| c.id),
        },
        now,
    )
    .await?;
    if let Some(c) = renews {
        // Read again inside the write transaction: two clicks make one renewal.
        if !tickets::open_renewals(&mut tx, c.id, &c.dni)
            .await?
            .iter()
            .all(|t| t.id == id)
        {
            return Err(AppError::Conflict(
                "Ya hay un trámite de renovación abierto para este certificado.".into(),
            ));
        }
    }
    let note = renews.map(|c| {
        format!(
            "Renovación del certificado de {}{}",
            c.holder_name,
            c.expires_on
                .map(|e| format!(", que caduca el {}", schedule::format_date(e)))
                .unwrap_or_default()
        )
    });
    history::record(
        app,
        &mut tx,
        &[history::Line {
            ticket_id: id,
            actor_id: Some(actor.id),
            event: Event::Created,
            from_status: None,
            to_status: Status::Borrador,
            comment: note.as_deref(),
            applicant_id: None,
        }],
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    tracing::info!(ticket = %number, kind = kind.as_str(), "ticket opened");
    Ok(id)
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
    let requester = scope.owner(actor);
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
    let bytes = receipt.map(|r| r.bytes.as_slice()).unwrap_or_default();
    // Stored without its metadata (a phone photo's GPS position, camera, editor notes).
    let cleaned = errors.check(
        "receipt",
        receipt_mime(bytes).and_then(|mime| {
            images::strip_receipt_metadata(bytes, mime)
                .map(|clean| (mime, clean))
                .map_err(|e| e.0)
        }),
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
    let (Some(valid), Some((mime, receipt)), true) = (valid, cleaned, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let sha256 = app.blobs.put(&receipt).await.context("storing a receipt")?;
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
    /// A new photo needs "sin lentes" ticked (the pages' checklist). The API records the
    /// confirmation as sent and does not require it, so existing clients keep working; the
    /// analyst sees whether it was given.
    pub require_no_glasses: bool,
}

impl ImageUploads {
    /// The same uploads, with "sin lentes" required for a new photo.
    pub fn requiring_no_glasses(self) -> Self {
        Self {
            require_no_glasses: true,
            ..self
        }
    }

    /// A photo is sent but "sin lentes" is not confirmed where it must be.
    fn lacks_no_glasses(&self, confirmation: Option<&str>) -> bool {
        self.require_no_glasses
            && self.photo.is_some()
            && !parse_confirmation(confirmation).unwrap_or(false)
    }
}

/// At most two image checks run at once, on two threads of their own (`workers`): each is
/// CPU-bound (about 140 ms for a 12 MP photo) and can hold up to ~150 MB while it decodes.
static IMAGE_THREADS: super::workers::Workers = super::workers::Workers::new("images", 2);

/// Checks one upload off the async runtime, with the thresholds in force (a setting).
pub async fn check_image(
    app: &App,
    purpose: ImagePurpose,
    upload: Option<&Upload>,
) -> AppResult<Option<Result<CheckedImage, ImageRejection>>> {
    let Some(upload) = upload.filter(|u| !u.bytes.is_empty()) else {
        return Ok(None);
    };
    let thresholds = settings::load(app).await?.images;
    let bytes = upload.bytes.clone();
    let verdict = IMAGE_THREADS
        .run(move || images::check_with(purpose, &bytes, &thresholds))
        .await
        .context("the image check failed")?;
    Ok(Some(verdict))
}

/// Checks an applicant's photo and signature (the applicant form, before `add_applicant`).
pub async fn check_images(
    app: &App,
    photo: Option<&Upload>,
    signature: Option<&Upload>,
) -> AppResult<ImageUploads> {
    Ok(ImageUploads {
        photo: check_image(app, ImagePurpose::Photo, photo).await?,
        signature: check_image(app, ImagePurpose::Signature, signature).await?,
        require_no_glasses: false,
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

/// Checks an applicant's fields against their ticket, adding every failure to `errors`: the
/// DNI may not be on the ticket already nor in another open ticket of the same kind, and the
/// receipt must be this ticket's and still free. `editing` is the applicant being corrected,
/// whose own DNI and receipt do not count as taken.
async fn check_applicant(
    app: &App,
    conn: &mut Conn,
    ticket: &Ticket,
    input: &ApplicantInput,
    editing: Option<&Applicant>,
    errors: &mut FieldErrors,
) -> AppResult<Option<ValidApplicant>> {
    let settings = settings::load_in(conn).await?;
    let mut taken: Vec<Dni> = applicants::for_ticket(conn, ticket.id)
        .await?
        .into_iter()
        .filter(|a| editing.is_none_or(|e| a.id != e.id))
        .map(|a| a.dni)
        .collect();
    if let Ok(dni) = Dni::parse(&input.dni) {
        taken.extend(
            tickets::dnis_in_other_open_tickets(conn, ticket.kind, ticket.id, &[dni]).await?,
        );
    }
    let ctx = ApplicantContext {
        reason: ticket.reason,
        allowed_domains: &settings.institutional_domains,
        today: app.today(),
        taken_dnis: &taken,
    };
    let valid = errors.absorb(input.validate(&ctx));
    if let Some(payment_id) = valid
        .as_ref()
        .and_then(|v| v.payment_id)
        .filter(|p| editing.is_none_or(|e| e.payment_id != Some(*p)))
    {
        let usable = match payments::by_id(conn, payment_id).await {
            Ok(p) => p.ticket_id == ticket.id && p.applicant_id.is_none(),
            Err(StoreError::NotFound) => false,
            Err(e) => return Err(e.into()),
        };
        if !usable {
            errors.add(
                "payment_id",
                "Esa constancia no es de este trámite o ya está enlazada a otro solicitante.",
            );
        }
    }
    Ok(valid)
}

/// The DNI's check digit as stored: trimmed, upper case, `None` when not given.
fn check_digit(input: &ApplicantInput) -> Option<String> {
    input
        .dni_check_digit
        .as_deref()
        .map(|c| c.trim().to_uppercase())
        .filter(|c| !c.is_empty())
}

/// What a failed applicant insert or update means to the person: a receipt or DNI already
/// taken names its field.
fn applicant_write_error(e: StoreError) -> AppError {
    if e.on_constraint(applicants::RECEIPT_ONCE) {
        AppError::field(
            "payment_id",
            "Esa constancia ya está enlazada a otro solicitante.",
        )
    } else if e.on_constraint(applicants::DNI_ONCE_PER_TICKET) {
        AppError::field("dni", "Ese DNI ya figura en este trámite.")
    } else {
        e.into()
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
            "Un trámite de {} no lleva solicitantes.",
            ticket.kind.label()
        )));
    }
    let mut errors = FieldErrors::new();
    let valid = check_applicant(app, &mut conn, &ticket, input, None, &mut errors).await?;
    drop(conn);
    if images.lacks_no_glasses(input.no_glasses_confirmed.as_deref()) {
        errors.add("no_glasses_confirmed", NO_GLASSES_REQUIRED);
    }
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
    crate::fault::point("files.before_commit");
    let check = check_digit(input);
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
    .map_err(applicant_write_error)?;
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

/// An applicant as its form is typed, from what is stored (the base of a correction).
pub fn input_of(a: &Applicant) -> ApplicantInput {
    ApplicantInput {
        paternal_surname: a.paternal_surname.clone(),
        maternal_surname: a.maternal_surname.clone().unwrap_or_default(),
        given_names: a.given_names.clone(),
        dni: a.dni.to_string(),
        dni_check_digit: a.dni_check_digit.clone(),
        dni_issued_on: a.dni_issued_on.to_string(),
        email: a.email.clone(),
        position: a.position.clone(),
        unit: a.unit.clone(),
        payment_id: a.payment_id.map(|p| p.to_string()),
        current_expires_on: a.current_expires_on.map(|d| d.to_string()),
        no_glasses_confirmed: Some(a.no_glasses_confirmed.to_string()),
    }
}

/// What a correction changed, in words for the history (`correo, foto`).
fn changes(
    before: &Applicant,
    after: &ValidApplicant,
    check: Option<&str>,
    photo: bool,
    signature: bool,
) -> Vec<&'static str> {
    let mut changed = Vec::new();
    let mut note = |differs: bool, what: &'static str| {
        if differs {
            changed.push(what);
        }
    };
    note(before.full_name() != after.full_name(), "nombre");
    note(
        before.dni != after.dni || before.dni_check_digit.as_deref() != check,
        "DNI",
    );
    note(
        before.dni_issued_on != after.dni_issued_on,
        "fecha de emisión del DNI",
    );
    note(before.email != after.email.as_str(), "correo");
    note(before.position != after.position, "cargo");
    note(before.unit != after.unit, "unidad orgánica");
    note(before.payment_id != after.payment_id, "constancia de pago");
    note(
        before.current_expires_on != after.current_expires_on,
        "caducidad del certificado actual",
    );
    note(photo, "foto");
    note(signature, "firma");
    note(
        !photo && before.no_glasses_confirmed != after.no_glasses_confirmed,
        "confirmación «sin lentes»",
    );
    changed
}

/// The stored form of a replacement image, if one was sent; what is wrong with it on
/// `field` otherwise. `Ok(None)`: nothing sent, the stored image stays.
fn replacement<'a>(
    errors: &mut FieldErrors,
    field: &str,
    purpose: ImagePurpose,
    verdict: Option<&'a Result<CheckedImage, ImageRejection>>,
) -> Result<Option<&'a CheckedImage>, ()> {
    match verdict {
        None => Ok(None),
        Some(v) => usable_image(errors, field, purpose, Some(v))
            .map(Some)
            .ok_or(()),
    }
}

/// Corrects an applicant in place, on a ticket being written or corrected: any of its
/// fields, and a new photo or signature (or both); what is not sent stays as it was. Every
/// failing field is reported at once and nothing is stored unless all pass. A new photo
/// drops an earlier "sin lentes" confirmation unless it is confirmed again with it.
pub async fn update_applicant(
    app: &App,
    actor: &User,
    applicant_id: ApplicantId,
    patch: &ApplicantPatch,
    images: &ImageUploads,
) -> AppResult<Applicant> {
    let mut conn = app.store.conn().await?;
    let stored = applicants::by_id(&mut conn, applicant_id).await?;
    let ticket = editable_ticket(&mut conn, actor, stored.ticket_id).await?;
    let mut patch = patch.clone();
    if images.photo.is_some() && patch.no_glasses_confirmed.is_none() {
        patch.no_glasses_confirmed = Some(String::new());
    }
    let input = patch.apply(input_of(&stored));
    let mut errors = FieldErrors::new();
    let valid =
        check_applicant(app, &mut conn, &ticket, &input, Some(&stored), &mut errors).await?;
    drop(conn);
    if images.lacks_no_glasses(input.no_glasses_confirmed.as_deref()) {
        errors.add("no_glasses_confirmed", NO_GLASSES_REQUIRED);
    }
    let photo = replacement(
        &mut errors,
        "photo",
        ImagePurpose::Photo,
        images.photo.as_ref(),
    );
    let signature = replacement(
        &mut errors,
        "signature",
        ImagePurpose::Signature,
        images.signature.as_ref(),
    );
    let (Some(valid), Ok(photo), Ok(signature), true) =
        (valid, photo, signature, errors.is_empty())
    else {
        return Err(AppError::Validation(errors));
    };
    let photo_sha256 = match photo {
        Some(p) => app.blobs.put(&p.bytes).await.context("storing a photo")?,
        None => stored.photo_sha256.clone(),
    };
    let signature_sha256 = match signature {
        Some(s) => app
            .blobs
            .put(&s.bytes)
            .await
            .context("storing a signature")?,
        None => stored.signature_sha256.clone(),
    };
    let check = check_digit(&input);
    let changed = changes(
        &stored,
        &valid,
        check.as_deref(),
        photo.is_some(),
        signature.is_some(),
    );
    if changed.is_empty() {
        return Ok(stored);
    }
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let ticket = editable_ticket(&mut tx, actor, ticket.id).await?;
    applicants::update(
        &mut tx,
        stored.id,
        &ApplicantUpdate {
            valid: &valid,
            dni_check_digit: check.as_deref(),
            photo_sha256: &photo_sha256,
            signature_sha256: &signature_sha256,
        },
    )
    .await
    .map_err(|e| {
        if matches!(e, StoreError::NotFound) {
            AppError::Conflict("El solicitante cambió mientras tanto. Vuelva a cargarlo.".into())
        } else {
            applicant_write_error(e)
        }
    })?;
    let note = format!(
        "Se corrigió a {}: {}",
        valid.full_name(),
        changed.join(", ")
    );
    record_edit(
        app,
        &mut tx,
        &ticket,
        actor,
        Event::ApplicantEdited,
        &note,
        now,
    )
    .await?;
    let applicant = applicants::by_id(&mut tx, stored.id).await?;
    tx.commit().await.map_err(StoreError::from)?;
    tracing::info!(ticket = %ticket.number, "applicant corrected");
    Ok(applicant)
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
    submit_with(app, actor, ticket_id, None).await
}

/// Longest answer to an observation.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// [`submit`], with the requester's comment: the answer to the observation of a corrected
/// ticket, written on the submission's history line (the analyst who observed it reads it
/// there and in the "corrected" notice).
pub async fn submit_with(
    app: &App,
    actor: &User,
    ticket_id: TicketId,
    comment: Option<&str>,
) -> AppResult<TicketView> {
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
        return Err(AppError::field(
            "comment",
            format!("Escriba como máximo {MAX_COMMENT_CHARS} caracteres."),
        ));
    }
    requester_action(app, actor, ticket_id, Action::Submit, comment).await
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
    /// How a browser should take it (`Content-Disposition`), when it matters.
    pub disposition: Option<Disposition>,
}

/// A file's `Content-Disposition`: shown inline or downloaded, under this name (ASCII).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disposition {
    pub attachment: bool,
    pub file_name: String,
}

async fn read_blob(app: &App, sha256: &str) -> AppResult<Vec<u8>> {
    app.blobs
        .get(sha256)
        .await
        .context("reading a stored file")?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("stored file {sha256} is missing")))
}

/// Keeps on record who saw a personal file of a ticket.
async fn audit_file_view(
    app: &App,
    actor: &User,
    ticket: &TicketId,
    detail: serde_json::Value,
) -> AppResult<()> {
    audit::record_now(
        app,
        audit::Entry::new(
            AuditEvent::PersonalFileViewed,
            Some(&actor.id),
            audit::ticket_subject(ticket),
        )
        .with_detail(detail),
    )
    .await
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
    let ticket = visible_ticket(&mut conn, actor, applicant.ticket_id).await?;
    drop(conn);
    if ticket.files_purged_at.is_some() {
        return Err(super::retention::purged());
    }
    let (sha256, file) = match which {
        ApplicantFile::Photo => (&applicant.photo_sha256, "photo"),
        ApplicantFile::Signature => (&applicant.signature_sha256, "signature"),
    };
    let bytes = read_blob(app, sha256).await?;
    audit_file_view(
        app,
        actor,
        &applicant.ticket_id,
        serde_json::json!({
            "file": file,
            "applicant": applicant_id.to_string(),
        }),
    )
    .await?;
    let mime = infer::get(&bytes)
        .map(|t| t.mime_type())
        .unwrap_or("application/octet-stream")
        .to_owned();
    Ok(FileContent {
        bytes,
        mime,
        disposition: None,
    })
}

/// A receipt's file: only for the ticket's requester, analysts and admins.
pub async fn receipt_file(
    app: &App,
    actor: &User,
    payment_id: PaymentId,
) -> AppResult<FileContent> {
    let mut conn = app.store.conn().await?;
    let payment = payments::by_id(&mut conn, payment_id).await?;
    let ticket = visible_ticket(&mut conn, actor, payment.ticket_id).await?;
    drop(conn);
    if ticket.files_purged_at.is_some() {
        return Err(super::retention::purged());
    }
    let stored = read_blob(app, &payment.receipt_sha256).await?;
    // Receipts stored before metadata was taken out on upload lose it on the way out.
    let bytes = images::strip_receipt_metadata(&stored, &payment.receipt_mime).unwrap_or(stored);
    audit_file_view(
        app,
        actor,
        &payment.ticket_id,
        serde_json::json!({
            "file": "receipt",
            "payment": payment_id.to_string(),
        }),
    )
    .await?;
    let extension = match payment.receipt_mime.as_str() {
        "application/pdf" => "pdf",
        "image/png" => "png",
        _ => "jpg",
    };
    let number: String = payment
        .operation_number
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    Ok(FileContent {
        bytes,
        // A PDF is downloaded, never shown inside the service's pages; images show inline.
        disposition: Some(Disposition {
            attachment: payment.receipt_mime == "application/pdf",
            file_name: format!("constancia-{number}.{extension}"),
        }),
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
    let owner = scope.owner(actor);
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

// ---------------------------------------------------------------------------------------
// Renewal from a certificate ("Solicitar renovación")

/// A certificate the actor may see: its owner's, or any for analysts and admins.
async fn visible_certificate(
    conn: &mut Conn,
    actor: &User,
    id: CertificateId,
) -> AppResult<Certificate> {
    let cert = certificates::by_id(conn, id).await?;
    if cert.owner_id == actor.id || actor.role.is_analyst() {
        Ok(cert)
    } else {
        Err(AppError::NotFound)
    }
}

/// What renewing a certificate would do: the certificate, why it cannot be renewed (if
/// so), and the renewals already open for it.
#[derive(Debug, Clone)]
pub struct RenewalOffer {
    pub certificate: Certificate,
    /// Why not, and what to ask for instead; `None` when it can be renewed.
    pub refusal: Option<&'static str>,
    /// Open renewals the actor may see (their own; any for analysts).
    pub open: Vec<Ticket>,
    /// Open renewals for the same person filed by someone else (not named).
    pub others_open: usize,
}

/// The renewal page's facts, in one snapshot (a read).
pub async fn renewal_offer(app: &App, actor: &User, id: CertificateId) -> AppResult<RenewalOffer> {
    let mut tx = app.store.read().await?;
    let certificate = visible_certificate(&mut tx, actor, id).await?;
    let all = tickets::open_renewals(&mut tx, certificate.id, &certificate.dni).await?;
    let (open, others): (Vec<Ticket>, Vec<Ticket>) = all
        .into_iter()
        .partition(|t| t.requester_id == actor.id || actor.role.is_analyst());
    Ok(RenewalOffer {
        refusal: certificate.state.renewal_refusal(),
        certificate,
        open,
        others_open: others.len(),
    })
}

/// Opens a reemisión a) (renewal) of the certificate, started from it: its applicant form
/// comes pre-filled ([`renewal_prefill`]). Refused (409) for a certificate that cannot be
/// renewed or already has an open renewal.
pub async fn renew(app: &App, actor: &User, id: CertificateId) -> AppResult<TicketId> {
    let offer = renewal_offer(app, actor, id).await?;
    if let Some(why) = offer.refusal {
        return Err(AppError::Conflict(why.to_owned()));
    }
    if !offer.open.is_empty() || offer.others_open > 0 {
        return Err(AppError::Conflict(
            "Ya hay un trámite de renovación abierto para este certificado.".into(),
        ));
    }
    let reason = Reason::parse(Kind::Reemision, Some("a"))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("the renewal reason: {e}")))?;
    let id = insert_ticket(
        app,
        actor,
        Kind::Reemision,
        reason,
        None,
        None,
        Some(&offer.certificate),
    )
    .await?;
    tracing::info!("renewal opened from a certificate");
    Ok(id)
}

/// `Paterno Materno, Nombres` → (paterno, materno, nombres), as well as it can be told.
fn split_holder_name(holder: &str) -> (String, String, String) {
    let (surnames, given) = holder.split_once(',').unwrap_or((holder, ""));
    let surnames = surnames.trim();
    let (paternal, maternal) = surnames.split_once(' ').unwrap_or((surnames, ""));
    (
        paternal.trim().to_owned(),
        maternal.trim().to_owned(),
        given.trim().to_owned(),
    )
}

/// The applicant form of a renewal started from a certificate, while it has no applicant
/// yet: the holder's names, DNI, e-mail, position, unit and the certificate's expiry. The
/// names and work data come from the applicant the certificate was issued for, or else the
/// newest applicant with that DNI among the tickets the actor may see; the DNI's issue date
/// is left for the person to copy from the DNI, which may have been renewed since.
pub async fn renewal_prefill(
    app: &App,
    actor: &User,
    view: &TicketView,
) -> AppResult<Option<ApplicantInput>> {
    let Some(cert_id) = view.ticket.renews_certificate_id else {
        return Ok(None);
    };
    if !view.applicants.is_empty() {
        return Ok(None);
    }
    let mut tx = app.store.read().await?;
    let cert = match visible_certificate(&mut tx, actor, cert_id).await {
        Ok(c) => c,
        Err(AppError::NotFound) => return Ok(None),
        Err(e) => return Err(e),
    };
    let issued_for = match cert.applicant_id {
        Some(a) => match applicants::by_id(&mut tx, a).await {
            Ok(a) => Some(a),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let source = match issued_for {
        Some(a) => Some(a),
        None => {
            let requester = (!actor.role.is_analyst()).then_some(actor.id);
            applicants::latest_for_dni(&mut tx, &cert.dni, requester).await?
        }
    };
    let (paternal, maternal, given) = match &source {
        Some(a) => (
            a.paternal_surname.clone(),
            a.maternal_surname.clone().unwrap_or_default(),
            a.given_names.clone(),
        ),
        None => split_holder_name(&cert.holder_name),
    };
    Ok(Some(ApplicantInput {
        paternal_surname: paternal,
        maternal_surname: maternal,
        given_names: given,
        dni: cert.dni.to_string(),
        email: source.as_ref().map(|a| a.email.clone()).unwrap_or_default(),
        position: source
            .as_ref()
            .map(|a| a.position.clone())
            .unwrap_or_default(),
        unit: source.as_ref().map(|a| a.unit.clone()).unwrap_or_default(),
        current_expires_on: cert.expires_on.map(|d| d.to_string()),
        ..ApplicantInput::default()
    }))
}

#[cfg(test)]
mod renewal_tests {
    use super::split_holder_name;

    #[test]
    fn a_holder_name_splits_into_surnames_and_given_names() {
        assert_eq!(
            split_holder_name("Cabrera Llanos, María"),
            ("Cabrera".into(), "Llanos".into(), "María".into())
        );
        assert_eq!(
            split_holder_name("Quispe, Rosa Elena"),
            ("Quispe".into(), String::new(), "Rosa Elena".into())
        );
    }
}
