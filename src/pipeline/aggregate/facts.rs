//! Per-complaint facts the indicators are computed from, derived once: which report period a
//! complaint belongs to (by receipt), its working time to first response and to resolution, and
//! whether it was followed up, reopened, rated, satisfied or a repeat.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};

use crate::model::{Complaint, Stage};
use crate::pipeline::events::EventLog;
use crate::pipeline::rules::{KpiSettings, RuleSet};
use crate::pipeline::sla::{Assessed, Status, calendar_for};
use crate::time::{Ts, Zone};

/// The kind of report period: `month`, `quarter`, `week` or `year`.
pub(super) fn period_key(kind: &str, d: NaiveDate) -> String {
    match kind {
        "quarter" => format!("{:04}-Q{}", d.year(), (d.month() - 1) / 3 + 1),
        "week" => {
            let w = d.iso_week();
            format!("{:04}-W{:02}", w.year(), w.week())
        }
        "year" => format!("{:04}", d.year()),
        _ => format!("{:04}-{:02}", d.year(), d.month()),
    }
}

/// Facts per complaint, aligned with the classified complaints.
#[derive(Debug, Default)]
#[allow(clippy::len_without_is_empty)]
pub(super) struct Facts {
    /// Period key of receipt.
    pub(super) key: Vec<String>,
    /// Local receipt date.
    pub(super) date: Vec<NaiveDate>,
    /// Project (empty when blank).
    pub(super) project: Vec<String>,
    /// Building.
    pub(super) building: Vec<String>,
    /// Team.
    pub(super) team: Vec<String>,
    /// Level code.
    pub(super) level: Vec<String>,
    /// Category.
    pub(super) category: Vec<String>,
    /// 有效/无效 when the rules say.
    pub(super) validity: Vec<String>,
    /// 0–100 when rated.
    pub(super) satisfaction: Vec<Option<f64>>,
    /// Working minutes from receipt to the first response event.
    pub(super) respond_min: Vec<Option<f64>>,
    /// Working minutes from receipt to resolution.
    pub(super) resolve_min: Vec<Option<f64>>,
    /// Resolved by `as_of`.
    pub(super) resolved: Vec<bool>,
    /// Resolved and followed up (回访) by `as_of`.
    pub(super) followed: Vec<bool>,
    /// Reopened (only known with an event log).
    pub(super) reopened: Vec<bool>,
    /// The same unit and category within the repeat window before it.
    pub(super) repeat: Vec<bool>,
    /// Status of the acknowledgement target.
    pub(super) ack: Vec<Option<Status>>,
    /// Whether reopenings are known (an event log was read).
    pub(super) reopen_known: bool,
}

fn text(o: Option<&crate::model::Str>) -> String {
    o.map(|s| s.to_string()).unwrap_or_default()
}

impl Facts {
    /// Derives the facts. `kind` is the report period's kind.
    pub(super) fn new(
        rules: &RuleSet,
        assessed: &Assessed,
        events: &EventLog,
        kpi: &KpiSettings,
        kind: &str,
        zone: &Zone,
        as_of: Ts,
        project_calendars: &crate::config::ProjectCalendars,
    ) -> Facts {
        let cls = &assessed.classified;
        let col = |name: &str| cls.columns.iter().position(|c| c == name);
        let (lc, cc, vc) = (col("level"), col("category"), col("validity"));
        let ack_target = rules.targets.index(&kpi.acknowledgement_target);
        let response: Vec<Stage> = kpi
            .response_events
            .iter()
            .filter_map(|e| Stage::from_name(e))
            .collect();
        let seen = |t: Option<Ts>| t.filter(|t| *t <= as_of);
        let n = cls.complaints.len();
        let mut f = Facts {
            reopen_known: events.logged,
            ..Facts::default()
        };
        for (i, c) in cls.complaints.iter().enumerate() {
            let received = c.received_at();
            let date = zone.local_date(received);
            f.key.push(period_key(kind, date));
            f.date.push(date);
            f.project.push(text(c.project.as_ref()));
            f.building.push(text(c.building.as_ref()));
            f.team.push(text(c.team.as_ref()));
            let v = &cls.values[i];
            f.level
                .push(lc.map(|k| v[k].text(zone)).unwrap_or_default());
            f.category
                .push(cc.map(|k| v[k].text(zone)).unwrap_or_default());
            f.validity
                .push(vc.map(|k| v[k].text(zone)).unwrap_or_default());
            f.satisfaction.push(c.satisfaction);
            let (cal, _) = calendar_for(rules, None, c, project_calendars);
            let minutes = |t: Ts| cal.working_seconds_between(received, t) as f64 / 60.0;
            let first_response = response
                .iter()
                .filter_map(|s| seen(c.time(*s)))
                .filter(|t| *t >= received)
                .min();
            f.respond_min.push(first_response.map(minutes));
            let resolved = seen(c.time(Stage::Resolved)).filter(|t| *t >= received);
            f.resolve_min.push(resolved.map(minutes));
            f.resolved.push(resolved.is_some());
            f.followed
                .push(resolved.is_some() && seen(c.time(Stage::FollowUp)).is_some());
            f.reopened.push(
                events
                    .of(&c.id)
                    .iter()
                    .any(|e| e.kind == "reopened" && e.at <= as_of),
            );
            f.ack.push(ack_target.and_then(|t| {
                assessed.verdicts[i]
                    .iter()
                    .find(|v| v.target as usize == t)
                    .map(|v| v.status)
            }));
        }
        f.repeat = repeats(&cls.complaints, &f.category, kpi.repeat_days, n);
        f
    }

    /// Number of complaints.
    pub(super) fn len(&self) -> usize {
        self.key.len()
    }
}

/// A complaint repeats an earlier one of the same project, building, unit and category
/// received within `days` before it. Complaints without a unit are never repeats.
fn repeats(complaints: &[Complaint], category: &[String], days: i64, n: usize) -> Vec<bool> {
    let mut last: HashMap<(String, String, String, String), Ts> = HashMap::new();
    let mut out = vec![false; n];
    // Complaints are in receipt order, so one pass sees each unit's earlier complaints first.
    for (i, c) in complaints.iter().enumerate() {
        let Some(unit) = c.unit.as_ref() else {
            continue;
        };
        let key = (
            text(c.project.as_ref()),
            text(c.building.as_ref()),
            unit.to_string(),
            category[i].clone(),
        );
        let t = c.received_at();
        if let Some(prev) = last.get(&key)
            && t - prev <= days * 86_400
        {
            out[i] = true;
        }
        last.insert(key, t);
    }
    out
}
