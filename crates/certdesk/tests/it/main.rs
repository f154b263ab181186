//! certdesk's one integration-test binary.
//!
//! Every test runs against a fresh app on its own port with its own database: SQLite by
//! default, PostgreSQL when `CERTDESK_TEST_POSTGRES_URL` is set (each test then creates and
//! later drops its own database there). CI runs the suite once per backend.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod accounts;
mod analyst;
mod analyst_pages;
mod audit;
mod auth;
mod backup;
mod bulk;
mod corrections;
mod crash;
mod deploy;
mod desk;
mod faults;
mod files;
mod forecast;
mod hardening;
mod helpers;
mod homes;
mod images;
mod instances;
mod load_demo;
mod login_security;
mod mail_delivery;
mod matrix;
mod migrations;
mod notifications;
mod openapi;
mod operations;
mod pages;
mod pg_restart;
mod privacy;
mod registry_search;
mod reports;
mod scale_out;
mod schedule;
mod search;
mod served;
mod settings;
mod smtp_server;
mod ticket_pages;
mod tickets;
mod users;
