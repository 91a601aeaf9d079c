//! Holiday tables: CSV files `date,kind,name` in the holiday-cn layout
//! (github.com/NateScarlet/holiday-cn, MIT). `kind` is `holiday` (no work) or
//! `workday` (a 调休 make-up working day, usually a weekend).

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use chrono::NaiveDate;

use super::CalendarError;

/// What a holiday-table row says about its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RowKind {
    Holiday,
    Workday,
}

impl RowKind {
    fn as_str(self) -> &'static str {
        match self {
            RowKind::Holiday => "holiday",
            RowKind::Workday => "workday",
        }
    }
}

/// One row of a holiday table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct HolidayRow {
    pub date: NaiveDate,
    pub kind: RowKind,
    pub name: String,
}

/// Parses a strict `YYYY-MM-DD` date (4-digit year, 2-digit month and day),
/// so "2026-1-5" or "2026/01/05" are rejected rather than guessed at.
pub(super) fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    if !b
        .iter()
        .enumerate()
        .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
    {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Parses one table. `display` is the table name as written in the calendar
/// file (used in messages); `path` is the resolved file, used as the error's
/// path; error spans are byte ranges into `bytes`.
///
/// Lenient where it is harmless: a UTF-8 BOM, CRLF line ends, blank lines,
/// `#` comment lines, a header line starting with `date,`, surrounding spaces,
/// a missing name column. Strict where it matters: unknown kinds, bad dates,
/// and one date listed with two different kinds in the same table.
pub(super) fn parse_table(
    display: &str,
    bytes: &[u8],
    path: &Path,
) -> Result<Vec<HolidayRow>, CalendarError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        CalendarError::new(
            path,
            format!("holiday table {display} is not valid UTF-8 (at byte {at})"),
            Some(at..at + 1),
        )
    })?;
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };

    let mut rows = Vec::new();
    let mut seen: HashMap<NaiveDate, (RowKind, usize)> = HashMap::new();
    let mut offset = bom;
    for (i, raw_line) in text[bom..].split_inclusive('\n').enumerate() {
        let line_no = i + 1;
        let line_start = offset;
        offset += raw_line.len();
        let line = raw_line.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if line_no == 1 && trimmed.to_ascii_lowercase().starts_with("date,") {
            continue; // header
        }
        let err = |msg: String, span: Range<usize>| {
            CalendarError::new(
                path,
                format!("holiday table {display} line {line_no}: {msg}"),
                Some(span),
            )
        };
        // Fields with their byte ranges (the name may itself contain commas).
        let mut fields: Vec<(&str, Range<usize>)> = Vec::with_capacity(3);
        let mut pos = 0;
        for part in line.splitn(3, ',') {
            let lead = part.len() - part.trim_start().len();
            let t = part.trim();
            let s = line_start + pos + lead;
            fields.push((t, s..s + t.len()));
            pos += part.len() + 1;
        }
        if fields.len() < 2 {
            return Err(err(
                format!("expected columns date,kind,name but found \"{trimmed}\""),
                line_start..line_start + line.len(),
            ));
        }
        let (date_s, date_span) = fields[0].clone();
        let (kind_s, kind_span) = fields[1].clone();
        let name = fields.get(2).map_or("", |f| f.0).to_string();
        let date = parse_date(date_s).ok_or_else(|| {
            err(
                format!("invalid date \"{date_s}\" (expected YYYY-MM-DD)"),
                date_span.clone(),
            )
        })?;
        let kind = match kind_s {
            "holiday" => RowKind::Holiday,
            "workday" => RowKind::Workday,
            other => {
                return Err(err(
                    format!("unknown kind \"{other}\" (expected holiday or workday)"),
                    kind_span,
                ));
            }
        };
        if let Some(&(prev_kind, prev_line)) = seen.get(&date) {
            if prev_kind != kind {
                return Err(err(
                    format!(
                        "{date} is listed as {} here but as {} on line {prev_line}",
                        kind.as_str(),
                        prev_kind.as_str()
                    ),
                    date_span,
                ));
            }
            continue; // an exact repeat is harmless
        }
        seen.insert(date, (kind, line_no));
        rows.push(HolidayRow { date, kind, name });
    }
    Ok(rows)
}
