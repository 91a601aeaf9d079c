//! Test cases kept beside the rules (`rules/tests/*.test.toml`), run by `complaints test` the
//! way `vector test` runs pipeline tests. Format (documented in `docs/RULES.md`):
//!
//! ```toml
//! [[case]]
//! name = "電梯困人 in traditional characters is level Ⅰ (002)"
//! rule = "classify"                       # classify (default) or sla
//! input = { 投诉内容 = "3棟電梯困人", 投诉时间 = "2026-10-01 08:00" }
//! expect = { level = "I", category = "电梯" }
//!
//! [[case]]
//! name = "Ⅲ reply: 5 working days across 国庆 (002 T05)"
//! rule = "sla"
//! presets = ["three_level"]               # optional: which SLA presets to load
//! as_of = "2026-11-01T00:00:00+08:00"
//! outputs = { level = "III" }             # optional: skip classify, use these outputs
//! input = { received_at = "2026-09-24 14:00", replied_at = "2026-10-09 16:00" }
//! expect.reply_5wd = { status = "met", due_at = "2026-10-09 18:00:00" }
//! ```
//!
//! Inputs go through the same normalization as real rows (headers or canonical names); a
//! missing `complaint_id` or `received_at` gets a placeholder so a case can omit them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::config::Config;
use crate::diagnostic::{Diagnostic, display_path};
use crate::pipeline::normalize::Profile;
use crate::pipeline::rules::RuleSet;
use crate::pipeline::rules::classify::{EvalMode, RuleValue};
use crate::pipeline::rules::engine::TraceEvent;
use crate::pipeline::sla::{Timeline, Verdict, calendar_for};
use crate::pipeline::{NoSink, Run, RunOptions};
use crate::rejects::RejectReason;
use crate::time::Ts;

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
    #[serde(default)]
    case: Vec<toml::Spanned<RawCase>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: String,
    #[serde(default = "default_rule")]
    rule: String,
    as_of: Option<String>,
    presets: Option<Vec<String>>,
    #[serde(default)]
    input: toml::Table,
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

/// Test files under `paths` (files or folders), sorted.
pub fn test_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(p)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter(|f| f.to_string_lossy().ends_with(".test.toml"))
                .collect();
            v.sort();
            out.extend(v);
        } else {
            out.push(p.clone());
        }
    }
    out
}

