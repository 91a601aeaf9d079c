//! One verdict's clock, as data: where it started and stopped, the limit and how the due time
//! follows from it on the calendar (holidays and 调休 make-up days named), the working time
//! counted day by day, pauses, and the comparison that decided the verdict. Read from the
//! verdict the assessment stored; the calendar only lays the days out.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::calendar::{Calendar, DayKind};
use crate::format::Lang;
use crate::pipeline::rules::presets::limit::{Limit, WorkingDays, limit_text};
use crate::pipeline::rules::presets::targets::{Start, Target};
use crate::pipeline::sla::{Basis, Timeline, Verdict, pauses};
use crate::time::{Ts, Zone};

/// An instant, local, with its weekday (0 = Monday).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Moment {
    /// `2026-09-28 09:26:50`.
    pub time: String,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u8,
}

impl Moment {
    fn at(zone: &Zone, t: Ts) -> Moment {
        // `Zone::format`, not chrono's formatter: an explanation page holds tens of thousands.
        Moment {
            time: zone.format(t),
            weekday: zone.local_date(t).weekday().num_days_from_monday() as u8,
        }
    }
}

/// What a calendar day is.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum Day {
    /// An ordinary working day.
    Workday,
    /// A weekend day without working hours.
    Weekend,
    /// A public holiday.
    Holiday(String),
    /// A 调休 make-up working day for a holiday.
    Makeup(String),
    /// A company closure.
    Closure(String),
    /// An extra working day.
    Extra(String),
}

impl Day {
    fn of(k: &DayKind) -> Day {
        match k {
            DayKind::Workday => Day::Workday,
            DayKind::Weekend => Day::Weekend,
            DayKind::Holiday { name } => Day::Holiday(name.clone()),
            DayKind::MakeupWorkday { name } => Day::Makeup(name.clone()),
            DayKind::Closure { name } => Day::Closure(name.clone()),
            DayKind::ExtraWorkday { name } => Day::Extra(name.clone()),
        }
    }
}

/// A day walked to find the end of the Nth working day.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WalkDay {
    /// `2026-10-10`.
    pub date: String,
    /// 0 = Monday.
    pub weekday: u8,
    /// What it is.
    pub day: Day,
    /// It counts.
    pub working: bool,
    /// Its number among the working days counted (when `working`).
    pub count: u32,
}

/// A day of counted working time, or a run of consecutive days that are alike (the same kind
/// of day, holiday name included, with the same intervals counted): a clock open for months
/// reads as a few rows a week rather than one row a day.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CountedDay {
    /// `2026-09-28`: the (first) day.
    pub date: String,
    /// 0 = Monday.
    pub weekday: u8,
    /// The last day of a run (`None` for a single day).
    pub last_date: Option<String>,
    /// Its weekday.
    pub last_weekday: u8,
    /// Days in the run (1 for a single day).
    pub run: u32,
    /// What it is.
    pub day: Day,
    /// The working intervals counted on each day, local `HH:MM`.
    pub counted: Vec<[String; 2]>,
    /// Seconds counted on each day.
    pub seconds: i64,
}

/// Merges each run of consecutive days that are alike into one entry.
fn runs(days: Vec<CountedDay>, dates: &[NaiveDate]) -> Vec<CountedDay> {
    let mut out: Vec<CountedDay> = Vec::with_capacity(days.len());
    let mut last: Option<NaiveDate> = None;
    for (d, date) in days.into_iter().zip(dates) {
        let joins = out.last().is_some_and(|p| {
            p.day == d.day
                && p.counted == d.counted
                && p.seconds == d.seconds
                && last.and_then(|l| l.succ_opt()) == Some(*date)
        });
        if joins {
            let p = out.last_mut().expect("joins a previous entry");
            p.last_date = Some(d.date);
            p.last_weekday = d.weekday;
            p.run += 1;
        } else {
            out.push(d);
        }
        last = Some(*date);
    }
    out
}

/// The working time counted between start and stop.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Counted {
    /// From.
    pub from: Moment,
    /// To.
    pub to: Moment,
    /// Day by day.
    pub days: Vec<CountedDay>,
    /// More days than listed.
    pub truncated: bool,
}

/// A pause of the clock.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Pause {
    /// From.
    pub from: Moment,
    /// To.
    pub to: Moment,
    /// Calendar seconds.
    pub seconds: i64,
    /// Working seconds.
    pub working: i64,
}

