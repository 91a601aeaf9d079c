//! `complaints check`: every problem in rules, tables and templates, with `file:line:col` and a
//! caret, before any data is read. Diagnostics are pinned as golden files.

use crate::util::{assert_golden, copy_setup, root, run_in, tempdir};

/// Copies the shipped rules and templates, applies `(fixture, destination)` replacements,
/// runs `check` there and returns its stderr.
fn check_with(replacements: &[(&str, &str)]) -> (i32, String) {
    let dir = tempdir();
    copy_setup(dir.path());
    for (fixture, dest) in replacements {
        std::fs::copy(
            root().join("tests/fixtures/check").join(fixture),
            dir.path().join(dest),
        )
        .unwrap();
    }
    let r = run_in(dir.path(), &["check"]);
    (r.code, r.stderr)
}

#[test]
fn shipped_rules_and_templates_check_clean() {
    let r = crate::util::run(&["check"]).expect(0);
    assert!(r.stderr.starts_with("ok: config"), "{}", r.stderr);
}

#[test]
fn a_misspelled_field_is_reported_with_a_suggestion() {
    let (code, stderr) = check_with(&[("classify_typo.rhai", "rules/classify.rhai")]);
    assert_eq!(code, 1);
    assert_golden("cli_check/script_typo.stderr", &stderr);
}

#[test]
fn a_syntax_error_points_at_its_column() {
    let (code, stderr) = check_with(&[("classify_syntax.rhai", "rules/classify.rhai")]);
    assert_eq!(code, 1);
    assert_golden("cli_check/script_syntax.stderr", &stderr);
}

#[test]
fn a_shadowed_table_row_is_an_error_and_a_shadowed_keyword_a_warning() {
    let (code, stderr) = check_with(&[(
        "level_keywords_shadowed.csv",
        "rules/tables/level_keywords.csv",
    )]);
    assert_eq!(code, 1);
    assert_golden("cli_check/table_shadowed.stderr", &stderr);
}

#[test]
fn a_template_syntax_error_names_the_template_and_line() {
    let (code, stderr) = check_with(&[(
        "trend_unclosed.html.j2",
        "report_templates/partials/trend.html.j2",
    )]);
    assert_eq!(code, 1);
    assert_golden("cli_check/template_unclosed.stderr", &stderr);
}

#[test]
fn an_undefined_template_variable_is_caught_against_the_built_in_sample() {
    let (code, stderr) = check_with(&[(
        "kpis_undefined.html.j2",
        "report_templates/partials/kpis.html.j2",
    )]);
    assert_eq!(code, 1);
    assert_golden("cli_check/template_undefined.stderr", &stderr);
}

#[test]
fn check_lists_every_problem_in_one_run() {
    let (code, stderr) = check_with(&[
        ("classify_typo.rhai", "rules/classify.rhai"),
        (
            "level_keywords_shadowed.csv",
            "rules/tables/level_keywords.csv",
        ),
        (
            "trend_unclosed.html.j2",
            "report_templates/partials/trend.html.j2",
        ),
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("rules/classify.rhai:4:"), "{stderr}");
    assert!(
        stderr.contains("rules/tables/level_keywords.csv:3:1"),
        "{stderr}"
    );
    assert!(
        stderr.contains("report_templates/partials/trend.html.j2"),
        "{stderr}"
    );
}

/// Names that tie the config and the indicators to calendars, targets and events are checked before
/// any data is read: a typo would otherwise silently fall back to the default calendar or turn
/// an indicator into "n/a".
#[test]
fn names_in_the_config_and_kpi_settings_are_checked() {
    let dir = tempdir();
    copy_setup(dir.path());
    let edit = |path: &str, from: &str, to: &str| {
        let p = dir.path().join(path);
        let s = std::fs::read_to_string(&p).unwrap();
        assert!(s.contains(from), "{path} has no `{from}`");
        std::fs::write(&p, s.replacen(from, to, 1)).unwrap();
    };
    edit(
        "rules/kpis.toml",
        "acknowledgement_target = \"acknowledge_1wd\"",
        "acknowledgement_target = \"acknowlege_1wd\"",
    );
    edit(
        "rules/kpis.toml",
        "\"on_site\", \"replied\"]",
        "\"onsite\", \"replied\"]",
    );
    std::fs::write(
        dir.path().join("complaints.toml"),
        "[sla]\ncalendar = \"cn_office\"\n\n[sla.project_calendars]\n\"翠湖花园\" = \"cn_ofice\"\n",
    )
    .unwrap();
    let r = run_in(dir.path(), &["check"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_golden("cli_check/config_names.stderr", &r.stderr);
}

/// The free text is kept out of the complaint rows for all but the classify rule, so a `when`
/// condition on it (or a `deadline_field` naming it) is an error at load, with its place and the
/// way to do it instead.
#[test]
fn a_when_condition_on_the_free_text_points_at_classify() {
    let dir = tempdir();
    copy_setup(dir.path());
    let p = dir.path().join("rules/sla/three_level.toml");
    let s = std::fs::read_to_string(&p).unwrap();
    let from = "when = { level = [\"I\"] }";
    assert!(s.contains(from));
    std::fs::write(&p, s.replacen(from, "when = { text = [\"电梯困人\"] }", 1)).unwrap();
    let r = run_in(dir.path(), &["check"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("three_level.toml:")
            && r.stderr
                .contains("`text` (the free text) cannot be a `when` condition: classify it"),
        "{}",
        r.stderr
    );
    // Nor a due time.
    let s = std::fs::read_to_string(&p).unwrap();
    std::fs::write(
        &p,
        s.replacen("[[target]]", "[[target]]\ndeadline_field = \"text\"", 1),
    )
    .unwrap();
    let r = run_in(dir.path(), &["check"]);
    assert!(
        r.stderr
            .contains("`deadline_field` cannot be `text` (the free text)"),
        "{}",
        r.stderr
    );
}
