//! The rhai engine every rule runs in, configured once: sandboxed, limited, and with the
//! helper functions of `docs/RULES.md` registered natively (keyword tables, text matching,
//! regular expressions, date parts and the business calendars).
//!
//! Safety settings, and why:
//! - no module resolver: the default one can `import` any `.rhai` file from disk;
//! - `eval` disabled, no clock (`no_time`): a rule sees only its record, so results are
//!   reproducible and can be computed once per distinct input;
//! - strict variables and failing map-property access: a misspelled name is an error, not a
//!   silent `()`;
//! - limits on operations, call depth, expression depth, string, array and map sizes, so a
//!   runaway script stops with a clear error instead of hanging the run;
//! - `print`/`debug` go to a per-thread trace (shown by `complaints test` and `explain`), never
//!   to stdout;
//! - no string interning: one engine is shared by the rayon threads and the interner's lock
//!   would serialise them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rhai::{Array, Dynamic, Engine, EvalAltResult, ImmutableString, Map, Position};

use super::tables::{HitPolicy, Table};
use super::text::match_key;
use crate::calendar::Calendar;
use crate::time::{Ts, Zone};

/// Operations one call may take (a loop of a million steps is a bug, not a rule).
pub const MAX_OPERATIONS: u64 = 1_000_000;
/// Nested function calls.
pub const MAX_CALL_LEVELS: usize = 32;
/// Longest string a script may build, in bytes: 4 MiB, four times the longest cell ingest
/// accepts (`ingest::MAX_CELL_BYTES`), so a long complaint text is data a rule can read and
/// copy, while a string that keeps doubling still stops within a few dozen steps.
pub const MAX_STRING_SIZE: usize = 4 << 20;
/// Largest array.
pub const MAX_ARRAY_SIZE: usize = 10_000;
/// Largest object map.
pub const MAX_MAP_SIZE: usize = 1_000;

/// An instant as scripts see it (`c.received_at`): compare with `<`, read parts with
/// `.year`, `.month`, `.day`, `.hour`, `.minute`, `.weekday` (1 = Monday), `.date`,
/// measure with `minutes_between(a, b)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(pub Ts);

/// What the helpers need at run time.
pub struct RuleEnv {
    /// The zone of wall-clock times.
    pub zone: Zone,
    /// Decision tables by name.
    pub tables: HashMap<String, Arc<Table>>,
    /// Calendars by name.
    pub calendars: HashMap<String, Arc<Calendar>>,
    /// The default calendar's name.
    pub default_calendar: String,
}

/// One line of a rule's trace.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TraceEvent {
    /// `print` or `debug` output.
    Print {
        /// The text.
        text: String,
    },
    /// A decision-table row answered.
    TableHit {
        /// Table name.
        table: String,
        /// Row index (0-based).
        row: usize,
        /// `file:line (conditions)`.
        row_ref: String,
        /// The inputs the table saw.
        inputs: Vec<(String, String)>,
        /// How many rows matched (more than one: the table order decided).
        matched: usize,
    },
}

thread_local! {
    /// The current evaluation's trace, when tracing is on for this thread.
    static TRACE: RefCell<Option<Vec<TraceEvent>>> = const { RefCell::new(None) };
}

/// Runs `f` with tracing on, returning its result and the trace.
pub fn with_trace<T>(f: impl FnOnce() -> T) -> (T, Vec<TraceEvent>) {
    TRACE.with(|t| *t.borrow_mut() = Some(Vec::new()));
    let out = f();
    let trace = TRACE.with(|t| t.borrow_mut().take()).unwrap_or_default();
    (out, trace)
}

fn trace(ev: impl FnOnce() -> TraceEvent) {
    TRACE.with(|t| {
        if let Some(v) = t.borrow_mut().as_mut() {
            v.push(ev());
        }
    });
}

