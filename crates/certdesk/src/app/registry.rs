//! After RENIEC (SPEC "After RENIEC", "Certificate registry"): results per applicant,
//! installation and cancellation tickets, the certificate's public part, and the daily
//! move of certificates whose dates have passed.

use anyhow::Context;
use domain::{
    certificate::{self, CertificateFacts, CertificateState, Medium, Ownership},
    ids::{ApplicantId, CertificateId, TicketId, UserId},
    reniec, schedule,
    ticket::{Action, Event, Kind, TransitionError},
    validation::{parse_date, FieldErrors},
};
use jiff::{civil::Date, Timestamp};

use super::{
    audit::{self, AuditEvent},
    auth, history,
    review::commit_and_view,
    tickets::{Scope, TicketView, Upload},
    transition::{act, check, refused, try_act, visible_ticket},
    App, AppError, AppResult,
};
use crate::store::{
    applicants::{self, ReniecAnswer},
    certificates::{self, Certificate, CertificateFilter, CertificateUpdate, NewCertificate},
    tickets::{self as ticket_store, Appointment},
    users::{self, User},
    Conn, StoreError,
};

/// RENIEC's answer for one applicant.
#[derive(Debug, Clone)]
pub enum ReniecResult {
    /// Approved; the date RENIEC sent the DCDelivery e-mail (`YYYY-MM-DD`).
    Approved { delivery_sent_on: String },
    /// Rejected, with RENIEC's reason.
    Rejected { reason: String },
    /// The request said neither (the API's `approved` left out): refused on `approved`,
    /// like any other bad field, once the actor may record results at all.
    Unstated,
}

/// The answer `result` stands for, by the rules of `domain::reniec` (a real DCDelivery date
/// not after `today`, or a reason).
pub fn answer_of(result: &ReniecResult, today: Date) -> AppResult<ReniecAnswer> {
    let answer = match result {
        ReniecResult::Approved { delivery_sent_on } => {
            let date = parse_date(delivery_sent_on)
                .map_err(|e| AppError::field("delivery_sent_on", e.to_string()))?;
            reniec::approved(date, today)
        }
        ReniecResult::Rejected { reason } => reniec::rejected(reason),
        ReniecResult::Unstated => {
            return Err(AppError::field(
                "approved",
                "Indique si RENIEC aprobó (true) o rechazó (false).",
            ))
        }
    };
    answer.map_err(|e| AppError::field(e.field(), e.to_string()))
}

/// Records RENIEC's result; an approval creates the certificate record in
/// pendiente_descarga with its 30-day download deadline. When every applicant of the
/// ticket has a result the ticket is atendido, as the state machine decides.
pub async fn record_result(
    app: &App,
    actor: &User,
    applicant_id: ApplicantId,
    result: &ReniecResult,
) -> AppResult<TicketView> {
    auth::require_analyst(actor)?;
    let answer = answer_of(result, app.today())?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let ticket_id = record_result_in(app, &mut tx, actor, applicant_id, &answer, now).await?;
    commit_and_view(app, tx, actor, ticket_id).await
}

