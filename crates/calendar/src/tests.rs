//! Hand-worked cases on the real 2026 Chinese holiday table, DST zones,
//! friendly errors, and property tests against a slow reference.
//!
//! Holiday data: testdata/cn_holidays_2007_2026.csv, from holiday-cn
//! (github.com/NateScarlet/holiday-cn), MIT licence.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use proptest::prelude::*;

use super::*;

// ---------------------------------------------------------------- helpers

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/testdata")
}

/// Holiday table bytes, embedded so the loader tests need no disk.
/// Data: holiday-cn (github.com/NateScarlet/holiday-cn), MIT licence.
const CN_CSV: &str = include_str!("testdata/cn_holidays_2007_2026.csv");

const CN_OFFICE: &str = r#"# rules/calendars/cn_office.toml
name = "cn_office"
timezone = "Asia/Shanghai"
holidays = ["cn_holidays_2007_2026.csv"]
makeup_day = ["08:30-12:00", "13:30-18:00"]

[week]
mon = ["08:30-12:00", "13:30-18:00"]
tue = ["08:30-12:00", "13:30-18:00"]
wed = ["08:30-12:00", "13:30-18:00"]
thu = ["08:30-12:00", "13:30-18:00"]
fri = ["08:30-12:00", "13:30-18:00"]
sat = []
sun = []
"#;

/// The Mon–Fri 08:30–12:00 / 13:30–18:00 Shanghai calendar with the real table.
static CN: LazyLock<Calendar> = LazyLock::new(|| {
    Calendar::from_toml(CN_OFFICE, Path::new("cn_office.toml"), &testdata()).expect("cn_office")
});

/// Europe/Berlin, Mon–Fri 09:00–17:00, plus Sunday segments that straddle
/// the DST change hours (02:00–03:00 local) for the property tests.
static BERLIN_PROP: LazyLock<Calendar> = LazyLock::new(|| {
    cal(r#"
timezone = "Europe/Berlin"
[week]
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]
sat = ["01:00-03:30"]
sun = ["00:00-02:30", "02:45-24:00"]
"#)
});

fn cal(src: &str) -> Calendar {
    Calendar::from_toml(src, Path::new("test.toml"), &testdata()).expect("calendar parses")
}

fn err(src: &str) -> CalendarError {
    Calendar::from_toml(src, Path::new("test.toml"), &testdata()).expect_err("should fail")
}

/// Error with holiday tables served from memory.
fn err_with_tables(src: &str, tables: &[(&str, &str)]) -> CalendarError {
    let map: HashMap<PathBuf, Vec<u8>> = tables
        .iter()
        .map(|(n, t)| (Path::new("/rules").join(n), t.as_bytes().to_vec()))
        .collect();
    Calendar::from_toml_with_loader(
        src,
        Path::new("/rules/x.toml"),
        Path::new("/rules"),
        &mut |p| {
            map.get(p)
                .cloned()
                .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "not found"))
        },
    )
    .expect_err("should fail")
}

/// Local wall-clock time "YYYY-MM-DD HH:MM[:SS]" in `tz` → Unix seconds.
/// Panics on gap/ambiguous times (tests pick unambiguous ones).
fn at(tz: Tz, s: &str) -> i64 {
    let ndt = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M"))
        .unwrap_or_else(|e| panic!("bad test time {s}: {e}"));
    tz.from_local_datetime(&ndt)
        .single()
        .expect("unambiguous")
        .timestamp()
}

fn sh(s: &str) -> i64 {
    at(Tz::Asia__Shanghai, s)
}

