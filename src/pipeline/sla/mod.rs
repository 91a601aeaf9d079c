//! Stage 4, sla: [`Classified`] complaints → [`Assessed`] (a verdict per complaint and
//! applicable target at `--as-of`).
//!
//! - Input: classified complaints, the active [`TargetSet`], the calendars, optionally the
//!   event log (pauses, reopenings, level changes).
//! - Output: for each complaint, one [`Verdict`] per target whose `when` matches it.
//! - Failure policy: nothing here rejects a row. A verdict that cannot be computed is
//!   `not_evaluable` with a note saying why (no start event, a stop before the start, an
//!   unreadable deadline field). A computation on a year the holiday table does not cover is
//!   recorded and warned about loudly.
//!
//! The boundary rules, stated in `docs/SLA.md` and tested: a stop at or before the due time is
//! met; with no stop, a target is overdue once `as_of >= due`; events after `as_of` have not
//! happened yet; a chained target whose start never happened is `not_applicable`.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use serde::Serialize;

use crate::calendar::Calendar;
use crate::model::{Complaint, Dictionaries, Field, Stage};
use crate::pipeline::rules::classify::{Classified, RuleValue};
use crate::pipeline::rules::presets::limit::{Limit, WorkingDays};
use crate::pipeline::rules::presets::targets::{Policy, Start, Target, TargetSet};
use crate::pipeline::rules::presets::{EVENT_CONDITION, happened};
use crate::pipeline::rules::{CalendarId, RuleSet};
use crate::time::{Ts, Zone};

/// A verdict's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Stopped at or before the due time.
    Met,
    /// Stopped after the due time.
    Breached,
    /// Not stopped, not yet due.
    Open,
    /// Not stopped and past due.
    Overdue,
    /// The target's start never happened (a chained target).
    NotApplicable,
    /// Cannot be judged from the data (see the note).
    NotEvaluable,
}

impl Status {
    /// Every status, in report order.
    pub const ALL: [Status; 6] = [
        Status::Met,
        Status::Breached,
        Status::Open,
        Status::Overdue,
        Status::NotApplicable,
        Status::NotEvaluable,
    ];

    /// The snake-case name used in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Breached => "breached",
            Status::Open => "open",
            Status::Overdue => "overdue",
            Status::NotApplicable => "not_applicable",
            Status::NotEvaluable => "not_evaluable",
        }
    }
}

/// How a target's limit is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Real elapsed time.
    Calendar,
    /// Working time on the calendar.
    Working,
}

impl Basis {
    /// Output name.
    pub fn name(self) -> &'static str {
        match self {
            Basis::Calendar => "calendar",
            Basis::Working => "working",
        }
    }
}

/// One complaint's verdict on one target. Durations are seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Index into the target set.
    pub target: u16,
    /// The verdict.
    pub status: Status,
    /// The calendar used for working time.
    pub calendar: CalendarId,
    /// Measured in calendar or working time.
    pub basis: Basis,
    /// When the clock started.
    pub start: Option<Ts>,
    /// When it is due.
    pub due: Option<Ts>,
    /// When it stopped (at or before `as_of`).
    pub stop: Option<Ts>,
    /// Working seconds elapsed (to the stop, else to `as_of`), pauses excluded.
    pub elapsed_work: i64,
    /// Calendar seconds elapsed, pauses excluded.
    pub elapsed_cal: i64,
    /// The limit in the basis (for `N working days`, the working time from start to due).
    pub limit: i64,
    /// Calendar seconds past due (0 unless breached or overdue).
    pub over_cal: i64,
    /// Working seconds past due.
    pub over_work: i64,
    /// Elapsed as a share of the limit, in percent.
    pub pct_used: Option<f64>,
    /// Open and past the warning fraction.
    pub warning: bool,
    /// Calendar seconds paused.
    pub paused: i64,
    /// Why a verdict is `not_applicable` or `not_evaluable`, or which deadline field set the due.
    pub note: Option<String>,
}

/// An event on a complaint's timeline (its type and time only). The name is borrowed from
/// the stage names or the event log's texts: a timeline per complaint that cloned each event's
/// shared name bounced the name's reference count between the cores, which with the drops was
/// half of the SLA stage on a 1 M run with an event log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedEvent<'a> {
    /// Canonical event name.
    pub name: &'a str,
    /// When.
    pub at: Ts,
}

