//! Failures that fail: exit code 1 for a complete run whose result is not acceptable (outputs
//! written), 2 for a run that was stopped (previous outputs untouched); a rule's deliberate
//! reject is a reject, not an error. See: issue 18.

use std::path::Path;

use crate::util::{AS_OF, copy_setup, read, run_in, run_on, tempdir};

const MINI: &str = "tests/fixtures/inputs/mini.csv";

/// A copy of the shipped rules whose `classify` starts with `prelude`.
fn rules_with(dir: &Path, prelude: &str) {
    copy_setup(dir);
    let path = dir.join("rules/classify.rhai");
    let src = read(&path).replacen(
        "fn classify(c) {",
        &format!("fn classify(c) {{\n{prelude}"),
        1,
    );
    std::fs::write(&path, src).unwrap();
}

fn args<'a>(input: &'a str, out: &'a str) -> Vec<&'a str> {
    vec![
        "run",
        "--rules",
        "rules",
        "--templates",
        "report_templates",
        "--input",
        input,
        "--out",
        out,
        "--as-of",
        AS_OF,
        // mini.csv is dirty on purpose (3 of its 7 rows are rejected): the default reject
        // limit (20 %) is not what these tests are about.
        "--max-rejects",
        "100%",
    ]
}

#[test]
fn a_rule_that_fails_on_every_complaint_stops_the_run_and_keeps_the_previous_outputs() {
    let dir = tempdir();
    let input = crate::util::root().join(MINI);
    let input = input.to_str().unwrap();
    copy_setup(dir.path());
    // A good run first: the output set a failed run must leave alone.
    run_in(dir.path(), &args(input, "out")).expect(0);
    let before = read(dir.path().join("out/complaints.csv"));
    for (name, body) in [
        ("an endless loop", "loop {}"),
        ("endless recursion", "fn f(x) { f(x) }"),
        ("a string bomb", "let s = \"x\"; loop { s += s; }"),
    ] {
        let body = if body.starts_with("fn ") {
            // A function is declared at the top level; the call goes in classify.
            let path = dir.path().join("rules/classify.rhai");
            let src = read(crate::util::root().join("rules/classify.rhai"));
            std::fs::write(
                &path,
                format!(
                    "{body}\n{}",
                    src.replacen("fn classify(c) {", "fn classify(c) {\nf(1);", 1)
                ),
            )
            .unwrap();
            None
        } else {
            Some(body)
        };
        if let Some(b) = body {
            rules_with(dir.path(), b);
        }
        let r = run_in(dir.path(), &args(input, "out")).expect(2);
        assert!(
            r.stderr
                .contains("complaints hit a rule engine error, over the limit of 1%")
                && r.stderr.contains("first: complaint `TS1`")
                && r.stderr.contains("rules/classify.rhai"),
            "{name}: {}",
            r.stderr
        );
        assert_eq!(
            read(dir.path().join("out/complaints.csv")),
            before,
            "{name}: the previous outputs changed"
        );
    }
}

#[test]
fn max_rule_errors_sets_the_share_of_engine_errors_a_run_tolerates() {
    let dir = tempdir();
    let input = crate::util::root().join(MINI);
    let input = input.to_str().unwrap();
    // One complaint in three fails with a type error.
    rules_with(
        dir.path(),
        "if c.complaint_id == \"TS1\" { let x = 1 + \"a\" * 2; }",
    );
    let r = run_in(dir.path(), &args(input, "out")).expect(2);
    assert!(r.stderr.contains("1 of 3 complaints"), "{}", r.stderr);
    std::fs::write(
        dir.path().join("complaints.toml"),
        "max_rule_errors = \"50%\"\n",
    )
    .unwrap();
    let mut a = args(input, "out");
    a.splice(1..1, ["--config", "complaints.toml"]);
    run_in(dir.path(), &a).expect(0);
    let rejects = read(dir.path().join("out/rejects.csv"));
    assert!(
        rejects.contains(",classify,,,rule_error,\"rules/classify.rhai:14:"),
        "{rejects}"
    );
}

