//! The polars side of aggregation: the assessed table's three frames, joined with the
//! complaint dimensions, and every group-by the pages are assembled from. Each runs once over
//! the whole data, keyed by period and scope (a project, or [`COMPANY`]), so a run with one
//! report per month and project does not re-scan the data per page.
//!
//! Verdicts and findings are first counted at their finest grain (period, project, level,
//! category, team, target or duty, status) — one pass over millions of rows — and every coarser
//! table is a group-by of that small frame.

use std::collections::BTreeSet;

use polars::prelude::*;
use rustc_hash::FxHashMap;

use super::kpi::{self, Binder};
use crate::error::Result;
use crate::pipeline::assess::{Assessed, Dict, Dicts, pe, period_key};
use crate::pipeline::audit::AuditStatus;
use crate::pipeline::rules::RuleSet;
use crate::pipeline::rules::kpis::{Measure, Over};
use crate::pipeline::sla::Status;

/// The scope code of company-wide rows: not a project code, so complaints with a blank project
/// keep a row of their own.
pub(super) const COMPANY: u32 = u32::MAX;

/// Counts by status, in [`Status::ALL`] or [`AuditStatus::ALL`] order.
pub(super) type StatusCounts = [u64; 6];

/// An indicator's value parts in one (period, scope): the count or numerator, and the
/// denominator; or the quantile.
pub(super) type Parts = [Option<f64>; 2];

/// Every group-by result, keyed by codes.
pub(super) struct Grouped {
    /// (period, scope) → complaints received.
    pub received: FxHashMap<(u32, u32), u64>,
    /// (period, scope) → per indicator (in the rules' order), its parts.
    pub kpis: FxHashMap<(u32, u32), Vec<Parts>>,
    /// Dimension → (period, scope, value) → complaints. Dimensions: level, category, team,
    /// building.
    pub counts: FxHashMap<&'static str, FxHashMap<(u32, u32, u32), u64>>,
    /// (period, project, building, category) → complaints (projects only).
    pub building_category: FxHashMap<(u32, u32, u32, u32), u64>,
    /// Dimension → (period, scope, value) → verdict status counts. Dimensions: level,
    /// category, team, target.
    pub sla: FxHashMap<&'static str, FxHashMap<(u32, u32, u32), StatusCounts>>,
    /// (period, scope, target, level) → verdict status counts.
    pub sla_target_level: FxHashMap<(u32, u32, u32, u32), StatusCounts>,
    /// (period, scope, team) → breached or overdue verdicts on the resolution target.
    pub resolution_overdue: FxHashMap<(u32, u32, u32), u64>,
    /// Dimension → (period, scope, value, duty) → finding status counts. Dimensions: level,
    /// team. Team findings count under the blank project and level.
    pub audit: FxHashMap<&'static str, FxHashMap<(u32, u32, u32, u32), StatusCounts>>,
    /// (period, scope) → late and missing complaint findings.
    pub noncompliant: FxHashMap<(u32, u32), u64>,
    /// The dictionaries of the codes above: period, project, building, team, level, category,
    /// target, duty.
    pub dicts: Dicts,
}

impl Grouped {
    /// A dictionary by column name.
    pub(super) fn dict(&self, name: &str) -> &Dict {
        &self.dicts[name]
    }
}

fn codes(df: &DataFrame, name: &str) -> Result<Vec<u32>> {
    let c = df
        .column(name)
        .map_err(pe)?
        .cast(&DataType::UInt32)
        .map_err(pe)?;
    Ok(c.u32()
        .map_err(pe)?
        .iter()
        .map(|x| x.unwrap_or(0))
        .collect())
}

fn numbers(df: &DataFrame, name: &str) -> Result<Vec<u64>> {
    let c = df
        .column(name)
        .map_err(pe)?
        .cast(&DataType::UInt64)
        .map_err(pe)?;
    Ok(c.u64()
        .map_err(pe)?
        .iter()
        .map(|x| x.unwrap_or(0))
        .collect())
}

