//! The polars side of aggregation: three frames (complaints, SLA verdicts, audit findings) and
//! the group-bys every page is assembled from. Each group-by runs once over the whole data,
//! keyed by period (and project), so a run with one report per month and project does not
//! re-scan the data per page.

use std::collections::HashMap;


use polars::prelude::*;

use super::facts::Facts;
use crate::error::{Error, Result};
use crate::pipeline::audit::{AuditStatus, Audited};
use crate::pipeline::rules::RuleSet;
use crate::pipeline::sla::{Assessed, Status};

pub(super) fn pe(e: PolarsError) -> Error {
    Error::Aggregate(e.to_string())
}

/// The three frames. Categorical columns hold [`Facts`] dictionary codes (`UInt32`), statuses
/// their position in `Status::ALL` / `AuditStatus::ALL` (`UInt8`); [`Decode`] turns group keys
/// back into names.
pub(super) struct Frames {
    /// One row per complaint.
    pub complaints: DataFrame,
    /// One row per SLA verdict.
    pub verdicts: DataFrame,
    /// One row per audit finding.
    pub audit: DataFrame,
    /// Duty names of the audit frame's `duty` codes.
    pub duties: Vec<String>,
    /// Target names of the verdict frame's `target` codes.
    pub targets: Vec<String>,
}

/// Turns a grouped frame's key codes back into names.
pub(super) struct Decode<'a> {
    pub facts: &'a Facts,
    pub frames: &'a Frames,
}

impl Decode<'_> {
    fn name(&self, column: &str, code: u32) -> String {
        let f = self.facts;
        match column {
            "key" => f.keys.name(code),
            "project" => f.projects.name(code),
            "building" => f.buildings.name(code),
            "team" => f.teams.name(code),
            "level" => f.levels.name(code),
            "category" => f.categories.name(code),
            "duty" => &self.frames.duties[code as usize],
            "target" => &self.frames.targets[code as usize],
            other => unreachable!("no dictionary for `{other}`"),
        }
        .to_owned()
    }
}

/// Builds the frames.
pub(super) fn frames(
    facts: &mut Facts,
    rules: &RuleSet,
    assessed: &Assessed,
    audited: &Audited,
    kind: &str,
) -> Result<Frames> {
    let satisfied_score = rules.manifest.kpi.satisfied_score;
    let ack = |s: Status| -> Vec<bool> { facts.ack.iter().map(|a| *a == Some(s)).collect() };
    let complaints = df!(
        "key" => &facts.key,
        "project" => &facts.project,
        "building" => &facts.building,
        "team" => &facts.team,
        "level" => &facts.level,
        "category" => &facts.category,
        "valid" => &facts.valid,
        "invalid" => &facts.invalid,
        "rated" => facts.satisfaction.iter().map(Option::is_some).collect::<Vec<bool>>(),
        "satisfied" => facts.satisfaction.iter().map(|s| s.is_some_and(|x| x >= satisfied_score)).collect::<Vec<bool>>(),
        "resolved" => &facts.resolved,
        "followed" => &facts.followed,
        "reopened" => &facts.reopened,
        "repeat" => &facts.repeat,
        "respond" => &facts.respond_min,
        "resolve" => &facts.resolve_min,
        "ack_met" => ack(Status::Met),
        "ack_breached" => ack(Status::Breached),
        "ack_overdue" => ack(Status::Overdue),
    )
    .map_err(pe)?;
    let n: usize = assessed.verdicts.iter().map(Vec::len).sum();
    let mut idx: Vec<usize> = Vec::with_capacity(n);
    let mut target: Vec<u32> = Vec::with_capacity(n);
    let mut status: Vec<u32> = Vec::with_capacity(n);
    for (i, vs) in assessed.verdicts.iter().enumerate() {
        for v in vs {
            idx.push(i);
            target.push(u32::from(v.target));
            status.push(status_code(v.status));
        }
    }
    let pick = |col: &[u32]| -> Vec<u32> { idx.iter().map(|&i| col[i]).collect() };
    let verdicts = df!(
        "key" => pick(&facts.key),
        "project" => pick(&facts.project),
        "level" => pick(&facts.level),
        "category" => pick(&facts.category),
        "team" => pick(&facts.team),
        "target" => target,
        "status" => status,
    )
    .map_err(pe)?;
    let targets: Vec<String> = rules
        .targets
        .targets
        .iter()
        .map(|t| t.name.clone())
        .collect();
    let mut duties: Vec<String> = Vec::new();
    let mut duty_code: HashMap<&str, u32> = HashMap::new();
    let blank_project = facts.projects.code("");
    let blank_level = facts.levels.code("");
    let m = audited.findings.len();
    let mut a: (Vec<u32>, Vec<u32>, Vec<u32>, Vec<u32>, Vec<u32>, Vec<u32>) = (
        Vec::with_capacity(m),
        Vec::with_capacity(m),
        Vec::with_capacity(m),
        Vec::with_capacity(m),
        Vec::with_capacity(m),
        Vec::with_capacity(m),
    );
    for f in &audited.findings {
        let (key, project, level) = match f.complaint {
            Some(i) => (
                facts.key[i as usize],
                facts.project[i as usize],
                facts.level[i as usize],
            ),
            None => {
                // Team findings are keyed by month; place them in the period of that month.
                let d = chrono::NaiveDate::parse_from_str(&format!("{}-01", f.month), "%Y-%m-%d")
                    .unwrap_or_default();
                (
                    facts.keys.code(&super::facts::period_key(kind, d)),
                    blank_project,
                    blank_level,
                )
            }
        };
        a.0.push(key);
        a.1.push(project);
        a.2.push(level);
        a.3.push(facts.teams.code(&f.team));
        let d = *duty_code.entry(f.duty.as_str()).or_insert_with(|| {
            duties.push(f.duty.clone());
            (duties.len() - 1) as u32
        });
        a.4.push(d);
        a.5.push(audit_code(f.status));
    }
    let audit = df!(
        "key" => a.0,
        "project" => a.1,
        "level" => a.2,
        "team" => a.3,
        "duty" => a.4,
        "status" => a.5,
    )
    .map_err(pe)?;
    Ok(Frames {
        complaints,
        verdicts,
        audit,
        duties,
        targets,
    })
}

