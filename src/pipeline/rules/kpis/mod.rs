//! The report's indicators, declared in `rules/kpis.toml` (documented in `docs/KPIS.md`): each
//! has a name per language, what it counts (rows of the assessed table that pass a filter, a
//! ratio of two filters, or a quantile of a column), a target with its direction, decimals,
//! and the report sections that show it. A quality department adds one without touching code.
//!
//! Filters are written as rhai expressions over the columns of the assessed table
//! (`target == "acknowledge_1wd" && status in ["met", "breached", "overdue"]`,
//! `received_at.hour >= 22 || received_at.hour < 6`); this module parses and checks them when
//! the rule folder is loaded (problems are reported with `file:line:col` before any data is
//! read) into a small [`Filter`] tree, which the aggregate stage turns into polars expressions.
//!
//! A rule folder without `kpis.toml` gets the built-in indicators (the shipped file, embedded);
//! its `[kpi]` table in `rules.toml`, from before this file existed, still sets their
//! parameters and targets, with a warning that points here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::presets::targets::TargetSet;
use super::{KpiSettings, RuleFile};
use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean, display_path};
mod filter;

pub use self::filter::{CmpOp, Filter, TimePart, Value};
use self::filter::{Scope, compile};

/// The file name in the rule folder.
pub const KPIS: &str = "kpis.toml";

/// The shipped indicators, used when a rule folder has no `kpis.toml`.
const BUILT_IN: &str = include_str!("../../../../rules/kpis.toml");

/// Per-complaint facts the assessment derives (besides the canonical fields and rule outputs),
/// by name, with what they hold. `docs/KPIS.md` lists them.
pub const FACTS: &[(&str, ColumnType)] = &[
    ("respond_minutes", ColumnType::Number),
    ("resolve_minutes", ColumnType::Number),
    ("resolved", ColumnType::Bool),
    ("followed", ColumnType::Bool),
    ("reopened", ColumnType::Bool),
    ("repeat", ColumnType::Bool),
];

/// What a column holds, for checking filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Text and codes (compared with `==`, `!=`, `in`).
    Text,
    /// An instant (read through `.hour`, `.weekday`, ... or tested with `is_blank`).
    Time,
    /// A number.
    Number,
    /// True or false.
    Bool,
}

/// The table an indicator counts rows of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Over {
    /// One row per accepted complaint.
    Complaints,
    /// One row per SLA verdict (`target`, `status`, and the complaint's columns).
    Verdicts,
    /// One row per complaint duty finding (`duty`, `status`, and the complaint's columns).
    Findings,
}

impl Over {
    fn parse(s: &str) -> Option<Over> {
        Some(match s {
            "complaints" => Over::Complaints,
            "verdicts" => Over::Verdicts,
            "findings" => Over::Findings,
            _ => return None,
        })
    }

    /// The columns of this table besides the complaint's.
    pub fn own_columns(self) -> &'static [&'static str] {
        match self {
            Over::Complaints => &[],
            Over::Verdicts => &["target", "status"],
            Over::Findings => &["duty", "status"],
        }
    }
}

/// What an indicator measures.
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    /// Rows that pass the filter.
    Count(Filter),
    /// numerator / denominator (rows passing each filter).
    Ratio {
        /// Counted above the line.
        numerator: Filter,
        /// Counted below it.
        denominator: Filter,
    },
    /// A quantile of a numeric column over the rows that pass `filter`.
    Quantile {
        /// The column.
        column: String,
        /// 0.5 for the median.
        q: f64,
        /// Which rows.
        filter: Filter,
    },
}

/// How an indicator's value reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A count (`1,234`).
    Count,
    /// A fraction shown as a percentage (`92.3%`).
    Rate,
    /// Minutes (`35 min`).
    Minutes,
    /// A minutes column shown in hours (`6.5 h`).
    Hours,
}

impl Unit {
    /// The name in the report context.
    pub fn name(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::Rate => "rate",
            Unit::Minutes => "minutes",
            Unit::Hours => "hours",
        }
    }
}

/// A report section that can show an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The indicator cards of every page and the workbook's indicator sheet.
    Cards,
    /// The trend: one value per period in `trend[].values`.
    Trend,
}

/// A target: the value must be at least (`>=`) or at most (`<=`) this.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KpiTarget {
    /// True for `>=`.
    pub at_least: bool,
    /// The bound, in the indicator's unit (rates as fractions).
    pub value: f64,
}

