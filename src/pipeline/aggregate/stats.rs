//! The polars side of aggregation: three frames (complaints, SLA verdicts, audit findings) and
//! the group-bys every page is assembled from. Each group-by runs once over the whole data,
//! keyed by period (and project), so a run with one report per month and project does not
//! re-scan the data per page.

use std::collections::HashMap;

use polars::prelude::*;

use super::facts::Facts;
use super::summary::Summary;
use crate::error::{Error, Result};
use crate::pipeline::audit::AuditStatus;
use crate::pipeline::rules::RuleSet;
use crate::pipeline::sla::Status;

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

/// Builds the frames: complaints from the facts; verdicts and findings from the summary's
/// counts (a row per group, its size in `n`).
pub(super) fn frames(facts: &Facts, rules: &RuleSet, summary: &Summary) -> Result<Frames> {
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
    // Group rows in key order, so the frames do not depend on hash order.
    fn sorted<const N: usize>(m: &rustc_hash::FxHashMap<[u32; N], u64>) -> Vec<([u32; N], u64)> {
        let mut v: Vec<([u32; N], u64)> = m.iter().map(|(k, n)| (*k, *n)).collect();
        v.sort_unstable();
        v
    }
    let vc = sorted(&summary.verdict_counts);
    let column =
        |rows: &[([u32; 7], u64)], k: usize| -> Vec<u32> { rows.iter().map(|r| r.0[k]).collect() };
    let verdicts = df!(
        "key" => column(&vc, 0),
        "project" => column(&vc, 1),
        "level" => column(&vc, 2),
        "category" => column(&vc, 3),
        "team" => column(&vc, 4),
        "target" => column(&vc, 5),
        "status" => column(&vc, 6),
        "n" => vc.iter().map(|r| r.1).collect::<Vec<u64>>(),
    )
    .map_err(pe)?;
    let ac = sorted(&summary.audit_counts);
    let column =
        |rows: &[([u32; 6], u64)], k: usize| -> Vec<u32> { rows.iter().map(|r| r.0[k]).collect() };
    let audit = df!(
        "key" => column(&ac, 0),
        "project" => column(&ac, 1),
        "level" => column(&ac, 2),
        "team" => column(&ac, 3),
        "duty" => column(&ac, 4),
        "status" => column(&ac, 5),
        "n" => ac.iter().map(|r| r.1).collect::<Vec<u64>>(),
    )
    .map_err(pe)?;
    Ok(Frames {
        complaints,
        verdicts,
        audit,
        duties: summary.duties.clone(),
        targets: rules
            .targets
            .targets
            .iter()
            .map(|t| t.name.clone())
            .collect(),
    })
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
    // Status codes are positions in the status list; each row stands for `n` of them.
    let aggs: Vec<Expr> = statuses
        .iter()
        .enumerate()
        .map(|(k, s)| {
            (col("status").eq(lit(k as u32)).cast(DataType::UInt64) * col("n"))
                .sum()
                .alias(*s)
        })
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