/// Formats an instant in the calendar's zone, e.g. "2026-10-09 18:00:00 +08:00".
fn show(c: &Calendar, t: i64) -> String {
    if t == i64::MAX {
        return "never".into();
    }
    chrono::DateTime::from_timestamp(t, 0)
        .expect("in range")
        .with_timezone(&c.tz())
        .format("%Y-%m-%d %H:%M:%S %:z")
        .to_string()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

const H: i64 = 3600;
const M: i64 = 60;
/// One full cn_office day: 08:30–12:00 (3.5 h) + 13:30–18:00 (4.5 h) = 8 h.
const CN_DAY: i64 = 8 * H;

// ------------------------------------------------- 2026 中秋 / 国庆 break
//
// September/October 2026 as the table has it:
//   Sat 09-19 weekend     Sun 09-20 调休 workday (国庆节)
//   Mon 09-21 … Thu 09-24 workdays
//   Fri 09-25, Sat 09-26, Sun 09-27 holidays (中秋节)
//   Mon 09-28, Tue 09-29, Wed 09-30 workdays
//   Thu 10-01 … Wed 10-07 holidays (国庆节)
//   Thu 10-08, Fri 10-09 workdays
//   Sat 10-10 调休 workday        Sun 10-11 weekend

#[test]
fn day_kinds_autumn_2026() {
    let c = &*CN;
    assert_eq!(c.day_info(date("2026-09-19")).kind, DayKind::Weekend);
    assert_eq!(
        c.day_info(date("2026-09-20")).kind,
        DayKind::MakeupWorkday {
            name: "国庆节".into()
        }
    );
    assert_eq!(c.day_info(date("2026-09-24")).kind, DayKind::Workday);
    assert_eq!(
        c.day_info(date("2026-09-25")).kind,
        DayKind::Holiday {
            name: "中秋节".into()
        }
    );
    assert_eq!(
        c.day_info(date("2026-10-01")).kind,
        DayKind::Holiday {
            name: "国庆节".into()
        }
    );
    assert!(matches!(
        c.day_info(date("2026-10-10")).kind,
        DayKind::MakeupWorkday { .. }
    ));
    assert_eq!(c.day_info(date("2026-10-11")).kind, DayKind::Weekend);
}

#[test]
fn day_info_segments_are_utc() {
    // Sun 09-20 (调休): 08:30–12:00 and 13:30–18:00 at +08:00 are
    // 00:30–04:00 and 05:30–10:00 UTC.
    let info = CN.day_info(date("2026-09-20"));
    let d0 = at(Tz::UTC, "2026-09-20 00:00");
    assert_eq!(
        info.segments,
        vec![
            (d0 + 30 * M, d0 + 4 * H),
            (d0 + 5 * H + 30 * M, d0 + 10 * H)
        ]
    );
    assert_eq!(info.local_segments[1].to_string(), "13:30-18:00");
    assert_eq!(info.working_seconds(), CN_DAY);
    assert!(info.is_working_day());
    assert!(!CN.day_info(date("2026-10-03")).is_working_day());
}

#[test]
fn five_working_days_over_the_autumn_break() {
    // Receipt Thu 09-24 14:00; the receipt day never counts.
    // Day 1 = Mon 09-28 (09-25..27 holidays), 2 = 09-29, 3 = 09-30,
    // 4 = Thu 10-08 (10-01..07 holidays), 5 = Fri 10-09 → 18:00.
    let c = &*CN;
    let r = sh("2026-09-24 14:00");
    let due = |n| show(c, c.end_of_nth_working_day_after(r, n));
    assert_eq!(due(1), "2026-09-28 18:00:00 +08:00");
    assert_eq!(due(3), "2026-09-30 18:00:00 +08:00");
    assert_eq!(due(4), "2026-10-08 18:00:00 +08:00");
    assert_eq!(due(5), "2026-10-09 18:00:00 +08:00");
    // Day 6 is the 调休 Saturday 10-10, day 7 is Monday 10-12.
    assert_eq!(due(6), "2026-10-10 18:00:00 +08:00");
    assert_eq!(due(7), "2026-10-12 18:00:00 +08:00");
}

#[test]
fn receipt_time_within_the_day_does_not_matter() {
    // 00:00:00 and 23:59:59 on Thu 09-24 both count from Mon 09-28.
    let c = &*CN;
    for t in [
        "2026-09-24 00:00:00",
        "2026-09-24 08:29:59",
        "2026-09-24 23:59:59",
    ] {
        assert_eq!(
            show(c, c.end_of_nth_working_day_after(sh(t), 1)),
            "2026-09-28 18:00:00 +08:00",
            "receipt {t}"
        );
    }
    // One second later it is Friday 09-25 (a holiday): day 1 is still 09-28.
    assert_eq!(
        show(c, c.end_of_nth_working_day_after(sh("2026-09-25 00:00"), 1)),
        "2026-09-28 18:00:00 +08:00"
    );
    // From Mon 09-28 itself, day 1 is 09-29.
    assert_eq!(
        show(c, c.end_of_nth_working_day_after(sh("2026-09-28 09:00"), 1)),
        "2026-09-29 18:00:00 +08:00"
    );
}

#[test]
fn receipt_on_saturday_before_a_sunday_makeup_day() {
    // Receipt Sat 09-19 (weekend). Day 1 = Sun 09-20 (调休 workday),
    // 2 = Mon 09-21, 3 = 09-22, 4 = 09-23, 5 = Thu 09-24.
    let c = &*CN;
    let r = sh("2026-09-19 10:00");
    assert_eq!(
        show(c, c.end_of_nth_working_day_after(r, 1)),
        "2026-09-20 18:00:00 +08:00"
    );
    assert_eq!(
        show(c, c.end_of_nth_working_day_after(r, 5)),
        "2026-09-24 18:00:00 +08:00"
    );
    // A 1 h budget from Saturday is used on the Sunday morning: 09:30.
    assert_eq!(show(c, c.add_working(r, H)), "2026-09-20 09:30:00 +08:00");
    // Saturday → Monday 00:00 holds exactly one 8 h working day.
    assert_eq!(
        c.working_seconds_between(sh("2026-09-19 00:00"), sh("2026-09-21 00:00")),
        CN_DAY
    );
}

#[test]
fn measure_across_the_autumn_break() {
    // [Thu 09-24 14:00, Fri 10-09 18:00):
    //   09-24 14:00–18:00          4 h
    //   09-28, 09-29, 09-30   3 × 8 h = 24 h
    //   10-08, 10-09          2 × 8 h = 16 h      → 44 h
    let c = &*CN;
    assert_eq!(
        c.working_seconds_between(sh("2026-09-24 14:00"), sh("2026-10-09 18:00")),
        44 * H
    );
    // The same 44 h as a budget runs out at 18:00 Friday 10-09, so by the
    // latest-instant rule it is due at the next segment start: the 调休
    // Saturday 10-10 08:30.
    assert_eq!(
        show(c, c.add_working(sh("2026-09-24 14:00"), 44 * H)),
        "2026-10-10 08:30:00 +08:00"
    );
}

#[test]
fn add_over_the_break_with_lunch() {
    // Thu 09-24 17:00 + 8.5 h: 1 h on 09-24 (17–18) leaves 7.5 h for
    // Mon 09-28: 08:30–12:00 uses 3.5 h (4 h left), 13:30 + 4 h = 17:30.
    let c = &*CN;
    assert_eq!(
        show(c, c.add_working(sh("2026-09-24 17:00"), 8 * H + 30 * M)),
        "2026-09-28 17:30:00 +08:00"
    );
    // + 9 h: 1 h + 8 h uses 09-28 completely → due at 09-29 08:30.
    assert_eq!(
        show(c, c.add_working(sh("2026-09-24 17:00"), 9 * H)),
        "2026-09-29 08:30:00 +08:00"
    );
    // Wed 09-30 16:00 + 3 h: 2 h that day, then the 国庆 week → 10-08 09:30.
    assert_eq!(
        show(c, c.add_working(sh("2026-09-30 16:00"), 3 * H)),
        "2026-10-08 09:30:00 +08:00"
    );
}

// ------------------------------------------------------------------ lunch

#[test]
fn lunch_break_and_latest_instant_rule() {
    // Mon 2026-03-16 (a plain working Monday).
    let c = &*CN;
    let s = sh("2026-03-16 08:30");
    // 08:30–12:00 is 3.5 h; 4 h needs 30 more minutes after 13:30 → 14:00.
    assert_eq!(
        show(c, c.add_working(s, 4 * H)),
        "2026-03-16 14:00:00 +08:00"
    );
    // 3.5 h runs out exactly at 12:00; the latest instant with 3.5 h worked
    // is 13:30, when work resumes.
    assert_eq!(
        show(c, c.add_working(s, 3 * H + 30 * M)),
        "2026-03-16 13:30:00 +08:00"
    );
    assert_eq!(
        c.working_seconds_between(s, sh("2026-03-16 12:00")),
        3 * H + 30 * M
    );
    assert_eq!(
        c.working_seconds_between(s, sh("2026-03-16 13:30")),
        3 * H + 30 * M
    );
    // 0 budget: working instant → itself; lunch → 13:30; evening → next 08:30.
    assert_eq!(
        show(c, c.add_working(sh("2026-03-16 10:00"), 0)),
        "2026-03-16 10:00:00 +08:00"
    );
    assert_eq!(
        show(c, c.add_working(sh("2026-03-16 12:30"), 0)),
        "2026-03-16 13:30:00 +08:00"
    );
    assert_eq!(
        show(c, c.add_working(sh("2026-03-16 20:00"), 0)),
        "2026-03-17 08:30:00 +08:00"
    );
    // Half-open segments: 12:00 and 18:00 are not working time, 08:30 and 13:30 are.
    assert!(c.is_working_time(sh("2026-03-16 08:30")));
    assert!(c.is_working_time(sh("2026-03-16 11:59:59")));
    assert!(!c.is_working_time(sh("2026-03-16 12:00")));
    assert!(c.is_working_time(sh("2026-03-16 13:30")));
    assert!(!c.is_working_time(sh("2026-03-16 18:00")));
    assert!(!c.is_working_time(sh("2026-03-16 08:29:59")));
}

#[test]
fn friday_1759_with_two_minutes() {
    // Fri 2026-03-13 17:59 + 2 min: 1 min on Friday, 1 min on Monday → 08:31.
    let c = &*CN;
    let s = sh("2026-03-13 17:59");
    assert_eq!(
        show(c, c.add_working(s, 2 * M)),
        "2026-03-16 08:31:00 +08:00"
    );
    // 1 min runs out at 18:00 Friday → due Monday 08:30 (next segment start).
    assert_eq!(show(c, c.add_working(s, M)), "2026-03-16 08:30:00 +08:00");
    // Before the 调休 Saturday 10-10 the next working day is that Saturday.
    assert_eq!(
        show(c, c.add_working(sh("2026-10-09 17:59"), 2 * M)),
        "2026-10-10 08:31:00 +08:00"
    );
}

#[test]
fn receipt_on_a_holiday() {
    // Sat 10-03 (国庆) 10:00 + 1 h → first work is Thu 10-08 08:30 → 09:30.
    let c = &*CN;
    assert_eq!(
        show(c, c.add_working(sh("2026-10-03 10:00"), H)),
        "2026-10-08 09:30:00 +08:00"
    );
    assert!(!c.is_working_time(sh("2026-10-03 10:00")));
    assert_eq!(
        c.working_seconds_between(sh("2026-10-01 00:00"), sh("2026-10-08 00:00")),
        0
    );
}

// --------------------------------------------------------------- year end

#[test]
fn across_the_year_end_2025_2026() {
    // Wed 2025-12-31 workday; Thu 01-01, Fri 01-02, Sat 01-03 holidays (元旦);
    // Sun 01-04 调休 workday; Mon 01-05 workday.
    let c = &*CN;
    assert_eq!(c.day_info(date("2025-12-31")).kind, DayKind::Workday);
    assert!(matches!(
        c.day_info(date("2026-01-04")).kind,
        DayKind::MakeupWorkday { .. }
    ));
    // 17:00 + 2 h: 1 h on 12-31, 1 h on Sunday 01-04 → 09:30.
    assert_eq!(
        show(c, c.add_working(sh("2025-12-31 17:00"), 2 * H)),
        "2026-01-04 09:30:00 +08:00"
    );
    // Working days after 12-31: 1 = Sun 01-04, 2 = Mon 01-05.
    let r = sh("2025-12-31 10:00");
    assert_eq!(
        show(c, c.end_of_nth_working_day_after(r, 1)),
        "2026-01-04 18:00:00 +08:00"
    );
    assert_eq!(
        show(c, c.end_of_nth_working_day_after(r, 2)),
        "2026-01-05 18:00:00 +08:00"
    );
    // From Tue 12-30: 1 = 12-31, 2 = 01-04, 3 = 01-05.
    assert_eq!(
        show(c, c.end_of_nth_working_day_after(sh("2025-12-30 10:00"), 3)),
        "2026-01-05 18:00:00 +08:00"
    );
    // [12-31 00:00, 01-05 00:00) holds 12-31 and 01-04: 16 h.
    assert_eq!(
        c.working_seconds_between(sh("2025-12-31 00:00"), sh("2026-01-05 00:00")),
        2 * CN_DAY
    );
    assert!(
        c.uncovered_years(sh("2025-12-31 00:00"), sh("2026-01-05 00:00"))
            .is_empty()
    );
}

#[test]
fn spring_festival_2026() {
    // Fri 02-13 workday; Sat 02-14 调休; 02-15..02-23 holidays (9 days);
    // Tue 02-24..Fri 02-27 workdays; Sat 02-28 调休.
    // Receipt Fri 02-13 16:00: 1 = Sat 02-14, 2..5 = 02-24..02-27, 6 = Sat 02-28.
    let c = &*CN;
    let r = sh("2026-02-13 16:00");
    assert_eq!(
        show(c, c.end_of_nth_working_day_after(r, 1)),
        "2026-02-14 18:00:00 +08:00"
    );
    assert_eq!(
        show(c, c.end_of_nth_working_day_after(r, 5)),
        "2026-02-27 18:00:00 +08:00"
    );
    assert_eq!(
        show(c, c.end_of_nth_working_day_after(r, 6)),
        "2026-02-28 18:00:00 +08:00"
    );
    // 16:00 + 10 h: 2 h Friday, 8 h Saturday 02-14 → runs out 18:00 Sat →
    // due at the next segment start after the festival: Tue 02-24 08:30.
    assert_eq!(
        show(c, c.add_working(r, 10 * H)),
        "2026-02-24 08:30:00 +08:00"
    );
}

// -------------------------------------------------------------------- DST

const BERLIN_9_17: &str = r#"
timezone = "Europe/Berlin"
[week]
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]
"#;