/// One indicator.
#[derive(Debug, Clone)]
pub struct Kpi {
    /// Its key (`ack_rate`): stable, used by templates and the context.
    pub key: String,
    /// Chinese name.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// The procedure it comes from.
    pub source: Option<String>,
    /// The table it counts.
    pub over: Over,
    /// What it measures.
    pub measure: Measure,
    /// How it reads.
    pub unit: Unit,
    /// Decimals shown (of the percentage for rates).
    pub decimals: usize,
    /// Its target, if the procedure gives one.
    pub target: Option<KpiTarget>,
    /// True when a higher value is better.
    pub higher_is_better: bool,
    /// Only meaningful with an event log (reopenings): no value without one.
    pub needs_event_log: bool,
    /// Where it is shown.
    pub sections: Vec<Section>,
}

/// The parameters the facts and lists are derived with (`[settings]`).
#[derive(Debug, Clone)]
pub struct Settings {
    /// A score at or above this counts as satisfied; below it, the look-back list.
    pub satisfied_score: f64,
    /// Events that count as the first response (`respond_minutes`).
    pub response_events: Vec<String>,
    /// Days within which the same unit and category makes a repeat complaint.
    pub repeat_days: i64,
    /// The SLA target that measures resolution (the 红黑榜's overdue count).
    pub resolution_target: String,
    /// The duty shown as 二次处理 in the look-back list.
    pub second_handling_duty: String,
    /// The duty shown as 回头看 in the look-back list.
    pub look_back_duty: String,
}

/// Every indicator of the rule folder, checked.
#[derive(Debug, Clone)]
pub struct KpiSet {
    /// The file they come from (`None`: the built-in set).
    pub path: Option<PathBuf>,
    /// Parameters.
    pub settings: Settings,
    /// In report order.
    pub kpis: Vec<Kpi>,
}

