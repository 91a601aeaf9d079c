//! Stage 5, aggregate: [`Assessed`] complaints → [`ReportContext`], the data the templates
//! receive (printed by `complaints context`, documented field by field in
//! `docs/TEMPLATES.md`).
//!
//! - Input: the assessed complaints and verdicts, rejects and findings, the run's files.
//! - Output: a [`ReportContext`] built only from `Vec`s and `BTreeMap`s, with every ratio
//!   computed from summed counts (never an average of percentages) and rounded here, so the
//!   report is byte-stable.
//! - Failure policy: a polars error is a bug, reported as [`Error::Aggregate`].
//!
//! This is the only module that uses polars; its API changes between versions, so keeping it
//! in one file keeps the churn in one place.

use std::collections::BTreeMap;

use polars::prelude::*;
use serde::Serialize;

use crate::config::{Config, Lang};
use crate::error::{Error, Result};
use crate::model::Stage;
use crate::period::{self, Period, PeriodSpec};
use crate::pipeline::RowCounts;
use crate::pipeline::ingest::InputFile;
use crate::pipeline::rules::RuleSet;
use crate::pipeline::sla::targets::Limit;
use crate::pipeline::sla::{Assessed, Status};
use crate::privacy;
use crate::rejects::Rejects;

/// What the stage needs.
pub struct AggregateInput<'a> {
    /// Run config.
    pub cfg: &'a Config,
    /// The rules (vocabularies, targets).
    pub rules: &'a RuleSet,
    /// Input files.
    pub files: &'a [InputFile],
    /// Assessed complaints.
    pub assessed: &'a Assessed,
    /// Rejects and findings.
    pub rejects: &'a Rejects,
    /// Row accounting.
    pub counts: RowCounts,
    /// Warnings to show in the report.
    pub warnings: &'a [String],
    /// The event log.
    pub events: &'a crate::pipeline::events::EventLog,
    /// Escalation-duty findings.
    pub audited: &'a crate::pipeline::audit::Audited,
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

/// A row of a grouped table.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroupRow {
    /// Group key (a project, a level code, a category, a month).
    pub key: String,
    /// Display name.
    pub label: String,
    /// Complaints received.
    pub complaints: u64,
    /// Their SLA verdicts (all targets).
    pub sla: SlaCounts,
}

/// One cell of the month × project × level cube.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CubeRow {
    /// `YYYY-MM` of receipt.
    pub month: String,
    /// Project.
    pub project: String,
    /// Category.
    pub category: String,
    /// Level.
    pub level: String,
    /// Complaints received.
    pub complaints: u64,
    /// Verdicts met.
    pub met: u64,
    /// Verdicts breached.
    pub breached: u64,
    /// Verdicts overdue.
    pub overdue: u64,
}

/// A target's results in the period.
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
    /// Counts per level (level code → counts), levels in vocabulary order.
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
    /// How late, in words (`3 h 20 min`).
    pub over: String,
    /// Complaint text, masked.
    pub text: String,
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
    /// `file:line`.
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

/// The report's period and how complaints are attributed to it.
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
    /// Complaints received in the period.
    pub received: u64,
    /// Complaints open at its start (received before, not closed or resolved by then).
    pub open_at_start: u64,
    /// Complaints resolved in it (whenever received).
    pub resolved: u64,
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
    /// Event-log rows read, accepted.
    pub events_read: usize,
    /// Accepted event rows.
    pub events_accepted: usize,
    /// Per duty (all findings of complaints received in the period, and team months in it).
    pub by_duty: Vec<Compliance>,
    /// Per project.
    pub by_project: Vec<Compliance>,
    /// Per level.
    pub by_level: Vec<Compliance>,
    /// Per team.
    pub by_team: Vec<Compliance>,
    /// Late and missing findings in the period, with evidence.
    pub noncompliant: List<AuditRow>,
}

