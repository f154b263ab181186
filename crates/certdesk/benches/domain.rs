//! The hot rules of `domain`, each on its own: the batch schedule (the next cut-off and the
//! 10-day rule over the calendar with its holidays) and the validators every form runs (DNI,
//! RUC, e-mail, names, money, phone, payment settings). The image checks have their own bench
//! (`benches/images.rs`). Issue 14; `cargo bench -p certdesk --bench domain`, figures in
//! BENCHMARKS.md.

#![allow(clippy::expect_used)] // a benchmark whose setup fails should stop loudly

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use domain::{
    identity::{Dni, Email, InstitutionalEmail, PersonName, Ruc},
    money::Money,
    payment::PaymentRules,
    phone::PhoneNumber,
    schedule::{self, Calendar, Cutoff},
};
use jiff::{civil::date, Timestamp};

fn schedule(c: &mut Criterion) {
    let calendar = Calendar::with_national_holidays(Cutoff::default(), 2026..=2030);
    let approved: Timestamp = "2026-12-02T15:00:00Z".parse().expect("a timestamp");
    let mut group = c.benchmark_group("schedule");
    group.bench_function("dispatch_at, no expiry", |b| {
        b.iter(|| schedule::dispatch_at(black_box(approved), None, &calendar))
    });
    // Held by the 10-day rule: the latest cut-off before expiry minus ten days, months ahead.
    group.bench_function("dispatch_at, held by the 10-day rule", |b| {
        b.iter(|| {
            schedule::dispatch_at(
                black_box(approved),
                Some(black_box(date(2027, 6, 15))),
                &calendar,
            )
        })
    });
    group.bench_function("next_cutoff_after", |b| {
        b.iter(|| calendar.next_cutoff_after(black_box(approved)))
    });
    group.bench_function("calendar with five years of national holidays", |b| {
        b.iter(|| Calendar::with_national_holidays(Cutoff::default(), black_box(2026..=2030)))
    });
    group.finish();
}

fn validators(c: &mut Criterion) {
    let domains = vec!["regioncajamarca.gob.pe".to_owned(), "gob.pe".to_owned()];
    // Valid inputs: the path every accepted form takes (a refusal returns earlier).
    Dni::parse(" 45873210 ").expect("a valid DNI");
    Ruc::parse("20453744168").expect("a valid RUC");
    Email::parse("Ana.Quispe@RegionCajamarca.gob.pe").expect("a valid e-mail");
    InstitutionalEmail::parse("ana.quispe@regioncajamarca.gob.pe", &domains)
        .expect("an institutional e-mail");
    PersonName::parse("  María  Fernanda Ñahui Cóndor ").expect("a valid name");
    Money::parse("1234.50").expect("a valid amount");
    PhoneNumber::parse("+51 976 543 210").expect("a valid phone");
    PaymentRules::parse("8.10", "00529", "20453744168").expect("valid payment settings");
    let mut group = c.benchmark_group("validators");
    group.bench_function("Dni::parse", |b| {
        b.iter(|| Dni::parse(black_box(" 45873210 ")))
    });
    group.bench_function("Ruc::parse (check digit)", |b| {
        b.iter(|| Ruc::parse(black_box("20453744168")))
    });
    group.bench_function("Email::parse", |b| {
        b.iter(|| Email::parse(black_box("Ana.Quispe@RegionCajamarca.gob.pe")))
    });
    group.bench_function("InstitutionalEmail::parse", |b| {
        b.iter(|| {
            InstitutionalEmail::parse(black_box("ana.quispe@regioncajamarca.gob.pe"), &domains)
        })
    });
    group.bench_function("PersonName::parse", |b| {
        b.iter(|| PersonName::parse(black_box("  María  Fernanda Ñahui Cóndor ")))
    });
    group.bench_function("Money::parse", |b| {
        b.iter(|| Money::parse(black_box("1234.50")))
    });
    group.bench_function("PhoneNumber::parse", |b| {
        b.iter(|| PhoneNumber::parse(black_box("+51 976 543 210")))
    });
    group.bench_function("PaymentRules::parse", |b| {
        b.iter(|| PaymentRules::parse(black_box("8.10"), black_box("00529"), "20453744168"))
    });
    group.finish();
}

criterion_group!(benches, schedule, validators);
criterion_main!(benches);
