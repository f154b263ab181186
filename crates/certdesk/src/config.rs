//! Command-line flags. Every option also reads `CERTDESK_<OPTION>` from the environment.
//!
//! Secrets (database and SMTP passwords in URLs) are redacted wherever the config is printed.

use std::{
    net::{IpAddr, SocketAddr},
    path::PathBuf,
};

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "certdesk",
    version,
    about = "Mesa de servicios de certificados digitales RENIEC"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Directory for the SQLite database and private files.
    #[arg(
        long,
        env = "CERTDESK_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// `sqlite://PATH` or `postgres://…`; defaults to `<data-dir>/certdesk.db`.
    #[arg(
        long,
        env = "CERTDESK_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// Log format: `text` for people, `json` for log collectors.
    #[arg(
        long,
        env = "CERTDESK_LOG_FORMAT",
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,
    /// Where the private files are: `s3://bucket/prefix` for an S3-compatible bucket shared
    /// by several instances (with `AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ALLOW_HTTP`); `<data-dir>/files` when unset.
    #[arg(long, env = "CERTDESK_FILES_URL", global = true)]
    pub files_url: Option<String>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl GlobalArgs {
    /// The database URL, defaulting to the SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("certdesk.db").display()),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web application and its background jobs.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Print when a request approved at a given time goes to RENIEC.
    Schedule(ScheduleArgs),
    /// The weekly RENIEC batch.
    #[command(subcommand)]
    Batch(BatchCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write a consistent online backup (database and private files) to one archive.
    Backup(BackupArgs),
    /// Restore a backup archive into a new, empty data directory.
    Restore(RestoreArgs),
    /// Fill an empty database with realistic synthetic tickets for load tests.
    LoadDemo(LoadDemoArgs),
    /// The private files store.
    #[command(subcommand)]
    Files(FilesCommand),
}

#[derive(Debug, Subcommand)]
pub enum FilesCommand {
    /// Copy every stored file into another store (`s3://bucket/prefix`) and verify each
    /// copy's SHA-256; run again to resume. Then point CERTDESK_FILES_URL at it.
    Migrate(FilesMigrateArgs),
}

#[derive(Debug, Clone, Args)]
pub struct FilesMigrateArgs {
    /// The store to copy into: `s3://bucket/prefix`.
    #[arg(long)]
    pub to: String,
}

#[derive(Debug, Clone, Args)]
pub struct LoadDemoArgs {
    /// How many tickets (1 to 2,000,000), spread over the last four years.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=2_000_000))]
    pub tickets: u32,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Seal pending entries, then check the whole hash chain: prints `ok N entries`, or the
    /// first broken entry and exits 1.
    Verify,
}

#[derive(Debug, Clone, Args)]
pub struct BackupArgs {
    /// The archive to write (a ZIP file); it must not exist.
    #[arg(long, env = "CERTDESK_TO")]
    pub to: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct RestoreArgs {
    /// The archive written by `certdesk backup`.
    #[arg(long, env = "CERTDESK_FROM")]
    pub from: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum BatchCommand {
    /// Close the due batch now (the same code path as the automatic job).
    Close(BatchCloseArgs),
}

#[derive(Debug, Clone, Args)]
pub struct BatchCloseArgs {
    /// Close the latest cut-off at or before this time (RFC 3339); defaults to now.
    #[arg(long, env = "CERTDESK_NOW")]
    pub now: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ScheduleArgs {
    /// Approval time, RFC 3339 with offset (e.g. `2026-11-27T16:29:59-05:00`).
    #[arg(long, env = "CERTDESK_APPROVED_AT")]
    pub approved_at: String,
    /// Expiry date of the applicant's current certificate, `YYYY-MM-DD` (for the 10-day rule).
    #[arg(long, env = "CERTDESK_EXPIRES_ON")]
    pub expires_on: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CERTDESK_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Public URL of the service, used in e-mailed links; defaults to `http://<bind>`.
    #[arg(long, env = "CERTDESK_BASE_URL")]
    pub base_url: Option<String>,
    /// Load demo accounts (once) and print their logins.
    #[arg(long, env = "CERTDESK_DEMO")]
    pub demo: bool,
    /// Mark session cookies `Secure` (set when served over HTTPS). They are also `Secure`
    /// when `--base-url` starts with `https://`, or when a trusted proxy says
    /// `X-Forwarded-Proto: https`.
    #[arg(long, env = "CERTDESK_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed:
    /// comma-separated addresses or CIDR ranges, e.g. `127.0.0.1,10.0.0.0/8,::1`. Only when
    /// the connection comes from one of them is the client address taken from
    /// `X-Forwarded-For` (its rightmost address that is not a trusted proxy). Empty (the
    /// default): trust none, the client is the connection's peer.
    #[arg(long, env = "CERTDESK_TRUSTED_PROXIES", default_value = "", value_parser = TrustedProxies::parse)]
    pub trusted_proxies: TrustedProxies,
    /// Sender of every mail, e.g. `Mesa de Servicios <mesa@regioncajamarca.gob.pe>`.
    #[arg(long, env = "CERTDESK_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// SMTP server that delivers the outbox: `smtp://user:pass@host:587` (STARTTLS when the
    /// server offers it; `?tls=required` insists, `?tls=none` never), or `smtps://host:465`
    /// (TLS from the start). Unset: mail stays in the outbox for admins to read.
    #[arg(long, env = "CERTDESK_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Seconds an unreferenced file is kept before the orphan sweep run on start deletes
    /// it: longer than any request takes. 0 when no other server shares the files directory
    /// (a restart after a crash then leaves nothing behind). The hourly sweep while serving
    /// never uses less than 900.
    #[arg(long, env = "CERTDESK_ORPHAN_GRACE_SECS", default_value_t = 900)]
    pub orphan_grace_secs: u64,
    /// A bearer token that lets a metrics scraper read `/metrics` (at least 32
    /// characters); without it only admins can. Prefer the environment variable: a flag
    /// shows in the process list.
    #[arg(long, env = "CERTDESK_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
}

impl ServeArgs {
    pub fn base_url(&self) -> String {
        match &self.base_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.bind),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input.
    Create(UserCreateArgs),
}

#[derive(Debug, Clone, Args)]
pub struct UserCreateArgs {
    #[arg(long, env = "CERTDESK_EMAIL")]
    pub email: String,
    #[arg(long, env = "CERTDESK_NAME")]
    pub name: String,
    /// solicitante, analista or admin.
    #[arg(long, env = "CERTDESK_ROLE")]
    pub role: String,
    /// Read the password from standard input (the only way; it never goes on the command line).
    #[arg(long, env = "CERTDESK_PASSWORD_STDIN", required = true)]
    pub password_stdin: bool,
}

/// The reverse proxies whose forwarding headers are believed (`CERTDESK_TRUSTED_PROXIES`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<ipnet::IpNet>);

impl TrustedProxies {
    /// Comma-separated addresses (`10.0.0.5`, `::1`) or CIDR ranges (`10.0.0.0/8`); blanks
    /// around commas are ignored; an empty text trusts none. The error names what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let net = match item.parse::<ipnet::IpNet>() {
                Ok(net) => net,
                Err(_) => match item.parse::<IpAddr>() {
                    Ok(ip) => ipnet::IpNet::from(ip),
                    Err(_) => {
                        return Err(format!(
                            "«{item}» no es una dirección IP ni un rango CIDR (ejemplos: \
                             10.0.0.5, 10.0.0.0/8, ::1)"
                        ))
                    }
                },
            };
            nets.push(net);
        }
        Ok(TrustedProxies(nets))
    }

    /// Trusts the proxies of `text`; for tests and embedders.
    pub fn from_nets(nets: Vec<ipnet::IpNet>) -> Self {
        TrustedProxies(nets)
    }

    /// True when `ip` is one of the trusted proxies (IPv4-mapped IPv6 counts as IPv4).
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A database or SMTP URL with any password replaced, safe to log.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_proxies_are_addresses_and_ranges_and_anything_else_is_named() {
        let proxies = TrustedProxies::parse(" 127.0.0.1, 10.0.0.0/8 ,::1,").unwrap();
        assert!(proxies.trusts("127.0.0.1".parse().unwrap()));
        assert!(proxies.trusts("10.200.3.4".parse().unwrap()));
        assert!(
            proxies.trusts("::ffff:10.1.1.1".parse().unwrap()),
            "IPv4-mapped"
        );
        assert!(proxies.trusts("::1".parse().unwrap()));
        assert!(!proxies.trusts("127.0.0.2".parse().unwrap()));
        assert!(!proxies.trusts("192.168.1.1".parse().unwrap()));
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        let err = TrustedProxies::parse("10.0.0.1, proxy.local").unwrap_err();
        assert!(
            err.contains("«proxy.local» no es una dirección IP"),
            "{err}"
        );
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
    }

    #[test]
    fn a_bad_trusted_proxies_value_stops_the_start_with_its_name() {
        let err = Cli::try_parse_from(["certdesk", "serve", "--trusted-proxies", "10.0.0.1,x"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("--trusted-proxies"), "{err}");
        assert!(err.contains("«x» no es una dirección IP"), "{err}");
    }

    #[test]
    fn a_password_in_a_database_url_is_redacted() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/certdesk"),
            "postgres://app:***@db:5432/certdesk"
        );
        assert_eq!(
            redact_url("sqlite://./data/certdesk.db"),
            "sqlite://./data/certdesk.db"
        );
        assert_eq!(
            redact_url("postgres://app@db/certdesk"),
            "postgres://app@db/certdesk"
        );
        assert_eq!(
            redact_url("smtp://mesa%40gore.pe:p%40ss@mail.gore.pe:587?tls=required"),
            "smtp://mesa%40gore.pe:***@mail.gore.pe:587?tls=required"
        );
    }
}
