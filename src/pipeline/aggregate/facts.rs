//! Per-complaint facts the indicators are computed from, derived once: which report period a
//! complaint belongs to (by receipt), its working time to first response and to resolution, and
//! whether it was followed up, reopened, rated, satisfied or a repeat.
//!
//! Categorical facts (period, project, building, team, level, category, validity) are stored as
//! dictionary codes: a million complaints share a few dozen projects and teams, so a code column
//! is 4 bytes a row, compares as an integer and groups in polars without hashing strings. The
//! [`Dict`]s turn codes back into the names the report shows.

use chrono::{Datelike, NaiveDate};
use rustc_hash::FxHashMap;

use crate::model::{Complaint, Stage};
use crate::pipeline::events::EventLog;
use crate::pipeline::rules::RuleSet;
use crate::pipeline::rules::classify::{Classified, RuleValue};
use crate::pipeline::sla::{Status, Verdict, calendar_for};
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

/// A dictionary of the distinct values of one categorical fact, in first-seen order.
#[derive(Debug, Default)]
pub(super) struct Dict {
    names: Vec<String>,
    index: FxHashMap<String, u32>,
}

impl Dict {
    /// The code of `s`, adding it if new.
    pub(super) fn code(&mut self, s: &str) -> u32 {
        if let Some(&c) = self.index.get(s) {
            return c;
        }
        let c = u32::try_from(self.names.len()).expect("fewer than 2^32 distinct values");
        self.names.push(s.to_owned());
        self.index.insert(s.to_owned(), c);
        c
    }

    /// The code of `s`, if any complaint has it.
    pub(super) fn find(&self, s: &str) -> Option<u32> {
        self.index.get(s).copied()
    }

    /// The name of a code.
    pub(super) fn name(&self, c: u32) -> &str {
        &self.names[c as usize]
    }

    /// Every name (in code order).
    pub(super) fn names(&self) -> &[String] {
        &self.names
    }
}

/// Facts per complaint, aligned with the classified complaints.
#[derive(Debug, Default)]
#[allow(clippy::len_without_is_empty)]
pub(super) struct Facts {
    /// Period of receipt (code in `keys`).
    pub(super) key: Vec<u32>,
    /// Project, empty when blank (code in `projects`).
    pub(super) project: Vec<u32>,
    /// Building (code in `buildings`).
    pub(super) building: Vec<u32>,
    /// Team (code in `teams`).
    pub(super) team: Vec<u32>,
    /// Level code (code in `levels`).
    pub(super) level: Vec<u32>,
    /// Category (code in `categories`).
    pub(super) category: Vec<u32>,
    /// 有效 per the rules.
    pub(super) valid: Vec<bool>,
    /// 无效 per the rules.
    pub(super) invalid: Vec<bool>,
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
    /// The resolution target (`[kpi] resolution_target`) breached or overdue.
    pub(super) resolution_overdue: Vec<bool>,
    /// Period code by local day number (a cache).
    day_key: FxHashMap<i64, u32>,
    /// Whether reopenings are known (an event log was read).
    pub(super) reopen_known: bool,
    /// Period keys.
    pub(super) keys: Dict,
    /// Projects.
    pub(super) projects: Dict,
    /// Buildings.
    pub(super) buildings: Dict,
    /// Teams.
    pub(super) teams: Dict,
    /// Level codes.
    pub(super) levels: Dict,
    /// Categories.
    pub(super) categories: Dict,
}

/// A rule output as the text the report groups by, without allocating for strings.
fn output_text<'a>(v: &'a RuleValue, zone: &Zone) -> std::borrow::Cow<'a, str> {
    match v {
        RuleValue::Str(s) => std::borrow::Cow::Borrowed(s.as_str()),
        RuleValue::Absent => std::borrow::Cow::Borrowed(""),
        other => std::borrow::Cow::Owned(other.text(zone)),
    }
}

impl Facts {
    /// No complaints yet, room for `n`. `reopen_known`: an event log was read.
    pub(super) fn new(reopen_known: bool, n: usize) -> Facts {
        // Reserved up front: growing seventeen columns of a million entries by doubling
        // copies each several times into fresh memory.
        Facts {
            key: Vec::with_capacity(n),
            project: Vec::with_capacity(n),
            building: Vec::with_capacity(n),
            team: Vec::with_capacity(n),
            level: Vec::with_capacity(n),
            category: Vec::with_capacity(n),
            valid: Vec::with_capacity(n),
            invalid: Vec::with_capacity(n),
            satisfaction: Vec::with_capacity(n),
            respond_min: Vec::with_capacity(n),
            resolve_min: Vec::with_capacity(n),
            resolved: Vec::with_capacity(n),
            followed: Vec::with_capacity(n),
            reopened: Vec::with_capacity(n),
            repeat: Vec::with_capacity(n),
            ack: Vec::with_capacity(n),
            resolution_overdue: Vec::with_capacity(n),
            reopen_known,
            ..Facts::default()
        }
    }

