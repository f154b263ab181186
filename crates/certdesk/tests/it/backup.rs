//! `certdesk backup` and `certdesk restore` (issue 12), end to end through the binary: a
//! backup taken while the server runs, restored into a fresh data directory, serves the same
//! tickets and the same files byte for byte. The database copy is SQLite's; on PostgreSQL
//! the archive holds the files and the command says how to run `pg_dump`.

use std::{
    io::{Read, Write},
    path::Path,
    process::{Command, Output, Stdio},
};

use domain::role::Role;
use reqwest::Client;
use serde_json::{json, Value};

use crate::helpers::{
    applicant_fields, applicant_form, backend_name, fixture, payment_form, spawn_app_local_files,
    Person, TestApp, PASSWORD,
};
use crate::served::ServeSpec;

const REQUESTER: &str = "maria.cabrera@regioncajamarca.gob.pe";
const ANALYST: &str = "jorge.huaman@regioncajamarca.gob.pe";

/// Runs the `certdesk` binary with `args` on a data directory and database.
fn certdesk(args: &[&str], data_dir: &Path, database_url: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_certdesk"));
    cmd.args(args)
        .env("CERTDESK_DATA_DIR", data_dir)
        .env_remove("CERTDESK_DATABASE_URL")
        .env_remove("CERTDESK_TO")
        .env_remove("CERTDESK_FROM")
        .stdin(Stdio::null());
    if let Some(url) = database_url {
        cmd.env("CERTDESK_DATABASE_URL", url);
    }
    cmd.output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A paid emision (receipt, photo, signature) and a free one, both submitted; the first
/// taken and approved. Returns the paths of every private file: photos, signatures, receipt.
async fn desk_with_files(app: &TestApp, requester: &Person, analyst: &Person) -> Vec<String> {
    let mut files = Vec::new();
    let ticket = app
        .open_ticket(&requester.token, "emision", Some("c"))
        .await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let res = app
        .post_multipart(
            &format!("/api/v1/tickets/{id}/payments"),
            &requester.token,
            payment_form("73318211"),
        )
        .await;
    assert_eq!(res.status(), 201);
    let payment: Value = res.json().await.unwrap();
    let payment_id = payment["id"].as_str().unwrap();
    files.push(format!("/api/v1/payments/{payment_id}/receipt"));
    let mut fields = applicant_fields("10117410");
    fields.push(("payment_id", payment_id.to_owned()));
    let applicant = app.add_applicant(&requester.token, &id, &fields).await;
    let applicant_id = applicant["id"].as_str().unwrap();
    files.push(format!("/api/v1/applicants/{applicant_id}/photo"));
    files.push(format!("/api/v1/applicants/{applicant_id}/signature"));
    app.submit_ticket(&requester.token, &id).await;
    crate::helpers::approved(app, &analyst.token, &id).await;

    let mut other = applicant_fields("40506070");
    for field in other.iter_mut() {
        match field.0 {
            "given_names" => field.1 = "Elena".into(),
            "email" => field.1 = "eruiz@regioncajamarca.gob.pe".into(),
            _ => {}
        }
    }
    // Other pictures, so that the second applicant's files are files of their own.
    let second = app
        .open_ticket(&requester.token, "emision", Some("a"))
        .await;
    let second = second["id"].as_str().unwrap();
    let form = applicant_form(
        &other,
        &[
            ("photo", "foto.png", fixture("photo_ok_large.png")),
            ("signature", "firma.jpg", fixture("signature_ok_2.jpg")),
        ],
    );
    let res = app
        .post_multipart(
            &format!("/api/v1/tickets/{second}/applicants"),
            &requester.token,
            form,
        )
        .await;
    let status = res.status();
    let applicant: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{applicant}");
    app.submit_ticket(&requester.token, second).await;
    let applicant_id = applicant["id"].as_str().unwrap();
    files.push(format!("/api/v1/applicants/{applicant_id}/photo"));
    files.push(format!("/api/v1/applicants/{applicant_id}/signature"));
    files
}

/// What a server answers about the desk: the ticket list and each ticket, and the bytes of
/// each private file, as the analyst sees them.
async fn snapshot(base: &str, token: &str, files: &[String]) -> (Value, Vec<Value>, Vec<Vec<u8>>) {
    let client = Client::new();
    let get = |path: String| {
        let client = client.clone();
        let url = format!("{base}{path}");
        async move {
            let res = client.get(url).bearer_auth(token).send().await.unwrap();
            assert_eq!(res.status(), 200, "GET {path}");
            res
        }
    };
    let list: Value = get("/api/v1/tickets?limit=200".into())
        .await
        .json()
        .await
        .unwrap();
    let mut tickets = Vec::new();
    for t in list["items"].as_array().unwrap() {
        let id = t["id"].as_str().unwrap();
        tickets.push(
            get(format!("/api/v1/tickets/{id}"))
                .await
                .json::<Value>()
                .await
                .unwrap(),
        );
    }
    let mut bytes = Vec::new();
    for path in files {
        bytes.push(get(path.clone()).await.bytes().await.unwrap().to_vec());
    }
    (list, tickets, bytes)
}

async fn login(base: &str, email: &str) -> String {
    let res = Client::new()
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "login of {email} at {base}");
    res.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The names in an archive.
fn entries(archive: &Path) -> Vec<String> {
    let zip = zip::ZipArchive::new(std::fs::File::open(archive).unwrap()).unwrap();
    zip.file_names().map(str::to_owned).collect()
}

fn manifest(archive: &Path) -> Value {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(archive).unwrap()).unwrap();
    let mut text = String::new();
    zip.by_name("certdesk-backup.json")
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A copy of `archive` at `to` with one byte of the first stored file changed.
fn tampered(archive: &Path, to: &Path) {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(archive).unwrap()).unwrap();
    let mut out = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    let mut changed = false;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().to_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if name.starts_with("files/") && !changed {
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0x01;
            changed = true;
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap();
    assert!(changed);
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_into_a_fresh_data_dir_with_the_same_tickets_and_files(
) {
    if backend_name() != "sqlite" {
        eprintln!("skipped: the database copy is SQLite's (PostgreSQL uses pg_dump)");
        return;
    }
    let app = spawn_app_local_files().await;
    let requester =
        Person::sign_up_named(&app, REQUESTER, "María Cabrera Llanos", Role::Solicitante).await;
    let analyst = Person::sign_up_named(&app, ANALYST, "Jorge Huamán Díaz", Role::Analista).await;
    let files = desk_with_files(&app, &requester, &analyst).await;
    let before = snapshot(&app.base, &analyst.token, &files).await;
    assert_eq!(before.0["items"].as_array().unwrap().len(), 2);

    // The backup, while the server is up.
    let backups = tempfile::tempdir().unwrap();
    let archive = backups.path().join("certdesk-2026-12-02.zip");
    let out = certdesk(
        &["backup", "--to", archive.to_str().unwrap()],
        app.dir.path(),
        Some(&app.database_url),
    );
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("VACUUM INTO"), "{}", stdout(&out));
    let names = entries(&archive);
    assert!(names.contains(&"certdesk.db".to_owned()), "{names:?}");
    let stored: Vec<&String> = names.iter().filter(|n| n.starts_with("files/")).collect();
    assert_eq!(
        stored.len(),
        5,
        "2 photos, 2 signatures, 1 receipt: {names:?}"
    );
    let m = manifest(&archive);
    assert_eq!(
        (m["backend"].as_str(), m["database_included"].as_bool()),
        (Some("sqlite"), Some(true))
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&archive).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "personal data: the owner only");
    }
    assert_eq!(m["files"], 5);

    // The backup is on record in the database it copied.
    let admin = Person::sign_up(&app, "admin.backup@regioncajamarca.gob.pe", Role::Admin).await;
    let res = app
        .get("/api/v1/audit?action=system.backup", Some(&admin.token))
        .await;
    assert_eq!(res.status(), 200);
    let logged: Value = res.json().await.unwrap();
    let logged = logged["items"].as_array().unwrap();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0]["subject"], "backup:certdesk-2026-12-02.zip");
    assert!(logged[0]["actor"].is_null());
    let detail = &logged[0]["detail"];
    assert_eq!(detail["files"], 5);
    assert!(stdout(&out).contains(detail["sha256"].as_str().unwrap()));

    // Never over an existing archive.
    let again = certdesk(
        &["backup", "--to", archive.to_str().unwrap()],
        app.dir.path(),
        Some(&app.database_url),
    );
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert!(stderr(&again).contains("Ya existe"), "{}", stderr(&again));

    // Restore into a fresh data directory, then serve it.
    let fresh = tempfile::tempdir().unwrap();
    let data_dir = fresh.path().join("datos");
    let out = certdesk(
        &["restore", "--from", archive.to_str().unwrap()],
        &data_dir,
        None,
    );
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("Archivos privados: 5."),
        "{}",
        stdout(&out)
    );
    assert!(data_dir.join("certdesk.db").is_file());

    // The restored copy's audit log is intact.
    let verify = certdesk(&["audit", "verify"], &data_dir, None);
    assert!(
        verify.status.success(),
        "{}{}",
        stdout(&verify),
        stderr(&verify)
    );
    assert!(stdout(&verify).starts_with("ok "), "{}", stdout(&verify));

    // The restored data dir with its own SQLite database, as `serve` finds it by default.
    let database_url = format!("sqlite://{}", data_dir.join("certdesk.db").display());
    let served = ServeSpec::new(&data_dir, &database_url).start();
    let token = login(served.base(), ANALYST).await;
    let after = snapshot(served.base(), &token, &files).await;
    assert_eq!(after.0, before.0, "the same ticket list");
    assert_eq!(
        after.1, before.1,
        "the same tickets, applicants, payments and history"
    );
    for (path, (a, b)) in files.iter().zip(after.2.iter().zip(&before.2)) {
        assert!(!a.is_empty(), "{path}");
        assert!(a == b, "{path} differs after restore");
    }
    login(served.base(), REQUESTER).await;
    drop(served);

    // Restoring again over it is refused, and nothing is touched.
    let db_before = std::fs::read(data_dir.join("certdesk.db")).unwrap();
    let out = certdesk(
        &["restore", "--from", archive.to_str().unwrap()],
        &data_dir,
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Ya existe una base de datos"),
        "{}",
        stderr(&out)
    );
    assert!(std::fs::read(data_dir.join("certdesk.db")).unwrap() == db_before);
}

