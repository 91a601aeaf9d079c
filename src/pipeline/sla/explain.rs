//! The arithmetic of one verdict, in words, for `complaints explain`: where the clock started
//! and stopped, the limit and how the due time follows from it on the calendar (holidays and
//! 调休 make-up days named), the working time counted day by day, pauses, and the comparison
//! that decided the verdict.

use chrono::{Datelike, NaiveDate};

use super::{Basis, Status, Timeline, Verdict, pauses};
use crate::calendar::{Calendar, DayKind};
use crate::config::Lang;
use crate::format::{duration_text, hours_text};
use crate::pipeline::rules::presets::limit::{Limit, WorkingDays, limit_text};
use crate::pipeline::rules::presets::targets::{Start, Target};
use crate::time::{Ts, Zone};

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn at(zone: &Zone, t: Ts) -> String {
    let d = zone.to_local(t);
    format!(
        "{} ({})",
        d.format("%Y-%m-%d %H:%M:%S"),
        WEEKDAYS[d.weekday().num_days_from_monday() as usize]
    )
}

fn hm(zone: &Zone, t: Ts) -> String {
    zone.to_local(t).format("%H:%M").to_string()
}

fn day_kind(k: &DayKind) -> String {
    match k {
        DayKind::Workday => "working day".into(),
        DayKind::Weekend => "weekend (no working hours)".into(),
        DayKind::Holiday { name } => format!("public holiday {name}"),
        DayKind::MakeupWorkday { name } => format!("调休 make-up working day for {name}"),
        DayKind::Closure { name } => format!("company closure {name}"),
        DayKind::ExtraWorkday { name } => format!("extra working day {name}"),
    }
}

