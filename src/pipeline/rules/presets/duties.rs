//! Escalation-duty declarations: the preset files in `rules/duties/`, selected by
//! `[audit] duties` in the config. `docs/AUDIT.md` documents every key; in short:
//!
//! ```toml
//! [[duty]]
//! name = "important_to_supervisor"
//! label = "重要投诉受理后1小时内转主管或经理"
//! source = "003-H11 L183 (E26)"
//! when = { importance = ["重要"] }           # which complaints owe it (fields, rule outputs,
//!                                            # `satisfaction = "< 80"`, target statuses)
//! trigger = ["acknowledged", "received"]     # the first of these that happened starts it;
//!                                            # or "due of <target>"
//! action = "escalated"                       # the event that discharges it
//! to_roles = ["客服主管", "项目经理"]         # escalated/referred to one of these roles, and/or
//! by_roles = ["客服主管"]                     # done by someone in one of these roles
//! deadline = "1 hour"                        # limit grammar of the SLA targets, or "due of <target>"
//! not_before = "7 days"                      # optional: actions before trigger + this do not count
//! cancelled_by = ["reopened"]                # optional: one of these events before the action
//!                                            # window opens (or, without `not_before`, before the
//!                                            # deadline) releases the complaint from the duty
//! implements = ["E26"]                       # the numbered rules of the sources it checks
//!
//! [[team_duty]]                              # per team and month
//! name = "team_overdue_interview"
//! targets = ["resolve_7wd"]                  # "overdue" = breached or overdue on these
//! consecutive = 3
//! action = "interview"
//! by = "team_leader"                         # the team's leader (roster) must take part
//! deadline = "30 days"
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::limit::{Limit, WorkingDays};
use super::targets::TargetSet;
use super::{
    Preset, PresetFile, check_event, check_implements, check_when_event, known_events, labels,
    read_selected,
};
use crate::config::Config;
use crate::diagnostic::{Diagnostics, did_you_mean};
use crate::pipeline::rules::RuleFile;
use crate::pipeline::rules::procedures::Library;
use crate::shipped::Layered;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    title: Option<String>,
    title_en: Option<String>,
    source: Option<String>,
    #[serde(default)]
    duty: Vec<RawDuty>,
    #[serde(default)]
    team_duty: Vec<RawTeamDuty>,
}

super::preset_header!(RawFile);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDuty {
    name: Spanned<String>,
    label: Option<String>,
    label_en: Option<String>,
    source: Option<String>,
    #[serde(default)]
    when: BTreeMap<String, toml::Value>,
    trigger: Spanned<toml::Value>,
    action: Spanned<String>,
    #[serde(default)]
    to_roles: Vec<String>,
    #[serde(default)]
    by_roles: Vec<String>,
    deadline: Spanned<String>,
    not_before: Option<Spanned<String>>,
    #[serde(default)]
    cancelled_by: Vec<Spanned<String>>,
    #[serde(default)]
    implements: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTeamDuty {
    name: Spanned<String>,
    label: Option<String>,
    label_en: Option<String>,
    source: Option<String>,
    targets: Vec<Spanned<String>>,
    consecutive: u32,
    action: Spanned<String>,
    by: Option<String>,
    #[serde(default)]
    by_roles: Vec<String>,
    deadline: Spanned<String>,
    #[serde(default)]
    implements: Vec<Spanned<String>>,
}

/// A condition on one complaint.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Condition {
    /// The field or rule output equals one of the values.
    OneOf {
        /// Field, rule output, `target:<name>` (its verdict status) or `event:<type>`
        /// (`happened` / `not_happened`).
        field: String,
        /// Accepted values.
        values: Vec<String>,
    },
    /// A numeric comparison (`< 80`).
    Compare {
        /// Field.
        field: String,
        /// `<`, `<=`, `>`, `>=`, `=`.
        op: String,
        /// Right-hand side.
        value: f64,
    },
}

/// When a duty starts, or is due.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Point {
    /// The first of these events.
    Events(Vec<String>),
    /// The due time of an SLA target.
    DueOf(String),
}

/// How long the duty may take.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Deadline {
    /// A limit from the trigger.
    Limit(Limit),
    /// By the due time of an SLA target.
    DueOf(String),
}

