//! The product crate's layers: imports only go down (docs/ARCHITECTURE.md).
//!
//! Every module of `src/` belongs to a unit: a top-level file or folder, or, under `pipeline/`,
//! one stage (a file or a folder; `pipeline/mod.rs`, the assembly, is a unit of its own). The
//! units are ranked below, bottom first; a unit may import only units of a lower rank. The
//! imports are read from the source the way `tools/module-circles.py` (vendored) reads them:
//! `use` trees and `crate::` paths, with `super::` and `self::` resolved, comments and a file's
//! trailing `#[cfg(test)] mod tests { ... }` left out. A new top-level module or stage must be
//! given a rank here, which is the point: its place in the picture is decided, not drifted into.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, bottom first. Units within one entry share a rank and may not import each
/// other.
const LAYERS: &[&[&str]] = &[
    // Leaves: plain data and helpers that know nothing of complaints.
    &[
        "diagnostic",
        "dictionary",
        "format",
        "id_index",
        "period",
        "privacy",
        "progress",
    ],
    // The shipped rule set and templates, and the layered folders that read them.
    &["error", "time", "shipped"],
    &["model", "output"],
    &["rejects", "texts"],
    // The configuration, as plain data.
    &["config"],
    // The stages, in pipeline order.
    &["pipeline::ingest"],
    &["pipeline::normalize"],
    &["pipeline::events"],
    &["pipeline::rules"],
    &["pipeline::sla"],
    &["pipeline::audit"],
    &["pipeline::assess"],
    &["pipeline::aggregate"],
    &["pipeline::explain"],
    &["pipeline::render"],
    // The one assembly of the stages.
    &["pipeline"],
    // The command line.
    &["cli", "ui"],
    &["commands"],
    &["crate"],
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Module path of each `.rs` file (`pipeline/sla/mod.rs` → `pipeline::sla`).
fn modules() -> BTreeMap<Vec<String>, PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("read src").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let root = src();
    let mut files = Vec::new();
    walk(&root, &mut files);
    files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(&root).expect("under src").with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let last = parts.last().cloned().unwrap_or_default();
            if last == "mod" || (parts.len() == 1 && (last == "lib" || last == "main")) {
                parts.pop();
            }
            (parts, p)
        })
        .collect()
}

/// Removes `//` comments and a trailing `#[cfg(test)] mod tests { ... }`.
fn strip(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        // A `//` inside a string literal is rare enough in `use` lines not to matter here.
        let code = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        out.push_str(code);
        out.push('\n');
    }
    let re_at = out.find("#[cfg(test)]\nmod tests {").or_else(|| {
        // `#[cfg(test)]` followed by whitespace and `mod tests {`.
        let i = out.find("#[cfg(test)]")?;
        out[i + 12..]
            .trim_start()
            .starts_with("mod tests {")
            .then_some(i)
    });
    if let Some(i) = re_at {
        out.truncate(i);
    }
    out
}

/// Expands a `use` tree body (`a::{b, c::{d, e}}`) into paths.
fn expand(prefix: &[String], body: &str) -> Vec<Vec<String>> {
    let mut items = Vec::new();
    let (mut depth, mut cur) = (0i32, String::new());
    for ch in body.chars() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        if ch == ',' && depth == 0 {
            items.push(std::mem::take(&mut cur));
        } else {
            cur.push(ch);
        }
    }
    items.push(cur);
    let mut out = Vec::new();
    for item in items {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        if let Some(open) = item.find("::{")
            && item.ends_with('}')
        {
            let mut p = prefix.to_vec();
            p.extend(
                item[..open]
                    .split("::")
                    .filter(|x| !x.is_empty())
                    .map(str::to_owned),
            );
            out.extend(expand(&p, &item[open + 3..item.len() - 1]));
        } else if item.starts_with('{') && item.ends_with('}') {
            out.extend(expand(prefix, &item[1..item.len() - 1]));
        } else {
            let item = item.split(" as ").next().unwrap_or(item).trim();
            let mut p = prefix.to_vec();
            p.extend(
                item.split("::")
                    .filter(|x| !x.is_empty())
                    .map(str::to_owned),
            );
            out.push(p);
        }
    }
    out
}

