//! The `certdesk` binary: parse the command line, set up logging, run. Wiring only.

use std::process::ExitCode;

use clap::Parser;

/// See the comment on `mimalloc` in Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = certdesk::config::Cli::parse();
    certdesk::cli::init_tracing(cli.global.log_format);
    match certdesk::cli::run(cli).await {
        Ok(code) => code,
        Err(err) => {
            tracing::error!(error = ?err, "certdesk failed");
            eprintln!("Error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
