#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use jiff::civil::{date, time};
use proptest::prelude::*;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// A Lima wall-clock instant.
fn lima_at(y: i16, m: i8, d: i8, h: i8, min: i8, s: i8) -> Timestamp {
    date(y, m, d)
        .at(h, min, s, 0)
        .to_zoned(lima())
        .unwrap()
        .timestamp()
}

fn peru() -> Calendar {
    Calendar::with_national_holidays(Cutoff::default(), 2020..=2035)
}

fn rfc3339(z: &Zoned) -> String {
    z.timestamp().display_with_offset(z.offset()).to_string()
}

#[test]
fn lima_is_utc_minus_five_without_daylight_saving() {
    for t in ["2026-01-15T12:00:00Z", "2026-07-15T12:00:00Z"] {
        assert_eq!(to_lima(ts(t)).offset(), Offset::constant(-5));
    }
    assert_eq!(
        today_in_lima(ts("2026-11-28T04:59:59Z")),
        date(2026, 11, 27)
    );
    assert_eq!(
        today_in_lima(ts("2026-11-28T05:00:00Z")),
        date(2026, 11, 28)
    );
}

#[test]
fn the_default_cutoff_is_friday_at_half_past_four() {
    let c = Cutoff::default();
    assert_eq!(c.weekday, Weekday::Friday);
    assert_eq!(c.time, time(16, 30, 0, 0));
    assert_eq!(c.to_string(), "viernes 16:30");
}

#[test]
fn cutoff_settings_parse_spanish_weekdays_and_24_hour_times() {
    let c = Cutoff::parse(" Miércoles ", "09:05").unwrap();
    assert_eq!(c, Cutoff::new(Weekday::Wednesday, time(9, 5, 0, 0)));
    assert_eq!(
        Cutoff::parse("sabado", "23:59").unwrap().weekday,
        Weekday::Saturday
    );
    assert_eq!(Cutoff::parse("friday", "16:30").unwrap(), Cutoff::default());
    assert_eq!(
        Cutoff::parse("viernesito", "16:30"),
        Err(CutoffError::Weekday)
    );
    for bad in ["4:30", "16.30", "24:00", "16:60", "1630", "16:3x", ""] {
        assert_eq!(
            Cutoff::parse("viernes", bad),
            Err(CutoffError::Time),
            "{bad}"
        );
    }
    assert!(CutoffError::Time.to_string().contains("HH:MM"));
    assert!(CutoffError::Weekday.to_string().contains("viernes"));
}

#[test]
fn every_weekday_has_a_spanish_name_that_parses_back() {
    let mut w = Weekday::Monday;
    for _ in 0..7 {
        assert_eq!(parse_weekday(weekday_name(w)), Some(w));
        w = w.next();
    }
    assert_eq!(parse_weekday("domingo"), Some(Weekday::Sunday));
    assert_eq!(parse_weekday("Tuesday"), Some(Weekday::Tuesday));
    assert_eq!(parse_weekday("thursday"), Some(Weekday::Thursday));
    assert_eq!(parse_weekday("monday"), Some(Weekday::Monday));
}

#[test]
fn easter_sunday_matches_known_years() {
    let known = [
        (2022, date(2022, 4, 17)),
        (2023, date(2023, 4, 9)),
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),
        (2285, date(2285, 3, 22)),
    ];
    for (year, easter) in known {
        assert_eq!(easter_sunday(year), Some(easter), "{year}");
    }
    assert_eq!(easter_sunday(1500), None);
    assert_eq!(easter_sunday(10_000), None);
}

#[test]
fn national_holidays_2026_are_the_sixteen_of_the_spec_in_date_order() {
    let h = national_holidays(2026);
    let dates: Vec<Date> = h.iter().map(|h| h.date).collect();
    assert_eq!(
        dates,
        [
            date(2026, 1, 1),
            date(2026, 4, 2),
            date(2026, 4, 3),
            date(2026, 5, 1),
            date(2026, 6, 7),
            date(2026, 6, 29),
            date(2026, 7, 23),
            date(2026, 7, 28),
            date(2026, 7, 29),
            date(2026, 8, 6),
            date(2026, 8, 30),
            date(2026, 10, 8),
            date(2026, 11, 1),
            date(2026, 12, 8),
            date(2026, 12, 9),
            date(2026, 12, 25),
        ]
    );
    assert_eq!(h[1].name, "Jueves Santo");
    assert_eq!(h[2].name, "Viernes Santo");
    assert!(h.iter().all(|h| !h.name.is_empty()));
}

