//! The indicators of `rules/kpis.toml` evaluated over the assessed table: per table, one
//! group-by per slice of complaints (or over the counted verdicts and findings), every
//! indicator at once, summed per project and for the company.

use std::collections::BTreeSet;

use polars::prelude::*;
use rustc_hash::FxHashMap;

use super::kpi::{self, Binder};
use super::queries::{COMPANY, FINE, KeyUse, Parts, by, codes, floats, gather, grouped};
use crate::error::Result;
use crate::pipeline::assess::{Assessed, Dicts, pe};
use crate::pipeline::rules::RuleSet;
use crate::pipeline::rules::kpis::{Measure, Over};

/// Complaints per slice of the indicators that add up (their frames are built a slice at a
/// time, so the columns of a million complaints are never all built at once).
const KPI_SLICE: usize = 1 << 18;

/// Every indicator per (period, scope). Counts and ratios are summed per project, slice by
/// slice, and the company's are the sums; quantiles are computed per scope over their columns.
/// An indicator over verdicts or findings that reads only the counted frame's columns is
/// computed from it, weighted by `n`; one that reads other complaint columns gets them joined
/// onto every row.
pub(super) fn indicators(
    rules: &RuleSet,
    a: &Assessed,
    fine: [(&DataFrame, &BTreeSet<String>); 2],
    dicts: &Dicts,
) -> Result<FxHashMap<(u32, u32), Vec<Parts>>> {
    let t = &a.complaints;
    let kpis = &rules.kpis.kpis;
    let mut out: FxHashMap<(u32, u32), Vec<Parts>> = FxHashMap::default();
    let mut put = |df: &DataFrame, k: usize, parts: usize, scope: Option<u32>| -> Result<()> {
        let p = codes(df, "period")?;
        let s = match scope {
            None => codes(df, "project")?,
            Some(c) => vec![c; p.len()],
        };
        let cols: Vec<Vec<Option<f64>>> = (0..parts)
            .map(|j| floats(df, &format!("{}.{j}", kpis[k].key)))
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
    // The complaint columns the chosen indicators read, plus the grouping.
    let columns_of = |chosen: &[usize]| -> BTreeSet<String> {
        let mut cols: BTreeSet<String> = ["period", "project"].map(str::to_owned).into();
        for &k in chosen {
            let mut c = BTreeSet::new();
            kpi::columns(&kpis[k], &mut c);
            cols.extend(c.into_iter().filter(|c| t.has_column(c)));
        }
        cols
    };
    for over in [Over::Complaints, Over::Verdicts, Over::Findings] {
        let chosen: Vec<usize> = (0..kpis.len()).filter(|k| kpis[*k].over == over).collect();
        let (additive, quantiles): (Vec<usize>, Vec<usize>) = chosen
            .iter()
            .partition(|k| !matches!(kpis[**k].measure, Measure::Quantile { .. }));
        if !additive.is_empty() {
            let mut parts: Vec<LazyFrame> = Vec::new();
            let mut each =
                |df: &DataFrame, local: &Dicts, anchor: &str, weight: Option<&str>| -> Result<()> {
                    let aggs = aggregations_of(rules, &additive, df, local, anchor, weight)?;
                    parts.push(
                        grouped(
                            df.clone().lazy(),
                            &["period", "project"],
                            aggs,
                            KeyUse::MayRead,
                        )?
                        .lazy(),
                    );
                    Ok(())
                };
            match over {
                Over::Complaints => {
                    let cols = columns_of(&additive);
                    for range in slices(t) {
                        let (df, fd) = t.frame(&cols, range)?;
                        each(&df, &with(dicts, fd, over), "row", None)?;
                    }
                }
                _ => {
                    let (counted, extra) = if over == Over::Verdicts {
                        fine[0]
                    } else {
                        fine[1]
                    };
                    if extra.iter().all(|c| FINE.contains(&c.as_str())) {
                        each(
                            counted,
                            &with(dicts, Dicts::default(), over),
                            "n",
                            Some("n"),
                        )?;
                    } else {
                        let (joined, fd) = joined(a, over, &columns_of(&additive))?;
                        each(&joined, &with(dicts, fd, over), "row", None)?;
                    }
                }
            }
            if !parts.is_empty() {
                let sums: Vec<Expr> = additive
                    .iter()
                    .flat_map(|k| {
                        let n = if matches!(kpis[*k].measure, Measure::Ratio { .. }) {
                            2
                        } else {
                            1
                        };
                        (0..n).map(move |j| col(format!("{}.{j}", kpis[*k].key)).sum())
                    })
                    .collect();
                let per_project = grouped(
                    concat(parts, UnionArgs::default()).map_err(pe)?,
                    &["period", "project"],
                    sums.clone(),
                    KeyUse::Unread,
                )?;
                let company = per_project
                    .clone()
                    .lazy()
                    .group_by(by(&["period"]))
                    .agg(sums)
                    .collect()
                    .map_err(pe)?;
                for &k in &additive {
                    let n = if matches!(kpis[k].measure, Measure::Ratio { .. }) {
                        2
                    } else {
                        1
                    };
                    put(&per_project, k, n, None)?;
                    put(&company, k, n, Some(COMPANY))?;
                }
            }
        }
        // Quantiles (only over complaints: the loader allows no other), a slice of whole
        // periods at a time: each period's groups are complete in its slice.
        let cols = columns_of(&quantiles);
        for range in slices(t).into_iter().filter(|_| !quantiles.is_empty()) {
            let (df, fd) = t.frame(&cols, range)?;
            let local = with(dicts, fd, over);
            let aggs = aggregations_of(rules, &quantiles, &df, &local, "row", None)?;
            let per_project = grouped(
                df.clone().lazy(),
                &["period", "project"],
                aggs.clone(),
                KeyUse::MayRead,
            )?;
            let company = df
                .lazy()
                .group_by(by(&["period"]))
                .agg(aggs)
                .collect()
                .map_err(pe)?;
            for &k in &quantiles {
                put(&per_project, k, 1, None)?;
                put(&company, k, 1, Some(COMPANY))?;
            }
        }
    }
    Ok(out)
}

/// The complaints in slices of whole periods, about [`KPI_SLICE`] complaints each (a period
/// larger than that is a slice of its own). Complaints are in receipt order, so a period's are
/// consecutive; should they not be, the whole table is one slice.
fn slices(t: &crate::pipeline::assess::ComplaintTable) -> Vec<std::ops::Range<usize>> {
    let n = t.len();
    let mut seen = rustc_hash::FxHashSet::default();
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < n {
        let p = t.period[i];
        if !seen.insert(p) {
            return if n == 0 { Vec::new() } else { vec![0..n] };
        }
        let mut j = i;
        while j < n && t.period[j] == p {
            j += 1;
        }
        if j - start > KPI_SLICE && i > start {
            out.push(start..i);
            start = i;
        }
        i = j;
    }
    if start < n {
        out.push(start..n);
    }
    out
}

/// The dictionaries a filter over `over` binds against: the run's, a frame's, and the table's
/// own status names.
fn with(dicts: &Dicts, frame: Dicts, over: Over) -> Dicts {
    let mut local = dicts.clone();
    local.extend(frame);
    match over {
        Over::Verdicts => {
            local.insert(
                "status".into(),
                std::sync::Arc::new(crate::pipeline::assess::VerdictTable::statuses()),
            );
        }
        Over::Findings => {
            local.insert(
                "status".into(),
                std::sync::Arc::new(crate::pipeline::assess::FindingTable::statuses()),
            );
        }
        Over::Complaints => {}
    }
    local
}

/// The aggregations of the indicators `chosen` over `df`.
fn aggregations_of(
    rules: &RuleSet,
    chosen: &[usize],
    df: &DataFrame,
    dicts: &Dicts,
    anchor: &str,
    weight: Option<&str>,
) -> Result<Vec<Expr>> {
    let names: BTreeSet<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let has = |n: &str| names.contains(n);
    let binder = Binder {
        rules,
        dicts,
        has: &has,
        anchor,
        weight,
    };
    let mut aggs = Vec::new();
    for &k in chosen {
        aggs.extend(kpi::aggregations(&rules.kpis.kpis[k], &binder)?);
    }
    Ok(aggs)
}

/// Every verdict (or complaint finding) with its target (duty), status and the complaint
/// columns `cols`.
fn joined(a: &Assessed, over: Over, cols: &BTreeSet<String>) -> Result<(DataFrame, Dicts)> {
    let t = &a.complaints;
    let (table, fd) = t.frame(cols, 0..t.len())?;
    let (rows, what, status, name) = match over {
        Over::Verdicts => (
            a.verdicts.complaints(0..a.verdicts.len()),
            a.verdicts
                .target
                .iter()
                .map(|t| u32::from(*t))
                .collect::<Vec<u32>>(),
            a.verdicts
                .status
                .iter()
                .map(|s| u32::from(*s))
                .collect::<Vec<u32>>(),
            "target",
        ),
        _ => (
            a.findings.complaint.clone(),
            a.findings.duty.clone(),
            a.findings
                .status
                .iter()
                .map(|s| u32::from(*s))
                .collect::<Vec<u32>>(),
            "duty",
        ),
    };
    let mut with = gather(&table, &Column::new("row".into(), rows))?;
    with.with_column(Column::new(name.into(), what))
        .map_err(pe)?;
    with.with_column(Column::new("status".into(), status))
        .map_err(pe)?;
    Ok((with, fd))
}
