//! The management report: context golden, XLSX numbers, periods, languages, privacy, and a
//! headless-Chromium screenshot.

use std::collections::BTreeSet;
use std::path::Path;

use calamine::{Data, Reader};

use crate::util::{AS_OF, assert_golden, files_under, read, root, run, run_on, tempdir};

fn sample_out() -> tempfile::TempDir {
    let dir = tempdir();
    run(&[
        "run",
        "--out",
        dir.path().to_str().unwrap(),
        "--as-of",
        AS_OF,
    ])
    .expect(0);
    dir
}

#[test]
fn the_context_matches_its_golden_file() {
    let r = run(&["context", "--as-of", AS_OF]).expect(0);
    assert_golden("sample/context.json", &r.stdout);
}

#[test]
fn report_xlsx_has_the_same_numbers_as_the_report() {
    let dir = sample_out();
    let ctx: serde_json::Value =
        serde_json::from_str(&run(&["context", "--as-of", AS_OF]).expect(0).stdout).unwrap();
    let html = read(dir.path().join("report.html"));
    let mut wb = calamine::open_workbook_auto(dir.path().join("report.xlsx")).unwrap();
    let sheet = wb.worksheet_range("关键指标").unwrap();
    assert!(
        wb.sheet_names().iter().any(|n| n == "投诉明细"),
        "record sheet missing"
    );
    // The record sheet lists exactly the period's complaints, with real date cells.
    let records = wb.worksheet_range("投诉明细").unwrap();
    assert_eq!(
        records.height() as u64 - 1,
        ctx["period"]["received"].as_u64().unwrap(),
        "one row per complaint received in the period"
    );
    let start = ctx["period"]["start"].as_str().unwrap();
    let last = ctx["period"]["last"].as_str().unwrap();
    for r in 1..records.height() {
        match records.get((r, 1)) {
            Some(Data::DateTime(d)) => {
                let day = complaints::time::excel_serial_to_naive(d.as_f64())
                    .unwrap()
                    .date()
                    .to_string();
                assert!(day.as_str() >= start && day.as_str() <= last, "{day}");
            }
            other => panic!("received_at in row {r} is {other:?}"),
        }
    }
    let kpis = ctx["kpis"].as_array().unwrap();
    assert_eq!(sheet.height(), kpis.len() + 1);
    for (i, k) in kpis.iter().enumerate() {
        let cell = sheet.get((i + 1, 1)).unwrap();
        match (k["value"].as_f64(), cell) {
            (Some(v), Data::Float(x)) => assert!(
                (v - x).abs() < 1e-9,
                "{}: xlsx {x} vs context {v}",
                k["key"]
            ),
            (None, Data::Empty) => {}
            (v, c) => panic!("{}: xlsx {c:?} vs context {v:?}", k["key"]),
        }
        let text = k["text"].as_str().unwrap();
        assert!(
            html.contains(&format!("\">{text}</div>")),
            "the report does not show {} = {text}",
            k["key"]
        );
    }
    // Deterministic bytes: a second run gives the same file.
    let again = sample_out();
    assert!(
        std::fs::read(dir.path().join("report.xlsx")).unwrap()
            == std::fs::read(again.path().join("report.xlsx")).unwrap()
    );
}

#[test]
fn every_period_form_renders() {
    for (period, page) in [
        ("2026-Q3", "report.html"),
        ("2026-W40", "report.html"),
        ("2026", "report.html"),
        ("all", "months/2025-09/report.html"),
    ] {
        let dir = tempdir();
        run(&[
            "run",
            "--out",
            dir.path().to_str().unwrap(),
            "--as-of",
            AS_OF,
            "--period",
            period,
        ])
        .expect(0);
        let html = read(dir.path().join(page));
        assert!(html.contains("投诉管理报告"), "{period}");
        assert!(
            dir.path().join("projects/锦绣华庭.html").exists() || period == "all",
            "{period}"
        );
        if period == "all" {
            // One page per month of the data, the default month also at the top.
            for m in ["2025-09", "2026-01", "2026-10"] {
                assert!(
                    dir.path().join(format!("months/{m}/report.html")).exists(),
                    "{m}"
                );
                assert!(
                    dir.path()
                        .join(format!("months/{m}/projects/翠湖花园.html"))
                        .exists(),
                    "{m}"
                );
            }
            assert!(
                read(dir.path().join("report.html")).contains("投诉管理报告 · 全公司 · 2026-10")
            );
        }
    }
    let r = run(&[
        "run",
        "--as-of",
        AS_OF,
        "--period",
        "2026-13",
        "--out",
        tempdir().path().to_str().unwrap(),
    ])
    .expect(2);
    assert!(
        r.stderr.contains("--period: cannot read `2026-13`"),
        "{}",
        r.stderr
    );
}

