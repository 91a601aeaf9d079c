//! The bad-input corpus: every file in `tests/fixtures/bad/` is run, and its outcome (exit
//! code, rejects by reason, findings by code, the error message) must be the one pinned in the
//! table of `tests/fixtures/bad/README.md`. No input may panic. See: issue 18.

use std::collections::BTreeMap;

use crate::util::{AS_OF, files_under, read, root, run, run_on, tempdir};

const DIR: &str = "tests/fixtures/bad";

/// One row of the table.
#[derive(Debug, PartialEq)]
struct Outcome {
    exit: i32,
    rejects: String,
    findings: String,
    message: String,
}

/// The table in README.md: `| file | exit | rejects | findings | message |`.
fn expected() -> BTreeMap<String, Outcome> {
    let text = read(root().join(DIR).join("README.md"));
    let mut out = BTreeMap::new();
    for l in text.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
        assert_eq!(cells.len(), 5, "a table row has five cells: {l}");
        let unquote = |s: &str| s.trim_matches('`').replace("\\|", "|");
        out.insert(
            unquote(cells[0]),
            Outcome {
                exit: cells[1]
                    .parse()
                    .unwrap_or_else(|_| panic!("exit code in {l}")),
                rejects: unquote(cells[2]),
                findings: unquote(cells[3]),
                message: unquote(cells[4]),
            },
        );
    }
    out
}

