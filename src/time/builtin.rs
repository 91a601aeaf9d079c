//! The built-in timestamp forms: the lenient year-first forms Chinese exports use, RFC 3339,
//! zone suffixes and Excel serials. They need no configuration and are always accepted, after
//! any forms the config declares ([`super::forms`]).
//!
//! This parser runs on every timestamp cell of a run (millions of them), so it reads bytes
//! with a cursor and allocates nothing.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::{Ts, Zone};

/// Why a timestamp cell could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimestampError {
    /// Not in any accepted form.
    Unparseable,
    /// A well-formed but impossible date or time (`2026-02-30`, `25:61`).
    InvalidDate,
    /// The local time does not exist in the zone (a DST gap).
    Nonexistent,
}

/// A timestamp as read, before it is placed in a zone: the wall time it names, and the UTC
/// offset (seconds east) when the text carried one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    /// The wall time written.
    pub local: NaiveDateTime,
    /// The offset written with it (`Z`, `UTC`, `+08:00`), if any.
    pub offset: Option<i64>,
}

impl Reading {
    /// The instant: the written offset wins; otherwise the wall time in `zone`.
    #[inline]
    pub fn instant(self, zone: &Zone) -> Result<Ts, TimestampError> {
        match self.offset {
            Some(off) => Ok(self.local.and_utc().timestamp() - off),
            None => zone
                .to_instant(self.local)
                .map_err(|_| TimestampError::Nonexistent),
        }
    }
}

/// Parses the timestamp forms exports use, in `zone` unless the text carries an offset:
/// `2026-10-01 08:30[:00]`, `2026/10/1 8:30`, `2026.10.01 08:30`, `2026年10月1日 08:30[:00]`
/// (also `8时30分`), RFC 3339 (`2026-10-01T08:30:00+08:00`, `...Z`), a zone suffix after a
/// space (`2019-10-06 00:05:55 UTC`, `... +08:00`), a date alone (local midnight), and Excel
/// serial day numbers (`46296.354166`). Fractions of a second are dropped.
pub fn parse_timestamp(s: &str, zone: &Zone) -> Result<Ts, TimestampError> {
    if let Some(t) = plain_instant(s, zone) {
        return Ok(t);
    }
    read_builtin(s)?.instant(zone)
}

/// The usual form (`YYYY-MM-DD HH:MM:SS`) in `zone`, straight to an instant, when the zone's
/// table has the day; `None` otherwise (the cell is then read the general way). A cell of
/// exactly that form has no spaces to trim.
pub(super) fn plain_instant(s: &str, zone: &Zone) -> Option<Ts> {
    plain_local_secs(s.as_bytes()).and_then(|local| zone.instant_of_local_secs(local))
}

/// Like [`parse_timestamp`], but a wall time inside a daylight-saving gap is moved forward by
/// the gap (02:30 on a night the clocks jump from 02:00 to 03:00 is 03:30), as calendar
/// software does: for a due time someone wrote down, the instant they meant is not in doubt,
/// only its spelling. Data cells keep the strict reading (a gap time there is a typo).
pub fn parse_due_time(s: &str, zone: &Zone) -> Result<Ts, TimestampError> {
    let r = read_builtin(s)?;
    match r.offset {
        Some(_) => r.instant(zone),
        None => Ok(zone.to_instant_forward(r.local)),
    }
}

/// Like [`parse_timestamp`] but for text only: a bare number is never read as an Excel serial
/// (used for carried-through columns, where `46296` is more likely a reference number).
pub fn parse_timestamp_text(s: &str, zone: &Zone) -> Result<Ts, TimestampError> {
    let t = s.trim();
    if t.bytes().all(|c| c.is_ascii_digit() || c == b'.') {
        return Err(TimestampError::Unparseable);
    }
    parse_timestamp(t, zone)
}

/// Reads a cell in the built-in forms, without placing it in a zone.
pub fn read_builtin(s: &str) -> Result<Reading, TimestampError> {
    let s = s.trim();
    match plain_form(s.as_bytes()) {
        Some(local) => Ok(Reading {
            local,
            offset: None,
        }),
        None => read_any(s),
    }
}

