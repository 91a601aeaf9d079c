//! Test cases kept beside the rules (`rules/tests/*.test.toml`), run by `complaints test` the
//! way `vector test` runs pipeline tests. Format (documented in `docs/RULES.md`):
//!
//! ```toml
//! [[case]]
//! name = "電梯困人 in traditional characters is level Ⅰ (002)"
//! rule = "classify"                       # classify (default), sla or duty
//! input = { 投诉内容 = "3棟電梯困人", 投诉时间 = "2026-10-01 08:00" }
//! expect = { level = "I", category = "电梯" }
//!
//! [[case]]
//! name = "Ⅲ reply: 5 working days across 国庆 (002 T05)"
//! rule = "sla"
//! presets = ["three_level"]               # optional: which SLA presets to load, or
//! procedure = "002"                       # a procedure bundle, and/or `duties = [...]`
//! as_of = "2026-11-01T00:00:00+08:00"
//! outputs = { level = "III" }             # optional: skip classify, use these outputs
//! input = { received_at = "2026-09-24 14:00", replied_at = "@" }
//! boundary = "2026-10-09 18:00:00"        # `@` at the limit - 1 s, at it, + 1 s
//! expect.reply_5wd = {}                   # met, met, breached; due_at = the boundary
//!
//! [[case]]
//! name = "重要: escalated 1 h after acceptance (003-H11 E26)"
//! rule = "duty"
//! events = [{ type = "升级", at = "2026-10-12 10:00", role = "客服", to_role = "客服主管" }]
//! expect.important_to_supervisor = { status = "compliant" }
//! ```
//!
//! Inputs go through the same normalization as real rows (headers or canonical names); a
//! missing `complaint_id` or `received_at` gets a placeholder so a case can omit them. `rows`
//! adds more complaints (a team duty needs several); `events` is the case's event log.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::expect;
use crate::config::Config;
use crate::diagnostic::{Diagnostic, display_path};
use crate::pipeline::audit::AuditFinding;
use crate::pipeline::normalize::Profile;
use crate::pipeline::rules::RuleSet;
use crate::pipeline::rules::classify::{EvalMode, RuleValue};
use crate::pipeline::rules::engine::TraceEvent;
use crate::pipeline::rules::presets::OneOrMany;
use crate::pipeline::sla::{Timeline, calendar_for};
use crate::pipeline::{Partition, Run, RunOptions, Sink};
use crate::rejects::RejectReason;
use crate::time::Ts;

/// The read-buffer size for a case's one-row export (and event log).
const CASE_CHUNK_BYTES: usize = 64 << 10;

/// Numbers the cases' one-row exports.
static CASES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A test file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestFile {
    /// Default `as_of` for the file's cases (a case's own wins).
    as_of: Option<String>,
    /// Default presets for the file's cases.
    presets: Option<Vec<String>>,
    /// Default duty presets.
    duties: Option<Vec<String>>,
    /// Default procedure bundle(s).
    procedure: Option<OneOrMany>,
    #[serde(default)]
    case: Vec<toml::Spanned<RawCase>>,
}

/// One row of a case's event log.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    /// The operation name (`升级`) or event type (`escalated`).
    #[serde(rename = "type")]
    kind: String,
    /// When; `@` in a boundary case.
    at: String,
    /// The complaint (default: the case's first row).
    complaint_id: Option<String>,
    actor: Option<String>,
    role: Option<String>,
    to_role: Option<String>,
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: String,
    #[serde(default = "default_rule")]
    rule: String,
    as_of: Option<String>,
    presets: Option<Vec<String>>,
    duties: Option<Vec<String>>,
    procedure: Option<OneOrMany>,
    #[serde(default)]
    input: toml::Table,
    /// More complaints, after `input`.
    #[serde(default)]
    rows: Vec<toml::Table>,
    #[serde(default)]
    events: Vec<RawEvent>,
    /// The limit: `@` is set one second before it, at it and one second after it.
    boundary: Option<String>,
    #[serde(default)]
    outputs: toml::Table,
    #[serde(default)]
    expect: toml::Table,
    expect_error: Option<String>,
}

fn default_rule() -> String {
    "classify".into()
}

/// One case's result.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// `file.test.toml`.
    pub file: String,
    /// 1-based case number.
    pub index: usize,
    /// Line of the case.
    pub line: usize,
    /// Case name.
    pub name: String,
    /// `classify` or `sla`.
    pub rule: String,
    /// `None` when it passed, else what went wrong.
    pub failure: Option<String>,
}

