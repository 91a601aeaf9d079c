use super::*;

#[test]
fn limits_parse_in_english_and_chinese() {
    let e = WorkingDays::EndOfDay;
    assert_eq!(
        parse_limit("15 minutes", e),
        Ok(Limit::Calendar { secs: 900 })
    );
    assert_eq!(parse_limit("2h", e), Ok(Limit::Calendar { secs: 7200 }));
    assert_eq!(
        parse_limit("3 days", e),
        Ok(Limit::Calendar { secs: 259_200 })
    );
    assert_eq!(
        parse_limit("24 小时", e),
        Ok(Limit::Calendar { secs: 86_400 })
    );
    assert_eq!(
        parse_limit("8 working hours", e),
        Ok(Limit::Working { secs: 28_800 })
    );
    assert_eq!(
        parse_limit("5 working days", WorkingDays::Duration),
        Ok(Limit::WorkingDays {
            days: 5,
            mode: WorkingDays::Duration
        })
    );
    assert_eq!(
        parse_limit("5 工作日", e),
        Ok(Limit::WorkingDays { days: 5, mode: e })
    );
    assert_eq!(parse_limit("same day", e), Ok(Limit::SameDay));
    assert_eq!(
        parse_limit("immediately", e),
        Ok(Limit::Calendar { secs: 0 })
    );
    assert!(parse_limit("5 fortnights", e).is_err());
    assert!(parse_limit("1.5 working days", e).is_err());
}

#[test]
fn a_limit_of_one_working_day_is_singular_in_english() {
    let one = Limit::WorkingDays {
        days: 1,
        mode: WorkingDays::EndOfDay,
    };
    let five = Limit::WorkingDays {
        days: 5,
        mode: WorkingDays::EndOfDay,
    };
    assert_eq!(limit_text(Some(&one), None, Lang::En), "1 working day");
    assert_eq!(limit_text(Some(&five), None, Lang::En), "5 working days");
    assert_eq!(limit_text(Some(&one), None, Lang::Zh), "1个工作日");
}