/// What happened to one complaint up to `as_of`, in time order: its stage timestamps, plus
/// any event-log entries.
#[derive(Debug, Clone, Default)]
pub struct Timeline<'a>(pub Vec<TimedEvent<'a>>);

/// `v` emptied, as a vector of events of any lifetime: an empty vector holds no borrow, so
/// only its allocation is carried over.
fn reuse<'b>(mut v: Vec<TimedEvent<'_>>) -> Vec<TimedEvent<'b>> {
    v.clear();
    v.into_iter()
        .map(|_| unreachable!("the vector is empty"))
        .collect()
}

impl<'a> Timeline<'a> {
    /// The stage timestamps of a snapshot export, plus logged events, up to `as_of`.
    pub fn new(
        c: &Complaint,
        logged: crate::pipeline::events::Events<'a>,
        as_of: Ts,
    ) -> Timeline<'a> {
        Timeline::new_in(Vec::new(), c, logged, as_of)
    }

    /// [`Timeline::new`] in `room` (emptied first): the SLA stage builds one timeline per
    /// complaint, and reusing one vector per task saves an allocation and a free each.
    pub fn new_in(
        room: Vec<TimedEvent<'_>>,
        c: &Complaint,
        logged: crate::pipeline::events::Events<'a>,
        as_of: Ts,
    ) -> Timeline<'a> {
        let mut v = reuse(room);
        v.extend(
            Stage::ALL
                .iter()
                .filter_map(|s| {
                    c.time(*s).map(|t| TimedEvent {
                        name: s.name(),
                        at: t,
                    })
                })
                .chain(logged.iter().map(|e| TimedEvent {
                    name: e.kind().as_str(),
                    at: e.at,
                }))
                .filter(|e| e.at <= as_of),
        );
        v.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.name.cmp(b.name)));
        Timeline(v)
    }

    /// The timeline's vector, emptied, for [`Timeline::new_in`].
    pub fn into_room(self) -> Vec<TimedEvent<'static>> {
        reuse(self.0)
    }

    /// The first time `name` happened at or after `from`.
    pub fn first(&self, name: &str, from: Ts) -> Option<Ts> {
        self.0
            .iter()
            .find(|e| e.at >= from && e.name == name)
            .map(|e| e.at)
    }

    /// The first time any of `names` happened at or after `from`.
    pub fn first_of(&self, names: &[String], from: Ts) -> Option<(Ts, &'a str)> {
        self.0
            .iter()
            .find(|e| e.at >= from && names.iter().any(|n| e.name == n.as_str()))
            .map(|e| (e.at, e.name))
    }

    /// Every time `name` happened.
    pub fn all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = Ts> + 's {
        self.0.iter().filter(move |e| e.name == name).map(|e| e.at)
    }
}

/// What the stage needs besides the complaints.
pub struct SlaOptions<'a> {
    /// Zone (for "same day").
    pub zone: &'a Zone,
    /// Evaluation instant.
    pub as_of: Ts,
    /// Calendar per project.
    pub project_calendars: &'a crate::config::ProjectCalendars,
    /// The run's dictionaries (the complaints' coded fields).
    pub dicts: &'a Dictionaries,
    /// The events of the complaints assessed, if an event log was read.
    pub events: Option<&'a crate::pipeline::events::EventWindow<'a>>,
}

/// Evaluates every applicable target for the complaints in `range`, in parallel: their
/// verdicts (aligned with the range) and the calendar years touched that have no holiday data.
/// `fields` is the run's [`TargetFields::of`].
pub fn assess_range(
    rules: &RuleSet,
    classified: &Classified,
    fields: &TargetFields<'_>,
    range: std::ops::Range<usize>,
    opts: &SlaOptions<'_>,
) -> (Vec<Vec<Verdict>>, BTreeSet<(String, i32)>) {
    let set = &rules.targets;
    let uncovered = Mutex::new(BTreeSet::new());
    let verdicts: Vec<Vec<Verdict>> = range
        .into_par_iter()
        .map_init(Vec::new, |room, i| {
            let c = &classified.complaints[i];
            let logged = opts
                .events
                .map_or(crate::pipeline::events::Events::empty(), |log| log.at(i));
            let tl = Timeline::new_in(std::mem::take(room), c, logged, opts.as_of);
            let mut found = Vec::new();
            let vs = assess(
                rules,
                set,
                fields,
                c,
                &classified.values[i],
                &tl,
                opts,
                &mut found,
            );
            if !found.is_empty() {
                uncovered.lock().expect("lock").extend(found);
            }
            *room = tl.into_room();
            vs
        })
        .collect();
    (verdicts, uncovered.into_inner().expect("lock"))
}

