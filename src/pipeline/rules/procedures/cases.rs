//! Which rule test cases check which target or duty: an index of `rules/tests/*.test.toml`,
//! read for the procedure table ("the test covering it"). `complaints test` runs the cases;
//! this only reads their names and what they expect, leniently, so an index never fails a run.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The parts of a test file the index needs (the format is `docs/RULES.md` §11).
#[derive(Debug, Default, Deserialize)]
struct IndexFile {
    #[serde(default)]
    case: Vec<IndexCase>,
}

#[derive(Debug, Default, Deserialize)]
struct IndexCase {
    #[serde(default)]
    name: String,
    rule: Option<String>,
    #[serde(default)]
    expect: toml::Table,
    boundary: Option<toml::Value>,
}

/// One case that checks targets or duties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRef {
    /// The test file's name (`sla_000k.test.toml`).
    pub file: String,
    /// The case's name.
    pub name: String,
    /// `sla` or `duty`.
    pub rule: String,
    /// The targets or duties whose result it checks (not those it expects not to apply).
    pub checks: Vec<String>,
    /// True when it checks the limit itself: one second before, at and after it.
    pub boundary: bool,
}

/// The test files in `dir` (`*.test.toml`), sorted.
pub fn test_files(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".test.toml"))
        .collect();
    paths.sort();
    paths
}

/// Every `sla` and `duty` case in `dir` (the rule folder's `tests/`), in file and case order.
pub fn index(dir: &Path) -> Vec<CaseRef> {
    let mut out = Vec::new();
    for p in test_files(dir) {
        let Some(file) = p.file_name().map(|f| f.to_string_lossy().into_owned()) else {
            continue;
        };
        let parsed: IndexFile = std::fs::read_to_string(&p)
            .ok()
            .and_then(|s| toml::from_str(&s).ok())
            .unwrap_or_default();
        for c in parsed.case {
            let rule = c.rule.unwrap_or_else(|| "classify".into());
            if rule == "classify" {
                continue;
            }
            let checks = c
                .expect
                .iter()
                .filter(|(_, v)| v.is_table())
                .map(|(k, _)| k.clone())
                .collect();
            out.push(CaseRef {
                file: file.clone(),
                name: c.name,
                rule,
                checks,
                boundary: c.boundary.is_some(),
            });
        }
    }
    out
}

/// The cases that check `name` (a target for `sla`, a duty for `duty`).
pub fn covering<'a>(cases: &'a [CaseRef], rule: &str, name: &str) -> Vec<&'a CaseRef> {
    cases
        .iter()
        .filter(|c| c.rule == rule && c.checks.iter().any(|x| x == name))
        .collect()
}