/// Test files under `paths` (files, or folders of `*.test.toml`), in order.
pub fn test_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    paths
        .iter()
        .flat_map(|p| {
            if p.is_dir() {
                crate::pipeline::rules::procedures::cases::test_files(p)
            } else {
                vec![p.clone()]
            }
        })
        .collect()
}

/// The rule selection a case asks for: procedure bundles, presets, duty presets.
type Selection = (
    Option<Vec<String>>,
    Option<Vec<String>>,
    Option<Vec<String>>,
);

/// The config a case's selection gives: the one selection model of `run` (procedure, then
/// `presets` and `duties`). A case that names presets alone loads no duties, as it always did:
/// duties may name targets of presets it does not load.
fn selected(cfg: &Config, (procedure, presets, duties): &Selection) -> Config {
    let spanned = |v: &Vec<String>| -> Vec<toml::Spanned<String>> {
        v.iter()
            .map(|s| toml::Spanned::new(0..0, s.clone()))
            .collect()
    };
    let mut c = cfg.clone();
    c.procedures = procedure.as_ref().map(spanned);
    c.sla.presets = presets.as_ref().map(spanned);
    c.audit.duties = match (duties, procedure, presets) {
        (Some(d), _, _) => Some(spanned(d)),
        (None, None, Some(_)) => Some(Vec::new()),
        (None, _, _) => None,
    };
    c
}