fn be(s: &str) -> i64 {
    at(Tz::Europe__Berlin, s)
}

#[test]
fn berlin_budget_across_spring_forward_and_fall_back_weekends() {
    // Europe/Berlin 2026: spring forward Sun 03-29 02:00→03:00,
    // fall back Sun 10-25 03:00→02:00. Weekends carry no work here, so only
    // the offsets of the instants change.
    let c = cal(BERLIN_9_17);
    // Fri 03-27 16:00 CET + 2 h: 1 h Friday, 1 h Monday → 10:00 CEST.
    let due = c.add_working(be("2026-03-27 16:00"), 2 * H);
    assert_eq!(show(&c, due), "2026-03-30 10:00:00 +02:00");
    assert_eq!(due, at(Tz::UTC, "2026-03-30 08:00"));
    // Fri 10-23 16:00 CEST + 2 h → Mon 10-26 10:00 CET.
    assert_eq!(
        show(&c, c.add_working(be("2026-10-23 16:00"), 2 * H)),
        "2026-10-26 10:00:00 +01:00"
    );
    assert_eq!(
        c.working_seconds_between(be("2026-03-27 09:00"), be("2026-03-30 17:00")),
        16 * H
    );
    // Working days: Fri 10-23 + 1 working day = Mon 10-26 17:00 CET.
    assert_eq!(
        show(
            &c,
            c.end_of_nth_working_day_after(be("2026-10-23 12:00"), 1)
        ),
        "2026-10-26 17:00:00 +01:00"
    );
}

#[test]
fn new_york_budget_across_dst_start() {
    // America/New_York 2026: DST starts Sun 03-08, ends Sun 11-01.
    let c = cal(&BERLIN_9_17.replace("Europe/Berlin", "America/New_York"));
    let ny = |s| at(Tz::America__New_York, s);
    assert_eq!(
        show(&c, c.add_working(ny("2026-03-06 16:00"), 2 * H)),
        "2026-03-09 10:00:00 -04:00"
    );
    assert_eq!(
        show(&c, c.add_working(ny("2026-10-30 16:30"), H)),
        "2026-11-02 09:30:00 -05:00"
    );
}

#[test]
fn dst_night_segments_count_real_seconds() {
    // Sunday segment 01:00–05:00 local:
    //   spring 03-29: 01:00 CET (00:00 UTC) → 05:00 CEST (03:00 UTC) = 3 h;
    //   fall   10-25: 01:00 CEST (23:00 UTC Sat) → 05:00 CET (04:00 UTC) = 5 h.
    let c = cal(&format!("{BERLIN_9_17}sun = [\"01:00-05:00\"]\n"));
    assert_eq!(c.day_info(date("2026-03-29")).working_seconds(), 3 * H);
    assert_eq!(c.day_info(date("2026-10-25")).working_seconds(), 5 * H);
    assert_eq!(c.day_info(date("2026-03-22")).working_seconds(), 4 * H);
    assert_eq!(
        c.working_seconds_between(be("2026-03-28 12:00"), be("2026-03-30 00:00")),
        3 * H
    );
    assert_eq!(
        c.working_seconds_between(be("2026-10-24 12:00"), be("2026-10-26 00:00")),
        5 * H
    );
    // 4 h budget from Sun 03-29 00:00: 3 h that night, 1 h Monday → 10:00.
    assert_eq!(
        show(&c, c.add_working(be("2026-03-29 00:00"), 4 * H)),
        "2026-03-30 10:00:00 +02:00"
    );
    // 4 h budget from Sun 10-25 00:00: used up inside the 5 h night, 4 real
    // hours after 23:00 UTC = 03:00 UTC = 04:00 CET.
    assert_eq!(
        show(&c, c.add_working(be("2026-10-25 00:00"), 4 * H)),
        "2026-10-25 04:00:00 +01:00"
    );
}

#[test]
fn dst_gap_and_ambiguous_end_points() {
    // Sunday segment 02:30–06:00 local:
    //   spring: 02:30 does not exist → first instant after the gap,
    //           03:00 CEST = 01:00 UTC; 06:00 CEST = 04:00 UTC → 3 h;
    //   fall:   02:30 happens twice → the earliest, 02:30 CEST = 00:30 UTC;
    //           06:00 CET = 05:00 UTC → 4.5 h.
    let c = cal(&format!("{BERLIN_9_17}sun = [\"02:30-06:00\"]\n"));
    let spring = c.day_info(date("2026-03-29"));
    assert_eq!(
        spring.segments,
        vec![(
            at(Tz::UTC, "2026-03-29 01:00"),
            at(Tz::UTC, "2026-03-29 04:00")
        )]
    );
    let fall = c.day_info(date("2026-10-25"));
    assert_eq!(
        fall.segments,
        vec![(
            at(Tz::UTC, "2026-10-25 00:30"),
            at(Tz::UTC, "2026-10-25 05:00")
        )]
    );
    assert!(c.is_working_time(at(Tz::UTC, "2026-10-25 00:30")));
    // The second 02:30 (CET, 01:30 UTC) is inside the interval too.
    assert!(c.is_working_time(at(Tz::UTC, "2026-10-25 01:30")));
    assert!(!c.is_working_time(at(Tz::UTC, "2026-10-25 00:29:59")));
}

#[test]
fn segment_swallowed_by_dst_gap_is_not_a_working_day() {
    // 02:15–02:45 does not exist on 2026-03-29: both ends map to 03:00 CEST,
    // the interval is empty, and that Sunday is not a working day.
    let c = cal(&format!("{BERLIN_9_17}sun = [\"02:15-02:45\"]\n"));
    assert!(!c.day_info(date("2026-03-29")).is_working_day());
    assert!(c.day_info(date("2026-03-22")).is_working_day());
    // From Sat 03-28: day 1 is Mon 03-30 (Sunday skipped); from Sat 03-21: Sun 03-22.
    assert_eq!(
        show(
            &c,
            c.end_of_nth_working_day_after(be("2026-03-28 12:00"), 1)
        ),
        "2026-03-30 17:00:00 +02:00"
    );
    assert_eq!(
        show(
            &c,
            c.end_of_nth_working_day_after(be("2026-03-21 12:00"), 1)
        ),
        "2026-03-22 02:45:00 +01:00"
    );
}

#[test]
fn shanghai_had_dst_until_1991() {
    // China observed DST 1986–1991; 1990 is inside the precomputed range.
    // In 1990 DST ran from Sun 04-15 02:00 to Sun 09-16 02:00 (+09:00).
    let c = &*CN;
    let info = c.day_info(date("1990-07-02"));
    let d0 = at(Tz::UTC, "1990-07-01 00:00");
    // 08:30 +09:00 = 23:30 UTC the day before.
    assert_eq!(
        info.segments[0],
        (d0 + 23 * H + 30 * M, d0 + 24 * H + 3 * H)
    );
    assert_eq!(
        c.working_seconds_between(info.segments[0].0, info.segments[1].1),
        CN_DAY
    );
}

// ----------------------------------------------------------------- always

#[test]
fn always_calendar_is_plain_arithmetic() {
    let c = Calendar::always("24x7", Tz::Asia__Shanghai);
    assert_eq!(c.name(), "24x7");
    assert!(c.is_always());
    let s = sh("2026-10-03 10:00"); // a holiday: irrelevant here
    assert!(c.is_working_time(s));
    assert_eq!(c.add_working(s, 90 * M), s + 90 * M);
    assert_eq!(c.add_working(s, 0), s);
    assert_eq!(c.working_seconds_between(s, s + 12345), 12345);
    assert_eq!(c.working_seconds_between(s, s - 1), 0);
    assert_eq!(c.working_day_seconds(), 86_400);
    // N working days = end of local day D+N: from Thu 09-24 14:00, 5 days →
    // end of Tue 09-29 = 09-30 00:00 +08:00.
    assert_eq!(
        show(
            &c,
            c.end_of_nth_working_day_after(sh("2026-09-24 14:00"), 5)
        ),
        "2026-09-30 00:00:00 +08:00"
    );
    assert_eq!(c.day_info(date("2026-10-01")).kind, DayKind::Workday);
    assert_eq!(c.day_info(date("2026-10-01")).working_seconds(), 86_400);
    assert!(c.covers_year(2027));
    assert!(c.uncovered_years(0, i64::MAX).is_empty());
    assert_eq!(c.sha256(), spec::hex(&Sha256::digest(b"24x7")));
    // No range limit, saturating at the extremes.
    assert_eq!(c.add_working(i64::MAX - 5, 10), i64::MAX);
    assert_eq!(c.working_seconds_between(i64::MIN, i64::MAX), i64::MAX);
}

