use std::collections::HashMap;
use std::sync::Arc;

use proptest::prelude::*;
use rhai::{AST, Dynamic, Scope};

use super::*;
use crate::model::{Dictionaries, ExtraColumns, Stage, Str};
use crate::pipeline::rules::analysis::{Reads, fields_read};
use crate::pipeline::rules::classify::record_map;
use crate::pipeline::rules::engine::{self, RuleEnv};
use crate::time::Zone;

fn engine() -> rhai::Engine {
    let env = Arc::new(RuleEnv {
        zone: Zone::from_name("Asia/Shanghai").unwrap(),
        tables: HashMap::new(),
        calendars: HashMap::new(),
        default_calendar: "24x7".into(),
    });
    engine::build(&env)
}

/// The kit's validation rule (bench/reference): the shape a quality department writes.
const VALIDATION: &str = r#"
fn classify(c) {
    // a comment before the first guard
    if !is_blank(c.satisfaction_raw) && !regex_match(c.satisfaction_raw, "^[0-9]{1,3}$") {
        throw "bad_score: 满意度评分";
    }
    if !is_blank(c.acknowledged_at) && c.acknowledged_at < c.received_at {
        throw "before_received: 受理时间";
    }
    if c["resolved_at"] != () && c.resolved_at < c.received_at {
        let why = "before_received";
        throw why + ": 处理完成时间";
    }
    let lv = if c.level_raw == "紧急" { "I" } else { "II" };
    if c.text == () { throw "no text" }
    #{ level: lv, category: c.category_raw ?? "其他" }
}
"#;

#[test]
fn the_leading_guards_compile_and_the_rest_reads_only_what_classifies() {
    let engine = engine();
    let ast = engine.compile(VALIDATION).unwrap();
    let g = compile(&engine, VALIDATION, &ast, "classify", 1).expect("three guards");
    assert_eq!(
        g.guards.iter().map(|g| g.line).collect::<Vec<_>>(),
        [4, 7, 10]
    );
    // What the guards read: the score and two times, not the text (read after them).
    for (f, read) in [
        (Field::SatisfactionRaw, true),
        (Field::AcknowledgedAt, true),
        (Field::ResolvedAt, true),
        (Field::ReceivedAt, true),
        (Field::Text, false),
        (Field::LevelRaw, false),
    ] {
        assert_eq!(g.reads(f), read, "{f:?}");
    }
    // The guard after the first ordinary statement stays in the script.
    let tables = |_: &str| None;
    let Reads::Fields(f) = fields_read(&g.rest, "classify", 1, 0, &tables) else {
        panic!("fields known");
    };
    assert_eq!(
        f.keys().map(String::as_str).collect::<Vec<_>>(),
        ["category_raw", "level_raw", "text"]
    );
    // Positions in the rest are those of the original file: an error there still points at
    // its own line.
    let err = engine
        .call_fn::<Dynamic>(
            &mut Scope::new(),
            &g.rest,
            "classify",
            (Dynamic::from_map(rhai::Map::from_iter([
                ("level_raw".into(), Dynamic::UNIT),
                ("category_raw".into(), Dynamic::UNIT),
                ("text".into(), Dynamic::UNIT),
            ])),),
        )
        .unwrap_err();
    assert_eq!(err.position().line(), Some(15), "{err}");
}

#[test]
fn a_guard_may_end_in_reject() {
    let engine = engine();
    let src = "fn classify(c) {\n    if c.text == () { reject(\"no text\", \"text\") }\n    #{ level: \"I\", category: \"x\" }\n}";
    let ast = engine.compile(src).unwrap();
    let g = compile(&engine, src, &ast, "classify", 1).expect("one guard");
    assert_eq!(g.guards.len(), 1);
    assert_eq!(g.guards[0].line, 2);
    assert!(g.reads(Field::Text), "the guard reads the text");
    assert!(!g.reads(Field::LevelRaw));
}

#[test]
fn scripts_without_leading_guards_are_left_alone() {
    let engine = engine();
    for src in [
        "fn classify(c) { #{ level: \"I\", category: \"x\" } }",
        // Not a throw: an ordinary branch.
        "fn classify(c) { if c.text == () { return #{} } #{} }",
        // An `else` makes it control flow, not a guard.
        "fn classify(c) { if c.text == () { throw \"x\" } else { 1 } #{} }",
        // A form the guards do not model: a method call.
        "fn classify(c) { if c.text.len() > 3 { throw \"x\" } #{} }",
        // A helper of the same name as a modelled one changes its meaning.
        "fn is_blank(x) { false } fn classify(c) { if is_blank(c.text) { throw \"x\" } #{} }",
        // A local variable, not the record.
        "fn classify(c) { let d = c; if d.text == () { throw \"x\" } #{} }",
    ] {
        let ast = engine.compile(src).unwrap();
        assert!(
            compile(&engine, src, &ast, "classify", 1).is_none(),
            "{src}"
        );
    }
}

