//! Choosing a column's timestamp forms from a sample of its cells, when the config declares
//! none: US and European exports write `04/12/2018 11:11:26 AM`, `03/22/23` or `22.03.2023`,
//! which the built-in (year-first) forms do not read.
//!
//! The candidates are chrono patterns for slashed, dashed and dotted dates in either order,
//! with or without a 24- or 12-hour time, and dates with English month names. The pattern that
//! reads the most sampled values wins, then the next for what is left (a column may mix a date
//! form with and without a time). Detection never guesses the order of day and month: when a
//! month-first and a day-first pattern read the same values, the column is ambiguous, unless
//! `ingest.date_order` says which.

use std::sync::LazyLock;

use super::builtin::read_builtin;
use super::forms::Pattern;

/// How many distinct values of a column detection looks at.
pub const DETECT_VALUES: usize = 400;

/// The order of slashed, dashed or dotted dates (`ingest.date_order`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    /// Year first (`2026/10/01`): the built-in forms only.
    Ymd,
    /// Day first (`22/03/2023`).
    Dmy,
    /// Month first (`03/22/2023`).
    Mdy,
}

impl DateOrder {
    /// `ymd`, `dmy` or `mdy`.
    pub fn from_name(s: &str) -> Option<DateOrder> {
        match s {
            "ymd" => Some(DateOrder::Ymd),
            "dmy" => Some(DateOrder::Dmy),
            "mdy" => Some(DateOrder::Mdy),
            _ => None,
        }
    }

    /// The config value.
    pub fn name(self) -> &'static str {
        match self {
            DateOrder::Ymd => "ymd",
            DateOrder::Dmy => "dmy",
            DateOrder::Mdy => "mdy",
        }
    }
}

/// What detection chose for one column.
#[derive(Debug, Clone, PartialEq)]
pub enum Detection {
    /// Every sampled value is in a built-in form (or nothing was sampled).
    Builtin,
    /// These patterns, then the built-in forms, read `read` of the `values` sampled.
    Patterns {
        /// The patterns chosen, best first.
        patterns: Vec<Pattern>,
        /// Distinct sampled values they (or the built-in forms) read.
        read: usize,
        /// Distinct values sampled.
        values: usize,
    },
    /// A month-first and a day-first pattern read the same values.
    Ambiguous {
        /// The month-first reading.
        month_first: String,
        /// The day-first reading.
        day_first: String,
        /// A value both read.
        example: String,
    },
    /// No form reads any value that the built-in forms do not.
    Unknown {
        /// A value nothing reads.
        example: String,
    },
}

/// A candidate pattern, the order of day and month it assumes (none for month names), and its
/// twin in the other order.
struct Candidate {
    pattern: Pattern,
    order: Option<DateOrder>,
    twin: Option<usize>,
    /// The first byte after the leading digits of a value it can read: `/`, `-`, `.` or ` `.
    sep: u8,
}

const ORDERED_DATES: &[(&str, &str)] = &[
    ("%m/%d/%Y", "%d/%m/%Y"),
    ("%m/%d/%y", "%d/%m/%y"),
    ("%m-%d-%Y", "%d-%m-%Y"),
    ("%m-%d-%y", "%d-%m-%y"),
    ("%m.%d.%Y", "%d.%m.%Y"),
    ("%m.%d.%y", "%d.%m.%y"),
];
const NAMED_DATES: &[&str] = &["%d %b %Y", "%d-%b-%Y", "%d-%b-%y", "%d %B %Y"];
const TIMES: &[&str] = &[
    " %I:%M:%S %p",
    " %I:%M %p",
    " %H:%M:%S",
    " %H:%M",
    " %H:%M:%S%.f",
    "",
];

static CANDIDATES: LazyLock<Vec<Candidate>> = LazyLock::new(|| {
    let mut v = Vec::new();
    let pat = |s: String| Pattern::new(&s).expect("built-in candidates compile");
    for (mdy, dmy) in ORDERED_DATES {
        let sep = mdy.as_bytes()[2];
        for t in TIMES {
            let i = v.len();
            v.push(Candidate {
                pattern: pat(format!("{mdy}{t}")),
                order: Some(DateOrder::Mdy),
                twin: Some(i + 1),
                sep,
            });
            v.push(Candidate {
                pattern: pat(format!("{dmy}{t}")),
                order: Some(DateOrder::Dmy),
                twin: Some(i),
                sep,
            });
        }
    }
    for d in NAMED_DATES {
        let sep = d.as_bytes()[2];
        for t in TIMES {
            v.push(Candidate {
                pattern: pat(format!("{d}{t}")),
                order: None,
                twin: None,
                sep,
            });
        }
    }
    v
});

