//! Business calendars for SLA arithmetic: when working time happens, counted
//! on Chinese business calendars (statutory holidays and 调休 make-up working
//! days) or any other IANA time zone.
//!
//! All instants are `i64` Unix seconds (UTC). A [`Calendar`] knows its own
//! time zone and turns local working segments ("08:30-12:00") into real UTC
//! intervals, so working time is always counted in real elapsed seconds (a
//! segment spanning a DST change is an hour shorter or longer).
//!
//! # Precomputation and range
//! At load, the working intervals of every local day of the years
//! 1990..=2099 are converted to UTC once, together with prefix sums and a
//! per-day index (by local day, and by UTC day for instants). An instant's
//! interval is then found among its UTC day's few intervals, and a working-time
//! budget by binary search over the prefix sums:
//! [`Calendar::is_working_time`] and [`Calendar::working_seconds_between`] are
//! O(1), [`Calendar::add_working`] and
//! [`Calendar::end_of_nth_working_day_after`] O(log n); none allocates.
//!
//! Outside that range there is **no working time**: measuring a span that
//! leaves the range counts only the in-range part, and a deadline that would
//! fall after 2099 is "never" (`i64::MAX`; use the `try_` variants to get
//! `None` instead). `always` (24x7) calendars are plain arithmetic and have no
//! range limit. Nothing panics on any `i64` input.
//!
//! # DST
//! Local segment end points are converted one by one: a local time inside a
//! DST gap maps to the first instant after the gap; an ambiguous local time
//! (the repeated hour) maps to the earliest instant. So "01:00-05:00" is 3 h
//! of work on a spring-forward night and 5 h on a fall-back night, and
//! "02:30-06:00" is 3 h / 4.5 h on those nights in Europe/Berlin.

mod error;
mod holidays;
mod segment;
mod spec;
mod tables;
mod tz;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};

pub use error::CalendarError;
pub use segment::Segment;

use spec::Rules;
use tables::Tables;

/// Maximum number of days [`Calendar::explain_span`] lists.
pub const EXPLAIN_MAX_DAYS: usize = 400;

/// What a local date is, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayKind {
    /// A regular working day by the weekly pattern (also every day of an
    /// `always` calendar).
    Workday,
    /// No segments in the weekly pattern (typically Saturday/Sunday).
    Weekend,
    /// A public holiday from a holiday table (no working time).
    Holiday {
        /// Holiday name from the table, e.g. "国庆节".
        name: String,
    },
    /// A 调休 make-up working day from a holiday table (uses `makeup_day`).
    MakeupWorkday {
        /// Name of the holiday it makes up for.
        name: String,
    },
    /// A company closure from `[[closure]]` (no working time).
    Closure {
        /// Closure name from the calendar file.
        name: String,
    },
    /// A company extra working day from `[[extra_workday]]` (uses `makeup_day`).
    ExtraWorkday {
        /// Name from the calendar file.
        name: String,
    },
}

/// A local date with its classification and working time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayInfo {
    /// The local date described.
    pub date: NaiveDate,
    /// Why the day is (not) a working day.
    pub kind: DayKind,
    /// The local working segments that apply to the date.
    pub local_segments: Vec<Segment>,
    /// The same segments as UTC half-open intervals `[start, end)` in Unix
    /// seconds (DST-converted; segments swallowed by a DST gap are dropped).
    /// These describe the rules; for dates outside 1990..=2099 the arithmetic
    /// counts no working time, see [`SpanExplanation`].
    pub segments: Vec<(i64, i64)>,
}

impl DayInfo {
    /// True if the date has any working time.
    pub fn is_working_day(&self) -> bool {
        !self.segments.is_empty()
    }

    /// Real seconds of working time on the date.
    pub fn working_seconds(&self) -> i64 {
        self.segments.iter().map(|(s, e)| e - s).sum()
    }
}

/// One day of a [`SpanExplanation`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayExplanation {
    /// The day's classification and full working segments.
    pub info: DayInfo,
    /// The working intervals actually counted inside the explained span.
    pub counted: Vec<(i64, i64)>,
    /// Sum of `counted`.
    pub seconds: i64,
}

/// Day-by-day account of the working time in `[from, to)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpanExplanation {
    /// Start of the span (inclusive).
    pub from: i64,
    /// End of the span (exclusive).
    pub to: i64,
    /// Every local day touched by the span, in order, at most
    /// [`EXPLAIN_MAX_DAYS`].
    pub days: Vec<DayExplanation>,
    /// True if the span touches more days than were listed.
    pub truncated: bool,
    /// Working seconds in the whole span (equals
    /// [`Calendar::working_seconds_between`], even when `truncated`).
    pub total_seconds: i64,
}

