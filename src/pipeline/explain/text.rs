//! An [`Explanation`] as the terminal shows it (`complaints explain`), in English.

use std::fmt::Write as _;

use super::Explanation;
use super::clock::{Clock, Day, Moment};
use crate::format::{Lang, duration_text, hours_text};

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn at(m: &Moment) -> String {
    format!("{} ({})", m.time, WEEKDAYS[m.weekday as usize % 7])
}

fn day(d: &Day) -> String {
    match d {
        Day::Workday => "working day".into(),
        Day::Weekend => "weekend (no working hours)".into(),
        Day::Holiday(name) => format!("public holiday {name}"),
        Day::Makeup(name) => format!("调休 make-up working day for {name}"),
        Day::Closure(name) => format!("company closure {name}"),
        Day::Extra(name) => format!("extra working day {name}"),
    }
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

fn events(names: &[String]) -> String {
    names
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn explanation(e: &Explanation) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "complaint {} (row {}), as of {}",
        e.id, e.origin, e.as_of
    );
    for o in &e.merged {
        let _ = writeln!(
            s,
            "  merged from the earlier export row {o} (duplicate policy: the most advanced stage wins)"
        );
    }
    for st in &e.stages {
        let later = if st.later {
            "  (after --as-of: not yet happened)"
        } else {
            ""
        };
        let _ = writeln!(s, "  {:<16}{}{later}", st.field, st.time);
    }
    let c = &e.classify;
    let _ = writeln!(s, "\nclassify ({}):", c.path);
    match &c.reads {
        Some(f) => {
            let _ = writeln!(s, "  reads {}", events(f));
        }
        None => {
            let _ = writeln!(s, "  reads the whole record");
        }
    }
    for o in &c.outputs {
        let source = match &o.source {
            Some(src) => format!(
                "table {} row {}, which saw {}",
                src.table,
                src.row_ref,
                src.inputs
                    .iter()
                    .map(|[f, v]| format!("{f}={v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => format!("set by {}", c.path),
        };
        let value = if o.value.is_empty() {
            "()"
        } else {
            o.value.as_str()
        };
        let _ = writeln!(s, "  {} = {value}  ← {source}", o.column);
    }
    for p in &c.prints {
        let _ = writeln!(s, "  print: {p}");
    }
    let _ = writeln!(s, "\nsla:");
    if e.targets.is_empty() {
        let _ = writeln!(s, "  no target applies to this complaint");
    }
    for c in &e.targets {
        for line in clock(c) {
            let _ = writeln!(s, "{line}");
        }
        s.push('\n');
    }
    s
}

impl Clock {
    /// The clock as the terminal shows it, a line each.
    pub fn lines(&self) -> Vec<String> {
        clock(self)
    }
}

fn clock(c: &Clock) -> Vec<String> {
    let mut out = Vec::new();
    out.push(format!(
        "target `{}`: {} [preset {}{}]",
        c.target,
        c.label,
        c.preset,
        c.source
            .as_ref()
            .map(|s| format!("; source {s}"))
            .unwrap_or_default()
    ));
    if !c.applies.is_empty() {
        let conds: Vec<String> = c
            .applies
            .iter()
            .map(|w| format!("{} ∈ {{{}}}", w.field, w.values.join(", ")))
            .collect();
        out.push(format!("  applies because {}", conds.join(" and ")));
    }
    let start_desc = match (&c.start_event, &c.start_after) {
        (Some(e), _) => format!("`{e}`"),
        (None, Some(t)) => format!("the stop of target `{t}`"),
        (None, None) => String::new(),
    };
    let (Some(start), Some(limit)) = (&c.start, &c.limit) else {
        out.push(format!("  clock start: {start_desc} has no time"));
        out.push(format!(
            "  verdict: {} — {}",
            c.decision.status, c.decision.note
        ));
        return out;
    };
    out.push(format!("  clock starts: {start_desc} at {}", at(start)));
    match &c.stop {
        Some(stop) => out.push(format!(
            "  clock stops: first of {} at or after the start: {}",
            events(&c.stop_events),
            at(stop)
        )),
        None => out.push(format!(
            "  clock stops: none of {} has happened by --as-of {}",
            events(&c.stop_events),
            at(&c.as_of)
        )),
    }
    if c.pauses.is_empty() {
        if c.pause_rule {
            out.push("  pauses: none".into());
        }
    } else {
        for p in &c.pauses {
            out.push(format!(
                "  paused {} → {} ({}; {} of working time), subtracted from the elapsed time and added to the due time",
                at(&p.from),
                at(&p.to),
                duration_text(p.seconds, Lang::En),
                hours_text(p.working)
            ));
        }
    }
    let text = &limit.text;
    match limit.kind {
        "deadline_field" => out.push(format!("  limit: {text}; {}", limit.note)),
        "working_days" => {
            out.push(format!(
                "  limit: {text} on calendar `{}`: the end of the {} working day strictly after {} (the day the clock starts never counts)",
                c.calendar,
                ordinal(limit.days),
                limit.first_day
            ));
            for d in &c.walk {
                let wd = WEEKDAYS[d.weekday as usize % 7];
                if d.working {
                    let extra = match &d.day {
                        Day::Makeup(name) => format!(" (调休 make-up working day for {name})"),
                        Day::Extra(name) => format!(" (extra working day {name})"),
                        _ => String::new(),
                    };
                    out.push(format!(
                        "    {} {wd}: working day {} of {}{extra}",
                        d.date, d.count, limit.days
                    ));
                } else {
                    out.push(format!("    {} {wd}: {}, skipped", d.date, day(&d.day)));
                }
            }
        }
        "working_days_duration" => out.push(format!(
            "  limit: {text} = {} × {} = {} of working time on calendar `{}`",
            limit.days,
            hours_text(limit.day_seconds),
            hours_text(limit.total_seconds),
            c.calendar
        )),
        "working" => out.push(format!(
            "  limit: {text} on calendar `{}`; due at the latest instant at which the working time since the start still equals the limit",
            c.calendar
        )),
        "same_day" => out.push(format!("  limit: {text}: by the end of {}", limit.first_day)),
        _ => out.push(format!("  limit: {text} of calendar time (a day is 24 h)")),
    }
    if let Some(due) = &c.due {
        out.push(format!("  due: {}", at(due)));
    }
    let after = if c.paused { " after pauses" } else { "" };
    match &c.counted {
        Some(counted) => {
            out.push(format!(
                "  working time counted from {} to {}:",
                at(&counted.from),
                at(&counted.to)
            ));
            for d in &counted.days {
                let spans: Vec<String> =
                    d.counted.iter().map(|[a, b]| format!("{a}-{b}")).collect();
                let (dates, each, times) = match &d.last_date {
                    Some(last) => (
                        format!(
                            "{} – {} {}–{}",
                            d.date,
                            last,
                            WEEKDAYS[d.weekday as usize % 7],
                            WEEKDAYS[d.last_weekday as usize % 7]
                        ),
                        " each",
                        format!("{} × ", d.run),
                    ),
                    None => (
                        format!("{} {}", d.date, WEEKDAYS[d.weekday as usize % 7]),
                        "",
                        String::new(),
                    ),
                };
                out.push(format!(
                    "    {dates}: {}{}",
                    day(&d.day),
                    if spans.is_empty() {
                        ", nothing counted".to_owned()
                    } else {
                        format!(
                            ", counted {}{each} = {times}{}",
                            spans.join(", "),
                            duration_text(d.seconds, Lang::En)
                        )
                    }
                ));
            }
            if counted.truncated {
                out.push("    … (more days not listed)".into());
            }
            out.push(format!(
                "    total {} of working time{after} of a {} limit",
                hours_text(c.elapsed_working),
                hours_text(c.limit_seconds)
            ));
        }
        None => out.push(format!(
            "  elapsed: {} of calendar time{after} of a {} limit",
            duration_text(c.elapsed_calendar, Lang::En),
            duration_text(c.limit_seconds, Lang::En)
        )),
    }
    for y in &c.uncovered_years {
        out.push(format!(
            "  WARNING: calendar `{}` has no holiday data for {y}; its days follow the weekly pattern only",
            c.calendar
        ));
    }
    let d = &c.decision;
    let decision = match (d.status, &d.stop, &d.due) {
        ("met", Some(s), Some(due)) => format!("met: stopped {} ≤ due {}", at(s), at(due)),
        ("breached", Some(s), Some(due)) => format!(
            "breached: stopped {} > due {}, {} late",
            at(s),
            at(due),
            duration_text(d.over, Lang::En)
        ),
        ("overdue", None, Some(due)) => format!(
            "overdue: not stopped, and --as-of {} ≥ due {} ({} past due)",
            at(&d.as_of),
            at(due),
            duration_text(d.over, Lang::En)
        ),
        ("open", None, Some(due)) => format!(
            "open: not stopped, and --as-of {} < due {}{}",
            at(&d.as_of),
            at(due),
            if d.warning {
                " (past the warning threshold)"
            } else {
                ""
            }
        ),
        (s, _, _) => format!("{s}: {}", d.note),
    };
    out.push(format!("  verdict: {decision}"));
    out
}