/// The byte after a value's leading digits (`/` in `04/12/2018`), which candidates can read it.
fn separator(s: &str) -> Option<u8> {
    let b = s.as_bytes();
    let i = b.iter().position(|c| !c.is_ascii_digit())?;
    (i > 0).then(|| b[i])
}

/// Chooses the forms of a column from its sampled values (blanks and null markers already
/// left out). `order` is `ingest.date_order`, when set.
pub fn detect(values: &[&str], order: Option<DateOrder>) -> Detection {
    let mut distinct: Vec<&str> = Vec::with_capacity(values.len().min(DETECT_VALUES));
    let mut seen = std::collections::HashSet::new();
    for v in values {
        if distinct.len() == DETECT_VALUES {
            break;
        }
        if seen.insert(*v) {
            distinct.push(*v);
        }
    }
    let total = distinct.len();
    let mut remaining: Vec<&str> = distinct
        .into_iter()
        .filter(|v| read_builtin(v).is_err())
        .collect();
    if remaining.is_empty() {
        return Detection::Builtin;
    }
    let first_unread = remaining[0].to_owned();
    let allowed = |c: &Candidate, fixed: Option<DateOrder>| match (c.order, fixed.or(order)) {
        (None, _) => true,
        (Some(_), Some(DateOrder::Ymd)) => false,
        (Some(o), Some(want)) => o == want,
        (Some(_), None) => true,
    };
    let mut chosen: Vec<Pattern> = Vec::new();
    let mut fixed: Option<DateOrder> = None;
    while chosen.len() < 3 && !remaining.is_empty() {
        let counts: Vec<usize> = CANDIDATES
            .iter()
            .map(|c| {
                if !allowed(c, fixed) {
                    return 0;
                }
                remaining
                    .iter()
                    .filter(|v| separator(v) == Some(c.sep) && c.pattern.read(v).is_ok())
                    .count()
            })
            .collect();
        let best = counts.iter().copied().max().unwrap_or(0);
        if best == 0 {
            break;
        }
        let i = counts.iter().position(|n| *n == best).expect("a maximum");
        let c = &CANDIDATES[i];
        if fixed.is_none()
            && order.is_none()
            && let Some(t) = c.twin
            && counts[t] == best
        {
            let twin = &CANDIDATES[t];
            let example = remaining
                .iter()
                .find(|v| c.pattern.read(v).is_ok() && twin.pattern.read(v).is_ok())
                .map_or_else(String::new, |v| (*v).to_owned());
            let (month_first, day_first) = if c.order == Some(DateOrder::Mdy) {
                (c, twin)
            } else {
                (twin, c)
            };
            return Detection::Ambiguous {
                month_first: month_first.pattern.text().to_owned(),
                day_first: day_first.pattern.text().to_owned(),
                example,
            };
        }
        if c.order.is_some() {
            fixed = c.order;
        }
        remaining.retain(|v| c.pattern.read(v).is_err());
        chosen.push(c.pattern.clone());
    }
    if chosen.is_empty() {
        return Detection::Unknown {
            example: first_unread,
        };
    }
    Detection::Patterns {
        patterns: chosen,
        read: total - remaining.len(),
        values: total,
    }
}

/// The pattern that reads one value, for a hint (`--max-rejects` messages): month-first
/// before day-first unless `order` says otherwise. `None` when no candidate reads it.
pub fn suggest(value: &str, order: Option<DateOrder>) -> Option<String> {
    let sep = separator(value)?;
    CANDIDATES
        .iter()
        .filter(|c| c.sep == sep && (c.order.is_none() || order.is_none() || c.order == order))
        .find(|c| c.pattern.read(value).is_ok())
        .map(|c| c.pattern.text().to_owned())
}

#[cfg(test)]
mod tests;
