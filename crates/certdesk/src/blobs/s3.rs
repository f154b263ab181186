//! The files in an S3-compatible bucket, shared by every instance:
//! `CERTDESK_FILES_URL=s3://bucket/prefix`, with the standard `AWS_ENDPOINT_URL`,
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION` and `AWS_ALLOW_HTTP` (for a
//! plain-HTTP endpoint). Objects are named like the local files: `prefix/ab/cdef…`.
//!
//! An upload is whole or absent (S3 has no half-written objects), so the write order of
//! the local store holds: the object exists before the row that names it commits.
//! Storing the same bytes again overwrites the object, which renews its `Last-Modified`:
//! the sweep's age, as the local store's modification time.
//!
//! The sweep cannot set an object aside as the local store renames a file: it checks the
//! object's age again just before deleting it, so only a request that stores the very same
//! bytes between that check and the delete, of a file orphaned for longer than the grace
//! period, could lose its file (docs/DECISIONS.md).

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    sync::Arc,
    time::SystemTime,
};

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::{
    aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey},
    path::Path as Key,
    ClientConfigKey, ObjectMeta, ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart,
};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use super::{is_hash, refuse_most_unnamed, sweep_scratch_blocking, SweepReport};

/// The size of each part of a multipart upload (S3 wants at least 5 MiB but the last).
const PART: usize = 8 * 1024 * 1024;
/// Parts uploaded at once: memory stays under (1 + this) × [`PART`].
const PARTS_IN_FLIGHT: usize = 2;
/// A request may last this long: a large package streams to a slow client for minutes.
const REQUEST_TIMEOUT: &str = "15 minutes";

#[derive(Debug, Clone)]
pub struct Bucket {
    store: Arc<AmazonS3>,
    /// Without slashes at either end; empty for the bucket's root.
    prefix: String,
    url: String,
    scratch: PathBuf,
}

fn not_found(e: &object_store::Error) -> bool {
    matches!(e, object_store::Error::NotFound { .. })
}

/// Milliseconds since the epoch, to compare an object's time with the sweep's bounds.
fn millis(time: SystemTime) -> i64 {
    match time.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(_) => 0,
    }
}

fn modified_millis(meta: &ObjectMeta) -> i64 {
    meta.last_modified.timestamp_millis()
}

/// The SHA-256 and size of a file, read once. Blocking.
fn hash_file_blocking(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let size = std::io::copy(&mut file, &mut hasher)?;
    Ok((hex::encode(hasher.finalize()), size))
}

impl Bucket {
    /// Opens `s3://bucket/prefix` with the `AWS_*` variables of the environment.
    pub fn from_url(url: &str, scratch: PathBuf) -> Result<Self, String> {
        Self::with_builder(AmazonS3Builder::from_env(), url, scratch)
    }

    /// As [`Bucket::from_url`], against the given endpoint (plain HTTP allowed): tests and
    /// tools that talk to a local S3 without touching the environment.
    pub fn at_endpoint(endpoint: &str, url: &str, scratch: PathBuf) -> Result<Self, String> {
        let mut builder = AmazonS3Builder::from_env()
            .with_endpoint(endpoint)
            .with_allow_http(endpoint.starts_with("http://"));
        // A local S3 takes any keys; without them the client would ask for an instance's.
        if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
            builder = builder
                .with_access_key_id("certdesk")
                .with_secret_access_key("certdesk");
        }
        Self::with_builder(builder, url, scratch)
    }

    fn with_builder(builder: AmazonS3Builder, url: &str, scratch: PathBuf) -> Result<Self, String> {
        let shape = || {
            format!(
                "CERTDESK_FILES_URL debe tener la forma s3://bucket/prefijo (se recibió «{url}»)."
            )
        };
        let rest = url.trim().strip_prefix("s3://").ok_or_else(shape)?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(shape());
        }
        // TLS to the bucket uses ring, as the mail does: the process's provider. Installing
        // it again is refused harmlessly.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let store = builder
            .with_bucket_name(bucket)
            .with_config(
                AmazonS3ConfigKey::Client(ClientConfigKey::Timeout),
                REQUEST_TIMEOUT,
            )
            .build()
            .map_err(|e| format!("No se pudo configurar el almacén de archivos {url}: {e}"))?;
        let prefix = prefix.trim_matches('/').to_owned();
        Ok(Self {
            store: Arc::new(store),
            url: if prefix.is_empty() {
                format!("s3://{bucket}")
            } else {
                format!("s3://{bucket}/{prefix}")
            },
            prefix,
            scratch,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    fn key(&self, sha256: &str) -> Option<Key> {
        if !is_hash(sha256) {
            return None;
        }
        let name = format!("{}/{}", &sha256[..2], &sha256[2..]);
        Some(if self.prefix.is_empty() {
            Key::from(name)
        } else {
            Key::from(format!("{}/{name}", self.prefix))
        })
    }

    /// The hash an object's name stands for; `None` for anything else in the bucket.
    fn hash_of(&self, key: &Key) -> Option<String> {
        let name = key.as_ref();
        let name = if self.prefix.is_empty() {
            name
        } else {
            name.strip_prefix(self.prefix.as_str())?.strip_prefix('/')?
        };
        let (fanout, rest) = name.split_once('/')?;
        let sha256 = format!("{fanout}{rest}");
        (fanout.len() == 2 && is_hash(&sha256)).then_some(sha256)
    }

    fn listing(
        &self,
    ) -> futures_util::stream::BoxStream<'static, object_store::Result<ObjectMeta>> {
        let prefix = (!self.prefix.is_empty()).then(|| Key::from(self.prefix.as_str()));
        self.store.list(prefix.as_ref())
    }

    pub async fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let key = self
            .key(&sha256)
            .ok_or_else(|| std::io::Error::other("bad hash"))?;
        // Always written, also when it exists: the new Last-Modified keeps the sweep away
        // until our row commits.
        self.store
            .put(&key, PutPayload::from(Bytes::copy_from_slice(bytes)))
            .await?;
        Ok(sha256)
    }

    pub async fn get(&self, sha256: &str) -> std::io::Result<Option<Vec<u8>>> {
        let Some(key) = self.key(sha256) else {
            return Ok(None);
        };
        match self.store.get(&key).await {
            Ok(found) => Ok(Some(found.bytes().await?.to_vec())),
            Err(e) if not_found(&e) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn exists(&self, sha256: &str) -> std::io::Result<bool> {
        let Some(key) = self.key(sha256) else {
            return Ok(false);
        };
        match self.store.head(&key).await {
            Ok(_) => Ok(true),
            Err(e) if not_found(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn stream(&self, sha256: &str) -> std::io::Result<Option<(u64, super::ByteStream)>> {
        let Some(key) = self.key(sha256) else {
            return Ok(None);
        };
        match self.store.get(&key).await {
            Ok(found) => {
                let size = found.meta.size;
                let stream = found.into_stream().map_err(std::io::Error::from).boxed();
                Ok(Some((size, stream)))
            }
            Err(e) if not_found(&e) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn remove(&self, sha256: &str) -> std::io::Result<bool> {
        // S3 answers a delete of a missing object as a success: ask first, to report it.
        if !self.exists(sha256).await? {
            return Ok(false);
        }
        let Some(key) = self.key(sha256) else {
            return Ok(false);
        };
        match self.store.delete(&key).await {
            Ok(()) => Ok(true),
            Err(e) if not_found(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// `<data-dir>/tmp`, where packages are built before they are uploaded.
    pub fn scratch_dir(&self) -> std::io::Result<PathBuf> {
        crate::private_fs::create_dir_all(&self.scratch)?;
        Ok(self.scratch.clone())
    }

    /// Hashes the file, then uploads it under its hash: in one request when small, else in
    /// parts of [`PART`], [`PARTS_IN_FLIGHT`] at a time, so memory holds a few parts and
    /// never the whole file. An upload that fails is aborted (its parts deleted).
    pub async fn adopt_file(&self, tmp: &Path) -> std::io::Result<(String, u64)> {
        let hashed = tmp.to_owned();
        let (sha256, size) = tokio::task::spawn_blocking(move || hash_file_blocking(&hashed))
            .await
            .map_err(std::io::Error::other)??;
        let key = self
            .key(&sha256)
            .ok_or_else(|| std::io::Error::other("bad hash"))?;
        let mut file = tokio::fs::File::open(tmp).await?;
        if size <= PART as u64 {
            let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(PART));
            file.read_to_end(&mut bytes).await?;
            self.store.put(&key, PutPayload::from(bytes)).await?;
        } else {
            let upload = self.store.put_multipart(&key).await?;
            let mut writer = WriteMultipart::new_with_chunk_size(upload, PART);
            let written = async {
                let mut buf = vec![0u8; super::STREAM_CHUNK];
                loop {
                    let n = file.read(&mut buf).await?;
                    if n == 0 {
                        break;
                    }
                    writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
                    writer.write(&buf[..n]);
                }
                Ok::<_, std::io::Error>(())
            }
            .await;
            match written {
                Ok(()) => {
                    writer.finish().await?;
                }
                Err(e) => {
                    if let Err(abort) = writer.abort().await {
                        tracing::warn!(error = %abort, "aborting a failed multipart upload");
                    }
                    return Err(e);
                }
            }
        }
        drop(file);
        super::ignore_gone(tokio::fs::remove_file(tmp).await)?;
        Ok((sha256, size))
    }

    pub async fn sweep(
        &self,
        referenced: &HashSet<String>,
        older_than: SystemTime,
        changed_since: Option<SystemTime>,
    ) -> std::io::Result<SweepReport> {
        let mut report = SweepReport::default();
        let scratch = self.scratch.clone();
        report.partial =
            tokio::task::spawn_blocking(move || sweep_scratch_blocking(&scratch, older_than))
                .await
                .map_err(std::io::Error::other)??;
        let (old, since) = (millis(older_than), changed_since.map(millis));
        let mut stored = 0usize;
        let mut candidates: Vec<(String, u64)> = Vec::new();
        let mut listing = self.listing();
        while let Some(meta) = listing.try_next().await? {
            let Some(sha256) = self.hash_of(&meta.location) else {
                continue;
            };
            let modified = modified_millis(&meta);
            if since.is_some_and(|since| modified < since) {
                continue;
            }
            stored += 1;
            if modified < old && !referenced.contains(&sha256) {
                candidates.push((sha256, meta.size));
            }
        }
        refuse_most_unnamed(candidates.len(), stored)?;
        for (sha256, size) in candidates {
            let Some(key) = self.key(&sha256) else {
                continue;
            };
            // Stored again since the listing: young, and about to be named.
            match self.store.head(&key).await {
                Ok(meta) if modified_millis(&meta) < old => {}
                Ok(_) => continue,
                Err(e) if not_found(&e) => continue,
                Err(e) => return Err(e.into()),
            }
            match self.store.delete(&key).await {
                Ok(()) => {
                    report.orphans += 1;
                    report.bytes += size;
                }
                Err(e) if not_found(&e) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(report)
    }

    pub async fn changed_since(&self, since: SystemTime) -> std::io::Result<Vec<String>> {
        let since = millis(since);
        let mut found = Vec::new();
        let mut listing = self.listing();
        while let Some(meta) = listing.try_next().await? {
            if modified_millis(&meta) >= since {
                if let Some(sha256) = self.hash_of(&meta.location) {
                    found.push(sha256);
                }
            }
        }
        Ok(found)
    }

    /// One listing request of the prefix's first level: it fails when the bucket is
    /// missing, unreachable or refuses our credentials.
    pub async fn check(&self) -> std::io::Result<()> {
        let prefix = (!self.prefix.is_empty()).then(|| Key::from(self.prefix.as_str()));
        self.store.list_with_delimiter(prefix.as_ref()).await?;
        Ok(())
    }
}
