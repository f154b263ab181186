//! The weekly RENIEC batch (SPEC "The RENIEC batch"): closing it exactly once per cut-off,
//! and its package — a ZIP with the spreadsheet (XLSX and CSV), photos, signatures and
//! receipts named by DNI, and a SHA-256 manifest.
//!
//! One use case closes batches for everyone: the scheduler at each cut-off, analysts
//! through the API and the CLI. The package is built once, stored by its hash, and served
//! from disk ever after, so its bytes never change.

use std::{
    collections::HashSet,
    fs::File,
    io::{BufWriter, Read, Write},
    path::Path,
};

use anyhow::Context;
use domain::{
    ids::BatchId,
    schedule,
    ticket::{Action, Actor, TransitionFacts},
};
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use zip::{write::SimpleFileOptions, CompressionMethod, ZipWriter};

use super::{
    audit::{self, AuditEvent},
    auth,
    schedule::calendar_around,
    settings,
    transition::{persist, Move},
    App, AppError, AppResult,
};
use crate::store::{
    applicants::{self, WaitingCounts},
    batches::{self, Batch, Item, PackageRow, Waiting},
    users::User,
    StoreError,
};

/// What a close did.
#[derive(Debug, Clone)]
pub struct Closed {
    pub batch: Batch,
    /// False when the cut-off's batch already existed (closed earlier or by a racing closer).
    pub newly_closed: bool,
}

/// How far back a late close may reach: cut-offs missed while the service was down are
/// caught up, but a batch of years ago is a typing mistake (and its package's dates could
/// not even be written in a ZIP, which knows only 1980–2107).
pub const MAX_LATE_CLOSE: jiff::SignedDuration = jiff::SignedDuration::from_hours(24 * 366);