fn floats(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>> {
    let c = df
        .column(name)
        .map_err(pe)?
        .cast(&DataType::Float64)
        .map_err(pe)?;
    Ok(c.f64().map_err(pe)?.iter().collect())
}

fn by(keys: &[&str]) -> Vec<Expr> {
    keys.iter().map(|k| col(*k)).collect()
}

/// The rows of `df` picked by the `UInt32` positions in `rows`.
fn gather(df: &DataFrame, rows: &Column) -> Result<DataFrame> {
    let idx = rows.u32().map_err(pe)?;
    df.take(idx).map_err(pe)
}

/// `df` twice: as it is, and with every project replaced by [`COMPANY`].
fn scoped(df: DataFrame) -> Result<LazyFrame> {
    let company = df
        .clone()
        .lazy()
        .with_column(lit(COMPANY).cast(DataType::UInt32).alias("project"));
    concat([df.lazy(), company], UnionArgs::default()).map_err(pe)
}

/// Status counts of a frame with a `status` code column (and `n` rows per row), by `keys`.
fn status_counts(lf: LazyFrame, keys: &[&str], weighted: bool) -> Result<DataFrame> {
    let aggs: Vec<Expr> = (0..6u32)
        .map(|k| {
            let hit = col("status").eq(lit(k)).cast(DataType::UInt64);
            let hit = if weighted { hit * col("n") } else { hit };
            hit.sum().alias(format!("s{k}"))
        })
        .collect();
    lf.group_by(by(keys)).agg(aggs).collect().map_err(pe)
}

fn read_status(df: &DataFrame) -> Result<Vec<StatusCounts>> {
    let cols: Vec<Vec<u64>> = (0..6)
        .map(|k| numbers(df, &format!("s{k}")))
        .collect::<Result<_>>()?;
    Ok((0..df.height())
        .map(|i| std::array::from_fn(|k| cols[k][i]))
        .collect())
}

/// Runs every group-by.
pub(super) fn group(a: &Assessed, rules: &RuleSet) -> Result<Grouped> {
    let t = &a.complaints;
    let kpis = &rules.kpis.kpis;
    // The complaint columns: the dimensions, and whatever an indicator reads.
    let dims = ["period", "project", "building", "team", "level", "category"];
    let mut wanted: BTreeSet<String> = dims.iter().map(|s| (*s).to_owned()).collect();
    for k in kpis {
        let mut cols = BTreeSet::new();
        kpi::columns(k, &mut cols);
        wanted.extend(
            cols.into_iter()
                .filter(|c| !k.over.own_columns().contains(&c.as_str()) && t.has_column(c)),
        );
    }
    let (complaints, mut dicts) = t.frame(&wanted)?;
    // Rule outputs `level` and `category` are required of classify, but a test rule folder may
    // lack them in a frame of no complaints: give them dictionaries either way.
    for d in ["level", "category"] {
        dicts.entry(d.to_owned()).or_default();
    }
    let targets = std::sync::Arc::new(a.verdicts.targets.clone());
    dicts.insert("target".into(), targets);
    // Team findings' period, team, blank project and level, coded into the same dictionaries.
    let mut periods = dicts["period"].as_ref().clone();
    let mut projects = dicts["project"].as_ref().clone();
    let mut teams = dicts["team"].as_ref().clone();
    let mut levels = dicts["level"].as_ref().clone();
    let blank_project = projects.code("");
    let blank_level = levels.code("");
    let team_rows: Vec<(u32, u32, u32, u8)> = a
        .findings
        .team
        .iter()
        .map(|f| {
            let d = chrono::NaiveDate::parse_from_str(&format!("{}-01", f.month), "%Y-%m-%d")
                .unwrap_or_default();
            (
                periods.code(&period_key(t.kind, d)),
                teams.code(&f.team),
                a.findings.duties.find(&f.duty).unwrap_or(0),
                AuditStatus::ALL
                    .iter()
                    .position(|s| *s == f.status)
                    .unwrap_or(0) as u8,
            )
        })
        .collect();
    dicts.insert("period".into(), std::sync::Arc::new(periods));
    dicts.insert("project".into(), std::sync::Arc::new(projects));
    dicts.insert("team".into(), std::sync::Arc::new(teams));
    dicts.insert("level".into(), std::sync::Arc::new(levels));
    dicts.insert(
        "duty".into(),
        std::sync::Arc::new(a.findings.duties.clone()),
    );
    let mut g = Grouped {
        received: FxHashMap::default(),
        kpis: FxHashMap::default(),
        counts: FxHashMap::default(),
        building_category: FxHashMap::default(),
        sla: FxHashMap::default(),
        sla_target_level: FxHashMap::default(),
        resolution_overdue: FxHashMap::default(),
        audit: FxHashMap::default(),
        noncompliant: FxHashMap::default(),
        dicts: FxHashMap::default(),
    };

    // Complaints at their finest grain, then every count from that.
    let fine = complaints
        .clone()
        .lazy()
        .group_by(by(&dims))
        .agg([len().cast(DataType::UInt64).alias("n")])
        .collect()
        .map_err(pe)?;
    let sum_n = || col("n").sum().alias("n");
    let received = scoped(fine.clone())?
        .group_by(by(&["period", "project"]))
        .agg([sum_n()])
        .collect()
        .map_err(pe)?;
    let (p, s, n) = (
        codes(&received, "period")?,
        codes(&received, "project")?,
        numbers(&received, "n")?,
    );
    for i in 0..n.len() {
        g.received.insert((p[i], s[i]), n[i]);
    }
    for x in ["level", "category", "team", "building"] {
        let df = scoped(fine.clone())?
            .group_by(by(&["period", "project", x]))
            .agg([sum_n()])
            .collect()
            .map_err(pe)?;
        let (p, s, v, n) = (
            codes(&df, "period")?,
            codes(&df, "project")?,
            codes(&df, x)?,
            numbers(&df, "n")?,
        );
        g.counts.insert(
            x,
            (0..n.len()).map(|i| ((p[i], s[i], v[i]), n[i])).collect(),
        );
    }
    let bc = fine
        .clone()
        .lazy()
        .group_by(by(&["period", "project", "building", "category"]))
        .agg([sum_n()])
        .collect()
        .map_err(pe)?;
    let (p, s, b, c, n) = (
        codes(&bc, "period")?,
        codes(&bc, "project")?,
        codes(&bc, "building")?,
        codes(&bc, "category")?,
        numbers(&bc, "n")?,
    );
    for i in 0..n.len() {
        g.building_category.insert((p[i], s[i], b[i], c[i]), n[i]);
    }

    // Verdicts: each with its complaint's columns.
    let vf = a.verdicts.frame()?;
    let verdicts = if vf.height() == 0 {
        complaints
            .clear()
            .hstack(&[
                Column::new("target".into(), Vec::<u32>::new()),
                Column::new("status".into(), Vec::<u32>::new()),
            ])
            .map_err(pe)?
    } else {
        let rows = vf.column("row").map_err(pe)?.clone();
        let mut with = gather(&complaints, &rows)?;
        with.with_column(vf.column("target").map_err(pe)?.clone())
            .map_err(pe)?;
        with.with_column(vf.column("status").map_err(pe)?.clone())
            .map_err(pe)?;
        with
    };
    let vfine = verdicts
        .clone()
        .lazy()
        .group_by(by(&[
            "period", "project", "level", "category", "team", "target", "status",
        ]))
        .agg([len().cast(DataType::UInt64).alias("n")])
        .collect()
        .map_err(pe)?;
    for x in ["level", "category", "team", "target"] {
        let df = status_counts(scoped(vfine.clone())?, &["period", "project", x], true)?;
        let (p, s, v) = (
            codes(&df, "period")?,
            codes(&df, "project")?,
            codes(&df, x)?,
        );
        let c = read_status(&df)?;
        g.sla.insert(
            x,
            (0..c.len()).map(|i| ((p[i], s[i], v[i]), c[i])).collect(),
        );
    }
    let df = status_counts(
        scoped(vfine.clone())?,
        &["period", "project", "target", "level"],
        true,
    )?;
    let (p, s, tg, l) = (
        codes(&df, "period")?,
        codes(&df, "project")?,
        codes(&df, "target")?,
        codes(&df, "level")?,
    );
    for (i, c) in read_status(&df)?.into_iter().enumerate() {
        g.sla_target_level.insert((p[i], s[i], tg[i], l[i]), c);
    }
    if let Some(res) = a
        .verdicts
        .targets
        .find(&rules.kpis.settings.resolution_target)
    {
        let late = [Status::Breached, Status::Overdue]
            .map(|st| Status::ALL.iter().position(|x| *x == st).unwrap_or(0) as u32);
        let df = scoped(vfine.clone())?
            .filter(
                col("target").eq(lit(res)).and(
                    col("status")
                        .eq(lit(late[0]))
                        .or(col("status").eq(lit(late[1]))),
                ),
            )
            .group_by(by(&["period", "project", "team"]))
            .agg([sum_n()])
            .collect()
            .map_err(pe)?;
        let (p, s, tm, n) = (
            codes(&df, "period")?,
            codes(&df, "project")?,
            codes(&df, "team")?,
            numbers(&df, "n")?,
        );
        for i in 0..n.len() {
            g.resolution_overdue.insert((p[i], s[i], tm[i]), n[i]);
        }
    }

    // Findings: complaint findings with their complaint's columns, then the team findings.
    let ff = a.findings.frame()?;
    let findings = if ff.height() == 0 {
        complaints
            .clear()
            .hstack(&[
                Column::new("duty".into(), Vec::<u32>::new()),
                Column::new("status".into(), Vec::<u32>::new()),
            ])
            .map_err(pe)?
    } else {
        let rows = ff.column("row").map_err(pe)?.clone();
        let mut with = gather(&complaints, &rows)?;
        with.with_column(ff.column("duty").map_err(pe)?.clone())
            .map_err(pe)?;
        with.with_column(ff.column("status").map_err(pe)?.clone())
            .map_err(pe)?;
        with
    };
    let team = df!(
        "period" => team_rows.iter().map(|r| r.0).collect::<Vec<u32>>(),
        "project" => vec![blank_project; team_rows.len()],
        "level" => vec![blank_level; team_rows.len()],
        "team" => team_rows.iter().map(|r| r.1).collect::<Vec<u32>>(),
        "duty" => team_rows.iter().map(|r| r.2).collect::<Vec<u32>>(),
        "status" => team_rows.iter().map(|r| u32::from(r.3)).collect::<Vec<u32>>(),
    )
    .map_err(pe)?;
    let keys = ["period", "project", "level", "team", "duty", "status"];
    let afine = concat(
        [findings.clone().lazy().select(by(&keys)), team.lazy()],
        UnionArgs::default(),
    )
    .map_err(pe)?
    .group_by(by(&keys))
    .agg([len().cast(DataType::UInt64).alias("n")])
    .collect()
    .map_err(pe)?;
    for x in ["level", "team"] {
        let df = status_counts(
            scoped(afine.clone())?,
            &["period", "project", x, "duty"],
            true,
        )?;
        let (p, s, v, d) = (
            codes(&df, "period")?,
            codes(&df, "project")?,
            codes(&df, x)?,
            codes(&df, "duty")?,
        );
        let c = read_status(&df)?;
        g.audit.insert(
            x,
            (0..c.len())
                .map(|i| ((p[i], s[i], v[i], d[i]), c[i]))
                .collect(),
        );
    }
    let late = [AuditStatus::Late, AuditStatus::Missing]
        .map(|st| AuditStatus::ALL.iter().position(|x| *x == st).unwrap_or(0) as u32);
    let df = scoped(
        findings
            .clone()
            .lazy()
            .select(by(&["period", "project", "status"]))
            .collect()
            .map_err(pe)?,
    )?
    .filter(
        col("status")
            .eq(lit(late[0]))
            .or(col("status").eq(lit(late[1]))),
    )
    .group_by(by(&["period", "project"]))
    .agg([len().cast(DataType::UInt64).alias("n")])
    .collect()
    .map_err(pe)?;
    let (p, s, n) = (
        codes(&df, "period")?,
        codes(&df, "project")?,
        numbers(&df, "n")?,
    );
    for i in 0..n.len() {
        g.noncompliant.insert((p[i], s[i]), n[i]);
    }

    // The indicators: one group-by per table, every indicator at once.
    g.kpis = indicators(rules, &complaints, &verdicts, &findings, &dicts)?;
    g.dicts = dicts;
    Ok(g)
}

/// Every indicator per (period, scope). Counts and ratios are summed per project and the
/// company's are the sums; quantiles are computed per scope.
fn indicators(
    rules: &RuleSet,
    complaints: &DataFrame,
    verdicts: &DataFrame,
    findings: &DataFrame,
    dicts: &Dicts,
) -> Result<FxHashMap<(u32, u32), Vec<Parts>>> {
    let kpis = &rules.kpis.kpis;
    let mut out: FxHashMap<(u32, u32), Vec<Parts>> = FxHashMap::default();
    for over in [Over::Complaints, Over::Verdicts, Over::Findings] {
        let (df, own): (&DataFrame, &[&str]) = match over {
            Over::Complaints => (complaints, &[]),
            Over::Verdicts => (verdicts, &["target", "status"]),
            Over::Findings => (findings, &["duty", "status"]),
        };
        let mut local: Dicts = dicts.clone();
        for c in own {
            let d = match (over, *c) {
                (Over::Verdicts, "status") => crate::pipeline::assess::VerdictTable::statuses(),
                (Over::Findings, "status") => crate::pipeline::assess::FindingTable::statuses(),
                (_, name) => dicts[name].as_ref().clone(),
            };
            local.insert((*c).to_owned(), std::sync::Arc::new(d));
        }
        let names: BTreeSet<String> = df
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        let has = |n: &str| names.contains(n);
        let binder = Binder {
            rules,
            dicts: &local,
            has: &has,
        };
        let mut additive = Vec::new();
        let mut quantiles = Vec::new();
        for (k, kp) in kpis.iter().enumerate().filter(|(_, x)| x.over == over) {
            let aggs = kpi::aggregations(kp, &binder)?;
            if matches!(kp.measure, Measure::Quantile { .. }) {
                quantiles.push((k, aggs));
            } else {
                additive.push((k, aggs));
            }
        }
        let mut put =
            |df: &DataFrame, k: usize, parts: usize, key: &str, scope: Option<u32>| -> Result<()> {
                let p = codes(df, "period")?;
                let s = match scope {
                    None => codes(df, "project")?,
                    Some(c) => vec![c; p.len()],
                };
                let cols: Vec<Vec<Option<f64>>> = (0..parts)
                    .map(|j| floats(df, &format!("{key}.{j}")))
                    .collect::<Result<_>>()?;
                for i in 0..p.len() {
                    let e = out
                        .entry((p[i], s[i]))
                        .or_insert_with(|| vec![[None, None]; kpis.len()]);
                    for (j, c) in cols.iter().enumerate() {
                        e[k][j] = c[i];
                    }
                }
                Ok(())
            };
        if !additive.is_empty() {
            let aggs: Vec<Expr> = additive.iter().flat_map(|(_, a)| a.clone()).collect();
            let per_project = df
                .clone()
                .lazy()
                .group_by(by(&["period", "project"]))
                .agg(aggs)
                .collect()
                .map_err(pe)?;
            let sums: Vec<Expr> = additive
                .iter()
                .flat_map(|(k, a)| {
                    (0..a.len()).map(move |j| col(format!("{}.{j}", kpis[*k].key)).sum())
                })
                .collect();
            let company = per_project
                .clone()
                .lazy()
                .group_by(by(&["period"]))
                .agg(sums)
                .collect()
                .map_err(pe)?;
            for (k, a) in &additive {
                put(&per_project, *k, a.len(), &kpis[*k].key, None)?;
                put(&company, *k, a.len(), &kpis[*k].key, Some(COMPANY))?;
            }
        }
        if !quantiles.is_empty() {
            let aggs: Vec<Expr> = quantiles.iter().flat_map(|(_, a)| a.clone()).collect();
            let per_project = df
                .clone()
                .lazy()
                .group_by(by(&["period", "project"]))
                .agg(aggs.clone())
                .collect()
                .map_err(pe)?;
            let company = df
                .clone()
                .lazy()
                .group_by(by(&["period"]))
                .agg(aggs)
                .collect()
                .map_err(pe)?;
            for (k, _) in &quantiles {
                put(&per_project, *k, 1, &kpis[*k].key, None)?;
                put(&company, *k, 1, &kpis[*k].key, Some(COMPANY))?;
            }
        }
    }
    Ok(out)
}