/// A complaint's verdict on target `target` (its verdicts are in target order, at most one
/// each; a target that does not apply has none).
pub fn verdict_for(verdicts: &[Verdict], target: usize) -> Option<&Verdict> {
    verdicts.iter().find(|v| v.target as usize == target)
}

/// Where a field named by a rule (a `when` condition, a deadline field) is read from: a rule
/// output, a canonical field or a carried-through column, in that order. Decided once for the
/// run ([`FieldSource::resolve`], [`TargetFields::of`]): finding it by name, per complaint,
/// condition and target or duty, compared the name with every rule output's, and those
/// comparisons were most of what the conditions cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldSource {
    /// The rule output of this column.
    Output(usize),
    /// A canonical field.
    Field(crate::model::Field),
    /// The carried-through column of this index.
    Extra(usize),
    /// Nothing of that name: always absent.
    Missing,
}

impl FieldSource {
    /// The source of `name` among the rule outputs (`columns`), the canonical fields and the
    /// carried-through columns.
    pub fn resolve(
        name: &str,
        columns: &[String],
        extras: &crate::model::ExtraColumns,
    ) -> FieldSource {
        if let Some(i) = columns.iter().position(|k| k == name) {
            FieldSource::Output(i)
        } else if let Some(f) = crate::model::Field::from_name(name) {
            FieldSource::Field(f)
        } else {
            extras
                .index(name)
                .map_or(FieldSource::Missing, FieldSource::Extra)
        }
    }

    /// The complaint's value as text (`values`: its rule outputs); `None` when absent.
    pub fn text<'a>(
        self,
        c: &'a Complaint,
        dicts: &'a Dictionaries,
        values: &'a [RuleValue],
        zone: &Zone,
    ) -> Option<Cow<'a, str>> {
        // Borrowed where the value is text already: conditions are tested per complaint and
        // per target or duty, millions of times, and almost all of them on text fields.
        match self {
            FieldSource::Output(i) => match &values[i] {
                RuleValue::Absent => None,
                RuleValue::Str(s) => Some(Cow::Borrowed(s.as_str())),
                v => Some(Cow::Owned(v.text(zone))),
            },
            // Not the free text: it is not in the row (and not a condition, see presets).
            FieldSource::Field(f) => match c.get_unless_text(f, dicts) {
                crate::model::FieldValue::Absent => None,
                crate::model::FieldValue::Str(s) => Some(Cow::Borrowed(s)),
                crate::model::FieldValue::Ts(t) => Some(Cow::Owned(zone.format(t))),
                crate::model::FieldValue::Num(n) => Some(Cow::Owned(format!("{n}"))),
            },
            FieldSource::Extra(i) => c
                .extra
                .get(i)
                .copied()
                .flatten()
                .map(|v| Cow::Borrowed(dicts.extra(i).get(v))),
            FieldSource::Missing => None,
        }
    }
}

/// A `when` condition's left-hand side, resolved.
#[derive(Debug, Clone, Copy)]
enum WhenKey<'r> {
    /// `event:<type>`: `happened` when the timeline shows it.
    Event(&'r str),
    /// A field or rule output.
    Field(FieldSource),
}

/// The fields each target of a set reads (its `when` conditions and its deadline field),
/// resolved once per run ([`TargetFields::of`]), not per complaint: the names depend only on
/// the rules and the classified table's columns.
pub struct TargetFields<'r> {
    /// Per target: each condition's key and accepted values.
    when: Vec<Vec<(WhenKey<'r>, &'r [String])>>,
    /// Per target: its deadline field's name and source.
    deadline: Vec<Option<(&'r String, FieldSource)>>,
}

