//! Report periods: `2026-10` (a month), `2026-Q3`, `2026-W40` (ISO week), `2026` (a year) or
//! `all` (one report per month of the data's range). Without `--period`, the last complete
//! month before `--as-of`.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Serialize;

/// A half-open range of local dates `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    /// As written: `2026-10`, `2026-Q3`, `2026-W40`, `2026`.
    pub key: String,
    /// Kind: `month`, `quarter`, `week`, `year`.
    pub kind: &'static str,
    /// First day.
    pub start: NaiveDate,
    /// Day after the last.
    pub end: NaiveDate,
}

/// What `--period` asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeriodSpec {
    /// One period.
    One(Period),
    /// Every month of the data's range.
    All,
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// The month containing a date.
pub fn month_of(d: NaiveDate) -> Period {
    let start = ymd(d.year(), d.month(), 1).expect("valid");
    let end = if d.month() == 12 {
        ymd(d.year() + 1, 1, 1)
    } else {
        ymd(d.year(), d.month() + 1, 1)
    }
    .expect("valid");
    Period {
        key: format!("{:04}-{:02}", d.year(), d.month()),
        kind: "month",
        start,
        end,
    }
}

/// Parses `--period`.
pub fn parse(s: &str) -> Result<PeriodSpec, String> {
    let s = s.trim();
    let bad = || {
        format!("--period: cannot read `{s}` (expected 2026-10, 2026-Q3, 2026-W40, 2026 or all)")
    };
    if s.eq_ignore_ascii_case("all") {
        return Ok(PeriodSpec::All);
    }
    let (y, rest) = s.split_at(s.find('-').unwrap_or(s.len()));
    let year: i32 = y.parse().map_err(|_| bad())?;
    if !(2000..2100).contains(&year) {
        return Err(bad());
    }
    let rest = rest.trim_start_matches('-');
    let p = if rest.is_empty() {
        Period {
            key: format!("{year:04}"),
            kind: "year",
            start: ymd(year, 1, 1).ok_or_else(bad)?,
            end: ymd(year + 1, 1, 1).ok_or_else(bad)?,
        }
    } else if let Some(q) = rest.strip_prefix(['Q', 'q']) {
        let q: u32 = q.parse().map_err(|_| bad())?;
        if !(1..=4).contains(&q) {
            return Err(bad());
        }
        let start = ymd(year, 3 * q - 2, 1).ok_or_else(bad)?;
        let end = if q == 4 {
            ymd(year + 1, 1, 1)
        } else {
            ymd(year, 3 * q + 1, 1)
        }
        .ok_or_else(bad)?;
        Period {
            key: format!("{year:04}-Q{q}"),
            kind: "quarter",
            start,
            end,
        }
    } else if let Some(w) = rest.strip_prefix(['W', 'w']) {
        let w: u32 = w.parse().map_err(|_| bad())?;
        let start = NaiveDate::from_isoywd_opt(year, w, Weekday::Mon).ok_or_else(bad)?;
        Period {
            key: format!("{year:04}-W{w:02}"),
            kind: "week",
            start,
            end: start + chrono::Duration::days(7),
        }
    } else {
        let m: u32 = rest.parse().map_err(|_| bad())?;
        let mut p = month_of(ymd(year, m, 1).ok_or_else(bad)?);
        p.key = format!("{year:04}-{m:02}");
        p
    };
    Ok(PeriodSpec::One(p))
}

/// The last complete month before `as_of` (the default period when nothing is known of the
/// data).
pub fn default_for(as_of_local: NaiveDate) -> Period {
    let this = month_of(as_of_local);
    month_of(this.start.pred_opt().expect("valid"))
}

/// How a run's report period was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Chosen {
    /// `--period` named it.
    Named,
    /// The last complete month with data at or before `--as-of`.
    LastWithData,
    /// No complete month before `--as-of` has data: the month before it.
    NoData,
    /// One of the months of `--period all` other than the default.
    Every,
}

/// The default period: the last complete month (one that ended by `as_of_local`) in which a
/// complaint was received, given the receipt dates; without one, the month before `as_of`.
/// Historical exports (a default `--as-of` of now, data from years ago) thus report their last
/// month instead of an empty one.
pub fn default_with_data(
    as_of_local: NaiveDate,
    received: impl Iterator<Item = NaiveDate>,
) -> (Period, Chosen) {
    let cutoff = month_of(as_of_local).start;
    match received.filter(|d| *d < cutoff).max() {
        Some(last) => (month_of(last), Chosen::LastWithData),
        None => (default_for(as_of_local), Chosen::NoData),
    }
}

