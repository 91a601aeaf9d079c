//! The calendar of the sample: how many complaints arrive on each day, their
//! per-month sequence numbers, and receipt times within a day.
//!
//! Only per-day counts are stored (a few hundred numbers), never per-row data,
//! so memory stays bounded however many rows are asked for.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};

use super::rng::Rng;

/// Stream tags for `Rng::keyed`, so different purposes never share a stream.
pub(crate) const TAG_DAY_WEIGHT: u64 = 1;
pub(crate) const TAG_DAY_TIMES: u64 = 2;

/// One calendar day of the range.
#[derive(Clone, Debug)]
pub(crate) struct Day {
    pub(crate) date: NaiveDate,
    /// Complaints received that day.
    pub(crate) count: u32,
    /// Complaints received earlier in the same month (sequence offset).
    pub(crate) seq_base: u32,
    /// Global index of the day's first complaint.
    pub(crate) first: u64,
    /// Index into `Calendar::months`.
    pub(crate) month: usize,
}

/// One calendar month of the range.
#[derive(Clone, Debug)]
pub(crate) struct Month {
    /// `yyyymm` as a number, e.g. 202610.
    pub(crate) ym: u32,
    pub(crate) first_day: usize,
    pub(crate) days: usize,
    pub(crate) total: u32,
}

/// All days and months of the requested range.
#[derive(Debug)]
pub(crate) struct Calendar {
    pub(crate) days: Vec<Day>,
    pub(crate) months: Vec<Month>,
    /// The instant the data ends (00:00 of the first day after the range): the
    /// "export time" of the final export. Later stages are not yet known.
    pub(crate) end: NaiveDateTime,
}

/// Official public holidays (the days off) of 2025 and 2026 with a volume
/// factor. Other years get only the weekday pattern.
const HOLIDAYS: &[(i32, u32, u32, u32, u32, f64)] = &[
    // (year, from month, from day, to month, to day, factor)
    (2025, 1, 1, 1, 1, 0.8),
    (2025, 1, 28, 2, 4, 0.55),  // 春节
    (2025, 4, 4, 4, 6, 0.85),   // 清明
    (2025, 5, 1, 5, 5, 0.8),    // 劳动节
    (2025, 5, 31, 6, 2, 0.85),  // 端午
    (2025, 10, 1, 10, 8, 0.7),  // 国庆 + 中秋
    (2026, 1, 1, 1, 3, 0.8),    // 元旦
    (2026, 2, 15, 2, 23, 0.55), // 春节
    (2026, 4, 4, 4, 6, 0.85),   // 清明
    (2026, 5, 1, 5, 5, 0.8),    // 劳动节
    (2026, 6, 19, 6, 21, 0.85), // 端午
    (2026, 9, 25, 9, 27, 0.85), // 中秋
    (2026, 10, 1, 10, 7, 0.7),  // 国庆
];

/// Volume factor of a holiday, or `None` on an ordinary day.
pub(crate) fn holiday(date: NaiveDate) -> Option<f64> {
    HOLIDAYS.iter().find_map(|&(y, m1, d1, m2, d2, f)| {
        let from = NaiveDate::from_ymd_opt(y, m1, d1)?;
        let to = NaiveDate::from_ymd_opt(y, m2, d2)?;
        (from <= date && date <= to).then_some(f)
    })
}

/// Relative receipt volume by hour, working day: peaks on mornings and evenings.
const HOURS_WORKDAY: [f64; 24] = [
    0.15, 0.10, 0.07, 0.05, 0.05, 0.10, 0.30, 0.80, 1.70, 2.00, 1.90, 1.50, 0.90, 1.00, 1.30, 1.30,
    1.20, 1.20, 1.40, 1.60, 1.50, 1.10, 0.60, 0.30,
];
/// Weekends and holidays: people get up later.
const HOURS_RESTDAY: [f64; 24] = [
    0.25, 0.15, 0.08, 0.05, 0.05, 0.07, 0.15, 0.40, 1.00, 1.60, 1.90, 1.70, 1.10, 1.00, 1.30, 1.40,
    1.40, 1.30, 1.30, 1.50, 1.50, 1.20, 0.80, 0.40,
];

