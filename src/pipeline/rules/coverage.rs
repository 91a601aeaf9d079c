//! Rule coverage: after a run, which decision-table rows never answered for any complaint,
//! which complaints matched several rows of a first-hit table (so the row order decided), and
//! which SLA targets and duties never applied. In the manifest and the report's appendix.

use std::collections::BTreeMap;

use serde::Serialize;

use super::RuleSet;

/// Rule coverage of one run: per table, how many complaints each row answered for, and how
/// many complaints matched several rows (so the table order decided).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Coverage {
    /// Table → per row, complaints answered.
    pub rows: BTreeMap<String, Vec<u64>>,
    /// Table → (complaints matching several rows, up to 5 example complaint indices).
    pub multi: BTreeMap<String, (u64, Vec<usize>)>,
    /// Table → the example complaints' IDs.
    pub examples: BTreeMap<String, Vec<String>>,
}

/// Examples kept per table.
pub(super) const EXAMPLES: usize = 5;

impl Coverage {
    pub(super) fn add(
        &mut self,
        rules: &RuleSet,
        trace: &[super::engine::TraceEvent],
        weight: u64,
        example: usize,
    ) {
        for e in trace {
            let super::engine::TraceEvent::TableHit {
                table,
                row,
                matched,
                ..
            } = e
            else {
                continue;
            };
            let n = rules.env.tables.get(table).map_or(0, |t| t.rows.len());
            let rows = self.rows.entry(table.clone()).or_insert_with(|| vec![0; n]);
            if let Some(r) = rows.get_mut(*row) {
                *r += weight;
            }
            if *matched > 1 {
                let m = self.multi.entry(table.clone()).or_default();
                m.0 += weight;
                if !m.1.contains(&example) {
                    m.1.push(example);
                    m.1.sort_unstable();
                    m.1.truncate(EXAMPLES);
                }
            }
        }
    }

    pub(super) fn merge(mut self, other: Coverage) -> Coverage {
        for (t, rows) in other.rows {
            let mine = self.rows.entry(t).or_insert_with(|| vec![0; rows.len()]);
            for (a, b) in mine.iter_mut().zip(rows) {
                *a += b;
            }
        }
        for (t, (n, ex)) in other.multi {
            let m = self.multi.entry(t).or_default();
            m.0 += n;
            m.1.extend(ex);
            m.1.sort_unstable();
            m.1.dedup();
            m.1.truncate(EXAMPLES);
        }
        self
    }
}

/// A table's coverage as reported.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TableCoverage {
    /// Table name.
    pub name: String,
    /// Rows in the table.
    pub rows: usize,
    /// Rows that answered for at least one complaint.
    pub fired: usize,
    /// Rows that never answered: `file:line (conditions)`.
    pub never_fired: Vec<String>,
    /// Complaints that matched several rows.
    pub multi_matched: u64,
    /// Up to 5 of them.
    pub examples: Vec<String>,
}

/// The coverage section of the manifest and the report.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct CoverageReport {
    /// Distinct rule inputs evaluated (complaints sharing the fields `classify` reads share one).
    /// Only in the manifest: the report is the same however the rules were evaluated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluations: Option<usize>,
    /// Per table, in name order.
    pub tables: Vec<TableCoverage>,
    /// SLA targets that applied to no complaint.
    pub targets_never_applied: Vec<String>,
    /// Duties that applied to no complaint (or team).
    pub duties_never_applied: Vec<String>,
}

impl CoverageReport {
    /// Builds the report from a run's results.
    pub fn new(
        rules: &RuleSet,
        cov: &Coverage,
        evaluations: Option<usize>,
        targets_applied: &[bool],
        duties_applied: &std::collections::BTreeSet<String>,
    ) -> CoverageReport {
        let mut names: Vec<&String> = rules.env.tables.keys().collect();
        names.sort();
        let tables = names
            .into_iter()
            .map(|name| {
                let t = &rules.env.tables[name];
                let hits = cov
                    .rows
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| vec![0; t.rows.len()]);
                let (multi, _) = cov.multi.get(name).cloned().unwrap_or_default();
                TableCoverage {
                    name: name.clone(),
                    rows: t.rows.len(),
                    fired: hits.iter().filter(|h| **h > 0).count(),
                    never_fired: hits
                        .iter()
                        .enumerate()
                        .filter(|(_, h)| **h == 0)
                        .map(|(r, _)| t.describe_row(r))
                        .collect(),
                    multi_matched: multi,
                    examples: cov.examples.get(name).cloned().unwrap_or_default(),
                }
            })
            .collect();
        let applied = targets_applied.iter().copied();
        let used = duties_applied;
        CoverageReport {
            evaluations,
            tables,
            targets_never_applied: rules
                .targets
                .targets
                .iter()
                .zip(applied)
                .filter(|(_, a)| !a)
                .map(|(t, _)| t.name.clone())
                .collect(),
            duties_never_applied: rules
                .duties
                .duties
                .iter()
                .map(|d| d.name.as_str())
                .chain(rules.duties.team_duties.iter().map(|d| d.name.as_str()))
                .filter(|d| !used.contains(*d))
                .map(str::to_owned)
                .collect(),
        }
    }
}
