//! The `classify` entry point: [`Normalized`] complaints → [`Classified`] (level, category and
//! any other outputs the rule returns).
//!
//! Evaluation: when the analysis knows which fields `classify` reads, the rule runs once per
//! distinct combination of those fields and the answer is shared by every complaint with that
//! combination (rules are pure, so this equals per-row evaluation; `EvalMode::PerRow` exists to
//! prove it in tests). Otherwise it runs per complaint. Either way the work is spread over
//! the cores with rayon.
//!
//! Failure policy: a script error or a result without `level`/`category` rejects the complaint
//! (stage `classify`, reason `rule_error`, message with `file:line:col`), and the rows merged
//! into it with it; `--strict` turns the first one into a fatal error.

use std::collections::BTreeSet;

use rayon::prelude::*;
use rhai::{CallFnOptions, Dynamic, ImmutableString, Map, Scope};

use super::analysis::Reads;
use super::coverage::Coverage;
use super::engine::{Time, TraceEvent, innermost, with_trace};
pub use super::failure::RuleFailure;
use super::failure::{FailureKind, FirstFailure};
use super::guards::GuardMemo;
use super::keys::{self, Key, KeyField, KeyPart, key_into, key_plan};
use super::{Entry, RuleSet};
use crate::diagnostic::display_path;
use crate::error::{Error, Result};
use crate::model::{Complaint, Dictionaries, ExtraColumns, Field, FieldValue, Merged, Str};
use crate::pipeline::normalize::Normalized;
use crate::rejects::{Rejects, RowIssue};
use crate::texts::TextStore;

/// A value a rule returned, as stored and written out.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleValue {
    /// `()`: no value.
    Absent,
    /// `true`/`false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A number.
    Float(f64),
    /// Text.
    Str(Str),
    /// An instant.
    Time(crate::time::Ts),
}

impl RuleValue {
    /// From a script value. Arrays become `a|b|c`; maps are not outputs.
    pub fn from_dynamic(v: &Dynamic) -> std::result::Result<RuleValue, String> {
        if v.is_unit() {
            return Ok(RuleValue::Absent);
        }
        if let Ok(b) = v.as_bool() {
            return Ok(RuleValue::Bool(b));
        }
        if let Ok(i) = v.as_int() {
            return Ok(RuleValue::Int(i));
        }
        if let Ok(f) = v.as_float() {
            return Ok(RuleValue::Float(f));
        }
        if let Some(s) = v.read_lock::<ImmutableString>() {
            return Ok(RuleValue::Str(s.clone()));
        }
        if let Some(t) = v.read_lock::<Time>() {
            return Ok(RuleValue::Time(t.0));
        }
        if v.is_array() {
            let parts: Vec<String> = v
                .clone()
                .into_array()
                .unwrap_or_default()
                .iter()
                .map(ToString::to_string)
                .collect();
            return Ok(RuleValue::Str(parts.join("|").into()));
        }
        Err(format!(
            "a value of type `{}` cannot be an output",
            v.type_name()
        ))
    }

    /// Back to a script value.
    pub fn to_dynamic(&self) -> Dynamic {
        match self {
            RuleValue::Absent => Dynamic::UNIT,
            RuleValue::Bool(b) => Dynamic::from_bool(*b),
            RuleValue::Int(i) => Dynamic::from_int(*i),
            RuleValue::Float(f) => Dynamic::from_float(*f),
            RuleValue::Str(s) => Dynamic::from(s.clone()),
            RuleValue::Time(t) => Dynamic::from(Time(*t)),
        }
    }

    /// Text for CSV cells and grouping (`zone` formats instants).
    pub fn text(&self, zone: &crate::time::Zone) -> String {
        match self {
            RuleValue::Absent => String::new(),
            RuleValue::Bool(b) => b.to_string(),
            RuleValue::Int(i) => i.to_string(),
            RuleValue::Float(f) => format!("{f}"),
            RuleValue::Str(s) => s.to_string(),
            RuleValue::Time(t) => zone.format(*t),
        }
    }

