//! The bundled sample: golden files, format parity, determinism, and regeneration.

use std::path::Path;

use crate::util::{AS_OF, assert_golden, read, root, run, run_on, tempdir};

/// Outputs pinned in full.
const PINNED: &[&str] = &[
    "report.html",
    "complaints.csv",
    "rejects.csv",
    "findings.csv",
    "audit.html",
];
/// Outputs pinned by digest (large, and covered line by line by `complaints.csv`).
const DIGESTED: &[&str] = &["sla.csv", "escalations.csv"];

fn run_sample(out: &Path, inputs: &[&str]) {
    let mut args = vec!["run", "--out", out.to_str().unwrap(), "--as-of", AS_OF];
    if !inputs.is_empty() {
        args.push("--input");
        args.extend(inputs);
    }
    run(&args).expect(0);
}

fn digest(p: &Path) -> String {
    complaints::output::sha256_hex(&std::fs::read(p).unwrap())
}

#[test]
fn sample_outputs_match_the_golden_files() {
    let dir = tempdir();
    run_sample(dir.path(), &[]);
    for f in PINNED {
        assert_golden(&format!("sample/{f}"), &read(dir.path().join(f)));
    }
    let digests: String = DIGESTED
        .iter()
        .map(|f| format!("{}  {f}\n", digest(&dir.path().join(f))))
        .collect();
    assert_golden("sample/digests.txt", &digests);
    // The manifest and the report both say read = accepted + rejected.
    let m: serde_json::Value =
        serde_json::from_str(&read(dir.path().join("manifest.json"))).unwrap();
    let rows = &m["rows"];
    let (r, a, j) = (
        rows["read"].as_u64().unwrap(),
        rows["accepted"].as_u64().unwrap(),
        rows["rejected"].as_u64().unwrap(),
    );
    assert_eq!(r, a + j);
    assert!(read(dir.path().join("report.html")).contains(&format!(
        "读取行数 <b>{}</b>",
        complaints::format::thousands(r as i64)
    )));
}

#[test]
fn csv_gbk_and_xlsx_copies_give_identical_outputs() {
    let (a, b, c) = (tempdir(), tempdir(), tempdir());
    run_sample(
        a.path(),
        &[
            "sample_data/complaints_2025H2.csv",
            "sample_data/complaints_2026.csv",
        ],
    );
    run_sample(
        b.path(),
        &[
            "sample_data/gbk/complaints_2025H2.csv",
            "sample_data/gbk/complaints_2026.csv",
        ],
    );
    run_sample(
        c.path(),
        &[
            "sample_data/xlsx/complaints_2025H2.xlsx",
            "sample_data/xlsx/complaints_2026.xlsx",
        ],
    );
    for other in [b.path(), c.path()] {
        for f in ["complaints.csv", "report.html", "sla.csv", "audit.html"] {
            assert!(
                read(a.path().join(f)) == read(other.join(f)),
                "{f} differs for {}",
                other.display()
            );
        }
        // rejects.csv differs only in the input file's name.
        let normalise = |s: String| {
            s.replace("sample_data/gbk/", "sample_data/")
                .replace("sample_data/xlsx/", "sample_data/")
                .replace(".xlsx,", ".csv,")
        };
        assert_eq!(
            normalise(read(a.path().join("rejects.csv"))),
            normalise(read(other.join("rejects.csv")))
        );
    }
    let m: serde_json::Value = serde_json::from_str(&read(b.path().join("manifest.json"))).unwrap();
    assert_eq!(m["inputs"][0]["encoding"], "gb18030");
    let m: serde_json::Value = serde_json::from_str(&read(c.path().join("manifest.json"))).unwrap();
    assert_eq!(m["inputs"][0]["format"], "xlsx");
}

#[test]
fn two_runs_into_different_folders_are_byte_identical() {
    let (a, b) = (tempdir(), tempdir());
    run_sample(a.path(), &[]);
    run_sample(b.path(), &[]);
    for f in PINNED.iter().chain(DIGESTED) {
        assert!(
            std::fs::read(a.path().join(f)).unwrap() == std::fs::read(b.path().join(f)).unwrap(),
            "{f} differs"
        );
    }
    // No temporary files are left behind.
    for e in std::fs::read_dir(a.path()).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with('.'), "leftover {name}");
    }
}

