//! Precomputed working-time tables: everything the hot-path queries need,
//! answered by an index by day and binary search (no walks over days or
//! minutes).

use chrono::NaiveDate;

/// Seconds in a day.
const DAY: i64 = 86_400;

/// First and last local years that are precomputed.
pub(super) const FIRST_YEAR: i32 = 1990;
pub(super) const LAST_YEAR: i32 = 2099;

/// Sorted, non-overlapping (possibly touching), non-empty UTC working
/// intervals for the local days `FIRST_YEAR-01-01 ..= LAST_YEAR-12-31`, plus
/// prefix sums and a per-day index.
///
/// Outside those days there is no working time at all: cumulative working
/// time is 0 before the first interval and `total` after the last one.
#[derive(Clone)]
pub(super) struct Tables {
    first_day: NaiveDate,
    /// Interval starts, ascending (the searched array).
    starts: Vec<i64>,
    /// Interval ends (`ends[i] > starts[i]`, `ends[i] <= starts[i+1]`).
    ends: Vec<i64>,
    /// `prefix[i]` = working seconds in intervals `0..i`; length n+1.
    prefix: Vec<i64>,
    /// `day_first[d]` = index of the first interval of day `d`; length days+1,
    /// so day `d` owns intervals `day_first[d]..day_first[d+1]`.
    day_first: Vec<u32>,
    /// `wd_prefix[d]` = number of working days among days `0..d`; length days+1.
    wd_prefix: Vec<u32>,
    /// Midnight UTC of the first interval's UTC day.
    utc_base: i64,
    /// `utc_first[b]` = number of intervals starting before `utc_base + b` days; the last
    /// entry counts them all. An instant's UTC day narrows the search for it to that day's
    /// few intervals: the binary search over 55 k interval starts missed the cache on most
    /// of its steps, once or twice per SLA verdict.
    utc_first: Vec<u32>,
}

impl Tables {
    /// Builds the tables from a per-day function returning that local date's
    /// UTC working intervals (sorted, non-overlapping; empty ones are dropped
    /// here).
    pub(super) fn build(mut day_intervals: impl FnMut(NaiveDate) -> Vec<(i64, i64)>) -> Tables {
        let first_day = NaiveDate::from_ymd_opt(FIRST_YEAR, 1, 1).expect("valid date");
        let end_day = NaiveDate::from_ymd_opt(LAST_YEAR + 1, 1, 1).expect("valid date");
        let days = (end_day - first_day).num_days() as usize;

        let mut starts = Vec::with_capacity(days * 2);
        let mut ends = Vec::with_capacity(days * 2);
        let mut prefix = Vec::with_capacity(days * 2 + 1);
        let mut day_first = Vec::with_capacity(days + 1);
        let mut wd_prefix = Vec::with_capacity(days + 1);
        prefix.push(0i64);
        let mut working_days = 0u32;
        let mut last_end = i64::MIN;
        let mut date = first_day;
        for _ in 0..days {
            day_first.push(starts.len() as u32);
            wd_prefix.push(working_days);
            let before = starts.len();
            for (s, e) in day_intervals(date) {
                // Guard the invariants even against odd tz data: clip to
                // what is already covered, drop anything empty.
                let s = s.max(last_end);
                if e <= s {
                    continue;
                }
                starts.push(s);
                ends.push(e);
                prefix.push(prefix.last().copied().unwrap_or(0) + (e - s));
                last_end = e;
            }
            if starts.len() > before {
                working_days += 1;
            }
            date = date.succ_opt().expect("within chrono range");
        }
        day_first.push(starts.len() as u32);
        wd_prefix.push(working_days);
        let utc_base = starts.first().map_or(0, |s| s.div_euclid(DAY) * DAY);
        let buckets = starts
            .last()
            .map_or(0, |s| ((s - utc_base) / DAY) as usize + 1);
        let mut utc_first = Vec::with_capacity(buckets + 1);
        let mut k = 0;
        for b in 0..=buckets {
            let edge = utc_base + b as i64 * DAY;
            while k < starts.len() && starts[k] < edge {
                k += 1;
            }
            utc_first.push(k as u32);
        }
        Tables {
            first_day,
            starts,
            ends,
            prefix,
            day_first,
            wd_prefix,
            utc_base,
            utc_first,
        }
    }

    fn days(&self) -> usize {
        self.day_first.len() - 1
    }

    /// Index of local `date` in the tables, if precomputed.
    pub(super) fn day_index(&self, date: NaiveDate) -> Option<usize> {
        let d = (date - self.first_day).num_days();
        (0..self.days() as i64).contains(&d).then_some(d as usize)
    }