/// The template contract. Every field is documented in `docs/TEMPLATES.md`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReportContext {
    /// `zh` or `en`.
    pub lang: Lang,
    /// The rule set's name.
    pub rules_name: String,
    /// `--as-of`, local time.
    pub as_of: String,
    /// IANA zone.
    pub timezone: String,
    /// The report period.
    pub period: PeriodInfo,
    /// Row accounting: read = accepted + rejected.
    pub counts: RowCounts,
    /// Complaints and SLA per month over the whole data range (trend).
    pub by_month: Vec<GroupRow>,
    /// In the period: per project.
    pub by_project: Vec<GroupRow>,
    /// In the period: per level (vocabulary order).
    pub by_level: Vec<GroupRow>,
    /// In the period: per category (most frequent first).
    pub by_category: Vec<GroupRow>,
    /// In the period: per team.
    pub by_team: Vec<GroupRow>,
    /// Month × project × category × level over the whole range.
    pub cube: Vec<CubeRow>,
    /// In the period: per SLA target.
    pub targets: Vec<TargetRow>,
    /// In the period: breached verdicts.
    pub breached: List<VerdictRow>,
    /// At `as_of`: overdue verdicts of complaints still open (any receipt date).
    pub overdue: List<VerdictRow>,
    /// Rejects by reason.
    pub rejects_by_reason: Vec<CodeCount>,
    /// The first rejected records.
    pub rejects: List<RejectRow>,
    /// Findings by code.
    pub findings_by_code: Vec<CodeCount>,
    /// Warnings (calendar coverage).
    pub warnings: Vec<String>,
    /// Input files.
    pub inputs: Vec<InputRow>,
    /// Level vocabulary: (code, name).
    pub levels: Vec<(String, String)>,
    /// Escalation-compliance audit.
    pub audit: AuditSection,
    /// True when personal data is shown (`--unmask`): every page says 内部资料.
    pub unmasked: bool,
    /// Rule coverage: table rows that never answered, complaints that matched several rows,
    /// targets and duties that never applied.
    pub coverage: crate::pipeline::rules::coverage::CoverageReport,
}

/// Rows listed in the report before "and N more" (the CSVs have them all).
pub const LIST_LIMIT: usize = 200;

