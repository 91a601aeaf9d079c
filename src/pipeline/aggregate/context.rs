//! The report context: what the templates receive, one per page. Every field is documented in
//! `docs/TEMPLATES.md` (a test checks that), printed by `complaints context`, and built only
//! from `Vec`s and sorted maps, so reports are byte-stable.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::LIST_LIMIT;
use crate::format::{Lang, pct_text, round4};
use crate::model::RowCounts;
use crate::pipeline::rules::coverage::CoverageReport;

/// Counts of verdict statuses and the met rate over judged verdicts.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct SlaCounts {
    /// Verdicts in the group.
    pub total: u64,
    #[allow(missing_docs)]
    pub met: u64,
    #[allow(missing_docs)]
    pub breached: u64,
    #[allow(missing_docs)]
    pub open: u64,
    #[allow(missing_docs)]
    pub overdue: u64,
    #[allow(missing_docs)]
    pub not_applicable: u64,
    #[allow(missing_docs)]
    pub not_evaluable: u64,
    /// met / (met + breached + overdue), 4 decimals; `None` when nothing was judged.
    pub met_rate: Option<f64>,
    /// `92.3%` or `—`.
    pub met_rate_text: String,
}

impl SlaCounts {
    /// From counts in [`crate::pipeline::sla::Status::ALL`] order.
    pub fn from_counts(c: &[u64]) -> SlaCounts {
        let mut s = SlaCounts {
            total: c.iter().sum(),
            met: c[0],
            breached: c[1],
            open: c[2],
            overdue: c[3],
            not_applicable: c[4],
            not_evaluable: c[5],
            ..SlaCounts::default()
        };
        let judged = s.met + s.breached + s.overdue;
        s.met_rate = (judged > 0).then(|| round4(s.met as f64 / judged as f64));
        s.met_rate_text = pct_text(s.met_rate);
        s
    }
}

/// A row of a grouped table.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroupRow {
    /// Group key (a project, a level code, a category, a month).
    pub key: String,
    /// Display name.
    pub label: String,
    /// Complaints received.
    pub complaints: u64,
    /// Share of the page's complaints, 4 decimals.
    pub share: f64,
    /// Cumulative share in the row order (the Pareto line), 4 decimals.
    pub cumulative: f64,
    /// Their SLA verdicts (all targets).
    pub sla: SlaCounts,
}

/// A category that stands out in a project.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hotspot {
    /// Project.
    pub project: String,
    /// Category.
    pub category: String,
    /// Complaints of that category in the project.
    pub complaints: u64,
    /// Its share of the project's complaints.
    pub share: f64,
    /// The category's share company-wide.
    pub company_share: f64,
    /// share / company_share, 2 decimals.
    pub ratio: f64,
}

/// A building with many complaints.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BuildingRow {
    /// Project.
    pub project: String,
    /// Building.
    pub building: String,
    /// Complaints.
    pub complaints: u64,
    /// Its most frequent category.
    pub top_category: String,
    /// Complaints of that category.
    pub top_complaints: u64,
}

/// A team on the 红黑榜.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TeamScore {
    /// Team.
    pub team: String,
    /// Complaints in the period.
    pub complaints: u64,
    /// Its verdicts.
    pub sla: SlaCounts,
    /// Breached or overdue on the resolution target.
    pub resolution_overdue: u64,
    /// Flagged by the consecutive-overdue duty in the period.
    pub flagged: bool,
}

/// The 红黑榜: best and worst teams by SLA met rate.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Board {
    /// Best first.
    pub red: Vec<TeamScore>,
    /// Worst first.
    pub black: Vec<TeamScore>,
    /// Every ranked team, best first.
    pub all: Vec<TeamScore>,
}

/// A target's results on the page.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TargetRow {
    /// Target name.
    pub name: String,
    /// Label in the report language.
    pub label: String,
    /// Preset title.
    pub preset: String,
    /// The limit in words.
    pub limit: String,
    /// Source procedure.
    pub source: String,
    /// Counts overall.
    pub sla: SlaCounts,
    /// Counts per level (level code, counts), levels in vocabulary order.
    pub by_level: Vec<(String, SlaCounts)>,
}

/// A complaint in a list (breached, overdue).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VerdictRow {
    /// Complaint ID.
    pub id: String,
    /// Received, local.
    pub received: String,
    /// Project.
    pub project: String,
    /// Level.
    pub level: String,
    /// Category.
    pub category: String,
    /// Team.
    pub team: String,
    /// Target label.
    pub target: String,
    /// Due, local.
    pub due: String,
    /// Stopped, local, or empty.
    pub stopped: String,
    /// How late, in words.
    pub over: String,
    /// Complaint text, masked.
    pub text: String,
    /// Link to its explanation, relative to the output folder.
    pub explain: String,
}