/// Builds the sandboxed engine with the rule API.
pub fn build(env: &Arc<RuleEnv>) -> Engine {
    let mut engine = Engine::new();
    engine.set_module_resolver(rhai::module_resolvers::DummyModuleResolver::new());
    engine.disable_symbol("eval");
    engine.set_strict_variables(true);
    engine.set_fail_on_invalid_map_property(true);
    engine.set_max_operations(MAX_OPERATIONS);
    engine.set_max_call_levels(MAX_CALL_LEVELS);
    engine.set_max_expr_depths(64, 32);
    engine.set_max_string_size(MAX_STRING_SIZE);
    engine.set_max_array_size(MAX_ARRAY_SIZE);
    engine.set_max_map_size(MAX_MAP_SIZE);
    engine.set_max_strings_interned(0);
    engine.on_print(|s| trace(|| TraceEvent::Print { text: s.to_owned() }));
    engine.on_debug(|s, _, pos| {
        trace(|| TraceEvent::Print {
            text: format!("[debug {pos}] {s}"),
        });
    });
    register_time(&mut engine, env);
    register_text(&mut engine);
    register_tables(&mut engine, env);
    register_calendar(&mut engine, env);
    super::failure::register(&mut engine);
    engine
}

fn register_time(engine: &mut Engine, env: &Arc<RuleEnv>) {
    use chrono::{Datelike, Timelike};
    engine.register_type_with_name::<Time>("Time");
    let z = env.zone.clone();
    engine.register_get("year", move |t: &mut Time| {
        i64::from(z.to_local(t.0).year())
    });
    let z = env.zone.clone();
    engine.register_get("month", move |t: &mut Time| {
        i64::from(z.to_local(t.0).month())
    });
    let z = env.zone.clone();
    engine.register_get("day", move |t: &mut Time| i64::from(z.to_local(t.0).day()));
    let z = env.zone.clone();
    engine.register_get("hour", move |t: &mut Time| {
        i64::from(z.to_local(t.0).hour())
    });
    let z = env.zone.clone();
    engine.register_get("minute", move |t: &mut Time| {
        i64::from(z.to_local(t.0).minute())
    });
    let z = env.zone.clone();
    engine.register_get("weekday", move |t: &mut Time| {
        i64::from(z.to_local(t.0).weekday().number_from_monday())
    });
    let z = env.zone.clone();
    engine.register_get("date", move |t: &mut Time| {
        z.to_local(t.0).format("%Y-%m-%d").to_string()
    });
    let z = env.zone.clone();
    engine.register_fn("to_string", move |t: &mut Time| z.format(t.0));
    let z = env.zone.clone();
    engine.register_fn("to_debug", move |t: &mut Time| z.format(t.0));
    engine.register_fn("==", |a: Time, b: Time| a == b);
    engine.register_fn("!=", |a: Time, b: Time| a != b);
    engine.register_fn("<", |a: Time, b: Time| a < b);
    engine.register_fn("<=", |a: Time, b: Time| a <= b);
    engine.register_fn(">", |a: Time, b: Time| a > b);
    engine.register_fn(">=", |a: Time, b: Time| a >= b);
    engine.register_fn("minutes_between", |a: Time, b: Time| {
        (b.0 - a.0) as f64 / 60.0
    });
    engine.register_fn("add_minutes", |t: Time, m: i64| Time(t.0 + m * 60));
    engine.register_fn("add_hours", |t: Time, h: i64| Time(t.0 + h * 3600));
    engine.register_fn("add_days", |t: Time, d: i64| Time(t.0 + d * 86_400));
    let z = env.zone.clone();
    engine.register_fn(
        "parse_time",
        move |s: &str| -> Result<Dynamic, Box<EvalAltResult>> {
            crate::time::parse_timestamp(s, &z)
                .map(|t| Dynamic::from(Time(t)))
                .map_err(|_| format!("parse_time: `{s}` is not a timestamp").into())
        },
    );
}

/// Compiled keyword sets and regexes, cached by pattern text (scripts pass literals, so the
/// cache stays small); the lock is held only for the lookup.
type Cache<T> = Mutex<HashMap<String, Arc<T>>>;

