use super::*;
use crate::calendar::Calendar;
use crate::pipeline::rules::presets::limit::{Limit, WorkingDays};
use crate::pipeline::rules::presets::targets::{Policy, Start, Target};
use proptest::prelude::*;
use std::path::Path;

fn shanghai() -> Zone {
    Zone::from_name("Asia/Shanghai").unwrap()
}

/// The shipped office calendar, loaded once (its precomputation is the slow part).
fn office() -> Calendar {
    static CAL: std::sync::OnceLock<Calendar> = std::sync::OnceLock::new();
    CAL.get_or_init(|| {
        Calendar::load(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/calendars/cn_office.toml"),
        )
        .unwrap()
    })
    .clone()
}

fn target(limit: Limit) -> Target {
    Target {
        name: "t".into(),
        label: "t".into(),
        label_en: "t".into(),
        preset: "p".into(),
        source: None,
        implements: Vec::new(),
        when: Vec::new(),
        start: Start::Event("received".into()),
        stop: vec!["resolved".into()],
        limit: Some(limit),
        parameter: None,
        deadline_field: None,
        calendar: None,
        pause: Some("paused".into()),
        resume: Some("resumed".into()),
        warn_at: Some(0.75),
        on_reopen: Policy::Keep,
        on_level_change: Policy::Keep,
    }
}

fn at(z: &Zone, s: &str) -> Ts {
    crate::time::parse_timestamp(s, z).unwrap()
}

fn timeline<'a>(events: &[(&'a str, Ts)]) -> Timeline<'a> {
    Timeline(
        events
            .iter()
            .map(|(n, t)| TimedEvent { name: n, at: *t })
            .collect(),
    )
}

fn eval(t: &Target, tl: &Timeline, cal: &Calendar, as_of: Ts) -> Verdict {
    evaluate(0, t, tl, None, cal, CalendarId(0), None, &shanghai(), as_of)
}

/// A verdict in Berlin on the 24x7 calendar (clocks jump from 02:00 to 03:00 on 2026-03-29),
/// with the record's due time when the target reads one.
fn in_berlin(t: &Target, tl: &Timeline, deadline: Option<(String, String)>, as_of: Ts) -> Verdict {
    let z = Zone::from_name("Europe/Berlin").unwrap();
    let cal = Calendar::always("24x7", z.tz());
    evaluate(0, t, tl, None, &cal, CalendarId(0), deadline, &z, as_of)
}

#[test]
fn a_working_budget_that_runs_out_before_lunch_is_due_after_it() {
    // 3 h 30 min from 08:30 ends exactly at 12:00; nobody breaches over lunch: due 13:30.
    let z = shanghai();
    let cal = office();
    let t = target(Limit::Working {
        secs: 3 * 3600 + 1800,
    });
    let start = at(&z, "2026-10-12 08:30");
    let tl = timeline(&[
        ("received", start),
        ("resolved", at(&z, "2026-10-12 13:30")),
    ]);
    let v = eval(&t, &tl, &cal, at(&z, "2026-11-01"));
    assert_eq!(v.due, Some(at(&z, "2026-10-12 13:30")));
    assert_eq!(v.status, Status::Met);
    let tl = timeline(&[
        ("received", start),
        ("resolved", at(&z, "2026-10-12 13:31")),
    ]);
    assert_eq!(
        eval(&t, &tl, &cal, at(&z, "2026-11-01")).status,
        Status::Breached
    );
}

#[test]
fn pauses_push_the_due_time_back_and_are_not_counted() {
    // 2 h calendar limit from 09:00, paused 09:30-10:30 → due 12:00, 2 h elapsed at 12:00.
    let z = shanghai();
    let cal = office();
    let t = target(Limit::Calendar { secs: 7200 });
    let tl = timeline(&[
        ("received", at(&z, "2026-10-12 09:00")),
        ("paused", at(&z, "2026-10-12 09:30")),
        ("resumed", at(&z, "2026-10-12 10:30")),
        ("resolved", at(&z, "2026-10-12 12:00")),
    ]);
    let v = eval(&t, &tl, &cal, at(&z, "2026-11-01"));
    assert_eq!(v.due, Some(at(&z, "2026-10-12 12:00")));
    assert_eq!(
        (v.status, v.elapsed_cal, v.paused),
        (Status::Met, 7200, 3600)
    );
}