    /// The text, if a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            RuleValue::Str(s) => Some(s.as_str()),
            _ => None,
        }
    }
}

/// The rule outputs of every complaint. Complaints that shared an evaluation share its row, so
/// a million complaints hold a few hundred rows and an index each.
#[derive(Debug, Clone, Default)]
pub struct Values {
    /// Distinct output rows, aligned with the run's output columns.
    rows: Vec<Vec<RuleValue>>,
    /// Per complaint, its row.
    which: Vec<u32>,
}

impl Values {
    /// The evaluation complaint `i` shares (an index into [`Classified::traces`]).
    pub fn evaluation(&self, i: usize) -> usize {
        self.which[i] as usize
    }

    /// Number of complaints.
    pub fn len(&self) -> usize {
        self.which.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.which.is_empty()
    }
}

impl std::ops::Index<usize> for Values {
    type Output = [RuleValue];
    fn index(&self, i: usize) -> &[RuleValue] {
        &self.rows[self.which[i] as usize]
    }
}

/// The classify stage's output.
#[derive(Debug, Default)]
pub struct Classified {
    /// Complaints that classified, in the normalized order.
    pub complaints: Vec<Complaint>,
    /// Their free texts ([`Complaint::text_at`]; complaints a rule rejected leave theirs
    /// unread).
    pub texts: TextStore,
    /// The values their coded fields hold codes of (normalize's).
    pub dicts: Dictionaries,
    /// Output column names: `level`, `category`, then the others alphabetically.
    pub columns: Vec<String>,
    /// Per complaint, values aligned with `columns`.
    pub values: Values,
    /// Per complaint, the rows merged into it.
    pub merged: Merged,
    /// Carried-through column names.
    pub extras: ExtraColumns,
    /// Rows accepted by normalize (for the count reconciliation).
    pub accepted: usize,
    /// How many distinct inputs the rule was evaluated on.
    pub evaluations: usize,
    /// Which table rows answered, for how many complaints.
    pub coverage: Coverage,
    /// Per evaluation, what the rule did: the table rows that answered (with the inputs they
    /// saw) and what it printed. Kept so that `explain` shows how a complaint was classified
    /// without running the rule again.
    pub traces: Vec<Vec<TraceEvent>>,
    /// (table, input, field): table inputs that saw each complaint's own value of the field,
    /// although complaints with different values shared the evaluation (their values matched
    /// the same rows). An explanation shows the complaint's own value there.
    pub own_inputs: Vec<(String, String, Field)>,
    /// Masks every complainant's name and phone numbers in free text (built on first use).
    pub masker: std::sync::OnceLock<crate::privacy::Masker>,
}

impl Classified {
    /// The run's masker: every complainant name, plus phone numbers.
    pub fn masker(&self) -> &crate::privacy::Masker {
        self.masker.get_or_init(|| {
            // The names are the dictionary's, each once; only those of complaints still here
            // (a rule may have rejected a name's only complaint).
            let names = self.dicts.field(Field::Complainant);
            let mut held = vec![false; names.len()];
            for c in &self.complaints {
                if let Some(n) = c.code(Field::Complainant) {
                    held[n.index()] = true;
                }
            }
            let held: Vec<&str> = names
                .values()
                .zip(held)
                .filter_map(|(n, h)| h.then_some(n))
                .collect();
            crate::privacy::Masker::of_items(&held, |n| Some(*n))
        })
    }
}

/// Distinct texts whose table matches a classify worker keeps (the texts themselves are held
/// by the cache alone, so it is bounded: ~200 bytes each).
const TEXT_CACHE: usize = 1 << 14;

