//! What every page shares: rejects, evidence, coverage, inputs and the level names, the list
//! candidates bucketed by period and scope, and the period attribution counts.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;
use rustc_hash::FxHashMap;

use super::queries::COMPANY;
use super::*;
use crate::format::Lang;
use crate::pipeline::assess::pe;
use crate::privacy;
use crate::time::Ts;

/// Parts of every context that do not depend on the page, and the list candidates bucketed
/// by period and scope.
pub(super) struct Common<'a> {
    /// The events cited as evidence by late or missing findings, by origin.
    pub evidence: FxHashMap<crate::model::Origin, crate::pipeline::events::EventRef<'a>>,
    pub(super) rejects_by_reason: Vec<CodeCount>,
    pub(super) rejects: List<RejectRow>,
    pub(super) findings_by_code: Vec<CodeCount>,
    pub(super) findings_by_kind: Vec<FindingKind>,
    pub(super) reject_alarm: Option<RejectAlarm>,
    pub(super) columns: Vec<ColumnTable>,
    pub(super) coverage: crate::pipeline::rules::coverage::CoverageReport,
    pub(super) inputs: Vec<InputRow>,
    pub(super) levels: Vec<(String, String)>,
    pub level_names: BTreeMap<String, String>,
    /// (period, scope) → the complaints scoring under the satisfied score, in order.
    pub(super) dissatisfied: FxHashMap<(u32, u32), Vec<u32>>,
    /// (period start, scope) → complaints open at the start; (start, end, scope) → resolved in it.
    pub(super) open_at_start: FxHashMap<(Ts, u32), u64>,
    pub(super) resolved_in: FxHashMap<(Ts, Ts, u32), u64>,
}

/// `name` in the report language.
fn term_name(t: &crate::pipeline::rules::Term, lang: Lang) -> String {
    match lang {
        Lang::En => t.name_en.clone().unwrap_or_else(|| t.name.clone()),
        Lang::Zh => t.name.clone(),
    }
}

/// Where a row came from, as the report shows it: `file:line`, the file by its name without
/// folder or extension (a CSV, GBK and XLSX copy of one export give the same report).
pub(super) fn origin_at(
    files: &[crate::pipeline::ingest::InputFile],
    o: &crate::model::Origin,
) -> String {
    format!(
        "{}:{}",
        files.get(o.file as usize).map_or("?", |f| f.stem.as_str()),
        o.line
    )
}

pub(super) fn midnight(zone: &crate::time::Zone, d: chrono::NaiveDate) -> Ts {
    zone.to_instant(d.and_hms_opt(0, 0, 0).expect("midnight"))
        .unwrap_or_default()
}