#[test]
fn reopening_keeps_or_restarts_the_clock_as_declared() {
    let z = shanghai();
    let cal = office();
    let mut t = target(Limit::Calendar { secs: 86_400 });
    let tl = timeline(&[
        ("received", at(&z, "2026-10-12 09:00")),
        ("resolved", at(&z, "2026-10-12 10:00")),
        ("reopened", at(&z, "2026-10-14 09:00")),
        ("resolved", at(&z, "2026-10-14 12:00")),
    ]);
    // keep: the first resolution does not count; the final one is two days late.
    assert_eq!(
        eval(&t, &tl, &cal, at(&z, "2026-11-01")).status,
        Status::Breached
    );
    t.on_reopen = Policy::Restart;
    let v = eval(&t, &tl, &cal, at(&z, "2026-11-01"));
    assert_eq!(
        (v.status, v.start),
        (Status::Met, Some(at(&z, "2026-10-14 09:00")))
    );
}

#[test]
fn daylight_saving_is_counted_in_real_elapsed_time() {
    // A 24 h calendar limit across the spring-forward night in Berlin is 24 real hours:
    // 2026-03-28 12:00 CET + 24 h = 2026-03-29 13:00 CEST on the wall clock.
    let z = Zone::from_name("Europe/Berlin").unwrap();
    let t = target(Limit::Calendar { secs: 86_400 });
    let tl = timeline(&[("received", at(&z, "2026-03-28 12:00"))]);
    let v = in_berlin(&t, &tl, None, at(&z, "2026-04-01"));
    assert_eq!(z.format(v.due.unwrap()), "2026-03-29 13:00:00");
    // "same day" ends at local midnight, whatever the day's length.
    let v = in_berlin(&target(Limit::SameDay), &tl, None, at(&z, "2026-04-01"));
    assert_eq!(z.format(v.due.unwrap()), "2026-03-29 00:00:00");
}

