//! Timestamp forms a config declares (`ingest.timestamp_forms`, chrono-style patterns such as
//! `%m/%d/%Y %I:%M:%S %p`) or that detection chooses for a column ([`super::detect`]), and
//! [`Forms`], the parser one column uses: its patterns in order, then the built-in forms.
//!
//! A pattern is compiled once (chrono's items, parsed from the text up front), so a column of a
//! million cells costs one pass of chrono's parser per cell, not a pattern parse per cell.

use chrono::format::{Fixed, Item, Numeric, ParseErrorKind, Parsed, StrftimeItems};
use chrono::{NaiveDateTime, NaiveTime, Timelike};

use super::builtin::{Reading, TimestampError, read_builtin, zone_suffix};
use super::{Ts, Zone};

/// Examples of the built-in forms, for messages (`docs/FIELDS.md` §4 lists them all).
pub const BUILTIN_EXAMPLES: &str =
    "2026-10-01 08:30[:00], 2026/10/1 8:30, 2026年10月1日 8时30分, RFC 3339, Excel serials";

/// A compiled chrono-style pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    text: String,
    items: Vec<Item<'static>>,
    /// The pattern ends in a literal `UTC`, `GMT` or `Z`: the times it reads are UTC.
    utc: bool,
    /// The pattern reads an offset itself (`%z`, `%:z`).
    reads_offset: bool,
    /// The pattern reads the year with `%Y`.
    four_digit_year: bool,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Pattern {
    /// Compiles a pattern; the error says what is wrong with it. A pattern must read a year
    /// (`%Y` or `%y`), a month (`%m`, `%b` or `%B`) and a day (`%d` or `%e`); a 12-hour clock
    /// (`%I`, `%l`) needs `%p`.
    pub fn new(text: &str) -> Result<Pattern, String> {
        let items = StrftimeItems::new(text)
            .parse_to_owned()
            .map_err(|_| format!("`{text}` is not a valid timestamp pattern"))?;
        let has = |f: &dyn Fn(&Item<'_>) -> bool| items.iter().any(f);
        let numeric = |n: Numeric| move |i: &Item<'_>| matches!(i, Item::Numeric(x, _) if *x == n);
        let fixed = |f: Fixed| move |i: &Item<'_>| matches!(i, Item::Fixed(x) if *x == f);
        let year = has(&numeric(Numeric::Year)) || has(&numeric(Numeric::YearMod100));
        let month = has(&numeric(Numeric::Month))
            || has(&fixed(Fixed::ShortMonthName))
            || has(&fixed(Fixed::LongMonthName));
        let day = has(&numeric(Numeric::Day));
        if !(year && month && day) {
            return Err(format!(
                "`{text}` does not read a whole date: a pattern needs a year (%Y or %y), a month (%m, %b or %B) and a day (%d or %e)"
            ));
        }
        if has(&numeric(Numeric::Hour12)) && !has(&fixed(Fixed::UpperAmPm)) {
            return Err(format!(
                "`{text}` reads a 12-hour clock (%I) without AM/PM (%p)"
            ));
        }
        let reads_offset = items.iter().any(|i| {
            matches!(
                i,
                Item::Fixed(
                    Fixed::TimezoneOffset
                        | Fixed::TimezoneOffsetColon
                        | Fixed::TimezoneOffsetColonZ
                        | Fixed::TimezoneOffsetZ
                        | Fixed::TimezoneOffsetDoubleColon
                        | Fixed::TimezoneOffsetTripleColon
                )
            )
        });
        let tail = text.trim_end();
        let utc = ["UTC", "GMT", "Z"].iter().any(|z| tail.ends_with(z)) && !tail.ends_with("%Z");
        Ok(Pattern {
            text: text.to_owned(),
            four_digit_year: has(&numeric(Numeric::Year)),
            items,
            utc,
            reads_offset,
        })
    }

    /// The pattern as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Reads one cell. A cell with a zone suffix the pattern does not mention (`... UTC`,
    /// `...Z`, `... +08:00`) is read without it and placed at that offset.
    pub fn read(&self, s: &str) -> Result<Reading, TimestampError> {
        match self.read_exact(s) {
            Ok(r) => Ok(r),
            Err(TimestampError::Unparseable) if !self.utc && !self.reads_offset => {
                let (rest, offset) = split_zone(s).ok_or(TimestampError::Unparseable)?;
                let r = self.read_exact(rest)?;
                Ok(Reading {
                    local: r.local,
                    offset: Some(offset),
                })
            }
            Err(e) => Err(e),
        }
    }

    fn read_exact(&self, s: &str) -> Result<Reading, TimestampError> {
        let mut p = Parsed::new();
        // A field out of range while the text is read (`20` as a month) means the value has
        // another shape; only a complete reading naming no real date is an invalid date.
        chrono::format::parse(&mut p, s, self.items.iter())
            .map_err(|_| TimestampError::Unparseable)?;
        // `%Y` takes any number of digits; `23` is the two-digit year of another form, not AD 23.
        if self.four_digit_year && p.year().is_some_and(|y| y < 1000) {
            return Err(TimestampError::Unparseable);
        }
        let date = p.to_naive_date().map_err(kind)?;
        // A pattern without a time of day reads local midnight, like the built-in date forms;
        // fractions of a second are dropped, as everywhere else.
        let time = if p.hour_mod_12().is_none() && p.hour_div_12().is_none() {
            NaiveTime::MIN
        } else {
            let t = p.to_naive_time().map_err(kind)?;
            t.with_nanosecond(0).unwrap_or(t)
        };
        let offset = if self.utc {
            Some(0)
        } else if self.reads_offset {
            p.offset().map(i64::from)
        } else {
            None
        };
        Ok(Reading {
            local: NaiveDateTime::new(date, time),
            offset,
        })
    }
}

/// A chrono parse error as a timestamp error: a value that fits the pattern's shape but names
/// no real date or time is invalid (`02/30/2026`), anything else does not fit.
fn kind(e: chrono::format::ParseError) -> TimestampError {
    match e.kind() {
        ParseErrorKind::OutOfRange | ParseErrorKind::Impossible => TimestampError::InvalidDate,
        _ => TimestampError::Unparseable,
    }
}

/// Splits a trailing zone suffix (` UTC`, `Z`, ` +08:00`, `+0800`) off a cell.
fn split_zone(s: &str) -> Option<(&str, i64)> {
    for (i, _) in s.char_indices().rev().take(7) {
        if i == 0 {
            break;
        }
        if let Some(off) = zone_suffix(&s[i..]) {
            let rest = s[..i].trim_end();
            return Some((rest, off));
        }
    }
    None
}

/// How one column's timestamps are read: its patterns, in order, then the built-in forms.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Forms {
    patterns: Vec<Pattern>,
}

