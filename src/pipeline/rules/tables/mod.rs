//! Decision tables: rules a quality department edits in Excel or a text editor.
//!
//! A table is a CSV (UTF-8 or GBK, as Excel saves it), an XLSX (first sheet) or a TOML file in
//! `rules/tables/`. Its header names the input columns with an operator and the output
//! columns plainly:
//!
//! | header            | meaning                                                            |
//! |-------------------|--------------------------------------------------------------------|
//! | `text contains`   | the field contains one of the keywords in the cell (`a|b|c`)       |
//! | `level_raw is`    | the field equals one of the values in the cell (`紧急|Ⅰ级`)        |
//! | `text matches`    | the field matches the regular expression in the cell               |
//! | `level`           | an output column                                                   |
//!
//! Matching is on normalised text (see [`super::text::match_key`]). An empty input cell (or
//! `-`) matches anything. Rows are tried in order; the hit policy (`first`, the default, or
//! `collect`, declared in `rules/rules.toml`) says whether the first matching row or every
//! matching row answers. Scripts call a table with `table("name", c)` or
//! `table_all("name", c)`; both count hits per row for the coverage report.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use aho_corasick::AhoCorasick;
use regex::Regex;

use super::text::match_key;
use crate::diagnostic::{Diagnostic, display_path};

/// How a table answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HitPolicy {
    /// The first matching row (in file order).
    First,
    /// Every matching row, in file order.
    Collect,
}

/// An input column's test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// Keyword containment.
    Contains,
    /// Equality with one of the listed values.
    Is,
    /// Regular expression.
    Matches,
}

impl Op {
    fn word(self) -> &'static str {
        match self {
            Op::Contains => "contains",
            Op::Is => "is",
            Op::Matches => "matches",
        }
    }
}

/// An input column.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Input {
    /// The record field tested.
    pub field: String,
    /// How.
    pub op: Op,
}

/// One row as written.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    /// Line in the file (CSV line, sheet row or the `[[row]]` position in TOML).
    pub line: u32,
    /// Per input column: the alternatives (normalised), empty = matches anything.
    pub conditions: Vec<Vec<String>>,
    /// Per input column: the cell as written (for messages).
    pub written: Vec<String>,
    /// Per output column: the value, `None` when blank.
    pub outputs: Vec<Option<String>>,
}

/// Precomputed matching for one input column.
#[derive(Debug)]
enum Matcher {
    /// One automaton over every keyword of the column; pattern → row.
    Contains {
        ac: Option<AhoCorasick>,
        /// The keywords ([`match_key`] form), for an automaton shared with other tables.
        patterns: Vec<String>,
        pattern_row: Vec<u32>,
        wildcard: Vec<u64>,
    },
    /// Value → rows.
    Is {
        rows: HashMap<String, Vec<u64>>,
        wildcard: Vec<u64>,
    },
    /// Per row, the compiled expression (None = wildcard).
    Matches { regexes: Vec<Option<Regex>> },
}

/// A loaded table.
#[derive(Debug)]
pub struct Table {
    /// The name scripts use (the file stem).
    pub name: String,
    /// Where it was loaded from.
    pub path: PathBuf,
    /// Hit policy.
    pub hit: HitPolicy,
    /// Input columns.
    pub inputs: Vec<Input>,
    /// Output column names.
    pub outputs: Vec<String>,
    /// Rows in file order.
    pub rows: Vec<Row>,
    matchers: Vec<Matcher>,
}

/// Bitset helpers over row indices.
fn bits(n: usize) -> Vec<u64> {
    vec![0; n.div_ceil(64)]
}
fn set(b: &mut [u64], i: usize) {
    b[i / 64] |= 1 << (i % 64);
}