/// Runs every case of one file. File-level problems (bad TOML, unknown keys) are diagnostics.
pub fn run_file(path: &Path, cfg: &Config, rules: &RuleSet) -> Result<Vec<CaseResult>, Diagnostic> {
    let shown = display_path(path);
    let src = std::fs::read_to_string(path).map_err(|e| Diagnostic::new(&shown, e.to_string()))?;
    let file: TestFile =
        toml::from_str(&src).map_err(|e| crate::config::toml_diagnostic(&shown, &src, &e))?;
    let mut cache: BTreeMap<Vec<String>, RuleSet> = BTreeMap::new();
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
        if case.presets.is_none() {
            case.presets.clone_from(&file.presets);
        }
        let mut result = CaseResult {
            file: shown.display().to_string(),
            index: i + 1,
            line,
            name: case.name.clone(),
            rule: case.rule.clone(),
            failure: None,
        };
        let ruleset = match &case.presets {
            None => rules,
            Some(p) => {
                if !cache.contains_key(p) {
                    let mut c = cfg.clone();
                    c.sla.presets = Some(
                        p.iter()
                            .map(|s| toml::Spanned::new(0..0, s.clone()))
                            .collect(),
                    );
                    // Duties may name targets of presets a case does not load; cases do not
                    // exercise duties.
                    c.audit.duties = Some(Vec::new());
                    match RuleSet::load(&c) {
                        Ok(r) => {
                            cache.insert(p.clone(), r);
                        }
                        Err(e) => {
                            result.failure = Some(format!("cannot load presets {p:?}: {e}"));
                            out.push(result);
                            continue;
                        }
                    }
                }
                &cache[p]
            }
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

fn run_case(case: &RawCase, cfg: &Config, rules: &RuleSet, scratch: &Path) -> Result<(), String> {
    let zone = &cfg.zone;
    let as_of: Ts = match &case.as_of {
        Some(s) => crate::config::parse_as_of(s, zone)?,
        None => cfg.as_of,
    };
    // A one-row export built from the input map, judged the way `run` judges an export.
    let mut headers: Vec<String> = case.input.keys().cloned().collect();
    let mut cells: Vec<String> = case.input.values().map(value_text).collect();
    let profile = Profile::new(&cfg.profile);
    let has = |f: crate::model::Field, headers: &[String]| {
        headers
            .iter()
            .any(|h| profile.field_for(h).is_some_and(|(g, _)| g == f))
    };
    if !has(crate::model::Field::ComplaintId, &headers) {
        headers.push("complaint_id".into());
        cells.push("TEST-1".into());
    }
    if !has(crate::model::Field::ReceivedAt, &headers) {
        headers.push("received_at".into());
        cells.push("2026-10-12 09:00:00".into());
    }
    let input = scratch.join(format!(
        "case-{}.csv",
        CASES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let written = (|| -> std::io::Result<()> {
        let mut w = csv::Writer::from_path(&input)?;
        w.write_record(&headers)?;
        w.write_record(&cells)?;
        w.flush()
    })();
    written.map_err(|e| format!("cannot write the case's export {}: {e}", input.display()))?;
    let mut c = cfg.clone();
    c.inputs = vec![input.clone()];
    c.events = Vec::new();
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
    let judged = Run::judging(
        &c,
        rules,
        RunOptions {
            mode,
            ..RunOptions::default()
        },
    )
    .judge(&mut NoSink);
    let _ = std::fs::remove_file(&input);
    let judged = judged.map_err(|e| e.to_string())?;
    let cls = &judged.assessed.complaints.classified;
    // What the rule printed (the case's one evaluation).
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
    let Some(complaint) = cls.complaints.first() else {
        return Err("the case's row was neither accepted nor rejected".into());
    };
    // Outputs by name, as the script's map lists them.
    let mut outs: Vec<(String, RuleValue)> = cls
        .columns
        .iter()
        .cloned()
        .zip(cls.values[0].iter().cloned())
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
            let c = complaint;
            let verdicts = &judged.assessed.verdicts.of(0).map_err(|e| e.to_string())?;
            let tl = Timeline::new(c, &[], as_of);
            for (target, want) in &case.expect {
                let Some(ti) = rules.targets.index(target) else {
                    let names: Vec<&str> = rules
                        .targets
                        .targets
                        .iter()
                        .map(|t| t.name.as_str())
                        .collect();
                    return Err(format!(
                        "no target `{target}` is loaded (loaded: {})",
                        names.join(", ")
                    ));
                };
                let got = verdicts.iter().find(|v| v.target as usize == ti);
                let want = match want {
                    toml::Value::Table(t) => t.clone(),
                    toml::Value::String(s) if s == "none" => {
                        return match got {
                            None => continue,
                            Some(v) => Err(format!(
                                "`{target}` should not apply, but has status {}",
                                v.status.name()
                            )),
                        };
                    }
                    _ => {
                        return Err(format!(
                            "expect.{target} must be a table of verdict fields, or \"none\""
                        ));
                    }
                };
                let Some(v) = got else {
                    return Err(format!(
                        "`{target}` does not apply to this complaint (its `when` did not match)"
                    ));
                };
                let fields = verdict_fields(v, zone);
                for (k, w) in &want {
                    let g = fields.get(k.as_str()).cloned().ok_or_else(|| {
                        format!(
                            "unknown verdict field `{k}` (fields: {})",
                            fields.keys().copied().collect::<Vec<_>>().join(", ")
                        )
                    })?;
                    if g != value_text(w) {
                        let t = &rules.targets.targets[ti];
                        let (cal, _) = calendar_for(
                            rules,
                            t.calendar.as_deref(),
                            c,
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
                            show(&value_text(w)),
                            show(&g)
                        ));
                    }
                }
            }
            Ok(())
        }
        other => Err(format!("unknown rule `{other}` (expected classify or sla)")),
    }
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

/// The fields of a verdict a test can check, as text.
pub fn verdict_fields(v: &Verdict, zone: &crate::time::Zone) -> BTreeMap<&'static str, String> {
    let t = |x: Option<Ts>| x.map(|t| zone.format(t)).unwrap_or_default();
    BTreeMap::from([
        ("status", v.status.name().to_owned()),
        ("start_at", t(v.start)),
        ("due_at", t(v.due)),
        ("stopped_at", t(v.stop)),
        ("calendar", v.calendar.to_string()),
        (
            "elapsed_working_minutes",
            crate::output::minutes(v.elapsed_work),
        ),
        (
            "elapsed_calendar_minutes",
            crate::output::minutes(v.elapsed_cal),
        ),
        ("limit_minutes", crate::output::minutes(v.limit)),
        ("minutes_over", crate::output::minutes(v.over_cal)),
        ("working_minutes_over", crate::output::minutes(v.over_work)),
        ("warning", v.warning.to_string()),
        ("note", v.note.clone().unwrap_or_default()),
    ])
}
