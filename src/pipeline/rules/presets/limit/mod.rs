//! The time-limit grammar of SLA targets and duties: `15 minutes`, `2 hours`, `3 days` (calendar
//! time), `8 working hours`, `5 working days`, `same day`, `immediately`; in English or Chinese
//! (`24 小时`, `5 工作日`, `当天`).

use crate::format::{Lang, duration_text};

/// How "N working days" is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkingDays {
    /// The end of the Nth working day strictly after the day the clock starts.
    EndOfDay,
    /// A budget of N × the calendar's working-day length.
    Duration,
}

/// A time limit.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Limit {
    /// Calendar seconds (minutes, hours, days of 24 h).
    Calendar {
        /// Seconds.
        secs: i64,
    },
    /// Working seconds on the target's calendar.
    Working {
        /// Seconds.
        secs: i64,
    },
    /// N working days.
    WorkingDays {
        /// N.
        days: u32,
        /// Reading.
        mode: WorkingDays,
    },
    /// By the end of the local day the clock starts.
    SameDay,
}

/// Parses a limit such as `15 minutes`, `2 h`, `5 working days`, `same day`.
pub fn parse_limit(s: &str, working_days: WorkingDays) -> Result<Limit, String> {
    let t = s.trim().to_lowercase();
    match t.as_str() {
        "same day" | "当天" | "当日" => return Ok(Limit::SameDay),
        "immediately" | "立即" => return Ok(Limit::Calendar { secs: 0 }),
        _ => {}
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("cannot read limit `{s}`: expected e.g. `15 minutes`, `2 hours`, `3 days`, `5 working days`, `8 working hours`, `same day`"))?;
    if n < 0.0 {
        return Err(format!("limit `{s}` is negative"));
    }
    let unit = unit.trim();
    let (working, unit) = match unit.strip_prefix("working") {
        Some(rest) => (true, rest.trim()),
        None => match unit.strip_prefix("工作") {
            Some(rest) => (true, rest.trim()),
            None => (false, unit),
        },
    };
    let secs_per = match unit {
        "minute" | "minutes" | "min" | "mins" | "m" | "分钟" => 60.0,
        "hour" | "hours" | "h" | "hr" | "hrs" | "小时" => 3600.0,
        "day" | "days" | "d" | "天" | "日" => 86_400.0,
        _ => {
            return Err(format!(
                "unknown unit in limit `{s}` (use minutes, hours, days, working minutes, working hours or working days)"
            ));
        }
    };
    if working && secs_per == 86_400.0 {
        if n.fract() != 0.0 {
            return Err(format!("limit `{s}`: working days must be a whole number"));
        }
        return Ok(Limit::WorkingDays {
            days: n as u32,
            mode: working_days,
        });
    }
    let secs = (n * secs_per).round() as i64;
    Ok(if working {
        Limit::Working { secs }
    } else {
        Limit::Calendar { secs }
    })
}

/// A limit in words.
pub fn limit_text(limit: Option<&Limit>, deadline: Option<&str>, lang: Lang) -> String {
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
        ) if *days == 1 => "1 working day".to_owned(),
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

#[cfg(test)]
mod tests;
