//! The procedure table: one row per numbered time limit (T) and escalation rule (E) of the
//! sources, saying which procedure it belongs to, which target or duty implements it and which
//! test case covers that, or why no log can show it. `complaints procedures` writes it for the
//! whole rule folder as `docs/PROCEDURES.md`; every run writes it for the rules in use.
//!
//! A number is *implemented* when a loaded target or duty names it in `implements` and a test
//! case checks that target or duty; *untested* when it is named but no case checks it; a *gap*
//! when `procedures.toml` lists it; *missing* when neither. A number both implemented and
//! listed as a gap is a *conflict*. Untested, missing and conflicting rows are what
//! `complaints procedures --check` fails on.

use std::fmt::Write as _;

use super::cases::{CaseRef, covering};
use super::{Gap, Library};
use crate::format::Lang;
use crate::pipeline::rules::presets::duties::{Deadline, DutySet};
use crate::pipeline::rules::presets::limit::limit_text;
use crate::pipeline::rules::presets::targets::TargetSet;

/// Which rows the table has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every number of the sources (the rule folder with every preset loaded).
    All,
    /// The numbers the loaded rules implement, and the gaps of the procedures they come from.
    InUse,
}

/// A row's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    /// Implemented and tested.
    Implemented,
    /// Implemented, but no test case checks it.
    Untested,
    /// Cannot be audited from a log.
    Gap,
    /// Neither implemented nor listed as a gap.
    Missing,
    /// Implemented and listed as a gap.
    Conflict,
}

impl State {
    /// How the table names it.
    pub fn word(self) -> &'static str {
        match self {
            State::Implemented => "implemented",
            State::Untested => "implemented, **no test**",
            State::Gap => "cannot be audited",
            State::Missing => "**not covered**",
            State::Conflict => "**implemented and listed as a gap**",
        }
    }
}

/// A target or duty that implements a number.
#[derive(Debug, Clone)]
pub struct Implementer {
    /// `rules/sla/000k.toml`-style file: the folder and the preset.
    pub file: String,
    /// Target or duty name.
    pub name: String,
    /// Its label.
    pub label: String,
    /// The limit in words (with the parameter it is read from).
    pub limit: String,
    /// Its citation.
    pub source: String,
    /// The cases that check it.
    pub cases: Vec<CaseRef>,
}

/// One numbered rule.
#[derive(Debug, Clone)]
pub struct Row {
    /// `T01`.
    pub id: String,
    /// The procedures it belongs to.
    pub procedures: Vec<String>,
    /// What implements it.
    pub by: Vec<Implementer>,
    /// Why it cannot be audited, when it cannot.
    pub gap: Option<Gap>,
    /// Its standing.
    pub state: State,
}

/// The table.
#[derive(Debug, Clone)]
pub struct Table {
    /// Rows, T first, in number order.
    pub rows: Vec<Row>,
    /// Which rows.
    pub scope: Scope,
}

