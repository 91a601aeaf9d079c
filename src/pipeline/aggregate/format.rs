//! Numbers and durations in words, shared by the report, `explain` and the exports.

use crate::config::Lang;
use crate::pipeline::sla::targets::Limit;

/// Rounds to 4 decimals so floats serialise the same everywhere.
pub fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// `92.3%`, or `—` when there is nothing to divide.
pub fn pct_text(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

/// A limit in words.
pub fn limit_text(limit: Option<&Limit>, deadline: Option<&str>, lang: Lang) -> String {
    use crate::pipeline::sla::targets::WorkingDays;
    let base = match (limit, lang) {
        (None, _) => String::new(),
        (Some(Limit::Calendar { secs }), Lang::Zh) => duration_text(*secs, Lang::Zh),
        (Some(Limit::Calendar { secs }), Lang::En) => duration_text(*secs, Lang::En),
        (Some(Limit::Working { secs }), Lang::Zh) => {
            format!("{}（工作时间）", duration_text(*secs, Lang::Zh))
        }
        (Some(Limit::Working { secs }), Lang::En) => {
            format!("{} working time", duration_text(*secs, Lang::En))
        }
        (
            Some(Limit::WorkingDays {
                days,
                mode: WorkingDays::EndOfDay,
            }),
            Lang::Zh,
        ) => format!("{days}个工作日"),
        (
            Some(Limit::WorkingDays {
                days,
                mode: WorkingDays::EndOfDay,
            }),
            Lang::En,
        ) => format!("{days} working days"),
        (
            Some(Limit::WorkingDays {
                days,
                mode: WorkingDays::Duration,
            }),
            Lang::Zh,
        ) => format!("{days}个工作日（按工时）"),
        (
            Some(Limit::WorkingDays {
                days,
                mode: WorkingDays::Duration,
            }),
            Lang::En,
        ) => format!("{days} × working-day length"),
        (Some(Limit::SameDay), Lang::Zh) => "当天".to_owned(),
        (Some(Limit::SameDay), Lang::En) => "same day".to_owned(),
    };
    match (deadline, lang) {
        (Some(f), Lang::Zh) if base.is_empty() => format!("按“{f}”"),
        (Some(f), Lang::Zh) => format!("{base}，或按“{f}”"),
        (Some(f), Lang::En) if base.is_empty() => format!("by `{f}`"),
        (Some(f), Lang::En) => format!("{base}, or by `{f}`"),
        (None, _) => base,
    }
}

/// `2天3小时`, `15分钟`, `3 h 20 min`.
pub fn duration_text(secs: i64, lang: Lang) -> String {
    if (1..60).contains(&secs) {
        return match lang {
            Lang::Zh => "不足1分钟".to_owned(),
            Lang::En => "< 1 min".to_owned(),
        };
    }
    let mins = secs.max(0) / 60;
    let (d, h, m) = (mins / 1440, (mins % 1440) / 60, mins % 60);
    let mut parts = Vec::new();
    match lang {
        Lang::Zh => {
            if d > 0 {
                parts.push(format!("{d}天"));
            }
            if h > 0 {
                parts.push(format!("{h}小时"));
            }
            if m > 0 || parts.is_empty() {
                parts.push(format!("{m}分钟"));
            }
            parts.concat()
        }
        Lang::En => {
            if d > 0 {
                parts.push(format!("{d} d"));
            }
            if h > 0 {
                parts.push(format!("{h} h"));
            }
            if m > 0 || parts.is_empty() {
                parts.push(format!("{m} min"));
            }
            parts.join(" ")
        }
    }
}

/// A working-time duration in hours and minutes (`44 h`, `3 h 30 min`), never in days: a
/// "day" of working time would read as 24 hours.
pub fn hours_text(secs: i64) -> String {
    let mins = secs.max(0) / 60;
    match (mins / 60, mins % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}
