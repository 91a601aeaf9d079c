//! The configuration examples of `docs/CONFIG.md` and `docs/FIELDS.md` run: every ```toml block
//! announced by `<!-- example: FIXTURE [FILE…] -->` is written as `complaints.toml` next to the
//! fixture export (`tests/fixtures/exports/FIXTURE`), the blocks after it as the FILEs named,
//! and `complaints run` must accept at least 99 % of the rows. The documents also name every
//! key the configuration has for reading exports.

use crate::util::{read, root, run_in, tempdir};

/// One example: the fixture, the config, and the other files as (path, text).
struct Example {
    line: usize,
    fixture: String,
    config: String,
    files: Vec<(String, String)>,
}

/// The ```toml blocks of a document, each with the line of its fence.
fn toml_blocks(doc: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (n, line) in doc.lines().enumerate() {
        let fence = line.trim();
        match current.as_mut() {
            Some((at, text)) if fence == "```" => {
                out.push((*at, std::mem::take(text)));
                current = None;
            }
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None if fence == "```toml" => current = Some((n + 1, String::new())),
            None => {}
        }
    }
    out
}

fn examples(doc: &str) -> Vec<Example> {
    let blocks = toml_blocks(doc);
    let mut out = Vec::new();
    for (n, line) in doc.lines().enumerate() {
        let Some(spec) = line
            .trim()
            .strip_prefix("<!-- example:")
            .and_then(|s| s.strip_suffix("-->"))
        else {
            continue;
        };
        let mut words = spec.split_whitespace();
        let fixture = words.next().expect("a fixture").to_owned();
        let mut following = blocks.iter().filter(|(at, _)| *at > n + 1);
        let config = following
            .next()
            .expect("a toml block after the marker")
            .1
            .clone();
        let files = words
            .map(|path| {
                let text = following.next().expect("a block per file").1.clone();
                (path.to_owned(), text)
            })
            .collect();
        out.push(Example {
            line: n + 1,
            fixture,
            config,
            files,
        });
    }
    out
}

#[test]
fn the_documented_config_examples_run_on_the_fixture_exports() {
    let mut ran = 0;
    for doc in ["docs/CONFIG.md", "docs/FIELDS.md"] {
        for ex in examples(&read(root().join(doc))) {
            let dir = tempdir();
            std::fs::copy(
                root().join("tests/fixtures/exports").join(&ex.fixture),
                dir.path().join(&ex.fixture),
            )
            .unwrap();
            std::fs::write(dir.path().join("complaints.toml"), &ex.config).unwrap();
            for (path, text) in &ex.files {
                let p = dir.path().join(path);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(p, text).unwrap();
            }
            let r = run_in(dir.path(), &["run"]);
            assert_eq!(
                r.code, 0,
                "{doc}:{}: exit {}\n{}",
                ex.line, r.code, r.stderr
            );
            let m: serde_json::Value =
                serde_json::from_str(&read(dir.path().join("out/manifest.json"))).unwrap();
            let (total, accepted) = (
                m["rows"]["read"].as_u64().unwrap(),
                m["rows"]["accepted"].as_u64().unwrap(),
            );
            assert!(
                total > 0 && accepted * 100 >= total * 99,
                "{doc}:{}: {accepted} of {total} rows accepted\n{}",
                ex.line,
                r.stderr
            );
            ran += 1;
        }
    }
    assert!(ran >= 5, "only {ran} examples found");
}

#[test]
fn every_key_for_reading_exports_is_documented() {
    let config = read(root().join("docs/CONFIG.md"));
    let fields = read(root().join("docs/FIELDS.md"));
    for key in [
        "`timestamp_forms`",
        "`[ingest.timestamp_forms_by_field]`",
        "`date_order`",
        "`null_values`",
        "`targets`",
        "`targets_off`",
        "`max_rejects`",
        "complaints init",
        "check --input",
    ] {
        assert!(
            config.contains(key),
            "docs/CONFIG.md does not document {key}"
        );
    }
    for key in [
        "ingest.timestamp_forms",
        "ingest.date_order",
        "ingest.null_values",
    ] {
        assert!(
            fields.contains(key),
            "docs/FIELDS.md does not mention {key}"
        );
    }
}
