//! The procedure library: `docs/PROCEDURES.md` is what `complaints procedures` writes, every
//! numbered rule of the sources is implemented or listed with a reason, every procedure (and
//! every combination the docs and sample configs name) checks clean, and a run writes the table
//! of the rules it used.

use std::path::Path;

use crate::util::{AS_OF, read, root, run, run_in, tempdir};

#[test]
fn the_procedures_document_is_what_the_command_writes() {
    let r = run(&["procedures", "-q"]).expect(0);
    let doc = read(root().join("docs/PROCEDURES.md"));
    assert!(
        r.stdout == doc,
        "docs/PROCEDURES.md is stale: run `complaints procedures --out docs/PROCEDURES.md`\n{}",
        crate::util::first_difference(&doc, &r.stdout)
    );
}

/// "time limits: 58 of 69 implemented, 11 cannot be audited; escalation rules: ..." → the
/// numbers, in order.
fn numbers(line: &str) -> Vec<usize> {
    line.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().expect("a number"))
        .collect()
}

#[test]
fn every_numbered_rule_is_implemented_with_a_test_or_listed_with_a_reason() {
    let r = run(&["procedures", "--check"]).expect(0);
    let summary = r
        .stderr
        .lines()
        .find(|l| l.contains("time limits:"))
        .unwrap_or_else(|| panic!("no summary line in\n{}", r.stderr));
    let n = numbers(summary);
    let (t_done, t_total, t_gaps, e_done, e_total, e_gaps) = (n[0], n[1], n[2], n[3], n[4], n[5]);
    assert_eq!((t_total, e_total), (69, 51), "{summary}");
    assert_eq!(t_done + t_gaps, t_total, "{summary}");
    assert_eq!(e_done + e_gaps, e_total, "{summary}");
    assert!(t_done >= 55 && e_done >= 35, "{summary}");
    // The document says the same.
    assert!(r.stdout.contains(&format!(
        "| Time limits (T) | {t_done} | {t_gaps} | 0 | 0 | 69 |"
    )));
}

