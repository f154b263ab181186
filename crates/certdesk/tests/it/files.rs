//! The files store's promises, checked on each store this run has: the local data dir
//! always, and the S3 bucket when `CERTDESK_TEST_S3_ENDPOINT` points at a local S3 (CI
//! starts moto for the PostgreSQL pass). The rest of the suite runs on whichever store the
//! run has, so every file-handling test covers both over the two passes.

use std::{
    collections::HashSet,
    time::{Duration, SystemTime},
};

use certdesk::blobs::{Blobs, Bucket, SweepReport, SWEEP_SAFE_COUNT};
use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};

use crate::{
    helpers::{fresh_s3_url, s3_or_skip, spawn_app},
    served::ServeSpec,
};

/// The stores to check, each with the temp dir that holds its local parts, and a name.
async fn stores() -> Vec<(&'static str, Blobs, tempfile::TempDir)> {
    let local = tempfile::tempdir().unwrap();
    let mut out = vec![("local", Blobs::new(local.path().join("files")), local)];
    if let Some(endpoint) = s3_or_skip("the S3 store's check") {
        let dir = tempfile::tempdir().unwrap();
        let url = fresh_s3_url(&endpoint).await;
        let bucket = Bucket::at_endpoint(&endpoint, &url, dir.path().join("tmp")).unwrap();
        out.push(("s3", Blobs::bucket(bucket), dir));
    }
    out
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

async fn read_stream(blobs: &Blobs, sha: &str) -> Option<(u64, Vec<u8>)> {
    let (size, stream) = blobs.stream(sha).await.unwrap()?;
    let chunks: Vec<bytes::Bytes> = stream.try_collect().await.unwrap();
    Some((size, chunks.concat()))
}

#[tokio::test]
async fn content_is_stored_once_by_hash_read_back_streamed_and_removed() {
    for (name, blobs, _dir) in stores().await {
        let a = blobs.put(b"foto de un solicitante").await.unwrap();
        assert_eq!(a, sha256(b"foto de un solicitante"), "{name}");
        assert_eq!(blobs.put(b"foto de un solicitante").await.unwrap(), a);
        assert_eq!(
            blobs.get(&a).await.unwrap().as_deref(),
            Some(&b"foto de un solicitante"[..]),
            "{name}"
        );
        assert!(blobs.exists(&a).await.unwrap(), "{name}");
        assert_eq!(
            read_stream(&blobs, &a).await,
            Some((22, b"foto de un solicitante".to_vec())),
            "{name}"
        );
        assert_eq!(blobs.stored().await.unwrap(), vec![a.clone()], "{name}");
        // Only hashes resolve.
        let missing = "0".repeat(64);
        for bad in [missing.as_str(), "../../etc/passwd", "ab/cd"] {
            assert_eq!(blobs.get(bad).await.unwrap(), None, "{name} {bad}");
            assert!(!blobs.exists(bad).await.unwrap(), "{name} {bad}");
            assert!(read_stream(&blobs, bad).await.is_none(), "{name} {bad}");
        }
        assert!(blobs.remove(&a).await.unwrap(), "{name}");
        assert!(!blobs.remove(&a).await.unwrap(), "{name}: removing twice");
        assert_eq!(blobs.get(&a).await.unwrap(), None, "{name}");
        assert!(blobs.stored().await.unwrap().is_empty(), "{name}");
        blobs.check().await.unwrap();
    }
}

/// A file larger than several multipart parts (8 MiB each), with bytes that differ
/// everywhere so a misplaced part would show.
fn large_file(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut block = Sha256::digest(b"paquete").to_vec();
    while out.len() < len {
        out.extend_from_slice(&block);
        block = Sha256::digest(&block).to_vec();
    }
    out.truncate(len);
    out
}

#[tokio::test]
async fn a_large_file_is_adopted_from_scratch_in_parts_and_streams_back_whole() {
    let bytes = large_file(21 * 1024 * 1024 + 12_345);
    for (name, blobs, _dir) in stores().await {
        let scratch = blobs.scratch_dir().unwrap();
        let tmp = scratch.join("paquete.zip");
        std::fs::write(&tmp, &bytes).unwrap();
        let (sha, size) = blobs.adopt_file(tmp.clone()).await.unwrap();
        assert_eq!(sha, sha256(&bytes), "{name}");
        assert_eq!(size, bytes.len() as u64, "{name}");
        assert!(!tmp.exists(), "{name}: the scratch file is gone");
        let (streamed_size, streamed) = read_stream(&blobs, &sha).await.unwrap();
        assert_eq!(streamed_size, size, "{name}");
        assert!(streamed == bytes, "{name}: the stream gives the same bytes");
    }
}

// The sweep compares the store's own times (the filesystem's, the bucket's), not the app's.
#[allow(clippy::disallowed_methods)]
#[tokio::test]
async fn the_sweep_deletes_old_orphans_keeps_named_and_young_files_and_refuses_a_wrong_database() {
    for (name, blobs, _dir) in stores().await {
        let before = SystemTime::now() - Duration::from_secs(3600);
        let named = blobs.put(b"firma nombrada").await.unwrap();
        let orphan = blobs
            .put(b"foto de una solicitud que no se guardo")
            .await
            .unwrap();
        let referenced: HashSet<String> = [named.clone()].into();
        // Nothing is older than an hour ago: nothing goes.
        let report = blobs.sweep(referenced.clone(), before, None).await.unwrap();
        assert_eq!(report, SweepReport::default(), "{name}");
        // A bound in the future makes both old; only the orphan goes.
        let later = SystemTime::now() + Duration::from_secs(3600);
        // Only the files changed since the bound are looked at: none.
        let report = blobs
            .sweep(referenced.clone(), later, Some(later))
            .await
            .unwrap();
        assert_eq!(report.orphans, 0, "{name}: out of scope");
        let report = blobs.sweep(referenced.clone(), later, None).await.unwrap();
        assert_eq!(report.orphans, 1, "{name}");
        assert_eq!(report.bytes, 38, "{name}");
        assert!(blobs.exists(&named).await.unwrap(), "{name}");
        assert!(!blobs.exists(&orphan).await.unwrap(), "{name}");
        // What an interrupted build left in the scratch dir goes too.
        let scratch = blobs.scratch_dir().unwrap().join("lote-x");
        std::fs::create_dir_all(&scratch).unwrap();
        std::fs::write(scratch.join("paquete.zip"), b"zip a medias").unwrap();
        let report = blobs.sweep(referenced.clone(), later, None).await.unwrap();
        assert_eq!(report.partial, 1, "{name}");
        assert!(!scratch.exists(), "{name}");

        // A database that names none of many files: the sweep refuses and keeps them all.
        for i in 0..=SWEEP_SAFE_COUNT {
            blobs.put(format!("foto {i}").as_bytes()).await.unwrap();
        }
        let err = blobs.sweep(HashSet::new(), later, None).await.unwrap_err();
        assert!(err.to_string().contains("right database"), "{name}: {err}");
        assert_eq!(
            blobs.stored().await.unwrap().len(),
            SWEEP_SAFE_COUNT + 2,
            "{name}"
        );
    }
}

#[tokio::test]
async fn healthz_says_when_the_files_store_does_not_answer() {
    let Some(endpoint) = s3_or_skip("the bucket's health check") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let missing = Bucket::at_endpoint(
        &endpoint,
        "s3://certdesk-no-existe/prefijo",
        dir.path().join("tmp"),
    )
    .unwrap();
    assert!(Blobs::bucket(missing).check().await.is_err());
    let t = spawn_app().await;
    let res = t.get("/healthz", None).await;
    assert_eq!(res.status(), 200);

    // The same database, with its files in a bucket that does not exist.
    let mut served = ServeSpec::of(&t)
        .files_in_bucket("s3://certdesk-no-existe/prefijo", &endpoint)
        .start();
    let res = reqwest::get(served.url("/healthz")).await.unwrap();
    assert_eq!(res.status(), 503);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "sin almacén de archivos");
    served.kill();
}

