//! `complaints diff`: one changed keyword on the sample lists exactly the complaints it affects.

use std::collections::BTreeSet;

use crate::util::{AS_OF, copy_dir, read, root, run, tempdir};

#[test]
fn one_changed_keyword_lists_exactly_the_complaints_it_affects() {
    let dir = tempdir();
    let changed = dir.path().join("rules");
    copy_dir(&root().join("rules"), &changed);
    // What-if: 垃圾 (rubbish) complaints become Ⅲ suggestions when the export gave no level.
    let table = changed.join("tables/level_keywords.csv");
    let mut text = read(&table);
    text = text.replacen('\n', "\n垃圾,III,what-if\n", 1);
    std::fs::write(&table, text).unwrap();
    let base = dir.path().join("base");
    run(&["run", "--out", base.to_str().unwrap(), "--as-of", AS_OF]).expect(0);
    let out = dir.path().join("diff");
    let r = run(&[
        "diff",
        "rules",
        changed.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--as-of",
        AS_OF,
    ])
    .expect(0);
    // Expected, from the baseline alone: level decided by keywords, text mentions 垃圾, not already Ⅲ.
    let csv = read(base.join("complaints.csv"));
    let mut rdr = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let h = rdr.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let expected: BTreeSet<String> = rdr
        .records()
        .map(Result::unwrap)
        .filter(|r| {
            r[col("level_source")] == *"keywords"
                && complaints::pipeline::rules::text::match_key(&r[col("text")]).contains("垃圾")
                && r[col("level")] != *"III"
        })
        .map(|r| r[col("complaint_id")].to_owned())
        .collect();
    let diff = read(out.join("diff.csv"));
    let mut rdr = csv::Reader::from_reader(diff.trim_start_matches('\u{feff}').as_bytes());
    let listed: BTreeSet<String> = rdr.records().map(|r| r.unwrap()[0].to_owned()).collect();
    assert!(
        !expected.is_empty(),
        "the sample should have such complaints"
    );
    assert_eq!(listed, expected);
    assert!(diff.contains(",level,II,III") || diff.contains(",level,I,III"));
    assert!(
        r.stderr
            .contains(&format!("{} of 6000 complaints change", expected.len())),
        "{}",
        r.stderr
    );
    assert!(read(out.join("diff.html")).contains("规则差异"));
}