/// Builds the report context.
pub fn run(input: &AggregateInput<'_>) -> Result<ReportContext> {
    let cfg = input.cfg;
    let zone = &cfg.zone;
    let lang = cfg.lang;
    let cls = &input.assessed.classified;
    let targets = &input.rules.targets.targets;
    let period = match cfg.period.as_deref().map(period::parse) {
        Some(Ok(PeriodSpec::One(p))) => p,
        Some(Err(e)) => return Err(Error::Usage(e)),
        // `all` is one report per month; the single-report context uses the default period.
        Some(Ok(PeriodSpec::All)) | None => period::default_for(zone.local_date(cfg.as_of)),
    };
    let level_col = cls.columns.iter().position(|c| c == "level").unwrap_or(0);
    let cat_col = cls
        .columns
        .iter()
        .position(|c| c == "category")
        .unwrap_or(1);
    let text = |o: Option<&crate::model::Str>| o.map(|s| s.to_string()).unwrap_or_default();

    // Frame 1: one row per complaint.
    let n = cls.complaints.len();
    let mut month = Vec::with_capacity(n);
    let mut project = Vec::with_capacity(n);
    let mut category = Vec::with_capacity(n);
    let mut level = Vec::with_capacity(n);
    let mut team = Vec::with_capacity(n);
    let mut in_period = Vec::with_capacity(n);
    for (c, v) in cls.complaints.iter().zip(&cls.values) {
        let d = zone.local_date(c.received_at());
        month.push(crate::time::month_key(zone, c.received_at()));
        project.push(text(c.project.as_ref()));
        level.push(v[level_col].text(zone));
        category.push(v[cat_col].text(zone));
        team.push(text(c.team.as_ref()));
        in_period.push(period.contains(d));
    }
    // Frame 2: one row per verdict, with its complaint's keys.
    let mut v_idx: Vec<u32> = Vec::new();
    let mut v_target: Vec<String> = Vec::new();
    let mut v_status: Vec<&'static str> = Vec::new();
    for (i, vs) in input.assessed.verdicts.iter().enumerate() {
        for v in vs {
            v_idx.push(u32::try_from(i).unwrap_or(u32::MAX));
            v_target.push(targets[v.target as usize].name.clone());
            v_status.push(v.status.name());
        }
    }
    let pick = |col: &[String]| -> Vec<String> {
        v_idx.iter().map(|&i| col[i as usize].clone()).collect()
    };
    let complaints_df = df!(
        "month" => &month,
        "project" => &project,
        "category" => &category,
        "level" => &level,
        "team" => &team,
        "in_period" => &in_period,
    )
    .map_err(pe)?;
    let verdicts_df = df!(
        "month" => pick(&month),
        "project" => pick(&project),
        "category" => pick(&category),
        "level" => pick(&level),
        "team" => pick(&team),
        "in_period" => v_idx.iter().map(|&i| in_period[i as usize]).collect::<Vec<bool>>(),
        "target" => &v_target,
        "status" => &v_status,
    )
    .map_err(pe)?;

    let level_names: BTreeMap<String, String> = input
        .rules
        .manifest
        .level
        .iter()
        .map(|t| (t.code.clone(), term_name(t, lang)))
        .collect();
    let level_order: Vec<String> = input
        .rules
        .manifest
        .level
        .iter()
        .map(|t| t.code.clone())
        .collect();

    let by_month = grouped(&complaints_df, &verdicts_df, "month", false, |k| {
        k.to_owned()
    })?;
    let period_c = complaints_df
        .clone()
        .lazy()
        .filter(col("in_period"))
        .collect()
        .map_err(pe)?;
    let period_v = verdicts_df
        .clone()
        .lazy()
        .filter(col("in_period"))
        .collect()
        .map_err(pe)?;
    let by_project = grouped(&period_c, &period_v, "project", false, |k| k.to_owned())?;
    let mut by_level = grouped(&period_c, &period_v, "level", false, |k| {
        level_names.get(k).cloned().unwrap_or_else(|| k.to_owned())
    })?;
    by_level.sort_by_key(|r| {
        level_order
            .iter()
            .position(|l| *l == r.key)
            .unwrap_or(usize::MAX)
    });
    let by_category = grouped(&period_c, &period_v, "category", true, |k| k.to_owned())?;
    let by_team = grouped(&period_c, &period_v, "team", false, |k| k.to_owned())?;
    let cube = cube(&complaints_df, &verdicts_df)?;

    // Targets in the period, overall and per level.
    let per_target = status_counts(&period_v, &["target"])?;
    let per_target_level = status_counts(&period_v, &["target", "level"])?;
    let target_rows: Vec<TargetRow> = input
        .rules
        .targets
        .targets
        .iter()
        .map(|t| {
            let sla = per_target
                .get(&vec![t.name.clone()])
                .cloned()
                .unwrap_or_else(empty_counts);
            let by_level = level_order
                .iter()
                .filter_map(|l| {
                    per_target_level
                        .get(&vec![t.name.clone(), l.clone()])
                        .map(|c| (l.clone(), c.clone()))
                })
                .collect();
            let preset = input
                .rules
                .targets
                .presets
                .iter()
                .find(|p| p.name == t.preset)
                .map(|p| {
                    if lang == Lang::En {
                        p.title_en.clone()
                    } else {
                        p.title.clone()
                    }
                })
                .unwrap_or_default();
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
                sla,
                by_level,
            }
        })
        .collect();

    // Lists: breached in the period; overdue at as_of.
    let mut breached = List::default();
    let mut overdue = List::default();
    for (i, (c, vs)) in cls
        .complaints
        .iter()
        .zip(&input.assessed.verdicts)
        .enumerate()
    {
        for v in vs {
            let wanted = match v.status {
                Status::Breached if in_period[i] => &mut breached,
                Status::Overdue => &mut overdue,
                _ => continue,
            };
            wanted.total += 1;
            if wanted.rows.len() < LIST_LIMIT {
                let t = &targets[v.target as usize];
                let names: Vec<&str> = c.complainant.as_deref().into_iter().collect();
                wanted.rows.push(VerdictRow {
                    id: c.id.to_string(),
                    received: zone.format(c.received_at()),
                    project: project[i].clone(),
                    level: level[i].clone(),
                    category: category[i].clone(),
                    team: team[i].clone(),
                    target: if lang == Lang::En {
                        t.label_en.clone()
                    } else {
                        t.label.clone()
                    },
                    due: v.due.map(|d| zone.format(d)).unwrap_or_default(),
                    stopped: v.stop.map(|d| zone.format(d)).unwrap_or_default(),
                    over: duration_text(v.over_cal, lang),
                    text: privacy::mask_text(c.text.as_deref().unwrap_or(""), &names),
                });
            }
        }
    }

    // Period attribution.
    let start_ts = zone
        .to_instant(period.start.and_hms_opt(0, 0, 0).expect("midnight"))
        .unwrap_or_default();
    let end_ts = zone
        .to_instant(period.end.and_hms_opt(0, 0, 0).expect("midnight"))
        .unwrap_or_default();
    let done = |c: &crate::model::Complaint| c.time(Stage::Closed).or(c.time(Stage::Resolved));
    let open_at_start = cls
        .complaints
        .iter()
        .filter(|c| c.received_at() < start_ts && done(c).is_none_or(|d| d >= start_ts))
        .count() as u64;
    let resolved = cls
        .complaints
        .iter()
        .filter(|c| {
            c.time(Stage::Resolved)
                .is_some_and(|t| t >= start_ts && t < end_ts && t <= cfg.as_of)
        })
        .count() as u64;
    let received = in_period.iter().filter(|b| **b).count() as u64;

    let files = input.files;
    let at = |o: &crate::model::Origin| {
        format!(
            "{}:{}",
            files.get(o.file as usize).map_or("?", |f| f.stem.as_str()),
            o.line
        )
    };
    Ok(ReportContext {
        lang,
        rules_name: input.rules.manifest.name.clone().unwrap_or_default(),
        as_of: zone.format(cfg.as_of),
        timezone: zone.name().to_owned(),
        period: PeriodInfo {
            key: period.key.clone(),
            kind: period.kind.to_owned(),
            start: period.start.to_string(),
            last: period.end.pred_opt().unwrap_or(period.end).to_string(),
            received,
            open_at_start,
            resolved,
        },
        counts: input.counts,
        by_month,
        by_project,
        by_level,
        by_category,
        by_team,
        cube,
        targets: target_rows,
        breached,
        overdue,
        rejects_by_reason: code_counts(input.rejects.counts_by_reason()),
        rejects: List {
            total: input.rejects.issues.len(),
            rows: input
                .rejects
                .issues
                .iter()
                .take(LIST_LIMIT)
                .map(|r| RejectRow {
                    at: at(&r.origin),
                    stage: r.stage.to_owned(),
                    field: r.field.clone(),
                    reason: r.reason.code().to_owned(),
                    message: r.message.clone(),
                })
                .collect(),
        },
        findings_by_code: code_counts(input.rejects.counts_by_finding()),
        warnings: input.warnings.to_vec(),
        inputs: files
            .iter()
            .map(|f| InputRow {
                file: f.stem.clone(),
                records: f.records,
            })
            .collect(),
        levels: input
            .rules
            .manifest
            .level
            .iter()
            .map(|t| (t.code.clone(), term_name(t, lang)))
            .collect(),
        audit: audit_section(input, &period, &project, &level, &level_names)?,
        unmasked: cfg.unmask,
        coverage: crate::pipeline::rules::coverage::CoverageReport::new(
            input.rules,
            &cls.coverage,
            None,
            &input.assessed.verdicts,
            &input.audited.findings,
        ),
    })
}

