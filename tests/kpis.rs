//! Indicators as rule data (`rules/kpis.toml`): one added in a copied rule folder shows up in
//! the report, the workbook and the context; a broken one is reported with `file:line:col`;
//! a rule folder from before kpis.toml (a `[kpi]` table in rules.toml) still gives the same
//! report.

use std::path::Path;

use calamine::{Data, Reader};

use crate::util::{AS_OF, copy_setup, read, run, run_in, tempdir};

/// 夜间投诉占比: complaints received between 22:00 and 06:00, a filter over the complaint
/// table's `received_at`.
const NIGHT: &str = r#"
[[kpi]]
key = "night_share"
name = "夜间投诉占比"
name_en = "Night-time complaints"
numerator = "received_at.hour >= 22 || received_at.hour < 6"
denominator = "true"
better = "lower"
"#;

fn with_kpi(dir: &Path, extra: &str) {
    copy_setup(dir);
    let path = dir.join("rules/kpis.toml");
    let mut s = read(&path);
    s.push_str(extra);
    std::fs::write(path, s).unwrap();
}

/// The share the indicator should give, counted from complaints.csv: complaints received in
/// the report period (2026-10) between 22:00 and 06:00.
fn expected_night_share(out: &Path) -> (u64, u64) {
    let mut r = csv::Reader::from_path(out.join("complaints.csv")).unwrap();
    let col = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}') == "received_at")
        .unwrap();
    let (mut night, mut all) = (0, 0);
    for rec in r.records() {
        let t = rec.unwrap()[col].to_owned();
        if !t.starts_with("2026-10") {
            continue;
        }
        all += 1;
        let hour: u32 = t[11..13].parse().unwrap();
        if !(6..22).contains(&hour) {
            night += 1;
        }
    }
    (night, all)
}

