use super::*;

fn failure(script: &str) -> (String, Position, Box<EvalAltResult>) {
    let env = Arc::new(RuleEnv {
        zone: Zone::from_name("Asia/Shanghai").unwrap(),
        tables: HashMap::new(),
        calendars: HashMap::new(),
        default_calendar: "24x7".into(),
    });
    let engine = build(&env);
    let ast = engine.compile(script).unwrap();
    let mut scope = rhai::Scope::new();
    let err = engine
        .call_fn::<Dynamic>(
            &mut scope,
            &ast,
            "classify",
            (Dynamic::from_map(Map::new()),),
        )
        .unwrap_err();
    let (m, p) = innermost(&err);
    (m, p, err)
}

#[test]
fn runaway_scripts_are_stopped_by_the_limits() {
    // The engine raises limit errors without a source position; the message names the
    // limit, and the caller adds the script and the row.
    let (m, _, e) = failure("fn classify(c) {\n  let n = 0;\n  while true { n += 1; }\n}");
    assert!(
        matches!(*e, EvalAltResult::ErrorTooManyOperations(_)),
        "{e:?}"
    );
    assert!(m.contains("an endless loop?"), "{m}");
    let (m, _, e) = failure("fn deeper(n) { deeper(n + 1) }\nfn classify(c) {\n  deeper(0)\n}");
    assert!(
        m.starts_with("Stack overflow") && m.contains("endless recursion?"),
        "{m} {e:?}"
    );
    let (m, _, e) = failure("fn classify(c) {\n  let s = \"电梯\";\n  loop { s += s; }\n}");
    assert!(
        m.starts_with("Length of string too large") && m.contains("4 MiB"),
        "{m} {e:?}"
    );
}