/// [`record_result`]'s work inside the caller's transaction, for an answer already checked:
/// the applicant's result, the certificate of an approval, the history line (and so its
/// notices) and, with the last answer, the ticket's move to atendido. Results in bulk call
/// it once per row, in one transaction. Returns the applicant's ticket.
pub(crate) async fn record_result_in(
    app: &App,
    tx: &mut Conn,
    actor: &User,
    applicant_id: ApplicantId,
    answer: &ReniecAnswer,
    now: Timestamp,
) -> AppResult<TicketId> {
    auth::require_analyst(actor)?;
    let applicant = applicants::by_id(tx, applicant_id).await?;
    if !applicant.status.awaits_result() {
        return Err(AppError::Conflict(format!(
            "El resultado se registra para solicitantes enviados a RENIEC; este está «{}».",
            applicant.status.label()
        )));
    }
    applicants::record_result(tx, applicant.id, answer, now)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => AppError::Conflict("El resultado ya fue registrado.".into()),
            other => other.into(),
        })?;
    let ticket = visible_ticket(tx, actor, applicant.ticket_id).await?;
    if let ReniecAnswer::Approved { delivery_sent_on } = answer {
        // The certificate is the subscriber's: theirs if they have an account, else the
        // requester's (who registered it on their behalf).
        let owner = match users::by_email(tx, &applicant.email).await? {
            Some(user) => user.id,
            None => ticket.requester_id,
        };
        certificates::insert(
            tx,
            &NewCertificate {
                owner_id: owner,
                holder_name: &applicant.full_name(),
                dni: &applicant.dni,
                applicant_id: Some(applicant.id),
                medium: None,
                ownership: None,
                issued_on: None,
                expires_on: None,
                state: CertificateState::PendienteDescarga,
                delivery_sent_on: Some(*delivery_sent_on),
                download_deadline: Some(certificate::download_deadline(*delivery_sent_on)),
            },
            now,
        )
        .await?;
    }
    let note = match answer {
        ReniecAnswer::Approved { delivery_sent_on } => format!(
            "{}: aprobado por RENIEC (DCDelivery del {})",
            applicant.full_name(),
            schedule::format_date(*delivery_sent_on)
        ),
        ReniecAnswer::Rejected { reason } => format!(
            "{}: rechazado por RENIEC. Motivo: {reason}",
            applicant.full_name()
        ),
    };
    history::record(
        app,
        tx,
        &[history::Line {
            ticket_id: ticket.id,
            actor_id: Some(actor.id),
            event: Event::ReniecAnswered,
            from_status: None,
            to_status: ticket.status,
            comment: Some(&note),
            applicant_id: Some(applicant.id),
        }],
        now,
    )
    .await?;
    // The ticket is atendido once every applicant has an answer: the state machine says so.
    match try_act(app, tx, actor, ticket.id, Action::RecordResults, None, now).await? {
        Ok(_) | Err(TransitionError::ResultsMissing(_)) => {}
        Err(other) => return Err(refused(other)),
    }
    Ok(ticket.id)
}

/// Books the installation appointment agreed with the subscriber (the state machine checks
/// that the ticket is an instalacion being attended).
pub async fn record_appointment(
    app: &App,
    actor: &User,
    ticket_id: TicketId,
    at: &str,
    note: Option<&str>,
) -> AppResult<TicketView> {
    auth::require_analyst(actor)?;
    let mut errors = FieldErrors::new();
    let at: Option<Timestamp> = errors.check(
        "at",
        at.trim()
            .parse()
            .map_err(|_| "Indique fecha y hora de la cita, por ejemplo 2026-12-01T10:00:00-05:00."),
    );
    errors.check("note", domain::text::within_opt(note, domain::text::LINE));
    let (Some(at), true) = (at, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let appointment = Appointment {
        at,
        note: note
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned),
    };
    let when = schedule::to_lima(at);
    let comment = format!(
        "Cita de instalación: {} a las {}{}",
        schedule::format_date(when.date()),
        when.strftime("%H:%M"),
        appointment
            .note
            .as_deref()
            .map(|n| format!(" — {n}"))
            .unwrap_or_default()
    );
    let now = app.now();
    let mut tx = app.store.begin().await?;
    // Written first, so that the notice (with its calendar file) states it; the state
    // machine's refusal (or a ticket that does not exist) rolls it back.
    ticket_store::set_appointment(&mut tx, ticket_id, &appointment).await?;
    act(
        app,
        &mut tx,
        actor,
        ticket_id,
        Action::Appointment,
        Some(&comment),
        now,
    )
    .await?;
    commit_and_view(app, tx, actor, ticket_id).await
}

/// How an installation was done.
#[derive(Debug, Clone, Default)]
pub struct Installation {
    pub medium: String,
    pub ownership: String,
    pub serial: Option<String>,
    /// The certificate's issue date (`YYYY-MM-DD`): required unless its public part is
    /// recorded, whose dates are then used.
    pub issued_on: Option<String>,
    /// The certificate's expiry date (`YYYY-MM-DD`), likewise.
    pub expires_on: Option<String>,
}