/// Explains one verdict. `t` is its target; `tl` the complaint's timeline at `as_of`.
pub fn verdict(
    t: &Target,
    v: &Verdict,
    tl: &Timeline,
    cal: &Calendar,
    zone: &Zone,
    as_of: Ts,
    targets: &[Target],
) -> Vec<String> {
    let mut out = Vec::new();
    out.push(format!(
        "target `{}`: {} [preset {}{}]",
        t.name,
        t.label,
        t.preset,
        t.source
            .as_ref()
            .map(|s| format!("; source {s}"))
            .unwrap_or_default()
    ));
    if !t.when.is_empty() {
        let conds: Vec<String> = t
            .when
            .iter()
            .map(|(f, vals)| format!("{f} ∈ {{{}}}", vals.join(", ")))
            .collect();
        out.push(format!("  applies because {}", conds.join(" and ")));
    }
    let start_desc = match &t.start {
        Start::Event(e) => format!("`{e}`"),
        Start::After(j) => format!("the stop of target `{}`", targets[*j].name),
    };
    let Some(start) = v.start else {
        out.push(format!("  clock start: {start_desc} has no time"));
        out.push(format!(
            "  verdict: {} — {}",
            v.status.name(),
            v.note.as_deref().unwrap_or("")
        ));
        return out;
    };
    out.push(format!(
        "  clock starts: {start_desc} at {}",
        at(zone, start)
    ));
    match v.stop {
        Some(s) => out.push(format!(
            "  clock stops: first of {} at or after the start: {}",
            t.stop
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", "),
            at(zone, s)
        )),
        None => out.push(format!(
            "  clock stops: none of {} has happened by --as-of {}",
            t.stop
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", "),
            at(zone, as_of)
        )),
    }
    let end = v.stop.unwrap_or(as_of).max(start);
    let ps = pauses(t, tl, start, end);
    if ps.is_empty() {
        if t.pause.is_some() {
            out.push("  pauses: none".into());
        }
    } else {
        for (a, b) in &ps {
            out.push(format!(
                "  paused {} → {} ({}; {} of working time), subtracted from the elapsed time and added to the due time",
                at(zone, *a),
                at(zone, *b),
                duration_text(b - a, Lang::En),
                hours_text(cal.working_seconds_between(*a, *b))
            ));
        }
    }
    // The limit and the due time.
    let limit = limit_text(t.limit.as_ref(), t.deadline_field.as_deref(), Lang::En);
    match (&t.limit, v.note.as_deref()) {
        (_, Some(n)) if n.starts_with("due time from") => {
            out.push(format!("  limit: {limit}; {n}"));
        }
        (Some(Limit::WorkingDays { days, mode: WorkingDays::EndOfDay }), _) => {
            out.push(format!(
                "  limit: {limit} on calendar `{}`: the end of the {} working day strictly after {} (the day the clock starts never counts)",
                cal.name(),
                ordinal(*days),
                zone.local_date(start)
            ));
            let first = zone.local_date(start);
            let due = v.due.unwrap_or(start);
            out.extend(working_day_walk(cal, first, zone.local_date(due), *days));
        }
        (Some(Limit::WorkingDays { days, mode: WorkingDays::Duration }), _) => out.push(format!(
            "  limit: {limit} = {} × {} = {} of working time on calendar `{}`",
            days,
            hours_text(cal.working_day_seconds()),
            hours_text(i64::from(*days) * cal.working_day_seconds()),
            cal.name()
        )),
        (Some(Limit::Working { .. }), _) => out.push(format!(
            "  limit: {limit} on calendar `{}`; due at the latest instant at which the working time since the start still equals the limit",
            cal.name()
        )),
        (Some(Limit::SameDay), _) => out.push(format!("  limit: {limit}: by the end of {}", zone.local_date(start))),
        _ => out.push(format!("  limit: {limit} of calendar time (a day is 24 h)")),
    }
    if let Some(due) = v.due {
        out.push(format!("  due: {}", at(zone, due)));
    }
    // Working time, day by day (for working-time limits).
    if v.basis == Basis::Working {
        let span = cal.explain_span(start, end);
        out.push(format!(
            "  working time counted from {} to {}:",
            at(zone, start),
            at(zone, end)
        ));
        for d in &span.days {
            let counted: Vec<String> = d
                .counted
                .iter()
                .map(|(a, b)| format!("{}-{}", hm(zone, *a), hm(zone, *b)))
                .collect();
            out.push(format!(
                "    {} {}: {}{}",
                d.info.date,
                WEEKDAYS[d.info.date.weekday().num_days_from_monday() as usize],
                day_kind(&d.info.kind),
                if counted.is_empty() {
                    ", nothing counted".to_owned()
                } else {
                    format!(
                        ", counted {} = {}",
                        counted.join(", "),
                        duration_text(d.seconds, Lang::En)
                    )
                }
            ));
        }
        if span.truncated {
            out.push("    … (more days not listed)".into());
        }
        out.push(format!(
            "    total {} of working time{} of a {} limit",
            hours_text(v.elapsed_work),
            if v.paused > 0 { " after pauses" } else { "" },
            hours_text(v.limit)
        ));
    } else {
        out.push(format!(
            "  elapsed: {} of calendar time{} of a {} limit",
            duration_text(v.elapsed_cal, Lang::En),
            if v.paused > 0 { " after pauses" } else { "" },
            duration_text(v.limit, Lang::En)
        ));
    }
    for y in cal.uncovered_years(start, v.due.unwrap_or(end).max(end)) {
        out.push(format!(
            "  WARNING: calendar `{}` has no holiday data for {y}; its days follow the weekly pattern only",
            cal.name()
        ));
    }
    let decision = match (v.status, v.stop, v.due) {
        (Status::Met, Some(s), Some(d)) => {
            format!("met: stopped {} ≤ due {}", at(zone, s), at(zone, d))
        }
        (Status::Breached, Some(s), Some(d)) => format!(
            "breached: stopped {} > due {}, {} late",
            at(zone, s),
            at(zone, d),
            duration_text(v.over_cal, Lang::En)
        ),
        (Status::Overdue, None, Some(d)) => format!(
            "overdue: not stopped, and --as-of {} ≥ due {} ({} past due)",
            at(zone, as_of),
            at(zone, d),
            duration_text(v.over_cal, Lang::En)
        ),
        (Status::Open, None, Some(d)) => format!(
            "open: not stopped, and --as-of {} < due {}{}",
            at(zone, as_of),
            at(zone, d),
            if v.warning {
                " (past the warning threshold)"
            } else {
                ""
            }
        ),
        (s, _, _) => format!("{}: {}", s.name(), v.note.as_deref().unwrap_or("")),
    };
    out.push(format!("  verdict: {decision}"));
    out
}

/// The days walked to find the end of the Nth working day: holidays and make-up days named.
fn working_day_walk(cal: &Calendar, first: NaiveDate, last: NaiveDate, n: u32) -> Vec<String> {
    let mut out = Vec::new();
    let mut d = first.succ_opt().unwrap_or(first);
    let mut count = 0;
    let mut guard = 0;
    while d <= last && guard < 400 {
        let info = cal.day_info(d);
        let wd = WEEKDAYS[d.weekday().num_days_from_monday() as usize];
        if info.is_working_day() {
            count += 1;
            let extra = match &info.kind {
                DayKind::MakeupWorkday { name } => {
                    format!(" (调休 make-up working day for {name})")
                }
                DayKind::ExtraWorkday { name } => format!(" (extra working day {name})"),
                _ => String::new(),
            };
            out.push(format!("    {d} {wd}: working day {count} of {n}{extra}"));
        } else {
            out.push(format!("    {d} {wd}: {}, skipped", day_kind(&info.kind)));
        }
        d = d.succ_opt().unwrap_or(d);
        guard += 1;
    }
    out
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, x) if x != 11 => "st",
        (2, x) if x != 12 => "nd",
        (3, x) if x != 13 => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}
