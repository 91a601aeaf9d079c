//! Time-zone helpers: name lookup with did-you-mean, and the local→UTC rule
//! for DST gaps and ambiguities.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::{GapInfo, TZ_VARIANTS, Tz};

/// Instants are clamped to this many seconds either side of the epoch before
/// being handed to chrono (whose dates end around year ±262,000), so that
/// absurd inputs such as `i64::MAX` never panic. Year ±200,000 is far beyond
/// any real use.
pub(super) const CHRONO_SAFE_SECS: i64 = 6_000_000_000_000;

/// Looks up an IANA zone name. The error is a complete message with a
/// did-you-mean when an obvious close match exists.
pub(super) fn parse_tz(name: &str) -> Result<Tz, String> {
    if let Ok(tz) = name.parse::<Tz>() {
        return Ok(tz);
    }
    let mut msg = format!("unknown time zone \"{name}\"");
    if let Some(s) = suggest(name) {
        msg.push_str(&format!(" (did you mean \"{s}\"?)"));
    } else {
        msg.push_str(" (expected an IANA name such as \"Asia/Shanghai\")");
    }
    Err(msg)
}

/// The closest zone name, if it is close enough to be an obvious typo:
/// case-insensitive edit distance ≤ 2 (≤ 1 for short names), or the input
/// being just the city part ("Shanghai" → "Asia/Shanghai").
fn suggest(name: &str) -> Option<&'static str> {
    let want = name.trim().to_ascii_lowercase();
    if want.is_empty() {
        return None;
    }
    let max = if want.chars().count() <= 5 { 1 } else { 2 };
    let mut best: Option<(usize, &'static str)> = None;
    for tz in TZ_VARIANTS.iter() {
        let cand = tz.name();
        let lc = cand.to_ascii_lowercase();
        let d = levenshtein(&want, &lc);
        if d <= max && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, cand));
        }
    }
    if let Some((_, s)) = best {
        return Some(s);
    }
    // "Shanghai" / "new_york": match on the last path component; only when
    // that is unambiguous.
    let mut city_hits = TZ_VARIANTS.iter().map(|t| t.name()).filter(|cand| {
        cand.rsplit('/').next().is_some_and(|c| {
            c.eq_ignore_ascii_case(&want) || levenshtein(&c.to_ascii_lowercase(), &want) <= 1
        }) && cand.contains('/')
    });
    let first = city_hits.next()?;
    city_hits.next().is_none().then_some(first)
}

/// Plain Levenshtein distance over chars.
pub(super) fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Local calendar date of instant `t` in `tz` (t clamped to chrono's range).
pub(super) fn local_date(tz: Tz, t: i64) -> NaiveDate {
    let t = t.clamp(-CHRONO_SAFE_SECS, CHRONO_SAFE_SECS);
    match DateTime::from_timestamp(t, 0) {
        Some(dt) => dt.with_timezone(&tz).date_naive(),
        None if t < 0 => NaiveDate::MIN,
        None => NaiveDate::MAX,
    }
}

/// Converts a local wall-clock time to a UTC instant:
/// - a time that exists once maps to that instant;
/// - an ambiguous time (fall-back overlap) maps to the EARLIEST instant;
/// - a time inside a DST gap (spring-forward) maps to the first instant after
///   the gap, i.e. the transition instant itself.
///
/// This mapping is monotone non-decreasing in local time, which is what keeps
/// converted working intervals sorted and non-overlapping.
pub(super) fn local_to_utc(tz: Tz, local: NaiveDateTime) -> i64 {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(dt) => dt.timestamp(),
        LocalResult::Ambiguous(a, b) => a.timestamp().min(b.timestamp()),
        LocalResult::None => {
            if let Some(end) = GapInfo::new(&local, &tz).and_then(|g| g.end) {
                return end.timestamp();
            }
            // Gap at the very edge of the tz database (not expected in
            // practice): step forward until the wall clock exists again.
            let mut probe = local;
            for _ in 0..(48 * 4) {
                probe += chrono::Duration::minutes(15);
                if let Some(dt) = tz.from_local_datetime(&probe).earliest() {
                    return dt.timestamp();
                }
            }
            local.and_utc().timestamp()
        }
    }
}

/// UTC instant of `minute` minutes after local midnight of `date` (1440 = the
/// next day's 00:00), using [`local_to_utc`]'s gap/ambiguity rule.
pub(super) fn local_minute_to_utc(tz: Tz, date: NaiveDate, minute: u16) -> i64 {
    let (day, minute) = if minute >= 1440 {
        match date.succ_opt() {
            Some(next) => (next, minute - 1440),
            None => return CHRONO_SAFE_SECS,
        }
    } else {
        (date, minute)
    };
    let time = NaiveTime::from_hms_opt(u32::from(minute / 60), u32::from(minute % 60), 0)
        .unwrap_or(NaiveTime::MIN);
    local_to_utc(tz, day.and_time(time))
}
