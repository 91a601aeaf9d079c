//! Precomputed working-time tables: everything the hot-path queries need,
//! answered by binary search (no walks over days or minutes).

use chrono::NaiveDate;

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
        Tables {
            first_day,
            starts,
            ends,
            prefix,
            day_first,
            wd_prefix,
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
        self.starts.partition_point(|&s| s <= t)
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