/// Conditions the equivalence property evaluates natively and in rhai.
const CONDITIONS: &[&str] = &[
    "!is_blank(c.acknowledged_at) && c.acknowledged_at < c.received_at",
    "!is_blank(c.acknowledged_at) && c.acknowledged_at != c.dispatched_at",
    "!is_blank(c.dispatched_at) && c.dispatched_at >= c.resolved_at",
    "!is_blank(c.resolved_at) && c.resolved_at == c.acknowledged_at",
    "!is_blank(c.acknowledged_at) && c.dispatched_at < c.received_at",
    "c.acknowledged_at < c.received_at",
    "c.acknowledged_at == ()",
    "c.acknowledged_at != ()",
    "c.acknowledged_at >= c.dispatched_at || is_blank(c.dispatched_at)",
    "is_blank(c.text) || is_blank(c.channel)",
    "c.channel == \"电话\"",
    "c.channel != \"电话\"",
    "c.channel < \"m\"",
    "c.satisfaction > 100",
    "c.satisfaction >= 80.5",
    "c.satisfaction == 80",
    "!is_blank(c.satisfaction_raw) && !regex_match(c.satisfaction_raw, \"^[0-9]{1,3}$\")",
    "regex_match(c.text, \"[0-9]{11}\")",
    "regex_match(c.satisfaction, \"8\")",
    "regex_match(c.acknowledged_at, \"1\")",
    "!is_blank(c.received_at)",
    "is_blank(c.satisfaction_raw)",
    "contains_any(c.text, [\"电梯\", \"困人\", \"\"])",
    "!contains_any(c.text, [\"漏水\"]) && c[\"level_raw\"] == \"紧急\"",
    "c.level_raw == () && c.category_raw == ()",
    "!(c.channel == \"电话\") && c.text != \"x\"",
    "is_blank(c.satisfaction)",
    "c.satisfaction == ()",
    "c.received_at == c.received_at",
    // Mixed types: rhai answers `!=` true and every other comparison false.
    "c.text < 1",
    "c.received_at == \"x\"",
    "c.satisfaction == \"80\"",
    "c.channel >= c.received_at",
    "c.satisfaction != c.text",
];

fn text() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("   ".to_owned())),
        Just(Some("电话".to_owned())),
        Just(Some("紧急".to_owned())),
        Just(Some("電梯困人，业主13812345678".to_owned())),
        Just(Some("卫生间漏水".to_owned())),
        Just(Some("080".to_owned())),
        Just(Some("80.5".to_owned())),
        Just(Some("abc".to_owned())),
    ]
}

fn complaint() -> impl Strategy<Value = (Complaint, Dictionaries)> {
    (
        proptest::collection::vec(proptest::option::of(1_700_000_000i64..1_700_000_100), 3),
        text(),
        text(),
        text(),
        text(),
        text(),
        proptest::option::of(prop_oneof![Just(80.0), Just(80.5), Just(0.0), Just(100.0)]),
    )
        .prop_map(|(times, t, ch, lv, cat, raw, sat)| {
            let mut d = Dictionaries::default();
            let mut s = |f: Field, v: Option<String>| v.map(|v| d.field_mut(f).code(&v));
            let mut c = Complaint {
                id: "X1".into(),
                text: t.map(|v| Str::from(v.as_str())),
                satisfaction: sat.map_or_else(Default::default, crate::model::Score::new),
                ..Complaint::default()
            };
            for (f, v) in [
                (Field::Channel, ch),
                (Field::LevelRaw, lv),
                (Field::CategoryRaw, cat),
                (Field::SatisfactionRaw, raw),
            ] {
                *c.code_slot(f).unwrap() = s(f, v);
            }
            c.times.set(Stage::Received, 1_700_000_050);
            for (stage, t) in [Stage::Acknowledged, Stage::Dispatched, Stage::Resolved]
                .into_iter()
                .zip(times)
            {
                if let Some(t) = t {
                    c.times.set(stage, t);
                }
            }
            (c, d)
        })
}

/// The engine and each condition's (source, probe script, guarded classify).
type Compiled = (rhai::Engine, Vec<(&'static str, AST, Guarded)>);

/// The engine and, per condition, a script with `probe(c)` returning it and a `classify`
/// guarded by it: compiled once for every case.
fn compiled() -> &'static Compiled {
    static ONCE: std::sync::OnceLock<Compiled> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        let engine = engine();
        let scripts = CONDITIONS
            .iter()
            .map(|cond| {
                // `probe` first: the guards are those of `classify` whatever the order.
                let src = format!(
                    "fn probe(c) {{ {cond} }}\nfn classify(c) {{ if {cond} {{ throw \"x\" }} #{{}} }}"
                );
                let ast = engine.compile(&src).unwrap();
                let g = compile(&engine, &src, &ast, "classify", 1)
                    .unwrap_or_else(|| panic!("{cond} compiles"));
                (*cond, ast, g)
            })
            .collect();
        (engine, scripts)
    })
}

