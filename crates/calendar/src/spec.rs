//! The calendar TOML file: raw serde structs, validation with friendly
//! messages, and the resulting day-classification rules.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use chrono::{Datelike, NaiveDate, Weekday};
use chrono_tz::Tz;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

use super::holidays::{self, RowKind};
use super::segment::{self, Segment};
use super::{CalendarError, DayKind, tz};

type SpannedList = Spanned<Vec<Spanned<String>>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    name: Option<Spanned<String>>,
    timezone: Spanned<String>,
    always: Option<Spanned<bool>>,
    holidays: Option<SpannedList>,
    makeup_day: Option<SpannedList>,
    week: Option<Spanned<BTreeMap<Spanned<String>, SpannedList>>>,
    closure: Option<Spanned<Vec<RawClosure>>>,
    extra_workday: Option<Spanned<Vec<RawExtraWorkday>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClosure {
    from: Spanned<toml::Value>,
    to: Option<Spanned<toml::Value>>,
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExtraWorkday {
    date: Spanned<toml::Value>,
    name: Option<String>,
}

/// A company closure: no working time on `from..=to`.
#[derive(Debug, Clone)]
pub(super) struct Closure {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub name: String,
}

/// How each local date is classified; see [`Rules::classify`].
#[derive(Debug, Clone)]
pub(super) struct Rules {
    /// Working segments per weekday, Monday first.
    pub week: [Vec<Segment>; 7],
    /// Segments used on 调休 make-up workdays and extra workdays.
    pub makeup: Vec<Segment>,
    pub closures: Vec<Closure>,
    /// Holiday-table rows merged over all tables (a later table overrides an
    /// earlier one for the same date).
    pub table: HashMap<NaiveDate, (RowKind, String)>,
    pub extra: HashMap<NaiveDate, String>,
}

impl Rules {
    /// Classifies a local date. Precedence, highest first:
    /// 1. a `[[closure]]` (the company's own closure) — it beats everything,
    ///    including an `[[extra_workday]]` on the same date;
    /// 2. a holiday-table row: `holiday` → no work, `workday` → `makeup_day`
    ///    segments;
    /// 3. an `[[extra_workday]]` → `makeup_day` segments;
    /// 4. the `[week]` pattern (Workday if it has segments, else Weekend).
    pub(super) fn classify(&self, date: NaiveDate) -> (DayKind, &[Segment]) {
        if let Some(c) = self
            .closures
            .iter()
            .find(|c| c.from <= date && date <= c.to)
        {
            return (
                DayKind::Closure {
                    name: c.name.clone(),
                },
                &[],
            );
        }
        if let Some((kind, name)) = self.table.get(&date) {
            let name = name.clone();
            return match kind {
                RowKind::Holiday => (DayKind::Holiday { name }, &[]),
                RowKind::Workday => (DayKind::MakeupWorkday { name }, &self.makeup),
            };
        }
        if let Some(name) = self.extra.get(&date) {
            return (DayKind::ExtraWorkday { name: name.clone() }, &self.makeup);
        }
        let segs = &self.week[date.weekday().num_days_from_monday() as usize];
        if segs.is_empty() {
            (DayKind::Weekend, segs)
        } else {
            (DayKind::Workday, segs)
        }
    }
}

/// A validated calendar file.
pub(super) struct Parsed {
    pub name: String,
    pub tz: Tz,
    /// `None` for an `always = true` calendar.
    pub rules: Option<Rules>,
    /// Years with at least one `holiday` row.
    pub covered_years: BTreeSet<i32>,
    pub has_tables: bool,
    pub sha256: String,
}

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

pub(super) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A date written either as a TOML string "2026-12-31" or a bare TOML local
/// date 2026-12-31 (hand editors write both).
fn date_value(
    v: &Spanned<toml::Value>,
    what: &str,
    path: &Path,
) -> Result<NaiveDate, CalendarError> {
    let bad = |shown: String| {
        CalendarError::new(
            path,
            format!("{what} {shown} is not a valid date (expected \"YYYY-MM-DD\")"),
            Some(v.span()),
        )
    };
    match v.get_ref() {
        toml::Value::String(s) => {
            holidays::parse_date(s.trim()).ok_or_else(|| bad(format!("\"{s}\"")))
        }
        toml::Value::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => {
                NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                    .ok_or_else(|| bad(dt.to_string()))
            }
            _ => Err(bad(dt.to_string())),
        },
        other => Err(bad(other.to_string())),
    }
}

/// Friendlier wording for the few serde messages users hit most.
fn toml_error(e: toml::de::Error, path: &Path) -> CalendarError {
    let msg = e.message().trim().to_string();
    let msg = if msg.starts_with("missing field `timezone`") {
        "missing `timezone` (an IANA time zone name such as \"Asia/Shanghai\")".to_string()
    } else {
        msg
    };
    CalendarError::new(path, msg, e.span())
}

