//! Backups and restores (`certdesk backup --to FILE`, `certdesk restore --from FILE`).
//!
//! An archive is one ZIP file:
//! - `certdesk-backup.json`: the [`Manifest`] (format, when, which database, how many files);
//! - `certdesk.db`: on SQLite, a consistent copy of the live database made with `VACUUM INTO`
//!   (one snapshot, taken while `serve` keeps working);
//! - `files/ab/cdef…`: every private file (photos, signatures, receipts, batch packages),
//!   by the SHA-256 of its contents, exactly as `blobs` stores them.
//!
//! The database is copied before the files: a file is always written before the transaction
//! that names it commits, so every file the copied database names is already on disk when
//! the files are read. On PostgreSQL the archive holds the files only; the database is
//! copied with `pg_dump`, run *before* `certdesk backup` for the same reason.
//!
//! Restoring writes into a new, empty data directory only: it refuses to overwrite a
//! database or to mix files into a non-empty files directory. Every file's contents are
//! checked against its name (its SHA-256) and the database with SQLite's integrity check.
//! Depends on `store` and `app` (the audit entry), never on `web`.

use std::{
    fs::File,
    io::{BufReader, BufWriter, Read, Write},
    path::{Path, PathBuf},
};

use anyhow::Context;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zip::{write::SimpleFileOptions, CompressionMethod, ZipArchive, ZipWriter};

use crate::{
    app::audit::{self, AuditEvent, Entry},
    store::{self, Backend, Store},
};

/// The manifest's name in the archive.
pub const MANIFEST: &str = "certdesk-backup.json";
/// The SQLite database's name in the archive.
pub const DATABASE_ENTRY: &str = "certdesk.db";
/// Where the private files go in the archive.
const FILES_PREFIX: &str = "files/";
/// The archive format this build writes and reads.
const FORMAT: u32 = 1;

/// What an archive holds, written first in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The archive format (1).
    pub format: u32,
    /// When the copy was taken (RFC 3339, Lima).
    pub created_at: String,
    /// The certdesk version that wrote it.
    pub certdesk_version: String,
    /// `sqlite` or `postgres`: the database the service ran on.
    pub backend: String,
    /// The newest migration applied to the database copied (SQLite only).
    pub schema: Option<i64>,
    /// True when `certdesk.db` is in the archive (SQLite); on PostgreSQL the database is in
    /// a `pg_dump` file kept beside it.
    pub database_included: bool,
    /// How many private files, and their bytes.
    pub files: u64,
    pub files_bytes: u64,
}

/// Something the operator must fix (a file that exists, a directory that is not empty):
/// the command says why, in Spanish, and exits with status 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

fn refuse<T>(message: impl Into<String>) -> anyhow::Result<T> {
    Err(anyhow::Error::new(Refused(message.into())))
}

/// What `take` wrote.
#[derive(Debug, Clone)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    pub sha256: String,
    pub manifest: Manifest,
}

/// The SQLite database file a `sqlite://` URL names.
pub fn sqlite_path(database_url: &str) -> Option<PathBuf> {
    let rest = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty()).then(|| PathBuf::from(path))
}