/// The audit section: compliance per duty, project, level and team (polars), and the late and
/// missing findings with their evidence.
fn audit_section(
    input: &AggregateInput<'_>,
    period: &Period,
    project: &[String],
    level: &[String],
    level_names: &BTreeMap<String, String>,
) -> Result<AuditSection> {
    use crate::pipeline::audit::AuditStatus;
    let cfg = input.cfg;
    let zone = &cfg.zone;
    let lang = cfg.lang;
    let cls = &input.assessed.classified;
    let duties = &input.rules.duties;
    let label_of = |name: &str| -> String {
        duties
            .duties
            .iter()
            .map(|d| (&d.name, &d.label, &d.label_en))
            .chain(
                duties
                    .team_duties
                    .iter()
                    .map(|d| (&d.name, &d.label, &d.label_en)),
            )
            .find(|(n, _, _)| n.as_str() == name)
            .map_or_else(
                || name.to_owned(),
                |(_, zh, en)| {
                    if lang == Lang::En {
                        en.clone()
                    } else {
                        zh.clone()
                    }
                },
            )
    };
    let in_period = |f: &crate::pipeline::audit::AuditFinding| match f.complaint {
        Some(i) => period.contains(zone.local_date(cls.complaints[i as usize].received_at())),
        None => match crate::period::parse(&f.month) {
            Ok(PeriodSpec::One(m)) => period.contains(m.start),
            _ => false,
        },
    };
    let findings: Vec<&crate::pipeline::audit::AuditFinding> = input
        .audited
        .findings
        .iter()
        .filter(|f| in_period(f))
        .collect();
    let column_of = |get: &dyn Fn(&crate::pipeline::audit::AuditFinding) -> String| -> Vec<String> {
        findings.iter().map(|f| get(f)).collect()
    };
    let df = df!(
        "duty" => column_of(&|f| f.duty.clone()),
        "project" => column_of(&|f| f.complaint.map(|i| project[i as usize].clone()).unwrap_or_default()),
        "level" => column_of(&|f| f.complaint.map(|i| level[i as usize].clone()).unwrap_or_default()),
        "team" => column_of(&|f| f.team.clone()),
        "status" => column_of(&|f| f.status.name().to_owned()),
    )
    .map_err(pe)?;
    let group = |key: &str, label: &dyn Fn(&str) -> String| -> Result<Vec<Compliance>> {
        let mut aggs = Vec::new();
        for s in AuditStatus::ALL {
            aggs.push(
                col("status")
                    .eq(lit(s.name()))
                    .cast(DataType::UInt64)
                    .sum()
                    .alias(s.name()),
            );
        }
        let g = df
            .clone()
            .lazy()
            .group_by([col(key)])
            .agg(aggs)
            .sort([key], SortMultipleOptions::default())
            .collect()
            .map_err(pe)?;
        let keys: Vec<String> = g
            .column(key)
            .map_err(pe)?
            .str()
            .map_err(pe)?
            .iter()
            .map(|s| s.unwrap_or("").to_owned())
            .collect();
        let num = |n: &str| -> Result<Vec<u64>> {
            Ok(g.column(n)
                .map_err(pe)?
                .u64()
                .map_err(pe)?
                .iter()
                .map(|x| x.unwrap_or(0))
                .collect())
        };
        let cols: Vec<Vec<u64>> = AuditStatus::ALL
            .iter()
            .map(|s| num(s.name()))
            .collect::<Result<_>>()?;
        Ok(keys
            .into_iter()
            .enumerate()
            .filter(|(_, k)| !k.is_empty())
            .map(|(i, k)| {
                let (c, l, m) = (cols[0][i], cols[1][i], cols[2][i]);
                let rate = (c + l + m > 0).then(|| round4(c as f64 / (c + l + m) as f64));
                Compliance {
                    label: label(&k),
                    key: k,
                    compliant: c,
                    late: l,
                    missing: m,
                    pending: cols[3][i],
                    not_applicable: cols[4][i],
                    not_auditable: cols[5][i],
                    rate,
                    rate_text: pct_text(rate),
                }
            })
            .collect())
    };
    let mut by_duty = group("duty", &|k| label_of(k))?;
    let order: Vec<&str> = duties
        .duties
        .iter()
        .map(|d| d.name.as_str())
        .chain(duties.team_duties.iter().map(|d| d.name.as_str()))
        .collect();
    by_duty.sort_by_key(|r| order.iter().position(|n| *n == r.key).unwrap_or(usize::MAX));
    let by_project = group("project", &|k| k.to_owned())?;
    let by_level = group("level", &|k| {
        level_names.get(k).cloned().unwrap_or_else(|| k.to_owned())
    })?;
    let by_team = group("team", &|k| k.to_owned())?;
    // Evidence: events by their origin.
    let mut by_origin: std::collections::HashMap<
        crate::model::Origin,
        &crate::pipeline::events::Event,
    > = std::collections::HashMap::new();
    for evs in input.events.by_complaint.values() {
        for e in evs {
            by_origin.insert(e.origin, e);
        }
    }
    let files = input.files;
    let at = |o: &crate::model::Origin| {
        format!(
            "{}:{}",
            files.get(o.file as usize).map_or("?", |f| f.stem.as_str()),
            o.line
        )
    };
    let mut noncompliant = List::default();
    for f in findings
        .iter()
        .filter(|f| matches!(f.status, AuditStatus::Late | AuditStatus::Missing))
    {
        noncompliant.total += 1;
        if noncompliant.rows.len() >= LIST_LIMIT {
            continue;
        }
        let evidence = f
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
            .collect();
        let t = |x: Option<crate::time::Ts>| x.map(|t| zone.format(t)).unwrap_or_default();
        noncompliant.rows.push(AuditRow {
            complaint_id: f.complaint_id.clone(),
            team: f.team.clone(),
            month: f.month.clone(),
            duty: label_of(&f.duty),
            status: f.status.name().to_owned(),
            triggered_at: t(f.triggered_at),
            required_by: t(f.required_by),
            done_at: t(f.done_at),
            actor: f.actor.as_deref().unwrap_or("").to_owned(),
            note: f.note.clone(),
            evidence,
        });
    }
    Ok(AuditSection {
        logged: input.audited.logged,
        events_read: input.events.read,
        events_accepted: input.events.accepted,
        by_duty,
        by_project,
        by_level,
        by_team,
        noncompliant,
    })
}

