//! An indicator's value in a period and scope, in words, against its target and its past.

use super::context::Comparison;
use super::page::rate;
use super::queries::Parts;
use crate::format::{round4, thousands};
use crate::pipeline::rules::kpis::{Kpi as KpiDef, Measure, Unit};

/// `x` rounded to `d` decimals.
pub(super) fn decimals(x: f64, d: usize) -> f64 {
    let p = 10f64.powi(d as i32);
    (x * p).round() / p
}

/// An indicator's value in a period and scope, and the numbers behind a rate.
pub(super) fn kpi_value(
    k: &KpiDef,
    parts: Option<&Parts>,
    reopen_known: bool,
) -> (Option<f64>, String) {
    if k.needs_event_log && !reopen_known {
        return (None, String::new());
    }
    let part = |j: usize| parts.and_then(|p| p[j]);
    match &k.measure {
        Measure::Count(_) => (Some(part(0).unwrap_or(0.0)), String::new()),
        Measure::Ratio { .. } => {
            let (n, d) = (part(0).unwrap_or(0.0) as u64, part(1).unwrap_or(0.0) as u64);
            (rate(n, d), format!("{n} / {d}"))
        }
        Measure::Quantile { .. } => (
            part(0).map(|m| match k.unit {
                Unit::Hours => decimals(m / 60.0, k.decimals),
                _ => decimals(m, k.decimals),
            }),
            String::new(),
        ),
    }
}

pub(super) fn value_text(k: &KpiDef, v: Option<f64>) -> String {
    let d = k.decimals;
    match (k.unit, v) {
        (_, None) => "—".to_owned(),
        (Unit::Count, Some(x)) => thousands(x as i64),
        (Unit::Hours, Some(x)) => format!("{x:.d$} h"),
        (Unit::Minutes, Some(x)) => format!("{x:.d$} min"),
        (Unit::Rate, Some(x)) => format!("{:.d$}%", x * 100.0),
    }
}

pub(super) fn compare(k: &KpiDef, now: Option<f64>, then: Option<f64>, period: &str) -> Comparison {
    let d = k.decimals;
    let change = match (now, then) {
        (Some(a), Some(b)) => Some(round4(a - b)),
        _ => None,
    };
    let change_text = match (k.unit, change, then) {
        (_, None, _) => String::new(),
        (Unit::Count, Some(c), Some(b)) if b > 0.0 => {
            format!("{:+} ({:+.1}%)", c as i64, c / b * 100.0)
        }
        (Unit::Count, Some(c), _) => format!("{:+}", c as i64),
        (Unit::Hours, Some(c), _) => format!("{c:+.d$} h"),
        (Unit::Minutes, Some(c), _) => format!("{c:+.d$} min"),
        (Unit::Rate, Some(c), _) => format!("{:+.d$} pp", c * 100.0),
    };
    let trend = match change {
        None => String::new(),
        Some(c) if c.abs() < 1e-9 => "same".to_owned(),
        Some(c) if (c > 0.0) == k.higher_is_better => "better".to_owned(),
        Some(_) => "worse".to_owned(),
    };
    Comparison {
        period: period.to_owned(),
        value: then,
        text: value_text(k, then),
        change,
        change_text,
        trend,
    }
}

pub(super) fn target_text(k: &KpiDef) -> String {
    let Some(t) = k.target else {
        return String::new();
    };
    let op = if t.at_least { "≥" } else { "≤" };
    format!("{op} {}", value_text(k, Some(t.value)))
}
