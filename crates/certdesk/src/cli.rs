//! What each subcommand of the `certdesk` binary does. `main.rs` only parses and calls here.

use std::{io::Read, process::ExitCode, sync::Arc};

use anyhow::Context;
use tokio::sync::watch;

use crate::{
    app::{self, auth, App, AppConfig, AppError},
    backup::{self, Refused, RestoreTarget},
    blobs::Blobs,
    clock::SystemClock,
    config::{
        redact_url, AuditCommand, BackupArgs, BatchCloseArgs, BatchCommand, Cli, Command,
        FilesCommand, FilesMigrateArgs, GlobalArgs, LoadDemoArgs, LogFormat, RestoreArgs,
        ScheduleArgs, ServeArgs, UserCommand, UserCreateArgs,
    },
    demo, jobs,
    mail::smtp::{self, SmtpSender},
    store::Store,
    web,
};

/// Structured logs to stderr; `RUST_LOG` overrides the default level.
pub fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match dispatch(cli).await {
        Ok(code) => Ok(code),
        Err(err) => refused_or(err),
    }
}

async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve(&cli.global, &args).await,
        Command::Migrate => {
            let app = offline_app(&cli.global).await?;
            let seeded = app::schedule::seed_holidays(&app, app.now()).await;
            app.store.close().await;
            let seeded = seeded.context("seeding the national holidays")?;
            println!("Migraciones aplicadas.");
            if !seeded.is_empty() {
                let years: Vec<String> = seeded.iter().map(i16::to_string).collect();
                println!("Feriados nacionales cargados: {}.", years.join(", "));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::Create(args)) => create_user(&cli.global, &args).await,
        Command::Schedule(args) => print_schedule(&cli.global, &args).await,
        Command::Batch(BatchCommand::Close(args)) => close_batch(&cli.global, &args).await,
        Command::Backup(args) => take_backup(&cli.global, &args).await,
        Command::Restore(args) => restore_backup(&cli.global, &args).await,
        Command::Audit(AuditCommand::Verify) => verify_audit(&cli.global).await,
        Command::LoadDemo(args) => load_demo(&cli.global, &args).await,
        Command::Files(FilesCommand::Migrate(args)) => migrate_files(&cli.global, &args).await,
    }
}

/// The files store `CERTDESK_FILES_URL` names (the data dir's when unset); a malformed URL
/// is refused with its Spanish message.
fn files_store(global: &GlobalArgs) -> anyhow::Result<Blobs> {
    open_files(global.files_url.as_deref(), global)
}

/// The files store at `url` (the data dir's when `None`); a malformed URL is refused.
fn open_files(url: Option<&str>, global: &GlobalArgs) -> anyhow::Result<Blobs> {
    Blobs::open(url, &global.data_dir).map_err(|message| anyhow::Error::new(Refused(message)))
}

/// The local files directory a backup reads or a restore fills; refused when the files are
/// in a bucket, which is backed up by its own versioning (docs/deploy.md).
fn local_files_root(global: &GlobalArgs) -> anyhow::Result<std::path::PathBuf> {
    let blobs = files_store(global)?;
    match blobs.as_local() {
        Some(local) => Ok(local.root().to_path_buf()),
        None => Err(anyhow::Error::new(Refused(format!(
            "Los archivos están en {}: las copias de certdesk solo cubren archivos locales. \
             Respalde la base de datos con pg_dump y los archivos con el versionado del bucket \
             (docs/deploy.md, «Copias de seguridad»).",
            blobs.describe()
        )))),
    }
}