/// The limit and how the due time follows from it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LimitTrace {
    /// `deadline_field` (the record's own due time), `working_days`, `working_days_duration`,
    /// `working`, `same_day` or `calendar`.
    pub kind: &'static str,
    /// The limit in words, in the explanation's language.
    pub text: String,
    /// The note that set a due time from the record (`deadline_field`).
    pub note: String,
    /// N of N working days.
    pub days: u32,
    /// The day the clock starts (`working_days`, `same_day`).
    pub first_day: String,
    /// One working day's length, and N of them (`working_days_duration`).
    pub day_seconds: i64,
    /// N × the day length.
    pub total_seconds: i64,
}

/// The comparison that decided.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Decision {
    /// The verdict.
    pub status: &'static str,
    /// Stopped.
    pub stop: Option<Moment>,
    /// Due.
    pub due: Option<Moment>,
    /// The evaluation instant.
    pub as_of: Moment,
    /// Calendar seconds late (breached, overdue).
    pub over: i64,
    /// Open past the warning threshold.
    pub warning: bool,
    /// Why not applicable or not evaluable.
    pub note: String,
}

/// A `when` condition that held.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Condition {
    /// The field or rule output.
    pub field: String,
    /// The accepted values.
    pub values: Vec<String>,
}

/// One target's clock on one complaint.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Clock {
    /// Target name.
    pub target: String,
    /// Its label.
    pub label: String,
    /// Its English label.
    pub label_en: String,
    /// Its preset.
    pub preset: String,
    /// The procedure it cites.
    pub source: Option<String>,
    /// Why it applies.
    pub applies: Vec<Condition>,
    /// The event that starts the clock, or …
    pub start_event: Option<String>,
    /// … the target whose stop starts it.
    pub start_after: Option<String>,
    /// When it started (none: the start never happened).
    pub start: Option<Moment>,
    /// The events that stop it.
    pub stop_events: Vec<String>,
    /// When it stopped.
    pub stop: Option<Moment>,
    /// `--as-of`.
    pub as_of: Moment,
    /// The target has a pause rule.
    pub pause_rule: bool,
    /// The pauses.
    pub pauses: Vec<Pause>,
    /// The limit (none when the clock never started).
    pub limit: Option<LimitTrace>,
    /// The calendar.
    pub calendar: String,
    /// Days walked for `N working days`.
    pub walk: Vec<WalkDay>,
    /// Due.
    pub due: Option<Moment>,
    /// `working` or `calendar`.
    pub basis: &'static str,
    /// Working time day by day (working-time limits).
    pub counted: Option<Counted>,
    /// Working seconds elapsed.
    pub elapsed_working: i64,
    /// Calendar seconds elapsed.
    pub elapsed_calendar: i64,
    /// Some time was paused.
    pub paused: bool,
    /// The limit in seconds of the basis.
    pub limit_seconds: i64,
    /// Years without holiday data the span touches.
    pub uncovered_years: Vec<i32>,
    /// The decision.
    pub decision: Decision,
}