/// `YYYY-MM-DD HH:MM:SS` naming a valid date and time, the form nearly every cell of an export
/// is in, read by position; `None` for anything else, which [`read_any`] then reads (or rejects
/// with its reason). A timestamp cell is read for every stage of every complaint; through the
/// cursor this form was 3 % of the kit job's samples.
fn plain_form(b: &[u8]) -> Option<NaiveDateTime> {
    let secs = plain_local_secs(b)?;
    chrono::DateTime::from_timestamp(secs, 0).map(|t| t.naive_utc())
}

/// [`plain_form`] as local wall-clock seconds since 1970-01-01 00:00, computed by integer
/// arithmetic: the form of nearly every timestamp cell, eight per complaint, without building
/// chrono's date and time on the way. `None` for anything else (the cell is then read the
/// general way).
fn plain_local_secs(b: &[u8]) -> Option<i64> {
    if b.len() != 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let n = |i: usize, len: usize| -> Option<u32> {
        b[i..i + len].iter().try_fold(0u32, |v, &d| {
            d.is_ascii_digit().then(|| v * 10 + u32::from(d - b'0'))
        })
    };
    let (y, m, d) = (n(0, 4)?, n(5, 2)?, n(8, 2)?);
    let (hh, mm, ss) = (n(11, 2)?, n(14, 2)?, n(17, 2)?);
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let month_days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if d == 0 || d > month_days || hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    let day = super::days_from_civil(i64::from(y), m, d);
    Some(day * 86_400 + i64::from(hh * 3600 + mm * 60 + ss))
}

/// [`read_builtin`] by cursor, for every form; `s` is trimmed.
fn read_any(s: &str) -> Result<Reading, TimestampError> {
    if s.is_empty() {
        return Err(TimestampError::Unparseable);
    }
    let b = s.as_bytes();
    if b[0].is_ascii_digit() && is_excel_serial(s) {
        let serial: f64 = s.parse().map_err(|_| TimestampError::Unparseable)?;
        let local = excel_serial_to_naive(serial).ok_or(TimestampError::InvalidDate)?;
        return Ok(Reading {
            local,
            offset: None,
        });
    }
    let mut p = Cursor { b, i: 0 };
    let year = p.digits(4, 4).ok_or(TimestampError::Unparseable)?;
    let sep = p.peek();
    let cjk = s[p.i..].starts_with('年');
    if cjk {
        p.i += '年'.len_utf8();
    } else if matches!(sep, Some(b'-' | b'/' | b'.')) {
        p.i += 1;
    } else {
        return Err(TimestampError::Unparseable);
    }
    let month = p.digits(1, 2).ok_or(TimestampError::Unparseable)?;
    if cjk {
        p.expect_str("月")?;
    } else if p.peek() != sep {
        return Err(TimestampError::Unparseable);
    } else {
        p.i += 1;
    }
    let day = p.digits(1, 2).ok_or(TimestampError::Unparseable)?;
    if cjk {
        // `日` is customary but some exports write `2026年10月1号` or omit it.
        if !p.eat_str("日") {
            p.eat_str("号");
        }
    }
    let date =
        NaiveDate::from_ymd_opt(year as i32, month, day).ok_or(TimestampError::InvalidDate)?;
    // Time part, optional.
    let had_t = p.peek() == Some(b'T');
    if had_t {
        p.i += 1;
    } else {
        while p.peek() == Some(b' ') {
            p.i += 1;
        }
    }
    if p.at_end() {
        if had_t {
            return Err(TimestampError::Unparseable);
        }
        return Ok(Reading {
            local: date.and_hms_opt(0, 0, 0).expect("midnight"),
            offset: None,
        });
    }
    let hour = p.digits(1, 2).ok_or(TimestampError::Unparseable)?;
    let cjk_time = if p.eat_str("时") || p.eat_str("點") || p.eat_str("点") {
        true
    } else if p.peek() == Some(b':') {
        p.i += 1;
        false
    } else {
        return Err(TimestampError::Unparseable);
    };
    let minute = p
        .digits(2, 2)
        .or_else(|| if cjk_time { p.digits(1, 2) } else { None });
    // `2025年3月1日 9时`: an hour alone, on the hour.
    let minute = match minute {
        None if cjk_time && p.at_end() => 0,
        m => m.ok_or(TimestampError::Unparseable)?,
    };
    if cjk_time {
        p.eat_str("分");
    }
    let mut second = 0;
    if cjk_time {
        // `8时30分15秒`
        if let Some(s) = p.digits(1, 2) {
            second = s;
            p.eat_str("秒");
        }
    } else if p.peek() == Some(b':') {
        p.i += 1;
        second = p.digits(2, 2).ok_or(TimestampError::Unparseable)?;
        if p.peek() == Some(b'.') {
            p.i += 1;
            if p.digits(1, 9).is_none() {
                return Err(TimestampError::Unparseable);
            }
        }
    }
    let time = NaiveTime::from_hms_opt(hour, minute, second).ok_or(TimestampError::InvalidDate)?;
    let local = NaiveDateTime::new(date, time);
    let offset = if p.at_end() {
        None
    } else {
        Some(zone_suffix(&s[p.i..]).ok_or(TimestampError::Unparseable)?)
    };
    Ok(Reading { local, offset })
}