impl Calendar {
    /// Spreads `rows` complaints over `months` months from `start` (which is
    /// moved to the first of its month).
    pub(crate) fn new(seed: u64, start: NaiveDate, months: u32, rows: u64) -> Calendar {
        let start = start.with_day(1).unwrap_or(start);
        let mut end_month = start;
        for _ in 0..months {
            end_month = next_month(end_month);
        }
        let mut dates = Vec::new();
        let mut d = start;
        while d < end_month {
            dates.push(d);
            d = d.succ_opt().expect("date in range");
        }
        // Day weights: weekday pattern × holidays × season × slow growth × noise.
        let weights: Vec<f64> = dates
            .iter()
            .enumerate()
            .map(|(i, &date)| {
                let mut rng = Rng::keyed(seed, &[TAG_DAY_WEIGHT, i as u64]);
                let dow = match date.weekday() {
                    Weekday::Mon => 1.08,
                    Weekday::Tue => 1.04,
                    Weekday::Wed | Weekday::Thu => 1.0,
                    Weekday::Fri => 0.98,
                    Weekday::Sat => 0.82,
                    Weekday::Sun => 0.78,
                };
                let season = match date.month() {
                    1 => 1.08, // 物业费 billing
                    2 => 0.9,
                    6..=8 => 1.12, // noise, outages, greening
                    _ => 1.0,
                };
                let month_index = months_between(start, date) as f64;
                let growth = 1.0 + 0.01 * month_index;
                let noise = 0.85 + 0.3 * rng.f64();
                dow * holiday(date).unwrap_or(1.0) * season * growth * noise
            })
            .collect();
        let total: f64 = weights.iter().sum();

        // Cumulative rounding: counts add up to exactly `rows`.
        let mut days = Vec::with_capacity(dates.len());
        let mut months_v: Vec<Month> = Vec::new();
        let mut cum = 0.0;
        let mut assigned: u64 = 0;
        for (i, &date) in dates.iter().enumerate() {
            cum += weights[i];
            let target = if i + 1 == dates.len() || total <= 0.0 {
                rows
            } else {
                ((rows as f64) * cum / total + 0.5).floor() as u64
            };
            let target = target.clamp(assigned, rows);
            let count = (target - assigned) as u32;
            let ym = date.year() as u32 * 100 + date.month();
            if months_v.last().is_none_or(|m| m.ym != ym) {
                months_v.push(Month {
                    ym,
                    first_day: i,
                    days: 0,
                    total: 0,
                });
            }
            let month = months_v.len() - 1;
            let m = &mut months_v[month];
            days.push(Day {
                date,
                count,
                seq_base: m.total,
                first: assigned,
                month,
            });
            m.days += 1;
            m.total += count;
            assigned = target;
        }
        Calendar {
            days,
            months: months_v,
            end: end_month.and_time(NaiveTime::MIN),
        }
    }

    /// The sorted receipt times of day `day`'s complaints.
    pub(crate) fn times(&self, seed: u64, day: usize) -> Vec<NaiveDateTime> {
        let d = &self.days[day];
        let mut rng = Rng::keyed(seed, &[TAG_DAY_TIMES, day as u64]);
        let rest =
            holiday(d.date).is_some() || matches!(d.date.weekday(), Weekday::Sat | Weekday::Sun);
        let profile = if rest { &HOURS_RESTDAY } else { &HOURS_WORKDAY };
        let midnight = d.date.and_time(NaiveTime::MIN);
        let mut secs: Vec<i64> = (0..d.count)
            .map(|_| {
                let hour = rng.weighted(profile) as i64;
                hour * 3600 + rng.range(0, 3599)
            })
            .collect();
        secs.sort_unstable();
        secs.into_iter()
            .map(|s| midnight + Duration::seconds(s))
            .collect()
    }

    /// Index of the first day on or after `date` (or `days.len()`).
    #[cfg(test)]
    pub(crate) fn day_index(&self, date: NaiveDate) -> usize {
        self.days.partition_point(|d| d.date < date)
    }
}

/// First day of the next month.
pub(crate) fn next_month(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).expect("valid month")
}

fn months_between(a: NaiveDate, b: NaiveDate) -> i32 {
    (b.year() - a.year()) * 12 + b.month() as i32 - a.month() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_and_sequences_restart_monthly() {
        let start = NaiveDate::from_ymd_opt(2025, 9, 1).unwrap();
        let cal = Calendar::new(7, start, 14, 100_000);
        assert_eq!(
            cal.days.iter().map(|d| d.count as u64).sum::<u64>(),
            100_000
        );
        assert_eq!(cal.months.len(), 14);
        assert_eq!(cal.months[0].ym, 202509);
        assert_eq!(cal.months[13].ym, 202610);
        assert_eq!(
            cal.end,
            NaiveDate::from_ymd_opt(2026, 11, 1)
                .unwrap()
                .and_time(NaiveTime::MIN)
        );
        for m in &cal.months {
            assert_eq!(cal.days[m.first_day].seq_base, 0);
        }
        // The Spring Festival week is visibly quieter than the week before.
        let sf = cal.day_index(NaiveDate::from_ymd_opt(2026, 2, 16).unwrap());
        let before: u32 = cal.days[sf - 14..sf - 7].iter().map(|d| d.count).sum();
        let during: u32 = cal.days[sf..sf + 7].iter().map(|d| d.count).sum();
        assert!(during * 10 < before * 8, "{during} vs {before}");
        let t = cal.times(7, 3);
        assert!(t.windows(2).all(|w| w[0] <= w[1]));
    }
}
