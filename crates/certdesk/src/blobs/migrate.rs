//! `certdesk files migrate --to s3://…`: copies every stored file into another store and
//! verifies each copy by reading it back from there and hashing it.
//!
//! A file goes through a scratch file on local disk (hashed on the way, so a damaged source
//! is caught), then into the target the way a package is stored, in parts when large, so
//! memory holds a few parts whatever the file's size. A file the target already holds is
//! verified and not copied again: the command resumes where an interrupted run stopped.

use futures_util::{StreamExt, TryStreamExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::Blobs;

/// Files copied at once.
const PARALLEL: usize = 8;

/// What a migration did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MigrateReport {
    /// Files in the source.
    pub files: u64,
    /// Copied in this run, and their bytes.
    pub copied: u64,
    pub copied_bytes: u64,
    /// Already in the target with the right bytes.
    pub present: u64,
    /// Read back from the target with the hash of their name.
    pub verified: u64,
    /// Those that failed, with why (hashes are not personal data).
    pub failed: Vec<(String, String)>,
}

enum Copied {
    Present,
    Copied(u64),
}

/// Copies every file of `from` into `to`, verifying each.
pub async fn copy_all(from: &Blobs, to: &Blobs) -> std::io::Result<MigrateReport> {
    let mut hashes = from.stored().await?;
    hashes.sort();
    let mut report = MigrateReport {
        files: hashes.len() as u64,
        ..MigrateReport::default()
    };
    let mut results = futures_util::stream::iter(hashes)
        .map(|sha256| async move {
            let outcome = copy_one(from, to, &sha256).await;
            (sha256, outcome)
        })
        .buffer_unordered(PARALLEL);
    while let Some((sha256, outcome)) = results.next().await {
        match outcome {
            Ok(Copied::Present) => {
                report.present += 1;
                report.verified += 1;
            }
            Ok(Copied::Copied(bytes)) => {
                report.copied += 1;
                report.copied_bytes += bytes;
                report.verified += 1;
            }
            Err(e) => report.failed.push((sha256, e.to_string())),
        }
    }
    report.failed.sort();
    Ok(report)
}

/// The SHA-256 of a stored file, read from `store` a piece at a time; `None` when absent.
async fn hash_stored(store: &Blobs, sha256: &str) -> std::io::Result<Option<String>> {
    let Some((_, mut stream)) = store.stream(sha256).await? else {
        return Ok(None);
    };
    let mut hasher = Sha256::new();
    while let Some(chunk) = stream.try_next().await? {
        hasher.update(&chunk);
    }
    Ok(Some(hex::encode(hasher.finalize())))
}

async fn copy_one(from: &Blobs, to: &Blobs, sha256: &str) -> std::io::Result<Copied> {
    if hash_stored(to, sha256).await?.as_deref() == Some(sha256) {
        return Ok(Copied::Present);
    }
    let (_, mut stream) = from
        .stream(sha256)
        .await?
        .ok_or_else(|| std::io::Error::other("desapareció del origen"))?;
    let scratch = to.scratch_dir()?;
    let (file, path) = tempfile::Builder::new()
        .prefix("migrar-")
        .tempfile_in(&scratch)?
        .keep()
        .map_err(|e| e.error)?;
    let mut file = tokio::io::BufWriter::new(tokio::fs::File::from_std(file));
    let mut hasher = Sha256::new();
    let written = async {
        while let Some(chunk) = stream.try_next().await? {
            hasher.update(&chunk);
            file.write_all(&chunk).await?;
        }
        file.flush().await
    }
    .await;
    drop(file);
    if let Err(e) = written {
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    if hex::encode(hasher.finalize()) != sha256 {
        let _ = std::fs::remove_file(&path);
        return Err(std::io::Error::other(
            "el archivo del origen no coincide con su SHA-256",
        ));
    }
    let (stored, bytes) = to.adopt_file(path).await?;
    if stored != sha256 {
        return Err(std::io::Error::other("la copia no coincide con su SHA-256"));
    }
    match hash_stored(to, sha256).await? {
        Some(read_back) if read_back == sha256 => Ok(Copied::Copied(bytes)),
        Some(_) => Err(std::io::Error::other(
            "la copia leída desde el destino no coincide con su SHA-256",
        )),
        None => Err(std::io::Error::other("la copia no aparece en el destino")),
    }
}
