//! Exports from other systems, with a config alone: `init` on the three public shapes in
//! `tests/fixtures/exports/` (a US 311 export, a CFPB complaint export, an SF 311 export), then
//! `run`; layered rule folders; targets by name; honest exits when rows are rejected.

use std::path::Path;

use crate::util::{read, root, run_in, tempdir};

/// A fresh project folder holding one fixture export.
fn project(fixture: &str) -> tempfile::TempDir {
    let dir = tempdir();
    std::fs::copy(
        root().join("tests/fixtures/exports").join(fixture),
        dir.path().join(fixture),
    )
    .unwrap();
    dir
}

/// (read, accepted) from the manifest of `out/`.
fn rows(dir: &Path) -> (u64, u64) {
    let m: serde_json::Value = serde_json::from_str(&read(dir.join("out/manifest.json"))).unwrap();
    (
        m["rows"]["read"].as_u64().unwrap(),
        m["rows"]["accepted"].as_u64().unwrap(),
    )
}

#[test]
fn init_then_run_accepts_each_public_export_shape() {
    for (fixture, id_header, time_form) in [
        ("us311.csv", "SRRecordID", Some("%m/%d/%Y %I:%M:%S %p")),
        ("cfpb.csv", "Complaint ID", Some("%m/%d/%y")),
        ("sf311.csv", "unique_key", None),
    ] {
        let dir = project(fixture);
        let init = run_in(dir.path(), &["init", "--from", fixture]).expect(0);
        assert!(init.stderr.contains("fields not found:"), "{}", init.stderr);
        let cfg = read(dir.path().join("complaints.toml"));
        assert!(
            cfg.contains(&format!("complaint_id = [\"{id_header}\"]")),
            "{fixture}:\n{cfg}"
        );
        match time_form {
            Some(f) => assert!(
                cfg.contains(&format!("timestamp_forms = [\"{f}\"]")),
                "{cfg}"
            ),
            None => assert!(!cfg.contains("\ntimestamp_forms"), "{cfg}"),
        }
        // `run` with nothing but the written config and the shipped rules.
        let r = run_in(dir.path(), &["run"]).expect(0);
        let (read_rows, accepted) = rows(dir.path());
        assert_eq!(read_rows, 240, "{fixture}: {}", r.stderr);
        assert!(
            accepted * 100 >= read_rows * 99,
            "{fixture}: {accepted} of {read_rows} accepted\n{}",
            r.stderr
        );
        // The default period is the data's last complete month, not the month before now.
        let report = read(dir.path().join("out/report.html"));
        assert!(
            report.contains("默认：截至数据时点最近一个有数据的完整月份"),
            "{fixture}"
        );
    }
}

#[test]
fn init_maps_a_us_state_to_nothing_and_never_overwrites_without_force() {
    let dir = project("cfpb.csv");
    run_in(dir.path(), &["init", "--from", "cfpb.csv"]).expect(0);
    let cfg = read(dir.path().join("complaints.toml"));
    assert!(!cfg.contains("status = [\"State\"]"), "{cfg}");
    assert!(cfg.contains("Not mapped (carried through"), "{cfg}");
    assert!(cfg.contains("State"), "{cfg}");
    let again = run_in(dir.path(), &["init", "--from", "cfpb.csv"]).expect(2);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    run_in(dir.path(), &["init", "--from", "cfpb.csv", "--force"]).expect(0);
}

#[test]
fn null_markers_are_blanks_so_open_cases_stay_in_the_report() {
    let dir = project("us311.csv");
    run_in(dir.path(), &["init", "--from", "us311.csv"]).expect(0);
    run_in(dir.path(), &["run"]).expect(0);
    let csv = read(dir.path().join("out/complaints.csv"));
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let closed = header.iter().position(|h| *h == "closed_at").unwrap();
    let status = header.iter().position(|h| *h == "status").unwrap();
    let open: Vec<&str> = csv
        .lines()
        .filter(|l| l.split(',').nth(status) == Some("Open"))
        .collect();
    assert!(open.len() > 20, "{} open cases", open.len());
    assert!(
        open.iter().all(|l| l.split(',').nth(closed) == Some("")),
        "an open case with a close time"
    );
}

/// The US 311 fixture's config, without `init`: aliases only, its form, and what the test adds.
fn us311_config(extra: &str) -> String {
    format!(
        "inputs = [\"us311.csv\"]\n{extra}\n[ingest]\ntimestamp_forms = [\"%m/%d/%Y %I:%M:%S %p\"]\n\n[profile.aliases]\ncomplaint_id = [\"SRRecordID\"]\nreceived_at = [\"CreatedDate\"]\nclosed_at = [\"CloseDate\"]\nproject = [\"Neighborhood\"]\nstatus = [\"SRStatus\"]\n"
    )
}

