//! Stage 6, aggregate: the [`Assessed`] table → [`Aggregated`]: one [`ReportContext`] per page
//! (a company overview and one page per project, for one report period or, with
//! `--period all`, for every month of the data).
//!
//! - Input: the assessed table, rejects, the run's files and row accounting.
//! - Output: the contexts the templates receive (`context.rs`, printed by `complaints context`,
//!   documented field by field in `docs/TEMPLATES.md`), with every ratio computed from summed
//!   counts (never an average of percentages) and rounded here, so reports are byte-stable.
//! - How: every group-by runs once in polars over the whole table (`queries.rs`), the
//!   indicators of `rules/kpis.toml` among them (`kpi.rs`); each page then reads its period's
//!   and scope's rows (`page.rs`, `audit.rs`), and the pages are built in parallel.
//! - Failure policy: a polars error is a bug, reported as [`Error::Aggregate`].

mod audit;
mod common;
pub mod context;
mod indicators;
mod kpi;
mod page;
mod queries;
mod values;

use std::collections::{BTreeMap, BTreeSet};

pub use self::context::*;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::model::RowCounts;
use crate::period::{self, Period, PeriodSpec};
use crate::pipeline::assess::Assessed;
pub use crate::pipeline::assess::LIST_LIMIT;
use crate::pipeline::ingest::InputFile;
use crate::pipeline::rules::RuleSet;
use crate::rejects::Rejects;

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

/// What the stage needs.
pub struct AggregateInput<'a> {
    /// Run config.
    pub cfg: &'a Config,
    /// The rules (vocabularies, targets, duties, indicators).
    pub rules: &'a RuleSet,
    /// Input files.
    pub files: &'a [InputFile],
    /// The assessed table.
    pub assessed: &'a Assessed,
    /// Rejects and findings.
    pub rejects: &'a Rejects,
    /// Row accounting.
    pub counts: RowCounts,
    /// How the complaint exports' physical lines were used.
    pub lines: crate::model::Lines,
    /// Warnings to show in the report.
    pub warnings: &'a [String],
    /// How each input file's columns were read.
    pub mappings: &'a [crate::pipeline::normalize::FileMapping],
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

/// A project name as a safe file name (a slug): letters and digits of any script stay
/// (`翠湖花园` is its own file name), every run of other characters becomes one `_`, and none
/// leads or trails, so a name cannot make a hidden file, an option, a formula, a path or a
/// name that reads backwards (bidi controls). At most 60 characters. The real name stays in
/// the page and its links.
pub fn file_name(project: &str) -> String {
    let mut s = String::with_capacity(project.len());
    for c in project.chars() {
        if c.is_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('_') {
            s.push('_');
        }
    }
    let s: String = s.trim_matches('_').chars().take(60).collect();
    let s = s.trim_end_matches('_');
    if s.is_empty() {
        "project".to_owned()
    } else {
        s.to_owned()
    }
}

/// The report periods of a run, whether they are every month of the data, the default
/// period (whose pages also go to the top of the output folder) and how it was chosen.
fn periods(input: &AggregateInput<'_>) -> Result<(Vec<Period>, bool, Period, period::Chosen)> {
    let cfg = input.cfg;
    let as_of = cfg.zone.local_date(cfg.as_of);
    let span = Span::of(input.assessed, as_of);
    // The latest receipt date before the cutoff is all the default reads of the dates.
    let (default, chosen) = period::default_with_data(as_of, span.last_before_month.into_iter());
    Ok(match cfg.period.as_deref().map(period::parse) {
        Some(Ok(PeriodSpec::One(p))) => (vec![p.clone()], false, p, period::Chosen::Named),
        Some(Err(e)) => return Err(Error::Usage(e)),
        Some(Ok(PeriodSpec::All)) => {
            let months = data_months(&span, &default);
            (months, true, default, chosen)
        }
        None => (vec![default.clone()], false, default, chosen),
    })
}

/// What the periods are chosen from: the receipt dates' range, in one pass over the
/// complaints on the pool (a local date per complaint; three serial passes were 0.1 s at a
/// million complaints).
struct Span {
    /// The latest receipt date before the month of `--as-of`.
    last_before_month: Option<chrono::NaiveDate>,
    /// The earliest and latest receipt dates up to `--as-of`.
    first: Option<chrono::NaiveDate>,
    last: Option<chrono::NaiveDate>,
}