async fn migrate_files(global: &GlobalArgs, args: &FilesMigrateArgs) -> anyhow::Result<ExitCode> {
    let from = files_store(global)?;
    let to = open_files(Some(&args.to), global)?;
    if from.describe() == to.describe() {
        eprintln!(
            "El origen y el destino son el mismo almacén ({}).",
            to.describe()
        );
        return Ok(ExitCode::from(2));
    }
    println!(
        "Copiando los archivos de {} a {}…",
        from.describe(),
        to.describe()
    );
    let report = crate::blobs::migrate::copy_all(&from, &to)
        .await
        .context("copying the files")?;
    println!(
        "Archivos: {} en el origen; {} copiados ({}), {} ya estaban en el destino.",
        report.files,
        report.copied,
        human_bytes(report.copied_bytes),
        report.present
    );
    if report.failed.is_empty() {
        println!(
            "Verificados: {} de {} (SHA-256 de cada copia leída desde el destino).",
            report.verified, report.files
        );
        println!(
            "Ahora configure CERTDESK_FILES_URL={} en cada instancia.",
            to.describe()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "{} archivos no se pudieron copiar o verificar; vuelva a ejecutar el comando:",
            report.failed.len()
        );
        for (sha256, why) in report.failed.iter().take(20) {
            eprintln!("  {sha256}: {why}");
        }
        Ok(ExitCode::FAILURE)
    }
}

/// A refusal the operator must act on (exit 2, its Spanish words), or the error itself.
fn refused_or(err: anyhow::Error) -> anyhow::Result<ExitCode> {
    match err.downcast_ref::<Refused>() {
        Some(refused) => {
            eprintln!("{refused}");
            Ok(ExitCode::from(2))
        }
        None => Err(err),
    }
}

/// Sizes as people read them: `12,3 MB`.
fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KB", "MB", "GB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit]).replace('.', ",")
    }
}

/// The `pg_dump` file kept beside an archive: `copia.zip` → `copia.dump`.
fn dump_beside(archive: &std::path::Path) -> std::path::PathBuf {
    archive.with_extension("dump")
}

