//! The Rust section against the shipped partial rendered by minijinja, on explanations built to
//! reach every branch of the template (the run-level test in `tests/cli_report.rs` covers the
//! sample's real complaints).

use std::path::Path;

use super::*;
use crate::pipeline::explain::clock::{
    Condition, Counted, CountedDay, Decision, LimitTrace, Pause, WalkDay,
};
use crate::pipeline::explain::{Classify, Output, Source, StageTime};
use crate::pipeline::render::Templates;
use crate::pipeline::render::explain::SECTION_TEMPLATE;

fn moment(time: &str, weekday: u8) -> Moment {
    Moment {
        time: time.to_owned(),
        weekday,
    }
}

fn limit(kind: &'static str) -> LimitTrace {
    LimitTrace {
        kind,
        text: format!("limit <{kind}> & more"),
        note: "due from 业主要求完成时间 \u{202E}reversed".to_owned(),
        days: 3,
        first_day: "2026-09-30".to_owned(),
        day_seconds: 8 * 3600,
        total_seconds: 24 * 3600,
    }
}

fn clock(target: &str, status: &'static str) -> Clock {
    Clock {
        target: target.to_owned(),
        label: "回复 <b>".to_owned(),
        label_en: "Reply 'quoted'".to_owned(),
        preset: "three_level".to_owned(),
        source: Some("SOP §3.2/b".to_owned()),
        applies: vec![
            Condition {
                field: "level".to_owned(),
                values: vec!["II".to_owned(), "III".to_owned()],
            },
            Condition {
                field: "category".to_owned(),
                values: vec!["维修 & 保养".to_owned()],
            },
        ],
        start_event: Some("received".to_owned()),
        start_after: None,
        start: Some(moment("2026-09-28 09:26:50", 0)),
        stop_events: vec!["replied".to_owned(), "closed".to_owned()],
        stop: Some(moment("2026-10-09 10:00:00", 4)),
        as_of: moment("2026-11-01 00:00:00", 6),
        pause_rule: true,
        pauses: Vec::new(),
        limit: Some(limit("working_days")),
        calendar: "cn_office".to_owned(),
        walk: vec![
            WalkDay {
                date: "2026-10-01".to_owned(),
                weekday: 3,
                day: Day::Holiday("国庆节".to_owned()),
                working: false,
                count: 0,
            },
            WalkDay {
                date: "2026-10-10".to_owned(),
                weekday: 5,
                day: Day::Makeup("国庆节".to_owned()),
                working: true,
                count: 1,
            },
            WalkDay {
                date: "2026-10-11".to_owned(),
                weekday: 6,
                day: Day::Extra("盘点".to_owned()),
                working: true,
                count: 2,
            },
            WalkDay {
                date: "2026-10-12".to_owned(),
                weekday: 0,
                day: Day::Workday,
                working: true,
                count: 3,
            },
            WalkDay {
                date: "2026-10-13".to_owned(),
                weekday: 1,
                day: Day::Closure("停业".to_owned()),
                working: false,
                count: 3,
            },
        ],
        due: Some(moment("2026-10-12 18:00:00", 0)),
        basis: "working",
        counted: None,
        elapsed_working: 3600 * 20 + 60 * 7,
        elapsed_calendar: 86400 * 11 + 59,
        paused: false,
        limit_seconds: 24 * 3600,
        uncovered_years: Vec::new(),
        decision: Decision {
            status,
            stop: Some(moment("2026-10-09 10:00:00", 4)),
            due: Some(moment("2026-10-12 18:00:00", 0)),
            as_of: moment("2026-11-01 00:00:00", 6),
            over: 3600 * 50 + 30,
            warning: false,
            note: String::new(),
        },
    }
}

fn counted(truncated: bool) -> Counted {
    Counted {
        from: moment("2026-09-28 09:26:50", 0),
        to: moment("2026-10-09 10:00:00", 4),
        days: vec![
            CountedDay {
                date: "2026-09-28".to_owned(),
                weekday: 0,
                last_date: None,
                last_weekday: 0,
                run: 1,
                day: Day::Workday,
                counted: vec![
                    ["09:26".to_owned(), "12:00".to_owned()],
                    ["13:30".to_owned(), "18:00".to_owned()],
                ],
                seconds: 3600 * 7,
            },
            CountedDay {
                date: "2026-10-01".to_owned(),
                weekday: 3,
                last_date: Some("2026-10-07".to_owned()),
                last_weekday: 2,
                run: 7,
                day: Day::Holiday("国庆节".to_owned()),
                counted: Vec::new(),
                seconds: 0,
            },
            CountedDay {
                date: "2026-10-08".to_owned(),
                weekday: 3,
                last_date: Some("2026-10-09".to_owned()),
                last_weekday: 4,
                run: 2,
                day: Day::Workday,
                counted: vec![["09:00".to_owned(), "18:00".to_owned()]],
                seconds: 3600 * 9,
            },
        ],
        truncated,
    }
}

