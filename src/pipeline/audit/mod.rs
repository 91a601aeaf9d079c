//! Stage 5, audit: did people do what the procedure says, and when? [`Assessed`] complaints
//! and the [`EventLog`] → [`Audited`] findings, one per complaint and applicable duty, plus
//! team-level findings keyed by team and month.
//!
//! - Input: assessed complaints (rule outputs and SLA verdicts), the event log (real, or derived
//!   from the export's timestamps), the roster, the duties of `rules/duties/`.
//! - Output: findings with the trigger, the deadline, the discharging event, who acted, a
//!   status (`compliant`, `late`, `missing`, `pending`, `not_applicable`, `not_auditable`) and
//!   the evidence as `file:line` references.
//! - Failure policy: nothing here rejects data. A duty whose action a snapshot export cannot
//!   show (escalations, second handling, look-backs, ...) is `not_auditable`, plainly.
//!
//! An action by the wrong role does not discharge a duty: the finding stays `missing` (or
//! `late` if the right role acted later) and its note names what was done instead.

pub mod roster;
mod team;

pub use self::team::{TeamMarks, team_findings};

use std::borrow::Cow;

use rayon::prelude::*;
use serde::Serialize;

use self::roster::Roster;
use crate::model::{Complaint, Dictionaries, Field, Id, Origin, Str};
use crate::pipeline::events::{EventRef, EventWindow, Events, OwnedEvents};
use crate::pipeline::rules::RuleSet;
use crate::pipeline::rules::classify::Classified;
use crate::pipeline::rules::classify::RuleValue;
use crate::pipeline::rules::presets::duties::{Condition, Deadline, Duty, Point};
use crate::pipeline::rules::presets::limit::{Limit, WorkingDays, limit_text};
use crate::pipeline::rules::presets::{EVENT_CONDITION, happened};
use crate::pipeline::sla::{FieldSource, Verdict, verdict_for};
use crate::time::{Ts, Zone};

/// Event types a snapshot export's timestamp columns can show.
pub const SNAPSHOT_EVENTS: &[&str] = &[
    "registered",
    "received",
    "acknowledged",
    "dispatched",
    "on_site",
    "resolved",
    "replied",
    "follow_up",
    "closed",
];

/// A finding's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditStatus {
    /// Done, by the right role, in time.
    Compliant,
    /// Done by the right role, after the deadline.
    Late,
    /// Not done by the right role, and the deadline has passed.
    Missing,
    /// Not done yet, not yet due at `as_of`.
    Pending,
    /// The duty's trigger has not happened.
    NotApplicable,
    /// The data cannot show it (a snapshot export without an event log).
    NotAuditable,
}

impl AuditStatus {
    /// Every status, in report order.
    pub const ALL: [AuditStatus; 6] = [
        AuditStatus::Compliant,
        AuditStatus::Late,
        AuditStatus::Missing,
        AuditStatus::Pending,
        AuditStatus::NotApplicable,
        AuditStatus::NotAuditable,
    ];