#[test]
fn always_calendar_counts_real_seconds_over_dst_days() {
    let c = Calendar::always("be", Tz::Europe__Berlin);
    // Sun 2026-03-29 has 23 real hours, Sun 2026-10-25 has 25.
    assert_eq!(
        c.working_seconds_between(be("2026-03-29 00:00"), be("2026-03-30 00:00")),
        23 * H
    );
    assert_eq!(
        c.working_seconds_between(be("2026-10-25 00:00"), be("2026-10-26 00:00")),
        25 * H
    );
    assert_eq!(c.day_info(date("2026-10-25")).working_seconds(), 25 * H);
    // From Sat 03-28 12:00, 1 day → end of Sun 03-29 = Mon 00:00 CEST.
    assert_eq!(
        show(
            &c,
            c.end_of_nth_working_day_after(be("2026-03-28 12:00"), 1)
        ),
        "2026-03-30 00:00:00 +02:00"
    );
}

#[test]
fn always_from_toml() {
    let c = cal("timezone = \"Europe/Berlin\"\nalways = true\n");
    assert!(c.is_always());
    assert_eq!(c.name(), "test"); // the file stem of test.toml
    assert_eq!(c.tz(), Tz::Europe__Berlin);
    assert_eq!(c.add_working(1000, 10), 1010);
}

// ---------------------------------------------------------------- misc API

#[test]
fn calendar_is_send_sync_and_cheap_to_clone() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Calendar>();
    let c2 = CN.clone();
    assert_eq!(c2.sha256(), CN.sha256());
    assert_eq!(
        c2.add_working(sh("2026-10-03 10:00"), H),
        sh("2026-10-08 09:30")
    );
}

#[test]
fn zero_working_days_is_due_at_once() {
    let s = sh("2026-09-24 14:00");
    assert_eq!(CN.end_of_nth_working_day_after(s, 0), s);
}

#[test]
fn working_day_seconds_is_mondays_length() {
    assert_eq!(CN.working_day_seconds(), CN_DAY);
    assert_eq!(cal(BERLIN_9_17).working_day_seconds(), 8 * H);
}

#[test]
fn coverage() {
    let c = &*CN;
    assert!(c.covers_year(2026));
    assert!(c.covers_year(2007));
    assert!(!c.covers_year(2027));
    // 2006 only has the two 调休 rows of the 2007 notice: not covered.
    assert!(!c.covers_year(2006));
    let a = sh("2026-12-20 10:00");
    let b = sh("2027-01-10 10:00");
    assert_eq!(c.uncovered_years(a, b), vec![2027]);
    assert_eq!(c.uncovered_years(b, a), vec![2027]);
    assert!(c.uncovered_years(a, sh("2026-12-31 23:59:59")).is_empty());
    assert_eq!(
        c.uncovered_years(sh("2026-06-01 00:00"), sh("2029-01-01 00:00")),
        vec![2027, 2028, 2029]
    );
    // No holiday tables: every year is covered.
    let plain = cal(BERLIN_9_17);
    assert!(plain.covers_year(2027));
    assert!(plain.uncovered_years(0, be("2040-01-01 00:00")).is_empty());
}

#[test]
fn local_date_follows_the_zone() {
    // 2026-09-24 16:30 UTC is already 09-25 00:30 in Shanghai.
    assert_eq!(
        CN.local_date(at(Tz::UTC, "2026-09-24 16:30")),
        date("2026-09-25")
    );
    assert_eq!(
        CN.local_date(at(Tz::UTC, "2026-09-24 15:59:59")),
        date("2026-09-24")
    );
}

#[test]
fn explain_span_over_the_autumn_break() {
    let c = &*CN;
    let (a, b) = (sh("2026-09-24 14:00"), sh("2026-10-09 18:00"));
    let ex = c.explain_span(a, b);
    assert!(!ex.truncated);
    assert_eq!(ex.total_seconds, 44 * H);
    // 09-24 … 10-09 = 16 local days.
    assert_eq!(ex.days.len(), 16);
    assert_eq!(ex.days[0].info.date, date("2026-09-24"));
    assert_eq!(ex.days[0].seconds, 4 * H);
    assert_eq!(
        ex.days[0].counted,
        vec![(sh("2026-09-24 14:00"), sh("2026-09-24 18:00"))]
    );
    assert_eq!(ex.days.iter().map(|d| d.seconds).sum::<i64>(), 44 * H);
    assert!(matches!(ex.days[1].info.kind, DayKind::Holiday { .. }));
    assert_eq!(ex.days[1].seconds, 0);
    assert_eq!(ex.days[15].info.date, date("2026-10-09"));
    // Empty and reversed spans.
    assert!(c.explain_span(b, a).days.is_empty());
    assert!(c.explain_span(a, a).days.is_empty());
    // [Sat 00:00, Sat 00:00 + 1 s) touches exactly one day.
    assert_eq!(
        c.explain_span(sh("2026-09-19 00:00"), sh("2026-09-19 00:00") + 1)
            .days
            .len(),
        1
    );
}

#[test]
fn explain_span_truncates_at_400_days() {
    let c = &*CN;
    let (a, b) = (sh("2024-01-01 00:00"), sh("2026-01-01 00:00"));
    let ex = c.explain_span(a, b);
    assert!(ex.truncated);
    assert_eq!(ex.days.len(), EXPLAIN_MAX_DAYS);
    assert_eq!(ex.total_seconds, c.working_seconds_between(a, b));
    let ex = c.explain_span(a, sh("2025-02-04 00:00")); // 400 days exactly
    assert!(!ex.truncated);
    assert_eq!(ex.days.len(), 400);
}

// --------------------------------------------------- precedence and rules

#[test]
fn precedence_closure_table_extra_week() {
    let src = format!(
        r#"{CN_OFFICE}
[[closure]]
from = "2026-12-31"
name = "年终盘点"

[[closure]]
from = 2026-10-10           # a bare TOML date works too; beats the 调休 row
to = 2026-10-10
name = "团建"

[[extra_workday]]
date = "2026-12-26"
name = "加班日"

[[extra_workday]]
date = "2026-12-31"         # loses to the closure
name = "加班日"

[[extra_workday]]
date = "2026-10-03"         # loses to the holiday row
"#
    );
    let c = cal(&src);
    assert_eq!(
        c.day_info(date("2026-12-31")).kind,
        DayKind::Closure {
            name: "年终盘点".into()
        }
    );
    assert_eq!(
        c.day_info(date("2026-10-10")).kind,
        DayKind::Closure {
            name: "团建".into()
        }
    );
    assert_eq!(
        c.day_info(date("2026-12-26")).kind,
        DayKind::ExtraWorkday {
            name: "加班日".into()
        }
    );
    assert_eq!(c.day_info(date("2026-12-26")).working_seconds(), CN_DAY);
    assert!(matches!(
        c.day_info(date("2026-10-03")).kind,
        DayKind::Holiday { .. }
    ));
    // The tables agree with day_info: Fri 10-09 17:59 + 2 min now skips the
    // closed Saturday 10-10 and lands on Monday 10-12.
    assert_eq!(
        show(&c, c.add_working(sh("2026-10-09 17:59"), 2 * M)),
        "2026-10-12 08:31:00 +08:00"
    );
    // From Thu 12-24: 1 = Fri 12-25, 2 = Sat 12-26 (extra), 3 = Mon 12-28,
    // 4 = 12-29, 5 = 12-30, 6 = Fri 2027-01-01 (12-31 closed; 2027 has no
    // table yet, so 01-01 is a plain Friday).
    let r = sh("2026-12-24 10:00");
    assert_eq!(
        show(&c, c.end_of_nth_working_day_after(r, 2)),
        "2026-12-26 18:00:00 +08:00"
    );
    assert_eq!(
        show(&c, c.end_of_nth_working_day_after(r, 6)),
        "2027-01-01 18:00:00 +08:00"
    );
}

