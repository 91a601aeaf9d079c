//! The escalation audit on a crafted event log: every duty reaches every status.

use std::collections::BTreeMap;

use crate::util::{AS_OF, read, run, tempdir};

const CONFIG: &str = "tests/fixtures/audit/complaints.toml";

/// (complaint or team, duty) → (status, note).
fn findings(dir: &std::path::Path) -> BTreeMap<(String, String), (String, String)> {
    let text = read(dir.join("escalations.csv"));
    let mut rdr = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let h = rdr.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            let who = if r[col("complaint_id")].is_empty() {
                format!("team:{}:{}", &r[col("team")], &r[col("month")])
            } else {
                r[col("complaint_id")].to_owned()
            };
            (
                (who, r[col("duty")].to_owned()),
                (r[col("status")].to_owned(), r[col("note")].to_owned()),
            )
        })
        .collect()
}

fn status(f: &BTreeMap<(String, String), (String, String)>, who: &str, duty: &str) -> String {
    f.get(&(who.to_owned(), duty.to_owned()))
        .unwrap_or_else(|| panic!("no finding for {who} {duty}"))
        .0
        .clone()
}

#[test]
fn crafted_event_log_hits_every_status() {
    let dir = tempdir();
    let r = run(&[
        "run",
        "--config",
        CONFIG,
        "--out",
        dir.path().to_str().unwrap(),
        "--as-of",
        AS_OF,
    ])
    .expect(0);
    assert!(
        r.stderr
            .contains("event log: 20 rows: 17 accepted, 3 rejected"),
        "{}",
        r.stderr
    );
    let f = findings(dir.path());
    // 重要: one hour from acceptance (10:00), not from receipt (09:00): 10:50 is compliant.
    assert_eq!(status(&f, "A1", "important_to_supervisor"), "compliant");
    assert_eq!(status(&f, "A2", "important_to_supervisor"), "late");
    // Escalated to the wrong role (班组长): not compliant, and the note says why.
    assert_eq!(status(&f, "A3", "important_to_supervisor"), "missing");
    assert!(
        f[&("A3".into(), "important_to_supervisor".into())]
            .1
            .contains("went to 班组长")
    );
    assert_eq!(status(&f, "A4", "important_to_supervisor"), "pending");
    assert_eq!(status(&f, "A5", "major_to_gm"), "compliant");
    assert_eq!(status(&f, "A6", "major_to_gm"), "late");
    // Second handling by a superior: the roster gives 王主管's role; 赵维修 is not a superior.
    assert_eq!(status(&f, "A7", "unsatisfied_second_handling"), "compliant");
    assert_eq!(status(&f, "A7", "unsatisfied_look_back"), "late");
    assert_eq!(status(&f, "A8", "unsatisfied_second_handling"), "missing");
    assert!(
        f[&("A8".into(), "unsatisfied_second_handling".into())]
            .1
            .contains("赵维修 (维修工)")
    );
    assert_eq!(status(&f, "A8", "unsatisfied_look_back"), "missing");
    assert_eq!(status(&f, "A15", "unsatisfied_look_back"), "not_applicable");
    assert_eq!(status(&f, "A9", "bypass_routed_back"), "compliant");
    assert_eq!(status(&f, "A9", "bypass_checked"), "compliant");
    assert_eq!(status(&f, "A10", "emergency_to_supervisor"), "compliant");
    assert_eq!(status(&f, "A11", "extension_explained"), "compliant");
    assert_eq!(status(&f, "A11", "overdue_to_admin_hr"), "compliant");
    assert_eq!(status(&f, "A12", "extension_explained"), "missing");
    assert_eq!(status(&f, "A13", "extension_explained"), "late");
    assert_eq!(status(&f, "A13", "overdue_to_admin_hr"), "late");
    // Three consecutive overdue complaints of 维修二班 in 2026-10; its leader held the interview.
    assert_eq!(
        status(&f, "team:维修二班:2026-10", "team_overdue_interview"),
        "compliant"
    );
    // Bad event rows are rejected with the event file and line.
    let rejects = read(dir.path().join("rejects.csv"));
    assert!(rejects.contains(
        "tests/fixtures/audit/events.csv,19,18,events,complaint_id,X99,unknown_complaint"
    ));
    assert!(rejects.contains(
        "tests/fixtures/audit/events.csv,20,19,events,at,2026-02-30 10:00,invalid_timestamp"
    ));
    assert!(rejects.contains("unknown_event_type"));
    // Evidence points into the event log.
    let csv = read(dir.path().join("escalations.csv"));
    assert!(csv.contains("tests/fixtures/audit/events.csv:3"), "{csv}");
    let audit = read(dir.path().join("audit.html"));
    assert!(audit.contains("went to 班组长"));
}

#[test]
fn a_snapshot_export_marks_what_it_cannot_audit() {
    let dir = tempdir();
    run(&[
        "run",
        "--config",
        CONFIG,
        "--events",
        "--out",
        dir.path().to_str().unwrap(),
        "--as-of",
        AS_OF,
    ])
    .expect(2);
    // Without an event log (the same complaints, no --events):
    let cfg_dir = tempdir();
    std::fs::write(
        cfg_dir.path().join("complaints.toml"),
        format!(
            "inputs = [\"{0}/tests/fixtures/audit/complaints.csv\"]\nrules = \"{0}/rules\"\ntemplates = \"{0}/report_templates\"\n[sla]\npresets = [\"three_level\", \"acknowledgement\", \"followup\", \"resolution\"]\n",
            crate::util::root().display()
        ),
    )
    .unwrap();
    let cfg = cfg_dir.path().join("complaints.toml");
    run(&[
        "run",
        "--config",
        cfg.to_str().unwrap(),
        "--out",
        dir.path().to_str().unwrap(),
        "--as-of",
        AS_OF,
    ])
    .expect(0);
    let f = findings(dir.path());
    for (who, duty) in [
        ("A1", "important_to_supervisor"),
        ("A5", "major_to_gm"),
        ("A7", "unsatisfied_second_handling"),
        ("A9", "bypass_checked"),
        ("A12", "extension_explained"),
        ("team:维修二班:2026-10", "team_overdue_interview"),
    ] {
        assert_eq!(status(&f, who, duty), "not_auditable", "{who} {duty}");
    }
    assert!(read(dir.path().join("audit.html")).contains("未提供操作日志"));
}