/// Closes the batch of the latest cut-off at or before `now`, if it is not closed yet.
/// `actor` is None for the scheduler. `now` may be in the past (a missed cut-off), by at
/// most [`MAX_LATE_CLOSE`]; the API and the CLI refuse a future one.
pub async fn close(app: &App, actor: Option<&User>, now: Timestamp) -> AppResult<Closed> {
    if let Some(actor) = actor {
        auth::require_analyst(actor)?;
    }
    if app.now().duration_since(now) > MAX_LATE_CLOSE {
        return Err(AppError::field(
            "now",
            "Solo se puede cerrar un corte del último año. Revise la fecha.",
        ));
    }
    let mut tx = app.store.begin().await?;
    // Serialises with approvals and with other closers (other servers included).
    batches::lock(&mut tx).await?;
    let settings = settings::load_in(&mut tx).await?;
    let calendar = calendar_around(&mut tx, &settings, now, 7).await?;
    let Some(cutoff) = calendar.latest_cutoff_at_or_before(now) else {
        return Err(AppError::Conflict(
            "No hay un corte anterior a esa fecha.".into(),
        ));
    };
    let cutoff = cutoff.timestamp();
    if let Some(batch) = batches::by_cutoff(&mut tx, cutoff).await? {
        return Ok(Closed {
            batch,
            newly_closed: false,
        });
    }
    let batch = match batches::create(&mut tx, cutoff, now, actor.map(|a| a.id)).await {
        Ok(batch) => batch,
        Err(e) if e.on_constraint(batches::ONE_BATCH_PER_CUTOFF) => {
            drop(tx);
            let mut conn = app.store.conn().await?;
            let batch = batches::by_cutoff(&mut conn, cutoff)
                .await?
                .ok_or(AppError::Internal(anyhow::anyhow!(
                    "batch vanished after a conflict"
                )))?;
            return Ok(Closed {
                batch,
                newly_closed: false,
            });
        }
        Err(e) => return Err(e.into()),
    };
    // Tickets whose every applicant is now sent move on, as the state machine decides on
    // the facts gathered for all of them in one query.
    let actor_kind = match actor {
        Some(user) => Actor::user(user.role, false),
        None => Actor::System,
    };
    let touched = batches::touched_tickets(&mut tx, batch.id).await?;
    let moves: Vec<Move<'_>> = touched
        .iter()
        .filter_map(|t| {
            let facts = TransitionFacts {
                applicants_not_dispatched: usize::try_from(t.still_programado)
                    .unwrap_or(usize::MAX),
                ..TransitionFacts::new(actor_kind)
            };
            domain::ticket::transition(t.kind, t.reason, t.status, Action::Dispatch, &facts)
                .ok()
                .map(|to| Move {
                    ticket: t.ticket_id,
                    action: Action::Dispatch,
                    from: t.status,
                    to,
                    actor: actor.map(|a| a.id),
                    comment: None,
                })
        })
        .collect();
    persist(app, &mut tx, &moves, now).await?;
    let sent = moves.len();
    audit::record(
        &mut tx,
        now,
        audit::Entry::new(
            AuditEvent::BatchClosed,
            actor.map(|a| &a.id),
            format!("batch:{}", batch.id),
        )
        .with_detail(serde_json::json!({ "items": batch.item_count, "tickets": sent })),
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    tracing::info!(batch = %batch.id, items = batch.item_count, tickets = sent, "batch closed");
    crate::fault::point("batch.after_commit");
    let batch = ensure_package(app, batch).await?;
    Ok(Closed {
        batch,
        newly_closed: true,
    })
}

/// Batches, newest first (analysts).
pub async fn list(
    app: &App,
    actor: &User,
    before: Option<BatchId>,
    limit: i64,
) -> AppResult<Vec<Batch>> {
    auth::require_analyst(actor)?;
    let mut conn = app.store.conn().await?;
    Ok(batches::list(&mut conn, before, limit).await?)
}

/// One batch with its items in FIFO order (analysts).
pub async fn view(app: &App, actor: &User, id: BatchId) -> AppResult<(Batch, Vec<Item>)> {
    auth::require_analyst(actor)?;
    let mut tx = app.store.read().await?;
    let batch = batches::by_id(&mut tx, id).await?;
    let mut items = Vec::new();
    let mut after = 0;
    loop {
        let page = batches::items(&mut tx, batch.id, after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.position;
        items.extend(page);
    }
    Ok((batch, items))
}

/// The package's file on disk, built first if it was never built (analysts).
pub async fn package(
    app: &App,
    actor: &User,
    id: BatchId,
) -> AppResult<(Batch, u64, crate::blobs::ByteStream)> {
    auth::require_analyst(actor)?;
    let mut conn = app.store.conn().await?;
    let batch = batches::by_id(&mut conn, id).await?;
    drop(conn);
    if batch.files_purged_at.is_some() {
        return Err(super::retention::purged());
    }
    let batch = ensure_package(app, batch).await?;
    audit::record_now(
        app,
        audit::Entry::new(
            AuditEvent::BatchPackageDownloaded,
            Some(&actor.id),
            format!("batch:{id}"),
        ),
    )
    .await?;
    let sha256 = batch
        .package_sha256
        .as_deref()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("package without hash")))?;
    let (size, stream) = app
        .blobs
        .stream(sha256)
        .await
        .context("opening a package")?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("package {sha256} is missing")))?;
    Ok((batch, size, stream))
}

/// Builds the packages of batches that have none: a process that died between closing a
/// batch and recording its package left it so. Runs with the batch job; how many it built.
pub async fn build_missing_packages(app: &App) -> AppResult<usize> {
    let missing = {
        let mut conn = app.store.conn().await?;
        batches::without_package(&mut conn, 10).await?
    };
    let count = missing.len();
    for batch in missing {
        tracing::warn!(batch = %batch.id, "batch without its package: building it now");
        ensure_package(app, batch).await?;
    }
    Ok(count)
}