/// Parses and validates a calendar file. `load_table` reads a holiday table
/// given its path resolved against `base_dir`.
pub(super) fn parse(
    src: &str,
    path: &Path,
    base_dir: &Path,
    load_table: &mut dyn FnMut(&Path) -> std::io::Result<Vec<u8>>,
) -> Result<Parsed, CalendarError> {
    let raw: RawCalendar = toml::from_str(src).map_err(|e| toml_error(e, path))?;
    let mut hasher = Sha256::new();
    hasher.update(src.as_bytes());

    let name = match &raw.name {
        Some(n) if n.get_ref().trim().is_empty() => {
            return Err(CalendarError::new(
                path,
                "name must not be empty (leave it out to use the file name)",
                Some(n.span()),
            ));
        }
        Some(n) => n.get_ref().trim().to_string(),
        None => path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "calendar".to_string()),
    };
    let tz = tz::parse_tz(raw.timezone.get_ref().trim())
        .map_err(|m| CalendarError::new(path, m, Some(raw.timezone.span())))?;

    if raw.always.as_ref().is_some_and(|a| *a.get_ref()) {
        // A 24x7 calendar has nothing else to say; reject leftovers rather
        // than silently ignoring them (someone meant something by them).
        let leftovers = [
            ("holidays", raw.holidays.as_ref().map(|v| v.span())),
            ("makeup_day", raw.makeup_day.as_ref().map(|v| v.span())),
            ("week", raw.week.as_ref().map(|v| v.span())),
            ("closure", raw.closure.as_ref().map(|v| v.span())),
            (
                "extra_workday",
                raw.extra_workday.as_ref().map(|v| v.span()),
            ),
        ];
        if let Some((key, span)) = leftovers.into_iter().find_map(|(k, s)| s.map(|s| (k, s))) {
            return Err(CalendarError::new(
                path,
                format!(
                    "`{key}` cannot be used with always = true (an always calendar is working time 24x7, with no holidays or closures)"
                ),
                Some(span),
            ));
        }
        return Ok(Parsed {
            name,
            tz,
            rules: None,
            covered_years: BTreeSet::new(),
            has_tables: false,
            sha256: hex(&hasher.finalize()),
        });
    }

    // [week]
    let Some(week_raw) = &raw.week else {
        return Err(CalendarError::new(
            path,
            "missing [week] table with the working segments per weekday (or set always = true for a 24x7 calendar)",
            None,
        ));
    };
    let mut week: [Vec<Segment>; 7] = Default::default();
    for (key, list) in week_raw.get_ref() {
        let Some(&(_, wd)) = WEEKDAYS.iter().find(|(k, _)| k == key.get_ref()) else {
            return Err(CalendarError::new(
                path,
                format!(
                    "unknown weekday key \"{}\" (expected mon, tue, wed, thu, fri, sat, sun)",
                    key.get_ref()
                ),
                Some(key.span()),
            ));
        };
        week[wd.num_days_from_monday() as usize] = segment::parse_day(list.get_ref(), path)?;
    }

    let makeup = match &raw.makeup_day {
        Some(list) => Some(segment::parse_day(list.get_ref(), path)?),
        None => None,
    };

    // Holiday tables, in order; later tables override earlier ones per date.
    let mut table: HashMap<NaiveDate, (RowKind, String)> = HashMap::new();
    let mut covered_years = BTreeSet::new();
    let mut any_table_workday = false;
    let tables = raw
        .holidays
        .as_ref()
        .map(|h| h.get_ref().as_slice())
        .unwrap_or(&[]);
    for entry in tables {
        let rel = entry.get_ref().trim();
        let full = base_dir.join(rel);
        let bytes = load_table(&full).map_err(|e| {
            CalendarError::new(
                path,
                format!("holiday table {rel}: cannot read {}: {e}", full.display()),
                Some(entry.span()),
            )
        })?;
        hasher.update(&bytes);
        for row in holidays::parse_table(rel, &bytes, &full)? {
            match row.kind {
                RowKind::Holiday => {
                    covered_years.insert(row.date.year());
                }
                RowKind::Workday => any_table_workday = true,
            }
            table.insert(row.date, (row.kind, row.name));
        }
    }

    let mut closures = Vec::new();
    for c in raw
        .closure
        .as_ref()
        .map(|c| c.get_ref().as_slice())
        .unwrap_or(&[])
    {
        let from = date_value(&c.from, "closure `from`", path)?;
        let to = match &c.to {
            Some(t) => date_value(t, "closure `to`", path)?,
            None => from,
        };
        if to < from {
            return Err(CalendarError::new(
                path,
                format!("closure `to` {to} is before `from` {from}"),
                c.to.as_ref().map(|t| t.span()),
            ));
        }
        closures.push(Closure {
            from,
            to,
            name: c.name.clone().unwrap_or_else(|| "closure".to_string()),
        });
    }

    let mut extra = HashMap::new();
    let extras = raw
        .extra_workday
        .as_ref()
        .map(|e| e.get_ref().as_slice())
        .unwrap_or(&[]);
    for e in extras {
        let date = date_value(&e.date, "extra_workday `date`", path)?;
        extra.insert(
            date,
            e.name
                .clone()
                .unwrap_or_else(|| "extra workday".to_string()),
        );
    }

    let makeup = match makeup {
        Some(m) => m,
        None => {
            if week[0].is_empty() && (any_table_workday || !extra.is_empty()) {
                // Defaulting to an empty Monday would silently turn every 调休
                // make-up day into a day off.
                return Err(CalendarError::new(
                    path,
                    "makeup_day is not set and Monday has no working segments, so 调休 make-up workdays and extra workdays would have no working time; set makeup_day = [\"HH:MM-HH:MM\", ...]",
                    Some(week_raw.span()),
                ));
            }
            week[0].clone()
        }
    };

    Ok(Parsed {
        name,
        tz,
        rules: Some(Rules {
            week,
            makeup,
            closures,
            table,
            extra,
        }),
        covered_years,
        has_tables: !tables.is_empty(),
        sha256: hex(&hasher.finalize()),
    })
}