/// Writes a backup of `store` and of the files under `files_root` to `to`, which must not
/// exist. The archive is built beside `to` and renamed into place when complete, so `to`
/// is never a half-written archive.
pub async fn take(
    store: &Store,
    files_root: &Path,
    to: &Path,
    now: Timestamp,
) -> anyhow::Result<BackupReport> {
    if to.exists() {
        return refuse(format!(
            "Ya existe {}: elija otro nombre (la copia nunca reemplaza un archivo).",
            to.display()
        ));
    }
    let parent = match to.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return refuse(format!(
            "No existe la carpeta {}: créela antes de copiar.",
            parent.display()
        ));
    }
    let work = tempfile::Builder::new()
        .prefix(".certdesk-backup-")
        .tempdir_in(&parent)
        .with_context(|| format!("creating a work directory in {}", parent.display()))?;
    let backend = store.backend();
    let (database, schema) = match backend {
        Backend::Sqlite => {
            let copy = work.path().join(DATABASE_ENTRY);
            store::backup::vacuum_into(store, &copy)
                .await
                .context("copying the database (VACUUM INTO)")?;
            let schema = store::backup::schema_version(store)
                .await
                .context("reading the schema version")?;
            (Some(copy), schema)
        }
        Backend::Postgres => (None, None),
    };
    let root = files_root.to_path_buf();
    let files = tokio::task::spawn_blocking(move || list_files(&root))
        .await
        .context("the file listing task")??;
    let manifest = Manifest {
        format: FORMAT,
        created_at: crate::app::rfc3339(now),
        certdesk_version: env!("CARGO_PKG_VERSION").to_owned(),
        backend: backend.as_str().to_owned(),
        schema,
        database_included: database.is_some(),
        files: files.len() as u64,
        files_bytes: files.iter().map(|f| f.size).sum(),
    };
    let archive = work.path().join("copia.zip");
    let to = to.to_path_buf();
    let report = {
        let manifest = manifest.clone();
        let to = to.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<BackupReport> {
            write_archive(&archive, &manifest, database.as_deref(), &files, now)?;
            let (sha256, bytes) = sha256_of(&archive)?;
            if to.exists() {
                return refuse(format!(
                    "Mientras se copiaba apareció {}: la copia no lo reemplaza.",
                    to.display()
                ));
            }
            std::fs::rename(&archive, &to)
                .with_context(|| format!("moving the archive to {}", to.display()))?;
            Ok(BackupReport {
                path: to,
                bytes,
                sha256,
                manifest,
            })
        })
        .await
        .context("the archive task")??
    };
    drop(work);
    Ok(report)
}

/// Writes the backup's audit entry (`system.backup`, subject `backup:<file name>`) in the
/// database that was copied. Its details name the archive, its size and SHA-256, so a copy
/// found later can be matched to its entry.
pub async fn record(store: &Store, report: &BackupReport, now: Timestamp) -> anyhow::Result<()> {
    let name = report
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let path = std::path::absolute(&report.path).unwrap_or_else(|_| report.path.clone());
    let m = &report.manifest;
    let entry = Entry::new(AuditEvent::BackupTaken, None, format!("backup:{name}")).with_detail(
        serde_json::json!({
            "file": path.display().to_string(),
            "bytes": report.bytes,
            "sha256": report.sha256,
            "database": if m.database_included { "incluida" } else { "pg_dump" },
            "files": m.files,
        }),
    );
    let mut conn = store.conn().await?;
    audit::record(&mut conn, now, entry)
        .await
        .context("writing the backup's audit entry")?;
    Ok(())
}

/// A private file to copy.
#[derive(Debug, Clone)]
struct BlobFile {
    /// `ab/cdef…`, as under the files root and after `files/` in the archive.
    name: String,
    path: PathBuf,
    size: u64,
}

/// `ab/cdef…` when `first`/`second` name a stored file (a SHA-256 in lower-case hex split
/// after two characters); temporary and scratch files are not.
fn blob_name(first: &str, second: &str) -> Option<String> {
    let hex = |s: &str| s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    (first.len() == 2 && second.len() == 62 && hex(first) && hex(second))
        .then(|| format!("{first}/{second}"))
}