#[test]
fn english_reports_use_the_english_messages() {
    let dir = tempdir();
    run(&[
        "run",
        "--out",
        dir.path().to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--lang",
        "en",
    ])
    .expect(0);
    let html = read(dir.path().join("report.html"));
    assert!(html.contains("Complaint management report") && html.contains("Acknowledged on time"));
    assert!(!html.contains("关键指标"));
    // The rule set's name too (rules.toml `name_en`).
    assert!(html.contains("Three-level response · acknowledgement · follow-up"));
    assert!(!html.contains("三级响应机制 · 受理确认 · 回访"));
}

/// The explanation pages are rendered from the templates in the report's language: the same
/// structure, Chinese words by default and English ones with `--lang en`.
#[test]
fn explain_html_follows_the_report_language() {
    let zh = sample_out();
    let en = tempdir();
    run(&[
        "run",
        "--out",
        en.path().to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--lang",
        "en",
    ])
    .expect(0);
    let zh = read(zh.path().join("explain.html"));
    let en = read(en.path().join("explain.html"));
    assert!(
        zh.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">"),
        "{}",
        &zh[..80]
    );
    assert!(
        en.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"),
        "{}",
        &en[..80]
    );
    for (page, words, not) in [
        (
            &zh,
            ["投诉判定说明", "计时开始", "判定", "周四"],
            "clock starts",
        ),
        (
            &en,
            [
                "How each complaint was judged",
                "clock starts",
                "verdict",
                "Thu",
            ],
            "计时开始",
        ),
    ] {
        for w in words {
            assert!(page.contains(w), "missing `{w}`");
        }
        assert!(!page.contains(not), "found `{not}`");
    }
    // Limits in words follow the language too: 个工作日 / working days.
    assert!(zh.contains("个工作日") && en.contains("working days"));
    // Every complaint the report links to has its section.
    let report = read(sample_out().path().join("report.html"));
    for id in report
        .split("explain.html#")
        .skip(1)
        .filter_map(|s| s.split('"').next())
    {
        assert!(
            zh.contains(&format!("<section id=\"{id}\">")),
            "no section for {id}"
        );
    }
}

/// Each complaint's section is rendered on its own from `partials/explain_complaint.html.j2`
/// and placed by the page as `e.html`; a template folder written before the partial existed,
/// whose own `explain.html.j2` renders the sections from the explanation's fields, still gives
/// the same page.
#[test]
fn an_explain_page_rendering_the_fields_itself_gives_the_same_page() {
    let templates = tempdir();
    crate::util::copy_dir(&root().join("report_templates"), templates.path());
    std::fs::remove_file(templates.path().join("partials/explain_complaint.html.j2")).unwrap();
    std::fs::copy(
        root().join("tests/fixtures/templates/explain_fields.html.j2"),
        templates.path().join("explain.html.j2"),
    )
    .unwrap();
    let own = tempdir();
    run(&[
        "run",
        "--templates",
        templates.path().to_str().unwrap(),
        "--out",
        own.path().to_str().unwrap(),
        "--as-of",
        AS_OF,
    ])
    .expect(0);
    let shipped = read(sample_out().path().join("explain.html"));
    assert!(shipped.matches("<section id=").count() > 10);
    assert!(
        read(own.path().join("explain.html")) == shipped,
        "the field-rendered page differs from the sectioned one"
    );
}