/// Builds the table for the loaded targets and duties.
pub fn build(
    library: &Library,
    targets: &TargetSet,
    duties: &DutySet,
    cases: &[CaseRef],
    scope: Scope,
) -> Table {
    let bundles_of = |folder: &str, preset: &str| -> Vec<String> {
        library
            .bundles
            .iter()
            .filter(|b| !b.default)
            .filter(|b| {
                let list = if folder == "sla" {
                    &b.presets
                } else {
                    &b.duties
                };
                list.iter().any(|p| p == preset)
            })
            .map(|b| b.id.clone())
            .collect()
    };
    // Every loaded target and duty, with what the table shows of it.
    let items = targets
        .targets
        .iter()
        .map(|t| Item {
            folder: "sla",
            rule: "sla",
            preset: &t.preset,
            name: &t.name,
            label: &t.label,
            limit: limit_text(t.limit.as_ref(), t.deadline_field.as_deref(), Lang::En),
            parameter: t.parameter.as_deref(),
            source: t.source.as_deref(),
            implements: &t.implements,
        })
        .chain(duties.duties.iter().map(|d| Item {
            folder: "duties",
            rule: "duty",
            preset: &d.preset,
            name: &d.name,
            label: &d.label,
            limit: match &d.deadline {
                Deadline::Limit(l) => limit_text(Some(l), None, Lang::En),
                Deadline::DueOf(t) => format!("by the due time of `{t}`"),
            },
            parameter: d.parameter.as_deref(),
            source: d.source.as_deref(),
            implements: &d.implements,
        }))
        .chain(duties.team_duties.iter().map(|d| Item {
            folder: "duties",
            rule: "duty",
            preset: &d.preset,
            name: &d.name,
            label: &d.label,
            limit: limit_text(Some(&d.deadline), None, Lang::En),
            parameter: d.parameter.as_deref(),
            source: d.source.as_deref(),
            implements: &d.implements,
        }));
    // (number, procedures, implementer) for every citation.
    let mut cited: Vec<(String, Vec<String>, Implementer)> = Vec::new();
    for it in items {
        let imp = Implementer {
            file: format!("{}/{}.toml", it.folder, it.preset),
            name: it.name.to_owned(),
            label: it.label.to_owned(),
            limit: match it.parameter {
                Some(p) => format!("{} (parameter `{p}`)", it.limit),
                None => it.limit,
            },
            source: it.source.unwrap_or_default().to_owned(),
            cases: covering(cases, it.rule, it.name)
                .into_iter()
                .cloned()
                .collect(),
        };
        for r in it.implements {
            cited.push((r.clone(), bundles_of(it.folder, it.preset), imp.clone()));
        }
    }
    let in_use_procedures: Vec<&String> = cited.iter().flat_map(|c| &c.1).collect();
    let ids: Vec<String> = match scope {
        Scope::All => library.numbering.all(),
        Scope::InUse => library
            .numbering
            .all()
            .into_iter()
            .filter(|id| {
                cited.iter().any(|c| c.0 == *id)
                    || library
                        .gaps
                        .iter()
                        .any(|g| g.refs.contains(id) && in_use_procedures.contains(&&g.procedure))
            })
            .collect(),
    };
    let rows = ids
        .into_iter()
        .map(|id| {
            let mut procedures: Vec<String> = Vec::new();
            let mut by: Vec<Implementer> = Vec::new();
            for (r, ps, imp) in &cited {
                if *r != id {
                    continue;
                }
                for p in ps {
                    if !procedures.contains(p) {
                        procedures.push(p.clone());
                    }
                }
                if !by.iter().any(|b| b.name == imp.name) {
                    by.push(imp.clone());
                }
            }
            let gap = library.gaps.iter().find(|g| g.refs.contains(&id)).cloned();
            if let Some(g) = &gap
                && !procedures.contains(&g.procedure)
            {
                procedures.push(g.procedure.clone());
            }
            let state = match (by.is_empty(), &gap) {
                (false, Some(_)) => State::Conflict,
                (false, None) if by.iter().any(|b| !b.cases.is_empty()) => State::Implemented,
                (false, None) => State::Untested,
                (true, Some(_)) => State::Gap,
                (true, None) => State::Missing,
            };
            Row {
                id,
                procedures,
                by,
                gap,
                state,
            }
        })
        .collect();
    Table { rows, scope }
}

/// A loaded target or duty, as the table sees it.
struct Item<'a> {
    /// `sla` or `duties`.
    folder: &'static str,
    /// The test cases' `rule` that checks it.
    rule: &'static str,
    preset: &'a str,
    name: &'a str,
    label: &'a str,
    limit: String,
    parameter: Option<&'a str>,
    source: Option<&'a str>,
    implements: &'a [String],
}

/// Counts of one kind (`T` or `E`) by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Implemented and tested.
    pub implemented: usize,
    /// Implemented without a test.
    pub untested: usize,
    /// Cannot be audited.
    pub gaps: usize,
    /// Not covered at all.
    pub missing: usize,
    /// Both implemented and listed as a gap.
    pub conflicts: usize,
    /// Rows.
    pub total: usize,
}

impl Table {
    /// Counts of the rows whose number starts with `prefix` (`"T"` or `"E"`).
    pub fn counts(&self, prefix: &str) -> Counts {
        let mut c = Counts::default();
        for r in self.rows.iter().filter(|r| r.id.starts_with(prefix)) {
            c.total += 1;
            match r.state {
                State::Implemented => c.implemented += 1,
                State::Untested => c.untested += 1,
                State::Gap => c.gaps += 1,
                State::Missing => c.missing += 1,
                State::Conflict => c.conflicts += 1,
            }
        }
        c
    }