#[test]
fn closure_range_and_makeup_segments() {
    let src = r#"
timezone = "Asia/Shanghai"
makeup_day = ["09:00-12:00"]
[week]
mon = ["08:30-12:00", "13:30-18:00"]
tue = ["08:30-12:00", "13:30-18:00"]
[[closure]]
from = "2026-03-16"
to = "2026-03-17"
[[extra_workday]]
date = "2026-03-21"
"#;
    let c = cal(src);
    assert_eq!(
        c.day_info(date("2026-03-17")).kind,
        DayKind::Closure {
            name: "closure".into()
        }
    );
    assert_eq!(c.day_info(date("2026-03-18")).kind, DayKind::Weekend);
    let sat = c.day_info(date("2026-03-21"));
    assert_eq!(sat.working_seconds(), 3 * H);
    assert_eq!(sat.local_segments[0].to_string(), "09:00-12:00");
    // Mon 03-16 08:00 + 1 h: Mon and Tue closed, Wed–Fri no pattern,
    // Sat 03-21 extra day 09:00 → 10:00.
    assert_eq!(
        show(&c, c.add_working(sh("2026-03-16 08:00"), H)),
        "2026-03-21 10:00:00 +08:00"
    );
    // Segments ending at 24:00 are accepted.
    let c = cal(
        "timezone = \"Asia/Shanghai\"\n[week]\nsat = [\"20:00-24:00\"]\nsun = [\"00:00-02:00\"]\n",
    );
    assert_eq!(
        c.working_seconds_between(sh("2026-03-21 00:00"), sh("2026-03-23 00:00")),
        6 * H
    );
    // Touching segments across midnight: a budget of 4 h from Sat 20:00 runs
    // out at 24:00 and is due at the next instant of work, which is the same
    // instant (Sunday 00:00).
    assert_eq!(
        show(&c, c.add_working(sh("2026-03-21 20:00"), 4 * H)),
        "2026-03-22 00:00:00 +08:00"
    );
}