    /// Output name.
    pub fn name(self) -> &'static str {
        match self {
            AuditStatus::Compliant => "compliant",
            AuditStatus::Late => "late",
            AuditStatus::Missing => "missing",
            AuditStatus::Pending => "pending",
            AuditStatus::NotApplicable => "not_applicable",
            AuditStatus::NotAuditable => "not_auditable",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditFinding {
    /// Index of the complaint (complaint duties), else `None`.
    pub complaint: Option<u32>,
    // The short texts below are inline strings (up to 23 bytes in place): a 1 M-complaint run
    // has millions of findings, and four allocations each were a good part of the stage.
    /// Complaint ID (empty for team duties).
    #[serde(serialize_with = "text")]
    pub complaint_id: Id,
    /// Team.
    #[serde(serialize_with = "text")]
    pub team: Id,
    /// `YYYY-MM` of receipt.
    #[serde(serialize_with = "text")]
    pub month: Id,
    /// Duty name.
    #[serde(serialize_with = "text")]
    pub duty: Id,
    /// True for team duties.
    pub team_level: bool,
    /// When the duty arose.
    pub triggered_at: Option<Ts>,
    /// By when it had to be done.
    pub required_by: Option<Ts>,
    /// When it was done (by the right role).
    pub done_at: Option<Ts>,
    /// Who did it.
    pub actor: Option<Str>,
    /// Their role.
    pub actor_role: Option<Str>,
    /// Verdict.
    pub status: AuditStatus,
    /// Events behind the finding.
    pub evidence: Vec<Origin>,
    /// What the auditor should know (wrong role, deadline arithmetic).
    pub note: String,
}

/// [`crate::time::month_key`] as an inline string (no allocation): the `YYYY-MM` that starts
/// the time's text.
fn month_id(zone: &Zone, t: Ts) -> Id {
    Id::from(std::str::from_utf8(&zone.ts_bytes(t)[..7]).expect("ASCII digits"))
}

/// An inline string serialized as the text it holds.
fn text<S: serde::Serializer>(s: &Id, ser: S) -> std::result::Result<S::Ok, S::Error> {
    ser.serialize_str(s)
}

impl AuditFinding {
    /// Records `e` as the action that discharged the duty: compliant by `required`, late
    /// after it.
    fn discharged_by(&mut self, e: EventRef<'_>, required: Ts, roster: Option<&Roster>) {
        self.evidence.push(e.origin);
        self.done_at = Some(e.at);
        self.actor = e.actor().cloned();
        self.actor_role = role_of(e, roster).map(Str::from);
        self.status = if e.at <= required {
            AuditStatus::Compliant
        } else {
            AuditStatus::Late
        };
    }
}

/// What the stage needs.
pub struct AuditOptions<'a> {
    /// Zone.
    pub zone: &'a Zone,
    /// Evaluation instant.
    pub as_of: Ts,
    /// Calendar per project.
    pub project_calendars: &'a crate::config::ProjectCalendars,
    /// Roster, if any.
    pub roster: Option<&'a Roster>,
}

/// The complaint duties of the complaints in `range` (`verdicts` aligned with it), in
/// complaint order.
/// `plans` is the run's [`DutyPlans::of`].
pub fn complaint_findings(
    rules: &RuleSet,
    cls: &Classified,
    plans: &DutyPlans<'_>,
    range: std::ops::Range<usize>,
    verdicts: &[Vec<Verdict>],
    log: &EventWindow<'_>,
    opts: &AuditOptions<'_>,
) -> Vec<AuditFinding> {
    let set = &rules.duties;
    // A project without complaint duties (the benchmark kit's) would still build and merge
    // every complaint's events only to drop them: a quarter of a second at a million.
    if set.duties.is_empty() {
        return Vec::new();
    }
    let first = range.start;
    range
        .into_par_iter()
        .map_init(OwnedEvents::default, |derived, i| {
            let c = &cls.complaints[i];
            derived.snapshot_of(c, &cls.dicts);
            // What the data show by `--as-of`, gathered once for every duty of the complaint.
            let mut events = merged_events(log.at(i), derived.events(), log.logged);
            events.retain(|e| e.at <= opts.as_of);
            let (cal, _) = crate::pipeline::sla::calendar_for(
                rules,
                None,
                c,
                &cls.dicts,
                opts.project_calendars,
            );
            let verdicts = &verdicts[i - first];
            set.duties
                .iter()
                .zip(&plans.0)
                .filter(|(_, plan)| {
                    plan.when.iter().all(|w| {
                        w.holds(c, &cls.dicts, &cls.values[i], verdicts, &events, opts.zone)
                    })
                })
                .map(|(d, plan)| {
                    complaint_duty(
                        d, plan, i, c, &cls.dicts, verdicts, &events, cal, log.logged, opts,
                    )
                })
                .collect::<Vec<_>>()
        })
        .flat_map_iter(|found| found)
        .collect()
}

/// The complaint's events: the log's, plus the export's stage timestamps (`derived`, from
/// [`OwnedEvents::snapshot_of`]) for event types the log does not show, in
/// time order. Without a log the derived events are all there is.
fn merged_events<'a>(
    logged: Events<'a>,
    derived: Events<'a>,
    is_logged: bool,
) -> Vec<EventRef<'a>> {
    let mut v: Vec<EventRef<'a>> = logged.iter().collect();
    if is_logged {
        v.extend(
            derived
                .iter()
                .filter(|e| !logged.iter().any(|l| l.kind() == e.kind())),
        );
    } else if v.is_empty() {
        v.extend(derived);
    }
    v.sort_by(|a, b| a.at.cmp(&b.at).then(a.origin.cmp(&b.origin)));
    v
}

