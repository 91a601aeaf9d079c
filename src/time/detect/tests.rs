use super::*;

fn texts(d: &Detection) -> Vec<String> {
    match d {
        Detection::Patterns { patterns, .. } => {
            patterns.iter().map(|p| p.text().to_owned()).collect()
        }
        other => panic!("expected patterns, got {other:?}"),
    }
}

#[test]
fn year_first_columns_keep_the_built_in_forms() {
    let d = detect(&["2026-10-01 08:30", "2026年10月1日 9时", "46296"], None);
    assert_eq!(d, Detection::Builtin);
    assert_eq!(detect(&[], None), Detection::Builtin);
}

#[test]
fn a_day_after_the_twelfth_decides_month_first() {
    let d = detect(
        &[
            "04/02/2018 09:00:00 AM",
            "04/12/2018 11:11:26 AM",
            "12/25/2018 01:00:00 PM",
        ],
        None,
    );
    assert_eq!(texts(&d), ["%m/%d/%Y %I:%M:%S %p"]);
    let d = detect(&["03/22/23", "01/05/23"], None);
    assert_eq!(texts(&d), ["%m/%d/%y"]);
    let d = detect(&["22.03.2023 14:05", "01.05.2023 09:00"], None);
    assert_eq!(texts(&d), ["%d.%m.%Y %H:%M"]);
}

#[test]
fn both_orders_fitting_every_value_is_refused_unless_the_order_is_set() {
    let values = ["04/02/2018", "05/06/2018"];
    match detect(&values, None) {
        Detection::Ambiguous {
            month_first,
            day_first,
            example,
        } => {
            assert_eq!(month_first, "%m/%d/%Y");
            assert_eq!(day_first, "%d/%m/%Y");
            assert_eq!(example, "04/02/2018");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(texts(&detect(&values, Some(DateOrder::Dmy))), ["%d/%m/%Y"]);
    assert_eq!(texts(&detect(&values, Some(DateOrder::Mdy))), ["%m/%d/%Y"]);
    assert!(matches!(
        detect(&values, Some(DateOrder::Ymd)),
        Detection::Unknown { .. }
    ));
}

#[test]
fn a_column_mixing_dates_with_and_without_times_gets_both_forms() {
    let d = detect(
        &["04/13/2018 11:11:26 AM", "04/14/2018", "2018-04-15 10:00"],
        None,
    );
    assert_eq!(texts(&d), ["%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y"]);
    match d {
        Detection::Patterns { read, values, .. } => assert_eq!((read, values), (3, 3)),
        _ => unreachable!(),
    }
}

#[test]
fn text_is_not_a_timestamp_and_values_get_a_suggestion() {
    assert!(matches!(
        detect(&["Closed", "Open"], None),
        Detection::Unknown { .. }
    ));
    assert_eq!(
        suggest("04/12/2018 11:11:26 AM", None).as_deref(),
        Some("%m/%d/%Y %I:%M:%S %p")
    );
    assert_eq!(suggest("13/04/2018", None).as_deref(), Some("%d/%m/%Y"));
    assert_eq!(suggest("Closed", None), None);
}