impl<'r> TargetFields<'r> {
    /// The fields of the rule set's targets, among `classified`'s columns.
    pub fn of(rules: &'r RuleSet, classified: &Classified) -> TargetFields<'r> {
        TargetFields::resolve(
            &rules.targets.targets,
            &classified.columns,
            &classified.extras,
        )
    }

    fn resolve(
        targets: &'r [Target],
        columns: &[String],
        extras: &crate::model::ExtraColumns,
    ) -> TargetFields<'r> {
        TargetFields {
            when: targets
                .iter()
                .map(|t| {
                    t.when
                        .iter()
                        .map(|(field, allowed)| {
                            let key = match field.strip_prefix(EVENT_CONDITION) {
                                Some(kind) => WhenKey::Event(kind),
                                None => {
                                    WhenKey::Field(FieldSource::resolve(field, columns, extras))
                                }
                            };
                            (key, allowed.as_slice())
                        })
                        .collect()
                })
                .collect(),
            deadline: targets
                .iter()
                .map(|t| {
                    t.deadline_field
                        .as_ref()
                        .map(|f| (f, FieldSource::resolve(f, columns, extras)))
                })
                .collect(),
        }
    }

    /// True when target `i` applies to the complaint: every `when` condition holds. A field or
    /// output must equal one of the values; an `event:<type>` key is `happened` when the
    /// timeline shows that event (by `--as-of`), else `not_happened`.
    fn applies(
        &self,
        i: usize,
        c: &Complaint,
        dicts: &Dictionaries,
        values: &[RuleValue],
        tl: &Timeline,
        zone: &Zone,
    ) -> bool {
        self.when[i].iter().all(|(key, allowed)| {
            let v = match key {
                WhenKey::Event(kind) => Some(Cow::Borrowed(happened(
                    tl.0.iter().any(|e| e.name == *kind),
                ))),
                WhenKey::Field(source) => source.text(c, dicts, values, zone),
            };
            v.is_some_and(|v| allowed.iter().any(|a| *a == v))
        })
    }
}

/// The calendar for a complaint: `chosen` (a target's own), else the project's, else the
/// run's default.
pub fn calendar_for<'a>(
    rules: &'a RuleSet,
    chosen: Option<&str>,
    c: &Complaint,
    dicts: &Dictionaries,
    project_calendars: &crate::config::ProjectCalendars,
) -> (&'a Arc<Calendar>, CalendarId) {
    let name = chosen.or_else(|| {
        // No map lookup for a run without project calendars (nearly every run).
        if project_calendars.is_empty() {
            return None;
        }
        c.coded(Field::Project, dicts)
            .and_then(|p| project_calendars.get(p).map(|n| n.get_ref().as_str()))
    });
    name.and_then(|n| rules.find_calendar(n))
        .unwrap_or_else(|| rules.default_calendar())
}

#[allow(clippy::too_many_arguments)]
fn assess(
    rules: &RuleSet,
    set: &TargetSet,
    fields: &TargetFields<'_>,
    c: &Complaint,
    values: &[RuleValue],
    tl: &Timeline,
    opts: &SlaOptions<'_>,
    uncovered: &mut Vec<(String, i32)>,
) -> Vec<Verdict> {
    let mut out: Vec<Verdict> = Vec::with_capacity(set.targets.len());
    // Stop instants by target index, for chained targets: on the stack for a usual target set
    // (an allocation per complaint otherwise).
    let mut on_stack = [None; 16];
    let mut on_heap = Vec::new();
    let stops: &mut [Option<Ts>] = match on_stack.get_mut(..set.targets.len()) {
        Some(s) => s,
        None => {
            on_heap.resize(set.targets.len(), None);
            &mut on_heap
        }
    };
    // The complaint's own calendar (its project's, else the run's), looked up once for every
    // target that does not name one.
    let mut home: Option<(&Arc<Calendar>, CalendarId)> = None;
    for (i, t) in set.targets.iter().enumerate() {
        if !fields.applies(i, c, opts.dicts, values, tl, opts.zone) {
            continue;
        }
        let (cal, cal_name) = match t.calendar.as_deref() {
            Some(own) => calendar_for(rules, Some(own), c, opts.dicts, opts.project_calendars),
            None => *home.get_or_insert_with(|| {
                calendar_for(rules, None, c, opts.dicts, opts.project_calendars)
            }),
        };
        let deadline = fields.deadline[i].map(|(f, source)| {
            source
                .text(c, opts.dicts, values, opts.zone)
                .map(|s| (f.clone(), s.into_owned()))
        });
        let chained_start = match t.start {
            Start::After(j) => Some(stops[j]),
            Start::Event(_) => None,
        };
        let v = evaluate(
            i,
            t,
            tl,
            chained_start,
            cal,
            cal_name,
            deadline.flatten(),
            opts.zone,
            opts.as_of,
        );
        if let (Some(s), Some(end)) = (v.start, v.due.max(v.stop).or(Some(opts.as_of))) {
            for y in cal.uncovered_years(s, end.max(s)) {
                uncovered.push((cal.name().to_owned(), y));
            }
        }
        stops[i] = v.stop;
        out.push(v);
    }
    out
}