fn cached<T>(
    cache: &Cache<T>,
    key: &str,
    build: impl FnOnce() -> Result<T, String>,
) -> Result<Arc<T>, String> {
    if let Some(v) = cache.lock().expect("cache lock").get(key) {
        return Ok(v.clone());
    }
    let v = Arc::new(build()?);
    cache
        .lock()
        .expect("cache lock")
        .insert(key.to_owned(), v.clone());
    Ok(v)
}

fn register_text(engine: &mut Engine) {
    engine.register_fn("normalize_text", |s: &str| match_key(s));
    let kw_cache: Arc<Cache<aho_corasick::AhoCorasick>> = Arc::default();
    let c1 = kw_cache.clone();
    engine.register_fn(
        "contains_any",
        move |text: Dynamic, words: Array| -> Result<bool, Box<EvalAltResult>> {
            let Some(text) = text.read_lock::<ImmutableString>().map(|s| s.to_string()) else {
                return Ok(false);
            };
            let words: Vec<String> = words
                .iter()
                .map(|w| {
                    w.read_lock::<ImmutableString>()
                        .map(|s| match_key(&s))
                        .unwrap_or_default()
                })
                .filter(|w| !w.is_empty())
                .collect();
            let key = words.join("\u{1}");
            let ac = cached(&c1, &key, || {
                aho_corasick::AhoCorasick::new(&words).map_err(|e| e.to_string())
            })
            .map_err(|e| format!("contains_any: {e}"))?;
            Ok(ac.is_match(&match_key(&text)))
        },
    );
    let c2 = kw_cache;
    engine.register_fn(
        "keywords_found",
        move |text: Dynamic, words: Array| -> Result<Array, Box<EvalAltResult>> {
            let Some(text) = text.read_lock::<ImmutableString>().map(|s| s.to_string()) else {
                return Ok(Array::new());
            };
            let originals: Vec<String> = words.iter().map(|w| w.to_string()).collect();
            let keys: Vec<String> = originals.iter().map(|w| match_key(w)).collect();
            let key = keys.join("\u{1}");
            let ac = cached(&c2, &key, || {
                aho_corasick::AhoCorasick::new(&keys).map_err(|e| e.to_string())
            })
            .map_err(|e| format!("keywords_found: {e}"))?;
            let mut seen = vec![false; originals.len()];
            for m in ac.find_overlapping_iter(&match_key(&text)) {
                seen[m.pattern().as_usize()] = true;
            }
            Ok(originals
                .into_iter()
                .zip(seen)
                .filter(|(_, s)| *s)
                .map(|(w, _)| Dynamic::from(w))
                .collect())
        },
    );
    let re_cache: Arc<Cache<regex::Regex>> = Arc::default();
    let r1 = re_cache.clone();
    engine.register_fn(
        "regex_match",
        move |text: Dynamic, pattern: &str| -> Result<bool, Box<EvalAltResult>> {
            let Some(text) = text.read_lock::<ImmutableString>().map(|s| s.to_string()) else {
                return Ok(false);
            };
            let re = cached(&r1, pattern, || {
                regex::Regex::new(pattern).map_err(|e| e.to_string())
            })
            .map_err(|e| format!("regex_match: bad pattern: {e}"))?;
            Ok(re.is_match(&text))
        },
    );
    let r2 = re_cache;
    engine.register_fn(
        "regex_capture",
        move |text: Dynamic, pattern: &str| -> Result<Dynamic, Box<EvalAltResult>> {
            let Some(text) = text.read_lock::<ImmutableString>().map(|s| s.to_string()) else {
                return Ok(Dynamic::UNIT);
            };
            let re = cached(&r2, pattern, || {
                regex::Regex::new(pattern).map_err(|e| e.to_string())
            })
            .map_err(|e| format!("regex_capture: bad pattern: {e}"))?;
            Ok(re
                .captures(&text)
                .and_then(|c| c.get(1).or_else(|| c.get(0)))
                .map_or(Dynamic::UNIT, |m| Dynamic::from(m.as_str().to_owned())))
        },
    );
    engine.register_fn("is_blank", |v: Dynamic| {
        v.is_unit()
            || v.read_lock::<ImmutableString>()
                .is_some_and(|s| s.trim().is_empty())
    });
}

