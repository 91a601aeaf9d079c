use super::*;

fn sh() -> Zone {
    Zone::from_name("Asia/Shanghai").unwrap()
}

fn local(s: &str) -> Ts {
    crate::time::parse_timestamp(s, &sh()).unwrap()
}

#[test]
fn us_forms_read_month_first_with_a_12_hour_clock() {
    let f = Forms::new(vec![
        Pattern::new("%m/%d/%Y %I:%M:%S %p").unwrap(),
        Pattern::new("%m/%d/%y").unwrap(),
    ]);
    let z = sh();
    assert_eq!(
        f.parse("04/12/2018 11:11:26 AM", &z),
        Ok(local("2018-04-12 11:11:26"))
    );
    assert_eq!(
        f.parse("4/2/2018 1:05:00 PM", &z),
        Ok(local("2018-04-02 13:05:00"))
    );
    assert_eq!(f.parse("03/22/23", &z), Ok(local("2023-03-22 00:00")));
    // The built-in forms still follow the declared ones.
    assert_eq!(
        f.parse("2026年10月1日 9时", &z),
        Ok(local("2026-10-01 09:00"))
    );
    assert_eq!(f.parse("46296", &z), Ok(local("2026-10-01 00:00")));
    // Right shape, no such day.
    assert_eq!(
        f.parse("02/30/2018 10:00:00 AM", &z),
        Err(TimestampError::InvalidDate)
    );
    assert_eq!(f.parse("yesterday", &z), Err(TimestampError::Unparseable));
}

#[test]
fn a_zone_in_the_pattern_or_the_cell_is_converted_to_the_project_zone() {
    let z = sh();
    let utc = Forms::new(vec![Pattern::new("%Y-%m-%d %H:%M:%S UTC").unwrap()]);
    assert_eq!(
        utc.parse("2019-10-06 00:05:55 UTC", &z),
        Ok(local("2019-10-06 08:05:55"))
    );
    let offset = Forms::new(vec![Pattern::new("%d.%m.%Y %H:%M %z").unwrap()]);
    assert_eq!(
        offset.parse("06.10.2019 02:05 +0200", &z),
        Ok(local("2019-10-06 08:05"))
    );
    // A suffix the pattern does not mention is honoured too.
    let plain = Forms::new(vec![Pattern::new("%m/%d/%Y %H:%M").unwrap()]);
    assert_eq!(
        plain.parse("10/06/2019 00:05 UTC", &z),
        Ok(local("2019-10-06 08:05"))
    );
    assert_eq!(
        plain.parse("10/06/2019 00:05Z", &z),
        Ok(local("2019-10-06 08:05"))
    );
}

#[test]
fn patterns_that_cannot_read_a_date_are_refused_with_the_reason() {
    assert!(Pattern::new("%H:%M").unwrap_err().contains("needs a year"));
    assert!(Pattern::new("%m/%d/%Y %I:%M").unwrap_err().contains("%p"));
    assert!(
        Pattern::new("%m/%d/%Y %Q")
            .unwrap_err()
            .contains("not a valid")
    );
}

#[test]
fn the_description_names_every_form_in_order() {
    let f = Forms::new(vec![Pattern::new("%m/%d/%y").unwrap()]);
    let d = f.describe();
    assert!(
        d.starts_with("`%m/%d/%y`, then the built-in forms ("),
        "{d}"
    );
    assert!(
        Forms::builtin()
            .describe()
            .starts_with("the built-in forms")
    );
}