impl Forms {
    /// The built-in forms only.
    pub fn builtin() -> Forms {
        Forms::default()
    }

    /// These patterns, then the built-in forms.
    pub fn new(patterns: Vec<Pattern>) -> Forms {
        Forms { patterns }
    }

    /// The patterns tried before the built-in forms.
    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// True when only the built-in forms are accepted.
    pub fn is_builtin(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Reads a cell: the first pattern that reads it wins, then the built-in forms. When a
    /// pattern recognised the shape but the date does not exist, that is the error reported.
    #[inline]
    pub fn read(&self, s: &str) -> Result<Reading, TimestampError> {
        if self.patterns.is_empty() {
            return read_builtin(s);
        }
        let mut invalid = false;
        for p in &self.patterns {
            match p.read(s) {
                Ok(r) => return Ok(r),
                Err(TimestampError::InvalidDate) => invalid = true,
                Err(_) => {}
            }
        }
        match read_builtin(s) {
            Err(TimestampError::Unparseable) if invalid => Err(TimestampError::InvalidDate),
            r => r,
        }
    }

    /// Reads a cell into an instant in `zone` (a written offset wins).
    #[inline]
    pub fn parse(&self, s: &str, zone: &Zone) -> Result<Ts, TimestampError> {
        // Patterns are tried first when there are any.
        if self.patterns.is_empty()
            && let Some(t) = super::builtin::plain_instant(s, zone)
        {
            return Ok(t);
        }
        self.read(s)?.instant(zone)
    }

    /// Reads a carried-through cell: the patterns, then the built-in forms for text (a bare
    /// number there is a reference number, not an Excel serial).
    #[inline]
    pub fn parse_text(&self, s: &str, zone: &Zone) -> Result<Ts, TimestampError> {
        for p in &self.patterns {
            if let Ok(r) = p.read(s) {
                return r.instant(zone);
            }
        }
        super::builtin::parse_timestamp_text(s, zone)
    }

    /// The forms for a message: `` `%m/%d/%Y`, then the built-in forms (…) ``.
    pub fn describe(&self) -> String {
        let builtin = format!("the built-in forms ({BUILTIN_EXAMPLES})");
        if self.patterns.is_empty() {
            return builtin;
        }
        let list: Vec<String> = self
            .patterns
            .iter()
            .map(|p| format!("`{}`", p.text))
            .collect();
        format!("{}, then {builtin}", list.join(", "))
    }
}

#[cfg(test)]
mod tests;