/// Position of a verdict status in `Status::ALL` (a `UInt32` column: the polars build has no
/// 8-bit integers, and features are frozen).
fn status_code(s: Status) -> u32 {
    Status::ALL.iter().position(|x| *x == s).expect("in ALL") as u32
}

/// Position of an audit status in `AuditStatus::ALL`.
fn audit_code(s: AuditStatus) -> u32 {
    AuditStatus::ALL
        .iter()
        .position(|x| *x == s)
        .expect("in ALL") as u32
}

/// Indicators of one group of complaints.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Stats {
    pub received: u64,
    pub rated: u64,
    pub satisfied: u64,
    pub resolved: u64,
    pub followed: u64,
    pub reopened: u64,
    pub repeats: u64,
    pub valid: u64,
    pub invalid: u64,
    pub ack_met: u64,
    pub ack_breached: u64,
    pub ack_overdue: u64,
    pub respond_p50: Option<f64>,
    pub respond_p90: Option<f64>,
    pub resolve_p50: Option<f64>,
    pub resolve_p90: Option<f64>,
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

/// The group keys of a grouped frame, row by row, as names.
fn keys(g: &DataFrame, by: &[&str], decode: &Decode<'_>) -> Result<Vec<Vec<String>>> {
    let cols: Vec<Vec<u32>> = by.iter().map(|k| codes(g, k)).collect::<Result<_>>()?;
    Ok((0..g.height())
        .map(|i| {
            by.iter()
                .zip(&cols)
                .map(|(name, c)| decode.name(name, c[i]))
                .collect()
        })
        .collect())
}

fn sum_of(name: &str) -> Expr {
    col(name).cast(DataType::UInt64).sum().alias(name)
}

fn equals(name: &str, code: u32, alias: &str) -> Expr {
    col(name)
        .eq(lit(code))
        .cast(DataType::UInt64)
        .sum()
        .alias(alias)
}