#[test]
fn newer_holidays_apply_only_from_the_year_they_were_created() {
    let has = |y: i16, m: i8, d: i8| national_holidays(y).iter().any(|h| h.date == date(y, m, d));
    assert!(!has(2021, 8, 6) && has(2022, 8, 6));
    assert!(!has(2021, 12, 9) && has(2022, 12, 9));
    assert!(!has(2022, 7, 23) && has(2023, 7, 23));
    assert!(!has(2023, 6, 7) && has(2024, 6, 7));
    assert_eq!(national_holidays(2021).len(), 12);
    assert_eq!(national_holidays(2022).len(), 14);
    assert_eq!(national_holidays(2023).len(), 15);
    assert_eq!(national_holidays(2024).len(), 16);
}

#[test]
fn holidays_serialize_with_iso_dates() {
    let h = &national_holidays(2026)[0];
    assert_eq!(
        serde_json::to_string(h).unwrap(),
        r#"{"date":"2026-01-01","name":"Año Nuevo"}"#
    );
}

#[test]
fn weekends_and_holidays_are_not_working_days() {
    let cal = peru();
    assert!(cal.is_working_day(date(2026, 11, 27)));
    assert!(!cal.is_working_day(date(2026, 11, 28)));
    assert!(!cal.is_working_day(date(2026, 11, 29)));
    assert!(!cal.is_working_day(date(2026, 12, 25)));
    assert!(cal.is_holiday(date(2026, 12, 25)));
    assert!(!cal.is_holiday(date(2026, 11, 28)));
}

#[test]
fn approval_one_second_before_the_friday_cutoff_goes_into_that_batch() {
    let z = dispatch_at(lima_at(2026, 11, 27, 16, 29, 59), None, &peru());
    assert_eq!(rfc3339(&z), "2026-11-27T16:30:00-05:00");
}

#[test]
fn approval_exactly_at_the_friday_cutoff_goes_into_the_next_weeks_batch() {
    let z = dispatch_at(lima_at(2026, 11, 27, 16, 30, 0), None, &peru());
    assert_eq!(rfc3339(&z), "2026-12-04T16:30:00-05:00");
}

#[test]
fn instants_given_in_utc_are_read_on_limas_clock() {
    let before = dispatch_at(ts("2026-11-27T21:29:59Z"), None, &peru());
    assert_eq!(rfc3339(&before), "2026-11-27T16:30:00-05:00");
    let at = dispatch_at(ts("2026-11-27T21:30:00Z"), None, &peru());
    assert_eq!(rfc3339(&at), "2026-12-04T16:30:00-05:00");
    let other_offset = dispatch_at(
        "2026-11-27T23:29:59+02:00[Europe/Helsinki]"
            .parse::<Zoned>()
            .unwrap()
            .timestamp(),
        None,
        &peru(),
    );
    assert_eq!(rfc3339(&other_offset), "2026-11-27T16:30:00-05:00");
}

#[test]
fn approval_on_a_saturday_goes_to_the_following_friday() {
    let z = dispatch_at(lima_at(2026, 11, 28, 9, 0, 0), None, &peru());
    assert_eq!(rfc3339(&z), "2026-12-04T16:30:00-05:00");
}

#[test]
fn christmas_2026_on_a_friday_moves_the_cutoff_to_thursday_24_december() {
    let cal = peru();
    let z = dispatch_at(lima_at(2026, 12, 21, 10, 0, 0), None, &cal);
    assert_eq!(rfc3339(&z), "2026-12-24T16:30:00-05:00");
    // The moved cut-off time is what counts: Thursday 16:30 sharp is already next week's.
    let z = dispatch_at(lima_at(2026, 12, 24, 16, 30, 0), None, &cal);
    assert_eq!(rfc3339(&z), "2026-12-31T16:30:00-05:00");
}