    /// Adds the complaints `range` of `cls` (in order, after those already added), with their
    /// verdicts (aligned with the range). `kind` is the report period's kind.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn add(
        &mut self,
        rules: &RuleSet,
        cfg: &crate::config::Config,
        cls: &Classified,
        range: std::ops::Range<usize>,
        verdicts: &[Vec<Verdict>],
        events: &EventLog,
        kind: &str,
    ) {
        let zone = &cfg.zone;
        let as_of = cfg.as_of;
        let kpi = &rules.manifest.kpi;
        let col = |name: &str| cls.columns.iter().position(|c| c == name);
        let (lc, cc, vc) = (col("level"), col("category"), col("validity"));
        let ack_target = rules.targets.index(&kpi.acknowledgement_target);
        let resolution = rules.targets.index(&kpi.resolution_target);
        let response: Vec<Stage> = kpi
            .response_events
            .iter()
            .filter_map(|e| Stage::from_name(e))
            .collect();
        let seen = |t: Option<Ts>| t.filter(|t| *t <= as_of);
        let f = self;
        let first = range.start;
        fn text(o: Option<&crate::model::Str>) -> &str {
            o.map_or("", |s| s.as_str())
        }
        for i in range {
            let c = &cls.complaints[i];
            let vs = &verdicts[i - first];
            let received = c.received_at();
            let day = zone.local_secs(received).div_euclid(86_400);
            // Period codes by local day: a day's key is formatted once, not once per complaint.
            let key = match f.day_key.get(&day) {
                Some(k) => *k,
                None => {
                    let k = f.keys.code(&period_key(kind, zone.local_date(received)));
                    f.day_key.insert(day, k);
                    k
                }
            };
            f.key.push(key);
            f.project.push(f.projects.code(text(c.project.as_ref())));
            f.building.push(f.buildings.code(text(c.building.as_ref())));
            f.team.push(f.teams.code(text(c.team.as_ref())));
            let v = &cls.values[i];
            let out = |k: Option<usize>| {
                k.map_or(std::borrow::Cow::Borrowed(""), |k| output_text(&v[k], zone))
            };
            f.level.push(f.levels.code(&out(lc)));
            f.category.push(f.categories.code(&out(cc)));
            let validity = out(vc);
            f.valid.push(validity == "有效");
            f.invalid.push(validity == "无效");
            f.satisfaction.push(c.satisfaction);
            let (cal, _) = calendar_for(rules, None, c, &cfg.sla.project_calendars);
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
                    .at(i)
                    .iter()
                    .any(|e| e.kind == "reopened" && e.at <= as_of),
            );
            let status_of = |t: Option<usize>| {
                t.and_then(|t| vs.iter().find(|v| v.target as usize == t).map(|v| v.status))
            };
            f.ack.push(status_of(ack_target));
            f.resolution_overdue.push(matches!(
                status_of(resolution),
                Some(Status::Breached | Status::Overdue)
            ));
        }
    }

    /// Completes the facts that compare complaints with each other (repeats), once every
    /// complaint is in.
    pub(super) fn finish(&mut self, cls: &Classified, repeat_days: i64) {
        self.repeat = repeats(
            &cls.complaints,
            &self.project,
            &self.building,
            &self.category,
            repeat_days,
        );
    }

    /// Number of complaints.
    pub(super) fn len(&self) -> usize {
        self.key.len()
    }
}

/// A complaint repeats an earlier one of the same project, building, unit and category
/// received within `days` before it. Complaints without a unit are never repeats.
fn repeats(
    complaints: &[Complaint],
    project: &[u32],
    building: &[u32],
    category: &[u32],
    days: i64,
) -> Vec<bool> {
    let mut last: FxHashMap<(u32, u32, &str, u32), Ts> = FxHashMap::default();
    let mut out = vec![false; complaints.len()];
    // Complaints are in receipt order, so one pass sees each unit's earlier complaints first.
    for (i, c) in complaints.iter().enumerate() {
        let Some(unit) = c.unit.as_ref() else {
            continue;
        };
        let key = (project[i], building[i], unit.as_str(), category[i]);
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