impl Span {
    fn of(a: &Assessed, as_of: chrono::NaiveDate) -> Span {
        use rayon::prelude::*;
        let t = &a.complaints;
        let cutoff = period::month_of(as_of).start;
        let max = |x: Option<chrono::NaiveDate>, y: Option<chrono::NaiveDate>| x.max(y);
        let min = |x: Option<chrono::NaiveDate>, y| x.into_iter().chain(y).min();
        let none = || Span {
            last_before_month: None,
            first: None,
            last: None,
        };
        (0..t.len())
            .into_par_iter()
            .map(|i| {
                let d = t.received_date(i);
                let upto = (d <= as_of).then_some(d);
                Span {
                    last_before_month: (d < cutoff).then_some(d),
                    first: upto,
                    last: upto,
                }
            })
            .reduce(none, |x, y| Span {
                last_before_month: max(x.last_before_month, y.last_before_month),
                first: min(x.first, y.first),
                last: max(x.last, y.last),
            })
    }
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

/// Every month of the data's range (by receipt), up to the month of `as_of`; the default
/// period alone when there is no data.
fn data_months(span: &Span, default: &Period) -> Vec<Period> {
    let (Some(first), Some(last)) = (span.first, span.last) else {
        return vec![default.clone()];
    };
    let mut out = Vec::new();
    let mut m = period::month_of(first);
    while m.start <= last {
        let next = period::month_of(m.end);
        out.push(m);
        m = next;
    }
    out
}

/// One page to build: where it goes and what it covers.
struct Job<'p> {
    period: &'p Period,
    project: Option<&'p String>,
    path: String,
    base: String,
    nav: Nav,
    explain_page: String,
    audit_path: Option<String>,
}

/// Builds every page.
pub fn run(input: &AggregateInput<'_>) -> Result<Aggregated> {
    let (periods, all, default_period, chosen) = periods(input)?;
    // The pages' lists mask names with the run's masker, built from every complainant's name
    // on first use: built here beside the group-bys rather than by the first page that needs
    // it while the others wait.
    let (g, _) = rayon::join(
        || queries::group(input.assessed, input.rules),
        || input.assessed.complaints.classified.masker(),
    );
    let g = g?;
    let common = common::Common::new(input, &periods)?;
    // With `--period all` the top of the output folder holds the default period's pages, or
    // the last month's when the default has none: `report.html` is always written.
    let top_key = if periods.iter().any(|p| p.key == default_period.key) {
        default_period.key.clone()
    } else {
        periods.last().map_or_else(String::new, |p| p.key.clone())
    };
    let mut projects: Vec<String> = g
        .dict("project")
        .names()
        .iter()
        .filter(|p| !p.is_empty())
        .cloned()
        .collect();
    projects.sort();
    projects.dedup();
    let stems = page_stems(&projects);
    let stem = |q: &String| stems[q].as_str();
    let order: Vec<&Period> = if all {
        // The default period's pages first (they go to the top of the output folder too).
        let mut v: Vec<&Period> = periods.iter().collect();
        v.sort_by_key(|p| (p.key != top_key, p.key.clone()));
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
    let mut emitted_top = false;
    // Every page's inputs first, in output order; the pages are then built in parallel and
    // collected in that order, so the output does not depend on the threads.
    let mut jobs: Vec<Job<'_>> = Vec::new();
    for p in order {
        let dirs: Vec<String> = if all {
            let mut d = vec![format!("months/{}/", p.key)];
            if p.key == top_key && !emitted_top {
                d.insert(0, String::new());
                emitted_top = true;
            }
            d
        } else {
            vec![String::new()]
        };
        for dir in dirs {
            let depth = dir.matches('/').count();
            for project in std::iter::once(None).chain(projects.iter().map(Some)) {
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
            let chosen = if j.period.key == default_period.key {
                chosen
            } else {
                period::Chosen::Every
            };
            page::page(
                input,
                &g,
                &common,
                (j.period, chosen),
                j.project.map(String::as_str),
                j.base.clone(),
                j.nav.clone(),
                &j.explain_page,
            )
        })
        .collect();
    let mut pages = Vec::new();
    let mut explanations: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
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

#[cfg(test)]
mod tests;
