//! certdesk, the application: everything that does I/O around the pure rules of `domain`.
//!
//! Data flows one way: `web` → `app` (use cases) → `domain` (decide) → `store` (persist).
//!
//! - [`config`]: command-line flags and `CERTDESK_*` environment variables.
//! - [`clock`]: the only source of "now"; tests pass a fixed clock.
//! - [`store`]: the only module that knows SQL; one code path for SQLite and PostgreSQL.
//! - [`blobs`]: private files by content hash, in the data dir or an S3-compatible bucket.
//! - [`private_fs`]: directories `0700` and files `0600`, for the data dir and what is in it.
//! - [`app`]: use cases, one transaction each; who-may-do-what is enforced here.
//! - [`mail`]: the e-mails certdesk writes to the transactional outbox.
//! - [`jobs`]: background work, each a `run_once(now)` step plus a loop; each step under a
//!   database lease, so several instances on one database run it once.
//! - [`web`]: axum routes: HTML pages for people, JSON API under `/api/v1`.
//! - [`images`]: upload bytes → bounded decode → checks → bytes to store.
//! - [`sheets`]: uploaded CSV/XLSX → rows of text cells (bounded); XLSX templates to fill in.
//! - [`demo`]: the demo data loaded by `serve --demo`.
//! - [`backup`]: backup archives (database copy and private files) and their restore.
//! - [`cli`]: what each subcommand of the `certdesk` binary does.
//! - [`fault`]: named fault points the crash tests trip (`CERTDESK_FAULT`); inert otherwise.

pub mod app;
pub mod backup;
pub mod blobs;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod fault;
pub mod images;
pub mod jobs;
pub mod load_demo;
pub mod mail;
pub mod private_fs;
pub mod sheets;
pub mod store;
pub mod web;
