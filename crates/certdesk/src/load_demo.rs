//! `certdesk load-demo --tickets N`: realistic synthetic data for load tests and the
//! benchmarks in BENCHMARKS.md.
//!
//! Tickets in every status spread over the last four years, with applicants, payments,
//! certificates, batches, observation reasons and history, owned by one requester account
//! per 25 tickets and worked by one analyst. Every account has the same password. Every
//! applicant shares one stored photo and signature and every payment one receipt: files are
//! named by their hash, so a million rows cost three files. The rows themselves are written
//! by set-based SQL in one transaction (`store::load_demo`), fast enough for a million
//! tickets in well under two minutes on SQLite.

use std::{
    fmt,
    io::{Cursor, Write},
    time::Instant,
};

use anyhow::Context;

use crate::{
    app::{auth, settings, App},
    demo,
    store::load_demo::{self, Plan, DAY_MICROS},
};

/// The password of every account the load creates (printed; these are test accounts).
pub const PASSWORD: &str = "clave de carga 2026";

/// Tickets per requester account.
const TICKETS_PER_REQUESTER: u32 = 25;

/// The span the tickets are spread over.
const SPAN_MICROS: i64 = 4 * 365 * DAY_MICROS;

/// The package every loaded batch whose files are kept points to. A real package copies
/// each applicant's photo and signature: for the ~50 batches of the last year of a million
/// tickets that would be some 20 GB of copies of the same two files, and the batch job
/// would spend the load test building them. A small ZIP that says what it is stands in.
fn stand_in_package() -> zip::result::ZipResult<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file(
        "LEAME.txt",
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored),
    )?;
    zip.write_all(
        "Paquete de datos de carga (certdesk load-demo): los lotes de prueba no llevan \
         fotos ni firmas.\n"
            .as_bytes(),
    )?;
    Ok(zip.finish()?.into_inner())
}

/// What was loaded, printed for the operator.
#[derive(Debug, Clone)]
pub struct Report {
    pub tickets: u32,
    pub requesters: u32,
    pub analyst: String,
    pub first_requester: String,
    pub seconds: f64,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Datos de carga listos: {} trámites y {} solicitantes en {:.1} s.",
            self.tickets, self.requesters, self.seconds
        )?;
        writeln!(f, "Analista:    {}  clave: {PASSWORD}", self.analyst)?;
        writeln!(
            f,
            "Solicitante: {}  clave: {PASSWORD}",
            self.first_requester
        )?;
        writeln!(
            f,
            "Los solicitantes van de carga.solicitante.1 a carga.solicitante.{}, todos con la \
             misma clave.",
            self.requesters
        )
    }
}

/// Why the load was refused (the operator's database is not empty).
#[derive(Debug, Clone)]
pub struct Refused(pub &'static str);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Fills an empty database with `tickets` tickets; refuses one that has tickets already.
pub async fn load(app: &App, tickets: u32) -> anyhow::Result<Result<Report, Refused>> {
    if load_demo::has_tickets(&app.store).await? {
        return Ok(Err(Refused(
            "La base de datos ya tiene trámites. load-demo solo llena una base vacía \
             (use otro --data-dir u otra --database-url).",
        )));
    }
    let started = Instant::now();
    let settings = settings::load(app).await?;
    let domain = settings
        .institutional_domains
        .first()
        .context("the settings name no institutional e-mail domain")?
        .clone();
    let photo = app
        .blobs
        .put(demo::PHOTO)
        .await
        .context("storing the photo")?;
    let signature = app
        .blobs
        .put(demo::SIGNATURE)
        .await
        .context("storing the signature")?;
    // The receipt is a scanned image; the demo signature stands in for it.
    let receipt = signature.clone();
    let package_zip = stand_in_package().context("writing the stand-in package")?;
    let package = app
        .blobs
        .put(&package_zip)
        .await
        .context("storing the stand-in package")?;
    let password_hash = auth::hash_password(PASSWORD).await?;
    let requesters = (tickets / TICKETS_PER_REQUESTER).max(1);
    let plan = Plan {
        tickets: i64::from(tickets),
        requesters: i64::from(requesters),
        now: app.now().as_microsecond(),
        step: (SPAN_MICROS / i64::from(tickets)).max(1_000_000),
        photo: &photo,
        signature: &signature,
        receipt: &receipt,
        package: &package,
        package_bytes: i64::try_from(package_zip.len()).unwrap_or(i64::MAX),
        retention: i64::from(settings.retention_days) * DAY_MICROS,
        password_hash: &password_hash,
        domain: &domain,
    };
    load_demo::fill(&app.store, &plan)
        .await
        .context("writing the load")?;
    Ok(Ok(Report {
        tickets,
        requesters,
        analyst: load_demo::analyst_email(&domain),
        first_requester: load_demo::requester_email(1, &domain),
        seconds: started.elapsed().as_secs_f64(),
    }))
}