/// The clock of verdict `v` of target `t`; `tl` is the complaint's timeline at `as_of`.
#[allow(clippy::too_many_arguments)]
pub fn clock(
    t: &Target,
    v: &Verdict,
    tl: &Timeline,
    cal: &Calendar,
    zone: &Zone,
    as_of: Ts,
    targets: &[Target],
    lang: Lang,
) -> Clock {
    let at = |x: Ts| Moment::at(zone, x);
    let (start_event, start_after) = match &t.start {
        Start::Event(e) => (Some(e.clone()), None),
        Start::After(j) => (None, Some(targets[*j].name.clone())),
    };
    let mut c = Clock {
        target: t.name.clone(),
        label: t.label.clone(),
        label_en: t.label_en.clone(),
        preset: t.preset.clone(),
        source: t.source.clone(),
        applies: t
            .when
            .iter()
            .map(|(f, vals)| Condition {
                field: f.clone(),
                values: vals.clone(),
            })
            .collect(),
        start_event,
        start_after,
        start: v.start.map(at),
        stop_events: t.stop.clone(),
        stop: v.stop.map(at),
        as_of: at(as_of),
        pause_rule: t.pause.is_some(),
        pauses: Vec::new(),
        limit: None,
        calendar: cal.name().to_owned(),
        walk: Vec::new(),
        due: v.due.map(at),
        basis: v.basis.name(),
        counted: None,
        elapsed_working: v.elapsed_work,
        elapsed_calendar: v.elapsed_cal,
        paused: v.paused > 0,
        limit_seconds: v.limit,
        uncovered_years: Vec::new(),
        decision: Decision {
            status: v.status.name(),
            stop: v.stop.map(at),
            due: v.due.map(at),
            as_of: at(as_of),
            over: v.over_cal,
            warning: v.warning,
            note: v.note.clone().unwrap_or_default(),
        },
    };
    let Some(start) = v.start else {
        return c;
    };
    let end = v.stop.unwrap_or(as_of).max(start);
    c.pauses = pauses(t, tl, start, end)
        .into_iter()
        .map(|(a, b)| Pause {
            from: at(a),
            to: at(b),
            seconds: b - a,
            working: cal.working_seconds_between(a, b),
        })
        .collect();
    let text = limit_text(t.limit.as_ref(), t.deadline_field.as_deref(), lang);
    let first_day = zone.local_date(start);
    let mut limit = LimitTrace {
        kind: "calendar",
        text,
        note: String::new(),
        days: 0,
        first_day: first_day.to_string(),
        day_seconds: cal.working_day_seconds(),
        total_seconds: 0,
    };
    match (&t.limit, v.note.as_deref()) {
        (_, Some(n)) if n.starts_with("due time from") => {
            limit.kind = "deadline_field";
            limit.note = n.to_owned();
        }
        (
            Some(Limit::WorkingDays {
                days,
                mode: WorkingDays::EndOfDay,
            }),
            _,
        ) => {
            limit.kind = "working_days";
            limit.days = *days;
            let due = v.due.unwrap_or(start);
            c.walk = working_day_walk(cal, first_day, zone.local_date(due));
        }
        (
            Some(Limit::WorkingDays {
                days,
                mode: WorkingDays::Duration,
            }),
            _,
        ) => {
            limit.kind = "working_days_duration";
            limit.days = *days;
            limit.total_seconds = i64::from(*days) * cal.working_day_seconds();
        }
        (Some(Limit::Working { .. }), _) => limit.kind = "working",
        (Some(Limit::SameDay), _) => limit.kind = "same_day",
        _ => {}
    }
    c.limit = Some(limit);
    if v.basis == Basis::Working {
        let span = cal.explain_span(start, end);
        let dates: Vec<NaiveDate> = span.days.iter().map(|d| d.info.date).collect();
        let days = span
            .days
            .iter()
            .map(|d| CountedDay {
                date: d.info.date.to_string(),
                weekday: d.info.date.weekday().num_days_from_monday() as u8,
                last_date: None,
                last_weekday: d.info.date.weekday().num_days_from_monday() as u8,
                run: 1,
                day: Day::of(&d.info.kind),
                counted: d
                    .counted
                    .iter()
                    .map(|(a, b)| [hm(zone, *a), hm(zone, *b)])
                    .collect(),
                seconds: d.seconds,
            })
            .collect();
        c.counted = Some(Counted {
            from: at(start),
            to: at(end),
            days: runs(days, &dates),
            truncated: span.truncated,
        });
    }
    c.uncovered_years = cal.uncovered_years(start, v.due.unwrap_or(end).max(end));
    c
}

fn hm(zone: &Zone, t: Ts) -> String {
    // `HH:MM` of the local time (the middle of `YYYY-MM-DD HH:MM:SS`).
    zone.format(t)[11..16].to_owned()
}

/// The days walked to find the end of the Nth working day: holidays and make-up days named.
fn working_day_walk(cal: &Calendar, first: NaiveDate, last: NaiveDate) -> Vec<WalkDay> {
    let mut out = Vec::new();
    let mut d = first.succ_opt().unwrap_or(first);
    let mut count = 0;
    let mut guard = 0;
    while d <= last && guard < 400 {
        let info = cal.day_info(d);
        let working = info.is_working_day();
        if working {
            count += 1;
        }
        out.push(WalkDay {
            date: d.to_string(),
            weekday: d.weekday().num_days_from_monday() as u8,
            day: Day::of(&info.kind),
            working,
            count: if working { count } else { 0 },
        });
        d = d.succ_opt().unwrap_or(d);
        guard += 1;
    }
    out
}