/// Event-type match; `received` and `registered` name the same moment (the export's receipt
/// time, the log's 登记).
fn kind_is(kind: &str, wanted: &str) -> bool {
    kind == wanted
        || matches!(
            (kind, wanted),
            ("registered", "received") | ("received", "registered")
        )
}

/// The complaint duties of a rule set, each with the names it reads resolved once per run
/// ([`DutyPlans::of`]), not per complaint.
pub struct DutyPlans<'r>(Vec<DutyPlan<'r>>);

impl<'r> DutyPlans<'r> {
    /// The plans of the rule set's duties, among `cls`'s columns.
    pub fn of(rules: &'r RuleSet, cls: &Classified) -> DutyPlans<'r> {
        DutyPlans(
            rules
                .duties
                .duties
                .iter()
                .map(|d| DutyPlan::new(d, rules, cls))
                .collect(),
        )
    }
}

/// A duty with the names it reads resolved: its `when` conditions, and the targets whose due
/// times trigger it or set its deadline.
struct DutyPlan<'r> {
    when: Vec<Resolved<'r>>,
    /// `deadline = "<limit>"` as the notes write it (the same for every complaint).
    limit_text: Option<String>,
    /// `trigger = { due_of = … }`: the target's index (`None`: no such target).
    trigger_due_of: Option<usize>,
    /// `deadline = { due_of = … }`: the target's index.
    deadline_due_of: Option<usize>,
}