/// Loads the free texts of `complaints` from the store, in one read.
fn load_texts(complaints: &mut [Complaint], texts: &TextStore) -> Result<()> {
    let window = texts.window(complaints.iter().map(|c| c.text_at))?;
    for c in complaints {
        window.load(c);
    }
    Ok(())
}

/// How to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub enum EvalMode {
    /// Once per distinct input when the fields read are known.
    Auto,
    /// Once per complaint (the reference behaviour).
    PerRow,
    /// No script: every complaint gets these outputs (a rule test case that checks SLA
    /// targets for given outputs).
    Fixed(Vec<(String, RuleValue)>),
}

/// Builds the record map a rule sees. `only` limits it to the fields the rule reads.
pub fn record_map(
    c: &Complaint,
    dicts: &Dictionaries,
    extras: &ExtraColumns,
    only: Option<&BTreeSet<&str>>,
) -> Map {
    let mut m = Map::new();
    for f in Field::ALL {
        if only.is_some_and(|o| !o.contains(f.name())) {
            continue;
        }
        let v = match c.get(f, dicts) {
            FieldValue::Absent => Dynamic::UNIT,
            // The text loaded into the row is a shared string already.
            FieldValue::Str(_) if f == Field::Text => {
                c.text.clone().map_or(Dynamic::UNIT, Dynamic::from)
            }
            FieldValue::Str(s) => Dynamic::from(Str::from(s)),
            FieldValue::Ts(t) => Dynamic::from(Time(t)),
            FieldValue::Num(n) => Dynamic::from_float(n),
        };
        m.insert(f.name().into(), v);
    }
    if only.is_none_or(|o| o.contains("extra")) {
        let mut x = Map::new();
        for (k, (name, v)) in extras.0.iter().zip(&c.extra).enumerate() {
            x.insert(
                name.as_str().into(),
                v.map_or(Dynamic::UNIT, |v| {
                    Dynamic::from(Str::from(dicts.extra(k).get(v)))
                }),
            );
        }
        m.insert("extra".into(), Dynamic::from_map(x));
    }
    m
}

/// Calls an entry function on one record map.
pub fn call(rules: &RuleSet, entry: &Entry, arg: Map) -> std::result::Result<Dynamic, RuleFailure> {
    call_ast(rules, entry, &entry.ast, arg)
}

/// Calls `entry`'s function in `ast` (the entry's own script, or its rest after the native
/// guards) on one record map.
fn call_ast(
    rules: &RuleSet,
    entry: &Entry,
    ast: &rhai::AST,
    arg: Map,
) -> std::result::Result<Dynamic, RuleFailure> {
    let mut scope = Scope::new();
    let opts = CallFnOptions::new().eval_ast(false).rewind_scope(true);
    rules
        .engine
        .call_fn_with_options::<Dynamic>(
            opts,
            &mut scope,
            ast,
            entry.name,
            (Dynamic::from_map(arg),),
        )
        .map_err(|e| {
            let (kind, reason) = super::failure::kind_of(&e);
            let (msg, pos) = innermost(&e);
            let msg = reason.unwrap_or(msg);
            let at = match (pos.line(), pos.position()) {
                (Some(l), Some(c)) => format!("{}:{l}:{c}", display_path(&entry.path).display()),
                (Some(l), None) => format!("{}:{l}", display_path(&entry.path).display()),
                _ => format!(
                    "{} (fn {})",
                    display_path(&entry.path).display(),
                    entry.name
                ),
            };
            let message = match kind {
                // The rule's own words, as written.
                FailureKind::Reject { .. } => format!("{at}: {msg}"),
                FailureKind::Engine => format!("{at}: {}", lower_first(&msg)),
            };
            RuleFailure { message, kind }
        })
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

/// Checks and converts a `classify` result.
pub fn outputs(
    rules: &RuleSet,
    v: Dynamic,
) -> std::result::Result<Vec<(String, RuleValue)>, RuleFailure> {
    let fail = |m: String| {
        RuleFailure::engine(format!(
            "{}: {m}",
            display_path(&rules.classify.path).display()
        ))
    };
    let ty = v.type_name().to_owned();
    let map = v.try_cast::<Map>().ok_or_else(|| {
        fail(format!(
            "`classify` must return a map like #{{ level: \"I\", category: \"公共设施\" }}, not a `{ty}`"
        ))
    })?;
    let mut out = Vec::with_capacity(map.len());
    for (k, v) in &map {
        if k.starts_with('_') {
            continue;
        }
        let rv = RuleValue::from_dynamic(v).map_err(|e| fail(format!("output `{k}`: {e}")))?;
        out.push((k.to_string(), rv));
    }
    for required in ["level", "category"] {
        if !out
            .iter()
            .any(|(k, v)| k == required && *v != RuleValue::Absent)
        {
            return Err(fail(format!("`classify` returned no `{required}`")));
        }
    }
    Ok(out)
}

/// How classify runs.
pub struct ClassifyOptions<'a> {
    /// Rule evaluation mode.
    pub mode: EvalMode,
    /// `--strict`: the first failure stops the run.
    pub strict: bool,
    /// Engine errors allowed before the run stops (`max_rule_errors`).
    pub max_engine_errors: crate::rejects::RejectLimit,
    /// Input files as shown, by file index (to name the first failing complaint's row).
    pub files: &'a [String],
}