#[test]
fn an_indicator_added_in_a_copied_rule_folder_is_in_the_report_the_workbook_and_the_context() {
    let dir = tempdir();
    with_kpi(dir.path(), NIGHT);
    let rules = dir.path().join("rules");
    let out = dir.path().join("out");
    let args = |cmd: &str| -> Vec<String> {
        let mut v = vec![
            cmd.to_owned(),
            "--rules".into(),
            rules.display().to_string(),
            "--as-of".into(),
            AS_OF.into(),
        ];
        if cmd == "run" {
            v.extend(["--out".into(), out.display().to_string()]);
        }
        v
    };
    fn strs(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    run(&strs(&args("check"))[..3]).expect(0);
    run(&strs(&args("run"))).expect(0);
    let (night, all) = expected_night_share(&out);
    assert!(night > 0 && night < all, "{night} / {all}");
    let value = (night as f64 / all as f64 * 10_000.0).round() / 10_000.0;
    // The context.
    let ctx: serde_json::Value =
        serde_json::from_str(&run(&strs(&args("context"))).expect(0).stdout).unwrap();
    let kpi = ctx["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key"] == "night_share")
        .expect("night_share in the context");
    assert_eq!(kpi["name"], "夜间投诉占比");
    assert_eq!(kpi["value"].as_f64(), Some(value));
    assert_eq!(kpi["detail"], format!("{night} / {all}"));
    assert_eq!(kpi["unit"], "rate");
    // The report's card.
    let html = read(out.join("report.html"));
    let card = html
        .split("<div class=\"card kpi\">")
        .find(|c| c.contains("夜间投诉占比"))
        .expect("a card for 夜间投诉占比");
    assert!(card.contains(kpi["text"].as_str().unwrap()), "{card}");
    // The workbook's indicator sheet.
    let mut wb = calamine::open_workbook_auto(out.join("report.xlsx")).unwrap();
    let sheet = wb.worksheet_range("关键指标").unwrap();
    let row = sheet
        .rows()
        .find(|r| r.first() == Some(&Data::String("夜间投诉占比".into())))
        .expect("a row for 夜间投诉占比");
    assert_eq!(row[1], Data::Float(value));
    // The shipped indicators are all still there, unchanged in order.
    let keys: Vec<&str> = ctx["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys.first(), Some(&"volume"));
    assert_eq!(keys.last(), Some(&"night_share"));
    assert_eq!(keys.len(), 13);
}

/// Indicators whose filters name the columns the report groups by (`project`), over
/// complaints and over verdicts: the group-by must leave those columns to the filters. The
/// count is the complaints of that project received in the report period, from complaints.csv.
#[test]
fn an_indicator_filtered_on_the_project_counts_that_project() {
    let dir = tempdir();
    with_kpi(
        dir.path(),
        r#"
[[kpi]]
key = "one_project"
name = "锦绣华庭投诉量"
count = 'project == "锦绣华庭"'

[[kpi]]
key = "one_project_met"
name = "锦绣华庭达标"
over = "verdicts"
count = 'project == "锦绣华庭" && status == "met"'
"#,
    );
    let out = dir.path().join("out");
    let rules = dir.path().join("rules").display().to_string();
    let out_s = out.display().to_string();
    run(&["run", "--rules", &rules, "--as-of", AS_OF, "--out", &out_s]).expect(0);
    let mut r = csv::Reader::from_path(out.join("complaints.csv")).unwrap();
    let headers = r.headers().unwrap().clone();
    let at = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .unwrap()
    };
    let (received, project) = (at("received_at"), at("project"));
    let expected = r
        .records()
        .map(Result::unwrap)
        .filter(|rec| rec[received].starts_with("2026-10") && &rec[project] == "锦绣华庭")
        .count();
    assert!(expected > 0);
    let ctx: serde_json::Value = serde_json::from_str(
        &run(&["context", "--rules", &rules, "--as-of", AS_OF])
            .expect(0)
            .stdout,
    )
    .unwrap();
    let value = |key: &str| {
        ctx["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["key"] == key)
            .unwrap_or_else(|| panic!("{key} in the context"))["value"]
            .as_f64()
    };
    assert_eq!(value("one_project"), Some(expected as f64));
    assert!(value("one_project_met").is_some_and(|v| v > 0.0));
}

#[test]
fn a_broken_indicator_is_reported_with_file_line_and_column() {
    let dir = tempdir();
    with_kpi(
        dir.path(),
        r#"
[[kpi]]
key = "typo"
name = "拼写错误"
numerator = 'recieved_at.hour >= 22'
denominator = "true"

[[kpi]]
key = "syntax"
name = "语法错误"
count = 'status == "met" &&'
over = "verdicts"
"#,
    );
    let r = run_in(dir.path(), &["check"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let kpis = read(dir.path().join("rules/kpis.toml"));
    let line_of = |needle: &str| kpis.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let typo = format!("rules/kpis.toml:{}:14", line_of("recieved_at"));
    assert!(r.stderr.contains(&typo), "no `{typo}` in\n{}", r.stderr);
    assert!(
        r.stderr.contains("did you mean `received_at`?"),
        "{}",
        r.stderr
    );
    let syntax = format!("rules/kpis.toml:{}:", line_of("status == \"met\" &&"));
    assert!(r.stderr.contains(&syntax), "no `{syntax}` in\n{}", r.stderr);
    assert!(r.stderr.contains("cannot read the filter"), "{}", r.stderr);
}

#[test]
fn a_rule_folder_with_the_old_kpi_table_gives_the_same_report() {
    let dir = tempdir();
    copy_setup(dir.path());
    let rules = dir.path().join("rules");
    // The folder as it was written before kpis.toml: the parameters in rules.toml's [kpi].
    std::fs::remove_file(rules.join("kpis.toml")).unwrap();
    let mut manifest = read(rules.join("rules.toml"));
    manifest.push_str(
        "\n[kpi]\nacknowledgement_target = \"acknowledge_1wd\"\nacknowledgement_rate = 0.90\nsatisfaction_rate = 0.80\nsatisfied_score = 80\nresolution_target = \"resolve_7wd\"\nresponse_events = [\"acknowledged\", \"on_site\", \"replied\"]\nrepeat_days = 30\n",
    );
    std::fs::write(rules.join("rules.toml"), manifest).unwrap();
    let old = dir.path().join("old");
    let r = run(&[
        "run",
        "--rules",
        rules.to_str().unwrap(),
        "--out",
        old.to_str().unwrap(),
        "--as-of",
        AS_OF,
    ])
    .expect(0);
    assert!(
        r.stderr.contains("[kpi]") && r.stderr.contains("kpis.toml"),
        "the warning points to kpis.toml: {}",
        r.stderr
    );
    // The same folder as shipped today: kpis.toml, no [kpi].
    copy_setup(dir.path());
    let new = dir.path().join("new");
    run(&[
        "run",
        "--rules",
        rules.to_str().unwrap(),
        "--out",
        new.to_str().unwrap(),
        "--as-of",
        AS_OF,
    ])
    .expect(0);
    for page in ["report.html", "audit.html", "explain.html"] {
        assert_eq!(read(old.join(page)), read(new.join(page)), "{page} differs");
    }
}