#[test]
fn the_generator_reproduces_the_bundled_sample_byte_for_byte() {
    let dir = tempdir();
    let out = dir.path().join("s");
    run(&[
        "sample",
        "--rows",
        "6000",
        "--seed",
        "2026",
        "--start",
        "2025-09-01",
        "--months",
        "14",
        "--formats",
        "utf8,gbk,xlsx",
        "--events",
        "--dirty",
        "--files",
        "halves",
        "--out",
        out.to_str().unwrap(),
    ])
    .expect(0);
    let mut checked = 0;
    for sub in ["", "gbk", "xlsx"] {
        for e in std::fs::read_dir(root().join("sample_data").join(sub)).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                let generated = out.join(sub).join(p.file_name().unwrap());
                assert!(
                    std::fs::read(&p).unwrap() == std::fs::read(&generated).unwrap(),
                    "{} differs",
                    p.display()
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 10, "only {checked} files compared");
}

#[test]
fn an_export_with_unfamiliar_headers_works_with_aliases_only() {
    let dir = tempdir();
    let out = dir.path().to_str().unwrap();
    // Without the aliases the required columns are missing, and the error says how to map them.
    let r = run_on("tests/fixtures/unfamiliar/export.csv", out, &[]).expect(2);
    assert!(
        r.stderr
            .contains("missing required column(s) `complaint_id`, `received_at`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("[profile.aliases]"), "{}", r.stderr);
    // With them, it runs: the fields are mapped, the stars scaled, the unknown column carried.
    run(&[
        "run",
        "--config",
        "tests/fixtures/unfamiliar/complaints.toml",
        "--out",
        out,
        "--as-of",
        AS_OF,
    ])
    .expect(0);
    let csv = read(dir.path().join("complaints.csv"));
    let first = csv.lines().nth(1).unwrap();
    assert!(
        first.starts_with("BS-001,2026-10-12 09:00:00,2026-10-12 09:20:00,"),
        "{first}"
    );
    assert!(
        first.contains(",望江花园,") && first.contains(",100,5,") && first.contains(",I,电梯,"),
        "{first}"
    );
    assert!(
        csv.lines().next().unwrap().contains(",客户编码,"),
        "unknown column not carried"
    );
}

/// Every output but the manifest, which counts the rule evaluations (what differs between the
/// modes below) and the timings.
const DATA_OUTPUTS: &[&str] = &[
    "report.html",
    "explain.html",
    "report.xlsx",
    "complaints.csv",
    "sla.csv",
    "escalations.csv",
    "rejects.csv",
    "findings.csv",
    "audit.html",
];

/// Asserts that the data outputs of a shared-evaluation run (`fast`) and a `--per-row` run
/// (`slow`) are byte-identical, and returns how many times each evaluated the rules.
fn same_data_outputs(fast: &Path, slow: &Path) -> (u64, u64) {
    for f in DATA_OUTPUTS {
        assert!(
            std::fs::read(fast.join(f)).unwrap() == std::fs::read(slow.join(f)).unwrap(),
            "{f} differs between per-row and shared evaluation"
        );
    }
    let evaluations = |d: &Path| -> u64 {
        let m: serde_json::Value = serde_json::from_str(&read(d.join("manifest.json"))).unwrap();
        m["coverage"]["evaluations"].as_u64().unwrap()
    };
    (evaluations(fast), evaluations(slow))
}

/// One value in two fields that reach decision tables (here `紧急程度` = `level_raw` and
/// `投诉类别` = `category_raw`) meets different table columns in each, so the table matches
/// cached per value are cached per field too. They were not: the fourth complaint's
/// `设施设备` (a `category_raw`) got the `level_raw` matches cached from the second, and shared
/// the third's evaluation, category 服务态度 instead of 公共设施.
#[test]
fn one_value_in_two_table_fields_is_matched_per_field() {
    let dir = tempdir();
    let input = dir.path().join("in.csv");
    let mut csv = String::from("投诉编号,投诉时间,项目名称,投诉内容,紧急程度,投诉类别\n");
    for (id, level_raw, category_raw) in [
        ("K1", "服务态度", ""),
        ("K2", "设施设备", ""),
        ("K3", "", "服务态度"),
        ("K4", "", "设施设备"),
    ] {
        csv.push_str(&format!(
            "{id},2026-10-05 09:00,翠湖花园,小区问题,{level_raw},{category_raw}\n"
        ));
    }
    std::fs::write(&input, csv).unwrap();
    let category = |extra: &[&str]| -> Vec<String> {
        let out = dir.path().join(format!("out{}", extra.len()));
        let mut args = vec!["--max-rejects", "100%"];
        args.extend(extra);
        crate::util::run_on(&input, &out, &args).expect(0);
        let table = read(out.join("complaints.csv"));
        let mut rows = csv::Reader::from_reader(table.trim_start_matches('\u{feff}').as_bytes());
        let col = rows
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "category")
            .unwrap();
        rows.records().map(|r| r.unwrap()[col].to_owned()).collect()
    };
    let shared = category(&[]);
    assert_eq!(shared[2..], ["服务态度", "公共设施"]);
    assert_eq!(shared, category(&["--per-row"]));
}

/// Evaluating the rules once per complaint, the reference, gives exactly what the default does
/// (once per distinct input, texts compared by the keyword-table rows they match).
#[test]
fn per_row_rule_evaluation_gives_identical_outputs() {
    let (fast, slow) = (tempdir(), tempdir());
    run_sample(fast.path(), &[]);
    run(&[
        "run",
        "--out",
        slow.path().to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--per-row",
    ])
    .expect(0);
    let (shared, per_row) = same_data_outputs(fast.path(), slow.path());
    assert!(
        shared * 5 < per_row,
        "shared evaluation should run the rule far fewer times ({shared} vs {per_row})"
    );
}

/// Cutting the CSV inputs into many small pieces parsed in parallel, assessing the complaints a
/// few hundred at a time (each chunk's rows written and summarised, then dropped), and keeping
/// the event log and the complaints' texts in scratch files instead of memory
/// (`--scratch-memory 0`) change nothing: the same records, lines, rejects, tables and report
/// as one piece.
#[test]
fn parsing_and_assessing_in_small_pieces_gives_identical_outputs() {
    let (whole, pieces) = (tempdir(), tempdir());
    run_sample(whole.path(), &[]);
    run(&[
        "run",
        "--out",
        pieces.path().to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--chunk-bytes",
        "20000",
        "--assess-chunk",
        "333",
        "--scratch-memory",
        "0",
    ])
    .expect(0);
    for f in PINNED {
        assert_golden(&format!("sample/{f}"), &read(pieces.path().join(f)));
    }
    for f in DATA_OUTPUTS {
        assert!(
            std::fs::read(whole.path().join(f)).unwrap()
                == std::fs::read(pieces.path().join(f)).unwrap(),
            "{f} differs when assessed in chunks"
        );
    }
    // The event log and the texts went through scratch files only when told to, and
    // timings.json says how much of the temporary folder each run used.
    let scratch = |dir: &Path| {
        let t: serde_json::Value = serde_json::from_str(&read(dir.join("timings.json"))).unwrap();
        let b = &t["scratch_bytes"];
        (
            b["texts"].as_u64().unwrap(),
            b["events"].as_u64().unwrap(),
            b["verdicts"].as_u64().unwrap(),
        )
    };
    let (texts, events, verdicts) = scratch(whole.path());
    assert_eq!((texts, events), (0, 0), "the sample fits in memory");
    assert!(verdicts > 0);
    let (texts, events, _) = scratch(pieces.path());
    assert!(texts > 0, "--scratch-memory 0 keeps the texts in a file");
    assert!(events > 0, "--scratch-memory 0 spills the event log");
}

/// A rule that opens with validation checks over timestamps (the shape RULES.md §9 shows) is
/// still evaluated once per distinct input: its guards run natively, and only the complaints a
/// guard rejects run the whole script. The outputs are exactly those of evaluating the whole
/// script per complaint, rejects and their messages included.
#[test]
fn validation_guards_keep_shared_evaluation_and_give_identical_outputs() {
    let rules = tempdir();
    crate::util::copy_dir(&root().join("rules"), rules.path());
    let classify = rules.path().join("classify.rhai");
    let shipped = read(&classify);
    let guards = r#"// Validation first: a 回访 before the resolution, a score under 40 (to see one fire).
fn classify(c) {
    if !is_blank(c.follow_up_at) && !is_blank(c.resolved_at) && c.follow_up_at < c.resolved_at {
        throw "回访时间早于处理完成时间";
    }
    if c.satisfaction != () && (c.satisfaction < 40 || c.satisfaction > 100) {
        throw "满意度低于40分";
    }
    // A guard that reads the text (none fires): the texts are in the rows while keys are built.
    if !is_blank(c.text) && regex_match(c.text, "^测试：从不出现的投诉$") {
        throw "不会出现";
    }
    classify_shipped(c)
}
"#;
    std::fs::write(
        &classify,
        format!(
            "{guards}\n{}",
            shipped.replace("fn classify(c)", "fn classify_shipped(c)")
        ),
    )
    .unwrap();
    let (fast, slow) = (tempdir(), tempdir());
    let rules_arg = rules.path().to_str().unwrap();
    for (out, extra) in [(fast.path(), None), (slow.path(), Some("--per-row"))] {
        let mut args = vec![
            "run",
            "--rules",
            rules_arg,
            "--out",
            out.to_str().unwrap(),
            "--as-of",
            AS_OF,
        ];
        args.extend(extra);
        run(&args).expect(0);
    }
    let (shared, per_row) = same_data_outputs(fast.path(), slow.path());
    let rejects = read(fast.path().join("rejects.csv"));
    let fired = rejects
        .lines()
        .filter(|l| l.contains(",rule_reject,") && l.contains("classify.rhai:7:9: 满意度低于40分"))
        .count();
    assert!(fired > 0, "a guard rejects with its position:\n{rejects}");
    assert!(
        shared * 5 < per_row,
        "the guards should not force per-row evaluation ({shared} vs {per_row})"
    );
}