#[tokio::test]
async fn a_damaged_or_foreign_archive_is_refused_and_leaves_nothing_behind() {
    if backend_name() != "sqlite" {
        eprintln!("skipped: the database copy is SQLite's (PostgreSQL uses pg_dump)");
        return;
    }
    let app = spawn_app_local_files().await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    desk_with_files(&app, &requester, &analyst).await;
    let backups = tempfile::tempdir().unwrap();
    let archive = backups.path().join("copia.zip");
    let out = certdesk(
        &["backup", "--to", archive.to_str().unwrap()],
        app.dir.path(),
        Some(&app.database_url),
    );
    assert!(out.status.success(), "{}", stderr(&out));

    let bad = backups.path().join("danada.zip");
    tampered(&archive, &bad);
    let target = backups.path().join("datos");
    let out = certdesk(&["restore", "--from", bad.to_str().unwrap()], &target, None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("dañada"), "{}", stderr(&out));
    assert!(!target.join("certdesk.db").exists());
    assert!(!target.join("files").exists());

    let foreign = backups.path().join("otra.zip");
    std::fs::write(&foreign, b"not a zip").unwrap();
    let out = certdesk(
        &["restore", "--from", foreign.to_str().unwrap()],
        &target,
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no es una copia de certdesk"),
        "{}",
        stderr(&out)
    );

    // A files directory with something in it is not "fresh".
    std::fs::create_dir_all(target.join("files/ab")).unwrap();
    let out = certdesk(
        &["restore", "--from", archive.to_str().unwrap()],
        &target,
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("no está vacía"), "{}", stderr(&out));
    assert!(!target.join("certdesk.db").exists());
}