/// Runs `classify` over every complaint; failures reject it (see [`super::failure`]).
pub fn run(
    rules: &RuleSet,
    normalized: Normalized,
    opts: &ClassifyOptions<'_>,
    rejects: &mut Rejects,
    progress: &crate::progress::Meter,
) -> Result<Classified> {
    let strict = opts.strict;
    let mode = &opts.mode;
    // The column mappings are the run's to report (`Run::judge` takes them out first).
    let Normalized {
        mut complaints,
        texts,
        dicts,
        extras,
        accepted,
        merged,
        mappings: _,
    } = normalized;
    if let EvalMode::Fixed(outs) = mode {
        let mut out = fixed(rules, outs, complaints, extras, accepted, merged);
        out.texts = texts;
        out.dicts = dicts;
        return Ok(out);
    }
    let entry = &rules.classify;
    // The free texts are loaded into the complaints only if the script (guards included)
    // reads them, a chunk at a time, and dropped after it.
    let reads_text = entry
        .reads
        .names()
        .is_none_or(|n| n.contains(Field::Text.name()));
    // With native guards (guards.rs), complaints that pass them are classified by the rest of
    // the script, shared by what the rest reads; the others by the whole script, each alone.
    let fast = match mode {
        EvalMode::Auto => entry.fast.as_ref(),
        _ => None,
    };
    let (reads, uses) = match fast {
        Some(f) => (&f.reads, f.uses.as_ref()),
        None => (&entry.reads, entry.uses.as_ref()),
    };
    let only = reads.names();
    let passes = |c: &Complaint, memo: &mut GuardMemo| {
        fast.is_none_or(|f| f.guarded.passes(c, &dicts, memo))
    };
    let new_memo = || fast.map(|f| f.guarded.memo()).unwrap_or_default();
    let mut own_inputs = Vec::new();
    // Which complaint each evaluation stands for, and which evaluation each complaint uses.
    let (reps, which): (Vec<usize>, Vec<usize>) = match (reads, mode) {
        (Reads::Fields(_), EvalMode::Auto) => {
            let plan = key_plan(rules, uses, only.as_ref().expect("fields known"));
            let codes = keys::KeyCodes::new(&plan, &dicts, extras.0.len());
            for kf in &plan {
                if let KeyField::Bits(f, cols, _) = kf {
                    for (t, k) in cols {
                        own_inputs.push((t.name.clone(), t.inputs[*k].field.clone(), *f));
                    }
                }
            }
            // Keys in parallel (matching texts against keyword tables is the work), then one
            // pass in complaint order assigns evaluations, so representatives are the first
            // complaint of each key whatever the threads did.
            // Each chunk folds its keys to the distinct ones (in first-seen order, with the
            // complaint that first had each) and a local number per complaint: a million keys,
            // each a small vector, are never held at once.
            const CHUNK: usize = 4096;
            // Per chunk: its distinct keys with their first complaint, and each complaint's
            // local key number.
            type Folded = (Vec<(Key, usize)>, Vec<u32>);
            // The texts' table bits are cached per rayon job (a run of chunks one worker takes),
            // not per chunk: a text repeats across the whole export far more than inside 4,096
            // complaints (the kit's 1 M export: 47 k distinct texts in its first 200 k rows), and
            // matching a text against the keyword tables is most of the key's cost.
            // The texts go into the rows only if a guard reads them; a key reads each from
            // the chunk's window of the store, and the table matches of a text seen before from
            // the cache (most of the key's cost was a shared string made of every text).
            let texts_in_rows = reads_text && fast.is_some_and(|f| f.guarded.reads(Field::Text));
            let chunks: Vec<Folded> = complaints
                .par_chunks_mut(CHUNK)
                .enumerate()
                .map_init(
                    || (keys::bits_cache(&plan), new_memo(), Vec::new()),
                    |(cache, memo, key), (n, chunk)| {
                        let window = if reads_text && !texts_in_rows {
                            Some(texts.window(chunk.iter().map(|c| c.text_at))?)
                        } else {
                            None
                        };
                        if texts_in_rows {
                            load_texts(chunk, &texts)?;
                        }
                        // The cache holds its own copies of the texts: bounded.
                        if cache.len() > TEXT_CACHE {
                            cache.clear();
                        }
                        let mut local: rustc_hash::FxHashMap<Key, u32> =
                            rustc_hash::FxHashMap::default();
                        let mut distinct = Vec::new();
                        let ids = chunk
                            .iter()
                            .enumerate()
                            .map(|(j, c)| {
                                if passes(c, memo) {
                                    key_into(
                                        c,
                                        (&dicts, &codes),
                                        window.as_ref(),
                                        &plan,
                                        cache,
                                        key,
                                    );
                                } else {
                                    key.clear();
                                    key.push(KeyPart::Row(n * CHUNK + j));
                                }
                                // Looked up as a slice: only a key new to the chunk is copied.
                                if let Some(&l) = local.get(key.as_slice()) {
                                    return l;
                                }
                                let l = distinct.len() as u32;
                                local.insert(Key(key.clone()), l);
                                distinct.push((Key(key.clone()), n * CHUNK + j));
                                l
                            })
                            .collect::<Vec<_>>();
                        if texts_in_rows {
                            for c in chunk.iter_mut() {
                                c.text = None;
                            }
                        }
                        progress.inc(chunk.len() as u64);
                        Ok((distinct, ids))
                    },
                )
                .collect::<Result<_>>()?;
            let mut index: rustc_hash::FxHashMap<Key, usize> = rustc_hash::FxHashMap::default();
            let mut reps = Vec::new();
            let mut which = Vec::with_capacity(complaints.len());
            for (distinct, ids) in chunks {
                let global: Vec<usize> = distinct
                    .into_iter()
                    .map(|(k, first)| {
                        *index.entry(k).or_insert_with(|| {
                            reps.push(first);
                            reps.len() - 1
                        })
                    })
                    .collect();
                which.extend(ids.into_iter().map(|l| global[l as usize]));
            }
            (reps, which)
        }
        _ => (
            (0..complaints.len()).collect(),
            (0..complaints.len()).collect(),
        ),
    };
    // How many complaints each evaluation stands for (hits count once per complaint).
    let mut weight = vec![0u64; reps.len()];
    // What the whole script reads, for the complaints it evaluates.
    let full_only = entry.reads.names();
    for &w in &which {
        weight[w] += 1;
    }
    // Per evaluation: the outputs or the failure, the table rows that answered, the trace.
    type Evaluated = (
        std::result::Result<Vec<(String, RuleValue)>, RuleFailure>,
        Coverage,
        Vec<TraceEvent>,
    );
    // A guard memo per worker, not per evaluation: a rule that reads a field of its own per
    // complaint has as many evaluations as complaints, and a memo is a table per regex.
    let evaluated: Vec<Evaluated> = reps
        .par_iter()
        .enumerate()
        .map_init(new_memo, |memo, (k, &i)| {
            let mut loaded;
            let mut c = &complaints[i];
            if reads_text && c.text_at.is_some() {
                loaded = c.clone();
                load_texts(std::slice::from_mut(&mut loaded), &texts)?;
                c = &loaded;
            }
            let (ast, only) = match fast {
                Some(f) if passes(c, memo) => (&f.guarded.rest, only.as_ref()),
                _ => (&entry.ast, full_only.as_ref()),
            };
            let arg = record_map(c, &dicts, &extras, only);
            let (r, trace) =
                with_trace(|| call_ast(rules, entry, ast, arg).and_then(|v| outputs(rules, v)));
            let mut cov = Coverage::default();
            if !trace.is_empty() {
                cov.add(rules, &trace, weight[k], i);
            }
            Ok((r, cov, trace))
        })
        .collect::<Result<_>>()?;
    let mut coverage = Coverage::default();
    let mut results = Vec::with_capacity(evaluated.len());
    // Per evaluation, the tables where several rows matched.
    let mut multi_in: Vec<Vec<String>> = Vec::with_capacity(evaluated.len());
    let mut traces = Vec::with_capacity(evaluated.len());
    for (r, cov, trace) in evaluated {
        traces.push(trace);
        multi_in.push(cov.multi.keys().cloned().collect());
        if cov != Coverage::default() {
            coverage = coverage.merge(cov);
        }
        results.push(r);
    }
    // Examples are the first complaints, in order, that matched several rows: the same
    // whichever complaint stood for its evaluation.
    for (t, (_, ex)) in coverage.multi.iter_mut() {
        ex.clear();
        for (i, &w) in which.iter().enumerate() {
            if multi_in[w].iter().any(|x| x == t) {
                ex.push(i);
                if ex.len() == super::coverage::EXAMPLES {
                    break;
                }
            }
        }
    }
    coverage.examples = coverage
        .multi
        .iter()
        .map(|(t, (_, ex))| {
            (
                t.clone(),
                ex.iter().map(|&i| complaints[i].id.to_string()).collect(),
            )
        })
        .collect();
    // Tables no complaint reached still get a row of zeros.
    for (name, t) in &rules.env.tables {
        coverage
            .rows
            .entry(name.clone())
            .or_insert_with(|| vec![0; t.rows.len()]);
    }
    // Columns: level, category, then the rest alphabetically.
    let mut others: BTreeSet<&str> = BTreeSet::new();
    for (k, _) in results.iter().flatten().flatten() {
        if k != "level" && k != "category" {
            others.insert(k);
        }
    }
    let columns: Vec<String> = ["level", "category"]
        .into_iter()
        .chain(others)
        .map(str::to_owned)
        .collect();
    let mut aligned: Vec<Option<Vec<RuleValue>>> = results
        .iter()
        .map(|r| {
            r.as_ref().ok().map(|outs| {
                columns
                    .iter()
                    .map(|col| {
                        outs.iter()
                            .find(|(k, _)| k == col)
                            .map_or(RuleValue::Absent, |(_, v)| v.clone())
                    })
                    .collect()
            })
        })
        .collect();
    let mut out = Classified {
        columns,
        extras,
        accepted,
        evaluations: reps.len(),
        coverage,
        traces,
        own_inputs,
        ..Classified::default()
    };
    // Complaints whose evaluation failed are rejected; the others keep their place (the
    // vectors are filtered in place, not copied).
    let mut failed: Vec<usize> = Vec::new();
    for (i, &w) in which.iter().enumerate() {
        if aligned[w].is_none() {
            failed.push(i);
        }
    }
    let mut engine_failed = 0;
    let mut first: Option<FirstFailure> = None;
    for &i in &failed {
        let (c, m) = (&complaints[i], merged.of(i));
        let Err(f) = &results[which[i]] else {
            unreachable!("aligned is None only for failures")
        };
        let msg = &f.message;
        if strict {
            // A rule's message may quote the record: no phone number on stderr.
            return Err(Error::Strict(format!(
                "complaint `{}`: {}",
                c.id,
                crate::privacy::mask_phones(msg)
            )));
        }
        if f.kind == FailureKind::Engine {
            engine_failed += 1;
            first.get_or_insert_with(|| {
                let file = opts
                    .files
                    .get(c.origin.file as usize)
                    .map_or("?", String::as_str);
                (
                    c.id.to_string(),
                    format!("{file}:{}", c.origin.line),
                    crate::privacy::mask_phones(msg).into_owned(),
                )
            });
        }
        for &origin in std::iter::once(&c.origin).chain(m) {
            rejects.reject(RowIssue {
                origin,
                stage: "classify",
                field: f.field().to_owned(),
                value: String::new(),
                reason: f.reason(),
                message: if origin == c.origin {
                    msg.clone()
                } else {
                    format!(
                        "merged into complaint `{}`, which the rule rejected: {msg}",
                        c.id
                    )
                },
            });
        }
    }
    super::failure::check_engine_errors(
        engine_failed,
        complaints.len(),
        opts.max_engine_errors,
        first,
    )?;
    let mut complaints = complaints;
    let mut merged = merged;
    let mut which = which;
    if !failed.is_empty() {
        let keep: Vec<bool> = which.iter().map(|&w| aligned[w].is_some()).collect();
        let mut k = keep.iter();
        complaints.retain(|_| *k.next().expect("aligned"));
        merged.retain(&keep);
        let mut k = keep.iter();
        which.retain(|_| *k.next().expect("aligned"));
    }
    out.complaints = complaints;
    out.texts = texts;
    out.dicts = dicts;
    out.merged = merged;
    out.values = Values {
        rows: aligned
            .iter_mut()
            .map(|a| a.take().unwrap_or_default())
            .collect(),
        which: which.into_iter().map(|w| w as u32).collect(),
    };
    Ok(out)
}

/// Every complaint with the same given outputs (`level` and `category` blank when not given).
fn fixed(
    rules: &RuleSet,
    outs: &[(String, RuleValue)],
    complaints: Vec<Complaint>,
    extras: ExtraColumns,
    accepted: usize,
    merged: Merged,
) -> Classified {
    let mut others: BTreeSet<&str> = outs
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| *k != "level" && *k != "category")
        .collect();
    others.remove("");
    let columns: Vec<String> = ["level", "category"]
        .into_iter()
        .chain(others)
        .map(str::to_owned)
        .collect();
    let row: Vec<RuleValue> = columns
        .iter()
        .map(|c| {
            outs.iter()
                .find(|(k, _)| k == c)
                .map_or(RuleValue::Str("".into()), |(_, v)| v.clone())
        })
        .collect();
    let mut coverage = Coverage::default();
    for (name, t) in &rules.env.tables {
        coverage.rows.insert(name.clone(), vec![0; t.rows.len()]);
    }
    Classified {
        values: Values {
            rows: vec![row],
            which: vec![0; complaints.len()],
        },
        complaints,
        columns,
        merged,
        extras,
        accepted,
        evaluations: 1,
        coverage,
        traces: vec![Vec::new()],
        ..Classified::default()
    }
}