/// The shipped section partial is written out in Rust (`src/pipeline/render/section/`); an
/// edited partial goes through minijinja. On the sample's every explanation page, in both
/// languages, the two give the same bytes: changing the partial without its Rust twin fails here.
#[test]
fn explanation_sections_match_the_template_byte_for_byte() {
    let templates = tempdir();
    crate::util::copy_dir(&root().join("report_templates"), templates.path());
    // Not the shipped file any more (a word of its comment), so minijinja renders it.
    let partial = templates.path().join("partials/explain_complaint.html.j2");
    let src = read(&partial);
    std::fs::write(
        &partial,
        src.replacen("One complaint's", "One complaint’s", 1),
    )
    .unwrap();
    assert_ne!(read(&partial), src);
    for lang in ["zh", "en"] {
        let (fast, slow) = (tempdir(), tempdir());
        for (out, extra) in [
            (&fast, vec![]),
            (
                &slow,
                vec!["--templates", templates.path().to_str().unwrap()],
            ),
        ] {
            let mut args = vec![
                "run",
                "--out",
                out.path().to_str().unwrap(),
                "--as-of",
                AS_OF,
                "--period",
                "all",
                "--lang",
                lang,
            ];
            args.extend(extra);
            run(&args).expect(0);
        }
        let pages: Vec<_> = files_under(fast.path())
            .into_iter()
            .filter(|p| p.ends_with("explain.html"))
            .collect();
        assert!(pages.len() > 3, "{pages:?}");
        for page in pages {
            let rel = page.strip_prefix(fast.path()).unwrap();
            let (a, b) = (read(&page), read(slow.path().join(rel)));
            assert!(a.matches("<section id=").count() > 0, "{lang} {rel:?}");
            assert!(
                a == b,
                "{lang} {rel:?}: the Rust sections differ from the template's"
            );
        }
    }
}

/// Complainants' names and phone numbers in the raw sample.
fn personal_data() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let phone = regex::Regex::new(r"1[3-9]\d{9}").unwrap();
    for f in [
        "sample_data/complaints_2025H2.csv",
        "sample_data/complaints_2026.csv",
    ] {
        let text = read(root().join(f));
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let h = rdr.headers().unwrap().clone();
        let (n, p, t) = (
            h.iter().position(|x| x == "投诉人").unwrap(),
            h.iter().position(|x| x == "联系电话").unwrap(),
            h.iter().position(|x| x == "投诉内容").unwrap(),
        );
        for r in rdr.records().flatten() {
            for v in [r.get(n), r.get(p)].into_iter().flatten() {
                if v.chars().count() >= 2 {
                    out.insert(v.to_owned());
                }
            }
            if let Some(text) = r.get(t) {
                out.extend(phone.find_iter(text).map(|m| m.as_str().to_owned()));
            }
        }
    }
    out
}

fn all_text(dir: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for p in files_under(dir) {
        if p.extension().is_some_and(|x| x == "parquet") {
            files.push((p.display().to_string(), parquet_text(&p)));
        } else if p.extension().is_some_and(|x| x == "xlsx") {
            let mut wb = calamine::open_workbook_auto(&p).unwrap();
            let mut s = String::new();
            for name in wb.sheet_names() {
                for row in wb.worksheet_range(&name).unwrap().rows() {
                    for c in row {
                        s.push_str(&c.to_string());
                        s.push('\t');
                    }
                }
            }
            files.push((p.display().to_string(), s));
        } else {
            files.push((
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            ));
        }
    }
    files
}

/// Every cell of a Parquet file as text, tab-separated.
fn parquet_text(path: &Path) -> String {
    use polars::prelude::*;
    let df = ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap();
    let mut s = String::new();
    // Only text columns can hold a name or a phone number.
    for col in df
        .columns()
        .iter()
        .filter(|c| c.dtype() == &DataType::String)
    {
        for v in col.str().unwrap().iter().flatten() {
            s.push_str(v);
            s.push('\t');
        }
    }
    s
}