/// Builds and records the package unless it exists already.
async fn ensure_package(app: &App, batch: Batch) -> AppResult<Batch> {
    if let Some(sha256) = batch.package_sha256.as_deref() {
        if app.blobs.exists(sha256).await.unwrap_or(false) {
            return Ok(batch);
        }
    }
    let handle = tokio::runtime::Handle::current();
    let (worker_app, worker_batch) = (app.clone(), batch.clone());
    let (work, zip_path) =
        tokio::task::spawn_blocking(move || write_package(&handle, &worker_app, &worker_batch))
            .await
            .context("the package task")??;
    // Streamed into the store (a bucket gets it in parts); stored before it is named.
    let (sha256, size) = app
        .blobs
        .adopt_file(zip_path)
        .await
        .context("storing the package")?;
    drop(work);
    crate::fault::point("batch.package_stored");
    let mut conn = app.store.conn().await?;
    batches::set_package(
        &mut conn,
        batch.id,
        &sha256,
        i64::try_from(size).unwrap_or(i64::MAX),
    )
    .await?;
    tracing::info!(batch = %batch.id, bytes = size, "batch package built");
    Ok(batches::by_id(&mut conn, batch.id).await?)
}

/// Column titles of the spreadsheet (XLSX and CSV), in order.
pub const COLUMNS: [&str; 20] = [
    "N°",
    "Ticket",
    "Trámite",
    "Motivo",
    "Apellido paterno",
    "Apellido materno",
    "Nombres",
    "DNI",
    "Dígito verificador",
    "Fecha de emisión del DNI",
    "Correo institucional",
    "Cargo",
    "Unidad orgánica",
    "Caducidad del certificado actual",
    "N° de operación",
    "Fecha de pago",
    "Monto (S/)",
    "Foto",
    "Firma",
    "Constancia de pago",
];

fn extension(mime: Option<&str>) -> &'static str {
    match mime {
        Some("image/jpeg") => "jpg",
        Some("image/png") => "png",
        Some("application/pdf") => "pdf",
        _ => "bin",
    }
}

/// Adds stored bytes (a photo, a signature, a receipt) to the ZIP; returns their SHA-256.
fn add_bytes<W: Write + std::io::Seek>(
    zip: &mut ZipWriter<W>,
    options: SimpleFileOptions,
    name: &str,
    bytes: &[u8],
) -> anyhow::Result<String> {
    zip.start_file(name, options)?;
    zip.write_all(bytes)?;
    Ok(hex::encode(Sha256::digest(bytes)))
}

/// Copies a file into the ZIP while hashing it; returns its SHA-256. Memory stays at one
/// buffer whatever the file's size.
fn add_file<W: Write + std::io::Seek>(
    zip: &mut ZipWriter<W>,
    options: SimpleFileOptions,
    name: &str,
    source: &Path,
) -> anyhow::Result<String> {
    zip.start_file(name, options)?;
    let mut file = File::open(source)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        zip.write_all(&buf[..n])?;
    }
    Ok(hex::encode(hasher.finalize()))
}

/// A name not used yet in the package: `fotos/12345678.jpg`, then `fotos/12345678-2.jpg`.
fn unique(used: &mut HashSet<String>, dir: &str, dni: &str, ext: &str) -> String {
    let mut name = format!("{dir}/{dni}.{ext}");
    let mut n = 2;
    while !used.insert(name.clone()) {
        name = format!("{dir}/{dni}-{n}.{ext}");
        n += 1;
    }
    name
}