    /// Rows that are not accounted for: untested, missing or conflicting.
    pub fn problems(&self) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|r| matches!(r.state, State::Untested | State::Missing | State::Conflict))
            .collect()
    }

    /// The table as Markdown. `title` heads it; `intro` follows (the generator's note).
    pub fn markdown(&self, library: &Library, title: &str, intro: &str) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "# {title}\n\n{intro}\n");
        let _ = writeln!(s, "## Counts\n");
        let _ = writeln!(
            s,
            "| | implemented | cannot be audited | implemented, no test | not covered | total |"
        );
        let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|");
        for (prefix, what) in [("T", "Time limits (T)"), ("E", "Escalation rules (E)")] {
            let c = self.counts(prefix);
            let _ = writeln!(
                s,
                "| {what} | {} | {} | {} | {} | {} |",
                c.implemented,
                c.gaps,
                c.untested,
                c.missing + c.conflicts,
                c.total
            );
        }
        let used: Vec<&str> = self
            .rows
            .iter()
            .flat_map(|r| r.procedures.iter().map(String::as_str))
            .collect();
        let _ = writeln!(s, "\n## Procedures\n");
        let _ = writeln!(
            s,
            "{}\n",
            match self.scope {
                Scope::All =>
                    "Pick one with `procedure = \"<id>\"` in `complaints.toml` (or a list of them).",
                Scope::InUse =>
                    "The procedures the rules in use come from, with all their presets; the rows \
                     below name those this run loaded.",
            }
        );
        let _ = writeln!(
            s,
            "| procedure | name | SLA presets | duty presets | source |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|");
        for b in &library.bundles {
            if self.scope == Scope::InUse && !used.contains(&b.id.as_str()) {
                continue;
            }
            let list = |v: &[String]| {
                if v.is_empty() {
                    "—".to_owned()
                } else {
                    v.iter()
                        .map(|x| format!("`{x}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            };
            let name = if b.default {
                format!("{} (the default selection)", b.title)
            } else {
                b.title.clone()
            };
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {} | {} |",
                b.id,
                cell(&name),
                list(&b.presets),
                list(&b.duties),
                cell(&b.source)
            );
        }
        let params: Vec<_> = library
            .parameters
            .iter()
            .filter(|p| {
                self.scope == Scope::All
                    || self
                        .rows
                        .iter()
                        .flat_map(|r| &r.by)
                        .any(|b| b.limit.contains(&format!("parameter `{}`", p.name)))
            })
            .collect();
        if !params.is_empty() {
            let _ = writeln!(s, "\n## Parameters\n");
            let _ = writeln!(
                s,
                "Limits the sources leave open. Each has a documented value; set your own under \
                 `[parameters]` in `complaints.toml`.\n"
            );
            let _ = writeln!(s, "| parameter | value | the source says | where |");
            let _ = writeln!(s, "|---|---|---|---|");
            for p in params {
                let value = if p.from_config {
                    format!("`{}` (set in the config; default `{}`)", p.value, p.default)
                } else {
                    format!("`{}`", p.value)
                };
                let _ = writeln!(
                    s,
                    "| `{}` | {value} | {} | {} |",
                    p.name,
                    cell(&p.label),
                    cell(&p.source)
                );
            }
        }
        for (prefix, heading) in [("T", "Time limits"), ("E", "Escalation rules")] {
            let _ = writeln!(s, "\n## {heading}\n");
            let _ = writeln!(
                s,
                "| # | procedure | state | implemented by | limit | test | citation, or why it cannot be audited |"
            );
            let _ = writeln!(s, "|---|---|---|---|---|---|---|");
            for r in self.rows.iter().filter(|r| r.id.starts_with(prefix)) {
                let by =
                    r.by.iter()
                        .map(|b| format!("`{}` `{}` {}", b.file, b.name, cell(&b.label)))
                        .collect::<Vec<_>>()
                        .join("<br>");
                let limit =
                    r.by.iter()
                        .map(|b| cell(&b.limit))
                        .collect::<Vec<_>>()
                        .join("<br>");
                let tests =
                    r.by.iter()
                        .map(|b| case_summary(&b.cases))
                        .collect::<Vec<_>>()
                        .join("<br>");
                let why = match &r.gap {
                    Some(g) => format!(
                        "{} ({}). **Why not:** {} **Needs:** {}",
                        cell(&g.rule),
                        cell(&g.source),
                        cell(&g.reason),
                        cell(&g.needs)
                    ),
                    None => {
                        r.by.iter()
                            .map(|b| cell(&b.source))
                            .collect::<Vec<_>>()
                            .join("<br>")
                    }
                };
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    r.id,
                    r.procedures.join(", "),
                    r.state.word(),
                    dash(&by),
                    dash(&limit),
                    dash(&tests),
                    dash(&why)
                );
            }
        }
        s
    }
}

fn case_summary(cases: &[CaseRef]) -> String {
    // The example shown is a boundary case where there is one: it names the limit's arithmetic.
    let Some(first) = cases.iter().find(|c| c.boundary).or(cases.first()) else {
        return "—".to_owned();
    };
    let mut files: Vec<&str> = cases.iter().map(|c| c.file.as_str()).collect();
    files.dedup();
    let boundary = if cases.iter().any(|c| c.boundary) {
        ", boundary"
    } else {
        ""
    };
    format!(
        "`{}`: {} case(s){boundary}, e.g. “{}”",
        files.join("`, `"),
        cases.len(),
        cell(&first.name)
    )
}

fn dash(s: &str) -> &str {
    if s.is_empty() { "—" } else { s }
}

/// Text safe inside a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}