#[tokio::test]
async fn a_malformed_files_url_is_refused_in_spanish() {
    let t = spawn_app().await;
    let out = ServeSpec::of(&t)
        .env("CERTDESK_FILES_URL", "ftp://archivos/certdesk")
        .run(&["migrate"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("CERTDESK_FILES_URL debe tener la forma s3://bucket/prefijo"),
        "{stderr}"
    );
}

#[tokio::test]
async fn files_migrate_copies_every_file_verifies_it_and_resumes() {
    let Some(endpoint) = s3_or_skip("files migrate") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let local = Blobs::new(dir.path().join("files"));
    let mut hashes = Vec::new();
    for i in 0..12 {
        hashes.push(
            local
                .put(format!("constancia {i}").as_bytes())
                .await
                .unwrap(),
        );
    }
    let big = large_file(9 * 1024 * 1024);
    hashes.push(local.put(&big).await.unwrap());
    hashes.sort();
    let url = fresh_s3_url(&endpoint).await;
    let spec = ServeSpec::new(dir.path(), "sqlite://unused.db").files_in_bucket(&url, &endpoint);
    // The source is the data dir: the variable that names the bucket is for after.
    let migrate = || {
        let spec = spec.clone().env("CERTDESK_FILES_URL", "");
        spec.run(&["files", "migrate", "--to", &url])
    };

    let out = migrate();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("13 en el origen; 13 copiados"), "{stdout}");
    assert!(stdout.contains("Verificados: 13 de 13"), "{stdout}");
    let bucket =
        Blobs::bucket(Bucket::at_endpoint(&endpoint, &url, dir.path().join("tmp")).unwrap());
    let mut copied = bucket.stored().await.unwrap();
    copied.sort();
    assert_eq!(copied, hashes);
    for sha in &hashes {
        let bytes = bucket.get(sha).await.unwrap().unwrap();
        assert_eq!(&sha256(&bytes), sha);
    }

    // Run again: nothing to copy, everything verified.
    let out = migrate();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("0 copiados (0 bytes), 13 ya estaban"),
        "{stdout}"
    );

    // A damaged source file is not copied as if it were whole.
    bucket.remove(&hashes[0]).await.unwrap();
    let damaged = local.as_local().unwrap().path_of(&hashes[0]).unwrap();
    std::fs::write(&damaged, b"otra cosa").unwrap();
    let out = migrate();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&hashes[0]) && stderr.contains("no coincide con su SHA-256"),
        "{stderr}"
    );
    assert!(!bucket.exists(&hashes[0]).await.unwrap());

    // Into the same store it came from: refused.
    let out = spec.run(&["files", "migrate", "--to", &url]);
    assert_eq!(out.status.code(), Some(2));
}