/// The module paths a file refers to.
fn references(module: &[String], is_mod_rs: bool, text: &str) -> Vec<Vec<String>> {
    let text = strip(text);
    let mut paths = Vec::new();
    // `use ...;` statements.
    let mut rest = text.as_str();
    while let Some(i) = find_word(rest, "use") {
        let after = &rest[i + 3..];
        let Some(end) = after.find(';') else { break };
        let body = after[..end].trim();
        for q in expand(&[], body) {
            match q.first().map(String::as_str) {
                Some("crate") => paths.push(q[1..].to_vec()),
                Some("super") => {
                    let ups = q.iter().take_while(|x| *x == "super").count();
                    // In `a/b.rs` (module a::b), `super` is `a`; in `a/b/mod.rs` (a::b) too.
                    let _ = is_mod_rs;
                    let keep = module.len().saturating_sub(ups);
                    let mut p = module[..keep].to_vec();
                    p.extend(q[ups..].iter().cloned());
                    paths.push(p);
                }
                Some("self") => {
                    let mut p = module.to_vec();
                    p.extend(q[1..].iter().cloned());
                    paths.push(p);
                }
                _ => {}
            }
        }
        rest = &after[end..];
    }
    // `crate::a::b` anywhere.
    let mut rest = text.as_str();
    while let Some(i) = find_word(rest, "crate") {
        let after = &rest[i + 5..];
        let mut p = Vec::new();
        let mut tail = after;
        while let Some(t) = tail.strip_prefix("::") {
            let name: String = t
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if name.is_empty() {
                break;
            }
            tail = &t[name.len()..];
            p.push(name);
        }
        if !p.is_empty() {
            paths.push(p);
        }
        rest = after;
    }
    paths
}