/// All partitions of one exported table, with the partition month as a column.
fn parquet_table(dir: &Path, table: &str) -> polars::prelude::DataFrame {
    use polars::prelude::*;
    let mut parts: Vec<_> = std::fs::read_dir(dir.join("parquet").join(table))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    parts.sort();
    let mut all: Option<DataFrame> = None;
    for part in parts {
        let month = part
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .strip_prefix("month=")
            .expect("hive partition folder")
            .to_owned();
        let files: Vec<_> = std::fs::read_dir(&part).unwrap().collect();
        assert_eq!(files.len(), 1, "{}", part.display());
        let mut df = ParquetReader::new(std::fs::File::open(part.join("part-0.parquet")).unwrap())
            .finish()
            .unwrap();
        let n = df.height();
        df.with_column(Column::new("month".into(), vec![month; n]))
            .unwrap();
        all = Some(match all {
            None => df,
            Some(a) => a.vstack(&df).unwrap(),
        });
    }
    all.expect("at least one partition")
}

/// The rows of a CSV output (header first), BOM removed.
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let text = read(path);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    rdr.records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[test]
fn parquet_export_has_the_rows_of_the_csv_tables_typed_and_partitioned_by_month() {
    use polars::prelude::*;
    let dir = tempdir();
    let out = dir.path().to_str().unwrap();
    run(&["run", "--out", out, "--as-of", AS_OF, "--parquet"]).expect(0);
    for (table, csv_name, month_col) in [
        ("complaints", "complaints.csv", None),
        ("sla", "sla.csv", None),
        ("escalations", "escalations.csv", Some("month")),
    ] {
        let df = parquet_table(dir.path(), table);
        let rows = csv_rows(&dir.path().join(csv_name));
        let header = &rows[0];
        assert_eq!(df.height(), rows.len() - 1, "{table}: rows");
        // The same complaint IDs in the same multiset.
        let mut pq_ids: Vec<String> = df
            .column("complaint_id")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.unwrap_or("").to_owned())
            .collect();
        let mut csv_ids: Vec<String> = rows[1..].iter().map(|r| r[0].clone()).collect();
        pq_ids.sort();
        csv_ids.sort();
        assert_eq!(pq_ids, csv_ids, "{table}: complaint ids");
        // The CSV's month column is the partition.
        if let Some(m) = month_col {
            let at = header.iter().position(|h| h == m).unwrap();
            let mut a: Vec<String> = rows[1..].iter().map(|r| r[at].clone()).collect();
            let mut b: Vec<String> = df
                .column("month")
                .unwrap()
                .str()
                .unwrap()
                .iter()
                .map(|v| v.unwrap().to_owned())
                .collect();
            a.sort();
            b.sort();
            assert_eq!(a, b, "{table}: months");
        }
    }
    let complaints = parquet_table(dir.path(), "complaints");
    let utc = DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC));
    assert_eq!(complaints.column("received_at").unwrap().dtype(), &utc);
    assert_eq!(
        complaints.column("satisfaction").unwrap().dtype(),
        &DataType::Float64
    );
    assert_eq!(
        complaints.column("source_line").unwrap().dtype(),
        &DataType::Int64
    );
    // Each complaint sits in the partition of the local month it was received in.
    let received = complaints
        .column("received_at")
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap();
    let months = complaints.column("month").unwrap().str().unwrap().clone();
    let zone: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
    for (ms, month) in received.i64().unwrap().iter().zip(months.iter()) {
        let local = chrono::DateTime::from_timestamp_millis(ms.unwrap())
            .unwrap()
            .with_timezone(&zone);
        assert_eq!(local.format("%Y-%m").to_string(), month.unwrap());
    }
    let sla = parquet_table(dir.path(), "sla");
    assert_eq!(sla.column("due_at").unwrap().dtype(), &utc);
    assert_eq!(
        sla.column("limit_minutes").unwrap().dtype(),
        &DataType::Float64
    );
    assert_eq!(sla.column("warning").unwrap().dtype(), &DataType::Boolean);
    // Deterministic: a second run writes the same bytes.
    let again = tempdir();
    run(&[
        "run",
        "--out",
        again.path().to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--parquet",
    ])
    .expect(0);
    for table in ["complaints", "sla", "escalations"] {
        for e in std::fs::read_dir(dir.path().join("parquet").join(table)).unwrap() {
            let part = e.unwrap().path();
            let rel = part
                .strip_prefix(dir.path())
                .unwrap()
                .join("part-0.parquet");
            assert!(
                std::fs::read(dir.path().join(&rel)).unwrap()
                    == std::fs::read(again.path().join(&rel)).unwrap(),
                "{} differs between runs",
                rel.display()
            );
        }
    }
    // The temporary folder is renamed into place, not left behind.
    assert!(!dir.path().join("parquet.tmp").exists());
}