#[derive(Clone)]
enum Engine {
    /// 24x7: plain arithmetic.
    Always,
    Rules(Arc<RulesEngine>),
}

#[derive(Clone)]
struct RulesEngine {
    rules: Rules,
    tables: Tables,
    covered_years: BTreeSet<i32>,
    /// The instants of the covered years' longest unbroken run, `[start, end)` in UTC (start
    /// of its first year to start of the year after its last, local): a span inside it
    /// touches no uncovered year, which [`Calendar::uncovered_years`] then answers without
    /// converting either end to a date (asked once per verdict).
    covered_span: (i64, i64),
    has_tables: bool,
}

/// A business calendar: when working time happens, in its own time zone.
///
/// Immutable once built; `Send + Sync`. Cloning is cheap (the precomputed
/// tables, about 1–2 MB for a Mon–Fri calendar, are shared via `Arc`).
#[derive(Clone)]
pub struct Calendar {
    name: String,
    tz: Tz,
    sha256: String,
    engine: Engine,
}

impl fmt::Debug for Calendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Calendar")
            .field("name", &self.name)
            .field("tz", &self.tz.name())
            .field("always", &matches!(self.engine, Engine::Always))
            .field("sha256", &self.sha256)
            .finish_non_exhaustive()
    }
}

impl Calendar {
    /// Parses a calendar from TOML text. `base_dir` resolves the holiday
    /// table paths listed under `holidays`; `path` is used for messages and,
    /// when the file has no `name`, for the default name (the file stem).
    ///
    /// The sha256 covers `src` followed by each table's bytes in order.
    pub fn from_toml(src: &str, path: &Path, base_dir: &Path) -> Result<Calendar, CalendarError> {
        Self::from_toml_with_loader(src, path, base_dir, &mut |p| std::fs::read(p))
    }

    /// Like [`Calendar::from_toml`], with holiday tables read through
    /// `load_table` (given each table path already joined to `base_dir`) —
    /// for embedded tables or tests.
    pub fn from_toml_with_loader(
        src: &str,
        path: &Path,
        base_dir: &Path,
        load_table: &mut dyn FnMut(&Path) -> std::io::Result<Vec<u8>>,
    ) -> Result<Calendar, CalendarError> {
        let parsed = spec::parse(src, path, base_dir, load_table)?;
        let engine = match parsed.rules {
            None => Engine::Always,
            Some(rules) => {
                let tz = parsed.tz;
                let tables =
                    Tables::build(|date| utc_segments_for(tz, date, rules.classify(date).1));
                let covered_span = covered_span(tz, &parsed.covered_years);
                Engine::Rules(Arc::new(RulesEngine {
                    rules,
                    tables,
                    covered_years: parsed.covered_years,
                    covered_span,
                    has_tables: parsed.has_tables,
                }))
            }
        };
        Ok(Calendar {
            name: parsed.name,
            tz: parsed.tz,
            sha256: parsed.sha256,
            engine,
        })
    }

