use super::*;

fn sh() -> Zone {
    Zone::from_name("Asia/Shanghai").unwrap()
}

fn at(zone: &Zone, y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Ts {
    zone.to_instant(
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, s)
            .unwrap(),
    )
    .unwrap()
}

#[test]
fn every_export_form_gives_the_same_instant() {
    let z = sh();
    let want = at(&z, 2026, 10, 1, 8, 30, 0);
    for s in [
        "2026-10-01 08:30",
        "2026-10-01 08:30:00",
        "2026/10/1 8:30",
        "2026/10/01 08:30:00",
        "2026.10.01 08:30",
        "2026年10月1日 08:30",
        "2026年10月1日 08:30:00",
        "2026年10月1日8时30分",
        "2026-10-01T08:30:00+08:00",
        "2026-10-01T00:30:00Z",
        "2026-10-01T08:30:00.250+08:00",
        " 2026-10-01 08:30 ",
        "2026-10-01 00:30:00 UTC",
        "2026-10-01 00:30 GMT",
        "2026-10-01 08:30:00 +08:00",
        "2026年10月1日 8时30分",
    ] {
        assert_eq!(parse_timestamp(s, &z), Ok(want), "{s}");
    }
}

#[test]
fn a_date_alone_is_local_midnight() {
    let z = sh();
    assert_eq!(
        parse_timestamp("2026-10-03", &z),
        Ok(at(&z, 2026, 10, 3, 0, 0, 0))
    );
    assert_eq!(
        parse_timestamp("2026年10月3日", &z),
        Ok(at(&z, 2026, 10, 3, 0, 0, 0))
    );
}

#[test]
fn excel_serials_are_local_wall_time() {
    let z = sh();
    // 46296 = 2026-10-01; .354166667 ≈ 08:30
    assert_eq!(
        parse_timestamp("46296.3541666667", &z),
        Ok(at(&z, 2026, 10, 1, 8, 30, 0))
    );
    assert_eq!(
        parse_timestamp("46296", &z),
        Ok(at(&z, 2026, 10, 1, 0, 0, 0))
    );
    assert_eq!(
        parse_timestamp("46296.", &z),
        Ok(at(&z, 2026, 10, 1, 0, 0, 0))
    );
    // Not serials: four or six digits, a second dot, a letter, a comma.
    for s in [
        "4629",
        "462960",
        "46296.5.5",
        "46296.5a",
        "4629a",
        "46296,5",
    ] {
        assert_eq!(
            parse_timestamp(s, &z),
            Err(TimestampError::Unparseable),
            "{s}"
        );
    }
    assert_eq!(
        parse_timestamp("2026-10-01", &z),
        Ok(at(&z, 2026, 10, 1, 0, 0, 0))
    );
}

#[test]
fn early_serials_account_for_the_phantom_leap_day() {
    let d = |x: f64| excel_serial_to_naive(x).unwrap().date().to_string();
    assert_eq!(d(1.0), "1900-01-01");
    assert_eq!(d(59.0), "1900-02-28");
    assert_eq!(d(61.0), "1900-03-01");
    assert_eq!(d(46296.0), "2026-10-01");
}

#[test]
fn bad_forms_are_told_apart() {
    let z = sh();
    assert_eq!(
        parse_timestamp("昨天下午", &z),
        Err(TimestampError::Unparseable)
    );
    assert_eq!(
        parse_timestamp("2026-13-45 25:61", &z),
        Err(TimestampError::InvalidDate)
    );
    assert_eq!(
        parse_timestamp("2026-02-30 10:00:00", &z),
        Err(TimestampError::InvalidDate)
    );
    assert_eq!(
        parse_timestamp("2026", &z),
        Err(TimestampError::Unparseable)
    );
    assert_eq!(
        parse_timestamp("2026-10-01 08:30 extra", &z),
        Err(TimestampError::Unparseable)
    );
}

#[test]
fn an_hour_alone_in_chinese_is_on_the_hour() {
    let z = sh();
    assert_eq!(
        parse_timestamp("2025年3月1日 9时", &z),
        Ok(at(&z, 2025, 3, 1, 9, 0, 0))
    );
    assert_eq!(
        parse_timestamp("2019/4/25 9:32:09", &z),
        Ok(at(&z, 2019, 4, 25, 9, 32, 9))
    );
}