    /// The UTC working intervals of precomputed day `d`.
    pub(super) fn day_intervals(&self, d: usize) -> impl Iterator<Item = (i64, i64)> + '_ {
        let (a, b) = (self.day_first[d] as usize, self.day_first[d + 1] as usize);
        self.starts[a..b]
            .iter()
            .copied()
            .zip(self.ends[a..b].iter().copied())
    }

    /// Number of intervals starting at or before `t`.
    #[inline]
    fn upto(&self, t: i64) -> usize {
        if t < self.utc_base {
            return 0;
        }
        let b = ((t - self.utc_base) / DAY) as usize;
        match (self.utc_first.get(b), self.utc_first.get(b + 1)) {
            (Some(&lo), Some(&hi)) => {
                let (lo, hi) = (lo as usize, hi as usize);
                lo + self.starts[lo..hi].partition_point(|&s| s <= t)
            }
            // After the last interval's day: every interval starts before `t`.
            _ => self.starts.len(),
        }
    }

    /// Working seconds from the start of the tables up to instant `t`.
    #[inline]
    pub(super) fn cumulative(&self, t: i64) -> i64 {
        let k = self.upto(t);
        if k > 0 && t < self.ends[k - 1] {
            self.prefix[k - 1] + (t - self.starts[k - 1])
        } else {
            self.prefix[k]
        }
    }

    #[inline]
    pub(super) fn is_working(&self, t: i64) -> bool {
        let k = self.upto(t);
        k > 0 && t < self.ends[k - 1]
    }

    /// The latest instant `t >= start` with `cumulative(t) - cumulative(start)
    /// == secs`, or `None` if the tables run out first.
    ///
    /// Cumulative working time is continuous and non-decreasing, so the
    /// instants where it equals the target form a closed range; its upper end
    /// is the point inside the first interval whose running total exceeds the
    /// target. That point is always working time (it may be the interval's
    /// start: a budget ending exactly at 12:00 is due when work resumes).
    #[inline]
    pub(super) fn add(&self, start: i64, secs: i64) -> Option<i64> {
        let target = self.cumulative(start).checked_add(secs.max(0))?;
        // First interval k whose end total prefix[k+1] exceeds target.
        let k = self.prefix[1..].partition_point(|&p| p <= target);
        if k == self.starts.len() {
            return None;
        }
        Some(self.starts[k] + (target - self.prefix[k]))
    }

    /// End of the last interval of the `n`th (n >= 1) working day strictly
    /// after local day `date`; `None` if that is beyond the tables.
    #[inline]
    pub(super) fn nth_working_day_end(&self, date: NaiveDate, n: u32) -> Option<i64> {
        if n == 0 {
            return None; // callers handle n == 0 themselves
        }
        let after = if date < self.first_day {
            0
        } else {
            self.day_index(date)? + 1
        };
        let target = self.wd_prefix[after].checked_add(n)?;
        // Smallest k with wd_prefix[k] >= target; day k-1 is the nth working day.
        let k = self.wd_prefix.partition_point(|&c| c < target);
        if k >= self.wd_prefix.len() || k == 0 {
            return None;
        }
        let last_interval = self.day_first[k] as usize - 1;
        Some(self.ends[last_interval])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The day-bucketed search finds what a binary search over every start finds, for
    /// instants before, inside, between and after the intervals, at every bucket edge.
    #[test]
    fn upto_agrees_with_a_search_over_every_start() {
        // Two intervals on most days, none on some, one crossing UTC midnight on others.
        let t = Tables::build(|date| {
            let d = (date - NaiveDate::from_ymd_opt(FIRST_YEAR, 1, 1).unwrap()).num_days();
            let midnight = 631_152_000 + d * DAY - 8 * 3600;
            match d % 7 {
                5 => Vec::new(),
                6 => vec![(midnight + 20 * 3600, midnight + 28 * 3600)],
                _ => vec![
                    (midnight + 8 * 3600, midnight + 12 * 3600),
                    (midnight + 13 * 3600, midnight + 18 * 3600),
                ],
            }
        });
        let mut probes = vec![i64::MIN, -1, 0, t.utc_base - 1, t.utc_base, i64::MAX];
        for k in (0..t.starts.len()).step_by(97).chain([t.starts.len() - 1]) {
            for d in [-1, 0, 1] {
                probes.extend([t.starts[k] + d, t.ends[k] + d]);
            }
        }
        for b in (0..t.utc_first.len()).step_by(53) {
            let edge = t.utc_base + b as i64 * DAY;
            probes.extend([edge - 1, edge, edge + 1]);
        }
        for p in probes {
            assert_eq!(t.upto(p), t.starts.partition_point(|&s| s <= p), "{p}");
        }
    }
}
