//! The local files store: private files under the data dir, by SHA-256 (`ab/cdef…`).
//!
//! Write order (RELIABILITY.md): a file is written whole (temporary name, fsync, rename)
//! before the transaction that names it commits, so a committed row never names a missing
//! file. A crash or a rolled-back transaction between the two can leave a file that nothing
//! names; [`Local::sweep_blocking`] (run by `app::files::sweep_orphans` on start and
//! hourly) deletes those once they are older than a grace period. Storing content that
//! exists already refreshes the file's modification time, so a file about to be named
//! again is never old enough to be swept.

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    time::SystemTime,
};

use sha2::{Digest, Sha256};

use super::{ignore_gone, is_hash, refuse_most_unnamed, sweep_scratch_blocking, SweepReport};
use tokio::io::AsyncWriteExt;

/// The scratch dir under the root, for files being built.
const SCRATCH: &str = "tmp";

/// The suffix of a file the sweep set aside while it re-checks its age.
const ASIDE: &str = ".sweep";

/// Sets a file's modification time to now; `NotFound` when it is gone.
// The sweep compares file times, which are the filesystem's clock, not the app's.
#[allow(clippy::disallowed_methods)]
fn touch(path: &Path) -> std::io::Result<()> {
    // Explicit times need the file's owner, not write access.
    std::fs::File::open(path)?.set_modified(SystemTime::now())
}

#[derive(Debug, Clone)]
pub struct Local {
    root: PathBuf,
}

