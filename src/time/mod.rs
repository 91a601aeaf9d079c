//! Instants, the configured time zone, and the timestamp forms complaint exports use.
//!
//! Every instant in the pipeline is an `i64` of Unix seconds ([`Ts`]); wall-clock times in
//! exports are local to the configured zone (default `Asia/Shanghai`). Sub-second parts are
//! dropped (exports carry at most seconds; the rules count minutes).

mod builtin;
pub mod detect;
pub mod forms;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Timelike};
use chrono_tz::Tz;

pub use builtin::{
    Reading, TimestampError, excel_serial_to_naive, parse_due_time, parse_timestamp,
    parse_timestamp_text, read_builtin, zone_suffix,
};

/// An instant: Unix seconds, UTC.
pub type Ts = i64;

/// First and last local year the fast offset table covers; outside it conversions still work,
/// through chrono-tz directly.
const TABLE_FIRST_YEAR: i32 = 1990;
const TABLE_LAST_YEAR: i32 = 2100;

/// A time zone with a per-day offset table, so that converting millions of local wall times is
/// a table lookup instead of a search through the zone's transitions.
#[derive(Clone)]
pub struct Zone {
    tz: Tz,
    /// Day number (days since 1970-01-01, local) of the table's first day.
    first_day: i64,
    /// Per local day: the UTC offset in seconds if it is the same all day, else `None`
    /// (a DST transition day takes the slow path).
    offsets: Vec<Option<i32>>,
    /// Per local day (aligned with `offsets`): the date as written, `2026-10-01`. Every
    /// timestamp of the record tables is formatted (tens of millions at 1 M complaints), and
    /// turning a day number into year, month and day digits was most of it.
    dates: std::sync::Arc<[[u8; 10]]>,
}

impl std::fmt::Debug for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Zone({})", self.tz.name())
    }
}

/// Why a local wall time has no instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalTimeError {
    /// The local time falls into a daylight-saving gap (it never happened on the wall clock).
    Nonexistent,
}

impl Zone {
    /// Builds the zone and its offset table.
    pub fn new(tz: Tz) -> Zone {
        let first = NaiveDate::from_ymd_opt(TABLE_FIRST_YEAR, 1, 1).expect("valid date");
        let last = NaiveDate::from_ymd_opt(TABLE_LAST_YEAR, 12, 31).expect("valid date");
        let first_day = day_number(first);
        let n = (day_number(last) - first_day + 1) as usize;
        let mut offsets = Vec::with_capacity(n);
        let mut date = first;
        for _ in 0..n {
            // A day is uniform when the offset at its start and end and in between agree; DST
            // changes happen at most once a day, so checking both ends suffices.
            let start = date.and_hms_opt(0, 0, 0).expect("valid");
            let end = date.and_hms_opt(23, 59, 59).expect("valid");
            let o1 = tz.offset_from_local_datetime(&start).single();
            let o2 = tz.offset_from_local_datetime(&end).single();
            offsets.push(match (o1, o2) {
                (Some(a), Some(b)) if a.fix() == b.fix() => Some(a.fix().local_minus_utc()),
                _ => None,
            });
            date = date.succ_opt().expect("valid");
        }
        let dates = (first_day..first_day + n as i64).map(date_bytes).collect();
        Zone {
            tz,
            first_day,
            offsets,
            dates,
        }
    }

    /// Parses an IANA name such as `Asia/Shanghai`.
    pub fn from_name(name: &str) -> Result<Zone, String> {
        name.parse::<Tz>().map(Zone::new).map_err(|_| {
            let hint = crate::diagnostic::did_you_mean(
                name,
                chrono_tz::TZ_VARIANTS.iter().map(|t| t.name()),
            )
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
            format!("unknown time zone `{name}`{hint}")
        })
    }