impl KpiSet {
    /// An indicator by key.
    pub fn get(&self, key: &str) -> Option<&Kpi> {
        self.kpis.iter().find(|k| k.key == key)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    settings: BTreeMap<String, Spanned<toml::Value>>,
    #[serde(default)]
    kpi: Vec<Spanned<RawKpi>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKpi {
    key: Spanned<String>,
    name: String,
    name_en: Option<String>,
    source: Option<String>,
    over: Option<Spanned<String>>,
    count: Option<Spanned<String>>,
    numerator: Option<Spanned<String>>,
    denominator: Option<Spanned<String>>,
    median: Option<Spanned<String>>,
    quantile: Option<Spanned<f64>>,
    value: Option<Spanned<String>>,
    #[serde(rename = "where")]
    filter: Option<Spanned<String>>,
    unit: Option<Spanned<String>>,
    decimals: Option<usize>,
    target: Option<Spanned<String>>,
    better: Option<Spanned<String>>,
    #[serde(default)]
    needs_event_log: bool,
    sections: Option<Vec<Spanned<String>>>,
}

/// What the loader checks names against.
pub struct Known<'a> {
    /// The loaded SLA targets.
    pub targets: &'a TargetSet,
    /// Every duty name (complaint and team duties).
    pub duties: Vec<&'a str>,
    /// Event names.
    pub events: Vec<String>,
    /// The outputs `classify` returns, as far as its script shows them (empty: unknown).
    pub outputs: BTreeSet<String>,
}

/// Loads the `kpis.toml` at `path` (the user's, or the shipped one), or without one the
/// shipped indicators adjusted by a legacy `[kpi]` table.
pub fn load(
    path: Option<PathBuf>,
    legacy: Option<&KpiSettings>,
    manifest_path: &Path,
    known: &Known<'_>,
    files: &mut Vec<RuleFile>,
    diags: &mut Diagnostics,
) -> Option<KpiSet> {
    let own = path.and_then(|p| crate::shipped::read_to_string(&p).ok().map(|s| (p, s)));
    let (src, shown, file_path): (String, PathBuf, Option<PathBuf>) = match own {
        Some((path, src)) => {
            files.push(RuleFile {
                path: display_path(&path).display().to_string(),
                sha256: crate::output::sha256_hex(src.as_bytes()),
            });
            if legacy.is_some() {
                diags.push(
                    Diagnostic::new(
                        display_path(manifest_path),
                        format!("`[kpi]` is ignored: the indicators are defined in {KPIS}"),
                    )
                    .warning()
                    .help(format!(
                        "move its values to `[settings]` and the targets in {KPIS}, then delete `[kpi]` (docs/KPIS.md)"
                    )),
                );
            }
            (src, display_path(&path), Some(path))
        }
        None => {
            if legacy.is_some() {
                diags.push(
                    Diagnostic::new(
                        display_path(manifest_path),
                        format!("`[kpi]` in rules.toml is read for compatibility; the indicators now live in {KPIS}"),
                    )
                    .warning()
                    .help(format!(
                        "copy the shipped rules/{KPIS} into the rule folder and set its `[settings]` (docs/KPIS.md)"
                    )),
                );
            }
            (
                BUILT_IN.to_owned(),
                PathBuf::from(format!("(built-in {KPIS})")),
                None,
            )
        }
    };
    let from_file = file_path.is_some();
    let before = diags.errors();
    let raw: RawFile = match toml::from_str(&src) {
        Ok(r) => r,
        Err(e) => {
            diags.push(crate::config::toml_diagnostic(&shown, &src, &e));
            return None;
        }
    };
    let file = Source {
        shown: &shown,
        src: &src,
        own: from_file,
    };
    let (settings, constants) = settings(
        &raw.settings,
        legacy.filter(|_| !from_file),
        &file,
        known,
        diags,
    );
    let mut kpis: Vec<Kpi> = Vec::new();
    for k in raw.kpi {
        let span = k.span();
        let k = k.into_inner();
        if let Some(kpi) = kpi(k, span, &file, &constants, known, diags) {
            if kpis.iter().any(|x| x.key == kpi.key) {
                diags.push(file.at(
                    span_start(&src, &kpi.key),
                    format!("a second indicator with key `{}`", kpi.key),
                ));
                continue;
            }
            kpis.push(kpi);
        }
    }
    // A legacy `[kpi]` table set the two targets of the built-in indicators.
    if let Some(l) = legacy.filter(|_| !from_file) {
        for (key, v) in [
            ("ack_rate", l.acknowledgement_rate),
            ("satisfaction_rate", l.satisfaction_rate),
        ] {
            if let Some(k) = kpis.iter_mut().find(|k| k.key == key) {
                k.target = Some(KpiTarget {
                    at_least: true,
                    value: v,
                });
            }
        }
    }
    (diags.errors() == before).then_some(KpiSet {
        path: file_path,
        settings,
        kpis,
    })
}

/// Where an indicator's key is written (for duplicate keys), or the file's start.
fn span_start(src: &str, key: &str) -> std::ops::Range<usize> {
    let pat = format!("\"{key}\"");
    let at = src.find(&pat).unwrap_or(0);
    at..at
}

/// The file being read, for diagnostics.
pub(super) struct Source<'a> {
    pub(super) shown: &'a Path,
    pub(super) src: &'a str,
    /// The rule folder's own kpis.toml (not the built-in set).
    pub(super) own: bool,
}

impl Source<'_> {
    pub(super) fn at(&self, span: std::ops::Range<usize>, msg: String) -> Diagnostic {
        Diagnostic::new(self.shown, msg).at_offset(self.src, span.start)
    }
}