/// The offset a zone suffix names, in seconds east of UTC: `Z`, `+08:00`, `+0800` right after
/// the time, or after one space `UTC`, `GMT`, `Z` or an offset (`2019-10-06 00:05:55 UTC`, as
/// US exports and database dumps write it). `None` when the text is anything else.
pub fn zone_suffix(s: &str) -> Option<i64> {
    let s = s.strip_prefix(' ').unwrap_or(s);
    match s {
        "Z" | "UTC" | "GMT" => return Some(0),
        _ => {}
    }
    let b = s.as_bytes();
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let mut p = Cursor { b, i: 1 };
    let h = p.digits(2, 2)?;
    p.eat_str(":");
    let m = p.digits(2, 2)?;
    (p.at_end() && h < 24 && m < 60).then_some(sign * i64::from(h * 3600 + m * 60))
}

/// True for a bare number that looks like an Excel serial date (1900 date system), between
/// 1954 and 2173: five digits before an optional fraction. Four-digit numbers are years, not
/// serials, and would be rejected as unparseable instead.
fn is_excel_serial(s: &str) -> bool {
    // By position: every digit-led timestamp cell asks, and a date fails at its fifth byte
    // instead of after a search of the whole cell for a dot.
    let b = s.as_bytes();
    b.len() >= 5
        && b[..5].iter().all(u8::is_ascii_digit)
        && match b.get(5) {
            None => true,
            Some(b'.') => b[6..].iter().all(u8::is_ascii_digit),
            Some(_) => false,
        }
}

/// Excel serial (1900 date system, with Lotus's phantom 1900-02-29) → local wall time,
/// rounded to the nearest second.
pub fn excel_serial_to_naive(serial: f64) -> Option<NaiveDateTime> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    // Serial 1 is 1900-01-01. Excel counts a phantom 1900-02-29 (serial 60), so from serial 61
    // on the epoch is 1899-12-30; before it, 1899-12-31.
    let epoch_day = if serial < 61.0 { 31 } else { 30 };
    let epoch = NaiveDate::from_ymd_opt(1899, 12, epoch_day)?.and_hms_opt(0, 0, 0)?;
    let secs = (serial * 86_400.0).round() as i64;
    epoch.checked_add_signed(chrono::Duration::seconds(secs))
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn at_end(&self) -> bool {
        self.i >= self.b.len()
    }
    /// Reads between `min` and `max` ASCII digits.
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.i;
        let mut v: u32 = 0;
        while self.i < self.b.len() && self.i - start < max && self.b[self.i].is_ascii_digit() {
            v = v * 10 + u32::from(self.b[self.i] - b'0');
            self.i += 1;
        }
        (self.i - start >= min).then_some(v)
    }
    fn eat_str(&mut self, s: &str) -> bool {
        if self.b[self.i..].starts_with(s.as_bytes()) {
            self.i += s.len();
            true
        } else {
            false
        }
    }
    fn expect_str(&mut self, s: &str) -> Result<(), TimestampError> {
        if self.eat_str(s) {
            Ok(())
        } else {
            Err(TimestampError::Unparseable)
        }
    }
}

