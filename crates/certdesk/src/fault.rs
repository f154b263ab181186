//! Fault points for the crash tests (RELIABILITY.md): named places where the process can
//! be made to die on purpose, to prove that what it was doing still happens exactly once.
//!
//! Compiled in always, inert unless `CERTDESK_FAULT` names the point (a comma-separated
//! list names several). At a named point the process aborts at once: no destructor runs,
//! no transaction is rolled back politely, nothing is flushed, as with a SIGKILL or a power
//! cut of the process. Never set it in production.
//!
//! The points, in the order the work passes them:
//! - `files.before_commit`: an applicant's photo and signature are on disk, its row is not
//!   committed (the files are orphans until the sweep removes them).
//! - `batch.after_commit`: a batch is committed, its package not yet built.
//! - `batch.package_written`: the package ZIP is written in the scratch dir, not yet
//!   moved into the files store.
//! - `batch.package_stored`: the package is in the files store, the batch row does not
//!   name it yet.
//! - `reminders.before_commit`: reminders and their notices are written in a transaction
//!   that has not committed.
//! - `reminders.after_commit`: they are committed.
//! - `outbox.after_claim`: a mail is claimed, not yet handed to the SMTP server.
//! - `outbox.after_send`: the SMTP server accepted a mail, it is not yet marked sent.

use std::sync::OnceLock;

/// The environment variable that names the fault points to trip.
pub const ENV: &str = "CERTDESK_FAULT";

fn armed() -> &'static [String] {
    static ARMED: OnceLock<Vec<String>> = OnceLock::new();
    ARMED.get_or_init(|| {
        std::env::var(ENV)
            .map(|v| {
                v.split(',')
                    .map(|p| p.trim().to_owned())
                    .filter(|p| !p.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// Aborts the process when `CERTDESK_FAULT` names `name`; does nothing otherwise.
pub fn point(name: &str) {
    if armed().iter().any(|p| p == name) {
        eprintln!("{ENV}: aborting at fault point {name}");
        std::process::abort();
    }
}