    /// Reads and parses a calendar file; holiday tables are resolved
    /// relative to the file's directory.
    pub fn load(path: &Path) -> Result<Calendar, CalendarError> {
        let bytes = std::fs::read(path).map_err(|e| {
            CalendarError::new(path, format!("cannot read calendar file: {e}"), None)
        })?;
        let src = String::from_utf8(bytes).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            CalendarError::new(
                path,
                format!("calendar file is not valid UTF-8 (at byte {at})"),
                Some(at..at + 1),
            )
        })?;
        let base_dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        Self::from_toml(&src, path, base_dir)
    }

    /// Built-in 24x7 calendar in a zone: every instant is working time, no
    /// holidays; its "working day" is the local calendar day.
    pub fn always(name: &str, tz: Tz) -> Calendar {
        Calendar {
            name: name.to_string(),
            tz,
            sha256: spec::hex(&Sha256::digest(name.as_bytes())),
            engine: Engine::Always,
        }
    }

    /// The calendar's name (from the file, else its file stem).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The calendar's time zone.
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// True for a 24x7 calendar.
    pub fn is_always(&self) -> bool {
        matches!(self.engine, Engine::Always)
    }

    /// Hex sha256 over the calendar file bytes followed by each holiday
    /// table's bytes (in listed order). Built-ins hash their name.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The precomputed range `[start, end)` in UTC: local 1990-01-01 00:00 to
    /// local 2100-01-01 00:00. Outside it a table-based calendar has no
    /// working time. `always` calendars return `(i64::MIN, i64::MAX)`.
    pub fn precomputed_range(&self) -> (i64, i64) {
        match self.engine {
            Engine::Always => (i64::MIN, i64::MAX),
            Engine::Rules(_) => {
                let first = NaiveDate::from_ymd_opt(tables::FIRST_YEAR, 1, 1).expect("valid");
                let end = NaiveDate::from_ymd_opt(tables::LAST_YEAR + 1, 1, 1).expect("valid");
                (
                    tz::local_minute_to_utc(self.tz, first, 0),
                    tz::local_minute_to_utc(self.tz, end, 0),
                )
            }
        }
    }

    /// True if `t` is working time (intervals are half-open: a segment's end
    /// instant is not working time, its start is).
    #[inline]
    pub fn is_working_time(&self, t: i64) -> bool {
        match &self.engine {
            Engine::Always => true,
            Engine::Rules(r) => r.tables.is_working(t),
        }
    }

    /// Working seconds in `[a, b)`; 0 if `b <= a`.
    #[inline]
    pub fn working_seconds_between(&self, a: i64, b: i64) -> i64 {
        if b <= a {
            return 0;
        }
        match &self.engine {
            Engine::Always => b.saturating_sub(a),
            Engine::Rules(r) => r.tables.cumulative(b) - r.tables.cumulative(a),
        }
    }

    /// Due instant for a working-time budget of `secs` starting at `start`:
    /// the LATEST instant `t >= start` with
    /// `working_seconds_between(start, t) == secs`.
    ///
    /// Consequences: a budget running out exactly at 12:00 before a lunch
    /// break ending 13:30 is due 13:30; one running out at 18:00 Friday is due
    /// at the next segment start (Monday 08:30, or a 调休 Saturday); a 0
    /// budget from a non-working instant is due at the next segment start.
    /// The result is always working time (see [`Calendar::is_working_time`]).
    ///
    /// Negative `secs` count as 0. If the budget cannot be used up before the
    /// end of the precomputed range (after 2099), returns `i64::MAX` ("never");
    /// see [`Calendar::try_add_working`]. `always`: `start + secs`, saturating.
    #[inline]
    pub fn add_working(&self, start: i64, secs: i64) -> i64 {
        self.try_add_working(start, secs).unwrap_or(i64::MAX)
    }

    /// [`Calendar::add_working`], returning `None` instead of `i64::MAX` when
    /// the budget runs past the precomputed range (or overflows `i64`).
    #[inline]
    pub fn try_add_working(&self, start: i64, secs: i64) -> Option<i64> {
        let secs = secs.max(0);
        match &self.engine {
            Engine::Always => start.checked_add(secs),
            Engine::Rules(r) => r.tables.add(start, secs),
        }
    }

    /// "N working days": the end of the `n`th working day strictly after the
    /// local day of `start` (that day never counts, whatever the time; a
    /// working day is a date with at least one non-empty working segment).
    /// Returns the instant at which that day's last segment ends.
    ///
    /// For an `always` calendar: local midnight ending day D+n.
    /// `n == 0` returns `start` itself (a zero-day limit is due at once).
    /// If the day lies after the precomputed range, returns `i64::MAX`; see
    /// [`Calendar::try_end_of_nth_working_day_after`]. A `start` before 1990
    /// counts from the first precomputed day.
    #[inline]
    pub fn end_of_nth_working_day_after(&self, start: i64, n: u32) -> i64 {
        self.try_end_of_nth_working_day_after(start, n)
            .unwrap_or(i64::MAX)
    }

    /// [`Calendar::end_of_nth_working_day_after`], returning `None` instead of
    /// `i64::MAX` when the answer lies beyond the precomputed range.
    #[inline]
    pub fn try_end_of_nth_working_day_after(&self, start: i64, n: u32) -> Option<i64> {
        if n == 0 {
            return Some(start);
        }
        let day = self.local_date(start);
        match &self.engine {
            Engine::Always => {
                let end = day.checked_add_days(chrono::Days::new(u64::from(n) + 1))?;
                Some(tz::local_minute_to_utc(self.tz, end, 0))
            }
            Engine::Rules(r) => r.tables.nth_working_day_end(day, n),
        }
    }

    /// Length of a nominal working day in seconds, for the "N × day length"
    /// reading of day limits: Monday's segments summed (if Monday has none,
    /// the `makeup_day` segments); 86400 for `always`.
    pub fn working_day_seconds(&self) -> i64 {
        match &self.engine {
            Engine::Always => 86_400,
            Engine::Rules(r) => {
                let segs = if r.rules.week[0].is_empty() {
                    &r.rules.makeup
                } else {
                    &r.rules.week[0]
                };
                segs.iter().map(Segment::nominal_seconds).sum()
            }
        }
    }

    /// What a local date is (Workday, Weekend, Holiday, MakeupWorkday,
    /// Closure, ExtraWorkday) with its local and UTC working segments.
    /// Works for any date (computed from the rules, not the tables).
    pub fn day_info(&self, date: NaiveDate) -> DayInfo {
        let (kind, local) = match &self.engine {
            Engine::Always => (DayKind::Workday, vec![Segment::whole_day()]),
            Engine::Rules(r) => {
                let (kind, segs) = r.rules.classify(date);
                (kind, segs.to_vec())
            }
        };
        let segments = utc_segments_for(self.tz, date, &local);
        DayInfo {
            date,
            kind,
            local_segments: local,
            segments,
        }
    }

    /// For explanations: every local day touched by `[a, b)` (at most
    /// [`EXPLAIN_MAX_DAYS`]; `truncated` says if more were touched), with its
    /// [`DayInfo`] and the working sub-intervals actually counted inside
    /// `[a, b)`. Empty if `b <= a`. When not truncated, the days' `seconds`
    /// add up to `total_seconds`.
    pub fn explain_span(&self, a: i64, b: i64) -> SpanExplanation {
        let mut out = SpanExplanation {
            from: a,
            to: b,
            days: Vec::new(),
            truncated: false,
            total_seconds: self.working_seconds_between(a, b),
        };
        if b <= a {
            return out;
        }
        let last = self.local_date(b - 1);
        let mut date = self.local_date(a);
        while date <= last {
            if out.days.len() == EXPLAIN_MAX_DAYS {
                out.truncated = true;
                break;
            }
            let info = self.day_info(date);
            let clip = |(s, e): (i64, i64)| {
                let (s, e) = (s.max(a), e.min(b));
                (s < e).then_some((s, e))
            };
            let counted: Vec<(i64, i64)> = match &self.engine {
                Engine::Always => info.segments.iter().copied().filter_map(clip).collect(),
                Engine::Rules(r) => match r.tables.day_index(date) {
                    Some(d) => r.tables.day_intervals(d).filter_map(clip).collect(),
                    None => Vec::new(), // outside the precomputed range: not counted
                },
            };
            let seconds = counted.iter().map(|(s, e)| e - s).sum();
            out.days.push(DayExplanation {
                info,
                counted,
                seconds,
            });
            match date.succ_opt() {
                Some(d) => date = d,
                None => break,
            }
        }
        out
    }

    /// True if the calendar has holiday data for `year` (at least one
    /// `holiday` row in its tables). `always` calendars and calendars
    /// without holiday tables cover every year.
    pub fn covers_year(&self, year: i32) -> bool {
        match &self.engine {
            Engine::Always => true,
            Engine::Rules(r) => !r.has_tables || r.covered_years.contains(&year),
        }
    }

    /// The local years touched by `[a, b]` (either order) that are not
    /// covered, ascending — for loud warnings such as a deadline in 2027
    /// before its holiday notice has been added.
    pub fn uncovered_years(&self, a: i64, b: i64) -> Vec<i32> {
        if let Engine::Rules(r) = &self.engine
            && r.has_tables
        {
            let (lo, hi) = (a.min(b), a.max(b));
            if r.covered_span.0 <= lo && hi < r.covered_span.1 {
                return Vec::new();
            }
            let (y0, y1) = (self.local_date(lo).year(), self.local_date(hi).year());
            return (y0..=y1).filter(|y| !r.covered_years.contains(y)).collect();
        }
        Vec::new()
    }

    /// The local calendar date of instant `t` in the calendar's zone.
    #[inline]
    pub fn local_date(&self, t: i64) -> NaiveDate {
        tz::local_date(self.tz, t)
    }
}