/// Every stored file under `root`, sorted; none when `root` does not exist yet.
fn list_files(root: &Path) -> anyhow::Result<Vec<BlobFile>> {
    let mut files = Vec::new();
    let outer = match std::fs::read_dir(root) {
        Ok(dir) => dir,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(files),
        Err(e) => return Err(e).with_context(|| format!("reading {}", root.display())),
    };
    for dir in outer {
        let dir = dir?;
        if !dir.file_type()?.is_dir() {
            continue;
        }
        let first = dir.file_name().to_string_lossy().into_owned();
        for file in std::fs::read_dir(dir.path())? {
            let file = file?;
            let second = file.file_name().to_string_lossy().into_owned();
            let Some(name) = blob_name(&first, &second) else {
                continue;
            };
            let meta = file.metadata()?;
            if meta.is_file() {
                files.push(BlobFile {
                    name,
                    path: file.path(),
                    size: meta.len(),
                });
            }
        }
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

/// The archive's timestamp for its entries: the copy's time in Lima.
fn zip_time(now: Timestamp) -> zip::DateTime {
    let t = now.to_zoned(crate::app::lima());
    zip::DateTime::from_date_and_time(
        u16::try_from(t.year()).unwrap_or(1980),
        u8::try_from(t.month()).unwrap_or(1),
        u8::try_from(t.day()).unwrap_or(1),
        u8::try_from(t.hour()).unwrap_or(0),
        u8::try_from(t.minute()).unwrap_or(0),
        u8::try_from(t.second()).unwrap_or(0),
    )
    .unwrap_or_default()
}

/// Entries this big need ZIP64 (the limit is 4 GiB; deflate may grow a little).
const ZIP64_FROM: u64 = 0xF000_0000;

fn write_archive(
    path: &Path,
    manifest: &Manifest,
    database: Option<&Path>,
    files: &[BlobFile],
    now: Timestamp,
) -> anyhow::Result<()> {
    let mut options = File::options();
    options.write(true).create_new(true);
    // Personal data (Ley 29733): readable by the service's account only.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    let mut zip = ZipWriter::new(BufWriter::new(file));
    let stamp = zip_time(now);
    let deflated = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(stamp);
    // Photos, PDFs and packages are compressed already.
    let stored = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(stamp);

    zip.start_file(MANIFEST, deflated)?;
    serde_json::to_writer_pretty(&mut zip, manifest)?;
    if let Some(db) = database {
        let size = std::fs::metadata(db)?.len();
        zip.start_file(DATABASE_ENTRY, deflated.large_file(size >= ZIP64_FROM))?;
        std::io::copy(&mut BufReader::new(File::open(db)?), &mut zip)
            .context("adding the database to the archive")?;
    }
    for f in files {
        zip.start_file(
            format!("{FILES_PREFIX}{}", f.name),
            stored.large_file(f.size >= ZIP64_FROM),
        )?;
        let mut source =
            File::open(&f.path).with_context(|| format!("reading {}", f.path.display()))?;
        std::io::copy(&mut source, &mut zip)?;
    }
    let out = zip.finish()?;
    let file = out.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    Ok(())
}

/// The SHA-256 (hex) and size of a file.
fn sha256_of(path: &Path) -> anyhow::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let bytes = std::io::copy(&mut BufReader::new(File::open(path)?), &mut hasher)?;
    Ok((hex::encode(hasher.finalize()), bytes))
}

/// Where `restore` writes.
#[derive(Debug, Clone)]
pub struct RestoreTarget {
    /// The database URL the restored service will use.
    pub database_url: String,
    /// `<data-dir>/files`.
    pub files_root: PathBuf,
}

/// What `restore` wrote.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    pub manifest: Manifest,
    /// The SQLite file written, when the archive held one.
    pub database: Option<PathBuf>,
    pub files: u64,
}

/// How an archive entry is restored.
enum Part {
    Manifest,
    Database,
    /// A stored file, `ab/cdef…`.
    Blob(String),
}

fn entry_kind(name: &str) -> Option<Part> {
    match name {
        MANIFEST => Some(Part::Manifest),
        DATABASE_ENTRY => Some(Part::Database),
        _ => {
            let rest = name.strip_prefix(FILES_PREFIX)?;
            let (first, second) = rest.split_once('/')?;
            blob_name(first, second).map(Part::Blob)
        }
    }
}

