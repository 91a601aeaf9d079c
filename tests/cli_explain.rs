//! `complaints explain`: the arithmetic of every verdict, pinned on a sample complaint whose
//! resolution clock crosses the 2026 National Day break.

use crate::util::{AS_OF, assert_golden, run};

#[test]
fn explain_shows_the_holidays_make_up_days_segments_and_comparison() {
    let r = run(&["explain", "TS202609-00398", "--as-of", AS_OF]).expect(0);
    let out = &r.stdout;
    // resolve_7wd from Mon 09-28: 09-29, 09-30, (国庆 10-01..07), 10-08, 10-09, Sat 10-10 (调休), 10-12, 10-13.
    assert!(
        out.contains("2026-10-01 Thu: public holiday 国庆节, skipped"),
        "{out}"
    );
    assert!(
        out.contains("2026-10-10 Sat: working day 5 of 7 (调休 make-up working day for 国庆节)"),
        "{out}"
    );
    assert!(out.contains("due: 2026-10-13 18:00:00 (Tue)"), "{out}");
    assert!(
        out.contains("counted 08:30-12:00, 13:30-18:00 = 8 h"),
        "{out}"
    );
    assert!(
        out.contains(
            "verdict: met: stopped 2026-09-30 08:02:39 (Wed) ≤ due 2026-10-13 18:00:00 (Tue)"
        ),
        "{out}"
    );
    // Each output names the table row that produced it and the inputs it saw.
    assert!(
        out.contains("level = II  ← table level_field row rules/tables/level_field.csv:3"),
        "{out}"
    );
    assert_golden("explain/TS202609-00398.txt", out);
}

#[test]
fn explaining_an_unknown_complaint_is_a_clear_error() {
    let r = run(&["explain", "NOPE-1", "--as-of", AS_OF]).expect(2);
    assert!(
        r.stderr
            .contains("complaint `NOPE-1` is not among the 6000 accepted complaints"),
        "{}",
        r.stderr
    );
}