/// A validated complaint-level duty.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Duty {
    /// Unique name.
    pub name: String,
    /// Chinese label.
    pub label: String,
    /// English label.
    pub label_en: String,
    /// Preset (file stem).
    pub preset: String,
    /// Source procedure.
    pub source: Option<String>,
    /// The numbered rules of the sources it checks.
    pub implements: Vec<String>,
    /// All must hold.
    pub when: Vec<Condition>,
    /// When it starts.
    pub trigger: Point,
    /// The discharging event type.
    pub action: String,
    /// Accepted `to_role` values (escalated/referred to).
    pub to_roles: Vec<String>,
    /// Accepted roles of whoever acts.
    pub by_roles: Vec<String>,
    /// The deadline.
    pub deadline: Deadline,
    /// The library parameter the deadline is read from (`deadline = "param:<name>"`).
    pub parameter: Option<String>,
    /// Actions before the trigger plus this do not count (a complaint closed before its silent
    /// week is over).
    pub not_before: Option<Limit>,
    /// Events that release the complaint from the duty when they come before the action window
    /// opens (the trigger plus `not_before`; without it, before the deadline).
    pub cancelled_by: Vec<String>,
}

/// A validated team-level duty.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TeamDuty {
    /// Unique name.
    pub name: String,
    /// Chinese label.
    pub label: String,
    /// English label.
    pub label_en: String,
    /// Preset (file stem).
    pub preset: String,
    /// Source procedure.
    pub source: Option<String>,
    /// The numbered rules of the sources it checks.
    pub implements: Vec<String>,
    /// Targets whose breached/overdue verdicts count.
    pub targets: Vec<String>,
    /// Run length that triggers the duty.
    pub consecutive: u32,
    /// The discharging event type.
    pub action: String,
    /// `team_leader`: the team's leader must be the actor.
    pub by_team_leader: bool,
    /// Or: accepted roles of whoever acts.
    pub by_roles: Vec<String>,
    /// The deadline from the run's last overdue complaint.
    pub deadline: Limit,
    /// The library parameter the deadline is read from.
    pub parameter: Option<String>,
}

/// Every active duty.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DutySet {
    /// Presets.
    pub presets: Vec<Preset>,
    /// Complaint duties.
    pub duties: Vec<Duty>,
    /// Team duties.
    pub team_duties: Vec<TeamDuty>,
}

fn parse_point(v: &toml::Value) -> Result<Point, String> {
    match v {
        toml::Value::String(s) => match s.strip_prefix("due of ") {
            Some(t) => Ok(Point::DueOf(t.trim().to_owned())),
            None => Ok(Point::Events(vec![s.clone()])),
        },
        toml::Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_owned)
                    .ok_or("a list of event names".to_owned())
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Point::Events),
        _ => Err("expected an event name, a list of them, or \"due of <target>\"".into()),
    }
}

fn parse_condition(field: &str, v: &toml::Value) -> Result<Condition, String> {
    match v {
        toml::Value::String(s) => {
            let t = s.trim();
            for op in ["<=", ">=", "<", ">", "="] {
                if let Some(rest) = t.strip_prefix(op) {
                    return rest
                        .trim()
                        .parse()
                        .map(|value| Condition::Compare {
                            field: field.to_owned(),
                            op: op.to_owned(),
                            value,
                        })
                        .map_err(|_| {
                            format!("`{field} = \"{s}\"`: expected a number after `{op}`")
                        });
                }
            }
            Ok(Condition::OneOf {
                field: field.to_owned(),
                values: vec![s.clone()],
            })
        }
        toml::Value::Array(a) => Ok(Condition::OneOf {
            field: field.to_owned(),
            values: a
                .iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
                .collect(),
        }),
        other => Ok(Condition::OneOf {
            field: field.to_owned(),
            values: vec![other.to_string()],
        }),
    }
}