async fn take_backup(global: &GlobalArgs, args: &BackupArgs) -> anyhow::Result<ExitCode> {
    let url = global.database_url();
    if let Some(path) = backup::sqlite_path(&url) {
        if !path.exists() {
            eprintln!(
                "No hay base de datos en {}: revise --data-dir o --database-url.",
                path.display()
            );
            return Ok(ExitCode::from(2));
        }
    }
    let files = local_files_root(global)?;
    // Not `open_store`: a backup copies the database as it is, it never migrates it.
    let store = Store::connect(&url)
        .await
        .with_context(|| format!("connecting to {}", redact_url(&url)))?;
    let now = crate::clock::Clock::now(&SystemClock);
    let taken = backup::take(&store, &files, &args.to, now).await;
    let report = match taken {
        Ok(report) => report,
        Err(err) => {
            store.close().await;
            return refused_or(err.context("taking the backup"));
        }
    };
    let recorded = backup::record(&store, &report, now).await;
    store.close().await;
    let m = &report.manifest;
    println!(
        "Copia escrita en {} ({}, SHA-256 {}).",
        report.path.display(),
        human_bytes(report.bytes),
        report.sha256
    );
    println!(
        "Archivos privados (fotos, firmas, constancias, paquetes): {} ({}).",
        m.files,
        human_bytes(m.files_bytes)
    );
    if m.database_included {
        println!(
            "Base de datos: SQLite, copia consistente con VACUUM INTO (esquema {}).",
            m.schema.map_or_else(|| "?".to_owned(), |s| s.to_string())
        );
    } else {
        println!(
            "La base de datos PostgreSQL NO está en este archivo. Cópiela con pg_dump, antes de"
        );
        println!("este comando (así el volcado nunca nombra un archivo que la copia no tenga):");
        println!(
            "  pg_dump --format=custom --no-owner --no-privileges --file={} \"$CERTDESK_DATABASE_URL\"",
            dump_beside(&report.path).display()
        );
        println!("y guarde el volcado junto a este archivo. Vea docs/operations.md.");
    }
    if let Err(err) = recorded {
        eprintln!("La copia está completa, pero no se pudo registrar en la auditoría: {err:#}");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

async fn restore_backup(global: &GlobalArgs, args: &RestoreArgs) -> anyhow::Result<ExitCode> {
    let target = RestoreTarget {
        database_url: global.database_url(),
        files_root: local_files_root(global)?,
    };
    let report = match backup::restore(&args.from, &target).await {
        Ok(report) => report,
        Err(err) => return refused_or(err.context("restoring the backup")),
    };
    let m = &report.manifest;
    println!(
        "Copia del {} restaurada en {}.",
        m.created_at,
        global.data_dir.display()
    );
    println!("Archivos privados: {}.", report.files);
    match &report.database {
        Some(db) => {
            println!("Base de datos: {}.", db.display());
            println!(
                "Inicie el servicio con: certdesk serve --data-dir {}",
                global.data_dir.display()
            );
        }
        None => {
            println!(
                "La base de datos PostgreSQL no está en el archivo: restaure su volcado en una"
            );
            println!("base de datos vacía con:");
            println!(
                "  pg_restore --no-owner --no-privileges --dbname=\"$CERTDESK_DATABASE_URL\" {}",
                dump_beside(&args.from).display()
            );
            println!("y luego inicie el servicio (aplica las migraciones que falten).");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Connects and applies pending migrations.
pub async fn open_store(global: &GlobalArgs) -> anyhow::Result<Store> {
    let url = global.database_url();
    let store = Store::connect(&url)
        .await
        .with_context(|| format!("connecting to {}", redact_url(&url)))?;
    store.migrate().await.context("applying migrations")?;
    // Mails written by older versions may hold set-password links: take them out.
    app::outbox::scrub_stored_links(&store, crate::clock::Clock::now(&SystemClock))
        .await
        .context("taking set-password links out of stored mails")?;
    Ok(store)
}

/// The shortest metrics token `serve` accepts: a guessable one would open the metrics.
const MIN_METRICS_TOKEN_CHARS: usize = 32;

async fn serve(global: &GlobalArgs, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let sender = match smtp_sender(args) {
        Ok(sender) => sender,
        Err(message) => {
            eprintln!("{message}");
            return Ok(ExitCode::from(2));
        }
    };
    if args
        .metrics_token
        .as_deref()
        .is_some_and(|t| t.trim().chars().count() < MIN_METRICS_TOKEN_CHARS)
    {
        eprintln!(
            "CERTDESK_METRICS_TOKEN debe tener al menos {MIN_METRICS_TOKEN_CHARS} caracteres \
             (por ejemplo, la salida de: openssl rand -hex 32)."
        );
        return Ok(ExitCode::from(2));
    }
    // Private to the service's user, also when an older version made it readable by others.
    crate::private_fs::prepare_data_dir(&global.data_dir)
        .with_context(|| format!("preparing the data dir {}", global.data_dir.display()))?;
    let blobs = files_store(global)?;
    let store = open_store(global).await?;
    tracing::info!(backend = store.backend().as_str(), files = %blobs.describe(), "database ready");
    let app = App::new(
        store,
        blobs,
        Arc::new(SystemClock),
        AppConfig {
            secure_cookies: args.secure_cookies,
            trusted_proxies: args.trusted_proxies.clone(),
            mail_from: args.mail_from.clone(),
            orphan_grace: std::time::Duration::from_secs(args.orphan_grace_secs),
            metrics_token: args.metrics_token.clone().map(app::MetricsToken),
            ..AppConfig::new(args.base_url())
        },
    );
    app::schedule::seed_holidays(&app, app.now())
        .await
        .context("seeding the national holidays")?;
    // Before listening: what a crash left half-written is gone before anyone looks. A sweep
    // that refuses (most files unnamed: the wrong database?) is logged, and serving goes on.
    if let Err(err) = app::files::sweep_orphans(&app, app::files::Sweep::OnStart).await {
        tracing::error!(error = ?err, "the orphan file sweep on start failed; files were kept");
    }
    if args.demo {
        if demo::load(&app).await? {
            tracing::info!("demo data loaded");
        }
        println!("Datos de demostración. Ingrese con:");
        for login in demo::LOGINS {
            println!(
                "  {:<13} {}  contraseña: {}",
                login.role.label(),
                login.email,
                login.password
            );
        }
    }
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("binding {}", args.bind))?;
    let addr = listener.local_addr()?;
    tracing::info!(url = %format!("http://{addr}"), "certdesk escuchando");

    let (stop_jobs, jobs_stopped) = watch::channel(false);
    let delivery = match sender {
        Some(sender) => {
            let url = args.smtp_url.as_deref().unwrap_or_default();
            tracing::info!(smtp = %redact_url(url), "delivering mail over SMTP");
            Some(tokio::spawn(jobs::outbox::run_loop(
                app.clone(),
                sender,
                jobs_stopped.clone(),
            )))
        }
        None => {
            tracing::info!("no SMTP server configured: mail stays in the outbox");
            None
        }
    };
    let jobs = tokio::spawn(jobs::run_all(app.clone(), jobs_stopped));
    web::serve(listener, app.clone(), shutdown_signal())
        .await
        .context("serving HTTP")?;
    let _ = stop_jobs.send(true);
    let _ = jobs.await;
    if let Some(delivery) = delivery {
        let _ = delivery.await;
    }
    app.store.close().await;
    tracing::info!("certdesk detenido");
    Ok(ExitCode::SUCCESS)
}

/// The SMTP server of `--smtp-url`, if any, checked before anything starts: with a server
/// but no usable sender address, `serve` refuses to start (a mail needs a From). The error
/// is for the operator, in Spanish; it never shows the SMTP password.
fn smtp_sender(args: &ServeArgs) -> Result<Option<SmtpSender>, String> {
    let Some(url) = args.smtp_url.as_deref().filter(|u| !u.trim().is_empty()) else {
        return Ok(None);
    };
    let from = args
        .mail_from
        .as_deref()
        .filter(|f| !f.trim().is_empty())
        .ok_or_else(|| {
            "CERTDESK_SMTP_URL (--smtp-url) está configurado, pero falta el remitente: configure \
             CERTDESK_MAIL_FROM (--mail-from), por ejemplo \
             \"Mesa de Servicios <mesa@regioncajamarca.gob.pe>\"."
                .to_owned()
        })?;
    smtp::sender_mailbox(from).map_err(|e| format!("CERTDESK_MAIL_FROM (--mail-from): {e}."))?;
    SmtpSender::from_url(url)
        .map(Some)
        .map_err(|e| format!("CERTDESK_SMTP_URL (--smtp-url) {}: {e}.", redact_url(url)))
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn create_user(global: &GlobalArgs, args: &UserCreateArgs) -> anyhow::Result<ExitCode> {
    let role = match args.role.parse() {
        Ok(role) => role,
        Err(err) => {
            eprintln!("{err}");
            return Ok(ExitCode::from(2));
        }
    };
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .context("reading the password from standard input")?;
    let password = password.trim_end_matches(['\n', '\r']);
    let app = offline_app(global).await?;
    let result = auth::create_user(&app, &args.email, &args.name, role, password).await;
    app.store.close().await;
    match result {
        Ok(user) => {
            println!(
                "Cuenta creada: {} ({}) id {}",
                user.email,
                user.role.as_str(),
                user.id
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(AppError::Validation(errors)) => {
            for (field, messages) in errors.iter() {
                for message in messages {
                    eprintln!("{field}: {message}");
                }
            }
            Ok(ExitCode::from(2))
        }
        Err(err) => Err(anyhow::Error::new(err).context("creating the account")),
    }
}

async fn load_demo(global: &GlobalArgs, args: &LoadDemoArgs) -> anyhow::Result<ExitCode> {
    let app = offline_app(global).await?;
    let loaded = crate::load_demo::load(&app, args.tickets).await;
    app.store.close().await;
    match loaded? {
        Ok(report) => {
            print!("{report}");
            Ok(ExitCode::SUCCESS)
        }
        Err(refused) => {
            eprintln!("{refused}");
            Ok(ExitCode::from(2))
        }
    }
}

/// An app for one-shot commands (no server, no links to build).
async fn offline_app(global: &GlobalArgs) -> anyhow::Result<App> {
    let store = open_store(global).await?;
    Ok(App::new(
        store,
        files_store(global)?,
        Arc::new(SystemClock),
        AppConfig::new(""),
    ))
}

async fn print_schedule(global: &GlobalArgs, args: &ScheduleArgs) -> anyhow::Result<ExitCode> {
    let approved_at: jiff::Timestamp = match args.approved_at.trim().parse() {
        Ok(ts) => ts,
        Err(_) => {
            eprintln!(
                "--approved-at no es una fecha y hora RFC 3339 con zona horaria \
                 (por ejemplo 2026-11-27T16:29:59-05:00)."
            );
            return Ok(ExitCode::from(2));
        }
    };
    let expires_on = match args.expires_on.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => match raw.parse::<jiff::civil::Date>() {
            Ok(date) => Some(date),
            Err(_) => {
                eprintln!(
                    "--expires-on no es una fecha AAAA-MM-DD válida (por ejemplo 2027-03-15)."
                );
                return Ok(ExitCode::from(2));
            }
        },
    };
    let app = offline_app(global).await?;
    let dispatch = app::schedule::dispatch_at(&app, approved_at, expires_on).await;
    app.store.close().await;
    let dispatch = dispatch.context("computing the dispatch time")?;
    println!("{}", app::rfc3339(dispatch.timestamp()));
    Ok(ExitCode::SUCCESS)
}

async fn close_batch(global: &GlobalArgs, args: &BatchCloseArgs) -> anyhow::Result<ExitCode> {
    let app = offline_app(global).await?;
    let real_now = app.now();
    let now = match args.now.as_deref().map(str::trim) {
        None | Some("") => real_now,
        Some(raw) => match raw.parse::<jiff::Timestamp>() {
            Ok(at) if at <= real_now => at,
            Ok(_) => {
                eprintln!("--now no puede ser futuro: no se cierra un corte que no llegó.");
                return Ok(ExitCode::from(2));
            }
            Err(_) => {
                eprintln!("--now no es una fecha y hora RFC 3339 con zona horaria.");
                return Ok(ExitCode::from(2));
            }
        },
    };
    let closed = app::batch::close(&app, None, now).await;
    app.store.close().await;
    if let Err(AppError::Validation(errors)) = &closed {
        for (_, messages) in errors.iter() {
            for m in messages {
                eprintln!("--now: {m}");
            }
        }
        return Ok(ExitCode::from(2));
    }
    let closed = closed.context("closing the batch")?;
    println!("{} {}", closed.batch.id, closed.batch.item_count);
    eprintln!(
        "Lote del corte {}{}: {} solicitante(s).",
        app::rfc3339(closed.batch.cutoff_at),
        if closed.newly_closed {
            ""
        } else {
            " (ya estaba cerrado)"
        },
        closed.batch.item_count
    );
    Ok(ExitCode::SUCCESS)
}

/// `certdesk audit verify`: `ok N entries` on stdout and exit 0, or the first broken entry
/// on stderr and exit 1.
async fn verify_audit(global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let app = offline_app(global).await?;
    let outcome = app::audit::verify(&app).await;
    app.store.close().await;
    match outcome.context("verifying the audit log")? {
        Ok(n) => {
            println!("ok {n} entries");
            Ok(ExitCode::SUCCESS)
        }
        Err(broken) => {
            println!("broken at entry {}", broken.seq());
            eprintln!("{broken}");
            Ok(ExitCode::from(1))
        }
    }
}