#[test]
fn new_year_2027_on_a_friday_moves_the_cutoff_to_thursday_31_december() {
    let z = dispatch_at(lima_at(2026, 12, 28, 8, 0, 0), None, &peru());
    assert_eq!(rfc3339(&z), "2026-12-31T16:30:00-05:00");
    let z = dispatch_at(lima_at(2026, 12, 31, 16, 29, 59), None, &peru());
    assert_eq!(rfc3339(&z), "2026-12-31T16:30:00-05:00");
    let z = dispatch_at(lima_at(2026, 12, 31, 16, 30, 0), None, &peru());
    assert_eq!(rfc3339(&z), "2027-01-08T16:30:00-05:00");
}

#[test]
fn holy_thursday_and_good_friday_2027_move_the_cutoff_to_wednesday_24_march() {
    let cal = peru();
    assert_eq!(easter_sunday(2027), Some(date(2027, 3, 28)));
    let z = dispatch_at(lima_at(2027, 3, 22, 9, 0, 0), None, &cal);
    assert_eq!(rfc3339(&z), "2027-03-24T16:30:00-05:00");
    let week = cal.cutoff_for_week(date(2027, 3, 20)).unwrap();
    assert_eq!(rfc3339(&week), "2027-03-24T16:30:00-05:00");
    // Approved on Holy Thursday itself: the week's cut-off has passed.
    let z = dispatch_at(lima_at(2027, 3, 25, 9, 0, 0), None, &cal);
    assert_eq!(rfc3339(&z), "2027-04-02T16:30:00-05:00");
}

#[test]
fn a_decreed_non_working_day_added_by_an_admin_moves_the_cutoff_too() {
    // 2 Jan 2026 (Friday) was decreed non-working for the public sector; 1 Jan is a holiday.
    let mut cal = peru();
    cal.holidays.insert(date(2026, 1, 2));
    let z = dispatch_at(lima_at(2025, 12, 29, 9, 0, 0), None, &cal);
    assert_eq!(rfc3339(&z), "2025-12-31T16:30:00-05:00");
}

#[test]
fn the_ten_day_rule_holds_an_early_renewal_until_the_friday_ten_days_before_expiry() {
    // Expires Monday 15 Feb 2027; E − 10 = Friday 5 Feb 2027, itself a cut-off day.
    let cal = peru();
    let approved = lima_at(2026, 12, 1, 10, 0, 0);
    let z = dispatch_at(approved, Some(date(2027, 2, 15)), &cal);
    assert_eq!(rfc3339(&z), "2027-02-05T16:30:00-05:00");
    assert!(is_held_by_ten_day_rule(
        approved,
        Some(date(2027, 2, 15)),
        &cal
    ));
    // Expires Sunday 14 Feb: E − 10 = Thursday 4 Feb, so the Friday before: 29 Jan.
    let z = dispatch_at(approved, Some(date(2027, 2, 14)), &cal);
    assert_eq!(rfc3339(&z), "2027-01-29T16:30:00-05:00");
}

#[test]
fn when_the_cutoff_ten_days_before_expiry_has_passed_the_next_cutoff_applies() {
    let cal = peru();
    // Expires 10 Dec 2026: E − 10 = 30 Nov, latest cut-off on or before is 27 Nov, passed.
    let approved = lima_at(2026, 12, 1, 10, 0, 0);
    let z = dispatch_at(approved, Some(date(2026, 12, 10)), &cal);
    assert_eq!(rfc3339(&z), "2026-12-04T16:30:00-05:00");
    assert!(!is_held_by_ten_day_rule(
        approved,
        Some(date(2026, 12, 10)),
        &cal
    ));
    // Already expired: next cut-off.
    let z = dispatch_at(approved, Some(date(2026, 1, 1)), &cal);
    assert_eq!(rfc3339(&z), "2026-12-04T16:30:00-05:00");
}

#[test]
fn the_ten_day_rule_uses_the_holiday_moved_cutoff() {
    // Expires 4 Jan 2027 → E − 10 = 25 Dec 2026 (holiday); that week's cut-off is Thu 24 Dec.
    let z = dispatch_at(
        lima_at(2026, 11, 2, 10, 0, 0),
        Some(date(2027, 1, 4)),
        &peru(),
    );
    assert_eq!(rfc3339(&z), "2026-12-24T16:30:00-05:00");
    // E − 10 = Thu 24 Dec itself.
    let z = dispatch_at(
        lima_at(2026, 11, 2, 10, 0, 0),
        Some(date(2027, 1, 3)),
        &peru(),
    );
    assert_eq!(rfc3339(&z), "2026-12-24T16:30:00-05:00");
    // E − 10 = Wed 23 Dec: the moved Thursday cut-off is after it → Fri 18 Dec.
    let z = dispatch_at(
        lima_at(2026, 11, 2, 10, 0, 0),
        Some(date(2027, 1, 2)),
        &peru(),
    );
    assert_eq!(rfc3339(&z), "2026-12-18T16:30:00-05:00");
}

