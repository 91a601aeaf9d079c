use super::*;
use crate::pipeline::events::{OwnedEvents, TextsBuilder};
use crate::pipeline::rules::presets::duties::Point;

fn zone() -> Zone {
    Zone::from_name("Asia/Shanghai").unwrap()
}

fn at(s: &str) -> Ts {
    crate::time::parse_timestamp(s, &zone()).unwrap()
}

fn event(kind: &str, when: &str, role: Option<&str>, line: u32) -> OwnedEvents {
    let mut texts = TextsBuilder::default();
    let origin = Origin {
        file: 1,
        line,
        record: line - 1,
    };
    let e = texts.event(
        kind,
        at(when),
        Some("某人"),
        role,
        None,
        None,
        origin,
        false,
    );
    OwnedEvents::new(vec![e], texts)
}

/// The one event of `e`.
fn one(e: &OwnedEvents) -> EventRef<'_> {
    e.events().iter().next().expect("one event")
}

/// E10's shape: after handling, a declined 回访 lets the complaint close only after a week
/// without a new complaint (a reopening).
fn silent_week() -> Duty {
    Duty {
        name: "silent_week".into(),
        label: "silent_week".into(),
        label_en: "silent_week".into(),
        preset: "p".into(),
        source: None,
        implements: vec!["E10".into()],
        when: Vec::new(),
        trigger: Point::Events(vec!["resolved".into()]),
        action: "closed".into(),
        to_roles: Vec::new(),
        by_roles: Vec::new(),
        deadline: Deadline::Limit(Limit::Calendar { secs: 8 * 86_400 }),
        parameter: None,
        not_before: Some(Limit::Calendar { secs: 7 * 86_400 }),
        cancelled_by: vec!["reopened".into()],
    }
}

#[test]
fn an_action_before_the_window_opens_does_not_count() {
    let d = silent_week();
    let z = zone();
    let early = event("closed", "2026-10-15 09:59:59", None, 2);
    let on_time = event("closed", "2026-10-15 10:00:00", None, 3);
    let opens = Some(at("2026-10-15 10:00:00"));
    let from = at("2026-10-08 10:00:00");
    let (done, wrong) = discharging(&d, &[one(&early)], from, opens, None, &z);
    assert!(done.is_none());
    assert_eq!(wrong.len(), 1);
    assert!(
        wrong[0]
            .1
            .contains("is before 2026-10-15 10:00:00 (trigger + 7 d)"),
        "{}",
        wrong[0].1
    );
    // At the instant the window opens the closure counts; the early one is still listed.
    let (done, wrong) = discharging(&d, &[one(&early), one(&on_time)], from, opens, None, &z);
    assert_eq!(done.map(|e| e.origin.line), Some(3));
    assert_eq!(wrong.len(), 1);
}

#[test]
fn a_cancelling_event_releases_the_duty_only_within_its_window() {
    let d = silent_week();
    let trigger = at("2026-10-08 10:00:00");
    let until = at("2026-10-15 10:00:00");
    let inside = event("reopened", "2026-10-15 10:00:00", None, 2);
    let after = event("reopened", "2026-10-15 10:00:01", None, 3);
    let before = event("reopened", "2026-10-08 09:59:59", None, 4);
    let other = event("replied", "2026-10-10 10:00:00", None, 5);
    assert_eq!(
        cancelling(&d, &[one(&inside)], trigger, until).map(|e| e.origin.line),
        Some(2)
    );
    assert!(
        cancelling(
            &d,
            &[one(&after), one(&before), one(&other)],
            trigger,
            until
        )
        .is_none()
    );
}

#[test]
fn wrong_roles_are_listed_and_the_right_one_discharges() {
    let mut d = silent_week();
    d.not_before = None;
    d.by_roles = vec!["主管".into()];
    let z = zone();
    let clerk = event("closed", "2026-10-09 10:00:00", Some("客服专员"), 2);
    let boss = event("closed", "2026-10-09 11:00:00", Some("客服主管"), 3);
    let (done, wrong) = discharging(
        &d,
        &[one(&clerk), one(&boss)],
        at("2026-10-08"),
        None,
        None,
        &z,
    );
    assert_eq!(done.map(|e| e.origin.line), Some(3));
    assert_eq!(wrong.len(), 1);
    assert!(
        wrong[0].1.contains("(客服专员) (needs 主管)"),
        "{}",
        wrong[0].1
    );
}

#[test]
fn event_conditions_read_the_complaints_visible_events() {
    let declined = event("follow_up_declined", "2026-10-09 10:00:00", None, 2);
    assert_eq!(
        event_value("follow_up_declined", &[one(&declined)]),
        "happened"
    );
    assert_eq!(event_value("follow_up_declined", &[]), "not_happened");
    // `received` and `registered` name the same moment in conditions too.
    let registered = event("registered", "2026-10-09 10:00:00", None, 3);
    assert_eq!(event_value("received", &[one(&registered)]), "happened");
}

proptest::proptest! {
    /// The inline month of a finding, and the month key, are chrono's local month, across the
    /// years a run sees.
    #[test]
    fn the_inline_month_is_the_local_month(t in 946_684_800i64..4_102_444_800) {
        use chrono::Datelike;
        let z = Zone::from_name("Asia/Shanghai").unwrap();
        let local = z.to_local(t);
        let want = format!("{:04}-{:02}", local.year(), local.month());
        let month = month_id(&z, t);
        proptest::prop_assert_eq!(month.as_str(), want.as_str());
        proptest::prop_assert_eq!(crate::time::month_key(&z, t), want);
    }
}