impl Period {
    /// True when a local date falls in the period.
    pub fn contains(&self, d: NaiveDate) -> bool {
        d >= self.start && d < self.end
    }

    /// The period before (same kind and length).
    pub fn previous(&self) -> Period {
        match self.kind {
            "month" => month_of(self.start.pred_opt().expect("valid")),
            "quarter" => {
                let d = self.start.pred_opt().expect("valid");
                let q = (d.month() - 1) / 3 + 1;
                match parse(&format!("{}-Q{q}", d.year())) {
                    Ok(PeriodSpec::One(p)) => p,
                    _ => unreachable!("valid quarter"),
                }
            }
            "week" => {
                let start = self.start - chrono::Duration::days(7);
                let iso = start.iso_week();
                Period {
                    key: format!("{:04}-W{:02}", iso.year(), iso.week()),
                    kind: "week",
                    start,
                    end: self.start,
                }
            }
            _ => {
                let y = self.start.year() - 1;
                match parse(&format!("{y}")) {
                    Ok(PeriodSpec::One(p)) => p,
                    _ => unreachable!("valid year"),
                }
            }
        }
    }

    /// The same period a year earlier.
    pub fn year_before(&self) -> Period {
        let shift = |d: NaiveDate| {
            d.with_year(d.year() - 1)
                .unwrap_or_else(|| ymd(d.year() - 1, 2, 28).expect("valid"))
        };
        match self.kind {
            "week" => {
                let iso = self.start.iso_week();
                let start = NaiveDate::from_isoywd_opt(iso.year() - 1, iso.week(), Weekday::Mon)
                    .unwrap_or_else(|| shift(self.start));
                let iso2 = start.iso_week();
                Period {
                    key: format!("{:04}-W{:02}", iso2.year(), iso2.week()),
                    kind: "week",
                    start,
                    end: start + chrono::Duration::days(7),
                }
            }
            _ => {
                let mut p = self.clone();
                p.start = shift(self.start);
                p.end = shift(self.end);
                p.key = match self.kind {
                    "month" => format!("{:04}-{:02}", p.start.year(), p.start.month()),
                    "quarter" => {
                        format!("{:04}-Q{}", p.start.year(), (p.start.month() - 1) / 3 + 1)
                    }
                    _ => format!("{:04}", p.start.year()),
                };
                p
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Period {
        match parse(s).unwrap() {
            PeriodSpec::One(p) => p,
            PeriodSpec::All => panic!("all"),
        }
    }

    #[test]
    fn every_form_parses() {
        let m = one("2026-10");
        assert_eq!(
            (m.start, m.end),
            (ymd(2026, 10, 1).unwrap(), ymd(2026, 11, 1).unwrap())
        );
        let q = one("2026-Q3");
        assert_eq!(
            (q.start, q.end),
            (ymd(2026, 7, 1).unwrap(), ymd(2026, 10, 1).unwrap())
        );
        let w = one("2026-W40");
        assert_eq!(
            (w.start, w.end),
            (ymd(2026, 9, 28).unwrap(), ymd(2026, 10, 5).unwrap())
        );
        let y = one("2026");
        assert_eq!(
            (y.start, y.end),
            (ymd(2026, 1, 1).unwrap(), ymd(2027, 1, 1).unwrap())
        );
        assert_eq!(parse("all"), Ok(PeriodSpec::All));
        assert!(parse("2026-13").is_err());
        assert!(parse("Q3").is_err());
    }

    #[test]
    fn default_is_the_last_complete_month_and_neighbours_line_up() {
        assert_eq!(default_for(ymd(2026, 11, 1).unwrap()).key, "2026-10");
        assert_eq!(default_for(ymd(2026, 1, 15).unwrap()).key, "2025-12");
        assert_eq!(one("2026-01").previous().key, "2025-12");
        assert_eq!(one("2026-Q1").previous().key, "2025-Q4");
        assert_eq!(one("2026-10").year_before().key, "2025-10");
        assert_eq!(one("2026-W40").year_before().key, "2025-W40");
    }
}