#[test]
fn no_unmasked_name_or_phone_appears_in_any_default_output() {
    let secrets = personal_data();
    assert!(
        secrets.len() > 1000,
        "only {} names and phones found",
        secrets.len()
    );
    let dir = tempdir();
    run(&[
        "run",
        "--out",
        dir.path().to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--period",
        "all",
        "--parquet",
    ])
    .expect(0);
    assert!(dir.path().join("parquet/complaints").is_dir());
    let explain = run(&["explain", "TS202609-00398", "--as-of", AS_OF])
        .expect(0)
        .stdout;
    let mut outputs = all_text(dir.path());
    outputs.push(("explain".into(), explain));
    // Staff names (handlers, the roster) are not complainants' data; a complainant's name can
    // be part of one (叶睿 in 叶睿涵), so staff names are blanked before the scan.
    let roster = read(root().join("sample_data/roster.csv"));
    let staff: Vec<&str> = roster
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    let secrets_list: Vec<&String> = secrets.iter().collect();
    let ac = aho_corasick::AhoCorasick::new(&secrets_list).unwrap();
    let staff_ac = aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostLongest)
        .build(&staff)
        .unwrap();
    for (file, text) in &outputs {
        let text = staff_ac.replace_all(text, &vec!["〇"; staff.len()]);
        if let Some(m) = ac.find(&text) {
            panic!(
                "{file} shows `{}` unmasked",
                secrets_list[m.pattern().as_usize()]
            );
        }
    }
    // With --unmask they are shown, and every page says 内部资料.
    let dir = tempdir();
    run(&[
        "run",
        "--out",
        dir.path().to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--unmask",
    ])
    .expect(0);
    let csv = read(dir.path().join("complaints.csv"));
    assert!(secrets.iter().any(|s| csv.contains(s.as_str())));
    for page in [
        "report.html",
        "audit.html",
        "projects/翠湖花园.html",
        "explain.html",
    ] {
        assert!(read(dir.path().join(page)).contains("内部资料"), "{page}");
    }
    assert!(read(dir.path().join("manifest.json")).contains("\"unmasked\": true"));
}

/// Opens the report in headless Chromium and checks the screenshot is not blank and the page
/// logged no console errors. Skipped when Chromium is not installed, unless
/// COMPLAINTS_REQUIRE_CHROMIUM is set (as `.ci/run` does after installing it).
#[test]
fn the_report_renders_in_headless_chromium() {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let Some(chromium) = chromium else {
        assert!(
            std::env::var_os("COMPLAINTS_REQUIRE_CHROMIUM").is_none(),
            "chromium is required but not installed"
        );
        eprintln!("skipped: chromium not installed");
        return;
    };
    let dir = sample_out();
    let shot = dir.path().join("report.png");
    let profile = dir.path().join("chromium-profile");
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            &format!("--user-data-dir={}", profile.display()),
            &format!("--screenshot={}", shot.display()),
            "--window-size=1200,2400",
            &format!("file://{}", dir.path().join("report.html").display()),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "chromium failed: {stderr}");
    assert!(
        !stderr.contains("CONSOLE") && !stderr.contains("Uncaught"),
        "console errors: {stderr}"
    );
    // A blank page compresses to a few kilobytes; the report is charts, tables and CJK text.
    let size = std::fs::metadata(&shot).unwrap().len();
    assert!(size > 50_000, "screenshot is {size} bytes: blank page?");
    if let Ok(dest) = std::env::var("COMPLAINTS_SCREENSHOT") {
        std::fs::copy(&shot, dest).unwrap();
    }
}