#[test]
fn a_saturday_cutoff_setting_moves_back_to_friday() {
    let cal = Calendar::new(Cutoff::new(Weekday::Saturday, time(10, 0, 0, 0)), []);
    let z = cal.next_cutoff_after(lima_at(2026, 11, 23, 9, 0, 0));
    assert_eq!(rfc3339(&z), "2026-11-27T10:00:00-05:00");
}

#[test]
fn a_week_without_working_days_has_no_cutoff_and_waits_for_the_next() {
    let mut cal = Calendar::new(Cutoff::default(), []);
    for d in 23..=27 {
        cal.holidays.insert(date(2026, 11, d));
    }
    assert_eq!(cal.cutoff_for_week(date(2026, 11, 25)), None);
    let z = cal.next_cutoff_after(lima_at(2026, 11, 20, 17, 0, 0));
    assert_eq!(rfc3339(&z), "2026-12-04T16:30:00-05:00");
    let before = cal.latest_cutoff_on_or_before(date(2026, 11, 29)).unwrap();
    assert_eq!(rfc3339(&before), "2026-11-20T16:30:00-05:00");
}

#[test]
fn a_calendar_where_every_day_is_a_holiday_still_answers_without_looping() {
    let start = date(2026, 1, 1);
    let all: Vec<Date> = (0..(7 * (MAX_SEARCH_WEEKS as i64 + 12)))
        .map(|n| add_days(start, n).unwrap())
        .collect();
    let cal = Calendar::new(Cutoff::default(), all);
    let t = lima_at(2026, 3, 2, 9, 0, 0);
    // Falls back to the nominal Friday, ignoring holidays.
    assert_eq!(
        rfc3339(&cal.next_cutoff_after(t)),
        "2026-03-06T16:30:00-05:00"
    );
    let t = lima_at(2026, 3, 6, 17, 0, 0);
    assert_eq!(
        rfc3339(&cal.next_cutoff_after(t)),
        "2026-03-13T16:30:00-05:00"
    );
    // Far enough in that the backward search (bounded) never leaves the holidays.
    let deep = add_days(start, 7 * (MAX_SEARCH_WEEKS as i64 + 5)).unwrap();
    assert_eq!(cal.latest_cutoff_on_or_before(deep), None);
    let deep_t = deep
        .to_datetime(time(12, 0, 0, 0))
        .to_zoned(lima())
        .unwrap();
    assert_eq!(cal.latest_cutoff_at_or_before(deep_t.timestamp()), None);
}

#[test]
fn at_the_end_of_the_calendar_the_search_gives_up_gracefully() {
    let cal = Calendar::default();
    let t = Timestamp::MAX;
    let z = cal.next_cutoff_after(t);
    assert_eq!(z.timestamp(), t);
    assert!(cal.latest_cutoff_on_or_before(Date::MIN).is_none());
    assert!(dispatch_at(Timestamp::MIN, Some(Date::MIN), &cal).timestamp() > Timestamp::MIN);
}

#[test]
fn the_batch_closed_at_a_time_belongs_to_the_latest_cutoff_at_or_before_it() {
    let cal = peru();
    let z = cal
        .latest_cutoff_at_or_before(lima_at(2026, 11, 27, 16, 30, 0))
        .unwrap();
    assert_eq!(rfc3339(&z), "2026-11-27T16:30:00-05:00");
    let z = cal
        .latest_cutoff_at_or_before(lima_at(2026, 11, 27, 16, 29, 59))
        .unwrap();
    assert_eq!(rfc3339(&z), "2026-11-20T16:30:00-05:00");
    let z = cal
        .latest_cutoff_at_or_before(lima_at(2026, 12, 25, 9, 0, 0))
        .unwrap();
    assert_eq!(rfc3339(&z), "2026-12-24T16:30:00-05:00");
}

