//! Stage 6, aggregate: [`Assessed`] complaints, verdicts and audit findings → [`Aggregated`]:
//! one [`ReportContext`] per page (a company overview and one page per project, for one report
//! period or, with `--period all`, for every month of the data).
//!
//! - Input: the assessed complaints, the event log, the audit findings, rejects, the run's files.
//! - Output: the contexts the templates receive (printed by `complaints context`, documented
//!   field by field in `docs/TEMPLATES.md`), built only from `Vec`s and sorted maps, with every
//!   ratio computed from summed counts (never an average of percentages) and rounded here, so
//!   reports are byte-stable.
//! - Failure policy: a polars error is a bug, reported as [`Error::Aggregate`].
//!
//! This is the only stage that uses polars (`stats.rs`); every group-by runs once over the whole
//! data, keyed by period and project, and pages are assembled from the results.

mod facts;
mod stats;
mod summary;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use self::facts::{Facts, period_key};
use self::stats::{Stats, audit_statuses, counts, stats, status_counts, verdict_statuses};
pub use self::summary::Summary;
use crate::config::{Config, Lang};
use crate::error::{Error, Result};
use crate::format::{duration_text, pct_text, round4, thousands};
use crate::model::RowCounts;
use crate::model::Stage;
use crate::period::{self, Period, PeriodSpec};
use crate::pipeline::audit::AuditStatus;
use crate::pipeline::events::EventLog;
use crate::pipeline::ingest::InputFile;
use crate::pipeline::rules::RuleSet;
use crate::pipeline::rules::coverage::CoverageReport;
use crate::pipeline::rules::presets::limit::limit_text;
use crate::pipeline::sla::Status;
use crate::privacy;
use crate::rejects::Rejects;

/// Rows listed before "and N more" (the CSVs have them all).
pub const LIST_LIMIT: usize = 200;
/// Periods in a trend chart.
pub const TREND_PERIODS: usize = 12;
/// A category stands out in a project when its share there is this many times the company's.
pub const HOTSPOT_RATIO: f64 = 1.5;
/// ... and it has at least this many complaints.
pub const HOTSPOT_MIN: u64 = 5;
/// Teams need this many judged verdicts in the period to be ranked on the 红黑榜.
pub const BOARD_MIN_VERDICTS: u64 = 10;
/// Teams on each side of the 红黑榜.
pub const BOARD_SIZE: usize = 3;
/// The project key of company-wide stats: not a name an export can hold, so complaints with a
/// blank project keep their own row.
const COMPANY: &str = "\u{0}company";