#[test]
fn a_deliberate_reject_is_a_reject_with_its_reason_not_a_rule_error() {
    let dir = tempdir();
    let input = crate::util::root().join(MINI);
    let input = input.to_str().unwrap();
    rules_with(
        dir.path(),
        "if c.complaint_id == \"TS1\" { throw \"a test ticket\"; }\nif c.complaint_id == \"TS2\" { reject(\"not a complaint\", \"text\"); }",
    );
    // Two of three complaints rejected on purpose: far over 1 %, and still no engine error.
    let r = run_in(dir.path(), &args(input, "out")).expect(0);
    assert!(r.stderr.contains("1 accepted"), "{}", r.stderr);
    let rejects = read(dir.path().join("out/rejects.csv"));
    assert!(
        rejects.contains(",2,1,classify,,,rule_reject,rules/classify.rhai:")
            && rejects.contains(": a test ticket\n"),
        "{rejects}"
    );
    assert!(
        rejects.contains(",3,2,classify,text,,rule_reject,")
            && rejects.contains(": not a complaint\n"),
        "{rejects}"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&read(dir.path().join("out/manifest.json"))).unwrap();
    assert!(manifest["rejects_by_reason"]["rule_reject"].as_u64() >= Some(2));
    assert!(manifest["rejects_by_reason"].get("rule_error").is_none());
}

#[test]
fn a_run_that_accepts_no_row_exits_1_with_its_outputs_written() {
    let dir = tempdir();
    let input = crate::util::root().join(MINI);
    let input = input.to_str().unwrap();
    rules_with(dir.path(), "throw \"nothing counts\";");
    let r = run_in(dir.path(), &args(input, "out")).expect(1);
    assert!(
        r.stderr
            .contains("error: no row accepted: all 7 rows were rejected"),
        "{}",
        r.stderr
    );
    let report = read(dir.path().join("out/report.html"));
    assert!(report.contains("rule_reject"), "the report says why");
    assert!(dir.path().join("out/manifest.json").exists());
}

#[test]
fn an_input_with_a_header_and_no_rows_exits_1_with_a_clear_message() {
    let dir = tempdir();
    let header = read(crate::util::root().join(MINI));
    let header = header.lines().next().unwrap();
    let input = dir.path().join("header_only.csv");
    std::fs::write(&input, format!("{header}\n")).unwrap();
    let out = dir.path().join("out");
    let r = run_on(&input, &out, &[]).expect(1);
    assert!(
        r.stderr
            .contains("error: no data rows: the input has a header but no rows below it"),
        "{}",
        r.stderr
    );
    assert!(out.join("report.html").exists() && out.join("manifest.json").exists());
}

#[test]
fn an_import_in_a_rule_is_refused_by_check_with_its_position() {
    let dir = tempdir();
    rules_with(dir.path(), "");
    let path = dir.path().join("rules/classify.rhai");
    let src = read(&path);
    std::fs::write(&path, format!("import \"../../x\" as x;\n{src}")).unwrap();
    let r = run_in(
        dir.path(),
        &[
            "check",
            "--rules",
            "rules",
            "--templates",
            "report_templates",
        ],
    )
    .expect(1);
    assert!(
        r.stderr.contains("`import` is not supported")
            && r.stderr.contains("--> rules/classify.rhai:1:1"),
        "{}",
        r.stderr
    );
}

/// A pipe or a link to a device is not "no such file": the message says what it is.
#[cfg(unix)]
#[test]
fn an_input_that_is_a_pipe_or_a_device_names_what_it_is() {
    let dir = tempdir();
    let link = dir.path().join("export.csv");
    std::os::unix::fs::symlink("/dev/null", &link).unwrap();
    let out = dir.path().join("out");
    let args = |input: &Path| run_on(input, &out, &[]);
    let r = args(&link).expect(2);
    assert!(
        r.stderr
            .contains("a symbolic link to `/dev/null`, which is a character device, not a file"),
        "{}",
        r.stderr
    );
    let fifo = dir.path().join("pipe.csv");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    if made {
        let r = args(&fifo).expect(2);
        assert!(
            r.stderr.contains("a named pipe (FIFO), not a file"),
            "{}",
            r.stderr
        );
    }
}