/// The instants `[start, end)` of the longest run of consecutive years in `years` (the first
/// such run on a tie), from local midnight of its first 1 January to that of the year after
/// its last; an empty span without years.
fn covered_span(tz: Tz, years: &BTreeSet<i32>) -> (i64, i64) {
    let mut best: Option<(i32, i32)> = None;
    let mut run: Option<(i32, i32)> = None;
    for &y in years {
        run = match run {
            Some((a, b)) if b + 1 == y => Some((a, y)),
            _ => Some((y, y)),
        };
        if let Some((a, b)) = run
            && best.is_none_or(|(c, d)| b - a > d - c)
        {
            best = Some((a, b));
        }
    }
    let jan1 = |y: i32| NaiveDate::from_ymd_opt(y, 1, 1).map(|d| tz::local_minute_to_utc(tz, d, 0));
    best.and_then(|(a, b)| Some((jan1(a)?, jan1(b + 1)?)))
        .unwrap_or_default()
}

/// UTC intervals of local segments on `date` (empty results dropped).
fn utc_segments_for(tz: Tz, date: NaiveDate, local: &[Segment]) -> Vec<(i64, i64)> {
    local
        .iter()
        .filter_map(|s| {
            let a = tz::local_minute_to_utc(tz, date, s.start_minute());
            let b = tz::local_minute_to_utc(tz, date, s.end_minute());
            (a < b).then_some((a, b))
        })
        .collect()
}