/// What the stage needs.
pub struct AggregateInput<'a> {
    /// Run config.
    pub cfg: &'a Config,
    /// The rules (vocabularies, targets, duties, KPI settings).
    pub rules: &'a RuleSet,
    /// Input files.
    pub files: &'a [InputFile],
    /// The classified complaints.
    pub classified: &'a crate::pipeline::rules::classify::Classified,
    /// What the report needs of their verdicts and audit findings.
    pub summary: &'a Summary,
    /// Rejects and findings.
    pub rejects: &'a Rejects,
    /// Row accounting.
    pub counts: RowCounts,
    /// Warnings to show in the report.
    pub warnings: &'a [String],
    /// The event log.
    pub events: &'a EventLog,
}

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
    fn from_counts(c: &[u64]) -> SlaCounts {
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
    fn push(&mut self, row: impl FnOnce() -> T) {
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
    /// `volume`, `ack_rate`, `satisfaction_rate`, `sla_rate`, `respond_p50`, `respond_p90`,
    /// `resolve_p50`, `resolve_p90`, `follow_up_rate`, `reopen_rate`, `repeat_rate`,
    /// `invalid_share`.
    pub key: String,
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

/// Each project's page file name ([`file_name`]), made unique: two names that give the same
/// file (`A/B` and `A_B`, or `Park` and `park` on a case-insensitive file system) would
/// otherwise share one page, and the pages are written in parallel. Later names in sorted
/// order get `_2`, `_3` ….
fn page_stems(projects: &[String]) -> BTreeMap<String, String> {
    let mut taken = BTreeSet::new();
    projects
        .iter()
        .map(|q| {
            let base = file_name(q);
            let mut stem = base.clone();
            let mut n = 2;
            while !taken.insert(stem.to_lowercase()) {
                stem = format!("{base}_{n}");
                n += 1;
            }
            (q.clone(), stem)
        })
        .collect()
}

/// A project name as a file name.
pub fn file_name(project: &str) -> String {
    let s: String = project
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    if s.is_empty() { "_".to_owned() } else { s }
}

/// Builds every page.
pub fn run(input: &AggregateInput<'_>) -> Result<Aggregated> {
    let cfg = input.cfg;
    let zone = &cfg.zone;
    let as_of_date = zone.local_date(cfg.as_of);
    let (periods, all): (Vec<Period>, bool) = match cfg.period.as_deref().map(period::parse) {
        Some(Ok(PeriodSpec::One(p))) => (vec![p], false),
        Some(Err(e)) => return Err(Error::Usage(e)),
        Some(Ok(PeriodSpec::All)) => (data_months(input, as_of_date), true),
        None => (vec![period::default_for(as_of_date)], false),
    };
    let summary = input.summary;
    let facts = &summary.facts;
    let frames = stats::frames(facts, input.rules, summary)?;
    let g = Grouped::new(
        &frames,
        &stats::Decode {
            facts,
            frames: &frames,
        },
    )?;
    let default_key = period::default_for(as_of_date);
    let mut projects: Vec<String> = facts
        .projects
        .names()
        .iter()
        .filter(|p| !p.is_empty())
        .cloned()
        .collect();
    projects.sort();
    let stems = page_stems(&projects);
    let stem = |q: &String| stems[q].as_str();
    let mut pages = Vec::new();
    let mut explanations: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    let order: Vec<&Period> = if all {
        // The default period's pages first (they go to the top of the output folder too).
        let mut v: Vec<&Period> = periods.iter().collect();
        v.sort_by_key(|p| (p.key != default_key.key, p.key.clone()));
        v
    } else {
        periods.iter().collect()
    };
    let period_links: Vec<(String, String)> = if all {
        periods
            .iter()
            .map(|p| (p.key.clone(), format!("months/{}/report.html", p.key)))
            .collect()
    } else {
        Vec::new()
    };
    let common = Common::new(input);
    let mut emitted_top = false;
    // Every page's inputs first, in output order; the pages are then built in parallel and
    // collected in that order, so the output does not depend on the threads.
    struct Job<'p> {
        period: &'p Period,
        project: Option<&'p String>,
        path: String,
        base: String,
        nav: Nav,
        explain_page: String,
        audit_path: Option<String>,
    }
    let mut jobs: Vec<Job<'_>> = Vec::new();
    for p in order {
        let dirs: Vec<String> = if all {
            let mut d = vec![format!("months/{}/", p.key)];
            if p.key == default_key.key && !emitted_top {
                d.insert(0, String::new());
                emitted_top = true;
            }
            d
        } else {
            vec![String::new()]
        };
        for dir in dirs {
            let depth = dir.matches('/').count();
            let scopes = std::iter::once(None).chain(projects.iter().map(Some));
            for project in scopes {
                let (path, base) = match project {
                    None => (format!("{dir}report.html"), "../".repeat(depth)),
                    Some(name) => (
                        format!("{dir}projects/{}.html", stem(name)),
                        "../".repeat(depth + 1),
                    ),
                };
                let nav = Nav {
                    company: format!("{dir}report.html"),
                    audit: format!("{dir}audit.html"),
                    projects: projects
                        .iter()
                        .map(|q| Link {
                            label: q.clone(),
                            href: format!("{dir}projects/{}.html", stem(q)),
                            current: Some(q) == project,
                        })
                        .collect(),
                    periods: period_links
                        .iter()
                        .map(|(k, h)| Link {
                            label: k.clone(),
                            href: h.clone(),
                            current: *k == p.key,
                        })
                        .collect(),
                };
                jobs.push(Job {
                    period: p,
                    project,
                    path,
                    base,
                    nav,
                    explain_page: format!("{dir}explain.html"),
                    audit_path: project.is_none().then(|| format!("{dir}audit.html")),
                });
            }
        }
    }
    use rayon::prelude::*;
    let built: Vec<Result<(ReportContext, BTreeSet<usize>)>> = jobs
        .par_iter()
        .map(|j| {
            page(
                input,
                facts,
                &g,
                &common,
                j.period,
                j.project.map(String::as_str),
                j.base.clone(),
                j.nav.clone(),
                &j.explain_page,
            )
        })
        .collect();
    for (j, result) in jobs.into_iter().zip(built) {
        let (ctx, listed) = result?;
        explanations
            .entry(j.explain_page)
            .or_default()
            .extend(listed);
        pages.push(Page {
            path: j.path,
            context: ctx,
            audit_path: j.audit_path,
        });
    }
    Ok(Aggregated {
        pages,
        explanations,
    })
}

/// The kind of the report period (`month`, `quarter`, `week`, `year`): what complaints are keyed
/// by. `--period all` reports month by month.
pub fn period_kind(cfg: &Config) -> Result<&'static str> {
    Ok(match cfg.period.as_deref().map(period::parse) {
        Some(Ok(PeriodSpec::One(p))) => p.kind,
        Some(Err(e)) => return Err(Error::Usage(e)),
        Some(Ok(PeriodSpec::All)) | None => "month",
    })
}

/// Every month of the data's range (by receipt), up to the month of `as_of`.
fn data_months(input: &AggregateInput<'_>, as_of: chrono::NaiveDate) -> Vec<Period> {
    let zone = &input.cfg.zone;
    let dates: Vec<chrono::NaiveDate> = input
        .classified
        .complaints
        .iter()
        .map(|c| zone.local_date(c.received_at()))
        .filter(|d| *d <= as_of)
        .collect();
    let (Some(first), Some(last)) = (dates.iter().min(), dates.iter().max()) else {
        return vec![period::default_for(as_of)];
    };
    let mut out = Vec::new();
    let mut m = period::month_of(*first);
    while m.start <= *last {
        let next = period::month_of(m.end);
        out.push(m);
        m = next;
    }
    out
}

/// Everything computed once for all pages.
struct Grouped {
    /// (key, project) → stats; (key, [`COMPANY`]) → company stats.
    stats: HashMap<Vec<String>, Stats>,
    /// (key, project, X) complaint counts for X in level, category, team, building.
    counts: HashMap<&'static str, HashMap<Vec<String>, u64>>,
    /// (key, project, X) verdict status counts for X in level, category, team, target.
    sla: HashMap<&'static str, HashMap<Vec<String>, Vec<u64>>>,
    /// (key, project, target, level) verdict status counts.
    sla_target_level: HashMap<Vec<String>, Vec<u64>>,
    /// (key, project, building, category) counts.
    building_category: HashMap<Vec<String>, u64>,
    /// (key, project, X, duty) audit status counts for X in level, team.
    audit: HashMap<&'static str, HashMap<Vec<String>, Vec<u64>>>,
}

impl Grouped {
    fn new(f: &stats::Frames, d: &stats::Decode<'_>) -> Result<Grouped> {
        let mut s = stats(&f.complaints, &["key", "project"], d)?;
        for (k, v) in stats(&f.complaints, &["key"], d)? {
            s.insert(vec![k[0].clone(), COMPANY.to_owned()], v);
        }
        let mut counts_by = HashMap::new();
        for x in ["level", "category", "team", "building"] {
            counts_by.insert(x, counts(&f.complaints, &["key", "project", x], d)?);
        }
        let vs = verdict_statuses();
        let mut sla = HashMap::new();
        for x in ["level", "category", "team", "target"] {
            sla.insert(
                x,
                status_counts(&f.verdicts, &["key", "project", x], &vs, d)?,
            );
        }
        let sla_target_level =
            status_counts(&f.verdicts, &["key", "project", "target", "level"], &vs, d)?;
        let building_category = counts(
            &f.complaints,
            &["key", "project", "building", "category"],
            d,
        )?;
        let aus = audit_statuses();
        let mut audit = HashMap::new();
        for x in ["level", "team"] {
            audit.insert(
                x,
                status_counts(&f.audit, &["key", "project", x, "duty"], &aus, d)?,
            );
        }
        Ok(Grouped {
            stats: s,
            counts: counts_by,
            sla,
            sla_target_level,
            building_category,
            audit,
        })
    }