/// A record field as text for table matching.
fn field_text(c: &Map, field: &str) -> Option<String> {
    let v = c.get(field)?;
    if v.is_unit() {
        return None;
    }
    if let Some(s) = v.read_lock::<ImmutableString>() {
        return Some(s.to_string());
    }
    Some(v.to_string())
}

fn table_outputs(t: &Table, row: usize) -> Map {
    let mut m = Map::new();
    for (name, v) in t.outputs.iter().zip(&t.rows[row].outputs) {
        m.insert(
            name.as_str().into(),
            v.as_ref()
                .map_or(Dynamic::UNIT, |s| Dynamic::from(s.clone())),
        );
    }
    m.insert("_row".into(), Dynamic::from(t.describe_row(row)));
    m
}

fn lookup(env: &RuleEnv, name: &str, c: &Map, all: bool) -> Result<Dynamic, Box<EvalAltResult>> {
    let t = env.tables.get(name).ok_or_else(|| {
        let mut names: Vec<&str> = env.tables.keys().map(String::as_str).collect();
        names.sort_unstable();
        let hint = crate::diagnostic::did_you_mean(name, names.iter().copied())
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_else(|| format!("; tables: {}", names.join(", ")));
        Box::<EvalAltResult>::from(format!("no table named `{name}`{hint}"))
    })?;
    let get = |f: &str| field_text(c, f);
    // All matching rows, so coverage can tell when the table order decided.
    let matching = t.matching_rows(&get, false);
    let first_only = !all && t.hit == HitPolicy::First;
    let rows: Vec<usize> = if first_only {
        matching.iter().copied().take(1).collect()
    } else {
        matching.clone()
    };
    for &r in &rows {
        trace(|| TraceEvent::TableHit {
            table: name.to_owned(),
            row: r,
            row_ref: t.describe_row(r),
            inputs: t
                .input_fields()
                .into_iter()
                .map(|f| {
                    let v = field_text(c, &f).unwrap_or_else(|| "()".into());
                    (f, v)
                })
                .collect(),
            matched: matching.len(),
        });
    }
    if all || t.hit == HitPolicy::Collect {
        Ok(Dynamic::from_array(
            rows.into_iter()
                .map(|r| Dynamic::from_map(table_outputs(t, r)))
                .collect(),
        ))
    } else {
        Ok(rows
            .first()
            .map_or(Dynamic::UNIT, |r| Dynamic::from_map(table_outputs(t, *r))))
    }
}

fn register_tables(engine: &mut Engine, env: &Arc<RuleEnv>) {
    let e = env.clone();
    engine.register_fn(
        "table",
        move |name: &str, c: Map| -> Result<Dynamic, Box<EvalAltResult>> {
            lookup(&e, name, &c, false)
        },
    );
    let e = env.clone();
    engine.register_fn(
        "table_all",
        move |name: &str, c: Map| -> Result<Dynamic, Box<EvalAltResult>> {
            lookup(&e, name, &c, true)
        },
    );
}

fn calendar<'a>(env: &'a RuleEnv, name: &str) -> Result<&'a Calendar, Box<EvalAltResult>> {
    env.calendars.get(name).map(AsRef::as_ref).ok_or_else(|| {
        let mut names: Vec<&str> = env.calendars.keys().map(String::as_str).collect();
        names.sort_unstable();
        format!(
            "no calendar named `{name}` (calendars: {})",
            names.join(", ")
        )
        .into()
    })
}