/// Writes the batch's package into a scratch dir on local disk, reading the stored files one
/// at a time; returns the dir (deleted when dropped) and the ZIP in it.
fn write_package(
    handle: &tokio::runtime::Handle,
    app: &App,
    batch: &Batch,
) -> anyhow::Result<(tempfile::TempDir, std::path::PathBuf)> {
    let scratch = app.blobs.scratch_dir()?;
    let work = tempfile::Builder::new()
        .prefix("lote-")
        .tempdir_in(&scratch)?;
    let zip_path = work.path().join("paquete.zip");
    let mut zip = ZipWriter::new(BufWriter::new(File::create(&zip_path)?));
    // Every entry carries the cut-off's time, so a rebuilt package has the same bytes.
    let cutoff = schedule::to_lima(batch.cutoff_at);
    let stamp = zip::DateTime::from_date_and_time(
        u16::try_from(cutoff.year()).unwrap_or(1980),
        u8::try_from(cutoff.month()).unwrap_or(1),
        u8::try_from(cutoff.day()).unwrap_or(1),
        u8::try_from(cutoff.hour()).unwrap_or(0),
        u8::try_from(cutoff.minute()).unwrap_or(0),
        0,
    )
    .context("the package's zip timestamp")?;
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(stamp)
        .large_file(false);

    let sums_path = work.path().join("SHA256SUMS");
    let mut sums = BufWriter::new(File::create(&sums_path)?);
    let csv_path = work.path().join("solicitudes.csv");
    let mut csv = csv::Writer::from_path(&csv_path)?;
    csv.write_record(COLUMNS)?;
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let created = rust_xlsxwriter::ExcelDateTime::from_ymd(
        u16::try_from(cutoff.year()).unwrap_or(2026),
        u8::try_from(cutoff.month()).unwrap_or(1),
        u8::try_from(cutoff.day()).unwrap_or(1),
    )?;
    workbook.set_properties(
        &rust_xlsxwriter::DocProperties::new()
            .set_title("Solicitudes de certificado digital")
            .set_creation_datetime(&created),
    );
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = workbook.add_worksheet_with_constant_memory();
    sheet.set_name("Solicitudes")?;
    for (col, title) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, u16::try_from(col)?, *title, &bold)?;
    }

    let mut used = HashSet::new();
    let mut after = 0;
    let mut line: u32 = 1;
    loop {
        let rows: Vec<PackageRow> = handle.block_on(async {
            let mut conn = app.store.conn().await?;
            batches::package_rows(&mut conn, batch.id, after, 500).await
        })?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            after = row.position;
            let blob = |sha: &str| -> anyhow::Result<Vec<u8>> {
                handle
                    .block_on(app.blobs.get(sha))?
                    .ok_or_else(|| anyhow::anyhow!("stored file {sha} is missing"))
            };
            let photo_bytes = blob(&row.photo_sha256)?;
            let photo_mime = infer::get(&photo_bytes).map(|t| t.mime_type());
            let photo = unique(&mut used, "fotos", row.dni.as_str(), extension(photo_mime));
            let sha = add_bytes(&mut zip, options, &photo, &photo_bytes)?;
            writeln!(sums, "{sha}  {photo}")?;
            let signature_bytes = blob(&row.signature_sha256)?;
            let signature_mime = infer::get(&signature_bytes).map(|t| t.mime_type());
            let signature = unique(
                &mut used,
                "firmas",
                row.dni.as_str(),
                extension(signature_mime),
            );
            let sha = add_bytes(&mut zip, options, &signature, &signature_bytes)?;
            writeln!(sums, "{sha}  {signature}")?;
            let receipt = match &row.receipt_sha256 {
                Some(receipt_sha) => {
                    let name = unique(
                        &mut used,
                        "pagos",
                        row.dni.as_str(),
                        extension(row.receipt_mime.as_deref()),
                    );
                    let sha = add_bytes(&mut zip, options, &name, &blob(receipt_sha)?)?;
                    writeln!(sums, "{sha}  {name}")?;
                    name
                }
                None => String::new(),
            };
            let cells: [String; 20] = [
                row.position.to_string(),
                row.ticket_number.to_string(),
                row.kind.as_str().to_owned(),
                row.reason.code_str().unwrap_or_default().to_owned(),
                row.paternal_surname.clone(),
                row.maternal_surname.clone().unwrap_or_default(),
                row.given_names.clone(),
                row.dni.as_str().to_owned(),
                row.dni_check_digit.clone().unwrap_or_default(),
                schedule::format_date(row.dni_issued_on),
                row.email.clone(),
                row.position_title.clone(),
                row.unit.clone(),
                row.current_expires_on
                    .map(schedule::format_date)
                    .unwrap_or_default(),
                row.operation_number.clone().unwrap_or_default(),
                row.paid_on.map(schedule::format_date).unwrap_or_default(),
                row.amount.map(|m| m.to_string()).unwrap_or_default(),
                photo,
                signature,
                receipt,
            ];
            csv.write_record(&cells)?;
            for (col, value) in cells.iter().enumerate() {
                // Text cells keep DNIs and numbers with their leading zeros.
                sheet.write_string(line, u16::try_from(col)?, value)?;
            }
            line += 1;
        }
    }
    csv.flush()?;
    drop(csv);
    let xlsx_path = work.path().join("solicitudes.xlsx");
    workbook.save(&xlsx_path)?;
    for (name, path) in [
        ("solicitudes.xlsx", &xlsx_path),
        ("solicitudes.csv", &csv_path),
    ] {
        let sha = add_file(&mut zip, options, name, path)?;
        writeln!(sums, "{sha}  {name}")?;
    }
    sums.flush()?;
    drop(sums);
    add_file(&mut zip, options, "SHA256SUMS", &sums_path)?;
    // On disk before it is named anywhere: a crash after this point leaves a whole file.
    let file = zip.finish()?.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    drop(file);
    crate::fault::point("batch.package_written");
    Ok((work, zip_path))
}

