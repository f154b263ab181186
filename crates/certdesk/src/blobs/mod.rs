//! Private files (photos, signatures, receipts, certificates' public parts, batch packages),
//! stored by the SHA-256 of their bytes: in the data dir ([`local`], the default) or in an
//! S3-compatible bucket ([`s3`], `CERTDESK_FILES_URL=s3://bucket/prefix`), which several
//! instances share.
//!
//! Never under a public path: the web layer serves a file only after the use case checked
//! who is asking. Writing the same content twice stores it once, and refreshes its time.
//!
//! Both stores keep the same promises, and the same tests check them (`tests/it/files.rs`):
//! - a file is stored whole before the transaction that names it commits, so a committed
//!   row never names a missing file;
//! - what a crash or a rolled-back transaction left unnamed is deleted by the orphan sweep
//!   once it is older than the grace period, and storing content again makes it young;
//! - the sweep refuses when the orphans are most of the files (a wrong database);
//! - a batch package is built in a scratch file on local disk and streamed into the store,
//!   never held whole in memory, and downloads stream from the store.

pub mod local;
pub mod migrate;
pub mod s3;

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    time::SystemTime,
};

use bytes::Bytes;
use futures_util::stream::BoxStream;

pub use local::Local;
pub use s3::Bucket;

/// The sweep refuses to delete more than this many orphans when they are also more than
/// [`SWEEP_SAFE_SHARE`] of the stored files: that is a database that does not belong to
/// this files store, not a crash's leftovers.
pub const SWEEP_SAFE_COUNT: usize = 20;
/// See [`SWEEP_SAFE_COUNT`].
pub const SWEEP_SAFE_SHARE: f64 = 0.5;

/// What a sweep deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    /// Stored files no row named.
    pub orphans: u64,
    /// Their size in bytes.
    pub bytes: u64,
    /// Temporary files and scratch leftovers of interrupted writes.
    pub partial: u64,
}

/// How much of a file a stream reads at a time.
pub const STREAM_CHUNK: usize = 256 * 1024;

/// A stored file's bytes, read a piece at a time.
pub type ByteStream = BoxStream<'static, std::io::Result<Bytes>>;