fn pe(e: PolarsError) -> Error {
    Error::Aggregate(e.to_string())
}

fn term_name(t: &crate::pipeline::rules::Term, lang: Lang) -> String {
    match lang {
        Lang::En => t.name_en.clone().unwrap_or_else(|| t.name.clone()),
        Lang::Zh => t.name.clone(),
    }
}

fn code_counts(m: BTreeMap<&'static str, usize>) -> Vec<CodeCount> {
    m.into_iter()
        .map(|(code, count)| CodeCount {
            code: code.to_owned(),
            count,
        })
        .collect()
}

fn empty_counts() -> SlaCounts {
    finish(SlaCounts::default())
}

/// Fills in the met rate: met / (met + breached + overdue).
fn finish(mut c: SlaCounts) -> SlaCounts {
    let judged = c.met + c.breached + c.overdue;
    c.met_rate = (judged > 0).then(|| round4(c.met as f64 / judged as f64));
    c.met_rate_text = pct_text(c.met_rate);
    c
}

/// Rounds to 4 decimals so floats serialise the same everywhere.
pub fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// `92.3%`, or `—` when there is nothing to divide.
pub fn pct_text(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

/// Status counts per group key (the key columns' values, in order).
fn status_counts(v: &DataFrame, keys: &[&str]) -> Result<BTreeMap<Vec<String>, SlaCounts>> {
    let mut aggs = vec![len().cast(DataType::UInt64).alias("total")];
    for s in Status::ALL {
        aggs.push(
            col("status")
                .eq(lit(s.name()))
                .cast(DataType::UInt64)
                .sum()
                .alias(s.name()),
        );
    }
    let g = v
        .clone()
        .lazy()
        .group_by(keys.iter().map(|k| col(*k)).collect::<Vec<_>>())
        .agg(aggs)
        .collect()
        .map_err(pe)?;
    let key_cols: Vec<Vec<Option<String>>> = keys
        .iter()
        .map(|k| -> Result<Vec<Option<String>>> {
            Ok(g.column(k)
                .map_err(pe)?
                .str()
                .map_err(pe)?
                .iter()
                .map(|s| s.map(str::to_owned))
                .collect())
        })
        .collect::<Result<_>>()?;
    let num = |name: &str| -> Result<Vec<u64>> {
        Ok(g.column(name)
            .map_err(pe)?
            .u64()
            .map_err(pe)?
            .iter()
            .map(|x| x.unwrap_or(0))
            .collect())
    };
    let total = num("total")?;
    let cols: Vec<Vec<u64>> = Status::ALL
        .iter()
        .map(|s| num(s.name()))
        .collect::<Result<_>>()?;
    let mut out = BTreeMap::new();
    for i in 0..g.height() {
        let key: Vec<String> = key_cols
            .iter()
            .map(|c| c[i].clone().unwrap_or_default())
            .collect();
        out.insert(
            key,
            finish(SlaCounts {
                total: total[i],
                met: cols[0][i],
                breached: cols[1][i],
                open: cols[2][i],
                overdue: cols[3][i],
                not_applicable: cols[4][i],
                not_evaluable: cols[5][i],
                ..SlaCounts::default()
            }),
        );
    }
    Ok(out)
}

/// Complaints and SLA counts grouped by one key, sorted by key (or by volume, descending).
fn grouped(
    c: &DataFrame,
    v: &DataFrame,
    key: &str,
    by_volume: bool,
    label: impl Fn(&str) -> String,
) -> Result<Vec<GroupRow>> {
    let g = c
        .clone()
        .lazy()
        .group_by([col(key)])
        .agg([len().cast(DataType::UInt64).alias("complaints")])
        .collect()
        .map_err(pe)?;
    let keys: Vec<String> = g
        .column(key)
        .map_err(pe)?
        .str()
        .map_err(pe)?
        .iter()
        .map(|s| s.unwrap_or("").to_owned())
        .collect();
    let ns: Vec<u64> = g
        .column("complaints")
        .map_err(pe)?
        .u64()
        .map_err(pe)?
        .iter()
        .map(|x| x.unwrap_or(0))
        .collect();
    let sla = status_counts(v, &[key])?;
    let mut rows: Vec<GroupRow> = keys
        .into_iter()
        .zip(ns)
        .map(|(k, n)| GroupRow {
            label: label(&k),
            sla: sla
                .get(&vec![k.clone()])
                .cloned()
                .unwrap_or_else(empty_counts),
            key: k,
            complaints: n,
        })
        .collect();
    if by_volume {
        rows.sort_by(|a, b| {
            b.complaints
                .cmp(&a.complaints)
                .then_with(|| a.key.cmp(&b.key))
        });
    } else {
        rows.sort_by(|a, b| a.key.cmp(&b.key));
    }
    Ok(rows)
}

fn cube(c: &DataFrame, v: &DataFrame) -> Result<Vec<CubeRow>> {
    let keys = ["month", "project", "category", "level"];
    let g = c
        .clone()
        .lazy()
        .group_by(keys.map(col))
        .agg([len().cast(DataType::UInt64).alias("complaints")])
        .sort(keys, SortMultipleOptions::default())
        .collect()
        .map_err(pe)?;
    let sla = status_counts(v, &keys)?;
    let strs = |k: &str| -> Result<Vec<String>> {
        Ok(g.column(k)
            .map_err(pe)?
            .str()
            .map_err(pe)?
            .iter()
            .map(|s| s.unwrap_or("").to_owned())
            .collect())
    };
    let (m, p, cat, l) = (
        strs("month")?,
        strs("project")?,
        strs("category")?,
        strs("level")?,
    );
    let ns: Vec<u64> = g
        .column("complaints")
        .map_err(pe)?
        .u64()
        .map_err(pe)?
        .iter()
        .map(|x| x.unwrap_or(0))
        .collect();
    Ok((0..g.height())
        .map(|i| {
            let s = sla
                .get(&vec![
                    m[i].clone(),
                    p[i].clone(),
                    cat[i].clone(),
                    l[i].clone(),
                ])
                .cloned()
                .unwrap_or_default();
            CubeRow {
                month: m[i].clone(),
                project: p[i].clone(),
                category: cat[i].clone(),
                level: l[i].clone(),
                complaints: ns[i],
                met: s.met,
                breached: s.breached,
                overdue: s.overdue,
            }
        })
        .collect())
}

/// A limit in words.
pub fn limit_text(limit: Option<&Limit>, deadline: Option<&str>, lang: Lang) -> String {
    use crate::pipeline::sla::targets::WorkingDays;
    let base = match (limit, lang) {
        (None, _) => String::new(),
        (Some(Limit::Calendar { secs }), Lang::Zh) => duration_text(*secs, Lang::Zh),
        (Some(Limit::Calendar { secs }), Lang::En) => duration_text(*secs, Lang::En),
        (Some(Limit::Working { secs }), Lang::Zh) => {
            format!("{}（工作时间）", duration_text(*secs, Lang::Zh))
        }
        (Some(Limit::Working { secs }), Lang::En) => {
            format!("{} working time", duration_text(*secs, Lang::En))
        }
        (
            Some(Limit::WorkingDays {
                days,
                mode: WorkingDays::EndOfDay,
            }),
            Lang::Zh,
        ) => format!("{days}个工作日"),
        (
            Some(Limit::WorkingDays {
                days,
                mode: WorkingDays::EndOfDay,
            }),
            Lang::En,
        ) => format!("{days} working days"),
        (
            Some(Limit::WorkingDays {
                days,
                mode: WorkingDays::Duration,
            }),
            Lang::Zh,
        ) => format!("{days}个工作日（按工时）"),
        (
            Some(Limit::WorkingDays {
                days,
                mode: WorkingDays::Duration,
            }),
            Lang::En,
        ) => format!("{days} × working-day length"),
        (Some(Limit::SameDay), Lang::Zh) => "当天".to_owned(),
        (Some(Limit::SameDay), Lang::En) => "same day".to_owned(),
    };
    match (deadline, lang) {
        (Some(f), Lang::Zh) if base.is_empty() => format!("按“{f}”"),
        (Some(f), Lang::Zh) => format!("{base}，或按“{f}”"),
        (Some(f), Lang::En) if base.is_empty() => format!("by `{f}`"),
        (Some(f), Lang::En) => format!("{base}, or by `{f}`"),
        (None, _) => base,
    }
}

/// `2天3小时`, `15分钟`, `3 h 20 min`.
pub fn duration_text(secs: i64, lang: Lang) -> String {
    let mins = secs.max(0) / 60;
    let (d, h, m) = (mins / 1440, (mins % 1440) / 60, mins % 60);
    let mut parts = Vec::new();
    match lang {
        Lang::Zh => {
            if d > 0 {
                parts.push(format!("{d}天"));
            }
            if h > 0 {
                parts.push(format!("{h}小时"));
            }
            if m > 0 || parts.is_empty() {
                parts.push(format!("{m}分钟"));
            }
            parts.concat()
        }
        Lang::En => {
            if d > 0 {
                parts.push(format!("{d} d"));
            }
            if h > 0 {
                parts.push(format!("{h} h"));
            }
            if m > 0 || parts.is_empty() {
                parts.push(format!("{m} min"));
            }
            parts.join(" ")
        }
    }
}

/// A working-time duration in hours and minutes (`44 h`, `3 h 30 min`), never in days: a
/// "day" of working time would read as 24 hours.
pub fn hours_text(secs: i64) -> String {
    let mins = secs.max(0) / 60;
    match (mins / 60, mins % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// The period of a context, for callers that need it typed.
pub fn period_of(ctx: &ReportContext) -> Option<Period> {
    match period::parse(&ctx.period.key) {
        Ok(PeriodSpec::One(p)) => Some(p),
        _ => None,
    }
}