#[test]
fn a_folder_with_the_config_and_one_extra_preset_runs_on_the_shipped_rules() {
    let dir = project("us311.csv");
    std::fs::write(
        dir.path().join("complaints.toml"),
        us311_config("")
            + "\n[sla]\ntargets = [\"due_or_10d\", \"resolve_7wd\"]\n[audit]\nduties = []\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("rules/sla")).unwrap();
    // A target for every complaint (no `when`), due when the export says, else in 10 days.
    std::fs::write(
        dir.path().join("rules/sla/due_dates.toml"),
        "title = \"311 due dates\"\n\n[[target]]\nname = \"due_or_10d\"\nstop = [\"closed\"]\ndeadline_field = \"DueDate\"\nlimit = \"10 days\"\n",
    )
    .unwrap();
    let check = run_in(dir.path(), &["check"]).expect(0);
    let shown = check.stderr.replace('\\', "/");
    assert!(
        shown.contains("rule set: rules/ over the built-in rules"),
        "{shown}"
    );
    assert!(
        shown.contains("due_or_10d") && shown.contains("rules/sla/due_dates.toml"),
        "{shown}"
    );
    assert!(
        shown.contains("(built-in)/rules/sla/resolution.toml"),
        "{shown}"
    );
    assert!(shown.contains("(built-in)/rules/classify.rhai"), "{shown}");
    run_in(dir.path(), &["run"]).expect(0);
    let sla = read(dir.path().join("out/sla.csv"));
    let due: Vec<&str> = sla.lines().filter(|l| l.contains(",due_or_10d,")).collect();
    assert_eq!(due.len(), 239, "every accepted complaint has the target");
    let from_field = due
        .iter()
        .filter(|l| l.contains("due time from `DueDate`"))
        .count();
    // `NA` in DueDate is a blank: those rows fall back to the 10-day limit.
    assert!(
        from_field > 150 && from_field < 239,
        "{from_field} due times from the column"
    );
    let manifest = read(dir.path().join("out/manifest.json"));
    assert!(
        manifest.contains("(built-in)/rules/classify.rhai"),
        "the manifest names the shipped files"
    );
}

#[test]
fn a_companion_target_can_be_switched_off_and_targets_chosen_by_name() {
    let dir = project("us311.csv");
    let cfg = us311_config("")
        + "\n[sla]\npresets = [\"three_level\"]\ntargets = [\"follow_up_3d\"]\ntargets_off = [\"contact_24h\"]\n[audit]\nduties = []\n";
    std::fs::write(dir.path().join("complaints.toml"), cfg).unwrap();
    let check = run_in(dir.path(), &["check"]).expect(0);
    assert!(
        !check.stderr.contains("target contact_24h"),
        "{}",
        check.stderr
    );
    for t in ["respond_15m", "dispatch_2h", "reply_5wd", "follow_up_3d"] {
        assert!(
            check.stderr.contains(&format!("target {t}")),
            "{t}: {}",
            check.stderr
        );
    }
    // A target chained to one switched off cannot start: an error that says why.
    std::fs::create_dir_all(dir.path().join("rules/sla")).unwrap();
    std::fs::write(
        dir.path().join("rules/sla/chained.toml"),
        "[[target]]\nname = \"after_contact\"\nafter = \"contact_24h\"\nstop = [\"closed\"]\nlimit = \"3 days\"\n",
    )
    .unwrap();
    let cfg = us311_config("")
        + "\n[sla]\npresets = [\"three_level\", \"chained\"]\ntargets_off = [\"contact_24h\"]\n[audit]\nduties = []\n";
    std::fs::write(dir.path().join("complaints.toml"), cfg).unwrap();
    let r = run_in(dir.path(), &["check"]).expect(1);
    assert!(
        r.stderr
            .contains("`after` names `contact_24h`, which `sla.targets_off` switches off"),
        "{}",
        r.stderr
    );
    std::fs::remove_dir_all(dir.path().join("rules")).unwrap();
    // A name that chooses nothing is an error at its place in the config.
    let bad = us311_config("") + "\n[sla]\ntargets_off = [\"contact_42h\"]\n";
    std::fs::write(dir.path().join("complaints.toml"), bad).unwrap();
    let r = run_in(dir.path(), &["check"]).expect(1);
    assert!(
        r.stderr.contains("`sla.targets_off` names `contact_42h`"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("did you mean `contact_24h`?"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_all_rejected_run_exits_1_and_names_the_fix() {
    let dir = project("us311.csv");
    // Year-first dates only: every US time is rejected.
    let cfg = us311_config("").replace(
        "timestamp_forms = [\"%m/%d/%Y %I:%M:%S %p\"]",
        "date_order = \"ymd\"",
    );
    std::fs::write(dir.path().join("complaints.toml"), &cfg).unwrap();
    let r = run_in(dir.path(), &["run"]).expect(1);
    assert!(
        r.stderr
            .contains("no row accepted: all 240 rows were rejected"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("most rows were rejected for `bad_timestamp`"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("ingest.timestamp_forms = [\"%m/%d/%Y %I:%M:%S %p\"]"),
        "{}",
        r.stderr
    );
    // The report is still written, and says why.
    let report = read(dir.path().join("out/report.html"));
    assert!(
        report.contains("没有任何一行被接收"),
        "no alarm in the report"
    );
    // With the limit lifted, a run that accepts nothing still fails.
    let r = run_in(dir.path(), &["run", "--max-rejects", "100%"]).expect(1);
    assert!(
        r.stderr
            .contains("no row accepted: all 240 rows were rejected"),
        "{}",
        r.stderr
    );
}

#[test]
fn without_a_form_the_order_of_day_and_month_is_never_guessed() {
    let dir = tempdir();
    std::fs::write(
        dir.path().join("x.csv"),
        "Case ID,Opened\nC1,04/02/2018\nC2,05/06/2018\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("complaints.toml"),
        "inputs = [\"x.csv\"]\n[profile.aliases]\nreceived_at = [\"Opened\"]\n",
    )
    .unwrap();
    let r = run_in(dir.path(), &["run"]).expect(2);
    assert!(
        r.stderr.contains("`Opened` (`received_at`)"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("ingest.date_order"), "{}", r.stderr);
    let c = run_in(dir.path(), &["check", "--input", "x.csv"]).expect(1);
    assert!(c.stderr.contains("ingest.date_order"), "{}", c.stderr);
}

#[test]
fn check_input_shows_the_mapping_and_the_detected_forms() {
    let dir = project("us311.csv");
    std::fs::write(dir.path().join("complaints.toml"), us311_config("")).unwrap();
    let r = run_in(dir.path(), &["check", "--input", "us311.csv"]).expect(0);
    assert!(
        r.stderr.contains("CreatedDate → received_at (config alias); timestamps: `%m/%d/%Y %I:%M:%S %p` (configured)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("Agency → (carried through)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("fields not found: acknowledged_at"),
        "{}",
        r.stderr
    );
    // Without the declared form, detection finds it and `run` says what it chose.
    let cfg = us311_config("").replace("timestamp_forms = [\"%m/%d/%Y %I:%M:%S %p\"]", "");
    std::fs::write(dir.path().join("complaints.toml"), cfg).unwrap();
    let r = run_in(dir.path(), &["run"]).expect(0);
    assert!(
        r.stderr.contains(
            "timestamps: `CreatedDate` (`received_at`): `%m/%d/%Y %I:%M:%S %p` (detected"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn period_all_writes_the_top_level_pages_for_historical_data() {
    let dir = project("sf311.csv");
    run_in(dir.path(), &["init", "--from", "sf311.csv"]).expect(0);
    let r = run_in(dir.path(), &["run", "--period", "all"]).expect(0);
    for f in ["report.html", "audit.html", "explain.html"] {
        assert!(
            dir.path().join("out").join(f).exists(),
            "{f} missing: {}",
            r.stderr
        );
    }
    assert!(dir.path().join("out/months/2019-08/report.html").exists());
    assert!(
        r.stderr
            .contains("wrote out/: report.html, audit.html, explain.html"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("months/ ("), "{}", r.stderr);
}

/// How each column's timestamps are read is worded in the report's language: detected forms
/// in Chinese by default, in English with `--lang en`.
#[test]
fn the_column_mapping_words_detected_forms_in_the_report_language() {
    let dir = project("us311.csv");
    // The fixture's aliases without its declared form: the tool detects it.
    let cfg = us311_config("").replace("timestamp_forms = [\"%m/%d/%Y %I:%M:%S %p\"]\n", "");
    std::fs::write(dir.path().join("complaints.toml"), cfg).unwrap();
    run_in(dir.path(), &["run"]).expect(0);
    let zh = read(dir.path().join("out/report.html"));
    assert!(
        zh.contains("`%m&#x2f;%d&#x2f;%Y %I:%M:%S %p`（自动识别：抽样"),
        "the detected form, worded in Chinese"
    );
    assert!(
        !zh.contains("then built-in forms"),
        "English left in the zh report"
    );
    run_in(dir.path(), &["run", "--lang", "en", "--out", "out-en"]).expect(0);
    let en = read(dir.path().join("out-en/report.html"));
    assert!(
        en.contains("`%m&#x2f;%d&#x2f;%Y %I:%M:%S %p` (detected: "),
        "the detected form, worded in English"
    );
}