impl Table {
    /// Builds a table from its header and cell rows. `rows` carry their line numbers.
    pub fn build(
        name: &str,
        path: &Path,
        hit: HitPolicy,
        header: &[String],
        rows: Vec<(u32, Vec<String>)>,
        src: Option<&str>,
    ) -> Result<Table, Vec<Diagnostic>> {
        let shown = display_path(path);
        let mut diags = Vec::new();
        let mut inputs = Vec::new();
        let mut outputs = Vec::new();
        // Column index → Ok(input index) or Err(output index)
        let mut kinds = Vec::new();
        for h in header {
            let h = h.trim();
            let parts: Vec<&str> = h.split_whitespace().collect();
            match parts.as_slice() {
                [field, op] if matches!(*op, "contains" | "is" | "matches") => {
                    let op = match *op {
                        "contains" => Op::Contains,
                        "is" => Op::Is,
                        _ => Op::Matches,
                    };
                    kinds.push(Ok(inputs.len()));
                    inputs.push(Input {
                        field: (*field).to_owned(),
                        op,
                    });
                }
                [out] => {
                    kinds.push(Err(outputs.len()));
                    outputs.push((*out).to_owned());
                }
                [] => kinds.push(Err(usize::MAX)),
                _ => {
                    let mut d = Diagnostic::new(
                        &shown,
                        format!(
                            "table `{name}`: column `{h}` is neither `<field> contains|is|matches` nor an output name"
                        ),
                    );
                    if let Some(src) = src {
                        d = d.at(src, 1, 1);
                    }
                    diags.push(d);
                    kinds.push(Err(usize::MAX));
                }
            }
        }
        if inputs.is_empty() {
            diags.push(Diagnostic::new(
                &shown,
                format!("table `{name}` has no input column (e.g. `text contains`)"),
            ));
        }
        let mut table_rows = Vec::new();
        for (line, cells) in rows {
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let mut conditions = vec![Vec::new(); inputs.len()];
            let mut written = vec![String::new(); inputs.len()];
            let mut outs = vec![None; outputs.len()];
            for (i, kind) in kinds.iter().enumerate() {
                let cell = cells.get(i).map(|c| c.trim()).unwrap_or("");
                match kind {
                    Ok(k) => {
                        if cell.is_empty() || cell == "-" {
                            continue;
                        }
                        written[*k] = cell.to_owned();
                        conditions[*k] = if inputs[*k].op == Op::Matches {
                            vec![cell.to_owned()]
                        } else {
                            split_alternatives(cell)
                        };
                    }
                    Err(k) if *k != usize::MAX => {
                        if !cell.is_empty() {
                            outs[*k] = Some(cell.to_owned());
                        }
                    }
                    Err(_) => {}
                }
            }
            table_rows.push(Row {
                line,
                conditions,
                written,
                outputs: outs,
            });
        }
        // Matchers
        let n = table_rows.len();
        let mut matchers = Vec::new();
        for (k, input) in inputs.iter().enumerate() {
            match input.op {
                Op::Contains => {
                    let mut patterns = Vec::new();
                    let mut pattern_row = Vec::new();
                    let mut wildcard = bits(n);
                    for (r, row) in table_rows.iter().enumerate() {
                        if row.conditions[k].is_empty() {
                            set(&mut wildcard, r);
                        }
                        for kw in &row.conditions[k] {
                            patterns.push(kw.clone());
                            pattern_row.push(u32::try_from(r).unwrap_or(u32::MAX));
                        }
                    }
                    let ac = if patterns.is_empty() {
                        None
                    } else {
                        Some(super::text::keyword_matcher(&patterns).map_err(|e| {
                            vec![Diagnostic::new(&shown, format!("table `{name}`: {e}"))]
                        })?)
                    };
                    matchers.push(Matcher::Contains {
                        ac,
                        patterns,
                        pattern_row,
                        wildcard,
                    });
                }
                Op::Is => {
                    let mut rows: HashMap<String, Vec<u64>> = HashMap::new();
                    let mut wildcard = bits(n);
                    for (r, row) in table_rows.iter().enumerate() {
                        if row.conditions[k].is_empty() {
                            set(&mut wildcard, r);
                        }
                        for v in &row.conditions[k] {
                            set(rows.entry(v.clone()).or_insert_with(|| bits(n)), r);
                        }
                    }
                    matchers.push(Matcher::Is { rows, wildcard });
                }
                Op::Matches => {
                    let mut regexes = Vec::new();
                    for row in &table_rows {
                        match row.conditions[k].first() {
                            None => regexes.push(None),
                            Some(p) => match Regex::new(p) {
                                Ok(r) => regexes.push(Some(r)),
                                Err(e) => {
                                    let mut d = Diagnostic::new(
                                        &shown,
                                        format!(
                                            "table `{name}` line {}: bad regular expression: {e}",
                                            row.line
                                        ),
                                    );
                                    if let Some(src) = src {
                                        d = d.at(src, row.line as usize, 1);
                                    }
                                    diags.push(d);
                                    regexes.push(None);
                                }
                            },
                        }
                    }
                    matchers.push(Matcher::Matches { regexes });
                }
            }
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        Ok(Table {
            name: name.to_owned(),
            path: path.to_path_buf(),
            hit,
            inputs,
            outputs,
            rows: table_rows,
            matchers,
        })
    }

    /// True when input column `k` compares the normalised text ([`match_key`]): `contains`
    /// and `is` do, `matches` sees the text as written.
    pub fn needs_key(&self, k: usize) -> bool {
        !matches!(self.matchers[k], Matcher::Matches { .. })
    }

    /// Input column `k`'s verdict on a value, as a bit per row (set: the row's condition on
    /// this column holds). `value` is the field as text (`None` when absent) and `key` its
    /// [`match_key`] when [`Table::needs_key`]. A row matches when every column's bit is set,
    /// so a table's answer depends on a field only through these bits: the rules stage uses
    /// them to share one evaluation between complaints whose texts differ but match the same
    /// keywords.
    pub fn column_bits(&self, k: usize, value: Option<&str>, key: Option<&str>) -> Vec<u64> {
        let n = self.rows.len();
        let m = &self.matchers[k];
        let mut ok = match m {
            Matcher::Contains { wildcard, .. } | Matcher::Is { wildcard, .. } => wildcard.clone(),
            Matcher::Matches { .. } => bits(n),
        };
        match (value, m) {
            (
                Some(_),
                Matcher::Contains {
                    ac: Some(ac),
                    pattern_row,
                    ..
                },
            ) => {
                for mat in ac.find_overlapping_iter(key.unwrap_or_default()) {
                    set(&mut ok, pattern_row[mat.pattern().as_usize()] as usize);
                }
            }
            (Some(_), Matcher::Contains { ac: None, .. }) => {}
            (Some(_), Matcher::Is { rows, .. }) => {
                if let Some(b) = rows.get(key.unwrap_or_default()) {
                    for (o, x) in ok.iter_mut().zip(b) {
                        *o |= x;
                    }
                }
            }
            (Some(value), Matcher::Matches { regexes }) => {
                for (r, re) in regexes.iter().enumerate() {
                    if re.as_ref().is_none_or(|re| re.is_match(value)) {
                        set(&mut ok, r);
                    }
                }
            }
            (None, Matcher::Matches { regexes }) => {
                for (r, re) in regexes.iter().enumerate() {
                    if re.is_none() {
                        set(&mut ok, r);
                    }
                }
            }
            (None, _) => {}
        }
        ok
    }

    /// Input column `k`'s keywords and the row of each, when it is a `contains` column with
    /// any: a text several tables look into is then scanned once for all of them
    /// ([`Table::contains_bits`]).
    pub fn keywords(&self, k: usize) -> Option<(&[String], &[u32])> {
        match &self.matchers[k] {
            Matcher::Contains {
                ac: Some(_),
                patterns,
                pattern_row,
                ..
            } => Some((patterns, pattern_row)),
            _ => None,
        }
    }

    /// [`Table::column_bits`] of a `contains` column ([`Table::keywords`]) for a present value,
    /// from the rows whose keywords were found in its key.
    pub fn contains_bits(&self, k: usize, rows: impl IntoIterator<Item = u32>) -> Vec<u64> {
        let Matcher::Contains { wildcard, .. } = &self.matchers[k] else {
            panic!("contains_bits on a column that is not `contains`");
        };
        let mut ok = wildcard.clone();
        for r in rows {
            set(&mut ok, r as usize);
        }
        ok
    }

    /// The record fields the table reads.
    pub fn input_fields(&self) -> Vec<String> {
        let mut v: Vec<String> = self.inputs.iter().map(|i| i.field.clone()).collect();
        v.sort();
        v.dedup();
        v
    }

    /// The rows matching a record, in file order (only the first for `first` when
    /// `first_only`). `get` returns a field's value as text (`None` when absent).
    pub fn matching_rows(
        &self,
        get: &dyn Fn(&str) -> Option<String>,
        first_only: bool,
    ) -> Vec<usize> {
        let n = self.rows.len();
        let mut acc = vec![u64::MAX; n.div_ceil(64)];
        if n % 64 != 0
            && let Some(last) = acc.last_mut()
        {
            *last = (1u64 << (n % 64)) - 1;
        }
        for k in 0..self.matchers.len() {
            let value = get(&self.inputs[k].field);
            let key = self
                .needs_key(k)
                .then(|| value.as_deref().map(match_key))
                .flatten();
            let ok = self.column_bits(k, value.as_deref(), key.as_deref());
            for (a, o) in acc.iter_mut().zip(&ok) {
                *a &= o;
            }
        }
        let mut out = Vec::new();
        for (w, word) in acc.iter().enumerate() {
            let mut word = *word;
            while word != 0 {
                let b = word.trailing_zeros() as usize;
                out.push(w * 64 + b);
                if first_only {
                    return out;
                }
                word &= word - 1;
            }
        }
        out
    }

    /// A short description of a row for traces: `level_keywords.csv:7 (text contains 电梯困人)`.
    pub fn describe_row(&self, r: usize) -> String {
        let row = &self.rows[r];
        let conds: Vec<String> = self
            .inputs
            .iter()
            .zip(&row.written)
            .filter(|(_, c)| !c.is_empty())
            .map(|(i, c)| format!("{} {} {c}", i.field, i.op.word()))
            .collect();
        format!(
            "{}:{} ({})",
            display_path(&self.path).display(),
            row.line,
            if conds.is_empty() {
                "default".to_owned()
            } else {
                conds.join(", ")
            }
        )
    }
}

/// True when every text an alternative list `r` accepts is accepted by `e` in a `contains`
/// column: each of `r`'s keywords contains one of `e`'s (empty = anything).
fn covers_contains(e: &[String], r: &[String]) -> bool {
    e.is_empty() || (!r.is_empty() && r.iter().all(|x| e.iter().any(|y| x.contains(y.as_str()))))
}

/// Same for an `is` column: `r`'s values are among `e`'s.
fn covers_is(e: &[String], r: &[String]) -> bool {
    e.is_empty() || (!r.is_empty() && r.iter().all(|x| e.contains(x)))
}

impl Table {
    fn covers(&self, earlier: &Row, later: &Row) -> bool {
        self.inputs.iter().enumerate().all(|(k, input)| {
            let (e, r) = (&earlier.conditions[k], &later.conditions[k]);
            match input.op {
                Op::Contains => covers_contains(e, r),
                Op::Is => covers_is(e, r),
                Op::Matches => e.is_empty() || e == r,
            }
        })
    }