#[test]
fn name_defaults_to_file_stem_and_sha256_covers_tables() {
    let dir = std::env::temp_dir().join(format!("calendar-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    std::fs::write(dir.join("cn_holidays_2007_2026.csv"), CN_CSV).expect("write csv");
    let toml = CN_OFFICE.replace("name = \"cn_office\"\n", "");
    let file = dir.join("shop_hours.toml");
    std::fs::write(&file, &toml).expect("write toml");
    let c = Calendar::load(&file).expect("loads");
    assert_eq!(c.name(), "shop_hours");
    let mut h = Sha256::new();
    h.update(toml.as_bytes());
    h.update(CN_CSV.as_bytes());
    assert_eq!(c.sha256(), spec::hex(&h.finalize()));
    assert_eq!(c.sha256().len(), 64);
    // Same rules as the shared calendar.
    assert_eq!(
        c.add_working(sh("2026-10-03 10:00"), H),
        CN.add_working(sh("2026-10-03 10:00"), H)
    );
    // A missing file is a friendly error, not a panic.
    let e = Calendar::load(&dir.join("nope.toml")).expect_err("missing");
    assert!(
        e.message.starts_with("cannot read calendar file"),
        "{}",
        e.message
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn out_of_range_inputs_never_panic() {
    let c = &*CN;
    let (lo, hi) = c.precomputed_range();
    assert_eq!(show(c, lo), "1990-01-01 00:00:00 +08:00");
    assert_eq!(show(c, hi), "2100-01-01 00:00:00 +08:00");
    // No working time outside the range.
    assert!(!c.is_working_time(sh("1989-06-05 10:00")));
    assert_eq!(c.working_seconds_between(i64::MIN, lo), 0);
    assert_eq!(c.working_seconds_between(hi, i64::MAX), 0);
    assert!(c.working_seconds_between(i64::MIN, i64::MAX) > 0);
    // A deadline after 2099 is "never".
    assert_eq!(c.add_working(sh("2099-12-31 10:00"), 30 * CN_DAY), i64::MAX);
    assert_eq!(c.try_add_working(sh("2099-12-31 10:00"), 30 * CN_DAY), None);
    assert_eq!(
        c.try_add_working(sh("2099-12-31 10:00"), H),
        Some(sh("2099-12-31 11:00"))
    );
    assert_eq!(
        c.end_of_nth_working_day_after(sh("2099-12-30 10:00"), 5),
        i64::MAX
    );
    assert_eq!(
        c.try_end_of_nth_working_day_after(sh("2150-01-01 10:00"), 1),
        None
    );
    // Before 1990: counting starts at the first precomputed working day.
    // The table has no rows before 2006, so Mon 1990-01-01 is a plain
    // working Monday and is day 1.
    assert_eq!(
        show(c, c.end_of_nth_working_day_after(sh("1980-05-05 10:00"), 1)),
        "1990-01-01 18:00:00 +08:00"
    );
    assert_eq!(
        show(c, c.add_working(sh("1980-05-05 10:00"), 0)),
        "1990-01-01 08:30:00 +08:00"
    );
    // Extremes.
    for t in [i64::MIN, i64::MIN + 1, -1, 0, i64::MAX - 1, i64::MAX] {
        let _ = c.is_working_time(t);
        let _ = c.add_working(t, i64::MAX);
        let _ = c.add_working(t, i64::MIN);
        let _ = c.end_of_nth_working_day_after(t, u32::MAX);
        let _ = c.end_of_nth_working_day_after(t, 1);
        let _ = c.local_date(t);
        let _ = c.explain_span(t, t.saturating_add(86_400 * 3));
        let _ = c.uncovered_years(t, t.saturating_add(86_400 * 3));
        let a = Calendar::always("a", Tz::Europe__Berlin);
        let _ = a.add_working(t, i64::MAX);
        let _ = a.end_of_nth_working_day_after(t, u32::MAX);
        let _ = a.explain_span(t, t.saturating_add(86_400 * 3));
    }
    assert_eq!(
        c.add_working(sh("2026-03-16 10:00"), -5),
        sh("2026-03-16 10:00")
    );
}

// ------------------------------------------------------------------ errors

fn span_of(src: &str, needle: &str) -> std::ops::Range<usize> {
    let i = src
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in source"));
    i..i + needle.len()
}

#[test]
fn error_unknown_weekday_key() {
    let src = "timezone = \"Asia/Shanghai\"\n[week]\nmnday = [\"08:30-12:00\"]\n";
    let e = err(src);
    assert_eq!(
        e.message,
        "unknown weekday key \"mnday\" (expected mon, tue, wed, thu, fri, sat, sun)"
    );
    assert_eq!(e.span, Some(span_of(src, "mnday")));
    assert_eq!(e.path.as_deref(), Some(Path::new("test.toml")));
    assert_eq!(e.line_col(src), Some((3, 1)));
    assert_eq!(
        e.to_string(),
        "test.toml: unknown weekday key \"mnday\" (expected mon, tue, wed, thu, fri, sat, sun)"
    );
}

#[test]
fn error_segment_ends_before_it_starts() {
    let src = "timezone = \"Asia/Shanghai\"\n[week]\nmon = [\"08:30-12:00\", \"13:30-12:00\"]\n";
    let e = err(src);
    assert_eq!(e.message, "segment \"13:30-12:00\" ends before it starts");
    assert_eq!(e.span, Some(span_of(src, "\"13:30-12:00\"")));
    assert_eq!(e.line_col(src), Some((3, 23)));
}

#[test]
fn error_segment_shapes() {
    let cases = [
        (
            "\"12:00-12:00\"",
            "segment \"12:00-12:00\" is empty (it starts and ends at 12:00)",
        ),
        (
            "\"0830-1200\"",
            "segment \"0830-1200\" is not of the form HH:MM-HH:MM (e.g. \"08:30-12:00\")",
        ),
        (
            "\"08:30-12:60\"",
            "segment \"08:30-12:60\": \"12:60\" is not a valid time (expected HH:MM, 00:00 to 24:00)",
        ),
        (
            "\"8:3-12:00\"",
            "segment \"8:3-12:00\": \"8:3\" is not a valid time (expected HH:MM, 00:00 to 24:00)",
        ),
        (
            "\"24:00-24:00\"",
            "segment \"24:00-24:00\" starts at 24:00; a segment must start before midnight",
        ),
        (
            "\"22:00-24:30\"",
            "segment \"22:00-24:30\": \"24:30\" is not a valid time (expected HH:MM, 00:00 to 24:00)",
        ),
    ];
    for (lit, msg) in cases {
        let src = format!("timezone = \"Asia/Shanghai\"\n[week]\ntue = [{lit}]\n");
        let e = err(&src);
        assert_eq!(e.message, msg);
        assert_eq!(e.span, Some(span_of(&src, lit)));
    }
    // Single-digit hours are fine.
    let c = cal("timezone = \"Asia/Shanghai\"\n[week]\nmon = [\"8:30-12:00\"]\n");
    assert_eq!(c.working_day_seconds(), 3 * H + 30 * M);
}

#[test]
fn error_segments_overlap_or_out_of_order() {
    let src = "timezone = \"Asia/Shanghai\"\n[week]\nwed = [\"08:30-12:00\", \"11:00-13:00\"]\n";
    let e = err(src);
    assert_eq!(
        e.message,
        "segments \"08:30-12:00\" and \"11:00-13:00\" overlap"
    );
    assert_eq!(e.span, Some(span_of(src, "\"11:00-13:00\"")));

    let src =
        "timezone = \"Asia/Shanghai\"\nmakeup_day = [\"13:30-18:00\", \"08:30-12:00\"]\n[week]\n";
    let e = err(src);
    assert_eq!(
        e.message,
        "segment \"08:30-12:00\" comes after \"13:30-18:00\"; list segments in time order"
    );
    assert_eq!(e.span, Some(span_of(src, "\"08:30-12:00\"")));
}

#[test]
fn error_unknown_time_zone_with_suggestion() {
    let src = "timezone = \"Asia/Shangai\"\n[week]\n";
    let e = err(src);
    assert_eq!(
        e.message,
        "unknown time zone \"Asia/Shangai\" (did you mean \"Asia/Shanghai\"?)"
    );
    assert_eq!(e.span, Some(span_of(src, "\"Asia/Shangai\"")));
    // Wrong case and bare city names get a suggestion too.
    assert_eq!(
        err("timezone = \"asia/shanghai\"\n[week]\n").message,
        "unknown time zone \"asia/shanghai\" (did you mean \"Asia/Shanghai\"?)"
    );
    assert_eq!(
        err("timezone = \"Shanghai\"\n[week]\n").message,
        "unknown time zone \"Shanghai\" (did you mean \"Asia/Shanghai\"?)"
    );
    assert_eq!(
        err("timezone = \"Europe/Berln\"\n[week]\n").message,
        "unknown time zone \"Europe/Berln\" (did you mean \"Europe/Berlin\"?)"
    );
    // Nothing close: no guess.
    assert_eq!(
        err("timezone = \"Mars/Olympus_Mons\"\n[week]\n").message,
        "unknown time zone \"Mars/Olympus_Mons\" (expected an IANA name such as \"Asia/Shanghai\")"
    );
}

#[test]
fn error_holiday_table_unknown_kind() {
    // Line 1 header, lines 2..13 good rows, line 14 the typo.
    let mut csv = String::from("date,kind,name\n");
    for d in 1..=12 {
        csv.push_str(&format!("2027-01-{d:02},holiday,元旦\n"));
    }
    csv.push_str("2027-02-06,holliday,春节\n");
    let src = "timezone = \"Asia/Shanghai\"\nholidays = [\"cn_holidays_2027.csv\"]\n[week]\nmon = [\"08:30-12:00\"]\n";
    let e = err_with_tables(src, &[("cn_holidays_2027.csv", &csv)]);
    assert_eq!(
        e.message,
        "holiday table cn_holidays_2027.csv line 14: unknown kind \"holliday\" (expected holiday or workday)"
    );
    // The error points into the CSV itself.
    assert_eq!(
        e.path.as_deref(),
        Some(Path::new("/rules/cn_holidays_2027.csv"))
    );
    assert_eq!(e.span, Some(span_of(&csv, "holliday")));
    assert_eq!(e.line_col(&csv), Some((14, 12)));
}

#[test]
fn error_holiday_table_other_problems() {
    let src =
        "timezone = \"Asia/Shanghai\"\nholidays = [\"t.csv\"]\n[week]\nmon = [\"08:30-12:00\"]\n";
    let e = err_with_tables(src, &[("t.csv", "date,kind,name\n2026-13-01,holiday,x\n")]);
    assert_eq!(
        e.message,
        "holiday table t.csv line 2: invalid date \"2026-13-01\" (expected YYYY-MM-DD)"
    );
    let e = err_with_tables(src, &[("t.csv", "2026-10-01\n")]);
    assert_eq!(
        e.message,
        "holiday table t.csv line 1: expected columns date,kind,name but found \"2026-10-01\""
    );
    let e = err_with_tables(
        src,
        &[(
            "t.csv",
            "date,kind,name\n2026-10-01,holiday,a\n\n2026-10-01,workday,b\n",
        )],
    );
    assert_eq!(
        e.message,
        "holiday table t.csv line 4: 2026-10-01 is listed as workday here but as holiday on line 2"
    );
    // Missing file: points at the entry in the TOML file.
    let e = err_with_tables(src, &[]);
    assert!(
        e.message
            .starts_with("holiday table t.csv: cannot read /rules/t.csv"),
        "{}",
        e.message
    );
    assert_eq!(e.span, Some(span_of(src, "\"t.csv\"")));
    assert_eq!(e.path.as_deref(), Some(Path::new("/rules/x.toml")));
    // Lenient bits: BOM, CRLF, comments, blank lines, no name column, spaces.
    let ok = "\u{feff}date,kind,name\r\n# comment\r\n\r\n 2026-10-01 , holiday \r\n2026-10-10,workday,国庆节, extra\r\n";
    let map: HashMap<PathBuf, Vec<u8>> =
        [(PathBuf::from("/rules/t.csv"), ok.as_bytes().to_vec())].into();
    let c = Calendar::from_toml_with_loader(
        src,
        Path::new("/rules/x.toml"),
        Path::new("/rules"),
        &mut |p| Ok(map[p].clone()),
    )
    .expect("lenient table parses");
    assert_eq!(
        c.day_info(date("2026-10-01")).kind,
        DayKind::Holiday { name: "".into() }
    );
    assert_eq!(
        c.day_info(date("2026-10-10")).kind,
        DayKind::MakeupWorkday {
            name: "国庆节, extra".into()
        }
    );
}

#[test]
fn later_holiday_table_overrides_earlier() {
    let src = "timezone = \"Asia/Shanghai\"\nholidays = [\"a.csv\", \"b.csv\"]\n[week]\nmon = [\"08:30-12:00\"]\n";
    let map: HashMap<PathBuf, Vec<u8>> = [
        (
            PathBuf::from("/rules/a.csv"),
            b"2026-10-01,holiday,A\n".to_vec(),
        ),
        (
            PathBuf::from("/rules/b.csv"),
            b"2026-10-01,workday,B\n".to_vec(),
        ),
    ]
    .into();
    let c = Calendar::from_toml_with_loader(
        src,
        Path::new("/rules/x.toml"),
        Path::new("/rules"),
        &mut |p| Ok(map[p].clone()),
    )
    .expect("parses");
    assert_eq!(
        c.day_info(date("2026-10-01")).kind,
        DayKind::MakeupWorkday { name: "B".into() }
    );
    // Only b's year-2026 rows are workdays, but a's holiday row still marks
    // 2026 as covered (coverage is about which notices were loaded).
    assert!(c.covers_year(2026));
}

#[test]
fn error_unknown_keys_are_rejected() {
    let src = "timezone = \"Asia/Shanghai\"\nholiday = [\"x.csv\"]\n[week]\n";
    let e = err(src);
    assert!(
        e.message.starts_with("unknown field `holiday`"),
        "{}",
        e.message
    );
    assert_eq!(e.span, Some(span_of(src, "holiday")));

    let src = "timezone = \"Asia/Shanghai\"\n[week]\n[[closure]]\nfrom = \"2026-12-31\"\ntill = \"2027-01-01\"\n";
    let e = err(src);
    assert!(
        e.message.starts_with("unknown field `till`"),
        "{}",
        e.message
    );
    assert_eq!(e.span, Some(span_of(src, "till")));
}

#[test]
fn error_misc_file_problems() {
    assert_eq!(
        err("[week]\n").message,
        "missing `timezone` (an IANA time zone name such as \"Asia/Shanghai\")"
    );
    assert!(
        err("timezone = \"Asia/Shanghai\"\n")
            .message
            .starts_with("missing [week] table")
    );

    let src = "timezone = \"Asia/Shanghai\"\n[week]\n[[closure]]\nfrom = \"2026-12-31\"\nto = \"2026-12-30\"\n";
    let e = err(src);
    assert_eq!(
        e.message,
        "closure `to` 2026-12-30 is before `from` 2026-12-31"
    );
    assert_eq!(e.span, Some(span_of(src, "\"2026-12-30\"")));

    let src = "timezone = \"Asia/Shanghai\"\n[week]\n[[extra_workday]]\ndate = \"2026-02-30\"\n";
    let e = err(src);
    assert_eq!(
        e.message,
        "extra_workday `date` \"2026-02-30\" is not a valid date (expected \"YYYY-MM-DD\")"
    );
    assert_eq!(e.span, Some(span_of(src, "\"2026-02-30\"")));

    let src = "timezone = \"Asia/Shanghai\"\nalways = true\n[week]\nmon = []\n";
    let e = err(src);
    assert!(
        e.message
            .starts_with("`week` cannot be used with always = true"),
        "{}",
        e.message
    );

    let src = "name = \" \"\ntimezone = \"Asia/Shanghai\"\n[week]\n";
    assert_eq!(
        err(src).message,
        "name must not be empty (leave it out to use the file name)"
    );

    // 调休 rows but no Monday and no makeup_day: refuse rather than silently
    // giving make-up days no working time.
    let src = "timezone = \"Asia/Shanghai\"\nholidays = [\"cn_holidays_2007_2026.csv\"]\n[week]\ntue = [\"08:30-12:00\"]\n";
    assert!(
        err(src)
            .message
            .starts_with("makeup_day is not set and Monday has no working segments")
    );

    // Plain TOML syntax errors keep toml's own message and span.
    let src = "timezone = \"Asia/Shanghai\n[week]\n";
    let e = err(src);
    assert!(e.span.is_some(), "{e:?}");
}

// ------------------------------------------------------- property tests

/// 2015-01-01 00:00 UTC and 2027-01-01 00:00 UTC.
const T2015: i64 = 1_420_070_400;
const T2027: i64 = 1_798_761_600;

/// Slow reference, independent of the precomputed tables: is `t` working
/// time according to `day_info` of the neighbouring local dates?
struct Reference<'a> {
    cal: &'a Calendar,
    days: HashMap<NaiveDate, Vec<(i64, i64)>>,
}

impl<'a> Reference<'a> {
    fn new(cal: &'a Calendar) -> Self {
        Reference {
            cal,
            days: HashMap::new(),
        }
    }

    fn segments(&mut self, d: NaiveDate) -> &[(i64, i64)] {
        let cal = self.cal;
        self.days
            .entry(d)
            .or_insert_with(|| cal.day_info(d).segments)
    }

    fn is_working(&mut self, t: i64) -> bool {
        let d = self.cal.local_date(t);
        [d.pred_opt().expect("date"), d, d.succ_opt().expect("date")]
            .into_iter()
            .any(|d| self.segments(d).iter().any(|&(s, e)| s <= t && t < e))
    }

    /// Minute walk. Working status is constant within each UTC minute for
    /// the zones used here (segment ends and DST transitions fall on whole
    /// minutes).
    fn between(&mut self, a: i64, b: i64) -> i64 {
        let mut t = a;
        let mut sum = 0;
        while t < b {
            let next = b.min((t.div_euclid(60) + 1) * 60);
            if self.is_working(t) {
                sum += next - t;
            }
            t = next;
        }
        sum
    }

    /// Minute walk for the latest instant with `d` seconds worked.
    fn add(&mut self, s: i64, d: i64) -> i64 {
        let mut t = s;
        let mut left = d;
        loop {
            let next = (t.div_euclid(60) + 1) * 60;
            if self.is_working(t) {
                if left < next - t {
                    return t + left;
                }
                left -= next - t;
            }
            t = next;
        }
    }

    /// Day walk for the nth working day.
    fn nth_day_end(&mut self, s: i64, n: u32) -> i64 {
        let mut d = self.cal.local_date(s);
        let mut count = 0;
        loop {
            d = d.succ_opt().expect("date");
            if let Some(&(_, e)) = self.segments(d).last() {
                count += 1;
                if count == n {
                    return e;
                }
            }
        }
    }
}

fn max_budget() -> i64 {
    30 * CN_DAY
}

proptest! {
    // (1) measuring the due instant gives back the budget
    #[test]
    fn prop_add_then_measure_roundtrip(s in T2015..T2027, d in 0..=max_budget()) {
        let r = CN.add_working(s, d);
        prop_assert_eq!(CN.working_seconds_between(s, r), d);
    }

    // (2) never due before the start
    #[test]
    fn prop_add_is_not_before_start(s in T2015..T2027, d in 0..=max_budget()) {
        prop_assert!(CN.add_working(s, d) >= s);
    }

    // (3) measuring is non-decreasing in the end point
    #[test]
    fn prop_between_is_monotone(s in T2015..T2027, t1 in 0i64..40*86_400, t2 in 0i64..40*86_400) {
        let (t1, t2) = (s + t1.min(t2), s + t1.max(t2));
        prop_assert!(CN.working_seconds_between(s, t1) <= CN.working_seconds_between(s, t2));
    }

    // (4) additivity over adjacent spans
    #[test]
    fn prop_between_is_additive(a in T2015..T2027, x in 0i64..20*86_400, y in 0i64..20*86_400) {
        let (b, c) = (a + x, a + x + y);
        prop_assert_eq!(
            CN.working_seconds_between(a, b) + CN.working_seconds_between(b, c),
            CN.working_seconds_between(a, c)
        );
    }

    // (5) latest instant: the due instant r is itself working time, so any
    // later instant has strictly more than d seconds worked; and r is the
    // latest: [s, r + 1) holds exactly d + 1 seconds.
    #[test]
    fn prop_add_is_latest_instant(s in T2015..T2027, d in 0..=max_budget()) {
        let r = CN.add_working(s, d);
        prop_assert!(CN.is_working_time(r));
        prop_assert_eq!(CN.working_seconds_between(s, r + 1), d + 1);
    }

    // Same invariants on a DST zone with work on the change nights.
    #[test]
    fn prop_berlin_roundtrip_and_latest(s in T2015..T2027, d in 0i64..=30*8*3600) {
        let c = &*BERLIN_PROP;
        let r = c.add_working(s, d);
        prop_assert!(r >= s);
        prop_assert_eq!(c.working_seconds_between(s, r), d);
        prop_assert!(c.is_working_time(r));
    }

    #[test]
    fn prop_berlin_additive(a in T2015..T2027, x in 0i64..20*86_400, y in 0i64..20*86_400) {
        let c = &*BERLIN_PROP;
        let (b, e) = (a + x, a + x + y);
        prop_assert_eq!(
            c.working_seconds_between(a, b) + c.working_seconds_between(b, e),
            c.working_seconds_between(a, e)
        );
    }

    // explain_span adds up to the measured total.
    #[test]
    fn prop_explain_adds_up(a in T2015..T2027, x in 0i64..60*86_400) {
        let ex = CN.explain_span(a, a + x);
        prop_assert!(!ex.truncated);
        prop_assert_eq!(ex.days.iter().map(|d| d.seconds).sum::<i64>(), ex.total_seconds);
        prop_assert_eq!(ex.total_seconds, CN.working_seconds_between(a, a + x));
    }

    // The nth working day is strictly after the start day, ordered, and
    // exactly n working days lie in between.
    #[test]
    fn prop_nth_working_day_ordered(s in T2015..T2027, n in 1u32..60) {
        let e1 = CN.end_of_nth_working_day_after(s, n);
        let e2 = CN.end_of_nth_working_day_after(s, n + 1);
        prop_assert!(e1 > s && e2 > e1);
        prop_assert!(CN.local_date(e1 - 1) > CN.local_date(s));
        prop_assert_eq!(CN.working_seconds_between(e1, e2), CN.day_info(CN.local_date(e2 - 1)).working_seconds());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    // (6) fast vs slow reference on short spans.
    #[test]
    fn prop_matches_reference_cn(a in T2015..T2027, x in 0i64..3*86_400, d in 0i64..=2*CN_DAY, n in 1u32..12) {
        let mut r = Reference::new(&CN);
        prop_assert_eq!(CN.working_seconds_between(a, a + x), r.between(a, a + x));
        prop_assert_eq!(CN.is_working_time(a), r.is_working(a));
        prop_assert_eq!(CN.add_working(a, d), r.add(a, d));
        prop_assert_eq!(CN.end_of_nth_working_day_after(a, n), r.nth_day_end(a, n));
    }

    #[test]
    fn prop_matches_reference_berlin(a in T2015..T2027, x in 0i64..3*86_400, d in 0i64..=16*3600, n in 1u32..12) {
        let c = &*BERLIN_PROP;
        let mut r = Reference::new(c);
        prop_assert_eq!(c.working_seconds_between(a, a + x), r.between(a, a + x));
        prop_assert_eq!(c.is_working_time(a), r.is_working(a));
        prop_assert_eq!(c.add_working(a, d), r.add(a, d));
        prop_assert_eq!(c.end_of_nth_working_day_after(a, n), r.nth_day_end(a, n));
    }

    // DST nights specifically: start within a week of each 2015–2026 change.
    #[test]
    fn prop_reference_around_dst_changes(year in 2015i32..2027, fall in any::<bool>(), off in 0i64..7*86_400, x in 0i64..2*86_400, d in 0i64..=12*3600) {
        let c = &*BERLIN_PROP;
        // Last Sunday of March / October, minus 3 days.
        let month = if fall { 10 } else { 3 };
        let last = NaiveDate::from_ymd_opt(year, month, 31).expect("date");
        let sunday = last - chrono::Days::new(u64::from(chrono::Datelike::weekday(&last).num_days_from_sunday()));
        let a = at(Tz::UTC, &format!("{} 00:00", sunday - chrono::Days::new(3))) + off;
        let mut r = Reference::new(c);
        prop_assert_eq!(c.working_seconds_between(a, a + x), r.between(a, a + x));
        prop_assert_eq!(c.add_working(a, d), r.add(a, d));
    }
}

#[test]
fn reference_agrees_on_the_dst_sundays() {
    // Deterministic companion to the DST property test: the two 2026 change
    // Sundays, measured whole, by both implementations.
    let c = &*BERLIN_PROP;
    let mut r = Reference::new(c);
    for day in ["2026-03-29", "2026-10-25"] {
        let a = at(Tz::UTC, &format!("{day} 00:00")) - 2 * H;
        let b = a + 30 * H;
        assert_eq!(c.working_seconds_between(a, b), r.between(a, b), "{day}");
    }
    // Spring: 00:00–02:00 CET = 2 h (02:30 is in the gap → 03:00), then
    // 03:00 CEST – 24:00 = 21 h: 23 h of work that day (02:45 → 03:00 too).
    assert_eq!(c.day_info(date("2026-03-29")).working_seconds(), 23 * H);
    // Fall: 00:00 CEST (22:00 UTC) → 02:30 CEST first pass (00:30 UTC) = 2.5 h;
    // 02:45 CEST first pass (00:45 UTC) → 24:00 CET (23:00 UTC) = 22.25 h,
    // the repeated hour included. Total 24.75 h.
    assert_eq!(
        c.day_info(date("2026-10-25")).working_seconds(),
        24 * H + 45 * M
    );
}

// ----------------------------------------- property tests on random calendars

/// A random calendar: per weekday zero to three windows on quarter-hour marks, make-up-day
/// windows, a holiday table of `holiday` and 调休 `workday` rows, company closures and extra
/// working days, in Shanghai or Berlin (DST). Returned as its TOML and table, so a failing
/// case shows the calendar it ran on.
#[derive(Debug, Clone)]
struct RandomCalendar {
    toml: String,
    table: String,
}

impl RandomCalendar {
    fn build(&self) -> Calendar {
        let table = self.table.clone().into_bytes();
        Calendar::from_toml_with_loader(
            &self.toml,
            Path::new("/rules/random.toml"),
            Path::new("/rules"),
            &mut |_| Ok(table.clone()),
        )
        .unwrap_or_else(|e| panic!("random calendar does not load: {e:?}\n{}", self.toml))
    }
}

/// Windows of a day from (gap, length) pairs in quarter hours: ordered, never overlapping,
/// ending by 24:00.
fn windows(parts: &[(u32, u32)]) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = 0u32;
    for &(gap, len) in parts {
        let start = at + gap;
        let end = (start + len).min(96);
        if start >= 96 || end <= start {
            break;
        }
        let hm = |q: u32| format!("{:02}:{:02}", q / 4, q % 4 * 15);
        out.push(format!("\"{}-{}\"", hm(start), hm(end)));
        at = end;
    }
    out
}

prop_compose! {
    fn random_calendar()(
        berlin in any::<bool>(),
        week in prop::collection::vec(prop::collection::vec((0u32..40, 1u32..40), 0..4), 7),
        makeup in prop::collection::vec((0u32..40, 1u32..40), 1..3),
        rows in prop::collection::vec((0i64..730, any::<bool>()), 0..40),
        closures in prop::collection::vec((0i64..730, 0i64..5), 0..3),
        extra in prop::collection::vec(0i64..730, 0..4),
    ) -> RandomCalendar {
        let day0 = NaiveDate::from_ymd_opt(2025, 1, 1).expect("date");
        let day = |n: i64| day0 + chrono::Days::new(n as u64);
        let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let mut toml = format!(
            "timezone = \"{}\"\nholidays = [\"t.csv\"]\n",
            if berlin { "Europe/Berlin" } else { "Asia/Shanghai" }
        );
        let mut make = windows(&makeup);
        if make.is_empty() {
            make.push("\"09:00-17:00\"".into());
        }
        toml.push_str(&format!("makeup_day = [{}]\n", make.join(", ")));
        for (from, len) in &closures {
            toml.push_str(&format!("[[closure]]\nfrom = {}\nto = {}\n", day(*from), day(from + len)));
        }
        for n in &extra {
            toml.push_str(&format!("[[extra_workday]]\ndate = {}\n", day(*n)));
        }
        toml.push_str("[week]\n");
        for (name, parts) in names.iter().zip(&week) {
            toml.push_str(&format!("{name} = [{}]\n", windows(parts).join(", ")));
        }
        let mut seen = std::collections::BTreeSet::new();
        let mut table = String::from("date,kind,name\n");
        for (n, holiday) in rows {
            if seen.insert(n) {
                let kind = if holiday { "holiday" } else { "workday" };
                table.push_str(&format!("{},{kind},假日\n", day(n)));
            }
        }
        RandomCalendar { toml, table }
    }
}

/// 2025-01-01 and 2027-01-01, 00:00 UTC: the span the random tables cover.
const T2025: i64 = 1_735_689_600;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The fixed calendars' invariants hold on any calendar: the due instant measures back to
    /// the budget, is working time and is the latest such instant; measuring is additive; and
    /// the breach rule itself: elapsed ≤ limit ⇔ stop ≤ due.
    #[test]
    fn prop_random_calendars_keep_the_invariants(
        spec in random_calendar(),
        s in T2025..T2027,
        d in 0i64..=5 * 86_400,
        x in 0i64..20 * 86_400,
        y in 0i64..20 * 86_400,
    ) {
        let c = spec.build();
        // A calendar without any working time in reach has no due instant to test.
        prop_assume!(c.try_add_working(s, d).is_some());
        let due = c.add_working(s, d);
        prop_assert!(due >= s);
        prop_assert_eq!(c.working_seconds_between(s, due), d);
        if d > 0 || c.is_working_time(due) {
            prop_assert!(c.is_working_time(due), "due {} not working", due);
            prop_assert_eq!(c.working_seconds_between(s, due + 1), d + 1);
        }
        let (b, e) = (s + x, s + x + y);
        prop_assert_eq!(
            c.working_seconds_between(s, b) + c.working_seconds_between(b, e),
            c.working_seconds_between(s, e)
        );
        // Stops around the due instant and anywhere in the next weeks.
        for stop in [due - 1, due, due + 1, s + x, s + x + y] {
            let elapsed = c.working_seconds_between(s, stop.max(s));
            prop_assert_eq!(
                elapsed <= d,
                stop <= due,
                "stop {} due {} elapsed {} limit {}",
                stop,
                due,
                elapsed,
                d
            );
        }
    }

    /// Any calendar agrees with the minute-walking reference built from its day classes.
    #[test]
    fn prop_random_calendars_match_the_reference(
        spec in random_calendar(),
        a in T2025..T2027,
        x in 0i64..2 * 86_400,
        d in 0i64..=6 * 3600,
        n in 1u32..6,
    ) {
        let c = spec.build();
        let mut r = Reference::new(&c);
        prop_assert_eq!(c.working_seconds_between(a, a + x), r.between(a, a + x));
        prop_assert_eq!(c.is_working_time(a), r.is_working(a));
        if c.try_add_working(a, d).is_some() && c.try_end_of_nth_working_day_after(a, n).is_some() {
            // The reference walks minute by minute: keep it to calendars that work within weeks.
            if c.add_working(a, d) - a < 40 * 86_400 {
                prop_assert_eq!(c.add_working(a, d), r.add(a, d));
            }
            if c.end_of_nth_working_day_after(a, n) - a < 60 * 86_400 {
                prop_assert_eq!(c.end_of_nth_working_day_after(a, n), r.nth_day_end(a, n));
            }
        }
    }
}

/// `uncovered_years` answers spans inside the covered years without converting them to dates:
/// the answer is the same as from the local years of both ends, on either side of the
/// covered run's first and last instants.
#[test]
fn uncovered_years_agree_with_the_local_years_of_the_span() {
    let c = &*CN;
    let reference = |a: i64, b: i64| -> Vec<i32> {
        let (y0, y1) = (c.local_date(a.min(b)).year(), c.local_date(a.max(b)).year());
        (y0..=y1).filter(|y| !c.covers_year(*y)).collect()
    };
    let (first, last) = (
        (2000..2030).find(|y| c.covers_year(*y)).unwrap(),
        (2000..2030).rev().find(|y| c.covers_year(*y)).unwrap(),
    );
    let edges = [
        sh(&format!("{first}-01-01 00:00")),
        sh(&format!("{}-01-01 00:00", last + 1)),
    ];
    for e in edges {
        for d in [-86_400, -1, 0, 1, 86_400] {
            for other in [sh("2020-06-01 12:00"), e + d, sh("2035-01-01 00:00")] {
                assert_eq!(
                    c.uncovered_years(e + d, other),
                    reference(e + d, other),
                    "{} .. {}",
                    show(c, e + d),
                    show(c, other)
                );
            }
        }
    }
    assert!(reference(sh("2020-06-01 12:00"), sh("2021-06-01 12:00")).is_empty());
}