/// Restores the archive at `from` into `target`: the SQLite database (when the archive has
/// one) and the private files. Refuses (nothing written) when the database already exists,
/// the files directory is not empty, the archive is not a certdesk backup, or it comes from
/// a newer certdesk. On any failure midway, what it wrote is removed again.
pub async fn restore(from: &Path, target: &RestoreTarget) -> anyhow::Result<RestoreReport> {
    let from_owned = from.to_path_buf();
    let manifest = tokio::task::spawn_blocking(move || read_manifest(&from_owned))
        .await
        .context("the archive reading task")??;
    let archived = match manifest.backend.as_str() {
        "sqlite" => Backend::Sqlite,
        "postgres" => Backend::Postgres,
        _ => return refuse("La copia no dice de qué base de datos es."),
    };
    if let (Some(schema), Some(known)) = (manifest.schema, Store::known_schema(archived)) {
        if schema > known {
            return refuse(format!(
                "La copia es de una versión más nueva de certdesk ({}, esquema {schema}); \
                 actualice certdesk antes de restaurarla.",
                manifest.certdesk_version
            ));
        }
    }
    let database = if manifest.database_included {
        let Some(path) = sqlite_path(&target.database_url) else {
            return refuse(
                "La copia contiene una base de datos SQLite, pero la URL de base de datos \
                 configurada no es sqlite://: restáurela en un directorio de datos con SQLite.",
            );
        };
        for existing in [path.clone(), sidecar(&path, "-wal"), sidecar(&path, "-shm")] {
            if existing.exists() {
                return refuse(format!(
                    "Ya existe una base de datos en {}: restore solo escribe en un directorio \
                     de datos nuevo y vacío. Elija otro --data-dir (o mueva el actual a otro \
                     lugar) y vuelva a intentarlo.",
                    existing.display()
                ));
            }
        }
        Some(path)
    } else {
        None
    };
    if dir_has_entries(&target.files_root)? {
        return refuse(format!(
            "La carpeta de archivos {} no está vacía: restore solo escribe en un directorio de \
             datos nuevo y vacío.",
            target.files_root.display()
        ));
    }

    let created_root = !target.files_root.exists();
    let written = {
        let from = from.to_path_buf();
        let database = database.clone();
        let root = target.files_root.clone();
        tokio::task::spawn_blocking(move || extract(&from, database.as_deref(), &root))
            .await
            .context("the extraction task")?
    };
    let cleanup = |database: Option<&Path>| {
        if let Some(db) = database {
            for path in [db.to_path_buf(), sidecar(db, "-wal"), sidecar(db, "-shm")] {
                let _ = std::fs::remove_file(path);
            }
        }
        if created_root {
            let _ = std::fs::remove_dir_all(&target.files_root);
        } else if let Ok(dir) = std::fs::read_dir(&target.files_root) {
            for entry in dir.flatten() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    };
    let files = match written {
        Ok(files) => files,
        Err(err) => {
            cleanup(database.as_deref());
            return Err(err);
        }
    };
    if let Some(db) = &database {
        if let Err(err) = check_database(db).await {
            cleanup(database.as_deref());
            return Err(err);
        }
    }
    Ok(RestoreReport {
        manifest,
        database,
        files,
    })
}

/// `certdesk.db-wal` beside `certdesk.db`.
fn sidecar(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn dir_has_entries(dir: &Path) -> anyhow::Result<bool> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_some()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e).with_context(|| format!("reading {}", dir.display())),
    }
}

fn open_archive(path: &Path) -> anyhow::Result<ZipArchive<BufReader<File>>> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return refuse(format!("No existe {}.", path.display()))
        }
        Err(e) => return Err(e).with_context(|| format!("opening {}", path.display())),
    };
    match ZipArchive::new(BufReader::new(file)) {
        Ok(zip) => Ok(zip),
        Err(_) => refuse(format!(
            "{} no es una copia de certdesk (no es un archivo ZIP legible).",
            path.display()
        )),
    }
}

/// The archive's manifest; an archive without one, or of another format, is refused.
fn read_manifest(path: &Path) -> anyhow::Result<Manifest> {
    let mut zip = open_archive(path)?;
    let not_ours = || {
        Refused(format!(
            "{} no es una copia de certdesk: le falta {MANIFEST}.",
            path.display()
        ))
    };
    let mut text = String::new();
    zip.by_name(MANIFEST)
        .map_err(|_| not_ours())?
        .take(1024 * 1024)
        .read_to_string(&mut text)
        .map_err(|_| not_ours())?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|_| not_ours())?;
    if manifest.format != FORMAT {
        return refuse(format!(
            "La copia usa el formato {}, que esta versión de certdesk no conoce; use la \
             versión {} o una más nueva.",
            manifest.format, manifest.certdesk_version
        ));
    }
    Ok(manifest)
}