fn limits() -> impl Strategy<Value = Limit> {
    prop_oneof![
        (0i64..5 * 86_400).prop_map(|secs| Limit::Calendar { secs }),
        (0i64..40 * 3600).prop_map(|secs| Limit::Working { secs }),
        (0u32..10).prop_map(|days| Limit::WorkingDays {
            days,
            mode: WorkingDays::EndOfDay
        }),
        (0u32..10).prop_map(|days| Limit::WorkingDays {
            days,
            mode: WorkingDays::Duration
        }),
        Just(Limit::SameDay),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn due_is_never_before_start_and_elapsed_never_decreases(
        limit in limits(),
        start in 1_735_660_800i64..1_798_732_800, // 2025-01-01 .. 2026-12-31
        pause_at in 0i64..10 * 86_400,
        pause_len in 0i64..3 * 86_400,
        steps in proptest::collection::vec(0i64..4 * 86_400, 1..6),
    ) {
        let cal = office();
        let t = target(limit);
        let mut events = vec![("received", start)];
        if pause_len > 0 {
            events.push(("paused", start + pause_at));
            events.push(("resumed", start + pause_at + pause_len));
        }
        let mut as_of = start;
        let mut last = (0i64, 0i64);
        for step in steps {
            as_of += step;
            let tl = Timeline(
                events
                    .iter()
                    .filter(|(_, t)| *t <= as_of)
                    .map(|(n, t)| TimedEvent { name: n, at: *t })
                    .collect(),
            );
            let v = eval(&t, &tl, &cal, as_of);
            prop_assert!(v.due.unwrap() >= start, "due before start: {v:?}");
            prop_assert!(v.elapsed_work >= last.0 && v.elapsed_cal >= last.1, "elapsed went down: {v:?}");
            prop_assert!(matches!(v.status, Status::Open | Status::Overdue));
            prop_assert_eq!(v.status == Status::Overdue, as_of >= v.due.unwrap());
            last = (v.elapsed_work, v.elapsed_cal);
        }
    }

    #[test]
    fn a_stop_at_or_before_the_due_time_is_met(
        limit in limits(),
        start in 1_735_660_800i64..1_798_732_800,
        early in 0i64..7200,
    ) {
        let cal = office();
        let t = target(limit);
        let probe = eval(&t, &timeline(&[("received", start)]), &cal, start);
        let due = probe.due.unwrap();
        let stop = (due - early).max(start);
        let v = eval(&t, &timeline(&[("received", start), ("resolved", stop)]), &cal, due + 86_400);
        prop_assert_eq!(v.status, Status::Met);
        let v = eval(&t, &timeline(&[("received", start), ("resolved", due + 1)]), &cal, due + 86_400);
        prop_assert_eq!(v.status, Status::Breached);
    }
}

#[test]
fn a_due_time_from_the_record_in_a_dst_gap_is_moved_forward_not_refused() {
    // A due time of 02:30 on the spring-forward night means 03:30.
    let z = Zone::from_name("Europe/Berlin").unwrap();
    let mut t = target(Limit::Calendar { secs: 86_400 });
    t.deadline_field = Some("业主要求完成时间".into());
    let tl = timeline(&[("received", at(&z, "2026-03-28 10:00"))]);
    let deadline = Some(("业主要求完成时间".into(), "2026-03-29 02:30".into()));
    let v = in_berlin(&t, &tl, deadline, at(&z, "2026-04-07"));
    assert_eq!(v.due, Some(at(&z, "2026-03-29 03:30")));
    assert_eq!(v.note.as_deref(), Some("due time from `业主要求完成时间`"));
    assert_eq!(v.status, Status::Overdue);
}

#[test]
fn an_event_condition_selects_the_complaints_whose_timeline_shows_the_event() {
    // 003-H20: the repeat 回访 applies only to complaints handled a second time.
    let z = shanghai();
    let mut t = target(Limit::Calendar { secs: 3 * 86_400 });
    t.when = vec![("event:second_handling".into(), vec!["happened".into()])];
    let c = Complaint::default();
    let extras = crate::model::ExtraColumns::default();
    let with = timeline(&[
        ("received", at(&z, "2026-10-12 09:00")),
        ("second_handling", at(&z, "2026-10-14 09:00")),
    ]);
    let without = timeline(&[("received", at(&z, "2026-10-12 09:00"))]);
    let applies = |t: &Target, tl: &Timeline| {
        TargetFields::resolve(std::slice::from_ref(t), &[], &extras).applies(
            0,
            &c,
            &crate::model::Dictionaries::default(),
            &[],
            tl,
            &z,
        )
    };
    assert!(applies(&t, &with));
    assert!(!applies(&t, &without));
    t.when[0].1 = vec!["not_happened".into()];
    assert!(!applies(&t, &with));
    assert!(applies(&t, &without));
}

#[test]
fn a_stop_of_an_earlier_cycle_does_not_stop_a_chained_clock() {
    // 003-H20: the 回访 repeated after a second handling; the first 回访 came before it.
    let z = shanghai();
    let cal = office();
    let mut t = target(Limit::Calendar { secs: 3 * 86_400 });
    t.start = Start::After(0);
    t.stop = vec!["follow_up".into()];
    let tl = timeline(&[
        ("received", at(&z, "2026-09-20 09:00")),
        ("resolved", at(&z, "2026-09-22 10:00")),
        ("follow_up", at(&z, "2026-09-23 10:00")),
        ("second_handling", at(&z, "2026-09-30 10:00")),
        ("resolved", at(&z, "2026-10-05 10:00")),
    ]);
    let start = Some(Some(at(&z, "2026-10-05 10:00")));
    let v = evaluate(
        1,
        &t,
        &tl,
        start,
        &cal,
        CalendarId(0),
        None,
        &z,
        at(&z, "2026-11-01"),
    );
    assert_eq!(v.status, Status::Overdue, "{:?}", v.note);
    assert_eq!(v.due, Some(at(&z, "2026-10-08 10:00")));
    // An event-started clock with its stop only before the start is still a data error.
    let mut t = target(Limit::Calendar { secs: 3 * 86_400 });
    t.start = Start::Event("resolved".into());
    t.stop = vec!["follow_up".into()];
    let tl = timeline(&[
        ("received", at(&z, "2026-09-20 09:00")),
        ("follow_up", at(&z, "2026-09-21 10:00")),
        ("resolved", at(&z, "2026-09-22 10:00")),
    ]);
    let v = eval(&t, &tl, &cal, at(&z, "2026-11-01"));
    assert_eq!(v.status, Status::NotEvaluable);
}

#[test]
fn a_field_named_by_a_rule_is_read_from_an_output_then_a_field_then_a_carried_column() {
    // The order value_text had: a rule output shadows the canonical field of the same name.
    let z = shanghai();
    let extras = crate::model::ExtraColumns(vec!["业主要求完成时间".into(), "project".into()]);
    let columns = vec!["level".to_owned(), "project".to_owned()];
    let mut d = crate::model::Dictionaries::default();
    let mut c = Complaint {
        extra: vec![
            Some(d.extra_mut(0).code("2026-10-20 18:00")),
            Some(d.extra_mut(1).code("unused")),
        ]
        .into(),
        ..Complaint::default()
    };
    *c.code_slot(crate::model::Field::Project).unwrap() =
        Some(d.field_mut(crate::model::Field::Project).code("锦绣园"));
    let values = vec![
        RuleValue::Str("I".into()),
        RuleValue::Str("from the rule".into()),
    ];
    let read = |name: &str| {
        let source = FieldSource::resolve(name, &columns, &extras);
        (
            source,
            source.text(&c, &d, &values, &z).map(Cow::into_owned),
        )
    };
    assert_eq!(read("level"), (FieldSource::Output(0), Some("I".into())));
    assert_eq!(
        read("project"),
        (FieldSource::Output(1), Some("from the rule".into()))
    );
    assert_eq!(
        read("team"),
        (FieldSource::Field(crate::model::Field::Team), None)
    );
    assert_eq!(
        read("业主要求完成时间"),
        (FieldSource::Extra(0), Some("2026-10-20 18:00".into()))
    );
    assert_eq!(read("no_such_column"), (FieldSource::Missing, None));
    // Without the rule output, the canonical field answers.
    assert_eq!(
        FieldSource::resolve("project", &[], &extras).text(&c, &d, &[], &z),
        Some(Cow::Borrowed("锦绣园"))
    );
}

/// A timeline built in a reused vector is the one built fresh, and keeps the vector's room.
#[test]
fn a_timeline_in_reused_room_is_the_fresh_one() {
    let mut c = Complaint::default();
    c.times.set(Stage::Received, 1_000);
    c.times.set(Stage::Resolved, 3_000);
    c.times.set(Stage::Acknowledged, 2_000);
    let empty = crate::pipeline::events::Events::empty;
    let fresh = Timeline::new(&c, empty(), 2_500);
    let mut room = Vec::with_capacity(16);
    room.push(TimedEvent { name: "x", at: 1 });
    let reused = Timeline::new_in(room, &c, empty(), 2_500);
    assert_eq!(fresh.0, reused.0);
    assert_eq!(fresh.0.len(), 2);
    let room = reused.into_room();
    assert!(room.is_empty());
    assert!(
        room.capacity() >= 16,
        "the room is kept: {}",
        room.capacity()
    );
}
