//! `complaints run` on small fixtures: outputs exist, rows reconcile, rejects and exit codes.

use crate::util::{AS_OF, Ran, read, run, run_on, tempdir};

const MINI: &str = "tests/fixtures/inputs/mini.csv";

/// `complaints [LEADING] run` on mini.csv into `out`, then `extra`. mini.csv rejects 3 of its 7
/// rows on purpose, over the default limit of 20 %: the limit is 50 % unless `extra` sets one.
fn run_mini(leading: &[&str], out: &str, extra: &[&str]) -> Ran {
    let mut args: Vec<&str> = leading.to_vec();
    args.extend(["run", "--input", MINI, "--out", out, "--as-of", AS_OF]);
    if !extra.contains(&"--max-rejects") {
        args.extend(["--max-rejects", "50%"]);
    }
    args.extend(extra);
    run(&args)
}

#[test]
fn run_writes_every_output_and_rows_reconcile() {
    let dir = tempdir();
    let out = dir.path().to_str().unwrap();
    let r = run_mini(&[], out, &[]).expect(0);
    assert!(
        r.stderr
            .contains("read 7 rows: 4 accepted (3 complaints + 1 merged duplicates), 3 rejected"),
        "{}",
        r.stderr
    );
    // stderr is a pipe here: the summary and the timing line, no progress bars.
    assert!(r.stderr.contains("timings: ingest"), "{}", r.stderr);
    if cfg!(target_os = "linux") {
        // The memory high-water mark closes the timing line, and timings.json has it per stage.
        assert!(r.stderr.contains(", peak memory "), "{}", r.stderr);
    }
    assert!(
        !r.stderr.contains('\u{1b}'),
        "terminal codes on a pipe: {:?}",
        r.stderr
    );
    let quiet = run_mini(&["-q"], out, &[]).expect(0);
    assert_eq!(quiet.stderr, "", "-q prints nothing");
    for f in [
        "report.html",
        "complaints.csv",
        "rejects.csv",
        "findings.csv",
        "sla.csv",
        "manifest.json",
        "timings.json",
    ] {
        assert!(dir.path().join(f).exists(), "{f} missing");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&read(dir.path().join("manifest.json"))).unwrap();
    let timings: serde_json::Value =
        serde_json::from_str(&read(dir.path().join("timings.json"))).unwrap();
    if cfg!(target_os = "linux") {
        let marks = timings["peak_rss_mib"].as_object().expect("peak_rss_mib");
        let stages: Vec<&str> = marks.keys().map(String::as_str).collect();
        for stage in ["normalize", "classify", "assess", "aggregate", "render"] {
            assert!(stages.contains(&stage), "{stage} missing from {stages:?}");
        }
        let render = marks["render"].as_u64().unwrap();
        assert!(
            marks.values().all(|v| v.as_u64().unwrap() <= render),
            "a high-water mark never falls: {marks:?}"
        );
    }
    let rows = &manifest["rows"];
    assert_eq!(
        (
            rows["read"].as_u64(),
            rows["accepted"].as_u64(),
            rows["rejected"].as_u64()
        ),
        (Some(7), Some(4), Some(3))
    );
    let report = read(dir.path().join("report.html"));
    assert!(
        report.contains("读取行数 <b>7</b> = 接收 <b>4</b> + 拒收 <b>3</b>"),
        "report does not reconcile rows"
    );
    // Every rejected record is in rejects.csv exactly once, with its line.
    let rejects = read(dir.path().join("rejects.csv"));
    assert_eq!(rejects.lines().count(), 1 + 3);
    assert!(rejects.contains(",5,4,normalize,complaint_id,,missing_id,"));
    assert!(rejects.contains(",7,6,ingest,,extra,ragged_row,"));
}

#[test]
fn max_rejects_fails_with_exit_1_after_writing_outputs() {
    let dir = tempdir();
    let out = dir.path().to_str().unwrap();
    let r = run_mini(&[], out, &["--max-rejects", "2"]).expect(1);
    assert!(
        r.stderr
            .contains("3 of 7 rows rejected, over the limit of 2"),
        "{}",
        r.stderr
    );
    assert!(dir.path().join("rejects.csv").exists());
    run_mini(&[], out, &["--max-rejects", "50%"]).expect(0);
    run_mini(&[], out, &["--max-rejects", "40%"]).expect(1);
}

#[test]
fn strict_stops_at_the_first_bad_row() {
    let dir = tempdir();
    let r = run_on(MINI, dir.path(), &["--strict"]).expect(1);
    assert!(
        r.stderr.contains(
            "--strict: tests/fixtures/inputs/mini.csv:5: `complaint_id` is blank (missing_id)"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn bad_as_of_is_a_usage_error() {
    let r = run(&["run", "--input", MINI, "--as-of", "yesterday"]).expect(2);
    assert!(
        r.stderr.contains("error: --as-of: cannot read `yesterday`"),
        "{}",
        r.stderr
    );
}

#[test]
fn personal_data_is_masked_by_default_and_shown_with_unmask() {
    let dir = tempdir();
    let out = dir.path().to_str().unwrap();
    run_mini(&[], out, &[]).expect(0);
    let csv = read(dir.path().join("complaints.csv"));
    assert!(
        !csv.contains("13812345678") && !csv.contains("王建国"),
        "{csv}"
    );
    assert!(csv.contains("138****5678") && csv.contains("王**"));
    run_mini(&[], out, &["--unmask"]).expect(0);
    assert!(read(dir.path().join("complaints.csv")).contains("13812345678"));
    assert!(read(dir.path().join("manifest.json")).contains("\"unmasked\": true"));
}

/// A project named in `[sla.project_calendars]` has its verdicts counted on that calendar, and
/// every other project stays on the run's default one.
#[test]
fn a_project_calendar_counts_that_projects_verdicts() {
    let dir = tempdir();
    crate::util::copy_setup(dir.path());
    std::fs::write(
        dir.path().join("complaints.toml"),
        "[sla]\ncalendar = \"cn_office\"\n\n[sla.project_calendars]\n\"翠湖花园\" = \"cn_service_desk\"\n",
    )
    .unwrap();
    let input = crate::util::root().join("sample_data/complaints_2026.csv");
    let input = input.to_str().unwrap();
    let args = ["run", "--input", input, "--out", "out", "--as-of", AS_OF];
    crate::util::run_in(dir.path(), &args).expect(0);
    let out = dir.path().join("out");
    let column = |rec: &csv::StringRecord, headers: &csv::StringRecord, name: &str| {
        let at = headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .unwrap();
        rec[at].to_owned()
    };
    let mut complaints = csv::Reader::from_path(out.join("complaints.csv")).unwrap();
    let headers = complaints.headers().unwrap().clone();
    let project_of: std::collections::HashMap<String, String> = complaints
        .records()
        .map(Result::unwrap)
        .map(|r| {
            let id = column(&r, &headers, "complaint_id");
            (id, column(&r, &headers, "project"))
        })
        .collect();
    let mut sla = csv::Reader::from_path(out.join("sla.csv")).unwrap();
    let headers = sla.headers().unwrap().clone();
    let mut seen = std::collections::BTreeSet::new();
    for r in sla.records().map(Result::unwrap) {
        let project = &project_of[&column(&r, &headers, "complaint_id")];
        let calendar = column(&r, &headers, "calendar");
        seen.insert((project == "翠湖花园", calendar));
    }
    let want = [
        (false, "cn_office".to_owned()),
        (true, "cn_service_desk".to_owned()),
    ];
    assert_eq!(seen, want.into_iter().collect());
}
