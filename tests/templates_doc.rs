//! `docs/TEMPLATES.md` documents the report context field by field: every JSON path of the
//! golden context (`tests/golden/sample/context.json`) has a row in one of the document's field
//! tables, and every row names a path the context still has.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::util::{read, root};

/// The header of a field table in the document; the first cell of each of its rows is a path
/// in backticks.
const FIELD_TABLE: &str = "| Path | Type | Meaning |";

/// Arrays whose elements are pairs (Rust tuples serialise as two-element arrays): the parts of
/// a pair are written `[0]` and `[1]` rather than `[]`.
const PAIRS: &[&str] = &["levels[]", "targets[].by_level[]"];

/// Objects that are maps keyed by data values (none today): their keys are written `*`.
const MAPS: &[&str] = &["trend[].values"];

/// The paths of a JSON value, written as the document writes them.
#[derive(Default)]
struct Paths {
    /// Every path below the root.
    all: BTreeSet<String>,
    /// Every array.
    arrays: BTreeSet<String>,
    /// Arrays with at least one element somewhere.
    filled: BTreeSet<String>,
}

impl Paths {
    fn walk(&mut self, v: &Value, path: &str) {
        if !path.is_empty() {
            self.all.insert(path.to_owned());
        }
        match v {
            Value::Object(fields) => {
                for (k, x) in fields {
                    let child = if MAPS.contains(&path) {
                        format!("{path}.*")
                    } else if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    self.walk(x, &child);
                }
            }
            Value::Array(items) => {
                self.arrays.insert(path.to_owned());
                if !items.is_empty() {
                    self.filled.insert(path.to_owned());
                }
                let pair = PAIRS.contains(&path);
                for (i, x) in items.iter().enumerate() {
                    let child = if pair {
                        format!("{path}[{i}]")
                    } else {
                        format!("{path}[]")
                    };
                    self.walk(x, &child);
                }
            }
            _ => {}
        }
    }

    /// True when `path` lies under an array that is empty wherever it occurs: its elements
    /// cannot be seen, so their rows cannot be checked against the context.
    fn under_empty_array(&self, path: &str) -> bool {
        self.arrays.difference(&self.filled).any(|a| {
            path.strip_prefix(a.as_str())
                .is_some_and(|rest| rest.starts_with('['))
        })
    }
}

/// The rows of the document's field tables: (line number, first cell).
fn field_rows(doc: &str) -> Vec<(usize, String)> {
    let mut rows = Vec::new();
    let mut in_table = false;
    for (n, line) in doc.lines().enumerate() {
        let line = line.trim();
        if line == FIELD_TABLE {
            in_table = true;
            continue;
        }
        if !line.starts_with('|') {
            in_table = false;
            continue;
        }
        if !in_table {
            continue;
        }
        let first = line[1..].split('|').next().unwrap_or("").trim();
        if !first.is_empty() && first.chars().all(|c| c == '-' || c == ':') {
            continue; // the |---| row under the header
        }
        rows.push((n + 1, first.to_owned()));
    }
    rows
}

#[test]
fn every_context_field_is_documented_and_every_documented_field_exists() {
    let golden = root().join("tests/golden/sample/context.json");
    let context: Value = serde_json::from_str(&read(&golden))
        .unwrap_or_else(|e| panic!("{}: {e}", golden.display()));
    let mut paths = Paths::default();
    paths.walk(&context, "");
    assert!(
        paths.all.len() > 100,
        "only {} paths in {}",
        paths.all.len(),
        golden.display()
    );
    for p in PAIRS.iter().chain(MAPS) {
        assert!(
            paths.all.contains(*p),
            "tests/templates_doc.rs names `{p}`, which the context no longer has"
        );
    }

    let doc = read(root().join("docs/TEMPLATES.md"));
    let mut documented: BTreeSet<String> = BTreeSet::new();
    let mut malformed = Vec::new();
    let mut duplicated = Vec::new();
    for (line, cell) in &field_rows(&doc) {
        match cell.strip_prefix('`').and_then(|c| c.strip_suffix('`')) {
            Some(p) if !p.is_empty() && !p.contains('`') => {
                if !documented.insert(p.to_owned()) {
                    duplicated.push(format!("line {line}: `{p}`"));
                }
            }
            _ => malformed.push(format!("line {line}: {cell}")),
        }
    }
    let missing: Vec<String> = paths
        .all
        .iter()
        .filter(|p| !documented.contains(*p))
        .map(|p| format!("`{p}`"))
        .collect();
    let stale: Vec<String> = documented
        .iter()
        .filter(|p| !paths.all.contains(*p) && !paths.under_empty_array(p.as_str()))
        .map(|p| format!("`{p}`"))
        .collect();

    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!(
            "{} context path(s) have no row in a field table of docs/TEMPLATES.md (a table under \
             `{FIELD_TABLE}`; if an object is a map keyed by data values, add its path to MAPS \
             in tests/templates_doc.rs and document it with `*`):\n  {}",
            missing.len(),
            missing.join("\n  ")
        ));
    }
    if !stale.is_empty() {
        problems.push(format!(
            "{} path(s) documented in docs/TEMPLATES.md are not in the context any more (rename \
             or remove their rows):\n  {}",
            stale.len(),
            stale.join("\n  ")
        ));
    }
    if !duplicated.is_empty() {
        problems.push(format!(
            "path(s) with more than one row in docs/TEMPLATES.md:\n  {}",
            duplicated.join("\n  ")
        ));
    }
    if !malformed.is_empty() {
        problems.push(format!(
            "field-table rows of docs/TEMPLATES.md whose first cell is not one path in backticks:\n  {}",
            malformed.join("\n  ")
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// The walk and the table reader themselves, on a small example.
#[test]
fn paths_are_written_with_dots_brackets_and_pair_positions() {
    let v = serde_json::json!({
        "a": [{"b": 1, "c": null}],
        "levels": [["I", "Ⅰ级"]],
        "e": [],
        "s": {"t": "x"}
    });
    let mut paths = Paths::default();
    paths.walk(&v, "");
    let all: Vec<&str> = paths.all.iter().map(String::as_str).collect();
    assert_eq!(
        all,
        [
            "a",
            "a[]",
            "a[].b",
            "a[].c",
            "e",
            "levels",
            "levels[]",
            "levels[][0]",
            "levels[][1]",
            "s",
            "s.t"
        ]
    );
    assert!(paths.under_empty_array("e[]"));
    assert!(paths.under_empty_array("e[].x"));
    assert!(!paths.under_empty_array("a[].d"));
    assert!(!paths.under_empty_array("eggs"));

    let doc = "intro `x`\n\n| Path | Type | Meaning |\n|---|---|---|\n| `a` | array | A. |\n| `a[].b` | integer | B. |\n\n| Name | Does |\n|---|---|\n| `t` | no path |\n";
    assert_eq!(
        field_rows(doc),
        [(5, "`a`".to_owned()), (6, "`a[].b`".to_owned())]
    );
}