/// True for a SHA-256 in hex, the only names a store resolves.
pub fn is_hash(sha256: &str) -> bool {
    sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Where the files are: the local data dir or a bucket.
#[derive(Debug, Clone)]
pub struct Blobs {
    backend: Backend,
}

#[derive(Debug, Clone)]
enum Backend {
    Local(Local),
    Bucket(Bucket),
}

impl Blobs {
    /// The local store under `root` (`<data-dir>/files`).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            backend: Backend::Local(Local::new(root)),
        }
    }

    /// The store `CERTDESK_FILES_URL` names, or the local one under the data dir when it is
    /// not set. A bucket builds its packages in `<data-dir>/tmp`.
    pub fn open(files_url: Option<&str>, data_dir: &Path) -> Result<Self, String> {
        match files_url.map(str::trim).filter(|u| !u.is_empty()) {
            None => Ok(Self::new(data_dir.join("files"))),
            Some(url) => Ok(Self {
                backend: Backend::Bucket(Bucket::from_url(url, data_dir.join("tmp"))?),
            }),
        }
    }

    /// A bucket store (tests and `certdesk files migrate`).
    pub fn bucket(bucket: Bucket) -> Self {
        Self {
            backend: Backend::Bucket(bucket),
        }
    }

    /// For logs and messages: the directory, or `s3://bucket/prefix`.
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Local(local) => local.root().display().to_string(),
            Backend::Bucket(bucket) => bucket.url().to_owned(),
        }
    }

    /// The local store, when the files are in the data dir (backups read it directly).
    pub fn as_local(&self) -> Option<&Local> {
        match &self.backend {
            Backend::Local(local) => Some(local),
            Backend::Bucket(_) => None,
        }
    }

    /// Stores the bytes; returns their SHA-256 (hex).
    pub async fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        match &self.backend {
            Backend::Local(local) => local.put(bytes).await,
            Backend::Bucket(bucket) => bucket.put(bytes).await,
        }
    }

    /// The stored bytes, or `None` when no such file exists.
    pub async fn get(&self, sha256: &str) -> std::io::Result<Option<Vec<u8>>> {
        match &self.backend {
            Backend::Local(local) => local.get(sha256).await,
            Backend::Bucket(bucket) => bucket.get(sha256).await,
        }
    }

    /// True when the file is stored.
    pub async fn exists(&self, sha256: &str) -> std::io::Result<bool> {
        match &self.backend {
            Backend::Local(local) => local.exists(sha256).await,
            Backend::Bucket(bucket) => bucket.exists(sha256).await,
        }
    }

    /// The file's size and its bytes as a stream, or `None` when no such file exists.
    pub async fn stream(&self, sha256: &str) -> std::io::Result<Option<(u64, ByteStream)>> {
        match &self.backend {
            Backend::Local(local) => local.stream(sha256).await,
            Backend::Bucket(bucket) => bucket.stream(sha256).await,
        }
    }

    /// Deletes a stored file; false when there was none (deleting twice is harmless).
    pub async fn remove(&self, sha256: &str) -> std::io::Result<bool> {
        match &self.backend {
            Backend::Local(local) => local.remove(sha256).await,
            Backend::Bucket(bucket) => bucket.remove(sha256).await,
        }
    }

    /// A directory on local disk for files being built (made if missing). Blocking.
    pub fn scratch_dir(&self) -> std::io::Result<PathBuf> {
        match &self.backend {
            Backend::Local(local) => local.scratch_dir(),
            Backend::Bucket(bucket) => bucket.scratch_dir(),
        }
    }

    /// Stores a finished file built under [`Blobs::scratch_dir`], reading it a piece at a
    /// time (a bucket gets it by multipart upload), and removes the scratch file; returns
    /// its SHA-256 and size.
    pub async fn adopt_file(&self, tmp: PathBuf) -> std::io::Result<(String, u64)> {
        match &self.backend {
            Backend::Local(local) => {
                let local = local.clone();
                tokio::task::spawn_blocking(move || local.adopt_file_blocking(&tmp))
                    .await
                    .map_err(std::io::Error::other)?
            }
            Backend::Bucket(bucket) => bucket.adopt_file(&tmp).await,
        }
    }

    /// Deletes the stored files that no hash in `referenced` names and that are older than
    /// `older_than`, with what interrupted writes left; only among the files changed at or
    /// after `changed_since` when it is given (see [`Blobs::changed_since`]).
    pub async fn sweep(
        &self,
        referenced: HashSet<String>,
        older_than: SystemTime,
        changed_since: Option<SystemTime>,
    ) -> std::io::Result<SweepReport> {
        match &self.backend {
            Backend::Local(local) => {
                let local = local.clone();
                tokio::task::spawn_blocking(move || {
                    local.sweep_since_blocking(&referenced, older_than, changed_since)
                })
                .await
                .map_err(std::io::Error::other)?
            }
            Backend::Bucket(bucket) => bucket.sweep(&referenced, older_than, changed_since).await,
        }
    }

    /// The hashes of the stored files changed at or after `since`.
    pub async fn changed_since(&self, since: SystemTime) -> std::io::Result<Vec<String>> {
        match &self.backend {
            Backend::Local(local) => {
                let local = local.clone();
                tokio::task::spawn_blocking(move || local.changed_since_blocking(since))
                    .await
                    .map_err(std::io::Error::other)?
            }
            Backend::Bucket(bucket) => bucket.changed_since(since).await,
        }
    }

    /// Every stored file's hash.
    pub async fn stored(&self) -> std::io::Result<Vec<String>> {
        self.changed_since(SystemTime::UNIX_EPOCH).await
    }

    /// Ok when the store answers (for `/healthz`): the local directory can be read, or the
    /// bucket answers a request with our credentials.
    pub async fn check(&self) -> std::io::Result<()> {
        match &self.backend {
            Backend::Local(local) => local.check().await,
            Backend::Bucket(bucket) => bucket.check().await,
        }
    }
}

/// The sweep's guard: `Err` (delete nothing) when `candidates` of the `stored` files no row
/// names are more than [`SWEEP_SAFE_COUNT`] and more than [`SWEEP_SAFE_SHARE`] of them. A
/// database that names almost nothing (a wrong `CERTDESK_DATABASE_URL`, an empty database
/// beside a full files store) must not cost every file.
fn refuse_most_unnamed(candidates: usize, stored: usize) -> std::io::Result<()> {
    if candidates > SWEEP_SAFE_COUNT && candidates as f64 > stored as f64 * SWEEP_SAFE_SHARE {
        return Err(std::io::Error::other(format!(
            "refusing to delete {candidates} of {stored} files that no row names: is this the \
             right database for this files store?"
        )));
    }
    Ok(())
}

/// Ignores `NotFound`: something else deleted it first.
fn ignore_gone(result: std::io::Result<()>) -> std::io::Result<()> {
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Deletes what interrupted builds left in a scratch dir, when older than `older_than`;
/// how many entries. Blocking.
fn sweep_scratch_blocking(dir: &Path, older_than: SystemTime) -> std::io::Result<u64> {
    let mut removed = 0;
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        if entry.metadata()?.modified()? >= older_than {
            continue;
        }
        let gone = if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(entry.path())
        } else {
            std::fs::remove_file(entry.path())
        };
        ignore_gone(gone)?;
        removed += 1;
    }
    Ok(removed)
}
