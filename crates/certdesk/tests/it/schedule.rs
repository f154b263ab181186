//! `certdesk schedule` and the stored calendar behind it.

use std::process::Command;

use certdesk::{
    app,
    store::holidays::{self, HolidaySource},
};
use jiff::civil::date;

use crate::helpers::spawn_app;

fn schedule(database_url: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_certdesk"))
        .arg("schedule")
        .args(args)
        .env("CERTDESK_DATABASE_URL", database_url)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_cli_prints_the_dispatch_time_in_lima_from_the_stored_calendar() {
    let app = spawn_app().await;
    let url = &app.database_url;
    let (code, out, err) = schedule(url, &["--approved-at", "2026-11-27T16:29:59-05:00"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "2026-11-27T16:30:00-05:00");
    let (_, out, _) = schedule(url, &["--approved-at", "2026-11-27T21:30:00Z"]);
    assert_eq!(
        out, "2026-12-04T16:30:00-05:00",
        "16:30 Lima is already the next batch"
    );
    // Christmas and New Year's Day 2026/27 fall on Fridays: both cut-offs move to Thursday.
    let (_, out, _) = schedule(url, &["--approved-at", "2026-12-25T10:00:00Z"]);
    assert_eq!(out, "2026-12-31T16:30:00-05:00");
    // The 10-day rule holds a renewal until the cut-off on or before E − 10.
    let (_, out, _) = schedule(
        url,
        &[
            "--approved-at",
            "2026-11-02T10:00:00-05:00",
            "--expires-on",
            "2027-01-15",
        ],
    );
    assert_eq!(out, "2026-12-31T16:30:00-05:00");
}

#[tokio::test]
async fn a_decreed_non_working_day_in_the_database_moves_the_cut_off() {
    let app = spawn_app().await;
    let (_, before, _) = schedule(
        &app.database_url,
        &["--approved-at", "2026-11-23T09:00:00-05:00"],
    );
    assert_eq!(before, "2026-11-27T16:30:00-05:00");
    let mut conn = app.app.store.conn().await.unwrap();
    holidays::upsert(
        &mut conn,
        date(2026, 11, 27),
        "Día no laborable decretado",
        HolidaySource::Decretado,
    )
    .await
    .unwrap();
    drop(conn);
    let (_, after, _) = schedule(
        &app.database_url,
        &["--approved-at", "2026-11-23T09:00:00-05:00"],
    );
    assert_eq!(after, "2026-11-26T16:30:00-05:00");
}

#[tokio::test]
async fn national_holidays_are_seeded_once_per_year_and_deletions_stick() {
    let app = spawn_app().await;
    let approved = "2027-03-20T10:00:00-05:00".parse().unwrap();
    // Before any seeding, the calendar already knows the law's holidays (computed, not
    // stored: reading the calendar never writes).
    let at = app::schedule::dispatch_at(&app.app, approved, None)
        .await
        .unwrap();
    assert_eq!(
        app::rfc3339(at.timestamp()),
        "2027-03-24T16:30:00-05:00",
        "Holy Week 2027"
    );
    let mut conn = app.app.store.conn().await.unwrap();
    let stored = holidays::between(&mut conn, date(2027, 1, 1), date(2027, 12, 31))
        .await
        .unwrap();
    assert!(stored.is_empty(), "reading the calendar stored {stored:?}");
    drop(conn);

    // Seeding (migrate, serve, the daily job) stores this year and the next two, once.
    let now = "2026-12-02T10:00:00-05:00".parse().unwrap();
    let seeded = app::schedule::seed_holidays(&app.app, now).await.unwrap();
    assert_eq!(seeded, [2026, 2027, 2028]);
    assert!(app::schedule::seed_holidays(&app.app, now)
        .await
        .unwrap()
        .is_empty());
    let mut conn = app.app.store.conn().await.unwrap();
    let days = holidays::between(&mut conn, date(2027, 1, 1), date(2027, 12, 31))
        .await
        .unwrap();
    assert!(days.contains(&date(2027, 3, 25)) && days.contains(&date(2027, 3, 26)));
    assert!(days.contains(&date(2027, 12, 25)));
    // An admin removes Holy Thursday; the next computation must not seed it back.
    sqlx::query("DELETE FROM holidays WHERE day = '2027-03-25'")
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    assert!(app::schedule::seed_holidays(&app.app, now)
        .await
        .unwrap()
        .is_empty());
    let at = app::schedule::dispatch_at(&app.app, approved, None)
        .await
        .unwrap();
    assert_eq!(app::rfc3339(at.timestamp()), "2027-03-25T16:30:00-05:00");
}

#[tokio::test]
async fn bad_cli_input_is_refused_in_spanish_with_exit_code_2() {
    let app = spawn_app().await;
    let (code, _, err) = schedule(&app.database_url, &["--approved-at", "viernes"]);
    assert_eq!(code, 2);
    assert!(err.contains("RFC 3339"), "{err}");
    let (code, _, err) = schedule(
        &app.database_url,
        &[
            "--approved-at",
            "2026-11-27T10:00:00-05:00",
            "--expires-on",
            "31/12/2026",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("AAAA-MM-DD"), "{err}");
}