/// Loads the selected duty presets from `dir` (`selection`: file stems, `None` for all).
pub fn load(
    folder: &Layered,
    selection: Option<&[Spanned<String>]>,
    cfg: &Config,
    targets: &TargetSet,
    library: &Library,
    files: &mut Vec<RuleFile>,
    diags: &mut Diagnostics,
) -> DutySet {
    // Duties may also name `interview` (a team duty's discharging event).
    let events = known_events(cfg, &["interview"]);
    let selected: Vec<PresetFile<RawFile>> =
        read_selected(folder, "duties", selection, "duty preset", cfg, diags);
    for f in &selected {
        f.record(files);
    }
    let mut set = DutySet::default();
    for file in selected {
        let preset = file.preset.name.clone();
        set.presets.push(file.preset.clone());
        let (raw, file) = file.split();
        let at = |sp: std::ops::Range<usize>, msg: String| file.at(sp, msg);
        let check_event = |e: &str, sp: std::ops::Range<usize>, diags: &mut Diagnostics| {
            check_event(&file, e, sp, &events, diags)
        };
        let check_target = |t: &str, sp: std::ops::Range<usize>, diags: &mut Diagnostics| {
            if targets.index(t).is_none() {
                let names: Vec<&str> = targets.targets.iter().map(|x| x.name.as_str()).collect();
                let mut d = at(sp, format!("no loaded SLA target `{t}`"));
                d = d.help(match did_you_mean(t, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "load its preset in `[sla] presets`; loaded targets: {}",
                        names.join(", ")
                    ),
                });
                diags.push(d);
            }
        };
        for d in raw.duty {
            let name = d.name.get_ref().clone();
            if set.duties.iter().any(|x| x.name == name) {
                diags.push(at(d.name.span(), format!("a second duty named `{name}`")));
                continue;
            }
            let trigger = match parse_point(d.trigger.get_ref()) {
                Ok(p) => p,
                Err(e) => {
                    diags.push(at(d.trigger.span(), format!("`trigger`: {e}")));
                    continue;
                }
            };
            match &trigger {
                Point::Events(v) => v
                    .iter()
                    .for_each(|e| check_event(e, d.trigger.span(), diags)),
                Point::DueOf(t) => check_target(t, d.trigger.span(), diags),
            }
            check_event(d.action.get_ref(), d.action.span(), diags);
            let (deadline, parameter) = match d.deadline.get_ref().strip_prefix("due of ") {
                Some(t) => {
                    check_target(t.trim(), d.deadline.span(), diags);
                    (Deadline::DueOf(t.trim().to_owned()), None)
                }
                None => match library.limit(d.deadline.get_ref(), WorkingDays::EndOfDay) {
                    Ok(r) => (Deadline::Limit(r.limit), r.parameter),
                    Err(e) => {
                        diags.push(at(d.deadline.span(), e));
                        continue;
                    }
                },
            };
            let not_before = match &d.not_before {
                None => None,
                Some(nb) => match library.limit(nb.get_ref(), WorkingDays::EndOfDay) {
                    Ok(r) => Some(r.limit),
                    Err(e) => {
                        diags.push(at(nb.span(), e));
                        continue;
                    }
                },
            };
            for e in &d.cancelled_by {
                check_event(e.get_ref(), e.span(), diags);
            }
            check_implements(&file, &d.implements, library, diags);
            let mut when = Vec::new();
            for (k, v) in &d.when {
                if k == crate::model::Field::Text.name() {
                    diags.push(at(d.name.span(), super::free_text_condition()));
                    continue;
                }
                match parse_condition(k, v) {
                    Ok(c) => {
                        if let Some(t) = k.strip_prefix("target:") {
                            check_target(t, d.name.span(), diags);
                        }
                        if let Condition::OneOf { values, .. } = &c {
                            check_when_event(&file, k, values, d.name.span(), &events, diags);
                        }
                        when.push(c);
                    }
                    Err(e) => diags.push(at(d.name.span(), format!("duty `{name}`: {e}"))),
                }
            }
            let (label, label_en) = labels(&name, d.label.as_ref(), d.label_en.as_ref());
            set.duties.push(Duty {
                label,
                label_en,
                name,
                preset: preset.clone(),
                source: d.source,
                implements: d.implements.into_iter().map(Spanned::into_inner).collect(),
                when,
                trigger,
                action: d.action.into_inner(),
                to_roles: d.to_roles,
                by_roles: d.by_roles,
                deadline,
                parameter,
                not_before,
                cancelled_by: d
                    .cancelled_by
                    .into_iter()
                    .map(Spanned::into_inner)
                    .collect(),
            });
        }
        for d in raw.team_duty {
            let name = d.name.get_ref().clone();
            for t in &d.targets {
                check_target(t.get_ref(), t.span(), diags);
            }
            check_event(d.action.get_ref(), d.action.span(), diags);
            check_implements(&file, &d.implements, library, diags);
            let (deadline, parameter) =
                match library.limit(d.deadline.get_ref(), WorkingDays::EndOfDay) {
                    Ok(r) => (r.limit, r.parameter),
                    Err(e) => {
                        diags.push(at(d.deadline.span(), e));
                        continue;
                    }
                };
            let by_team_leader = match d.by.as_deref() {
                None => false,
                Some("team_leader") => true,
                Some(other) => {
                    diags.push(at(
                        d.name.span(),
                        format!("`by = \"{other}\"`: the only value is `team_leader`"),
                    ));
                    false
                }
            };
            if d.consecutive == 0 {
                diags.push(at(d.name.span(), "`consecutive` must be at least 1".into()));
            }
            let (label, label_en) = labels(&name, d.label.as_ref(), d.label_en.as_ref());
            set.team_duties.push(TeamDuty {
                label,
                label_en,
                name,
                preset: preset.clone(),
                source: d.source,
                implements: d.implements.into_iter().map(Spanned::into_inner).collect(),
                targets: d.targets.into_iter().map(Spanned::into_inner).collect(),
                consecutive: d.consecutive,
                action: d.action.into_inner(),
                by_team_leader,
                by_roles: d.by_roles,
                deadline,
                parameter,
            });
        }
    }
    set
}