#[cfg(test)]
mod plain_tests {
    use super::*;
    use proptest::prelude::*;

    /// The 29th of February by the Gregorian rule: every fourth year, not in a century unless
    /// it is divisible by 400. (Rare enough in the proptests below to be spelled out here.)
    #[test]
    fn leap_days_are_the_gregorian_ones() {
        for (s, valid) in [
            ("1900-02-29 00:00:00", false),
            ("2000-02-29 12:00:00", true),
            ("2100-02-29 23:59:59", false),
            ("2024-02-29 08:30:00", true),
            ("2023-02-29 08:30:00", false),
            ("2023-02-28 23:59:59", true),
        ] {
            assert_eq!(plain_local_secs(s.as_bytes()).is_some(), valid, "{s}");
            assert_eq!(plain_form(s.as_bytes()).is_some(), valid, "{s}");
        }
        // 2000-03-01 is day 11,017 since 1970-01-01.
        assert_eq!(
            plain_local_secs(b"2000-03-01 00:00:01"),
            Some(11_017 * 86_400 + 1)
        );
    }

    proptest! {
        /// In the plain form's shape, with any digits: the positional read gives what the
        /// cursor gives, and declines exactly where the cursor finds no such date or time.
        #[test]
        fn the_plain_form_reads_as_the_cursor_does(
            s in "[0-9]{4}-[0-1][0-9]-[0-3][0-9] [0-2][0-9]:[0-6][0-9]:[0-6][0-9]",
        ) {
            let any = read_any(&s);
            match plain_form(s.as_bytes()) {
                Some(local) => prop_assert_eq!(any, Ok(Reading { local, offset: None })),
                None => prop_assert_eq!(any, Err(TimestampError::InvalidDate)),
            }
        }

        /// The integer reading of the form is chrono's, to the second, and declines exactly
        /// where chrono finds no such date or time (a century not divisible by 400 included).
        #[test]
        fn the_plain_seconds_are_chronos(
            s in "(1[6-9]|20|21)(00|[0-9]{2})-[0-1][0-9]-[0-3][0-9] [0-2][0-9]:[0-6][0-9]:[0-6][0-9]",
        ) {
            // The cursor's reading goes through chrono's date and time.
            let chrono = read_any(&s).ok().map(|r| {
                super::super::day_number(r.local.date()) * 86_400
                    + i64::from(chrono::Timelike::num_seconds_from_midnight(&r.local))
            });
            prop_assert_eq!(plain_local_secs(s.as_bytes()), chrono);
        }

        /// Through a zone, the fast reading is the general one wherever it answers.
        #[test]
        fn the_fast_instant_is_the_zones(
            s in "(19[7-9]|20[0-4])[0-9]-[0-1][0-9]-[0-3][0-9] [0-2][0-9]:[0-6][0-9]:[0-6][0-9]",
            zone in proptest::sample::select(vec!["Asia/Shanghai", "Europe/Berlin", "America/New_York"]),
        ) {
            let zone = Zone::from_name(zone).unwrap();
            if let Some(t) = plain_local_secs(s.as_bytes()).and_then(|l| zone.instant_of_local_secs(l)) {
                prop_assert_eq!(Ok(t), parse_timestamp(&s, &zone));
            }
        }

        /// Anything near the form that the positional read accepts, the cursor reads the same.
        #[test]
        fn what_the_plain_form_accepts_the_cursor_reads_the_same(s in "[0-9 :/T.-]{17,21}") {
            if let Some(local) = plain_form(s.as_bytes()) {
                prop_assert_eq!(read_any(&s), Ok(Reading { local, offset: None }));
            }
        }
    }
}