    /// Stats of a period for a project, or the company (`None`).
    fn stats(&self, key: &str, project: Option<&str>) -> Stats {
        self.stats
            .get(&vec![key.to_owned(), project.unwrap_or(COMPANY).to_owned()])
            .cloned()
            .unwrap_or_default()
    }

    /// Complaint counts per value of `x` in a period and scope.
    fn counts_of(&self, x: &str, key: &str, project: Option<&str>) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for (k, n) in &self.counts[x] {
            if k[0] == key && project.is_none_or(|p| k[1] == p) {
                *out.entry(k[2].clone()).or_default() += n;
            }
        }
        out
    }

    /// Verdict status counts per value of `x` in a period and scope.
    fn sla_of(&self, x: &str, key: &str, project: Option<&str>) -> BTreeMap<String, Vec<u64>> {
        let mut out: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for (k, n) in &self.sla[x] {
            if k[0] == key && project.is_none_or(|p| k[1] == p) {
                let e = out.entry(k[2].clone()).or_insert_with(|| vec![0; n.len()]);
                for (a, b) in e.iter_mut().zip(n) {
                    *a += b;
                }
            }
        }
        out
    }

    /// Audit status counts per (x, duty) in a period and scope.
    fn audit_of(
        &self,
        x: &str,
        key: &str,
        project: Option<&str>,
    ) -> BTreeMap<(String, String), Vec<u64>> {
        let mut out: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
        for (k, n) in &self.audit[x] {
            if k[0] == key && project.is_none_or(|p| k[1] == p) {
                let e = out
                    .entry((k[2].clone(), k[3].clone()))
                    .or_insert_with(|| vec![0; n.len()]);
                for (a, b) in e.iter_mut().zip(n) {
                    *a += b;
                }
            }
        }
        out
    }
}

/// Parts of every context that do not depend on the page.
struct Common<'a> {
    /// The events cited as evidence by late or missing findings, by origin.
    evidence: rustc_hash::FxHashMap<crate::model::Origin, &'a crate::pipeline::events::Event>,
    rejects_by_reason: Vec<CodeCount>,
    rejects: List<RejectRow>,
    findings_by_code: Vec<CodeCount>,
    coverage: CoverageReport,
    inputs: Vec<InputRow>,
    levels: Vec<(String, String)>,
    level_names: BTreeMap<String, String>,
    /// Per complaint: received, done (closed, else resolved) and resolved instants, with
    /// `Ts::MAX` for none. Every page counts the complaints open at its start and resolved in
    /// it; dense arrays make that a scan of 24 bytes a complaint instead of a walk over the
    /// complaint records (which was most of `--period all`'s aggregate time at 1 M).
    received: Vec<crate::time::Ts>,
    done: Vec<crate::time::Ts>,
    resolved: Vec<crate::time::Ts>,
}

impl<'a> Common<'a> {
    fn new(input: &AggregateInput<'a>) -> Common<'a> {
        let lang = input.cfg.lang;
        let files = input.files;
        let at = |o: &crate::model::Origin| {
            format!(
                "{}:{}",
                files.get(o.file as usize).map_or("?", |f| f.stem.as_str()),
                o.line
            )
        };
        let code_counts = |m: BTreeMap<&'static str, usize>| -> Vec<CodeCount> {
            m.into_iter()
                .map(|(code, count)| CodeCount {
                    code: code.to_owned(),
                    count,
                })
                .collect()
        };
        let mut rejects = List::default();
        for r in &input.rejects.issues {
            rejects.push(|| RejectRow {
                at: at(&r.origin),
                stage: r.stage.to_owned(),
                field: r.field.clone(),
                reason: r.reason.code().to_owned(),
                message: if input.cfg.unmask {
                    r.message.clone()
                } else {
                    privacy::mask_text(&r.message, &[])
                },
            });
        }
        let levels: Vec<(String, String)> = input
            .rules
            .manifest
            .level
            .iter()
            .map(|t| (t.code.clone(), term_name(t, lang)))
            .collect();
        let summary = input.summary;
        let mut cited = rustc_hash::FxHashSet::default();
        for f in summary.noncompliant.iter().chain(&summary.team_findings) {
            if matches!(f.status, AuditStatus::Late | AuditStatus::Missing) {
                cited.extend(f.evidence.iter().copied());
            }
        }
        let mut evidence = rustc_hash::FxHashMap::default();
        if !cited.is_empty() {
            for e in input.events.all() {
                if cited.contains(&e.origin) {
                    evidence.insert(e.origin, e);
                }
            }
        }
        let complaints = &input.classified.complaints;
        let received = complaints.iter().map(|c| c.received_at()).collect();
        let done = complaints
            .iter()
            .map(|c| {
                c.time(Stage::Closed)
                    .or(c.time(Stage::Resolved))
                    .unwrap_or(crate::time::Ts::MAX)
            })
            .collect();
        let resolved = complaints
            .iter()
            .map(|c| c.time(Stage::Resolved).unwrap_or(crate::time::Ts::MAX))
            .collect();
        Common {
            received,
            done,
            resolved,
            evidence,
            rejects_by_reason: code_counts(input.rejects.counts_by_reason()),
            rejects,
            findings_by_code: code_counts(input.rejects.counts_by_finding()),
            coverage: CoverageReport::new(
                input.rules,
                &input.classified.coverage,
                None,
                &summary.targets_applied,
                &summary.duties_applied,
            ),
            inputs: files
                .iter()
                .take(input.cfg.inputs.len())
                .map(|f| InputRow {
                    file: f.stem.clone(),
                    records: f.records,
                })
                .collect(),
            level_names: levels.iter().cloned().collect(),
            levels,
        }
    }
}