impl Local {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `ab/cdef…` under the root: two-level fan-out keeps directories small. `None` for
    /// anything that is not a SHA-256 in hex.
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        is_hash(sha256).then(|| self.root.join(&sha256[..2]).join(&sha256[2..]))
    }

    /// Stores the bytes; returns their SHA-256 (hex).
    pub async fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let Some(path) = self.path_of(&sha256) else {
            return Err(std::io::Error::other("bad hash"));
        };
        if tokio::fs::try_exists(&path).await? {
            // Young again, so the orphan sweep leaves it alone until our row commits. If
            // the sweep took it in the meantime, it is written anew below.
            let touched = path.clone();
            let fresh = tokio::task::spawn_blocking(move || touch(&touched))
                .await
                .map_err(std::io::Error::other)?;
            match fresh {
                Ok(()) => return Ok(sha256),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
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
        let dir = self.root.join(SCRATCH);
        crate::private_fs::create_dir_all(&dir)?;
        Ok(dir)
    }

    /// Moves a finished file (built under [`Local::scratch_dir`]) into the store, reading
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

    /// Deletes what no row names and what a crash left half-made, when it is older than
    /// `older_than`: stored files whose hash is not in `referenced`, temporary files of
    /// interrupted writes, and leftovers in the scratch dir. Blocking: call off the runtime.
    ///
    /// A stored file is first renamed aside and its age checked again: a request that stored
    /// the same content meanwhile refreshed its time (see [`Local::put`]), and it is put
    /// back; one that comes after the rename finds no file and writes it anew. Refuses (an
    /// error, nothing deleted) when the orphans are most of the files: see
    /// [`super::SWEEP_SAFE_COUNT`].
    pub fn sweep_blocking(
        &self,
        referenced: &HashSet<String>,
        older_than: SystemTime,
    ) -> std::io::Result<SweepReport> {
        self.sweep_since_blocking(referenced, older_than, None)
    }

    /// [`Local::sweep_blocking`] limited to the stored files changed at or after
    /// `changed_since` (all when `None`): the others are neither counted nor deleted, so
    /// `referenced` need only cover the files [`Local::changed_since_blocking`] lists.
    pub fn sweep_since_blocking(
        &self,
        referenced: &HashSet<String>,
        older_than: SystemTime,
        changed_since: Option<SystemTime>,
    ) -> std::io::Result<SweepReport> {
        let mut report = SweepReport::default();
        let in_scope = |meta: &std::fs::Metadata| -> std::io::Result<bool> {
            Ok(match changed_since {
                Some(since) => meta.modified()? >= since,
                None => true,
            })
        };
        let old = |meta: &std::fs::Metadata| meta.modified().map(|m| m < older_than);
        // Stored files seen, and the old ones no row names: (fan-out dir, name, size).
        let mut stored = 0usize;
        let mut candidates: Vec<(PathBuf, String, u64)> = Vec::new();
        let Ok(fanout) = std::fs::read_dir(&self.root) else {
            return Ok(report); // no files yet
        };
        for dir in fanout {
            let dir = dir?;
            let name = dir.file_name().to_string_lossy().into_owned();
            if !dir.file_type()?.is_dir() {
                continue;
            }
            if name == SCRATCH {
                report.partial += sweep_scratch_blocking(&dir.path(), older_than)?;
                continue;
            }
            if name.len() != 2 || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
                continue; // not ours
            }
            for entry in std::fs::read_dir(dir.path())? {
                let entry = entry?;
                let file = entry.file_name().to_string_lossy().into_owned();
                let meta = entry.metadata()?;
                if !meta.is_file() {
                    continue;
                }
                if let Some(name_aside) = file.strip_prefix('.').and_then(|f| f.strip_suffix(ASIDE))
                {
                    // A sweep died between setting it aside and deciding: put it back and
                    // let the next sweep decide again.
                    let back = dir.path().join(name_aside);
                    if !back.exists() {
                        ignore_gone(std::fs::rename(entry.path(), back))?;
                        continue;
                    }
                }
                if !file.starts_with('.') && !in_scope(&meta)? {
                    continue;
                }
                if !old(&meta)? {
                    if !file.starts_with('.') {
                        stored += 1;
                    }
                    continue;
                }
                if file.starts_with('.') {
                    // A write that never reached its rename (or a duplicate set aside).
                    ignore_gone(std::fs::remove_file(entry.path()))?;
                    report.partial += 1;
                    continue;
                }
                stored += 1;
                let sha256 = format!("{name}{file}");
                if self.path_of(&sha256).is_some() && !referenced.contains(&sha256) {
                    candidates.push((dir.path(), file, meta.len()));
                }
            }
        }
        refuse_most_unnamed(candidates.len(), stored)?;
        for (dir, file, len) in candidates {
            let path = dir.join(&file);
            let aside = dir.join(format!(".{file}{ASIDE}"));
            match std::fs::rename(&path, &aside) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            }
            if old(&std::fs::metadata(&aside)?)? {
                std::fs::remove_file(&aside)?;
                report.orphans += 1;
                report.bytes += len;
            } else {
                std::fs::rename(&aside, &path)?;
            }
        }
        Ok(report)
    }

    /// The hashes of the stored files changed at or after `since`. Blocking.
    pub fn changed_since_blocking(&self, since: SystemTime) -> std::io::Result<Vec<String>> {
        let mut found = Vec::new();
        let Ok(fanout) = std::fs::read_dir(&self.root) else {
            return Ok(found);
        };
        for dir in fanout {
            let dir = dir?;
            let name = dir.file_name().to_string_lossy().into_owned();
            if !dir.file_type()?.is_dir()
                || name.len() != 2
                || !name.bytes().all(|b| b.is_ascii_hexdigit())
            {
                continue;
            }
            for entry in std::fs::read_dir(dir.path())? {
                let entry = entry?;
                let file = entry.file_name().to_string_lossy().into_owned();
                let meta = entry.metadata()?;
                if meta.is_file() && !file.starts_with('.') && meta.modified()? >= since {
                    let sha256 = format!("{name}{file}");
                    if self.path_of(&sha256).is_some() {
                        found.push(sha256);
                    }
                }
            }
        }
        Ok(found)
    }

    /// Every stored file's hash (tests and checks).
    pub fn stored_blocking(&self) -> std::io::Result<Vec<String>> {
        self.changed_since_blocking(SystemTime::UNIX_EPOCH)
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

    /// True when the file is stored.
    pub async fn exists(&self, sha256: &str) -> std::io::Result<bool> {
        match self.path_of(sha256) {
            Some(path) => tokio::fs::try_exists(&path).await,
            None => Ok(false),
        }
    }

    /// The file's size and its bytes, read 256 KiB at a time: the default 4 KiB made a
    /// 1 GB package cost a quarter of a million reads and frames (BENCHMARKS.md).
    pub async fn stream(&self, sha256: &str) -> std::io::Result<Option<(u64, super::ByteStream)>> {
        let Some(path) = self.path_of(sha256) else {
            return Ok(None);
        };
        let file = match tokio::fs::File::open(&path).await {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let size = file.metadata().await?.len();
        let stream = tokio_util::io::ReaderStream::with_capacity(file, super::STREAM_CHUNK);
        Ok(Some((size, Box::pin(stream))))
    }

    /// Ok when the root can be read, or does not exist yet (no file stored so far).
    pub async fn check(&self) -> std::io::Result<()> {
        match tokio::fs::metadata(&self.root).await {
            Ok(meta) if meta.is_dir() => Ok(()),
            Ok(_) => Err(std::io::Error::other("the files root is not a directory")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
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
    use crate::blobs::SWEEP_SAFE_COUNT;

    #[tokio::test]
    async fn content_is_stored_once_by_hash_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Local::new(dir.path());
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

    /// Sets a file's modification time to `secs` after the epoch.
    fn age(path: &Path, secs: u64) {
        std::fs::File::open(path)
            .unwrap()
            .set_modified(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs))
            .unwrap();
    }

    const DAY: u64 = 24 * 3600;

    #[tokio::test]
    async fn the_sweep_deletes_old_orphans_and_half_written_files_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Local::new(dir.path());
        let named = blobs.put(b"foto de un solicitante").await.unwrap();
        let orphan = blobs
            .put(b"foto de una solicitud que no llego a guardarse")
            .await
            .unwrap();
        let young_orphan = blobs.put(b"foto de una solicitud en curso").await.unwrap();
        for sha in [&named, &orphan] {
            age(&blobs.path_of(sha).unwrap(), DAY);
        }
        age(&blobs.path_of(&young_orphan).unwrap(), 3 * DAY);
        let fanout = blobs.path_of(&named).unwrap().parent().unwrap().to_owned();
        let half = fanout.join(".abc.0123");
        std::fs::write(&half, b"medio archivo").unwrap();
        age(&half, DAY);
        let scratch = blobs.scratch_dir().unwrap().join("lote-x");
        std::fs::create_dir_all(&scratch).unwrap();
        std::fs::write(scratch.join("paquete.zip"), b"zip a medias").unwrap();
        age(&scratch, DAY);
        let referenced: HashSet<String> = [named.clone()].into();

        let cutoff = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(2 * DAY);
        let report = blobs.sweep_blocking(&referenced, cutoff).unwrap();

        assert_eq!(report.orphans, 1);
        assert_eq!(report.partial, 2);
        assert!(blobs.get(&named).await.unwrap().is_some(), "named: kept");
        assert!(
            blobs.get(&orphan).await.unwrap().is_none(),
            "old orphan: gone"
        );
        assert!(
            blobs.get(&young_orphan).await.unwrap().is_some(),
            "young: kept"
        );
        assert!(!half.exists());
        assert!(!scratch.exists());
        let mut stored = blobs.stored_blocking().unwrap();
        stored.sort();
        let mut want = vec![named, young_orphan];
        want.sort();
        assert_eq!(stored, want);
        // Nothing more to do the second time.
        let again = blobs.sweep_blocking(&referenced, cutoff).unwrap();
        assert_eq!(again, SweepReport::default());
    }

    #[tokio::test]
    async fn the_sweep_refuses_when_most_files_are_unnamed_and_deletes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Local::new(dir.path());
        let mut all = Vec::new();
        for i in 0..=SWEEP_SAFE_COUNT {
            let sha = blobs.put(format!("foto {i}").as_bytes()).await.unwrap();
            age(&blobs.path_of(&sha).unwrap(), DAY);
            all.push(sha);
        }
        let cutoff = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(2 * DAY);
        // An empty database beside these files: nothing is named.
        let err = blobs.sweep_blocking(&HashSet::new(), cutoff).unwrap_err();
        assert!(err.to_string().contains("right database"), "{err}");
        assert_eq!(blobs.stored_blocking().unwrap().len(), all.len());
        // With most of them named, the few others go.
        let named: HashSet<String> = all[3..].iter().cloned().collect();
        let report = blobs.sweep_blocking(&named, cutoff).unwrap();
        assert_eq!(report.orphans, 3);
    }

    #[tokio::test]
    async fn a_file_an_interrupted_sweep_set_aside_is_put_back() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Local::new(dir.path());
        let sha = blobs.put(b"firma nombrada").await.unwrap();
        let path = blobs.path_of(&sha).unwrap();
        let aside = path
            .parent()
            .unwrap()
            .join(format!(".{}{ASIDE}", &sha[2..]));
        std::fs::rename(&path, &aside).unwrap();
        let cutoff = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(2 * DAY);
        let referenced: HashSet<String> = [sha.clone()].into();
        let report = blobs.sweep_blocking(&referenced, cutoff).unwrap();
        assert_eq!(report, SweepReport::default());
        assert!(path.exists() && !aside.exists());
    }

    #[tokio::test]
    async fn storing_content_again_makes_its_file_young_so_the_sweep_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Local::new(dir.path());
        let sha = blobs.put(b"la misma firma").await.unwrap();
        let path = blobs.path_of(&sha).unwrap();
        age(&path, DAY);
        // A request stores the same bytes; its row is not committed yet.
        assert_eq!(blobs.put(b"la misma firma").await.unwrap(), sha);
        let cutoff = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(2 * DAY);
        let report = blobs.sweep_blocking(&HashSet::new(), cutoff).unwrap();
        assert_eq!(report.orphans, 0);
        assert!(path.exists());
        // Once the sweep took a file, storing it writes it anew.
        age(&path, DAY);
        blobs.sweep_blocking(&HashSet::new(), cutoff).unwrap();
        assert!(!path.exists());
        assert_eq!(blobs.put(b"la misma firma").await.unwrap(), sha);
        assert_eq!(blobs.get(&sha).await.unwrap().unwrap(), b"la misma firma");
    }

    #[tokio::test]
    async fn a_removed_file_is_gone_and_removing_it_again_is_harmless() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Local::new(dir.path());
        let sha = blobs.put(b"firma").await.unwrap();
        assert!(blobs.remove(&sha).await.unwrap());
        assert_eq!(blobs.get(&sha).await.unwrap(), None);
        assert!(!blobs.remove(&sha).await.unwrap());
        assert!(!blobs.remove("../../etc/passwd").await.unwrap());
    }
}