#[test]
fn cutoffs_between_two_dates_list_each_week_once_with_holiday_moves() {
    let cal = peru();
    let list: Vec<String> = cal
        .cutoffs_between(date(2026, 12, 14), date(2027, 1, 8))
        .iter()
        .map(rfc3339)
        .collect();
    assert_eq!(
        list,
        [
            "2026-12-18T16:30:00-05:00",
            "2026-12-24T16:30:00-05:00",
            "2026-12-31T16:30:00-05:00",
            "2027-01-08T16:30:00-05:00",
        ]
    );
    assert!(cal
        .cutoffs_between(date(2026, 12, 25), date(2026, 12, 30))
        .is_empty());
    assert!(cal.is_cutoff(&cal.cutoffs_between(date(2026, 12, 24), date(2026, 12, 24))[0]));
    assert!(Calendar::default()
        .cutoffs_between(Date::MAX, Date::MAX)
        .is_empty());
}

#[test]
fn dispatch_times_read_as_spanish_sentences() {
    let z = dispatch_at(lima_at(2026, 12, 21, 10, 0, 0), None, &peru());
    assert_eq!(format_dispatch(&z), "jueves 24/12/2026 a las 16:30");
    assert_eq!(format_date(date(2027, 3, 4)), "04/03/2027");
}

// ---------------------------------------------------------------------------------------
// Properties, checked against a brute-force oracle that walks the calendar day by day.

/// Brute force: `d` is an effective cut-off date iff it is a working day and every day after
/// it up to (and including) the week's nominal cut-off date is non-working.
fn oracle_is_cutoff_date(cal: &Calendar, d: Date) -> bool {
    if !cal.is_working_day(d) {
        return false;
    }
    let mut x = d;
    while x.weekday() != cal.cutoff.weekday {
        x = x.tomorrow().unwrap();
        if cal.is_working_day(x) {
            return false;
        }
    }
    true
}

fn oracle_at(cal: &Calendar, d: Date) -> Timestamp {
    d.to_datetime(cal.cutoff.time)
        .to_zoned(lima())
        .unwrap()
        .timestamp()
}

fn oracle_next(cal: &Calendar, t: Timestamp) -> Timestamp {
    let mut d = to_lima(t).date();
    loop {
        if oracle_is_cutoff_date(cal, d) && oracle_at(cal, d) > t {
            return oracle_at(cal, d);
        }
        d = d.tomorrow().unwrap();
    }
}

fn oracle_latest_on_or_before(cal: &Calendar, date: Date, floor: Date) -> Option<Timestamp> {
    let mut d = date;
    while d >= floor {
        if oracle_is_cutoff_date(cal, d) {
            return Some(oracle_at(cal, d));
        }
        d = d.yesterday().unwrap();
    }
    None
}

fn arb_weekday() -> impl Strategy<Value = Weekday> {
    (1i8..=7).prop_map(|n| Weekday::from_monday_one_offset(n).unwrap())
}

prop_compose! {
    fn arb_calendar()(
        weekday in arb_weekday(),
        hour in 0i8..24,
        minute in 0i8..60,
        extra in proptest::collection::vec(0i64..1200, 0..60),
        national in any::<bool>(),
    ) -> Calendar {
        let base = date(2025, 1, 1);
        let mut cal = if national {
            Calendar::with_national_holidays(Cutoff::new(weekday, time(hour, minute, 0, 0)), 2024..=2030)
        } else {
            Calendar::new(Cutoff::new(weekday, time(hour, minute, 0, 0)), [])
        };
        cal.holidays.extend(extra.into_iter().map(|n| add_days(base, n).unwrap()));
        cal
    }
}

