//! What the report needs of the assessed complaints, collected chunk by chunk: a run assesses
//! its complaints a few tens of thousands at a time, writes their rows and keeps only this
//! summary, so the SLA verdicts and audit findings of a million complaints are never held at
//! once.
//!
//! Kept: the per-complaint [`Facts`]; verdict and audit-finding counts per (period, project,
//! level, category, team, target or duty, status), which the group-bys sum; the breached and
//! overdue verdicts for the lists; each complaint's duty statuses (for the look-back list); the
//! first late or missing findings of each period and project (for the auditor's list); which
//! targets and duties ever applied (rule coverage); and the team findings.

use std::collections::BTreeSet;

use rustc_hash::FxHashMap;

use super::facts::Facts;
use crate::config::Config;
use crate::pipeline::audit::{AuditFinding, AuditStatus};
use crate::pipeline::events::EventLog;
use crate::pipeline::rules::RuleSet;
use crate::pipeline::rules::classify::Classified;
use crate::pipeline::sla::{Status, Verdict};
use crate::time::Ts;

/// A breached or overdue verdict, as the report's lists need it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Late {
    pub(super) complaint: u32,
    pub(super) target: u16,
    pub(super) status: Status,
    pub(super) over_cal: i64,
    pub(super) due: Option<Ts>,
    pub(super) stop: Option<Ts>,
}

/// The summary of a run's assessed complaints (see the module docs).
#[derive(Debug)]
pub struct Summary {
    /// Per-complaint facts.
    pub(super) facts: Facts,
    /// (key, project, level, category, team, target, status) → verdicts.
    pub(super) verdict_counts: FxHashMap<[u32; 7], u64>,
    /// (key, project, level, team, duty, status) → findings.
    pub(super) audit_counts: FxHashMap<[u32; 6], u64>,
    /// Breached and overdue verdicts, in complaint and target order.
    pub(super) late: Vec<Late>,
    /// (complaint, duty code) → status of that complaint's duty.
    pub(super) duty_status: FxHashMap<(u32, u32), AuditStatus>,
    /// Duty names by code.
    pub(super) duties: Vec<String>,
    /// Late and missing complaint findings: the first [`super::LIST_LIMIT`] of each (period,
    /// project), in complaint order, with how many of each there are.
    pub(super) noncompliant: Vec<AuditFinding>,
    /// (period, project) → late and missing complaint findings, kept or not.
    pub(super) noncompliant_seen: FxHashMap<(u32, u32), usize>,
    /// Team findings (keyed by team and month).
    pub(super) team_findings: Vec<AuditFinding>,
    /// Per target: applied to some complaint.
    pub targets_applied: Vec<bool>,
    /// Duties that produced a finding.
    pub duties_applied: BTreeSet<String>,
    /// True when a real event log was read.
    pub logged: bool,
    /// The period kind the facts are keyed by (`month`, `quarter`, `week`, `year`).
    pub(super) kind: &'static str,
}

impl Summary {
    /// An empty summary for a run with this config (the report period decides how complaints
    /// are keyed).
    /// `complaints`: how many will be added (room is reserved for them).
    pub fn new(
        cfg: &Config,
        rules: &RuleSet,
        events: &EventLog,
        complaints: usize,
    ) -> crate::error::Result<Summary> {
        let kind = super::period_kind(cfg)?;
        Ok(Summary {
            facts: Facts::new(events.logged, complaints),
            verdict_counts: FxHashMap::default(),
            audit_counts: FxHashMap::default(),
            late: Vec::new(),
            duty_status: FxHashMap::default(),
            duties: Vec::new(),
            noncompliant: Vec::new(),
            noncompliant_seen: FxHashMap::default(),
            team_findings: Vec::new(),
            targets_applied: vec![false; rules.targets.targets.len()],
            duties_applied: BTreeSet::new(),
            logged: events.logged,
            kind,
        })
    }

    fn duty_code(&mut self, name: &str) -> u32 {
        match self.duties.iter().position(|d| d == name) {
            Some(k) => k as u32,
            None => {
                self.duties.push(name.to_owned());
                (self.duties.len() - 1) as u32
            }
        }
    }