/// What a person typed in an optional field, trimmed; None when blank.
fn typed(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|r| !r.is_empty())
}

/// The issue and expiry dates an installation records: the public part's, when one is
/// recorded (typed dates must then agree with it); else the typed ones, required and
/// checked by [`certificate::check_validity`]. Errors go into `errors`.
fn installed_dates(
    cert: &Certificate,
    installation: &Installation,
    today: Date,
    errors: &mut FieldErrors,
) -> Option<(Date, Date)> {
    let fields = [
        ("issued_on", typed(&installation.issued_on), cert.issued_on),
        (
            "expires_on",
            typed(&installation.expires_on),
            cert.expires_on,
        ),
    ];
    if let (Some(_), Some(issued), Some(expires)) =
        (&cert.public_part_sha256, cert.issued_on, cert.expires_on)
    {
        for (field, raw, read) in fields {
            let (Some(raw), Some(read)) = (raw, read) else {
                continue;
            };
            if let Some(date) = errors.check(field, parse_date(raw)) {
                if date != read {
                    errors.add(
                        field,
                        format!(
                            "La parte pública del certificado dice {}: deje la fecha en blanco o corríjala.",
                            schedule::format_date(read)
                        ),
                    );
                }
            }
        }
        return Some((issued, expires));
    }
    let mut dates = Vec::new();
    for (field, raw, _) in fields {
        match raw {
            None => errors.add(
                field,
                if field == "issued_on" {
                    "Indique la fecha de emisión del certificado (o adjunte antes su parte pública)."
                } else {
                    "Indique la fecha de caducidad del certificado (o adjunte antes su parte pública)."
                },
            ),
            Some(raw) => dates.extend(errors.check(field, parse_date(raw))),
        }
    }
    let [issued, expires] = dates[..] else {
        return None;
    };
    errors
        .absorb(certificate::check_validity(today, issued, expires))
        .map(|()| (issued, expires))
}

/// Finishes an instalacion ticket (the certificate becomes instalado, with its medium and
/// its issue and expiry dates) or a cancelacion ticket (the certificate becomes cancelado,
/// with its RFC 5280 reason).
pub async fn complete(
    app: &App,
    actor: &User,
    ticket_id: TicketId,
    installation: &Installation,
) -> AppResult<TicketView> {
    auth::require_analyst(actor)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let ticket = visible_ticket(&mut tx, actor, ticket_id).await?;
    let certificate_id = ticket
        .certificate_id
        .ok_or_else(|| AppError::Conflict("Este trámite no nombra un certificado.".into()))?;
    let update = match ticket.kind {
        Kind::Instalacion => {
            let cert = certificates::by_id(&mut tx, certificate_id).await?;
            let mut errors = FieldErrors::new();
            let medium = errors.check("medium", installation.medium.parse::<Medium>());
            let ownership = errors.check("ownership", installation.ownership.parse::<Ownership>());
            errors.check(
                "serial",
                domain::text::within_opt(typed(&installation.serial), domain::text::LINE),
            );
            let dates = installed_dates(
                &cert,
                installation,
                schedule::today_in_lima(now),
                &mut errors,
            );
            let (Some(medium), Some(ownership), Some((issued_on, expires_on)), true) =
                (medium, ownership, dates, errors.is_empty())
            else {
                check(&mut tx, actor, &ticket, Action::Complete).await?;
                return Err(AppError::Validation(errors));
            };
            CertificateUpdate {
                state: Some(CertificateState::Instalado),
                medium: Some(medium),
                ownership: Some(ownership),
                serial: installation
                    .serial
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty()),
                issued_on: Some(issued_on),
                expires_on: Some(expires_on),
                ..Default::default()
            }
        }
        Kind::Cancelacion => CertificateUpdate {
            state: Some(CertificateState::Cancelado),
            crl_reason: ticket.reason.crl_reason().map(|r| r.code()),
            ..Default::default()
        },
        // The state machine refuses it below, with the kind in its message.
        Kind::Emision | Kind::Reemision => CertificateUpdate::default(),
    };
    // Written first, so that the notice states the medium; a refusal rolls it back.
    certificates::update(&mut tx, certificate_id, &update, now).await?;
    act(app, &mut tx, actor, ticket.id, Action::Complete, None, now).await?;
    commit_and_view(app, tx, actor, ticket.id).await
}