#[tokio::test]
async fn on_postgresql_the_archive_holds_the_files_and_says_how_to_run_pg_dump() {
    if backend_name() != "postgres" {
        eprintln!("skipped: PostgreSQL only (set CERTDESK_TEST_POSTGRES_URL)");
        return;
    }
    let app = spawn_app_local_files().await;
    let requester = Person::sign_up(&app, REQUESTER, Role::Solicitante).await;
    let analyst = Person::sign_up(&app, ANALYST, Role::Analista).await;
    desk_with_files(&app, &requester, &analyst).await;
    let backups = tempfile::tempdir().unwrap();
    let archive = backups.path().join("copia.zip");
    let out = certdesk(
        &["backup", "--to", archive.to_str().unwrap()],
        app.dir.path(),
        Some(&app.database_url),
    );
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("pg_dump --format=custom"), "{text}");
    assert!(text.contains("copia.dump"), "{text}");
    let names = entries(&archive);
    assert!(!names.contains(&"certdesk.db".to_owned()), "{names:?}");
    assert_eq!(names.iter().filter(|n| n.starts_with("files/")).count(), 5);
    let m = manifest(&archive);
    assert_eq!(
        (m["backend"].as_str(), m["database_included"].as_bool()),
        (Some("postgres"), Some(false))
    );

    let target = backups.path().join("datos");
    let out = certdesk(
        &["restore", "--from", archive.to_str().unwrap()],
        &target,
        Some(&app.database_url),
    );
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("pg_restore"), "{}", stdout(&out));
    let mut restored = 0;
    for dir in std::fs::read_dir(target.join("files")).unwrap() {
        restored += std::fs::read_dir(dir.unwrap().path()).unwrap().count();
    }
    assert_eq!(restored, 5);
}