/// Where this week's batch stands, for the analysts' batch page.
#[derive(Debug, Clone)]
pub struct Outlook {
    /// The first cut-off after `now` (holidays applied).
    pub next_cutoff: jiff::Zoned,
    /// The latest cut-off at or before `now`, and whether its batch is closed.
    pub last_cutoff: Option<(jiff::Zoned, bool)>,
    /// Programado applicants: overdue, due at the next cut-off, held for later ones.
    pub waiting: WaitingCounts,
    /// The programado applicants themselves, by dispatch time then FIFO (at most
    /// [`PEOPLE_LISTED`]): who goes in the next batch and who is held.
    pub people: Vec<Waiting>,
}

/// How many waiting applicants the batch page lists by name.
pub const PEOPLE_LISTED: i64 = 500;

/// The [`Outlook`] at `now`, read inside the caller's connection or transaction.
pub(crate) async fn outlook_in(
    conn: &mut crate::store::Conn,
    now: Timestamp,
) -> AppResult<Outlook> {
    let settings = settings::load_in(conn).await?;
    let calendar = calendar_around(conn, &settings, now, 60).await?;
    let next_cutoff = calendar.next_cutoff_after(now);
    let last_cutoff = match calendar.latest_cutoff_at_or_before(now) {
        Some(cutoff) => {
            let closed = batches::by_cutoff(conn, cutoff.timestamp())
                .await?
                .is_some();
            Some((cutoff, closed))
        }
        None => None,
    };
    let waiting = applicants::programado_counts(conn, now, next_cutoff.timestamp()).await?;
    let people = batches::waiting(conn, PEOPLE_LISTED).await?;
    Ok(Outlook {
        next_cutoff,
        last_cutoff,
        waiting,
        people,
    })
}

/// Where the batch stands and a page of the batches closed so far, newest first, in one
/// snapshot (analysts).
pub async fn overview(
    app: &App,
    actor: &User,
    before: Option<BatchId>,
    limit: i64,
) -> AppResult<(Outlook, Vec<Batch>)> {
    auth::require_analyst(actor)?;
    let mut tx = app.store.read().await?;
    let outlook = outlook_in(&mut tx, app.now()).await?;
    let list = batches::list(&mut tx, before, limit).await?;
    Ok((outlook, list))
}