    /// Adds the complaints `range` of `cls`, their verdicts (aligned with the range) and their
    /// complaint findings (in complaint order). Chunks must come in complaint order.
    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &mut self,
        cfg: &Config,
        rules: &RuleSet,
        cls: &Classified,
        range: std::ops::Range<usize>,
        verdicts: &[Vec<Verdict>],
        findings: &[AuditFinding],
        events: &EventLog,
    ) {
        let first = range.start;
        self.facts
            .add(rules, cfg, cls, range.clone(), verdicts, events, self.kind);
        let f = &self.facts;
        for (k, vs) in verdicts.iter().enumerate() {
            let i = first + k;
            for v in vs {
                self.targets_applied[v.target as usize] = true;
                let key = [
                    f.key[i],
                    f.project[i],
                    f.level[i],
                    f.category[i],
                    f.team[i],
                    u32::from(v.target),
                    status_code(v.status),
                ];
                *self.verdict_counts.entry(key).or_default() += 1;
                if matches!(v.status, Status::Breached | Status::Overdue) {
                    self.late.push(Late {
                        complaint: i as u32,
                        target: v.target,
                        status: v.status,
                        over_cal: v.over_cal,
                        due: v.due,
                        stop: v.stop,
                    });
                }
            }
        }
        for x in findings {
            let i = x.complaint.expect("complaint findings") as usize;
            let duty = self.duty_code(&x.duty);
            self.duties_applied.insert(x.duty.clone());
            let f = &self.facts;
            let key = [
                f.key[i],
                f.project[i],
                f.level[i],
                f.team[i],
                duty,
                audit_code(x.status),
            ];
            *self.audit_counts.entry(key).or_default() += 1;
            self.duty_status.insert((i as u32, duty), x.status);
            if matches!(x.status, AuditStatus::Late | AuditStatus::Missing) {
                let seen = self
                    .noncompliant_seen
                    .entry((f.key[i], f.project[i]))
                    .or_default();
                *seen += 1;
                if *seen <= super::LIST_LIMIT {
                    self.noncompliant.push(x.clone());
                }
            }
        }
    }

    /// Adds the team findings and completes the facts that need every complaint (repeats).
    pub fn finish(&mut self, rules: &RuleSet, cls: &Classified, team: Vec<AuditFinding>) {
        self.facts.finish(cls, rules.manifest.kpi.repeat_days);
        let blank_project = self.facts.projects.code("");
        let blank_level = self.facts.levels.code("");
        for x in &team {
            self.duties_applied.insert(x.duty.clone());
            let d = chrono::NaiveDate::parse_from_str(&format!("{}-01", x.month), "%Y-%m-%d")
                .unwrap_or_default();
            let key = self
                .facts
                .keys
                .code(&super::facts::period_key(self.kind, d));
            let team_code = self.facts.teams.code(&x.team);
            let duty = self.duty_code(&x.duty);
            *self
                .audit_counts
                .entry([
                    key,
                    blank_project,
                    blank_level,
                    team_code,
                    duty,
                    audit_code(x.status),
                ])
                .or_default() += 1;
        }
        self.team_findings = team;
    }

    /// The status of a complaint's duty, if it had one.
    pub(super) fn duty_of(&self, complaint: usize, duty: &str) -> Option<AuditStatus> {
        let code = self.duties.iter().position(|d| d == duty)? as u32;
        self.duty_status.get(&(complaint as u32, code)).copied()
    }
}

/// Position of a verdict status in `Status::ALL` (the frames' `status` codes).
pub(super) fn status_code(s: Status) -> u32 {
    Status::ALL.iter().position(|x| *x == s).expect("in ALL") as u32
}

/// Position of an audit status in `AuditStatus::ALL`.
pub(super) fn audit_code(s: AuditStatus) -> u32 {
    AuditStatus::ALL
        .iter()
        .position(|x| *x == s)
        .expect("in ALL") as u32
}