/// A search of the certificate registry, as typed by a person.
#[derive(Debug, Clone, Default)]
pub struct RegistryQuery {
    /// Words of a holder's name, a DNI or a serial number.
    pub q: Option<String>,
    /// A state's stored name (`instalado`, …).
    pub state: Option<String>,
    /// Only certificates expiring within this many days from today.
    pub expiring_within_days: Option<String>,
}

/// Longest search text, and most days ahead for "expiring within".
const MAX_QUERY_CHARS: usize = 200;
const MAX_EXPIRING_DAYS: i64 = 3650;

impl RegistryQuery {
    /// The store's filter for `owner`'s certificates (None: everyone's), or a 422 per field.
    fn filter(&self, owner: Option<UserId>, today: Date) -> AppResult<CertificateFilter> {
        let mut errors = FieldErrors::new();
        let q = typed(&self.q).unwrap_or_default();
        if q.chars().count() > MAX_QUERY_CHARS {
            errors.add(
                "q",
                format!("Escriba como máximo {MAX_QUERY_CHARS} caracteres."),
            );
        }
        let state =
            typed(&self.state).and_then(|s| errors.check("state", s.parse::<CertificateState>()));
        let expiring = typed(&self.expiring_within_days).and_then(|d| match d.parse::<i64>() {
            Ok(days) if (0..=MAX_EXPIRING_DAYS).contains(&days) => Some((
                today,
                today
                    .checked_add(jiff::Span::new().days(days))
                    .unwrap_or(Date::MAX),
            )),
            _ => {
                errors.add(
                    "expiring_within_days",
                    format!("Indique un número de días entre 0 y {MAX_EXPIRING_DAYS}."),
                );
                None
            }
        });
        errors.into_result().map_err(AppError::Validation)?;
        Ok(CertificateFilter {
            owner,
            words: q.split_whitespace().take(8).map(str::to_owned).collect(),
            state,
            expiring,
        })
    }
}

/// A page of the registry: the actor's own certificates, or everyone's for analysts and
/// admins with `Scope::All`; newest first, `before` the last id seen.
pub async fn search(
    app: &App,
    actor: &User,
    scope: Scope,
    query: &RegistryQuery,
    before: Option<CertificateId>,
    limit: i64,
) -> AppResult<Vec<Certificate>> {
    let owner = scope.owner(actor);
    let filter = query.filter(owner, app.today())?;
    let mut conn = app.store.conn().await?;
    Ok(certificates::search(&mut conn, &filter, before, limit).await?)
}

/// Every certificate a search finds (for an export), read in one snapshot, a page at a
/// time; analysts and admins only.
pub async fn search_all(
    app: &App,
    actor: &User,
    query: &RegistryQuery,
) -> AppResult<Vec<Certificate>> {
    auth::require_analyst(actor)?;
    const CHUNK: i64 = 500;
    let filter = query.filter(None, app.today())?;
    let mut tx = app.store.read().await?;
    let mut all: Vec<Certificate> = Vec::new();
    loop {
        let page = certificates::search(&mut tx, &filter, all.last().map(|c| c.id), CHUNK).await?;
        let done = (page.len() as i64) < CHUNK;
        all.extend(page);
        if done {
            return Ok(all);
        }
    }
}

/// What a certificate's public part says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicPart {
    pub serial: String,
    pub subject: String,
    pub not_before: jiff::civil::Date,
    pub not_after: jiff::civil::Date,
}