#[test]
fn a_due_time_in_a_dst_gap_moves_forward_by_the_gap() {
    let z = Zone::from_name("Europe/Berlin").unwrap();
    // Clocks jump from 02:00 to 03:00: 02:30 is meant as 03:30 summer time.
    let due = parse_due_time("2026-03-29 02:30", &z).unwrap();
    assert_eq!(due, parse_timestamp("2026-03-29 03:30", &z).unwrap());
    assert_eq!(
        parse_due_time("2026-03-29 04:00", &z),
        parse_timestamp("2026-03-29 04:00", &z)
    );
}

#[test]
fn dst_gap_is_nonexistent_and_overlap_takes_the_earlier_instant() {
    let z = Zone::from_name("Europe/Berlin").unwrap();
    assert_eq!(
        parse_timestamp("2026-03-29 02:30", &z),
        Err(TimestampError::Nonexistent)
    );
    let t = parse_timestamp("2026-10-25 02:30", &z).unwrap();
    // the earlier 02:30 is still summer time (+02:00)
    assert_eq!(z.offset_at(t), 7200);
}

#[test]
fn fast_table_agrees_with_chrono_tz() {
    let z = Zone::from_name("America/New_York").unwrap();
    for (y, m, d, h) in [
        (2026, 3, 7, 12),
        (2026, 3, 8, 12),
        (2026, 11, 1, 12),
        (1995, 6, 1, 0),
    ] {
        let local = NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap();
        let slow = z
            .tz()
            .from_local_datetime(&local)
            .earliest()
            .unwrap()
            .timestamp();
        assert_eq!(z.to_instant(local).unwrap(), slow);
    }
}

#[test]
fn unknown_zone_suggests_a_close_name() {
    let e = Zone::from_name("Asia/Shangai").unwrap_err();
    assert!(e.contains("did you mean `Asia/Shanghai`"), "{e}");
}

/// The table-driven conversion and formatter agree with chrono-tz on every hour of three
/// years, across DST changes (New York, London, Lord Howe's half-hour shift) and year ends.
#[test]
fn fast_local_time_and_formatting_agree_with_chrono_tz() {
    for name in [
        "Asia/Shanghai",
        "America/New_York",
        "Europe/London",
        "Australia/Lord_Howe",
    ] {
        let z = Zone::from_name(name).unwrap();
        let start = at(&z, 2025, 1, 1, 0, 0, 0) - 86_400;
        let mut t = start;
        while t < start + 3 * 366 * 86_400 {
            // An hour plus a prime number of seconds, so minutes and seconds vary too.
            t += 3_600 + 7;
            let utc = chrono::DateTime::from_timestamp(t, 0).unwrap();
            let slow = utc.with_timezone(&z.tz()).naive_local();
            assert_eq!(z.to_local(t), slow, "{name} {t}");
            assert_eq!(z.format(t), slow.format("%Y-%m-%d %H:%M:%S").to_string());
            assert_eq!(z.local_date(t), slow.date());
        }
    }
}

/// The formatter reads a day's date from the table inside its years and computes it outside
/// them: both agree with chrono-tz across the table's edges (1990 and 2100).
#[test]
fn formatting_agrees_with_chrono_tz_at_the_tables_edges() {
    let z = Zone::from_name("Asia/Shanghai").unwrap();
    for (y, m, d) in [(1989, 12, 25), (2100, 12, 25), (1970, 1, 1)] {
        let start = at(&z, y, m, d, 0, 0, 0);
        for t in (start..start + 14 * 86_400).step_by(3_600 + 7) {
            let utc = chrono::DateTime::from_timestamp(t, 0).unwrap();
            let slow = utc.with_timezone(&z.tz()).naive_local();
            assert_eq!(z.format(t), slow.format("%Y-%m-%d %H:%M:%S").to_string());
        }
    }
}

#[test]
fn civil_from_days_round_trips() {
    for day in -800_000..800_000i64 {
        let (y, m, d) = civil_from_days(day);
        let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(day_number(date), day);
    }
}