/// `--no-record-tables` leaves out complaints.csv, sla.csv and escalations.csv (deleting those
/// an earlier run left in the folder) and changes nothing else: every other file is written,
/// the pages are the default run's pages but for the sentences that pointed to the missing
/// files, and the workbook says the records are not in a CSV this time.
#[test]
fn no_record_tables_leaves_out_the_three_csvs_and_changes_nothing_else() {
    const TABLES: [&str; 3] = ["complaints.csv", "sla.csv", "escalations.csv"];
    let full = sample_out();
    // The same folder layout a default run leaves, then the run without tables into it.
    let lean = sample_out();
    let out = lean.path().to_str().unwrap();
    run(&[
        "run",
        "--out",
        out,
        "--as-of",
        AS_OF,
        "--period",
        "all",
        "--no-record-tables",
    ])
    .expect(0);
    run(&[
        "run",
        "--out",
        full.path().to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--period",
        "all",
    ])
    .expect(0);
    for t in TABLES {
        assert!(
            full.path().join(t).exists(),
            "{t} missing from the default run"
        );
        assert!(!lean.path().join(t).exists(), "{t} written or left behind");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&read(lean.path().join("manifest.json"))).unwrap();
    assert_eq!(manifest["record_tables"], false);
    // The sentences that differ, default first (zh, the sample's language).
    let swaps = [
        (
            "逐条证据见 audit.html，全部明细见 escalations.csv。",
            "逐条证据见 audit.html（本次运行未输出 escalations.csv）。",
        ),
        (" · escalations.csv</p>", "</p>"),
    ];
    let mut pages = 0;
    let mut swapped = 0;
    let mut stack = vec![full.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p.strip_prefix(full.path()).unwrap();
            let name = rel.to_string_lossy();
            if TABLES.contains(&name.as_ref()) || name == "manifest.json" {
                continue;
            }
            let other = lean.path().join(rel);
            assert!(other.exists(), "{name} missing without record tables");
            if p.extension().is_some_and(|x| x == "html") {
                let mut want = read(&p);
                for (a, b) in swaps {
                    swapped += want.matches(a).count();
                    want = want.replace(a, b);
                }
                assert!(
                    read(&other) == want,
                    "{name} differs beyond the table sentences"
                );
                pages += 1;
            } else if p.extension().is_some_and(|x| x == "csv") {
                assert_eq!(read(&other), read(&p), "{name}");
            }
        }
    }
    assert!(pages > 10, "{pages} pages compared");
    assert!(
        swapped > 0,
        "no page pointed to escalations.csv: the test checks nothing"
    );
    let about = |dir: &Path| {
        let mut wb = calamine::open_workbook_auto(dir.join("report.xlsx")).unwrap();
        let sheet = wb.worksheet_range("说明").unwrap();
        sheet
            .rows()
            .flat_map(|r| r.iter().map(|c| c.to_string()))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(about(full.path()).contains("全部投诉见 complaints.csv"));
    assert!(about(lean.path()).contains("（本次运行未输出 complaints.csv）"));
}

