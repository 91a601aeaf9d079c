//! Timestamp spellings of the export, and a parser for exactly those spellings
//! (used to decide which CSV values become Excel datetime cells).

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

/// How a row spells its timestamps. Real exports mix systems: most rows use
/// the standard form, a minority come from other tools.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    /// `2026-10-01 08:30:00`
    Std,
    /// `2026/10/1 8:30` (seconds are 00 in the underlying instant)
    Slash,
    /// `2026年10月1日 08:30` (seconds are 00 in the underlying instant)
    Chinese,
    /// `2026-10-01T08:30:00+08:00` (local wall time with its fixed offset)
    Iso,
}

impl Style {
    /// Short forms have no seconds, so instants shown in them are whole minutes.
    pub(crate) fn is_short(self) -> bool {
        matches!(self, Style::Slash | Style::Chinese)
    }
}

fn push2(out: &mut String, v: u32) {
    out.push((b'0' + (v / 10 % 10) as u8) as char);
    out.push((b'0' + (v % 10) as u8) as char);
}

fn push_num(out: &mut String, v: u32) {
    if v >= 10 {
        push_num(out, v / 10);
    }
    out.push((b'0' + (v % 10) as u8) as char);
}

/// `YYYY-MM-DD` (hand-written: this runs tens of millions of times).
pub(crate) fn push_date(out: &mut String, d: NaiveDate) {
    let y = d.year().clamp(0, 9999) as u32;
    push2(out, y / 100);
    push2(out, y % 100);
    out.push('-');
    push2(out, d.month());
    out.push('-');
    push2(out, d.day());
}

/// Appends `t` spelled in `style`.
pub(crate) fn push_time(out: &mut String, t: NaiveDateTime, style: Style) {
    let (d, h, m, s) = (t.date(), t.hour(), t.minute(), t.second());
    match style {
        Style::Std | Style::Iso => {
            push_date(out, d);
            out.push(if style == Style::Iso { 'T' } else { ' ' });
            push2(out, h);
            out.push(':');
            push2(out, m);
            out.push(':');
            push2(out, s);
            if style == Style::Iso {
                out.push_str("+08:00");
            }
        }
        Style::Slash => {
            push_num(out, d.year() as u32);
            out.push('/');
            push_num(out, d.month());
            out.push('/');
            push_num(out, d.day());
            out.push(' ');
            push_num(out, h);
            out.push(':');
            push2(out, m);
        }
        Style::Chinese => {
            push_num(out, d.year() as u32);
            out.push('年');
            push_num(out, d.month());
            out.push('月');
            push_num(out, d.day());
            out.push_str("日 ");
            push2(out, h);
            out.push(':');
            push2(out, m);
        }
    }
}

/// `t` spelled in `style` as a new string.
pub(crate) fn fmt_time(t: NaiveDateTime, style: Style) -> String {
    let mut s = String::with_capacity(25);
    push_time(&mut s, t, style);
    s
}

/// Parses the spellings the generator writes: the four `Style`s and a bare
/// date. Returns the instant and whether the value was date-only. Anything
/// else (`昨天下午`, `2026-13-45 25:61`, `#N/A`) is `None`.
pub(crate) fn parse(s: &str) -> Option<(NaiveDateTime, bool)> {
    let mut nums = [0u32; 8];
    let mut n = 0;
    let mut cur: Option<u32> = None;
    let body = s.strip_suffix("+08:00").unwrap_or(s);
    let iso = body.len() != s.len();
    for ch in body.chars() {
        if let Some(dg) = ch.to_digit(10) {
            cur = Some(cur.unwrap_or(0).checked_mul(10)?.checked_add(dg)?);
        } else {
            if !matches!(ch, '-' | '/' | ' ' | ':' | 'T' | '年' | '月' | '日') {
                return None;
            }
            if let Some(v) = cur.take() {
                if n == nums.len() {
                    return None;
                }
                nums[n] = v;
                n += 1;
            }
        }
    }
    if let Some(v) = cur {
        if n == nums.len() {
            return None;
        }
        nums[n] = v;
        n += 1;
    }
    let date = NaiveDate::from_ymd_opt(nums[0] as i32, nums[1], nums[2])?;
    let (time, date_only) = match (n, iso) {
        (3, false) => (NaiveTime::MIN, true),
        (5, false) => (NaiveTime::from_hms_opt(nums[3], nums[4], 0)?, false),
        (6, _) => (NaiveTime::from_hms_opt(nums[3], nums[4], nums[5])?, false),
        _ => return None,
    };
    Some((date.and_time(time), date_only))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_style_round_trips_to_the_same_instant() {
        let t = NaiveDate::from_ymd_opt(2026, 10, 1)
            .unwrap()
            .and_hms_opt(8, 30, 0)
            .unwrap();
        let forms = [
            (Style::Std, "2026-10-01 08:30:00"),
            (Style::Slash, "2026/10/1 8:30"),
            (Style::Chinese, "2026年10月1日 08:30"),
            (Style::Iso, "2026-10-01T08:30:00+08:00"),
        ];
        for (style, want) in forms {
            assert_eq!(fmt_time(t, style), want);
            assert_eq!(parse(want), Some((t, false)));
        }
        assert!(parse("2026-10-03").unwrap().1);
        assert_eq!(parse("昨天下午"), None);
        assert_eq!(parse("2026-13-45 25:61"), None);
        assert_eq!(parse("#N/A"), None);
        assert_eq!(parse("2026-02-30 10:00:00"), None);
        assert!(parse("1900-01-01 00:00:00").is_some());
    }
}