/// Explanations that together reach every branch of the partial.
fn explanations() -> Vec<Explanation> {
    let base = Explanation {
        id: "TS202610-00041".to_owned(),
        origin: "exports/九月.csv:12".to_owned(),
        merged: vec!["exports/八月.csv:7".to_owned(), "a<b>.csv:9".to_owned()],
        as_of: "2026-11-01T00:00:00+08:00".to_owned(),
        stages: vec![
            StageTime {
                field: "received_at",
                time: "2026-09-28 09:26:50".to_owned(),
                later: false,
            },
            StageTime {
                field: "closed_at",
                time: "2026-11-03 10:00:00".to_owned(),
                later: true,
            },
        ],
        classify: Classify {
            path: "rules/classify.rhai".to_owned(),
            reads: Some(vec!["text".to_owned(), "category_raw<x>".to_owned()]),
            outputs: vec![
                Output {
                    column: "level".to_owned(),
                    value: "I".to_owned(),
                    source: Some(Source {
                        table: "keywords".to_owned(),
                        row_ref: "rules/tables/keywords.csv:4 (text ~ 电梯)".to_owned(),
                        inputs: vec![
                            ["text".to_owned(), "电梯困人 \u{202E}x & y".to_owned()],
                            ["phone".to_owned(), "138****0000".to_owned()],
                        ],
                    }),
                },
                Output {
                    column: "validity".to_owned(),
                    value: String::new(),
                    source: None,
                },
            ],
            prints: vec!["debug: <level> = I".to_owned()],
        },
        targets: Vec::new(),
    };
    let mut out = vec![base.clone()];

    // Every limit kind, pauses, counted days, uncovered years, each verdict form.
    let mut e = base.clone();
    e.merged.clear();
    e.stages.clear();
    e.classify.reads = None;
    e.classify.prints.clear();
    let mut targets = Vec::new();
    for (k, kind) in [
        "working_days",
        "deadline_field",
        "working_days_duration",
        "working",
        "same_day",
        "calendar",
    ]
    .into_iter()
    .enumerate()
    {
        let status = [
            "met",
            "breached",
            "overdue",
            "open",
            "not_applicable",
            "met",
        ][k];
        let mut c = clock(&format!("t{k}"), status);
        c.limit = Some(limit(kind));
        if k % 2 == 1 {
            c.walk.clear();
            c.source = None;
            c.applies.truncate(1);
            c.due = None;
        }
        if k == 2 {
            c.counted = Some(counted(true));
            c.paused = true;
            c.pauses = vec![Pause {
                from: moment("2026-09-29 10:00:00", 1),
                to: moment("2026-09-30 10:00:00", 2),
                seconds: 86400,
                working: 3600 * 8,
            }];
            c.uncovered_years = vec![2027, 2028];
        }
        if k == 3 {
            c.counted = Some(counted(false));
            c.stop = None;
            c.pause_rule = false;
            c.decision.stop = None;
            c.decision.warning = true;
        }
        if k == 4 {
            c.applies.clear();
            c.source = Some(String::new());
            c.paused = true;
            c.decision.note = "not applicable: <level> is I".to_owned();
        }
        if k == 5 {
            // A met verdict without a stop falls to its note.
            c.decision.stop = None;
            c.decision.note = "met by the record's own time".to_owned();
        }
        targets.push(c);
    }
    // A clock that never started: after another target's stop, and with no start at all.
    let mut c = clock("t6", "not_evaluable");
    c.start = None;
    c.start_event = None;
    c.start_after = Some("reply_5wd".to_owned());
    c.decision.note = "the start \"replied_at\" is blank".to_owned();
    targets.push(c);
    let mut c = clock("t7", "open");
    c.limit = None;
    c.start_event = Some(String::new());
    targets.push(c);
    // Open without a due time, overdue without one, breached without a stop: the note (empty).
    for status in ["open", "overdue", "breached"] {
        let mut c = clock("t8", status);
        c.decision.due = None;
        c.decision.stop = None;
        targets.push(c);
    }
    e.targets = targets;
    out.push(e);
    out
}

#[test]
fn the_rust_section_is_the_shipped_partial_byte_for_byte() {
    let templates = Templates::load(Path::new("/nonexistent/templates"), false).unwrap();
    assert!(templates.is_shipped(SECTION_TEMPLATE));
    for lang in [Lang::Zh, Lang::En] {
        let words = templates.words(lang).unwrap();
        for e in explanations() {
            let ctx = serde_json::json!({
                "lang": lang.code(),
                "unmasked": false,
                "as_of": "2026-11-01 00:00:00",
                "e": e,
            });
            let expected = templates.render(SECTION_TEMPLATE, &ctx).unwrap();
            let got = render(words, lang, &e).unwrap();
            if got != expected {
                let at = got
                    .bytes()
                    .zip(expected.bytes())
                    .position(|(a, b)| a != b)
                    .unwrap_or(got.len().min(expected.len()));
                let from = at.saturating_sub(120);
                panic!(
                    "{lang:?} {}: differs at byte {at}\n  rust:     {:?}\n  template: {:?}",
                    e.id,
                    got.get(from..(at + 120).min(got.len())),
                    expected.get(from..(at + 120).min(expected.len())),
                );
            }
        }
    }
}

#[test]
fn a_missing_message_falls_back_to_the_template() {
    let templates = Templates::load(Path::new("/nonexistent/templates"), false).unwrap();
    let mut words = templates.words(Lang::Zh).unwrap().clone();
    words.remove("explain.row");
    assert!(render(&words, Lang::Zh, &explanations()[0]).is_err());
}

proptest::proptest! {
    /// The escape written here is minijinja's `HtmlEscape`, on any text (weighted towards the
    /// characters it escapes).
    #[test]
    fn escaping_matches_minijinjas(s in "[<>&\"'/a-z电梯 \u{202e}]{0,24}|\\PC{0,24}") {
        let mut out = String::from("kept:");
        escape_into(&mut out, &s);
        proptest::prop_assert_eq!(out, format!("kept:{}", HtmlEscape(&s)));
    }
}