/// Reads a certificate (.cer/.crt, DER or PEM) with a maintained X.509 parser.
pub fn parse_public_part(bytes: &[u8]) -> Result<PublicPart, String> {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let refused =
        || "El archivo no es un certificado X.509 válido (.cer o .crt, en DER o PEM).".to_owned();
    let der = if bytes.starts_with(b"-----BEGIN") {
        let (_, pem) = x509_parser::pem::parse_x509_pem(bytes).map_err(|_| refused())?;
        pem.contents
    } else {
        bytes.to_vec()
    };
    let (_, cert) = X509Certificate::from_der(&der).map_err(|_| refused())?;
    let date = |t: x509_parser::time::ASN1Time| {
        Timestamp::from_second(t.timestamp())
            .map(schedule::today_in_lima)
            .map_err(|_| refused())
    };
    Ok(PublicPart {
        serial: cert
            .tbs_certificate
            .raw_serial_as_string()
            .replace(':', "")
            .to_uppercase(),
        subject: cert.subject().to_string(),
        not_before: date(cert.validity().not_before)?,
        not_after: date(cert.validity().not_after)?,
    })
}

/// Attaches the public part: serial, subject and validity are read from it.
pub async fn attach_public_part(
    app: &App,
    actor: &User,
    certificate_id: CertificateId,
    file: Option<&Upload>,
) -> AppResult<Certificate> {
    auth::require_analyst(actor)?;
    let Some(file) = file.filter(|f| !f.bytes.is_empty()) else {
        return Err(AppError::field(
            "certificate",
            "Adjunte el archivo .cer o .crt del certificado.",
        ));
    };
    let part = parse_public_part(&file.bytes).map_err(|m| AppError::field("certificate", m))?;
    let sha256 = app
        .blobs
        .put(&file.bytes)
        .await
        .context("storing a certificate's public part")?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    certificates::by_id(&mut tx, certificate_id).await?;
    certificates::update(
        &mut tx,
        certificate_id,
        &CertificateUpdate {
            serial: Some(&part.serial),
            subject: Some(&part.subject),
            issued_on: Some(part.not_before),
            expires_on: Some(part.not_after),
            public_part_sha256: Some(&sha256),
            ..Default::default()
        },
        now,
    )
    .await?;
    let cert = certificates::by_id(&mut tx, certificate_id).await?;
    audit::record(
        &mut tx,
        now,
        audit::Entry::new(
            AuditEvent::CertificateFileAttached,
            Some(&actor.id),
            format!("certificate:{certificate_id}"),
        ),
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(cert)
}

/// The daily move: certificates past their download deadline or expiry change state, as
/// `domain::certificate::state_on` says. Returns how many changed.
pub async fn refresh_states(app: &App, now: Timestamp) -> AppResult<usize> {
    let today = schedule::today_in_lima(now);
    let mut tx = app.store.begin().await?;
    let mut changed = 0;
    // A state changes only once a date has passed (the day after it): the candidates are
    // those with an expiry or a download deadline before today.
    let yesterday = today.yesterday().map_err(anyhow::Error::from)?;
    for cert in certificates::not_final_dated(&mut tx, None, yesterday).await? {
        let facts = CertificateFacts {
            delivery_sent_on: cert.delivery_sent_on,
            installed: cert.state == CertificateState::Instalado,
            cancelled: false,
            expires_on: cert.expires_on,
        };
        let state = certificate::state_on(today, &facts);
        if state != cert.state {
            certificates::update(
                &mut tx,
                cert.id,
                &CertificateUpdate {
                    state: Some(state),
                    ..Default::default()
                },
                now,
            )
            .await?;
            audit::record(
                &mut tx,
                now,
                audit::Entry::new(
                    AuditEvent::CertificateStateChanged,
                    None,
                    format!("certificate:{}", cert.id),
                )
                .with_detail(serde_json::json!({
                    "from": cert.state.as_str(),
                    "to": state.as_str(),
                })),
            )
            .await?;
            changed += 1;
        }
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(changed)
}