/// The next occurrence of `word` as a whole word.
fn find_word(s: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = s[from..].find(word) {
        let at = from + i;
        let before = s[..at].chars().next_back();
        let after = s[at + word.len()..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        if boundary(before) && boundary(after) {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

/// The unit of a module: its first component, or its first two under `pipeline`.
fn unit(m: &[String]) -> String {
    match m {
        [] => "crate".to_owned(),
        [p, stage, ..] if p == "pipeline" => format!("pipeline::{stage}"),
        [first, ..] => first.clone(),
    }
}

/// Unit → the units it imports.
fn unit_edges() -> BTreeMap<String, BTreeSet<String>> {
    let mods = modules();
    let resolve = |path: &[String]| -> Option<Vec<String>> {
        (1..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|p| mods.contains_key(p))
    };
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, file) in &mods {
        let text = std::fs::read_to_string(file).expect("read source");
        let is_mod = file.file_name().is_some_and(|n| n == "mod.rs");
        let from = unit(m);
        let entry = edges.entry(from.clone()).or_default();
        for r in references(m, is_mod, &text) {
            if let Some(target) = resolve(&r) {
                let to = unit(&target);
                if to != from && to != "crate" {
                    entry.insert(to);
                }
            }
        }
    }
    edges
}

fn rank_of(u: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&u))
}

#[test]
fn every_unit_has_a_layer() {
    let missing: Vec<String> = unit_edges()
        .into_keys()
        .filter(|u| rank_of(u).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "modules without a place in the layer picture: {missing:?}; add each to LAYERS in tests/layers.rs (and to docs/ARCHITECTURE.md)"
    );
}

#[test]
fn imports_only_go_down() {
    let mut wrong = Vec::new();
    for (from, tos) in unit_edges() {
        let Some(rf) = rank_of(&from) else { continue };
        for to in tos {
            let Some(rt) = rank_of(&to) else { continue };
            if rt >= rf {
                wrong.push(format!("{from} imports {to}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that go up or sideways in the layers (tests/layers.rs):\n  {}",
        wrong.join("\n  ")
    );
}

#[test]
fn no_import_circles() {
    // Implied by `imports_only_go_down`, but named on its own: a circle is the failure that
    // matters, and this one needs no layer table to be right.
    let edges = unit_edges();
    let names: Vec<&String> = edges.keys().collect();
    let index: BTreeMap<&String, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    // Tarjan's strongly connected components.
    struct State {
        next: usize,
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        stack: Vec<usize>,
        on: Vec<bool>,
        circles: Vec<Vec<usize>>,
    }
    fn visit(v: usize, adj: &[Vec<usize>], s: &mut State) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on[v] = true;
        for &w in &adj[v] {
            match s.index[w] {
                None => {
                    visit(w, adj, s);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(iw) if s.on[w] => s.low[v] = s.low[v].min(iw),
                _ => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut c = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on[w] = false;
                c.push(w);
                if w == v {
                    break;
                }
            }
            if c.len() > 1 {
                s.circles.push(c);
            }
        }
    }
    let adj: Vec<Vec<usize>> = names
        .iter()
        .map(|n| {
            edges[*n]
                .iter()
                .filter_map(|t| index.get(t).copied())
                .collect()
        })
        .collect();
    let n = names.len();
    let mut s = State {
        next: 0,
        index: vec![None; n],
        low: vec![0; n],
        stack: Vec::new(),
        on: vec![false; n],
        circles: Vec::new(),
    };
    for v in 0..n {
        if s.index[v].is_none() {
            visit(v, &adj, &mut s);
        }
    }
    let shown: Vec<Vec<&String>> = s
        .circles
        .iter()
        .map(|c| c.iter().map(|&i| names[i]).collect())
        .collect();
    assert!(shown.is_empty(), "import circles: {shown:?}");
}

#[test]
fn the_reader_sees_use_trees_and_paths() {
    let m = vec!["pipeline".to_owned(), "sla".to_owned()];
    let refs = references(
        &m,
        true,
        "use crate::model::{Field, time::Ts};\nuse super::rules::RuleSet;\nfn f() { crate::format::thousands(1); }\n#[cfg(test)]\nmod tests { use crate::commands::x; }\n",
    );
    let refs: Vec<String> = refs.iter().map(|r| r.join("::")).collect();
    assert!(refs.contains(&"model::Field".to_owned()), "{refs:?}");
    assert!(refs.contains(&"model::time::Ts".to_owned()), "{refs:?}");
    assert!(
        refs.contains(&"pipeline::rules::RuleSet".to_owned()),
        "{refs:?}"
    );
    assert!(refs.contains(&"format::thousands".to_owned()), "{refs:?}");
    assert!(!refs.iter().any(|r| r.starts_with("commands")), "{refs:?}");
}

/// Every file of `src/` stays readable: at most 800 lines, counting inline tests (files named
/// `tests.rs` are exempt).
#[test]
fn no_source_file_is_over_800_lines() {
    let long: Vec<String> = modules()
        .into_values()
        .filter(|p| p.file_name().is_some_and(|n| n != "tests.rs"))
        .filter_map(|p| {
            let n = std::fs::read_to_string(&p).ok()?.lines().count();
            (n > 800).then(|| format!("{} ({n} lines)", p.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these files: {long:?}");
}

/// The report's words are rule data (`rules/kpis.toml`, `messages.toml`): no Rust code outside
/// comments and `tests.rs` files names an indicator or a validity word in Chinese.
#[test]
fn no_indicator_is_named_in_rust_code() {
    let kpis =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/kpis.toml"))
            .expect("rules/kpis.toml");
    let mut words: Vec<String> = kpis
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .map(|l| l.trim_end_matches('"').to_owned())
        .collect();
    words.extend(["有效", "无效"].map(str::to_owned));
    assert!(words.len() > 10, "{words:?}");
    let mut found = Vec::new();
    for p in modules().into_values() {
        if p.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let text = strip(&std::fs::read_to_string(&p).unwrap());
        for w in &words {
            if text.contains(&format!("\"{w}\"")) || text.contains(&format!("{w}\"")) {
                found.push(format!("{}: {w}", p.display()));
            }
        }
    }
    assert!(found.is_empty(), "indicator words in Rust code: {found:?}");
}