impl<'r> DutyPlan<'r> {
    fn new(d: &'r Duty, rules: &RuleSet, cls: &Classified) -> DutyPlan<'r> {
        DutyPlan {
            when: d
                .when
                .iter()
                .map(|w| Resolved::new(w, rules, cls))
                .collect(),
            limit_text: match &d.deadline {
                Deadline::Limit(l) => Some(limit_text(Some(l), None, crate::config::Lang::En)),
                Deadline::DueOf(_) => None,
            },
            trigger_due_of: match &d.trigger {
                Point::DueOf(t) => rules.targets.index(t),
                Point::Events(_) => None,
            },
            deadline_due_of: match &d.deadline {
                Deadline::DueOf(t) => rules.targets.index(t),
                Deadline::Limit(_) => None,
            },
        }
    }
}

/// What set a duty off, as its notes describe it.
#[derive(Clone, Copy)]
enum Trigger<'a> {
    /// An event of this kind, at this time.
    Event(&'a str, Ts),
    /// The due time of this target.
    DueOf(&'a str, Ts),
}

impl Trigger<'_> {
    /// Appends `` `escalated` at 2026-10-01 08:30:00 `` or `` the due time of `t` (…) ``.
    fn push(self, out: &mut String, zone: &Zone) {
        match self {
            Trigger::Event(kind, at) => {
                out.push('`');
                out.push_str(kind);
                out.push_str("` at ");
                zone.push_ts(at, out);
            }
            Trigger::DueOf(target, due) => {
                out.push_str("the due time of `");
                out.push_str(target);
                out.push_str("` (");
                zone.push_ts(due, out);
                out.push(')');
            }
        }
    }

    fn text(self, zone: &Zone) -> String {
        let mut out = String::new();
        self.push(&mut out, zone);
        out
    }
}

/// An `event:<kind>` condition's value: `happened` when one of the events is of that kind.
fn event_value(kind: &str, events: &[EventRef<'_>]) -> &'static str {
    happened(events.iter().any(|e| kind_is(e.kind(), kind)))
}

/// A duty's `when` condition with its field resolved once per chunk of complaints
/// ([`FieldSource`]), not by name per complaint.
enum Resolved<'r> {
    /// The field, output, verdict status or event equals one of the values.
    OneOf(Key<'r>, &'r [String]),
    /// A numeric comparison (`< 80`).
    Compare(Number, &'r str, f64),
}

/// What a `one of` condition reads.
enum Key<'r> {
    /// `target:<name>`: that target's verdict status (`None`: no such target).
    Target(Option<usize>),
    /// `event:<type>`: `happened` / `not_happened`.
    Event(&'r str),
    /// A field or rule output.
    Field(FieldSource),
}

/// What a comparison reads.
enum Number {
    /// The satisfaction score.
    Satisfaction,
    /// A field or rule output, read as a number.
    Field(FieldSource),
}

impl<'r> Resolved<'r> {
    fn new(cond: &'r Condition, rules: &RuleSet, cls: &Classified) -> Resolved<'r> {
        let field = |name: &str| FieldSource::resolve(name, &cls.columns, &cls.extras);
        match cond {
            Condition::OneOf {
                field: name,
                values,
            } => {
                let key = if let Some(t) = name.strip_prefix("target:") {
                    Key::Target(rules.targets.index(t))
                } else if let Some(kind) = name.strip_prefix(EVENT_CONDITION) {
                    Key::Event(kind)
                } else {
                    Key::Field(field(name))
                };
                Resolved::OneOf(key, values)
            }
            Condition::Compare {
                field: name,
                op,
                value,
            } => {
                let number = if name == "satisfaction" {
                    Number::Satisfaction
                } else {
                    Number::Field(field(name))
                };
                Resolved::Compare(number, op, *value)
            }
        }
    }

    fn holds(
        &self,
        c: &Complaint,
        dicts: &Dictionaries,
        values: &[RuleValue],
        verdicts: &[Verdict],
        events: &[EventRef<'_>],
        zone: &Zone,
    ) -> bool {
        match self {
            Resolved::OneOf(key, ok) => {
                let v = match key {
                    Key::Target(t) => t
                        .and_then(|t| verdict_for(verdicts, t))
                        .map(|v| Cow::Borrowed(v.status.name())),
                    Key::Event(kind) => Some(Cow::Borrowed(event_value(kind, events))),
                    Key::Field(source) => source.text(c, dicts, values, zone),
                };
                v.is_some_and(|v| ok.iter().any(|a| *a == v))
            }
            Resolved::Compare(number, op, value) => {
                let v = match number {
                    Number::Satisfaction => c.satisfaction.get(),
                    Number::Field(source) => source
                        .text(c, dicts, values, zone)
                        .and_then(|s| s.parse().ok()),
                };
                v.is_some_and(|x| match *op {
                    "<" => x < *value,
                    "<=" => x <= *value,
                    ">" => x > *value,
                    ">=" => x >= *value,
                    _ => (x - value).abs() < f64::EPSILON,
                })
            }
        }
    }
}

/// Adds a limit to an instant on a calendar.
pub fn add_limit(limit: &Limit, t: Ts, cal: &crate::calendar::Calendar, zone: &Zone) -> Ts {
    match limit {
        Limit::Calendar { secs } => t + secs,
        Limit::Working { secs } => cal.add_working(t, *secs),
        Limit::WorkingDays {
            days,
            mode: WorkingDays::EndOfDay,
        } => cal.end_of_nth_working_day_after(t, *days),
        Limit::WorkingDays {
            days,
            mode: WorkingDays::Duration,
        } => cal.add_working(t, i64::from(*days) * cal.working_day_seconds()),
        Limit::SameDay => {
            let next = zone
                .local_date(t)
                .succ_opt()
                .expect("date")
                .and_hms_opt(0, 0, 0)
                .expect("midnight");
            zone.to_instant(next).unwrap_or(t + 86_400)
        }
    }
}

fn role_of<'a>(e: EventRef<'a>, roster: Option<&'a Roster>) -> Option<&'a str> {
    e.role()
        .map(|r| r.as_str())
        .or_else(|| roster.and_then(|r| e.actor().and_then(|a| r.role_of(a))))
}

fn any_role(have: Option<&str>, wanted: &[String]) -> bool {
    wanted.is_empty() || have.is_some_and(|h| wanted.iter().any(|w| h.contains(w.as_str())))
}

/// The finding of duty `d` (its names resolved in `plan`) on complaint `i`, whose `when`
/// conditions hold; `cal` is the complaint's calendar.
#[allow(clippy::too_many_arguments)]
fn complaint_duty(
    d: &Duty,
    plan: &DutyPlan<'_>,
    i: usize,
    c: &Complaint,
    dicts: &Dictionaries,
    verdicts: &[Verdict],
    visible: &[EventRef<'_>],
    cal: &crate::calendar::Calendar,
    logged: bool,
    opts: &AuditOptions<'_>,
) -> AuditFinding {
    let zone = opts.zone;
    let mut f = AuditFinding {
        complaint: Some(u32::try_from(i).unwrap_or(u32::MAX)),
        complaint_id: c.id.clone(),
        team: c.coded(Field::Team, dicts).map_or_else(Id::new, Id::from),
        month: month_id(zone, c.received_at()),
        duty: Id::from(d.name.as_str()),
        team_level: false,
        triggered_at: None,
        required_by: None,
        done_at: None,
        actor: None,
        actor_role: None,
        status: AuditStatus::NotApplicable,
        evidence: Vec::new(),
        note: String::new(),
    };
    // 1. Trigger.
    let (trigger, trigger_desc) = match &d.trigger {
        Point::Events(kinds) => {
            let found = kinds.iter().find_map(|k| {
                visible
                    .iter()
                    .find(|e| kind_is(e.kind(), k))
                    .map(|e| (*e, k))
            });
            match found {
                Some((e, k)) => {
                    f.evidence.push(e.origin);
                    (e.at, Trigger::Event(k, e.at))
                }
                None => {
                    f.note = format!("not triggered: no {} event", kinds.join("/"));
                    return f;
                }
            }
        }
        Point::DueOf(t) => match plan
            .trigger_due_of
            .and_then(|k| verdict_for(verdicts, k))
            .and_then(|v| v.due)
        {
            Some(due) if due <= opts.as_of => (due, Trigger::DueOf(t, due)),
            Some(due) => {
                f.note = format!("not triggered yet: `{t}` is due {}", zone.format(due));
                return f;
            }
            None => {
                f.note = format!("not triggered: target `{t}` has no due time for this complaint");
                return f;
            }
        },
    };
    f.triggered_at = Some(trigger);
    // 2. Deadline.
    let required = match &d.deadline {
        Deadline::Limit(l) => add_limit(l, trigger, cal, zone),
        Deadline::DueOf(t) => match plan
            .deadline_due_of
            .and_then(|k| verdict_for(verdicts, k))
            .and_then(|v| v.due)
        {
            Some(due) => due,
            None => {
                f.note = format!("target `{t}` has no due time for this complaint");
                return f;
            }
        },
    };
    f.required_by = Some(required);
    // The action window opens `not_before` after the trigger (a closure must wait for its
    // silent week); the duty lapses if a `cancelled_by` event comes before that, or, without
    // `not_before`, by the deadline (a complaint resolved in time owes no progress notice).
    let opens = d
        .not_before
        .as_ref()
        .map(|l| add_limit(l, trigger, cal, zone));
    if let Some(e) = cancelling(d, visible, trigger, opens.unwrap_or(required)) {
        f.evidence.push(e.origin);
        f.note = format!(
            "not owed: `{}` at {} came by {} (triggered by {})",
            e.kind(),
            zone.format(e.at),
            zone.format(opens.unwrap_or(required)),
            trigger_desc.text(zone)
        );
        return f;
    }
    // 3. Can the data show the action at all?
    if !logged && !SNAPSHOT_EVENTS.contains(&d.action.as_str()) {
        f.status = AuditStatus::NotAuditable;
        f.note = format!(
            "needs an event log: a snapshot export has no `{}` events (triggered by {})",
            d.action,
            trigger_desc.text(zone)
        );
        return f;
    }
    if !logged && !(d.by_roles.is_empty() && d.to_roles.is_empty()) {
        f.status = AuditStatus::NotAuditable;
        f.note = format!(
            "needs an event log: a snapshot export shows when `{}` happened but not who did it (triggered by {})",
            d.action,
            trigger_desc.text(zone)
        );
        return f;
    }
    // 4. The action, by the right role. Actions on the complaint from its receipt count for
    // duties triggered at intake (an escalation may precede the formal acceptance); later
    // triggers need an action after them.
    let window_start = match &d.trigger {
        Point::Events(k)
            if k.iter()
                .all(|x| matches!(x.as_str(), "received" | "registered" | "acknowledged")) =>
        {
            c.received_at()
        }
        _ => trigger,
    };
    let (done, not_counted) = discharging(d, visible, window_start, opens, opts.roster, zone);
    let mut wrong: Vec<String> = Vec::new();
    for (e, why) in not_counted {
        f.evidence.push(e.origin);
        wrong.push(why);
    }
    // The usual notes are written into one string: formatted piece by piece (each time, the
    // trigger's and the deadline's descriptions in strings of their own) they were a quarter
    // of the stage on a 1 M run, where every complaint has findings.
    let mut note = String::with_capacity(128);
    note.push_str("required by ");
    match &d.deadline {
        Deadline::Limit(_) => {
            trigger_desc.push(&mut note, zone);
            note.push_str(" + ");
            note.push_str(plan.limit_text.as_deref().unwrap_or_default());
            note.push_str(" = ");
            zone.push_ts(required, &mut note);
        }
        Deadline::DueOf(t) => {
            note.push_str("before the due time of `");
            note.push_str(t);
            note.push_str("` (");
            zone.push_ts(required, &mut note);
            note.push(')');
        }
    }
    match done {
        Some(e) => {
            f.discharged_by(e, required, opts.roster);
            note.push_str("; done ");
            zone.push_ts(e.at, &mut note);
            note.push_str(if e.at <= required { " ≤ " } else { " > " });
            zone.push_ts(required, &mut note);
        }
        None => {
            f.status = if opts.as_of >= required {
                AuditStatus::Missing
            } else {
                AuditStatus::Pending
            };
            note.push_str("; not done");
        }
    }
    f.note = note;
    if !wrong.is_empty() {
        f.note.push_str("; does not count: ");
        f.note.push_str(&wrong.join("; "));
    }
    f.evidence.sort_unstable();
    f.evidence.dedup();
    f
}

/// The first `cancelled_by` event from the trigger to `until` (inclusive): the complaint no
/// longer owes the duty.
fn cancelling<'a>(
    d: &Duty,
    visible: &[EventRef<'a>],
    trigger: Ts,
    until: Ts,
) -> Option<EventRef<'a>> {
    visible.iter().copied().find(|e| {
        e.at >= trigger && e.at <= until && d.cancelled_by.iter().any(|k| kind_is(e.kind(), k))
    })
}

/// The first action that discharges the duty: of its type, at or after `from` and not before
/// `opens`, to and by the right roles. The actions before it that do not count come with the
/// reason, in time order.
fn discharging<'a>(
    d: &Duty,
    visible: &[EventRef<'a>],
    from: Ts,
    opens: Option<Ts>,
    roster: Option<&Roster>,
    zone: &Zone,
) -> (Option<EventRef<'a>>, Vec<(EventRef<'a>, String)>) {
    let mut wrong = Vec::new();
    for &e in visible
        .iter()
        .filter(|e| kind_is(e.kind(), &d.action) && e.at >= from)
    {
        if let Some(o) = opens
            && e.at < o
        {
            let wait = limit_text(d.not_before.as_ref(), None, crate::config::Lang::En);
            wrong.push((
                e,
                format!(
                    "`{}` at {} is before {} (trigger + {wait})",
                    d.action,
                    zone.format(e.at),
                    zone.format(o)
                ),
            ));
            continue;
        }
        let role = role_of(e, roster);
        let to_ok =
            d.to_roles.is_empty() || e.to_role().is_some_and(|r| any_role(Some(r), &d.to_roles));
        let by_ok = any_role(role, &d.by_roles);
        if to_ok && by_ok {
            return (Some(e), wrong);
        }
        let why = if !to_ok {
            format!(
                "`{}` at {} went to {} (needs {})",
                d.action,
                zone.format(e.at),
                e.to_role().map(|a| a.as_str()).unwrap_or("no role"),
                d.to_roles.join("/")
            )
        } else {
            format!(
                "`{}` at {} by {} ({}) (needs {})",
                d.action,
                zone.format(e.at),
                e.actor().map(|a| a.as_str()).unwrap_or("?"),
                role.unwrap_or("role unknown"),
                d.by_roles.join("/")
            )
        };
        wrong.push((e, why));
    }
    (None, wrong)
}

#[cfg(test)]
mod tests;