fn term_name(t: &crate::pipeline::rules::Term, lang: Lang) -> String {
    match lang {
        Lang::En => t.name_en.clone().unwrap_or_else(|| t.name.clone()),
        Lang::Zh => t.name.clone(),
    }
}

fn rate(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| round4(num as f64 / den as f64))
}

fn hours(minutes: Option<f64>) -> Option<f64> {
    minutes.map(|m| (m / 60.0 * 10.0).round() / 10.0)
}

fn whole_minutes(minutes: Option<f64>) -> Option<f64> {
    minutes.map(f64::round)
}

/// The overall verdict counts of a scope: summed over targets.
fn sla_total(g: &Grouped, key: &str, project: Option<&str>) -> SlaCounts {
    let mut c = vec![0u64; 6];
    for v in g.sla_of("target", key, project).values() {
        for (a, b) in c.iter_mut().zip(v) {
            *a += b;
        }
    }
    SlaCounts::from_counts(&c)
}

/// The indicators of a period and scope, before comparison.
fn values(
    g: &Grouped,
    key: &str,
    project: Option<&str>,
    reopen_known: bool,
) -> Vec<(&'static str, Option<f64>, String)> {
    let s = g.stats(key, project);
    let sla = sla_total(g, key, project);
    let detail = |a: u64, b: u64| format!("{a} / {b}");
    vec![
        ("volume", Some(s.received as f64), String::new()),
        (
            "ack_rate",
            rate(s.ack_met, s.ack_met + s.ack_breached + s.ack_overdue),
            detail(s.ack_met, s.ack_met + s.ack_breached + s.ack_overdue),
        ),
        (
            "satisfaction_rate",
            rate(s.satisfied, s.rated),
            detail(s.satisfied, s.rated),
        ),
        (
            "sla_rate",
            sla.met_rate,
            detail(sla.met, sla.met + sla.breached + sla.overdue),
        ),
        ("respond_p50", whole_minutes(s.respond_p50), String::new()),
        ("respond_p90", whole_minutes(s.respond_p90), String::new()),
        ("resolve_p50", hours(s.resolve_p50), String::new()),
        ("resolve_p90", hours(s.resolve_p90), String::new()),
        (
            "follow_up_rate",
            rate(s.followed, s.resolved),
            detail(s.followed, s.resolved),
        ),
        (
            "reopen_rate",
            if reopen_known {
                rate(s.reopened, s.resolved)
            } else {
                None
            },
            if reopen_known {
                detail(s.reopened, s.resolved)
            } else {
                String::new()
            },
        ),
        (
            "repeat_rate",
            rate(s.repeats, s.received),
            detail(s.repeats, s.received),
        ),
        (
            "invalid_share",
            rate(s.invalid, s.valid + s.invalid),
            detail(s.invalid, s.valid + s.invalid),
        ),
    ]
}

fn unit_of(key: &str) -> &'static str {
    match key {
        "volume" => "count",
        k if k.starts_with("respond_") => "minutes",
        k if k.ends_with("_p50") || k.ends_with("_p90") => "hours",
        _ => "rate",
    }
}

fn value_text(unit: &str, v: Option<f64>) -> String {
    match (unit, v) {
        (_, None) => "—".to_owned(),
        ("count", Some(x)) => thousands(x as i64),
        ("hours", Some(x)) => format!("{x:.1} h"),
        ("minutes", Some(x)) => format!("{x:.0} min"),
        (_, Some(x)) => format!("{:.1}%", x * 100.0),
    }
}

fn compare(
    unit: &str,
    now: Option<f64>,
    then: Option<f64>,
    higher_is_better: bool,
    period: &str,
) -> Comparison {
    let change = match (now, then) {
        (Some(a), Some(b)) => Some(round4(a - b)),
        _ => None,
    };
    let change_text = match (unit, change, then) {
        (_, None, _) => String::new(),
        ("count", Some(d), Some(b)) if b > 0.0 => {
            format!("{:+} ({:+.1}%)", d as i64, d / b * 100.0)
        }
        ("count", Some(d), _) => format!("{:+}", d as i64),
        ("hours", Some(d), _) => format!("{d:+.1} h"),
        ("minutes", Some(d), _) => format!("{d:+.0} min"),
        (_, Some(d), _) => format!("{:+.1} pp", d * 100.0),
    };
    let trend = match change {
        None => String::new(),
        Some(d) if d.abs() < 1e-9 => "same".to_owned(),
        Some(d) if (d > 0.0) == higher_is_better => "better".to_owned(),
        Some(_) => "worse".to_owned(),
    };
    Comparison {
        period: period.to_owned(),
        value: then,
        text: value_text(unit, then),
        change,
        change_text,
        trend,
    }
}