/// Writes the database and the files out of the archive; returns how many files. Every
/// entry's name is checked before anything is written, and every file's contents against
/// its name.
fn extract(from: &Path, database: Option<&Path>, root: &Path) -> anyhow::Result<u64> {
    let mut zip = open_archive(from)?;
    let mut kinds = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i)?;
        let name = entry.name().to_owned();
        if entry.is_dir() {
            kinds.push(None);
            continue;
        }
        match entry_kind(&name) {
            Some(kind) => kinds.push(Some(kind)),
            None => {
                return refuse(format!(
                    "La copia tiene una entrada que certdesk no escribe («{name}»): no se \
                     restauró nada."
                ))
            }
        }
    }
    std::fs::create_dir_all(root).with_context(|| format!("creating {}", root.display()))?;
    let mut files = 0;
    for (i, kind) in kinds.into_iter().enumerate() {
        let Some(kind) = kind else { continue };
        let mut entry = zip.by_index(i)?;
        match kind {
            Part::Manifest => {}
            Part::Database => {
                let Some(db) = database else { continue };
                if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
                let mut out = BufWriter::new(
                    File::options()
                        .write(true)
                        .create_new(true)
                        .open(db)
                        .with_context(|| format!("creating {}", db.display()))?,
                );
                std::io::copy(&mut entry, &mut out).context("writing the database")?;
                out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            }
            Part::Blob(name) => {
                let path = root.join(&name);
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                let mut out = File::options()
                    .write(true)
                    .create_new(true)
                    .open(&path)
                    .with_context(|| format!("creating {}", path.display()))?;
                let mut hasher = Sha256::new();
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = entry.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    hasher.update(&buf[..n]);
                    out.write_all(&buf[..n])?;
                }
                out.sync_all()?;
                if hex::encode(hasher.finalize()) != name.replace('/', "") {
                    return refuse(format!(
                        "La copia está dañada: el archivo {name} no tiene el contenido que su \
                         nombre dice. No se restauró nada."
                    ));
                }
                files += 1;
            }
        }
    }
    Ok(files)
}

/// Opens the restored SQLite database and runs its integrity check.
async fn check_database(db: &Path) -> anyhow::Result<()> {
    let url = format!("sqlite://{}", db.display());
    let store = Store::connect(&url)
        .await
        .context("opening the restored database")?;
    let problems = store::backup::integrity_problems(&store).await;
    store.close().await;
    let problems = problems.context("checking the restored database")?;
    if !problems.is_empty() {
        return refuse(format!(
            "La base de datos de la copia está dañada ({}). No se restauró nada.",
            problems.join("; ")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_stored_files_have_names_in_the_archive() {
        let a = "ab";
        let b = "c".repeat(62);
        assert_eq!(blob_name(a, &b), Some(format!("ab/{b}")));
        assert_eq!(blob_name("tmp", &b), None);
        assert_eq!(blob_name("AB", &b), None);
        assert_eq!(blob_name(a, &format!(".{}", &b[1..])), None);
        assert!(matches!(
            entry_kind(&format!("files/ab/{b}")),
            Some(Part::Blob(_))
        ));
        for bad in [
            "files/../x".to_owned(),
            format!("files/ab/{b}/x"),
            format!("/files/ab/{b}"),
            "certdesk.db-wal".to_owned(),
        ] {
            assert!(entry_kind(&bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_sqlite_url_names_its_file() {
        assert_eq!(
            sqlite_path("sqlite:///var/lib/certdesk/certdesk.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/certdesk/certdesk.db"))
        );
        assert_eq!(
            sqlite_path("sqlite://./data/certdesk.db"),
            Some(PathBuf::from("./data/certdesk.db"))
        );
        assert_eq!(sqlite_path("postgres://db/certdesk"), None);
    }
}