/// A dissatisfied complaint and its look-back follow-through.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LookBackRow {
    /// Complaint ID.
    pub id: String,
    /// Received, local.
    pub received: String,
    /// Project.
    pub project: String,
    /// Team.
    pub team: String,
    /// The score as written (满意度).
    pub score: String,
    /// Status of the second-handling duty, or empty.
    pub second_handling: String,
    /// Status of the look-back duty, or empty.
    pub look_back: String,
    /// Complaint text, masked.
    pub text: String,
    /// Link to its explanation.
    pub explain: String,
}

/// A capped list with its true length.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct List<T> {
    /// How many there are.
    pub total: usize,
    /// The first ones, in order.
    pub rows: Vec<T>,
}

impl<T> Default for List<T> {
    fn default() -> Self {
        List {
            total: 0,
            rows: Vec::new(),
        }
    }
}

impl<T> List<T> {
    /// Counts a row, and keeps it while there is room.
    pub fn push(&mut self, row: impl FnOnce() -> T) {
        self.total += 1;
        if self.rows.len() < LIST_LIMIT {
            self.rows.push(row());
        }
    }
}

/// A reject or finding summary row.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CodeCount {
    /// Reason or finding code.
    pub code: String,
    /// How many.
    pub count: usize,
}

/// A rejected record as the report lists it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RejectRow {
    /// `file:line` (the file's name without folder or extension).
    pub at: String,
    /// Stage.
    pub stage: String,
    /// Field.
    pub field: String,
    /// Reason code.
    pub reason: String,
    /// Message.
    pub message: String,
}

/// Rows of one kind of finding (a code on a field), counted, with the first as an example: the
/// report shows kinds, `findings.csv` every finding.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FindingKind {
    /// Finding code.
    pub code: String,
    /// The field concerned.
    pub field: String,
    /// How many.
    pub count: usize,
    /// The first one's `file:line`.
    pub at: String,
    /// The first one's message.
    pub example: String,
}

/// The reject share of a run, when it makes the result unacceptable: over the reject limit, or
/// no row accepted. The report is still written, and says so.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RejectAlarm {
    /// Rows rejected.
    pub rejected: usize,
    /// Rows read.
    pub read: usize,
    /// The reject limit as written (`20%`).
    pub limit: String,
    /// True when no row was accepted.
    pub nothing_accepted: bool,
    /// The most common reason, with an example and the fix.
    pub cause: Option<RejectCauseRow>,
}

/// The most common reject reason, as the report shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RejectCauseRow {
    /// Reason code.
    pub reason: String,
    /// Rows rejected for it.
    pub count: usize,
    /// The example's field.
    pub field: String,
    /// The example's value (masked for personal data).
    pub value: String,
    /// The example's `file:line`.
    pub at: String,
    /// What to change.
    pub fix: String,
}

/// How the columns of one or more input files (those with the same header) were read.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ColumnTable {
    /// The files, by name without folder or extension.
    pub files: Vec<String>,
    /// One row per column.
    pub columns: Vec<crate::pipeline::normalize::ColumnMapping>,
    /// Canonical fields no column maps to.
    pub missing: Vec<String>,
}

/// An input file as the report's footer shows it: by name without folder or extension, so a
/// CSV, GBK and XLSX copy of one export give the same report (paths, encodings and hashes are
/// in `manifest.json`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InputRow {
    /// File name without folder and extension.
    pub file: String,
    /// Records read.
    pub records: usize,
}

/// One indicator, against its target and its past.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Kpi {
    /// Its key in `rules/kpis.toml` (the shipped ones: `volume`, `ack_rate`,
    /// `satisfaction_rate`, `sla_rate`, `respond_p50`, `respond_p90`, `resolve_p50`,
    /// `resolve_p90`, `follow_up_rate`, `reopen_rate`, `repeat_rate`, `invalid_share`).
    pub key: String,
    /// Its name in the report language.
    pub name: String,
    /// `count`, `rate` (a fraction), `minutes` or `hours` (working time).
    pub unit: String,
    /// The value this period.
    pub value: Option<f64>,
    /// Formatted.
    pub text: String,
    /// The numbers behind a rate (`435 / 437`).
    pub detail: String,
    /// Target, when the procedure gives one.
    pub target: Option<f64>,
    /// Formatted target (`≥ 90.0%`), or empty.
    pub target_text: String,
    /// Whether the value meets the target.
    pub meets_target: Option<bool>,
    /// True when a higher value is better.
    pub higher_is_better: bool,
    /// Previous period.
    pub previous: Comparison,
    /// The same period a year earlier.
    pub year_before: Comparison,
}