#[allow(clippy::too_many_arguments)]
fn page(
    input: &AggregateInput<'_>,
    facts: &Facts,
    g: &Grouped,
    common: &Common,
    p: &Period,
    project: Option<&str>,
    base: String,
    nav: Nav,
    explain_page: &str,
) -> Result<(ReportContext, BTreeSet<usize>)> {
    let cfg = input.cfg;
    let zone = &cfg.zone;
    let lang = cfg.lang;
    let rules = input.rules;
    let kpi = &rules.manifest.kpi;
    let cls = input.classified;
    let summary = input.summary;
    let key = p.key.as_str();
    let (prev, year) = (p.previous(), p.year_before());
    // Codes of this page's period and project; a period or project no complaint has gives no
    // members (`u32::MAX` matches nothing).
    let key_code = facts.keys.find(key).unwrap_or(u32::MAX);
    let project_code = project.map(|q| facts.projects.find(q).unwrap_or(u32::MAX));
    let in_scope =
        |i: usize| facts.key[i] == key_code && project_code.is_none_or(|q| facts.project[i] == q);
    let members: Vec<usize> = (0..facts.len()).filter(|&i| in_scope(i)).collect();
    let received = members.len() as u64;

    // Indicators.
    let now = values(g, key, project, facts.reopen_known);
    let before = values(g, &prev.key, project, facts.reopen_known);
    let ago = values(g, &year.key, project, facts.reopen_known);
    let kpis: Vec<Kpi> = now
        .iter()
        .zip(&before)
        .zip(&ago)
        .map(|(((k, v, detail), (_, b, _)), (_, y, _))| {
            let unit = unit_of(k);
            let higher_is_better = matches!(
                *k,
                "ack_rate" | "satisfaction_rate" | "sla_rate" | "follow_up_rate"
            );
            let target = match *k {
                "ack_rate" => Some(kpi.acknowledgement_rate),
                "satisfaction_rate" => Some(kpi.satisfaction_rate),
                _ => None,
            };
            Kpi {
                key: (*k).to_owned(),
                unit: unit.to_owned(),
                value: *v,
                text: value_text(unit, *v),
                detail: detail.clone(),
                target,
                target_text: target
                    .map(|t| format!("≥ {:.1}%", t * 100.0))
                    .unwrap_or_default(),
                meets_target: match (target, v) {
                    (Some(t), Some(x)) => Some(*x >= t),
                    _ => None,
                },
                higher_is_better,
                previous: compare(unit, *v, *b, higher_is_better, &prev.key),
                year_before: compare(unit, *v, *y, higher_is_better, &year.key),
            }
        })
        .collect();

    // Trend: the last 12 periods ending with this one.
    let mut keys = vec![p.clone()];
    while keys.len() < TREND_PERIODS {
        let earlier = keys.last().expect("non-empty").previous();
        keys.push(earlier);
    }
    keys.reverse();
    let trend = keys
        .iter()
        .map(|q| {
            let s = g.stats(&q.key, project);
            TrendPoint {
                key: q.key.clone(),
                received: s.received,
                ack_rate: rate(s.ack_met, s.ack_met + s.ack_breached + s.ack_overdue),
                satisfaction_rate: rate(s.satisfied, s.rated),
                sla_rate: sla_total(g, &q.key, project).met_rate,
                resolve_p50: hours(s.resolve_p50),
            }
        })
        .collect();

    // Grouped tables.
    let table = |x: &str, label: &dyn Fn(&str) -> String, by_volume: bool| -> Vec<GroupRow> {
        let counts = g.counts_of(x, key, project);
        let sla = g.sla_of(x, key, project);
        let mut rows: Vec<GroupRow> = counts
            .iter()
            .map(|(k, n)| GroupRow {
                key: k.clone(),
                label: label(k),
                complaints: *n,
                share: rate(*n, received).unwrap_or(0.0),
                cumulative: 0.0,
                sla: sla.get(k).map_or_else(
                    || SlaCounts::from_counts(&[0; 6]),
                    |c| SlaCounts::from_counts(c),
                ),
            })
            .collect();
        if by_volume {
            rows.sort_by(|a, b| {
                b.complaints
                    .cmp(&a.complaints)
                    .then_with(|| a.key.cmp(&b.key))
            });
        }
        rows
    };
    // The running share in each table's final row order (after the level order is applied).
    let accumulate = |rows: &mut [GroupRow]| {
        let mut cum = 0u64;
        for r in rows {
            cum += r.complaints;
            r.cumulative = rate(cum, received).unwrap_or(0.0);
        }
    };
    let ident = |k: &str| k.to_owned();
    let level_order: Vec<&String> = rules.manifest.level.iter().map(|t| &t.code).collect();
    let mut by_level = table(
        "level",
        &|k| {
            common
                .level_names
                .get(k)
                .cloned()
                .unwrap_or_else(|| k.to_owned())
        },
        false,
    );
    by_level.sort_by_key(|r| {
        level_order
            .iter()
            .position(|l| **l == r.key)
            .unwrap_or(usize::MAX)
    });
    accumulate(&mut by_level);
    let mut by_category = table("category", &ident, true);
    accumulate(&mut by_category);
    let mut by_team = table("team", &ident, false);
    accumulate(&mut by_team);
    let by_project: Vec<GroupRow> = {
        let mut rows = Vec::new();
        for q in facts.projects.names().iter().collect::<BTreeSet<_>>() {
            if project.is_some_and(|x| x != q) {
                continue;
            }
            let s = g.stats(key, Some(q));
            if s.received == 0 {
                continue;
            }
            rows.push(GroupRow {
                key: q.clone(),
                label: q.clone(),
                complaints: s.received,
                share: rate(s.received, received).unwrap_or(0.0),
                cumulative: 0.0,
                sla: sla_total(g, key, Some(q)),
            });
        }
        accumulate(&mut rows);
        rows
    };

    // Hotspots: a category's share in a project against its share company-wide.
    let company_cat = g.counts_of("category", key, None);
    let company_n: u64 = company_cat.values().sum();
    let mut hotspots = Vec::new();
    for (k, n) in &g.counts["category"] {
        if k[0] != key || project.is_some_and(|q| k[1] != q) || k[1].is_empty() {
            continue;
        }
        let in_project = g.stats(key, Some(&k[1])).received;
        let (share, company_share) = (
            rate(*n, in_project).unwrap_or(0.0),
            rate(company_cat.get(&k[2]).copied().unwrap_or(0), company_n).unwrap_or(0.0),
        );
        if *n >= HOTSPOT_MIN && company_share > 0.0 && share >= HOTSPOT_RATIO * company_share {
            hotspots.push(Hotspot {
                project: k[1].clone(),
                category: k[2].clone(),
                complaints: *n,
                share,
                company_share,
                ratio: (share / company_share * 100.0).round() / 100.0,
            });
        }
    }
    hotspots.sort_by(|a, b| {
        b.ratio
            .total_cmp(&a.ratio)
            .then_with(|| (&a.project, &a.category).cmp(&(&b.project, &b.category)))
    });

    // Buildings.
    let mut buildings: Vec<BuildingRow> = Vec::new();
    for (k, n) in &g.counts["building"] {
        if k[0] != key || project.is_some_and(|q| k[1] != q) || k[2].is_empty() {
            continue;
        }
        let (top_category, top_complaints) = g
            .building_category
            .iter()
            .filter(|(bk, _)| bk[0] == key && bk[1] == k[1] && bk[2] == k[2])
            .map(|(bk, c)| (bk[3].clone(), *c))
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
            .unwrap_or_default();
        buildings.push(BuildingRow {
            project: k[1].clone(),
            building: k[2].clone(),
            complaints: *n,
            top_category,
            top_complaints,
        });
    }
    buildings.sort_by(|a, b| {
        b.complaints
            .cmp(&a.complaints)
            .then_with(|| (&a.project, &a.building).cmp(&(&b.project, &b.building)))
    });
    buildings.truncate(10);

    // The 红黑榜.
    let resolution = rules.targets.index(&kpi.resolution_target);
    let mut teams: BTreeMap<String, TeamScore> = BTreeMap::new();
    for r in &by_team {
        if r.key.is_empty() {
            continue;
        }
        teams.insert(
            r.key.clone(),
            TeamScore {
                team: r.key.clone(),
                complaints: r.complaints,
                sla: r.sla.clone(),
                resolution_overdue: 0,
                flagged: false,
            },
        );
    }
    for &i in &members {
        if resolution.is_some()
            && facts.resolution_overdue[i]
            && let Some(t) = teams.get_mut(facts.teams.name(facts.team[i]))
        {
            t.resolution_overdue += 1;
        }
    }
    for f in &summary.team_findings {
        let d = chrono::NaiveDate::parse_from_str(&format!("{}-01", f.month), "%Y-%m-%d")
            .unwrap_or_default();
        if p.contains(d)
            && let Some(t) = teams.get_mut(&f.team)
        {
            t.flagged = true;
        }
    }
    let mut ranked: Vec<TeamScore> = teams
        .into_values()
        .filter(|t| t.sla.met + t.sla.breached + t.sla.overdue >= BOARD_MIN_VERDICTS)
        .collect();
    ranked.sort_by(|a, b| {
        b.sla
            .met_rate
            .unwrap_or(0.0)
            .total_cmp(&a.sla.met_rate.unwrap_or(0.0))
            .then_with(|| a.team.cmp(&b.team))
    });
    // Best and worst k teams, never overlapping.
    let k = BOARD_SIZE.min(ranked.len() / 2);
    let board = Board {
        red: ranked.iter().take(k).cloned().collect(),
        black: ranked.iter().rev().take(k).cloned().collect(),
        all: ranked,
    };

    // Targets.
    let target_sla = g.sla_of("target", key, project);
    let targets = rules
        .targets
        .targets
        .iter()
        .map(|t| {
            let mut by_level: BTreeMap<String, Vec<u64>> = BTreeMap::new();
            for (k, n) in &g.sla_target_level {
                if k[0] == key && project.is_none_or(|q| k[1] == q) && k[2] == t.name {
                    let e = by_level
                        .entry(k[3].clone())
                        .or_insert_with(|| vec![0; n.len()]);
                    for (a, b) in e.iter_mut().zip(n) {
                        *a += b;
                    }
                }
            }
            let preset = rules
                .targets
                .presets
                .iter()
                .find(|x| x.name == t.preset)
                .map(|x| {
                    if lang == Lang::En {
                        x.title_en.clone()
                    } else {
                        x.title.clone()
                    }
                })
                .unwrap_or_default();
            let mut levels: Vec<(String, SlaCounts)> = by_level
                .into_iter()
                .map(|(l, c)| (l, SlaCounts::from_counts(&c)))
                .collect();
            levels.sort_by_key(|(l, _)| {
                level_order
                    .iter()
                    .position(|x| *x == l)
                    .unwrap_or(usize::MAX)
            });
            TargetRow {
                name: t.name.clone(),
                label: if lang == Lang::En {
                    t.label_en.clone()
                } else {
                    t.label.clone()
                },
                preset,
                limit: limit_text(t.limit.as_ref(), t.deadline_field.as_deref(), lang),
                source: t.source.clone().unwrap_or_default(),
                sla: target_sla.get(&t.name).map_or_else(
                    || SlaCounts::from_counts(&[0; 6]),
                    |c| SlaCounts::from_counts(c),
                ),
                by_level: levels,
            }
        })
        .collect();

    // Lists: breached and overdue verdicts, the latest first; dissatisfied complaints in order.
    let mut listed = BTreeSet::new();
    // A complaint's verdicts are in target order, so the target breaks ties as the verdict's
    // position did.
    let mut late: Vec<&summary::Late> = summary
        .late
        .iter()
        .filter(|l| in_scope(l.complaint as usize))
        .collect();
    late.sort_by(|a, b| {
        b.over_cal
            .cmp(&a.over_cal)
            .then_with(|| {
                cls.complaints[a.complaint as usize]
                    .id
                    .cmp(&cls.complaints[b.complaint as usize].id)
            })
            .then(a.target.cmp(&b.target))
    });
    let masked_text = |i: usize| {
        let t = cls.complaints[i].text.as_deref().unwrap_or("");
        if cfg.unmask {
            t.to_owned()
        } else {
            cls.masker().mask(t)
        }
    };
    let explain_of = |i: usize| format!("{explain_page}#{}", cls.complaints[i].id);
    let mut breached = List::default();
    let mut overdue = List::default();
    for l in late {
        let i = l.complaint as usize;
        let list = if l.status == Status::Breached {
            &mut breached
        } else {
            &mut overdue
        };
        let before = list.rows.len();
        list.push(|| {
            let c = &cls.complaints[i];
            let t = &rules.targets.targets[l.target as usize];
            VerdictRow {
                id: c.id.to_string(),
                received: zone.format(c.received_at()),
                project: facts.projects.name(facts.project[i]).to_owned(),
                level: facts.levels.name(facts.level[i]).to_owned(),
                category: facts.categories.name(facts.category[i]).to_owned(),
                team: facts.teams.name(facts.team[i]).to_owned(),
                target: if lang == Lang::En {
                    t.label_en.clone()
                } else {
                    t.label.clone()
                },
                due: l.due.map(|d| zone.format(d)).unwrap_or_default(),
                stopped: l.stop.map(|d| zone.format(d)).unwrap_or_default(),
                over: duration_text(l.over_cal, lang),
                text: masked_text(i),
                explain: explain_of(i),
            }
        });
        if list.rows.len() > before {
            listed.insert(i);
        }
    }
    let duty_status = |i: usize, name: &str| -> String {
        summary
            .duty_of(i, name)
            .map(|s| s.name().to_owned())
            .unwrap_or_default()
    };
    let mut look_back = List::default();
    for &i in &members {
        let c = &cls.complaints[i];
        if c.satisfaction.is_some_and(|s| s < kpi.satisfied_score) {
            let before = look_back.rows.len();
            look_back.push(|| LookBackRow {
                id: c.id.to_string(),
                received: zone.format(c.received_at()),
                project: facts.projects.name(facts.project[i]).to_owned(),
                team: facts.teams.name(facts.team[i]).to_owned(),
                score: c.satisfaction_raw.as_deref().unwrap_or("").to_owned(),
                second_handling: duty_status(i, "unsatisfied_second_handling"),
                look_back: duty_status(i, "unsatisfied_look_back"),
                text: masked_text(i),
                explain: explain_of(i),
            });
            if look_back.rows.len() > before {
                listed.insert(i);
            }
        }
    }

    // Period attribution.
    let midnight = |d: chrono::NaiveDate| {
        zone.to_instant(d.and_hms_opt(0, 0, 0).expect("midnight"))
            .unwrap_or_default()
    };
    let (start_ts, end_ts) = (midnight(p.start), midnight(p.end));
    // The project code, as for `members` (a complaint without a project is in no project).
    let in_project = |i: usize| project_code.is_none_or(|q| facts.project[i] == q);
    let open_at_start = (0..common.received.len())
        .filter(|&i| common.received[i] < start_ts && common.done[i] >= start_ts && in_project(i))
        .count() as u64;
    let resolved = (0..common.resolved.len())
        .filter(|&i| {
            let t = common.resolved[i];
            t >= start_ts && t < end_ts && t <= cfg.as_of && in_project(i)
        })
        .count() as u64;

    let audit = audit_section(input, facts, g, common, key, project, p)?;
    let ctx = ReportContext {
        lang,
        base,
        scope: Scope {
            kind: if project.is_some() {
                "project"
            } else {
                "company"
            }
            .to_owned(),
            name: project.unwrap_or("").to_owned(),
        },
        rules_name: rules.manifest.name.clone().unwrap_or_default(),
        as_of: zone.format(cfg.as_of),
        timezone: zone.name().to_owned(),
        unmasked: cfg.unmask,
        record_tables: cfg.record_tables,
        period: PeriodInfo {
            key: p.key.clone(),
            kind: p.kind.to_owned(),
            start: p.start.to_string(),
            last: p.end.pred_opt().unwrap_or(p.end).to_string(),
            received,
            open_at_start,
            resolved,
            previous: prev.key.clone(),
            year_before: year.key.clone(),
        },
        nav,
        counts: input.counts,
        kpis,
        trend,
        by_level,
        by_category,
        by_project,
        by_team,
        hotspots,
        buildings,
        board,
        targets,
        breached,
        overdue,
        look_back,
        audit,
        rejects_by_reason: common.rejects_by_reason.clone(),
        rejects: common.rejects.clone(),
        findings_by_code: common.findings_by_code.clone(),
        coverage: common.coverage.clone(),
        warnings: input.warnings.to_vec(),
        inputs: common.inputs.clone(),
        levels: common.levels.clone(),
    };
    Ok((ctx, listed))
}