    /// The chrono-tz zone.
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The IANA name.
    pub fn name(&self) -> &'static str {
        self.tz.name()
    }

    /// Local wall time → instant. An ambiguous time (clocks set back) resolves to the earlier
    /// instant; a time inside a DST gap is an error.
    pub fn to_instant(&self, local: NaiveDateTime) -> Result<Ts, LocalTimeError> {
        let day = day_number(local.date());
        let secs_of_day = i64::from(local.num_seconds_from_midnight());
        if let Some(Some(off)) = usize::try_from(day - self.first_day)
            .ok()
            .and_then(|i| self.offsets.get(i))
        {
            return Ok(day * 86_400 + secs_of_day - i64::from(*off));
        }
        match self.tz.from_local_datetime(&local) {
            chrono::LocalResult::Single(t) => Ok(t.timestamp()),
            chrono::LocalResult::Ambiguous(a, b) => Ok(a.timestamp().min(b.timestamp())),
            chrono::LocalResult::None => Err(LocalTimeError::Nonexistent),
        }
    }

    /// Local wall-clock seconds (since 1970-01-01 00:00 local) → instant, when the day's offset
    /// is in the table (a day without a transition, within the table's years); `None` otherwise,
    /// and [`Zone::to_instant`] decides.
    #[inline]
    pub fn instant_of_local_secs(&self, local: i64) -> Option<Ts> {
        let i = usize::try_from(local.div_euclid(86_400) - self.first_day).ok()?;
        let off = self.offsets.get(i).copied().flatten()?;
        Some(local - i64::from(off))
    }

    /// Local wall time → instant, where a time inside a daylight-saving gap is read with the
    /// offset in force before the gap (so it lands as far after the gap's end as it was after its
    /// start); other times as [`Zone::to_instant`].
    pub fn to_instant_forward(&self, local: NaiveDateTime) -> Ts {
        self.to_instant(local).unwrap_or_else(|_| {
            // Gaps last at most a few hours; the offset a day earlier is the one before it.
            let before = local - chrono::Duration::days(1);
            let off = self
                .tz
                .offset_from_local_datetime(&before)
                .earliest()
                .map_or(0, |o| o.fix().local_minus_utc());
            local.and_utc().timestamp() - i64::from(off)
        })
    }

    /// Instant → local wall time.
    pub fn to_local(&self, t: Ts) -> NaiveDateTime {
        if let Some(local) = self.local_secs_fast(t) {
            let days = local.div_euclid(86_400);
            let secs = local.rem_euclid(86_400) as u32;
            let (y, m, d) = civil_from_days(days);
            if let (Some(date), Some(time)) = (
                NaiveDate::from_ymd_opt(y, m, d),
                NaiveTime::from_num_seconds_from_midnight_opt(secs, 0),
            ) {
                return date.and_time(time);
            }
        }
        let utc = chrono::DateTime::from_timestamp(t, 0).unwrap_or_default();
        utc.with_timezone(&self.tz).naive_local()
    }

    /// Local wall-clock seconds since 1970-01-01 00:00 (local), from the offset table when the
    /// instant falls on a day with one offset all day; `None` sends the caller to chrono-tz.
    ///
    /// Millions of timestamps are formatted per run (every CSV cell, every note), so this is the
    /// hot path: one table lookup instead of a search through the zone's transitions.
    #[inline]
    fn local_secs_fast(&self, t: Ts) -> Option<i64> {
        let offset_of = |day: i64| -> Option<i64> {
            let i = usize::try_from(day - self.first_day).ok()?;
            self.offsets.get(i).copied().flatten().map(i64::from)
        };
        // Guess the local day from the UTC day, then confirm the offset places the instant on
        // the day whose offset it used (near midnight the neighbouring day may be the one).
        let utc_day = t.div_euclid(86_400);
        for day in [utc_day, utc_day + 1, utc_day - 1] {
            if let Some(off) = offset_of(day) {
                let local = t + off;
                if local.div_euclid(86_400) == day {
                    return Some(local);
                }
            }
        }
        None
    }

    /// Local wall-clock seconds since 1970-01-01 00:00 (local).
    pub fn local_secs(&self, t: Ts) -> i64 {
        self.local_secs_fast(t).unwrap_or_else(|| {
            let l = self.to_local(t);
            day_number(l.date()) * 86_400 + i64::from(l.num_seconds_from_midnight())
        })
    }

    /// Appends `2026-10-01 08:30:00` (local) to `out`, without allocating.
    pub fn write_ts(&self, t: Ts, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.ts_bytes(t));
    }

    /// [`Zone::write_ts`] onto a string.
    pub fn push_ts(&self, t: Ts, out: &mut String) {
        out.push_str(std::str::from_utf8(&self.ts_bytes(t)).expect("ASCII digits"));
    }

    /// The bytes [`Zone::write_ts`] appends.
    pub fn ts_bytes(&self, t: Ts) -> [u8; 19] {
        let local = self.local_secs(t);
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400) as u32;
        let mut b = [0u8; 19];
        let date = usize::try_from(days - self.first_day)
            .ok()
            .and_then(|i| self.dates.get(i));
        b[..10].copy_from_slice(&date.copied().unwrap_or_else(|| date_bytes(days)));
        b[10] = b' ';
        two(&mut b[11..13], secs / 3600);
        b[13] = b':';
        two(&mut b[14..16], secs / 60 % 60);
        b[16] = b':';
        two(&mut b[17..19], secs % 60);
        b
    }

    /// The UTC offset in seconds at an instant.
    pub fn offset_at(&self, t: Ts) -> i32 {
        let utc = chrono::DateTime::from_timestamp(t, 0).unwrap_or_default();
        self.tz
            .offset_from_utc_datetime(&utc.naive_utc())
            .fix()
            .local_minus_utc()
    }

    /// `2026-10-01 08:30:00`, local: the form the CSV outputs use (the manifest names the zone).
    pub fn format(&self, t: Ts) -> String {
        let mut v = Vec::with_capacity(19);
        self.write_ts(t, &mut v);
        String::from_utf8(v).expect("ASCII")
    }

    /// `2026-10-01T08:30:00+08:00`: unambiguous, for the manifest and `explain`.
    pub fn format_rfc3339(&self, t: Ts) -> String {
        let utc = chrono::DateTime::from_timestamp(t, 0).unwrap_or_default();
        utc.with_timezone(&self.tz).to_rfc3339()
    }

    /// The local date of an instant.
    pub fn local_date(&self, t: Ts) -> NaiveDate {
        let (y, m, d) = civil_from_days(self.local_secs(t).div_euclid(86_400));
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_else(|| self.to_local(t).date())
    }
}