proptest! {
    /// Wherever the native condition gives an answer, rhai gives the same answer without error.
    #[test]
    fn a_native_answer_is_the_interpreters((c, d) in complaint()) {
        let (engine, scripts) = compiled();
        // One memo per script kept across the cases, so that its answers for values seen
        // before are held to the interpreter too.
        static MEMOS: std::sync::Mutex<Vec<GuardMemo>> = std::sync::Mutex::new(Vec::new());
        let mut memos = MEMOS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if memos.is_empty() {
            memos.extend(scripts.iter().map(|(_, _, g)| g.memo()));
        }
        for ((cond, ast, g), memo) in scripts.iter().zip(memos.iter_mut()) {
            let native = g.guards[0].cond.eval(&c, &d, memo).map(|v| match v {
                V::Bool(b) => Some(b),
                _ => None,
            });
            let fresh = g.guards[0].cond.eval(&c, &d, &mut g.memo()).map(|v| match v {
                V::Bool(b) => Some(b),
                _ => None,
            });
            prop_assert_eq!(native, fresh, "{}", cond);
            let rhai = engine.call_fn::<Dynamic>(
                &mut Scope::new(),
                ast,
                "probe",
                (Dynamic::from_map(record_map(&c, &d, &ExtraColumns::default(), None)),),
            );
            if let Some(native) = native {
                let rhai = rhai.unwrap_or_else(|e| panic!("{cond}: native {native:?}, rhai fails: {e}"));
                prop_assert_eq!(native, rhai.as_bool().ok(), "{}", cond);
            }
        }
    }
}

/// The order check as departments write it compiles to one step over two stage times; other
/// shapes of `&&` stay general.
#[test]
fn the_order_check_compiles_to_one_step() {
    let engine = engine();
    let shape = |cond: &str| {
        let src = format!("fn classify(c) {{ if {cond} {{ throw \"x\" }} #{{}} }}");
        let ast = engine.compile(&src).unwrap();
        let g = compile(&engine, &src, &ast, "classify", 1).unwrap();
        matches!(g.guards[0].cond, Node::PresentCmp(..))
    };
    assert!(shape(
        "!is_blank(c.acknowledged_at) && c.acknowledged_at < c.received_at"
    ));
    assert!(shape(
        "!is_blank(c.follow_up_at) && c.follow_up_at != c.resolved_at"
    ));
    assert!(!shape(
        "!is_blank(c.acknowledged_at) && c.dispatched_at < c.received_at"
    ));
    assert!(!shape("!is_blank(c.channel) && c.channel < c.text"));
    assert!(!shape(
        "!is_blank(c.acknowledged_at) || c.acknowledged_at < c.received_at"
    ));
}

/// The memo answers as the regex does: for values seen again, for values whose slots collide
/// (far more values than slots), for the empty value and values longer than a slot holds, and
/// for two regexes kept apart.
#[test]
fn the_regex_memo_answers_as_the_regex() {
    let res = [
        regex::Regex::new("^[0-9]{1,3}$").unwrap(),
        regex::Regex::new("满意").unwrap(),
    ];
    let mut memo = GuardMemo::new(res.len());
    let values: Vec<String> = (0..3 * GuardMemo::SLOTS)
        .map(|i| match i % 6 {
            // Values of one length, half of them matching: every slot sees both answers.
            0 => format!("{:03}", i % 1000),
            5 => format!("x{:02}", i % 100),
            1 => "满意".repeat(i % 8),
            2 => format!("{i}不满意"),
            3 => "9".repeat(i % (GuardMemo::SHORT + 6)),
            _ => String::new(),
        })
        .collect();
    let mut hits = 0;
    for round in 0..3 {
        for (i, v) in values.iter().enumerate() {
            // Each round in another order, and each value against both regexes.
            let v = if round == 1 {
                &values[values.len() - 1 - i]
            } else {
                v
            };
            for (k, re) in res.iter().enumerate() {
                assert_eq!(
                    memo.is_match(k, re, v),
                    re.is_match(v),
                    "regex {k} on {v:?}"
                );
                hits += usize::from(memo.is_match(k, re, v));
            }
        }
    }
    assert!(hits > 0);
    // A memo without tables (no guard holds a regex) matches directly.
    assert!(GuardMemo::default().is_match(0, &res[0], "80"));
}