/// The procedure ids of the rule folder's library.
fn procedure_ids() -> Vec<String> {
    let lib: toml::Table = toml::from_str(&read(root().join("rules/procedures.toml"))).unwrap();
    lib["procedure"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The `procedure = ...` values written in the docs and the sample configs, as lists.
fn named_combinations() -> Vec<Vec<String>> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    for sample in ["hotel", "hospital"] {
        files.push(
            root()
                .join("sample_data")
                .join(sample)
                .join("complaints.toml"),
        );
    }
    let mut out: Vec<Vec<String>> = Vec::new();
    for f in files {
        for line in read(&f).lines() {
            let Some(value) = line.trim().strip_prefix("procedure = ") else {
                continue;
            };
            let value = value.split(" #").next().unwrap_or(value).trim();
            let parsed: toml::Table = toml::from_str(&format!("p = {value}")).unwrap();
            let ids = match &parsed["p"] {
                toml::Value::String(s) => vec![s.clone()],
                toml::Value::Array(a) => a.iter().map(|x| x.as_str().unwrap().to_owned()).collect(),
                other => panic!("{}: `procedure = {other}`", f.display()),
            };
            if !out.contains(&ids) {
                out.push(ids);
            }
        }
    }
    out
}

/// `complaints check` with a config naming `ids`; returns the exit code and stderr.
fn check(dir: &Path, n: usize, ids: &[String]) -> (i32, String) {
    let list: Vec<String> = ids.iter().map(|i| format!("\"{i}\"")).collect();
    let config = dir.join(format!("c{n}.toml"));
    std::fs::write(
        &config,
        format!(
            "rules = \"{}\"\ntemplates = \"{}\"\nprocedure = [{}]\n",
            root().join("rules").display(),
            root().join("report_templates").display(),
            list.join(", ")
        ),
    )
    .unwrap();
    let r = run_in(dir, &["check", "--config", config.to_str().unwrap()]);
    (r.code, r.stderr)
}

#[test]
fn check_passes_on_each_procedure_all_of_them_and_every_combination_the_docs_name() {
    let ids = procedure_ids();
    let named = named_combinations();
    assert!(
        named.iter().any(|c| c.len() > 1),
        "the docs name no combination of procedures: {named:?}"
    );
    let mut sets: Vec<Vec<String>> = ids.iter().map(|i| vec![i.clone()]).collect();
    sets.push(ids.iter().filter(|i| *i != "shipped").cloned().collect());
    sets.extend(named);
    let dir = tempdir();
    // Two at a time: the machine has two cores and each check is a process.
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = sets
            .chunks(sets.len().div_ceil(2))
            .enumerate()
            .map(|(k, chunk)| {
                let dir = dir.path();
                s.spawn(move || {
                    chunk
                        .iter()
                        .enumerate()
                        .filter_map(|(i, set)| {
                            let (code, err) = check(dir, k * 1000 + i, set);
                            (code != 0).then(|| format!("{set:?}: exit {code}\n{err}"))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_procedure_outside_the_library_and_a_preset_outside_the_procedure_are_named() {
    let dir = tempdir();
    let (code, err) = check(dir.path(), 0, &["003-H12".into(), "003-h11".into()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no procedure `003-h11`"), "{err}");
    assert!(err.contains("did you mean `003-H11`?"), "{err}");
    let config = dir.path().join("narrow.toml");
    std::fs::write(
        &config,
        format!(
            "rules = \"{}\"\ntemplates = \"{}\"\nprocedure = \"003-H11\"\n[sla]\npresets = [\"followup\"]\n",
            root().join("rules").display(),
            root().join("report_templates").display()
        ),
    )
    .unwrap();
    let r = run_in(dir.path(), &["check", "--config", config.to_str().unwrap()]).expect(1);
    assert!(
        r.stderr
            .contains("`sla.presets` names `followup`, which procedure 003-H11 does not include"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_run_writes_the_table_of_the_rules_it_used_and_the_report_links_it() {
    let out = tempdir();
    run(&[
        "run",
        "--as-of",
        AS_OF,
        "--out",
        out.path().to_str().unwrap(),
        "--no-record-tables",
        "-q",
    ])
    .expect(0);
    let table = read(out.path().join("procedures.md"));
    // The default selection: three_level (T01) and the 003-H11 duties (E26) are in use; a
    // procedure none of its presets comes from (000-U's service standards) is not.
    assert!(table.contains("| T01 | 002 | implemented |"), "{table}");
    assert!(table.contains("| E26 | 003-H11 | implemented |"), "{table}");
    assert!(!table.contains("| T27 |"), "{table}");
    // The gaps of the procedures in use are listed with their reason.
    assert!(
        table.contains("| T11 | 002 | cannot be audited |"),
        "{table}"
    );
    let report = read(out.path().join("report.html"));
    assert!(
        report.contains("<a href=\"procedures.md\">"),
        "no link in the report"
    );
}

#[test]
fn the_hotel_and_hospital_samples_audit_their_procedures() {
    for (sample, duties, targets, rows) in [
        (
            "hotel",
            &[
                "客人要求见经理时，立即请上级同事处理",
                "投诉事件登记记事本，供管理层审阅",
            ][..],
            &["处理后回访客人，确认满意"][..],
            &["| E22 | 001-HT | implemented |"][..],
        ),
        (
            "hospital",
            &[
                "护士直接接到投诉，及时报告护士长",
                "重大护理投诉转护理部处理",
            ][..],
            &[
                "一般护理投诉由护士长及时口头反馈",
                "24小时内初步处理并回应投诉人",
            ][..],
            &[
                "| E23 | 001-HS | implemented |",
                "| E24 | 001-HS | implemented |",
                "| T64 | 001-HS | cannot be audited |",
            ][..],
        ),
    ] {
        let out = tempdir();
        let config = root()
            .join("sample_data")
            .join(sample)
            .join("complaints.toml");
        run(&[
            "run",
            "--config",
            config.to_str().unwrap(),
            "--as-of",
            AS_OF,
            "--out",
            out.path().to_str().unwrap(),
            "-q",
        ])
        .expect(0);
        let audit = read(out.path().join("audit.html"));
        let report = read(out.path().join("report.html"));
        // Each duty has a row of the compliance table with at least one finding that counts.
        for d in duties {
            let row = audit
                .split("<tr>")
                .find(|r| r.contains(d))
                .unwrap_or_else(|| panic!("{sample}: no row for {d} in audit.html"));
            let counts: Vec<usize> = row
                .split("<td class=\"n\">")
                .skip(1)
                .take(3)
                .map(|c| {
                    c.split('<')
                        .next()
                        .unwrap()
                        .replace(',', "")
                        .parse()
                        .unwrap()
                })
                .collect();
            assert!(
                counts.iter().sum::<usize>() > 0,
                "{sample}: {d}: {counts:?}"
            );
        }
        for t in targets {
            assert!(report.contains(t), "{sample}: no SLA row for {t}");
        }
        let table = read(out.path().join("procedures.md"));
        for r in rows {
            assert!(table.contains(r), "{sample}: no `{r}` in\n{table}");
        }
    }
}

#[test]
fn the_generator_reproduces_the_hotel_and_hospital_samples() {
    for sample in ["hotel", "hospital"] {
        let dir = tempdir();
        run(&[
            "sample",
            "--rows",
            "1000",
            "--seed",
            "2026",
            "--start",
            "2026-05-01",
            "--months",
            "6",
            "--events",
            "--flavour",
            sample,
            "--out",
            dir.path().to_str().unwrap(),
            "-q",
        ])
        .expect(0);
        for f in ["complaints.csv", "events.csv", "roster.csv", "README.md"] {
            let bundled = root().join("sample_data").join(sample).join(f);
            assert!(
                std::fs::read(&bundled).unwrap() == std::fs::read(dir.path().join(f)).unwrap(),
                "{} differs from what the generator writes",
                bundled.display()
            );
        }
    }
}