/// The audit section of a page: compliance per duty, project, level and team, and the late and
/// missing findings with their evidence.
#[allow(clippy::too_many_arguments)]
fn audit_section(
    input: &AggregateInput<'_>,
    facts: &Facts,
    g: &Grouped,
    common: &Common,
    key: &str,
    project: Option<&str>,
    p: &Period,
) -> Result<AuditSection> {
    let cfg = input.cfg;
    let zone = &cfg.zone;
    let lang = cfg.lang;
    let duties = &input.rules.duties;
    let labels: BTreeMap<&str, String> = duties
        .duties
        .iter()
        .map(|d| (d.name.as_str(), &d.label, &d.label_en))
        .chain(
            duties
                .team_duties
                .iter()
                .map(|d| (d.name.as_str(), &d.label, &d.label_en)),
        )
        .map(|(n, zh, en)| {
            (
                n,
                if lang == Lang::En {
                    en.clone()
                } else {
                    zh.clone()
                },
            )
        })
        .collect();
    let order: Vec<&str> = duties
        .duties
        .iter()
        .map(|d| d.name.as_str())
        .chain(duties.team_duties.iter().map(|d| d.name.as_str()))
        .collect();
    let compliance = |key: String, label: String, c: &[u64]| {
        let (a, b, m) = (c[0], c[1], c[2]);
        let r = rate(a, a + b + m);
        Compliance {
            key,
            label,
            compliant: a,
            late: b,
            missing: m,
            pending: c[3],
            not_applicable: c[4],
            not_auditable: c[5],
            rate: r,
            rate_text: pct_text(r),
        }
    };
    let fold = |m: &BTreeMap<(String, String), Vec<u64>>,
                pick: &dyn Fn(&(String, String)) -> String| {
        let mut out: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for (k, v) in m {
            let e = out.entry(pick(k)).or_insert_with(|| vec![0; v.len()]);
            for (a, b) in e.iter_mut().zip(v) {
                *a += b;
            }
        }
        out
    };
    // Team duties have no project: they belong to company pages.
    let by_team_duty = g.audit_of("team", key, project);
    let by_level_duty = g.audit_of("level", key, project);
    let mut by_duty: Vec<Compliance> = fold(&by_team_duty, &|k| k.1.clone())
        .into_iter()
        .map(|(d, c)| compliance(d.clone(), labels.get(d.as_str()).cloned().unwrap_or(d), &c))
        .collect();
    by_duty.sort_by_key(|r| order.iter().position(|n| *n == r.key).unwrap_or(usize::MAX));
    let by_team: Vec<Compliance> = fold(&by_team_duty, &|k| k.0.clone())
        .into_iter()
        .filter(|(k, _)| !k.is_empty())
        .map(|(t, c)| compliance(t.clone(), t, &c))
        .collect();
    let mut by_level: Vec<Compliance> = fold(&by_level_duty, &|k| k.0.clone())
        .into_iter()
        .filter(|(k, _)| !k.is_empty())
        .map(|(l, c)| {
            compliance(
                l.clone(),
                common.level_names.get(&l).cloned().unwrap_or(l),
                &c,
            )
        })
        .collect();
    let level_order: Vec<&String> = input.rules.manifest.level.iter().map(|t| &t.code).collect();
    by_level.sort_by_key(|r| {
        level_order
            .iter()
            .position(|l| **l == r.key)
            .unwrap_or(usize::MAX)
    });
    let by_project: Vec<Compliance> = if project.is_none() {
        let mut m: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for q in facts.projects.names().iter().collect::<BTreeSet<_>>() {
            for v in g.audit_of("level", key, Some(q)).values() {
                let e = m.entry(q.clone()).or_insert_with(|| vec![0; v.len()]);
                for (a, b) in e.iter_mut().zip(v) {
                    *a += b;
                }
            }
        }
        m.into_iter()
            .filter(|(k, _)| !k.is_empty())
            .map(|(q, c)| compliance(q.clone(), q, &c))
            .collect()
    } else {
        Vec::new()
    };
    // Evidence: events by their origin.
    let by_origin = &common.evidence;
    let files = input.files;
    let at = |o: &crate::model::Origin| {
        format!(
            "{}:{}",
            files.get(o.file as usize).map_or("?", |f| f.stem.as_str()),
            o.line
        )
    };
    let summary = input.summary;
    let mut noncompliant = List::default();
    let mut team_late = 0usize;
    // The summary keeps the first late and missing findings of each period and project, in
    // complaint order; the team findings come after them, as in escalations.csv.
    for f in summary.noncompliant.iter().chain(&summary.team_findings) {
        if !matches!(f.status, AuditStatus::Late | AuditStatus::Missing) {
            continue;
        }
        let belongs = match f.complaint {
            Some(i) => {
                facts.keys.name(facts.key[i as usize]) == key
                    && project.is_none_or(|q| facts.projects.name(facts.project[i as usize]) == q)
            }
            None => {
                project.is_none()
                    && chrono::NaiveDate::parse_from_str(&format!("{}-01", f.month), "%Y-%m-%d")
                        .is_ok_and(|d| p.contains(d))
            }
        };
        if !belongs {
            continue;
        }
        if f.complaint.is_none() {
            team_late += 1;
        }
        noncompliant.push(|| {
            let t = |x: Option<crate::time::Ts>| x.map(|t| zone.format(t)).unwrap_or_default();
            AuditRow {
                complaint_id: f.complaint_id.clone(),
                team: f.team.clone(),
                month: f.month.clone(),
                duty: labels
                    .get(f.duty.as_str())
                    .cloned()
                    .unwrap_or_else(|| f.duty.clone()),
                status: f.status.name().to_owned(),
                triggered_at: t(f.triggered_at),
                required_by: t(f.required_by),
                done_at: t(f.done_at),
                actor: f.actor.as_deref().unwrap_or("").to_owned(),
                note: f.note.clone(),
                evidence: f
                    .evidence
                    .iter()
                    .map(|o| match by_origin.get(o) {
                        Some(e) if !e.derived => EvidenceRow {
                            at: at(o),
                            kind: e.kind.to_string(),
                            time: zone.format(e.at),
                            actor: e.actor.as_deref().unwrap_or("").to_owned(),
                            role: e.role.as_deref().unwrap_or("").to_owned(),
                            to_role: e.to_role.as_deref().unwrap_or("").to_owned(),
                        },
                        _ => EvidenceRow {
                            at: at(o),
                            kind: "complaint row".into(),
                            time: String::new(),
                            actor: String::new(),
                            role: String::new(),
                            to_role: String::new(),
                        },
                    })
                    .collect(),
            }
        });
    }
    // How many there are in all: the summary counted the complaint findings it did not keep.
    let key_code = facts.keys.find(key);
    let project_code = project.and_then(|q| facts.projects.find(q));
    noncompliant.total = team_late
        + summary
            .noncompliant_seen
            .iter()
            .filter(|((k, pr), _)| {
                Some(*k) == key_code && (project.is_none() || Some(*pr) == project_code)
            })
            .map(|(_, n)| *n)
            .sum::<usize>();
    Ok(AuditSection {
        logged: summary.logged,
        events_read: input.events.read,
        events_accepted: input.events.accepted,
        by_duty,
        by_project,
        by_level,
        by_team,
        noncompliant,
    })
}

/// The period key of a date for a kind (re-exported for the exports).
pub fn key_of(kind: &str, d: chrono::NaiveDate) -> String {
    period_key(kind, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_pages_that_would_share_a_file_get_distinct_names() {
        let projects: Vec<String> = ["A/B", "A_B", "Park", "park", "翠湖花园"]
            .map(str::to_owned)
            .to_vec();
        let stems = page_stems(&projects);
        assert_eq!(stems["A/B"], "A_B");
        assert_eq!(stems["A_B"], "A_B_2");
        assert_eq!(stems["Park"], "Park");
        assert_eq!(stems["park"], "park_2");
        assert_eq!(stems["翠湖花园"], "翠湖花园");
    }
}
