//! Private files (photos, signatures, receipts) stored by SHA-256 under the data dir.
//!
//! Never under a public path: the web layer serves a file only after the use case checked
//! who is asking. Writing the same content twice stores it once. A file is written before
//! the transaction that references it commits; a rolled-back transaction can leave an
//! unreferenced file behind, which is harmless (a later clean-up can collect them).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

#[derive(Debug, Clone)]
pub struct Blobs {
    root: PathBuf,
}

impl Blobs {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `ab/cdef…` under the root: two-level fan-out keeps directories small. `None` for
    /// anything that is not a SHA-256 in hex.
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        let valid = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
        valid.then(|| self.root.join(&sha256[..2]).join(&sha256[2..]))
    }

    /// Stores the bytes; returns their SHA-256 (hex).
    pub async fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let Some(path) = self.path_of(&sha256) else {
            return Err(std::io::Error::other("bad hash"));
        };
        if tokio::fs::try_exists(&path).await? {
            return Ok(sha256);
        }
        let dir = path.parent().unwrap_or(&self.root).to_owned();
        let made = dir.clone();
        tokio::task::spawn_blocking(move || crate::private_fs::create_dir_all(&made))
            .await
            .map_err(std::io::Error::other)??;
        // Write to a temporary name, then rename: readers never see half a file.
        let tmp = dir.join(format!(
            ".{}.{}",
            &sha256[2..],
            uuid::Uuid::new_v4().simple()
        ));
        let options = tokio::fs::OpenOptions::from(crate::private_fs::file_options());
        let mut file = options.open(&tmp).await?;
        file.write_all(bytes).await?;
        file.sync_all().await?;
        drop(file);
        tokio::fs::rename(&tmp, &path).await?;
        Ok(sha256)
    }

    /// A directory for files being built, on the same filesystem as the store.
    pub fn scratch_dir(&self) -> std::io::Result<PathBuf> {
        let dir = self.root.join("tmp");
        crate::private_fs::create_dir_all(&dir)?;
        Ok(dir)
    }

    /// Moves a finished file (built under [`Blobs::scratch_dir`]) into the store, reading
    /// it once to hash it; returns its SHA-256 and size. Blocking: call off the runtime.
    pub fn adopt_file_blocking(&self, tmp: &Path) -> std::io::Result<(String, u64)> {
        let mut file = std::fs::File::open(tmp)?;
        let mut hasher = Sha256::new();
        let size = std::io::copy(&mut file, &mut hasher)?;
        let sha256 = hex::encode(hasher.finalize());
        let path = self
            .path_of(&sha256)
            .ok_or_else(|| std::io::Error::other("bad hash"))?;
        if let Some(dir) = path.parent() {
            crate::private_fs::create_dir_all(dir)?;
        }
        // Built elsewhere (a ZIP writer): made private before it takes its stored name.
        crate::private_fs::secure_existing(tmp)?;
        std::fs::rename(tmp, &path)?;
        Ok((sha256, size))
    }

    /// Deletes a stored file; false when there was none (deleting twice is harmless).
    pub async fn remove(&self, sha256: &str) -> std::io::Result<bool> {
        let Some(path) = self.path_of(sha256) else {
            return Ok(false);
        };
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The stored bytes, or `None` when no such file exists.
    pub async fn get(&self, sha256: &str) -> std::io::Result<Option<Vec<u8>>> {
        let Some(path) = self.path_of(sha256) else {
            return Ok(None);
        };
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn content_is_stored_once_by_hash_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::new(dir.path());
        let a = blobs.put(b"foto").await.unwrap();
        let b = blobs.put(b"foto").await.unwrap();
        assert_eq!(a, b);
        assert_eq!(blobs.get(&a).await.unwrap().unwrap(), b"foto");
        assert_eq!(blobs.get(&"0".repeat(64)).await.unwrap(), None);
        assert_eq!(
            blobs.get("../../etc/passwd").await.unwrap(),
            None,
            "only hashes resolve"
        );
    }

    #[tokio::test]
    async fn a_removed_file_is_gone_and_removing_it_again_is_harmless() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::new(dir.path());
        let sha = blobs.put(b"firma").await.unwrap();
        assert!(blobs.remove(&sha).await.unwrap());
        assert_eq!(blobs.get(&sha).await.unwrap(), None);
        assert!(!blobs.remove(&sha).await.unwrap());
        assert!(!blobs.remove("../../etc/passwd").await.unwrap());
    }
}