/// Indicators grouped by `by`.
pub(super) fn stats(
    c: &DataFrame,
    by: &[&str],
    decode: &Decode<'_>,
) -> Result<HashMap<Vec<String>, Stats>> {
    let g = c
        .clone()
        .lazy()
        .group_by(by.iter().map(|k| col(*k)).collect::<Vec<_>>())
        .agg([
            len().cast(DataType::UInt64).alias("received"),
            sum_of("rated"),
            sum_of("satisfied"),
            sum_of("resolved"),
            sum_of("followed"),
            sum_of("reopened"),
            sum_of("repeat"),
            sum_of("valid"),
            sum_of("invalid"),
            sum_of("ack_met"),
            sum_of("ack_breached"),
            sum_of("ack_overdue"),
            col("respond").median().alias("respond_p50"),
            col("respond")
                .quantile(lit(0.9), QuantileMethod::Linear)
                .alias("respond_p90"),
            col("resolve").median().alias("resolve_p50"),
            col("resolve")
                .quantile(lit(0.9), QuantileMethod::Linear)
                .alias("resolve_p90"),
        ])
        .collect()
        .map_err(pe)?;
    let k = keys(&g, by, decode)?;
    let n = |name: &str| numbers(&g, name);
    let (received, rated, satisfied, resolved, followed, reopened, repeats) = (
        n("received")?,
        n("rated")?,
        n("satisfied")?,
        n("resolved")?,
        n("followed")?,
        n("reopened")?,
        n("repeat")?,
    );
    let (valid, invalid, met, breached, overdue) = (
        n("valid")?,
        n("invalid")?,
        n("ack_met")?,
        n("ack_breached")?,
        n("ack_overdue")?,
    );
    let (r50, r90, s50, s90) = (
        floats(&g, "respond_p50")?,
        floats(&g, "respond_p90")?,
        floats(&g, "resolve_p50")?,
        floats(&g, "resolve_p90")?,
    );
    Ok(k.into_iter()
        .enumerate()
        .map(|(i, key)| {
            (
                key,
                Stats {
                    received: received[i],
                    rated: rated[i],
                    satisfied: satisfied[i],
                    resolved: resolved[i],
                    followed: followed[i],
                    reopened: reopened[i],
                    repeats: repeats[i],
                    valid: valid[i],
                    invalid: invalid[i],
                    ack_met: met[i],
                    ack_breached: breached[i],
                    ack_overdue: overdue[i],
                    respond_p50: r50[i],
                    respond_p90: r90[i],
                    resolve_p50: s50[i],
                    resolve_p90: s90[i],
                },
            )
        })
        .collect())
}

/// Complaint counts grouped by `by`.
pub(super) fn counts(
    c: &DataFrame,
    by: &[&str],
    decode: &Decode<'_>,
) -> Result<HashMap<Vec<String>, u64>> {
    let g = c
        .clone()
        .lazy()
        .group_by(by.iter().map(|k| col(*k)).collect::<Vec<_>>())
        .agg([len().cast(DataType::UInt64).alias("n")])
        .collect()
        .map_err(pe)?;
    Ok(keys(&g, by, decode)?
        .into_iter()
        .zip(numbers(&g, "n")?)
        .collect())
}

/// Counts per status, for verdicts (`Status`) or audit findings (`AuditStatus`), grouped by `by`.
pub(super) fn status_counts(
    df: &DataFrame,
    by: &[&str],
    statuses: &[&'static str],
    decode: &Decode<'_>,
) -> Result<HashMap<Vec<String>, Vec<u64>>> {
    // Status codes are positions in the status list.
    let aggs: Vec<Expr> = statuses
        .iter()
        .enumerate()
        .map(|(k, s)| equals("status", k as u32, s))
        .collect();
    let g = df
        .clone()
        .lazy()
        .group_by(by.iter().map(|k| col(*k)).collect::<Vec<_>>())
        .agg(aggs)
        .collect()
        .map_err(pe)?;
    let cols: Vec<Vec<u64>> = statuses
        .iter()
        .map(|s| numbers(&g, s))
        .collect::<Result<_>>()?;
    Ok(keys(&g, by, decode)?
        .into_iter()
        .enumerate()
        .map(|(i, k)| (k, cols.iter().map(|c| c[i]).collect()))
        .collect())
}

/// Verdict status names in `Status::ALL` order.
pub(super) fn verdict_statuses() -> Vec<&'static str> {
    Status::ALL.iter().map(|s| s.name()).collect()
}

/// Audit status names in `AuditStatus::ALL` order.
pub(super) fn audit_statuses() -> Vec<&'static str> {
    AuditStatus::ALL.iter().map(|s| s.name()).collect()
}