fn register_calendar(engine: &mut Engine, env: &Arc<RuleEnv>) {
    let e = env.clone();
    engine.register_fn(
        "add_working_minutes",
        move |t: Time, minutes: i64, cal: &str| -> Result<Time, Box<EvalAltResult>> {
            Ok(Time(
                calendar(&e, cal)?.add_working(t.0, minutes.max(0) * 60),
            ))
        },
    );
    let e = env.clone();
    engine.register_fn(
        "add_working_minutes",
        move |t: Time, minutes: i64| -> Result<Time, Box<EvalAltResult>> {
            Ok(Time(
                calendar(&e, &e.default_calendar)?.add_working(t.0, minutes.max(0) * 60),
            ))
        },
    );
    let e = env.clone();
    engine.register_fn(
        "working_minutes_between",
        move |a: Time, b: Time, cal: &str| -> Result<f64, Box<EvalAltResult>> {
            Ok(calendar(&e, cal)?.working_seconds_between(a.0, b.0) as f64 / 60.0)
        },
    );
    let e = env.clone();
    engine.register_fn(
        "working_minutes_between",
        move |a: Time, b: Time| -> Result<f64, Box<EvalAltResult>> {
            Ok(calendar(&e, &e.default_calendar)?.working_seconds_between(a.0, b.0) as f64 / 60.0)
        },
    );
    let e = env.clone();
    engine.register_fn(
        "is_working_time",
        move |t: Time, cal: &str| -> Result<bool, Box<EvalAltResult>> {
            Ok(calendar(&e, cal)?.is_working_time(t.0))
        },
    );
    let e = env.clone();
    engine.register_fn(
        "is_working_time",
        move |t: Time| -> Result<bool, Box<EvalAltResult>> {
            Ok(calendar(&e, &e.default_calendar)?.is_working_time(t.0))
        },
    );
    let e = env.clone();
    engine.register_fn(
        "end_of_working_days",
        move |t: Time, n: i64, cal: &str| -> Result<Time, Box<EvalAltResult>> {
            let n = u32::try_from(n.max(0)).unwrap_or(u32::MAX);
            Ok(Time(
                calendar(&e, cal)?.end_of_nth_working_day_after(t.0, n),
            ))
        },
    );
    let e = env.clone();
    engine.register_fn(
        "end_of_working_days",
        move |t: Time, n: i64| -> Result<Time, Box<EvalAltResult>> {
            let n = u32::try_from(n.max(0)).unwrap_or(u32::MAX);
            Ok(Time(
                calendar(&e, &e.default_calendar)?.end_of_nth_working_day_after(t.0, n),
            ))
        },
    );
}

/// A runtime error's innermost message and the innermost position known (rhai wraps errors
/// raised inside a function in `ErrorInFunctionCall`, whose own position is the call site;
/// limit errors raised by the engine may carry no position of their own).
pub fn innermost(err: &EvalAltResult) -> (String, Position) {
    let mut e = err;
    let mut pos = e.position();
    while let EvalAltResult::ErrorInFunctionCall(_, _, inner, _) = e {
        e = inner;
        if !e.position().is_none() {
            pos = e.position();
        }
    }
    let mut msg = e.to_string();
    // Display appends " (line N, position M)"; the diagnostic shows the position itself.
    if let Some(i) = msg.rfind(" (line ") {
        msg.truncate(i);
    }
    let hint = match e {
        EvalAltResult::ErrorTooManyOperations(_) => {
            format!(" (more than {MAX_OPERATIONS} operations for one complaint: an endless loop?)")
        }
        EvalAltResult::ErrorStackOverflow(_) => {
            format!(" (calls nested deeper than {MAX_CALL_LEVELS}: endless recursion?)")
        }
        EvalAltResult::ErrorDataTooLarge(..) => format!(
            " (limits: strings {} MiB, arrays {MAX_ARRAY_SIZE} items, maps {MAX_MAP_SIZE} keys)",
            MAX_STRING_SIZE >> 20
        ),
        _ => String::new(),
    };
    msg.push_str(&hint);
    (msg, pos)
}

#[cfg(test)]
mod tests;