/// Runs every case of one file. File-level problems (bad TOML, unknown keys) are diagnostics.
pub fn run_file(path: &Path, cfg: &Config, rules: &RuleSet) -> Result<Vec<CaseResult>, Diagnostic> {
    let shown = display_path(path);
    let src = std::fs::read_to_string(path).map_err(|e| Diagnostic::new(&shown, e.to_string()))?;
    let file: TestFile =
        toml::from_str(&src).map_err(|e| crate::config::toml_diagnostic(&shown, &src, &e))?;
    let mut cache: BTreeMap<Selection, RuleSet> = BTreeMap::new();
    let mut out = Vec::new();
    // Where the cases' one-row exports are written (and removed again).
    let scratch = std::env::temp_dir().join(format!("complaints-test-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)
        .map_err(|e| Diagnostic::new(display_path(&scratch), e.to_string()))?;
    for (i, case) in file.case.into_iter().enumerate() {
        let line = crate::diagnostic::line_col(&src, case.span().start).0;
        let mut case = case.into_inner();
        if case.as_of.is_none() {
            case.as_of.clone_from(&file.as_of);
        }
        // A case's own selection replaces the file's as a whole.
        if case.presets.is_none() && case.duties.is_none() && case.procedure.is_none() {
            case.presets.clone_from(&file.presets);
            case.duties.clone_from(&file.duties);
            case.procedure.clone_from(&file.procedure);
        }
        let mut result = CaseResult {
            file: shown.display().to_string(),
            index: i + 1,
            line,
            name: case.name.clone(),
            rule: case.rule.clone(),
            failure: None,
        };
        let key: Selection = (
            case.procedure.clone().map(OneOrMany::into_vec),
            case.presets.clone(),
            case.duties.clone(),
        );
        let ruleset = if key == (None, None, None) {
            rules
        } else {
            if !cache.contains_key(&key) {
                match RuleSet::load(&selected(cfg, &key)) {
                    Ok(r) => {
                        cache.insert(key.clone(), r);
                    }
                    Err(e) => {
                        result.failure = Some(format!("cannot load the rules the case names: {e}"));
                        out.push(result);
                        continue;
                    }
                }
            }
            &cache[&key]
        };
        result.failure = run_case(&case, cfg, ruleset, &scratch).err();
        out.push(result);
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(out)
}

fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(d) => d.to_string(),
        other => other.to_string(),
    }
}

/// The placeholder a boundary case puts where the stop or the action happens.
const AT_LIMIT: &str = "@";

/// Runs a case: once, or for a boundary case three times, with `@` one second before the
/// limit, at it and one second after it (met, met, breached; compliant, compliant, late).
fn run_case(case: &RawCase, cfg: &Config, rules: &RuleSet, scratch: &Path) -> Result<(), String> {
    let Some(b) = &case.boundary else {
        return judge_and_check(case, cfg, rules, scratch, None);
    };
    let zone = &cfg.zone;
    let limit = crate::time::parse_timestamp(b, zone)
        .map_err(|_| format!("`boundary = \"{b}\"` is not a timestamp"))?;
    let marked = case.input.values().any(|v| v.as_str() == Some(AT_LIMIT))
        || case.events.iter().any(|e| e.at == AT_LIMIT);
    if !marked {
        return Err(format!(
            "a boundary case needs `{AT_LIMIT}` where the stop or the action happens (an input cell or an event's `at`)"
        ));
    }
    for offset in [-1, 0, 1] {
        let at = Boundary {
            limit: zone.format(limit),
            offset,
            value: zone.format(limit + offset),
        };
        judge_and_check(case, cfg, rules, scratch, Some(&at))
            .map_err(|e| format!("with `{AT_LIMIT}` = {}: {e}", at.value))?;
    }
    Ok(())
}

/// One run of a boundary case.
pub struct Boundary {
    /// The limit, as text.
    pub limit: String,
    /// Seconds from it: -1, 0 or 1.
    pub offset: i64,
    /// `@` in this run.
    pub value: String,
}

/// Collects the duty findings of the case's complaints, in full.
#[derive(Default)]
struct Findings(Vec<AuditFinding>);

impl Sink for Findings {
    fn partition(&mut self, p: &Partition<'_>) -> crate::error::Result<()> {
        self.0.extend(p.findings.iter().cloned());
        Ok(())
    }
    fn team(&mut self, findings: &[AuditFinding]) -> crate::error::Result<()> {
        self.0.extend(findings.iter().cloned());
        Ok(())
    }
}

/// Writes a CSV file into the scratch folder, named after the case number.
fn write_csv(path: &Path, rows: &[Vec<String>]) -> Result<(), String> {
    let written = (|| -> std::io::Result<()> {
        let mut w = csv::Writer::from_path(path)?;
        for r in rows {
            w.write_record(r)?;
        }
        w.flush()
    })();
    written.map_err(|e| format!("cannot write the case's file {}: {e}", path.display()))
}

fn judge_and_check(
    case: &RawCase,
    cfg: &Config,
    rules: &RuleSet,
    scratch: &Path,
    boundary: Option<&Boundary>,
) -> Result<(), String> {
    let zone = &cfg.zone;
    let as_of: Ts = match &case.as_of {
        Some(s) => crate::config::parse_as_of(s, zone)?,
        None => cfg.as_of,
    };
    let fill = |v: String| match boundary {
        Some(b) if v == AT_LIMIT => b.value.clone(),
        _ => v,
    };
    // The case's export, judged the way `run` judges an export: `input`, then `rows`.
    let tables: Vec<&toml::Table> = std::iter::once(&case.input).chain(&case.rows).collect();
    let mut headers: Vec<String> = Vec::new();
    for t in &tables {
        for k in t.keys() {
            if !headers.contains(k) {
                headers.push(k.clone());
            }
        }
    }
    let profile = Profile::new(&cfg.profile);
    let has = |f: crate::model::Field, headers: &[String]| {
        headers
            .iter()
            .any(|h| profile.field_for(h).is_some_and(|(g, _)| g == f))
    };
    let given = headers.len();
    let id_given = has(crate::model::Field::ComplaintId, &headers);
    if !id_given {
        headers.push("complaint_id".into());
    }
    if !has(crate::model::Field::ReceivedAt, &headers) {
        headers.push("received_at".into());
    }
    let mut rows = vec![headers.clone()];
    for (n, t) in tables.iter().enumerate() {
        let mut r: Vec<String> = headers[..given]
            .iter()
            .map(|h| t.get(h).map(value_text).map(&fill).unwrap_or_default())
            .collect();
        if !id_given {
            r.push(format!("TEST-{}", n + 1));
        }
        if r.len() < headers.len() {
            r.push("2026-10-12 09:00:00".into());
        }
        rows.push(r);
    }
    let id_col = headers
        .iter()
        .position(|h| {
            profile
                .field_for(h)
                .is_some_and(|(g, _)| g == crate::model::Field::ComplaintId)
        })
        .unwrap_or(given);
    let first_id = rows[1][id_col].clone();
    let n = CASES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let input = scratch.join(format!("case-{n}.csv"));
    write_csv(&input, &rows)?;
    let mut c = cfg.clone();
    c.inputs = vec![input.clone()];
    c.events = Vec::new();
    let log = scratch.join(format!("case-{n}-events.csv"));
    if !case.events.is_empty() {
        // The generator's event-log header: the built-in aliases read it.
        let mut ev = vec![complaints_sample::EVENT_COLUMNS.map(str::to_owned).to_vec()];
        for e in &case.events {
            let opt = |x: &Option<String>| x.clone().unwrap_or_default();
            ev.push(vec![
                e.complaint_id.clone().unwrap_or_else(|| first_id.clone()),
                fill(e.at.clone()),
                e.kind.clone(),
                opt(&e.actor),
                opt(&e.role),
                opt(&e.to_role),
                opt(&e.note),
            ]);
        }
        write_csv(&log, &ev)?;
        c.events = vec![log.clone()];
    }
    c.roster = None;
    c.as_of = as_of;
    c.strict = false;
    // A case's one row failing is what `expect_error` checks, not a reason to stop.
    c.max_rule_errors = crate::rejects::RejectLimit::Percent(100.0);
    c.period = None;
    c.record_tables = false;
    c.parquet = false;
    let mode = if case.outputs.is_empty() {
        EvalMode::Auto
    } else {
        EvalMode::Fixed(
            case.outputs
                .iter()
                .map(|(k, v)| (k.clone(), RuleValue::Str(value_text(v).into())))
                .collect(),
        )
    };
    let mut findings = Findings::default();
    let judged = Run::judging(
        &c,
        rules,
        RunOptions {
            mode,
            // A case's export is a row or a few: a small read buffer instead of the default
            // 8 MiB one, which a debug build takes a tenth of a second to zero, for every case.
            chunk_bytes: CASE_CHUNK_BYTES,
            ..RunOptions::default()
        },
    )
    .judge(&mut findings);
    let _ = std::fs::remove_file(&input);
    let _ = std::fs::remove_file(&log);
    let judged = judged.map_err(|e| e.to_string())?;
    let cls = &judged.assessed.complaints.classified;
    // What the rule printed (the case's first evaluation).
    let prints: String = cls
        .traces
        .first()
        .into_iter()
        .flatten()
        .filter_map(|e| match e {
            TraceEvent::Print { text } => Some(format!("\n    print: {text}")),
            TraceEvent::TableHit { .. } => None,
        })
        .collect();
    if let Some(r) = judged.rejects.issues.first() {
        let msg = if matches!(r.reason, RejectReason::RuleError | RejectReason::RuleReject) {
            r.message.clone()
        } else {
            format!("rejected ({}): {}", r.reason.code(), r.message)
        };
        return expect_error(case, &msg, &prints);
    }
    // The complaint under test is the first row's.
    let Some(pos) = judged.assessed.position(&first_id) else {
        return Err("the case's row was neither accepted nor rejected".into());
    };
    let complaint = &cls.complaints[pos];
    // Outputs by name, as the script's map lists them.
    let mut outs: Vec<(String, RuleValue)> = cls
        .columns
        .iter()
        .cloned()
        .zip(cls.values[pos].iter().cloned())
        .filter(|(_, v)| *v != RuleValue::Absent)
        .collect();
    outs.sort_by(|a, b| a.0.cmp(&b.0));
    match case.rule.as_str() {
        "classify" => {
            if case.expect_error.is_some() {
                return Err(format!(
                    "expected an error, got Ok:\n    {}{prints}",
                    show_outputs(&outs)
                ));
            }
            for (k, want) in &case.expect {
                let got = outs.iter().find(|(n, _)| n == k).map(|(_, v)| v.text(zone));
                if got.as_deref() != Some(value_text(want).as_str()) {
                    return Err(format!(
                        "`{k}`: expected {}, got {}\n    actual: {}{prints}",
                        show(&value_text(want)),
                        got.map_or_else(|| "nothing".to_owned(), |g| show(&g)),
                        show_outputs(&outs)
                    ));
                }
            }
            Ok(())
        }
        "sla" => {
            let verdicts = &judged
                .assessed
                .verdicts
                .of(pos)
                .map_err(|e| e.to_string())?;
            let window = judged
                .assessed
                .events
                .window(pos..pos + 1)
                .map_err(|e| e.to_string())?;
            let logged = window.at(pos);
            let tl = Timeline::new(complaint, logged, as_of);
            for (target, want) in &case.expect {
                let Some(ti) = rules.targets.index(target) else {
                    let names = rules.targets.targets.iter().map(|t| t.name.as_str());
                    return Err(not_loaded("target", target, names));
                };
                let got = crate::pipeline::sla::verdict_for(verdicts, ti);
                let Some(want) = wanted(target, want, got.is_some(), boundary)? else {
                    continue;
                };
                let v = got.expect("`wanted` returns a table only when the target applies");
                let fields = expect::verdict_fields(v, rules.calendar_name(v.calendar), zone);
                if let Err((k, w, g)) = expect::compare(expect::Kind::Verdict, &fields, &want) {
                    let t = &rules.targets.targets[ti];
                    let (cal, _) = calendar_for(
                        rules,
                        t.calendar.as_deref(),
                        complaint,
                        &judged.assessed.complaints.classified.dicts,
                        &cfg.sla.project_calendars,
                    );
                    let why = crate::pipeline::explain::clock::clock(
                        t,
                        v,
                        &tl,
                        cal,
                        zone,
                        as_of,
                        &rules.targets.targets,
                        crate::format::Lang::En,
                    )
                    .lines()
                    .join("\n    ");
                    return Err(format!(
                        "`{target}.{k}`: expected {}, got {}\n    {why}",
                        show(&w),
                        show(&g)
                    ));
                }
            }
            Ok(())
        }
        "duty" => {
            for (duty, want) in &case.expect {
                let team = rules.duties.team_duties.iter().any(|d| d.name == *duty);
                if !team && !rules.duties.duties.iter().any(|d| d.name == *duty) {
                    let names = rules.duties.duties.iter().map(|d| d.name.as_str());
                    return Err(not_loaded("duty", duty, names));
                }
                let got = findings.0.iter().find(|f| {
                    f.duty == *duty && (f.team_level || f.complaint == u32::try_from(pos).ok())
                });
                let Some(want) = wanted(duty, want, got.is_some(), boundary)? else {
                    continue;
                };
                let f = got.expect("`wanted` returns a table only when the duty applies");
                let fields = expect::finding_fields(f, zone);
                if let Err((k, w, g)) = expect::compare(expect::Kind::Finding, &fields, &want) {
                    return Err(format!(
                        "`{duty}.{k}`: expected {}, got {}\n    note: {}",
                        show(&w),
                        show(&g),
                        f.note
                    ));
                }
            }
            Ok(())
        }
        other => Err(format!(
            "unknown rule `{other}` (expected classify, sla or duty)"
        )),
    }
}

/// What to compare for `expect.<name>`: `None` when `"none"` holds (it must not apply), else the
/// fields, with a boundary run's status and limit added.
fn wanted(
    name: &str,
    want: &toml::Value,
    applies: bool,
    boundary: Option<&Boundary>,
) -> Result<Option<BTreeMap<String, String>>, String> {
    let table = match want {
        toml::Value::Table(t) => t,
        toml::Value::String(s) if s == "none" => {
            return if applies {
                Err(format!("`{name}` should not apply, but it does"))
            } else {
                Ok(None)
            };
        }
        _ => {
            return Err(format!(
                "expect.{name} must be a table of fields, or \"none\""
            ));
        }
    };
    if !applies {
        return Err(format!(
            "`{name}` does not apply to this complaint (its `when` did not match)"
        ));
    }
    let mut fields: BTreeMap<String, String> = table
        .iter()
        .map(|(k, v)| (k.clone(), value_text(v)))
        .collect();
    if let Some(b) = boundary {
        if fields.contains_key("status") {
            return Err(format!(
                "expect.{name}: a boundary case sets the status itself (met or compliant at the limit, breached or late after it)"
            ));
        }
        // Other fields describe the run at the limit.
        if b.offset != 0 {
            fields.clear();
        }
        fields.insert("status".into(), expect::BOUNDARY_STATUS.into());
        fields.insert("limit".into(), b.limit.clone());
        fields.insert("offset".into(), b.offset.to_string());
    }
    Ok(Some(fields))
}

/// "no duty `x` is loaded (loaded: a, b)": a case names what its selection did not load.
fn not_loaded<'a>(what: &str, name: &str, loaded: impl Iterator<Item = &'a str>) -> String {
    format!(
        "no {what} `{name}` is loaded (loaded: {})",
        loaded.collect::<Vec<_>>().join(", ")
    )
}

fn expect_error(case: &RawCase, msg: &str, prints: &str) -> Result<(), String> {
    match &case.expect_error {
        Some(want) if msg.contains(want.as_str()) => Ok(()),
        Some(want) => Err(format!(
            "expected an error containing {}, got:\n    {msg}{prints}",
            show(want)
        )),
        None => Err(format!("error: {msg}{prints}")),
    }
}

fn show(s: &str) -> String {
    format!("\"{s}\"")
}

fn show_outputs(o: &[(String, RuleValue)]) -> String {
    let zone = crate::time::Zone::from_name("UTC").expect("utc");
    let parts: Vec<String> = o
        .iter()
        .map(|(k, v)| format!("{k} = {}", show(&v.text(&zone))))
        .collect();
    format!("{{ {} }}", parts.join(", "))
}