    /// Static checks: duplicate conditions and rows that can never match (errors), keywords
    /// that an earlier row always answers first, and a missing default row (warnings).
    /// `src` is the file text for carets; `no_default` silences the default-row warning.
    pub fn lint(&self, src: Option<&str>, no_default: bool) -> Vec<Diagnostic> {
        let shown = display_path(&self.path);
        let at = |line: u32, msg: String| {
            let d = Diagnostic::new(&shown, msg);
            match src {
                Some(s) if line > 0 => d.at(s, line as usize, 1),
                _ => d,
            }
        };
        let mut out = Vec::new();
        for (j, later) in self.rows.iter().enumerate() {
            for (i, earlier) in self.rows[..j].iter().enumerate() {
                if earlier.conditions == later.conditions {
                    out.push(
                        at(
                            later.line,
                            format!(
                                "table `{}`: row {} repeats the conditions of row {} (line {})",
                                self.name,
                                j + 1,
                                i + 1,
                                earlier.line
                            ),
                        )
                        .help("merge the rows or make their conditions differ"),
                    );
                    break;
                }
                if self.hit == HitPolicy::First && self.covers(earlier, later) {
                    out.push(
                        at(
                            later.line,
                            format!(
                                "table `{}`: row {} can never match: row {} (line {}) matches everything it does and answers first",
                                self.name,
                                j + 1,
                                i + 1,
                                earlier.line
                            ),
                        )
                        .help("move the more specific row up, or delete it"),
                    );
                    break;
                }
            }
        }
        if self.hit == HitPolicy::First {
            // Keyword-level shadowing inside rows that can still match.
            for (j, later) in self.rows.iter().enumerate() {
                if self.rows[..j]
                    .iter()
                    .any(|e| e.conditions == later.conditions || self.covers(e, later))
                {
                    continue;
                }
                for (k, input) in self.inputs.iter().enumerate() {
                    if input.op != Op::Contains {
                        continue;
                    }
                    for kw in &later.conditions[k] {
                        let mut single = later.clone();
                        single.conditions[k] = vec![kw.clone()];
                        if let Some((i, e)) = self.rows[..j]
                            .iter()
                            .enumerate()
                            .find(|(_, e)| self.covers(e, &single))
                        {
                            let by: Vec<&str> = e.conditions[k]
                                .iter()
                                .filter(|y| kw.contains(y.as_str()))
                                .map(String::as_str)
                                .collect();
                            out.push(
                                at(
                                    later.line,
                                    format!(
                                        "table `{}`: keyword `{kw}` in row {} never decides: row {} (line {}) already matches `{}`",
                                        self.name,
                                        j + 1,
                                        i + 1,
                                        e.line,
                                        if by.is_empty() { "anything".to_owned() } else { by.join("|") }
                                    ),
                                )
                                .warning(),
                            );
                        }
                    }
                }
            }
            let has_default = self
                .rows
                .iter()
                .any(|r| r.conditions.iter().all(Vec::is_empty));
            if !has_default && !no_default {
                out.push(
                    Diagnostic::new(&shown, format!("table `{}` has no default row: a complaint that matches no row gets `()`", self.name))
                        .help(format!("add a last row with empty conditions, or declare `[tables.{}] no_default = true` in rules.toml if a script falls back with `??`", self.name))
                        .warning(),
                );
            }
        }
        out
    }
}

/// Splits `a|b｜c、d` into normalised alternatives.
fn split_alternatives(cell: &str) -> Vec<String> {
    cell.split(['|', '｜', '、'])
        .map(match_key)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Reads a table file's header and rows (CSV in any supported encoding, XLSX, TOML).
pub fn read_table_file(
    path: &Path,
) -> Result<
    (
        Vec<String>,
        Vec<(u32, Vec<String>)>,
        Option<String>,
        Option<HitPolicy>,
    ),
    Diagnostic,
> {
    let shown = display_path(path);
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let bytes = crate::shipped::read(path).map_err(|e| Diagnostic::new(&shown, e.to_string()))?;
    match ext.as_str() {
        "csv" => {
            let text =
                crate::pipeline::ingest::decode(path, bytes, crate::config::EncodingChoice::Auto)
                    .map_err(|e| Diagnostic::new(&shown, e.to_string()))?
                    .text;
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes());
            let mut all = Vec::new();
            for rec in rdr.records() {
                let rec = rec.map_err(|e| Diagnostic::new(&shown, e.to_string()))?;
                let line = rec.position().map_or(0, |p| p.line());
                all.push((
                    u32::try_from(line).unwrap_or(0),
                    rec.iter().map(str::to_owned).collect::<Vec<_>>(),
                ));
            }
            let mut it = all.into_iter();
            let header = it.next().map(|r| r.1).unwrap_or_default();
            Ok((header, it.collect(), Some(text), None))
        }
        "xlsx" | "xls" | "ods" => {
            use calamine::{Reader, open_workbook_auto_from_rs};
            let mut wb = open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
                .map_err(|e| Diagnostic::new(&shown, format!("cannot open workbook: {e}")))?;
            let first = wb
                .sheet_names()
                .first()
                .cloned()
                .ok_or_else(|| Diagnostic::new(&shown, "the workbook has no sheets"))?;
            let range = wb
                .worksheet_range(&first)
                .map_err(|e| Diagnostic::new(&shown, e.to_string()))?;
            let row0 = range.start().map_or(0, |s| s.0);
            let mut rows = range.rows().enumerate().map(|(i, r)| {
                (
                    row0 + u32::try_from(i).unwrap_or(0) + 1,
                    r.iter()
                        .map(crate::pipeline::ingest::cell_text)
                        .collect::<Vec<_>>(),
                )
            });
            let header = rows.next().map(|r| r.1).unwrap_or_default();
            Ok((header, rows.collect(), None, None))
        }
        "toml" => {
            let text =
                String::from_utf8(bytes).map_err(|_| Diagnostic::new(&shown, "not UTF-8"))?;
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct TomlTable {
                #[allow(dead_code)]
                description: Option<String>,
                hit: Option<HitPolicy>,
                #[serde(default)]
                row: Vec<toml::Table>,
            }
            let t: TomlTable = toml::from_str(&text)
                .map_err(|e| crate::config::toml_diagnostic(&shown, &text, &e))?;
            let mut header: Vec<String> = Vec::new();
            for r in &t.row {
                for k in r.keys() {
                    if !header.contains(k) {
                        header.push(k.clone());
                    }
                }
            }
            // Row line numbers: the line of each `[[row]]`.
            let lines: Vec<u32> = text
                .lines()
                .enumerate()
                .filter(|(_, l)| l.trim() == "[[row]]")
                .map(|(i, _)| u32::try_from(i + 1).unwrap_or(0))
                .collect();
            let rows = t
                .row
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let cells = header
                        .iter()
                        .map(|h| match r.get(h) {
                            Some(toml::Value::String(s)) => s.clone(),
                            Some(toml::Value::Array(a)) => a
                                .iter()
                                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                                .collect::<Vec<_>>()
                                .join("|"),
                            Some(v) => v.to_string(),
                            None => String::new(),
                        })
                        .collect();
                    (lines.get(i).copied().unwrap_or(0), cells)
                })
                .collect();
            Ok((header, rows, Some(text), t.hit))
        }
        other => Err(Diagnostic::new(
            &shown,
            format!("unsupported table format `.{other}` (use .csv, .xlsx or .toml)"),
        )),
    }
}

/// A table `t.csv` of these header cells and rows (lines 2, 3, ...), for tests.
#[cfg(test)]
pub(crate) fn test_table(header: &[&str], rows: &[&[&str]], hit: HitPolicy) -> Table {
    let header: Vec<String> = header.iter().map(|s| (*s).to_owned()).collect();
    let rows = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (i as u32 + 2, r.iter().map(|s| (*s).to_owned()).collect()))
        .collect();
    Table::build("t", Path::new("t.csv"), hit, &header, rows, None).unwrap()
}

#[cfg(test)]
mod tests;