/// `record_tables = false` in the config does the same as `--no-record-tables`.
#[test]
fn record_tables_false_in_the_config_leaves_out_the_csvs() {
    let dir = tempdir();
    let cfg = dir.path().join("lean.toml");
    let src = read(root().join("complaints.toml"));
    let root_dir = root();
    // The shipped config with its relative paths made absolute, and the key added on top.
    let mut text = String::from("record_tables = false\n");
    for line in src.lines() {
        text.push_str(&line.replace(
            "\"sample_data/",
            &format!("\"{}/sample_data/", root_dir.display()),
        ));
        text.push('\n');
    }
    std::fs::write(&cfg, text).unwrap();
    let out = dir.path().join("out");
    run(&[
        "run",
        "--config",
        cfg.to_str().unwrap(),
        "--rules",
        root_dir.join("rules").to_str().unwrap(),
        "--templates",
        root_dir.join("report_templates").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--as-of",
        AS_OF,
    ])
    .expect(0);
    assert!(out.join("report.html").exists() && out.join("rejects.csv").exists());
    for t in ["complaints.csv", "sla.csv", "escalations.csv"] {
        assert!(!out.join(t).exists(), "{t} written");
    }
}

/// Phone numbers in full-width digits, and phone numbers typed into columns that are not the
/// phone column (楼栋, 项目名称, 备注), are masked in every output: the tables, the workbook,
/// Parquet, every page; and `--strict` does not print them on stderr. See: issue 18.
#[test]
fn full_width_and_stray_column_phone_numbers_are_masked_everywhere() {
    let dir = tempdir();
    let header = read(root().join("tests/fixtures/inputs/mini.csv"));
    let header: Vec<&str> = header.lines().next().unwrap().split(',').collect();
    let row = |cells: &[(&str, &str)]| -> String {
        let mut v = vec![String::new(); header.len()];
        for (k, x) in cells {
            v[header.iter().position(|h| h == k).unwrap()] = format!("\"{x}\"");
        }
        v.join(",")
    };
    let secrets = [
        "１３８１２３４５６７８",
        "１３９ ８７６５ ４３２１",
        "13912345678",
        "13700001111",
        "15011112222",
        "0571-88001234",
    ];
    let rows = [
        row(&[
            ("投诉编号", "P1"),
            ("投诉时间", "2026-10-12 09:00"),
            ("项目名称", "翠湖花园"),
            ("投诉内容", "电梯困人，回电１３８１２３４５６７８"),
            ("备注", "备用１３９ ８７６５ ４３２１"),
        ]),
        row(&[
            ("投诉编号", "P2"),
            ("投诉时间", "2026-10-13 09:00"),
            ("项目名称", "翠湖花园"),
            ("楼栋", "13912345678"),
            ("责任班组", "0571-88001234"),
            ("投诉内容", "楼道漏水"),
        ]),
        row(&[
            ("投诉编号", "P3"),
            ("投诉时间", "2026-10-14 09:00"),
            ("项目名称", "13700001111"),
            ("投诉内容", "噪音扰民"),
        ]),
    ];
    let input = dir.path().join("phones.csv");
    std::fs::write(
        &input,
        format!("{}\n{}\n", header.join(","), rows.join("\n")),
    )
    .unwrap();
    let out = dir.path().join("out");
    let run_with = |extra: &[&str]| run_on(&input, &out, extra);
    run_with(&["--period", "2026-10", "--parquet"]).expect(0);
    let outputs = all_text(&out);
    assert!(outputs.iter().any(|(f, _)| f.ends_with(".parquet")));
    assert!(outputs.iter().any(|(f, _)| f.ends_with("report.xlsx")));
    for (file, text) in &outputs {
        for s in secrets {
            assert!(!text.contains(s), "{file} shows `{s}` unmasked");
        }
    }
    let csv = read(out.join("complaints.csv"));
    assert!(
        csv.contains("回电１３８****５６７８") && csv.contains(",139****5678,"),
        "{csv}"
    );
    // --strict names the bad row without its phone number.
    let bad = row(&[("投诉编号", "P4"), ("投诉时间", "15011112222")]);
    std::fs::write(&input, format!("{}\n{bad}\n", header.join(","))).unwrap();
    let r = run_with(&["--strict"]).expect(1);
    assert!(
        r.stderr.contains("--strict:") && r.stderr.contains("150****2222"),
        "{}",
        r.stderr
    );
    for s in secrets {
        assert!(!r.stderr.contains(s), "stderr shows `{s}`: {}", r.stderr);
    }
}