/// `code n, code n` from a manifest's count object.
fn counts(v: &serde_json::Value) -> String {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// Runs one fixture (an event log goes with the small clean export) and reads its outcome.
fn outcome(file: &str) -> Outcome {
    let dir = tempdir();
    let out = dir.path().join("out");
    let path = format!("{DIR}/{file}");
    // Every outcome is pinned by its rejects; the default reject limit (20 %) would turn most
    // of these few-row files into exit 1, which is not what the corpus is about.
    let mut args = vec![
        "run",
        "--out",
        out.to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--max-rejects",
        "100%",
    ];
    if file.ends_with(".events.csv") {
        args.extend([
            "--input",
            "tests/fixtures/inputs/mini.csv",
            "--events",
            &path,
        ]);
    } else {
        args.extend(["--input", &path]);
    }
    let r = run(&args);
    assert!(
        !r.stderr.contains("panicked") && (0..=2).contains(&r.code),
        "{file}: exit {} with\n{}",
        r.code,
        r.stderr
    );
    let manifest = out.join("manifest.json");
    let (rejects, findings) = if manifest.exists() {
        let m: serde_json::Value = serde_json::from_str(&read(&manifest)).unwrap();
        let lines = &m["lines"];
        assert_eq!(
            lines["physical"].as_u64(),
            Some(
                lines["header"].as_u64().unwrap()
                    + lines["in_records"].as_u64().unwrap()
                    + lines["blank"].as_u64().unwrap()
            ),
            "{file}: lines do not add up"
        );
        (
            counts(&m["rejects_by_reason"]),
            counts(&m["findings_by_code"]),
        )
    } else {
        assert!(r.code == 2, "{file}: exit {} without outputs", r.code);
        (String::new(), String::new())
    };
    // The error line, without the folder the test ran in.
    let message = r
        .stderr
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or("")
        .replace(&out.display().to_string(), "<out>")
        .replace(&format!("{DIR}/"), "");
    Outcome {
        exit: r.code,
        rejects,
        findings,
        message,
    }
}

#[test]
fn every_bad_input_has_its_pinned_outcome_and_none_panics() {
    let want = expected();
    let mut files: Vec<String> = std::fs::read_dir(root().join(DIR))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "README.md" && n != "make.py")
        .collect();
    files.sort();
    assert!(files.len() >= 50, "the corpus holds {} files", files.len());
    let missing: Vec<&String> = files.iter().filter(|f| !want.contains_key(*f)).collect();
    assert!(missing.is_empty(), "no pinned outcome for {missing:?}");
    let gone: Vec<&String> = want.keys().filter(|f| !files.contains(f)).collect();
    assert!(
        gone.is_empty(),
        "outcomes of files that are not there: {gone:?}"
    );
    // Two threads: the runs are independent processes.
    let half = files.len() / 2;
    let (a, b) = files.split_at(half);
    let run_all = |part: &[String]| -> Vec<(String, Outcome)> {
        part.iter().map(|f| (f.clone(), outcome(f))).collect()
    };
    let (ra, rb) = std::thread::scope(|s| {
        let h = s.spawn(|| run_all(a));
        (run_all(b), h.join().unwrap())
    });
    let mut wrong = Vec::new();
    for (file, got) in ra.into_iter().chain(rb) {
        let w = &want[&file];
        let message_ok = if w.message.is_empty() {
            got.message.is_empty()
        } else {
            got.message.contains(&w.message)
        };
        if got.exit != w.exit
            || got.rejects != w.rejects
            || got.findings != w.findings
            || !message_ok
        {
            wrong.push(format!(
                "| `{file}` | {} | `{}` | `{}` | `{}` |\n    pinned: {w:?}",
                got.exit, got.rejects, got.findings, got.message
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} outcome(s) differ from tests/fixtures/bad/README.md:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// The runaway quote in the middle of a 100-row export costs its own row only: every complaint
/// after it is in complaints.csv or rejects.csv.
#[test]
fn an_unterminated_quote_mid_file_loses_no_complaint() {
    let dir = tempdir();
    let out = dir.path().join("out");
    run_on(format!("{DIR}/unterminated_quote_mid.csv"), &out, &[]).expect(0);
    let accepted = read(out.join("complaints.csv"));
    let rejected = read(out.join("rejects.csv"));
    for i in 1..=100 {
        let id = format!("B{i:03}");
        let in_accepted = accepted.lines().any(|l| l.starts_with(&format!("{id},")));
        let in_rejects = rejected.contains(&format!("{id},"));
        assert!(
            in_accepted || in_rejects,
            "{id} is neither accepted nor rejected"
        );
    }
    assert!(
        rejected.contains("unterminated_quote")
            && rejected.contains("the quoted field opened on line 35 runs on to line 40"),
        "{rejected}"
    );
}

/// Project page file names are slugs: no bidi control, no leading `=`, the real name kept in
/// the page.
#[test]
fn project_page_names_are_slugs_and_bidi_controls_show() {
    let dir = tempdir();
    let out = dir.path().join("out");
    run_on(
        format!("{DIR}/bidi_override.csv"),
        &out,
        &["--period", "2026-10"],
    )
    .expect(0);
    let names: Vec<String> = std::fs::read_dir(out.join("projects"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.contains(&"翠湖_gnp_exe.html".to_owned()), "{names:?}");
    for p in files_under(&out) {
        let html = p.extension().is_some_and(|x| x == "html");
        let name = p.to_string_lossy().into_owned();
        assert!(!name.contains('\u{202e}'), "{name}");
        if html {
            let page = read(&p);
            assert!(!page.contains('\u{202e}'), "{name} holds a raw U+202E");
        }
    }
    let report = read(out.join("report.html"));
    assert!(
        report.contains("翠湖[U+202E]gnp.exe"),
        "the real name, shown"
    );
}

/// Stage times are held as 32-bit seconds since 1970, so one after 2106 is rejected as
/// implausible even when `--as-of` is late enough that the over-a-year-ahead rule would keep it.
#[test]
fn a_stage_time_after_2106_is_rejected_as_implausible() {
    let dir = tempdir();
    let input = dir.path().join("in.csv");
    std::fs::write(
        &input,
        "投诉编号,投诉时间,项目名称,投诉内容,处理完成时间\n\
         A1,2026-10-05 09:00,翠湖花园,电梯坏了,2107-01-02 10:00\n\
         A2,2026-10-05 09:00,翠湖花园,电梯坏了,2026-10-06 10:00\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    crate::util::run_on_as_of(
        &input,
        &out,
        "2106-06-01T00:00:00+08:00",
        &["--max-rejects", "100%"],
    )
    .expect(0);
    let rejects = read(out.join("rejects.csv"));
    let rows: Vec<&str> = rejects.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{rejects}");
    assert!(
        rows[0].contains(",2,1,normalize,resolved_at,")
            && rows[0].contains("implausible_timestamp")
            && rows[0].contains("is after 2106"),
        "{rejects}"
    );
}