/// Seconds from 2025-01-01 to about 2028-01-01.
fn arb_instant() -> impl Strategy<Value = Timestamp> {
    (1_735_689_600i64..1_830_297_600).prop_map(|s| Timestamp::from_second(s).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn dispatch_is_always_a_working_day_cutoff_strictly_after_approval(
        cal in arb_calendar(),
        approved in arb_instant(),
        expiry_days in proptest::option::of(-60i64..700),
    ) {
        let expires_on = expiry_days.map(|n| add_days(to_lima(approved).date(), n).unwrap());
        let z = dispatch_at(approved, expires_on, &cal);
        prop_assert!(z.timestamp() > approved);
        prop_assert_eq!(z.time(), cal.cutoff.time);
        prop_assert_eq!(z.offset(), Offset::constant(-5));
        prop_assert!(cal.is_working_day(z.date()));
        prop_assert!(!cal.is_holiday(z.date()));
        prop_assert!(oracle_is_cutoff_date(&cal, z.date()));
        prop_assert!(cal.is_cutoff(&z));
    }

    #[test]
    fn dispatch_matches_the_brute_force_oracle(
        cal in arb_calendar(),
        approved in arb_instant(),
        expiry_days in proptest::option::of(-60i64..700),
    ) {
        let approved_date = to_lima(approved).date();
        let expires_on = expiry_days.map(|n| add_days(approved_date, n).unwrap());
        let next = oracle_next(&cal, approved);
        let held = expires_on.and_then(|e| {
            oracle_latest_on_or_before(&cal, add_days(e, -10).unwrap(), add_days(approved_date, -30).unwrap())
        });
        let z = dispatch_at(approved, expires_on, &cal);
        prop_assert_eq!(cal.next_cutoff_after(approved).timestamp(), next);
        match held {
            // The 10-day rule applies: the latest cut-off on or before E − 10.
            Some(h) if h > next => {
                prop_assert_eq!(z.timestamp(), h);
                prop_assert!(z.date() <= add_days(expires_on.unwrap(), -10).unwrap());
            }
            // Otherwise the next cut-off.
            _ => prop_assert_eq!(z.timestamp(), next),
        }
    }

    #[test]
    fn dispatch_is_monotone_in_approval_time(
        cal in arb_calendar(),
        a in arb_instant(),
        b in arb_instant(),
        expiry_days in proptest::option::of(0i64..900),
    ) {
        let (t1, t2) = if a <= b { (a, b) } else { (b, a) };
        let expires_on = expiry_days.map(|n| add_days(date(2025, 1, 1), n).unwrap());
        let z1 = dispatch_at(t1, expires_on, &cal);
        let z2 = dispatch_at(t2, expires_on, &cal);
        prop_assert!(z1.timestamp() <= z2.timestamp());
    }

    #[test]
    fn the_next_cutoff_has_no_cutoff_between_approval_and_it(
        cal in arb_calendar(),
        approved in arb_instant(),
    ) {
        let z = cal.next_cutoff_after(approved);
        let previous = cal.latest_cutoff_at_or_before(approved);
        if let Some(p) = previous {
            prop_assert!(p.timestamp() <= approved);
            // Nothing in between: the cut-off right after `p` is `z`.
            prop_assert_eq!(cal.next_cutoff_after(p.timestamp()).timestamp(), z.timestamp());
        }
        let listed = cal.cutoffs_between(to_lima(approved).date(), z.date());
        prop_assert!(listed.iter().all(|c| c.timestamp() <= z.timestamp()));
        prop_assert_eq!(listed.last().map(|c| c.timestamp()), Some(z.timestamp()));
    }

    #[test]
    fn the_latest_cutoff_on_or_before_a_date_is_dated_on_or_before_it(
        cal in arb_calendar(),
        days in 0i64..1000,
    ) {
        let d = add_days(date(2025, 3, 1), days).unwrap();
        let z = cal.latest_cutoff_on_or_before(d);
        let expected = oracle_latest_on_or_before(&cal, d, date(2024, 1, 1));
        prop_assert_eq!(z.as_ref().map(|z| z.timestamp()), expected);
        if let Some(z) = z {
            prop_assert!(z.date() <= d);
        }
    }
}

#[test]
fn a_decreed_days_date_and_name_are_read_as_typed_or_refused_in_spanish() {
    assert_eq!(
        parse_holiday_date(" 2026-01-02 ").unwrap(),
        date(2026, 1, 2)
    );
    for bad in [
        "",
        "2026-02-30",
        "02/01/2026",
        "2026-1-2",
        "1999-12-31",
        "2101-01-01",
    ] {
        assert!(parse_holiday_date(bad).is_err(), "{bad:?}");
    }
    assert!(parse_holiday_date("2026-02-30")
        .unwrap_err()
        .contains("AAAA-MM-DD"));
    assert_eq!(
        parse_holiday_name("  Día   no laborable ").unwrap(),
        "Día no laborable"
    );
    assert!(parse_holiday_name("   ").is_err());
    assert!(parse_holiday_name(&"x".repeat(MAX_HOLIDAY_NAME + 1)).is_err());
}