/// `2026-10-01`: the date of a day number (days since 1970-01-01), the year clamped to four
/// digits.
fn date_bytes(days: i64) -> [u8; 10] {
    let (y, m, d) = civil_from_days(days);
    let mut b = [0u8; 10];
    let y = y.clamp(0, 9999) as u32;
    b[0] = b'0' + (y / 1000) as u8;
    b[1] = b'0' + (y / 100 % 10) as u8;
    b[2] = b'0' + (y / 10 % 10) as u8;
    b[3] = b'0' + (y % 10) as u8;
    b[4] = b'-';
    two(&mut b[5..7], m);
    b[7] = b'-';
    two(&mut b[8..10], d);
    b
}

/// Two ASCII digits.
#[inline]
fn two(out: &mut [u8], v: u32) {
    out[0] = b'0' + (v / 10 % 10) as u8;
    out[1] = b'0' + (v % 10) as u8;
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`), exact for every `i64` day a timestamp can reach.
pub fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = if m <= 2 { y + 1 } else { y };
    (y as i32, m, d)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the inverse of [`civil_from_days`]);
/// the date is not checked.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since 1970-01-01 of a date.
pub fn day_number(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce()) - 719_163
}

/// The local calendar month `YYYY-MM` of an instant: the start of its text.
pub fn month_key(zone: &Zone, t: Ts) -> String {
    std::str::from_utf8(&zone.ts_bytes(t)[..7])
        .expect("ASCII digits")
        .to_owned()
}

#[cfg(test)]
mod tests;
