//! Local working segments ("08:30-12:00") and their parsing/validation.

use std::fmt;
use std::path::Path;

use toml::Spanned;

use super::CalendarError;

/// Minutes in a day; a segment may end at 24:00 (= 1440).
pub(super) const DAY_MINUTES: u16 = 24 * 60;

/// A half-open local working segment `[start, end)` within one day, in
/// minutes after local midnight. `end` may be 1440 ("24:00").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Segment {
    start: u16,
    end: u16,
}

impl Segment {
    /// A segment from `start` to `end` minutes after local midnight; `None`
    /// unless `start < end <= 1440`.
    pub fn new(start_minute: u16, end_minute: u16) -> Option<Segment> {
        (start_minute < end_minute && end_minute <= DAY_MINUTES).then_some(Segment {
            start: start_minute,
            end: end_minute,
        })
    }

    /// The whole local day, 00:00-24:00.
    pub fn whole_day() -> Segment {
        Segment {
            start: 0,
            end: DAY_MINUTES,
        }
    }

    /// Start, in minutes after local midnight.
    pub fn start_minute(&self) -> u16 {
        self.start
    }

    /// End (exclusive), in minutes after local midnight; 1440 means 24:00.
    pub fn end_minute(&self) -> u16 {
        self.end
    }

    /// Nominal length in seconds (wall-clock; DST days may differ in real time).
    pub fn nominal_seconds(&self) -> i64 {
        i64::from(self.end - self.start) * 60
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}:{:02}-{:02}:{:02}",
            self.start / 60,
            self.start % 60,
            self.end / 60,
            self.end % 60
        )
    }
}

/// Parses "H:MM" / "HH:MM" into minutes after midnight (0..=1440; 24:00 only
/// as 1440). Minutes must be two digits so "8:3" is not silently read as 08:03.
fn parse_time(s: &str) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    let all_digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(h) || h.len() > 2 || !all_digits(m) || m.len() != 2 {
        return None;
    }
    let h: u16 = h.parse().ok()?;
    let m: u16 = m.parse().ok()?;
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 60 + m)
}

/// Parses one "HH:MM-HH:MM" string. The error is a complete message that
/// quotes the input.
pub(super) fn parse_segment(raw: &str) -> Result<Segment, String> {
    let s = raw.trim();
    // Wrong overall shape (no dash, or no colons at all) gets the "form"
    // message; a recognisable but invalid time gets a message naming it.
    let shape = s
        .split_once('-')
        .map(|(a, b)| (a.trim(), b.trim()))
        .filter(|(a, b)| a.contains(':') && b.contains(':'));
    let Some((a, b)) = shape else {
        return Err(format!(
            "segment \"{raw}\" is not of the form HH:MM-HH:MM (e.g. \"08:30-12:00\")"
        ));
    };
    let start = parse_time(a).ok_or_else(|| {
        format!("segment \"{raw}\": \"{a}\" is not a valid time (expected HH:MM, 00:00 to 24:00)")
    })?;
    let end = parse_time(b).ok_or_else(|| {
        format!("segment \"{raw}\": \"{b}\" is not a valid time (expected HH:MM, 00:00 to 24:00)")
    })?;
    if start == DAY_MINUTES {
        return Err(format!(
            "segment \"{raw}\" starts at 24:00; a segment must start before midnight"
        ));
    }
    if end < start {
        return Err(format!("segment \"{raw}\" ends before it starts"));
    }
    if end == start {
        return Err(format!(
            "segment \"{raw}\" is empty (it starts and ends at {a})"
        ));
    }
    Ok(Segment { start, end })
}

/// Parses and validates one day's list: every segment well-formed, listed in
/// time order, not overlapping (touching, e.g. "08:00-12:00","12:00-13:00", is
/// allowed). Spans point at the offending string literal.
pub(super) fn parse_day(
    list: &[Spanned<String>],
    path: &Path,
) -> Result<Vec<Segment>, CalendarError> {
    let mut out: Vec<Segment> = Vec::with_capacity(list.len());
    let mut prev: Option<(&str, Segment)> = None;
    for item in list {
        let seg = parse_segment(item.get_ref())
            .map_err(|m| CalendarError::new(path, m, Some(item.span())))?;
        if let Some((prev_raw, p)) = prev {
            if seg.start < p.start {
                return Err(CalendarError::new(
                    path,
                    format!(
                        "segment \"{}\" comes after \"{}\"; list segments in time order",
                        item.get_ref(),
                        prev_raw
                    ),
                    Some(item.span()),
                ));
            }
            if seg.start < p.end {
                return Err(CalendarError::new(
                    path,
                    format!(
                        "segments \"{}\" and \"{}\" overlap",
                        prev_raw,
                        item.get_ref()
                    ),
                    Some(item.span()),
                ));
            }
        }
        prev = Some((item.get_ref(), seg));
        out.push(seg);
    }
    Ok(out)
}