/// A value in another period and the change to it.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Comparison {
    /// Its period key.
    pub period: String,
    /// The value then.
    pub value: Option<f64>,
    /// Formatted.
    pub text: String,
    /// Change: this period minus that one (rates in fractions).
    pub change: Option<f64>,
    /// Formatted change (`+2.1 pp`, `+12 (+2.8%)`, `-0.5 h`).
    pub change_text: String,
    /// `better`, `worse`, `same`, or empty when there is nothing to compare.
    pub trend: String,
}

/// One point of the trend charts.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TrendPoint {
    /// Period key.
    pub key: String,
    /// Complaints received.
    pub received: u64,
    /// 受理及时率.
    pub ack_rate: Option<f64>,
    /// 处理满意率.
    pub satisfaction_rate: Option<f64>,
    /// Met rate over all targets.
    pub sla_rate: Option<f64>,
    /// Median working hours to resolve.
    pub resolve_p50: Option<f64>,
    /// Every indicator in the trend section (`sections = ["trend"]`), by key.
    pub values: BTreeMap<String, Option<f64>>,
}

/// A link.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Link {
    /// Text.
    pub label: String,
    /// Target, relative to the output folder.
    pub href: String,
    /// True for the current page.
    pub current: bool,
}

/// Links between the pages of a run.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Nav {
    /// The company page of this period.
    pub company: String,
    /// The audit pack of this period.
    pub audit: String,
    /// Project pages of this period.
    pub projects: Vec<Link>,
    /// Every period's company page (with `--period all`).
    pub periods: Vec<Link>,
}

/// The report period and how complaints are attributed to it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PeriodInfo {
    /// `2026-10`.
    pub key: String,
    /// `month`, `quarter`, `week`, `year`.
    pub kind: String,
    /// First day.
    pub start: String,
    /// Last day (inclusive).
    pub last: String,
    /// Complaints received in the period (the basis of every table).
    pub received: u64,
    /// Complaints open at its start (received before, not resolved or closed by then).
    pub open_at_start: u64,
    /// Complaints resolved in it (whenever received).
    pub resolved: u64,
    /// The previous period's key.
    pub previous: String,
    /// The same period a year earlier.
    pub year_before: String,
    /// How the period was chosen: `named` (`--period`), `last_with_data` (the default: the
    /// last complete month with data at or before `--as-of`), `no_data` (no complete month
    /// before `--as-of` has data) or `every` (one of the months of `--period all`).
    pub chosen: crate::period::Chosen,
}

/// What a page covers.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Scope {
    /// `company` or `project`.
    pub kind: String,
    /// The project name (empty for the company).
    pub name: String,
}

/// Compliance counts of a group of audit findings.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Compliance {
    /// Group key (duty name, project, level, team).
    pub key: String,
    /// Display label.
    pub label: String,
    #[allow(missing_docs)]
    pub compliant: u64,
    #[allow(missing_docs)]
    pub late: u64,
    #[allow(missing_docs)]
    pub missing: u64,
    #[allow(missing_docs)]
    pub pending: u64,
    #[allow(missing_docs)]
    pub not_applicable: u64,
    #[allow(missing_docs)]
    pub not_auditable: u64,
    /// compliant / (compliant + late + missing), 4 decimals.
    pub rate: Option<f64>,
    /// `92.3%` or `—`.
    pub rate_text: String,
}

/// An event shown as evidence.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EvidenceRow {
    /// `file:line`.
    pub at: String,
    /// Event type (or `complaint row`).
    pub kind: String,
    /// Local time.
    pub time: String,
    /// Actor.
    pub actor: String,
    /// Role.
    pub role: String,
    /// Escalated/referred to.
    pub to_role: String,
}

/// A non-compliant finding with its evidence.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AuditRow {
    /// Complaint ID (empty for team duties).
    pub complaint_id: String,
    /// Team.
    pub team: String,
    /// Month.
    pub month: String,
    /// Duty label.
    pub duty: String,
    /// Status.
    pub status: String,
    /// Triggered, local.
    pub triggered_at: String,
    /// Required by, local.
    pub required_by: String,
    /// Done, local, or empty.
    pub done_at: String,
    /// Who acted.
    pub actor: String,
    /// The deadline arithmetic and what did not count.
    pub note: String,
    /// The events behind it.
    pub evidence: Vec<EvidenceRow>,
}