/// The typed settings, and every setting as a constant filters may name.
fn settings(
    raw: &BTreeMap<String, Spanned<toml::Value>>,
    legacy: Option<&KpiSettings>,
    file: &Source<'_>,
    known: &Known<'_>,
    diags: &mut Diagnostics,
) -> (Settings, BTreeMap<String, Value>) {
    let mut constants: BTreeMap<String, Value> = BTreeMap::new();
    for (k, v) in raw {
        match constant(v.get_ref()) {
            Some(c) => {
                constants.insert(k.clone(), c);
            }
            None if k == "response_events" => {}
            None => diags.push(file.at(
                v.span(),
                format!("setting `{k}` must be a string, a number or true/false"),
            )),
        }
    }
    let text = |k: &str, default: &str| -> String {
        match constants.get(k) {
            Some(Value::Str(s)) => s.clone(),
            _ => default.to_owned(),
        }
    };
    let number =
        |k: &str, default: f64| constants.get(k).and_then(Value::number).unwrap_or(default);
    let mut s = Settings {
        satisfied_score: number("satisfied_score", 80.0),
        response_events: match raw.get("response_events").map(Spanned::get_ref) {
            Some(toml::Value::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect(),
            _ => vec!["acknowledged".into(), "on_site".into(), "replied".into()],
        },
        repeat_days: number("repeat_days", 30.0) as i64,
        resolution_target: text("resolution_target", "resolve_7wd"),
        second_handling_duty: text("second_handling_duty", "unsatisfied_second_handling"),
        look_back_duty: text("look_back_duty", "unsatisfied_look_back"),
    };
    if let Some(l) = legacy {
        s.satisfied_score = l.satisfied_score;
        s.response_events = l.response_events.clone();
        s.repeat_days = l.repeat_days;
        s.resolution_target = l.resolution_target.clone();
        constants.insert("satisfied_score".into(), Value::Float(l.satisfied_score));
        constants.insert("repeat_days".into(), Value::Int(l.repeat_days));
        constants.insert(
            "resolution_target".into(),
            Value::Str(l.resolution_target.clone()),
        );
        constants.insert(
            "acknowledgement_target".into(),
            Value::Str(l.acknowledgement_target.clone()),
        );
    }
    // Names that would otherwise turn an indicator or list into "n/a" without a word.
    let at = |k: &str| raw.get(k).map_or(0..0, Spanned::span);
    let names: Vec<&str> = known
        .targets
        .targets
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    if known.targets.index(&s.resolution_target).is_none() {
        diags.push(
            file.at(
                at("resolution_target"),
                format!(
                    "`resolution_target` is `{}`, which no loaded SLA preset defines; the 红黑榜's overdue counts will be 0",
                    s.resolution_target
                ),
            )
            .warning()
            .help(hint(&s.resolution_target, &names, "targets")),
        );
    }
    for e in &s.response_events {
        if !known.events.contains(e) {
            let events: Vec<&str> = known.events.iter().map(String::as_str).collect();
            diags.push(
                file.at(
                    at("response_events"),
                    format!("`response_events` lists `{e}`, which is not an event"),
                )
                .help(hint(e, &events, "events")),
            );
        }
    }
    (s, constants)
}

pub(super) fn hint(word: &str, names: &[&str], what: &str) -> String {
    match did_you_mean(word, names.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("{what}: {}", names.join(", ")),
    }
}

fn constant(v: &toml::Value) -> Option<Value> {
    Some(match v {
        toml::Value::String(s) => Value::Str(s.clone()),
        toml::Value::Integer(i) => Value::Int(*i),
        toml::Value::Float(f) => Value::Float(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        _ => return None,
    })
}

fn kpi(
    k: RawKpi,
    span: std::ops::Range<usize>,
    file: &Source<'_>,
    constants: &BTreeMap<String, Value>,
    known: &Known<'_>,
    diags: &mut Diagnostics,
) -> Option<Kpi> {
    let key = k.key.get_ref().clone();
    let before = diags.errors();
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        diags.push(file.at(
            k.key.span(),
            format!(
                "key `{key}`: use letters, digits and `_` (it names the indicator in templates)"
            ),
        ));
    }
    let over = match &k.over {
        None => Over::Complaints,
        Some(o) => match Over::parse(o.get_ref()) {
            Some(x) => x,
            None => {
                diags.push(
                    file.at(o.span(), format!("`over` is `{}`", o.get_ref()))
                        .help("expected `complaints`, `verdicts` or `findings`"),
                );
                Over::Complaints
            }
        },
    };
    let scope = Scope {
        over,
        strict: file.own,
        constants,
        known,
    };
    let filter = |s: &Option<Spanned<String>>, diags: &mut Diagnostics| -> Filter {
        match s {
            None => Filter::True,
            Some(s) => compile(s, file, &scope, diags).unwrap_or(Filter::True),
        }
    };
    let measure = match (
        &k.count,
        &k.numerator,
        &k.denominator,
        &k.median,
        &k.quantile,
    ) {
        (Some(_), None, None, None, None) => Measure::Count(filter(&k.count, diags)),
        (None, Some(_), Some(_), None, None) => Measure::Ratio {
            numerator: filter(&k.numerator, diags),
            denominator: filter(&k.denominator, diags),
        },
        (None, None, None, median, quantile)
            if over == Over::Complaints && (median.is_some() != quantile.is_some()) =>
        {
            let (column, q) = match (median, &k.quantile, &k.value) {
                (Some(c), None, _) => (c.clone(), 0.5),
                (None, Some(q), Some(v)) => (v.clone(), *q.get_ref()),
                _ => {
                    diags.push(file.at(
                        span.clone(),
                        format!("indicator `{key}`: `quantile` needs `value`, the column"),
                    ));
                    return None;
                }
            };
            if let Some(q) = &k.quantile
                && !(0.0..=1.0).contains(q.get_ref())
            {
                diags.push(file.at(q.span(), "`quantile` must be between 0 and 1".into()));
            }
            match scope.column_type(column.get_ref()) {
                Some(ColumnType::Number) => {}
                Some(_) => diags.push(file.at(
                    column.span(),
                    format!(
                        "`{}` is not a number column; a quantile needs one",
                        column.get_ref()
                    ),
                )),
                None => diags.push(scope.unknown(column.get_ref(), column.span(), file)),
            }
            Measure::Quantile {
                column: column.into_inner(),
                q,
                filter: filter(&k.filter, diags),
            }
        }
        _ => {
            diags.push(
                file.at(span.clone(), format!("indicator `{key}` needs exactly one measure"))
                    .help("`count = \"<filter>\"`, or `numerator` and `denominator`, or (over complaints) `median = \"<column>\"` or `quantile` with `value`"),
            );
            return None;
        }
    };
    let unit = match k.unit.as_ref().map(|u| (u.get_ref().as_str(), u.span())) {
        None => match measure {
            Measure::Ratio { .. } => Unit::Rate,
            Measure::Count(_) => Unit::Count,
            Measure::Quantile { .. } => Unit::Minutes,
        },
        Some(("count", _)) => Unit::Count,
        Some(("rate", _)) => Unit::Rate,
        Some(("minutes", _)) => Unit::Minutes,
        Some(("hours", _)) => Unit::Hours,
        Some((other, sp)) => {
            diags.push(
                file.at(sp, format!("unknown unit `{other}`"))
                    .help("expected `count`, `rate`, `minutes` or `hours`"),
            );
            Unit::Count
        }
    };
    let target = k
        .target
        .as_ref()
        .and_then(|t| match parse_target(t.get_ref(), unit) {
            Ok(x) => Some(x),
            Err(e) => {
                diags.push(file.at(t.span(), e));
                None
            }
        });
    let higher_is_better = match k.better.as_ref().map(|b| (b.get_ref().as_str(), b.span())) {
        None => target.is_some_and(|t| t.at_least),
        Some(("higher", _)) => true,
        Some(("lower", _)) => false,
        Some((other, sp)) => {
            diags.push(file.at(
                sp,
                format!("`better` is `{other}`; expected `higher` or `lower`"),
            ));
            true
        }
    };
    let mut sections = Vec::new();
    for s in k
        .sections
        .unwrap_or_else(|| vec![Spanned::new(0..0, "cards".to_owned())])
    {
        match s.get_ref().as_str() {
            "cards" => sections.push(Section::Cards),
            "trend" => sections.push(Section::Trend),
            other => diags.push(
                file.at(s.span(), format!("unknown section `{other}`"))
                    .help("expected `cards` (the indicator cards and the workbook's sheet) or `trend`"),
            ),
        }
    }
    (diags.errors() == before).then(|| Kpi {
        name_en: k.name_en.unwrap_or_else(|| k.name.clone()),
        name: k.name,
        key,
        source: k.source,
        over,
        measure,
        unit,
        decimals: k.decimals.unwrap_or(match unit {
            Unit::Minutes | Unit::Count => 0,
            Unit::Rate | Unit::Hours => 1,
        }),
        target,
        higher_is_better,
        needs_event_log: k.needs_event_log,
        sections,
    })
}

/// `>= 90%`, `<= 3%`, `>= 0.9`, `<= 120` (minutes).
fn parse_target(s: &str, unit: Unit) -> Result<KpiTarget, String> {
    let t = s.trim();
    let (at_least, rest) = if let Some(r) = t.strip_prefix(">=").or_else(|| t.strip_prefix('≥')) {
        (true, r)
    } else if let Some(r) = t.strip_prefix("<=").or_else(|| t.strip_prefix('≤')) {
        (false, r)
    } else {
        return Err(format!(
            "target `{s}`: write `>= 90%` or `<= 3%` (at least or at most)"
        ));
    };
    let rest = rest.trim();
    let (num, pct) = match rest.strip_suffix('%') {
        Some(n) => (n.trim(), true),
        None => (rest, false),
    };
    let v: f64 = num
        .parse()
        .map_err(|_| format!("target `{s}`: `{num}` is not a number"))?;
    let value = if pct { v / 100.0 } else { v };
    if pct && unit != Unit::Rate {
        return Err(format!("target `{s}`: a percentage only fits a rate"));
    }
    Ok(KpiTarget { at_least, value })
}