/// Pause intervals within `[from, to)`: each pause event to the next resume (or `to`).
pub fn pauses(t: &Target, tl: &Timeline, from: Ts, to: Ts) -> Vec<(Ts, Ts)> {
    let (Some(p), Some(r)) = (&t.pause, &t.resume) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut open: Option<Ts> = None;
    for e in &tl.0 {
        if e.name == p.as_str() && open.is_none() {
            open = Some(e.at);
        } else if e.name == r.as_str()
            && let Some(s) = open.take()
        {
            out.push((s, e.at));
        }
    }
    if let Some(s) = open {
        out.push((s, to));
    }
    out.into_iter()
        .map(|(a, b)| (a.max(from), b.min(to)))
        .filter(|(a, b)| b > a)
        .collect()
}

/// The verdict of one target on one complaint. Also used by `explain`.
#[allow(clippy::too_many_arguments)]
pub fn evaluate(
    index: usize,
    t: &Target,
    tl: &Timeline,
    chained_start: Option<Option<Ts>>,
    cal: &Calendar,
    cal_id: CalendarId,
    deadline: Option<(String, String)>,
    zone: &Zone,
    as_of: Ts,
) -> Verdict {
    let mut v = Verdict {
        target: u16::try_from(index).unwrap_or(u16::MAX),
        status: Status::NotEvaluable,
        calendar: cal_id,
        basis: match t.limit {
            Some(Limit::Working { .. } | Limit::WorkingDays { .. })
                if t.deadline_field.is_none() || deadline.is_none() =>
            {
                Basis::Working
            }
            _ => Basis::Calendar,
        },
        start: None,
        due: None,
        stop: None,
        elapsed_work: 0,
        elapsed_cal: 0,
        limit: 0,
        over_cal: 0,
        over_work: 0,
        pct_used: None,
        warning: false,
        paused: 0,
        note: None,
    };
    // 1. Start.
    // The start's name is only for the notes: borrowed, not a string per verdict.
    let (start_name, mut start) = match (&t.start, chained_start) {
        (Start::After(_), Some(s)) => ("after", s),
        (Start::Event(e), _) => (e.as_str(), tl.first(e, i64::MIN)),
        (Start::After(_), None) => ("after", None),
    };
    let chained = !t.starts_at_receipt();
    let chained_by_after = matches!(t.start, Start::After(_));
    let Some(mut s) = start else {
        let stop_seen = tl.first_of(&t.stop, i64::MIN).is_some();
        if chained && !stop_seen {
            v.status = Status::NotApplicable;
            v.note = Some(format!(
                "the clock's start (`{start_name}`) has not happened"
            ));
        } else {
            v.note = Some(format!("no `{start_name}` time to start the clock"));
        }
        return v;
    };
    let original_start = s;
    // Policies: a level change or reopening may restart the clock.
    if t.on_level_change == Policy::Restart
        && let Some(lc) = tl.all("level_changed").filter(|x| *x > s).last()
    {
        s = lc;
    }
    let reopened: Option<Ts> = tl.all("reopened").filter(|x| *x > s).last();
    if t.on_reopen == Policy::Restart
        && let Some(r) = reopened
    {
        s = r;
    }
    start = Some(s);
    v.start = start;
    // 2. Stop: the first stop event at or after the start; with `keep`, a stop that was
    // followed by a reopening does not count.
    let stop_from = match (t.on_reopen, reopened) {
        (Policy::Keep, Some(r)) => r,
        _ => s,
    };
    let stop = tl.first_of(&t.stop, stop_from);
    // A stop only before an event start is a data error (a 回访 before the resolution). A
    // chained clock starts where another one stopped, possibly in a later cycle of the
    // complaint: the stop of an earlier cycle (the first 回访, before the repeated one) is not.
    if stop.is_none()
        && !chained_by_after
        && let Some(early) =
            tl.0.iter()
                .find(|e| e.at < original_start && t.stop.iter().any(|n| e.name == n.as_str()))
    {
        v.note = Some(format!(
            "`{}` ({}) is before the clock's start ({}); check the data",
            early.name,
            zone.format(early.at),
            zone.format(original_start)
        ));
        return v;
    }
    v.stop = stop.map(|x| x.0);
    let end = v.stop.unwrap_or(as_of).max(s);
    // 3. Pauses (to the stop, or to as_of while still open).
    let ps = pauses(t, tl, s, end);
    let paused_cal: i64 = ps.iter().map(|(a, b)| b - a).sum();
    let paused_work: i64 = ps
        .iter()
        .map(|(a, b)| cal.working_seconds_between(*a, *b))
        .sum();
    v.paused = paused_cal;
    // 4. Due.
    let due = match &deadline {
        Some((field, text)) => match crate::time::parse_due_time(text, zone) {
            Ok(d) => {
                v.note = Some(format!("due time from `{field}`"));
                v.limit = d - s;
                d + paused_cal
            }
            Err(_) => {
                v.note = Some(format!("`{field}` = `{text}` is not a timestamp"));
                return v;
            }
        },
        None => match &t.limit {
            None => {
                v.note = Some(format!(
                    "no limit and no `{}`",
                    t.deadline_field.as_deref().unwrap_or("deadline")
                ));
                return v;
            }
            Some(Limit::Calendar { secs }) => {
                v.limit = *secs;
                extend_calendar(s + secs, &ps)
            }
            Some(Limit::SameDay) => {
                let date = zone.local_date(s);
                let next = date
                    .succ_opt()
                    .expect("date")
                    .and_hms_opt(0, 0, 0)
                    .expect("midnight");
                let d = zone.to_instant(next).unwrap_or(s + 86_400);
                v.limit = d - s;
                extend_calendar(d, &ps)
            }
            Some(Limit::Working { secs }) => {
                v.limit = *secs;
                extend_working(cal, s, *secs, &ps)
            }
            Some(Limit::WorkingDays {
                days,
                mode: WorkingDays::Duration,
            }) => {
                let secs = i64::from(*days) * cal.working_day_seconds();
                v.limit = secs;
                extend_working(cal, s, secs, &ps)
            }
            Some(Limit::WorkingDays {
                days,
                mode: WorkingDays::EndOfDay,
            }) => {
                let d = cal.end_of_nth_working_day_after(s, *days);
                v.limit = cal.working_seconds_between(s, d);
                if paused_work > 0 {
                    cal.add_working(d, paused_work)
                } else {
                    d
                }
            }
        },
    };
    v.due = Some(due);
    // 5. Elapsed and verdict.
    v.elapsed_cal = end - s - paused_cal;
    v.elapsed_work = cal.working_seconds_between(s, end) - paused_work;
    let (elapsed, limit) = match v.basis {
        Basis::Calendar => (v.elapsed_cal, v.limit),
        Basis::Working => (v.elapsed_work, v.limit),
    };
    v.pct_used = (limit > 0).then(|| (elapsed as f64) * 100.0 / (limit as f64));
    v.status = match v.stop {
        Some(stop) if stop <= due => Status::Met,
        Some(_) => Status::Breached,
        None if as_of >= due => Status::Overdue,
        None => Status::Open,
    };
    if matches!(v.status, Status::Breached | Status::Overdue) {
        v.over_cal = (end - due).max(0);
        v.over_work = cal.working_seconds_between(due, end);
    }
    if v.status == Status::Open
        && let (Some(w), Some(p)) = (t.warn_at, v.pct_used)
    {
        v.warning = p >= w * 100.0;
    }
    v
}

/// Calendar due time pushed back by the pauses that begin before it.
fn extend_calendar(mut due: Ts, ps: &[(Ts, Ts)]) -> Ts {
    for (a, b) in ps {
        if *a < due {
            due += b - a;
        }
    }
    due
}

/// Working due time with the working time paused added to the budget.
fn extend_working(cal: &Calendar, start: Ts, secs: i64, ps: &[(Ts, Ts)]) -> Ts {
    let mut budget = secs;
    let mut due = cal.add_working(start, budget);
    for (a, b) in ps {
        if *a < due {
            budget += cal.working_seconds_between(*a, *b);
            due = cal.add_working(start, budget);
        }
    }
    due
}

#[cfg(test)]
mod tests;