/// The audit section.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct AuditSection {
    /// True when a real event log was read (else duties needing one are not auditable).
    pub logged: bool,
    /// Event-log rows read.
    pub events_read: usize,
    /// Accepted event rows.
    pub events_accepted: usize,
    /// Per duty.
    pub by_duty: Vec<Compliance>,
    /// Per project.
    pub by_project: Vec<Compliance>,
    /// Per level.
    pub by_level: Vec<Compliance>,
    /// Per team.
    pub by_team: Vec<Compliance>,
    /// Late and missing findings, with evidence.
    pub noncompliant: List<AuditRow>,
}

/// The template contract. Every field is documented in `docs/TEMPLATES.md`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReportContext {
    /// `zh` or `en`.
    pub lang: Lang,
    /// Relative path from this page to the output folder (`""`, `"../"`, `"../../"`).
    pub base: String,
    /// What the page covers.
    pub scope: Scope,
    /// The rule set's name.
    pub rules_name: String,
    /// `--as-of`, local time.
    pub as_of: String,
    /// IANA zone.
    pub timezone: String,
    /// True when personal data is shown (`--unmask`): every page says 内部资料.
    pub unmasked: bool,
    /// True when the run wrote the record-level CSVs (`complaints.csv`, `sla.csv`,
    /// `escalations.csv`; off with `--no-record-tables`), so pages may point to them.
    pub record_tables: bool,
    /// The report period.
    pub period: PeriodInfo,
    /// Links to the other pages.
    pub nav: Nav,
    /// Row accounting of the whole run: read = accepted + rejected.
    pub counts: RowCounts,
    /// The complaint exports' physical lines: physical = header + in_records + blank.
    pub lines: crate::model::Lines,
    /// Indicators with their targets and comparisons.
    pub kpis: Vec<Kpi>,
    /// The last 12 periods, oldest first, ending with this one.
    pub trend: Vec<TrendPoint>,
    /// By level (vocabulary order).
    pub by_level: Vec<GroupRow>,
    /// By category, most frequent first, with the cumulative share (Pareto).
    pub by_category: Vec<GroupRow>,
    /// By project.
    pub by_project: Vec<GroupRow>,
    /// By team.
    pub by_team: Vec<GroupRow>,
    /// Categories that stand out in a project.
    pub hotspots: Vec<Hotspot>,
    /// The buildings with the most complaints.
    pub buildings: Vec<BuildingRow>,
    /// The 红黑榜.
    pub board: Board,
    /// Per SLA target.
    pub targets: Vec<TargetRow>,
    /// Breached verdicts of complaints received in the period, the latest first.
    pub breached: List<VerdictRow>,
    /// Overdue verdicts (still open past due at `as_of`) of complaints received in the period,
    /// the most overdue first.
    pub overdue: List<VerdictRow>,
    /// Complaints scoring under the satisfied score, with their look-back duties.
    pub look_back: List<LookBackRow>,
    /// Escalation-compliance audit.
    pub audit: AuditSection,
    /// Rejects by reason (whole run).
    pub rejects_by_reason: Vec<CodeCount>,
    /// The first rejected records.
    pub rejects: List<RejectRow>,
    /// Findings by code (whole run).
    pub findings_by_code: Vec<CodeCount>,
    /// Findings by kind (code and field) with an example (whole run).
    pub findings_by_kind: Vec<FindingKind>,
    /// Set when the run's rejects make its result unacceptable.
    pub reject_alarm: Option<RejectAlarm>,
    /// How the input files' columns were read.
    pub columns: Vec<ColumnTable>,
    /// Rule coverage.
    pub coverage: CoverageReport,
    /// Warnings (calendar coverage).
    pub warnings: Vec<String>,
    /// Input files.
    pub inputs: Vec<InputRow>,
    /// Level vocabulary: (code, name).
    pub levels: Vec<(String, String)>,
}

/// One page to render.
#[derive(Debug, Clone)]
pub struct Page {
    /// Where it goes, relative to the output folder.
    pub path: String,
    /// Its data.
    pub context: ReportContext,
    /// For company pages: where the period's audit pack goes.
    pub audit_path: Option<String>,
}

/// The stage's output.
#[derive(Debug, Clone)]
pub struct Aggregated {
    /// Every page, the default period's company page first.
    pub pages: Vec<Page>,
    /// Per explanation page (relative path), the complaints it explains.
    pub explanations: BTreeMap<String, BTreeSet<usize>>,
}

impl Aggregated {
    /// The first page: the company overview of the report period.
    pub fn main(&self) -> &ReportContext {
        &self.pages[0].context
    }
}