impl<'a> Common<'a> {
    /// `periods`: the run's report periods.
    pub(super) fn new(input: &AggregateInput<'a>, periods: &[Period]) -> Result<Common<'a>> {
        let cfg = input.cfg;
        let lang = cfg.lang;
        let a = input.assessed;
        let t = &a.complaints;
        let files = input.files;
        let at = |o: &crate::model::Origin| origin_at(files, o);
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
                message: if cfg.unmask {
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
        // Assess kept the cited events (the log is not held in memory).
        let evidence: FxHashMap<_, _> = a
            .findings
            .evidence
            .iter()
            .map(|(o, e)| (*o, a.events.event_ref(e)))
            .collect();
        let score = input.rules.kpis.settings.satisfied_score;
        let mut dissatisfied: FxHashMap<(u32, u32), Vec<u32>> = FxHashMap::default();
        for (i, c) in t.classified.complaints.iter().enumerate() {
            if c.satisfaction.get().is_some_and(|s| s < score) {
                let p = t.period[i];
                dissatisfied
                    .entry((p, t.project[i]))
                    .or_default()
                    .push(i as u32);
                dissatisfied.entry((p, COMPANY)).or_default().push(i as u32);
            }
        }
        let (open_at_start, resolved_in) = attribution(input, periods)?;
        Ok(Common {
            evidence,
            rejects_by_reason: code_counts(input.rejects.counts_by_reason()),
            rejects,
            findings_by_code: code_counts(input.rejects.counts_by_finding()),
            findings_by_kind: finding_kinds(input),
            reject_alarm: reject_alarm(input),
            columns: column_tables(input),
            coverage: crate::pipeline::rules::coverage::CoverageReport::new(
                input.rules,
                &t.classified.coverage,
                None,
                &a.verdicts.applied,
                &a.findings.applied,
            ),
            inputs: files
                .iter()
                .take(cfg.inputs.len())
                .map(|f| InputRow {
                    file: f.stem.clone(),
                    records: f.records,
                })
                .collect(),
            level_names: levels.iter().cloned().collect(),
            levels,
            dissatisfied,
            open_at_start,
            resolved_in,
        })
    }
}

/// Findings grouped by code and field, most frequent first, each with its first row: one kind
/// of finding can run to thousands of rows (a closed case with no resolution time, on every
/// row of an export that has no such column), which the report summarises and
/// `findings.csv` lists.
fn finding_kinds(input: &AggregateInput<'_>) -> Vec<FindingKind> {
    let mut kinds: Vec<FindingKind> = Vec::new();
    let mut index: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for f in &input.rejects.findings {
        let key = (f.code.code(), f.field.as_str());
        match index.get(&key) {
            Some(&i) => kinds[i].count += 1,
            None => {
                index.insert(key, kinds.len());
                kinds.push(FindingKind {
                    code: key.0.to_owned(),
                    field: f.field.clone(),
                    count: 1,
                    at: origin_at(input.files, &f.origin),
                    example: file_stems(
                        input.files,
                        &if input.cfg.unmask {
                            f.message.clone()
                        } else {
                            privacy::mask_text(&f.message, &[])
                        },
                    ),
                });
            }
        }
    }
    // Stable: equal counts keep the order of their first row.
    kinds.sort_by_key(|k| std::cmp::Reverse(k.count));
    kinds
}

/// A message with the input files' paths written as their names without folder or extension,
/// as the report cites rows (so a CSV, GBK and XLSX copy of an export give the same report).
fn file_stems(files: &[crate::pipeline::ingest::InputFile], message: &str) -> String {
    let mut m = message.to_owned();
    for f in files {
        if m.contains(&f.display) {
            m = m.replace(&f.display, &f.stem);
        }
    }
    m
}

/// The report's warning when the rejects make the run's result unacceptable: over the reject
/// limit, or nothing accepted.
fn reject_alarm(input: &AggregateInput<'_>) -> Option<RejectAlarm> {
    let c = input.counts;
    let limit = input
        .cfg
        .max_rejects
        .unwrap_or(crate::rejects::RejectLimit::DEFAULT);
    let nothing_accepted = c.accepted == 0;
    if !nothing_accepted && !limit.exceeded(c.rejected, c.read) {
        return None;
    }
    let cause = input.rejects.main_cause().map(|k| RejectCauseRow {
        reason: k.reason.to_owned(),
        count: k.count,
        field: k.field.clone(),
        value: k.value.clone(),
        at: origin_at(input.files, &k.origin),
        fix: k.fix.clone(),
    });
    Some(RejectAlarm {
        rejected: c.rejected,
        read: c.read,
        limit: limit.to_string(),
        nothing_accepted,
        cause,
    })
}

/// How the input files' columns were read, one table per distinct reading (exports split by
/// period share one).
fn column_tables(input: &AggregateInput<'_>) -> Vec<ColumnTable> {
    let mut out: Vec<ColumnTable> = Vec::new();
    for (i, m) in input.mappings.iter().enumerate() {
        let stem = input
            .files
            .get(i)
            .map_or_else(|| m.file.clone(), |f| f.stem.clone());
        match out
            .iter_mut()
            .find(|t| t.columns == m.columns && t.missing == m.missing)
        {
            Some(t) => t.files.push(stem),
            None => out.push(ColumnTable {
                files: vec![stem],
                columns: m.columns.clone(),
                missing: m.missing.clone(),
            }),
        }
    }
    out
}

/// Complaints open at the start of each report period (received before it, not resolved or
/// closed by then) and resolved in it (whenever received), per project and for the company:
/// a filter and a group-by per period over the complaints' lifecycle instants.
#[allow(clippy::type_complexity)]
fn attribution(
    input: &AggregateInput<'_>,
    periods: &[Period],
) -> Result<(FxHashMap<(Ts, u32), u64>, FxHashMap<(Ts, Ts, u32), u64>)> {
    let cfg = input.cfg;
    let zone = &cfg.zone;
    let t = &input.assessed.complaints;
    let cs = &t.classified.complaints;
    let mut open: FxHashMap<(Ts, u32), u64> = FxHashMap::default();
    let mut resolved: FxHashMap<(Ts, Ts, u32), u64> = FxHashMap::default();
    let count = |lf: LazyFrame| -> Result<Vec<(u32, u64)>> {
        let df = lf
            .group_by([col("project")])
            .agg([len().cast(DataType::UInt64).alias("n")])
            .collect()
            .map_err(pe)?;
        let p = df.column("project").map_err(pe)?.u32().map_err(pe)?.clone();
        let n = df.column("n").map_err(pe)?.u64().map_err(pe)?.clone();
        Ok(p.iter()
            .zip(n.iter())
            .map(|(p, n)| (p.unwrap_or(0), n.unwrap_or(0)))
            .collect())
    };
    let bounds: BTreeSet<(Ts, Ts)> = periods
        .iter()
        .map(|p| (midnight(zone, p.start), midnight(zone, p.end)))
        .collect();
    // The counts add up, so the lifecycle instants are framed a slice of complaints at a time.
    const SLICE: usize = 1 << 18;
    let mut from = 0;
    while from < cs.len() {
        let to = (from + SLICE).min(cs.len());
        let part = &cs[from..to];
        let life = df!(
            "project" => &t.project[from..to],
            "received" => part.iter().map(|c| c.received_at()).collect::<Vec<i64>>(),
            "done" => part.iter().map(|c| {
                c.time(crate::model::Stage::Closed)
                    .or(c.time(crate::model::Stage::Resolved))
                    .unwrap_or(Ts::MAX)
            }).collect::<Vec<i64>>(),
            "resolved" => part.iter().map(|c| c.time(crate::model::Stage::Resolved).unwrap_or(Ts::MAX)).collect::<Vec<i64>>(),
        )
        .map_err(pe)?;
        for &(start, end) in &bounds {
            let o = count(
                life.clone().lazy().filter(
                    col("received")
                        .lt(lit(start))
                        .and(col("done").gt_eq(lit(start))),
                ),
            )?;
            for (q, n) in o {
                *open.entry((start, q)).or_default() += n;
                *open.entry((start, COMPANY)).or_default() += n;
            }
            let r = count(
                life.clone().lazy().filter(
                    col("resolved")
                        .gt_eq(lit(start))
                        .and(col("resolved").lt(lit(end)))
                        .and(col("resolved").lt_eq(lit(cfg.as_of))),
                ),
            )?;
            for (q, n) in r {
                *resolved.entry((start, end, q)).or_default() += n;
                *resolved.entry((start, end, COMPANY)).or_default() += n;
            }
        }
        from = to;
    }
    Ok((open, resolved))
}
