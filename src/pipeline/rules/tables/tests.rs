use super::*;

fn table(header: &[&str], rows: &[&[&str]], hit: HitPolicy) -> Table {
    test_table(header, rows, hit)
}

#[test]
fn first_hit_policy_takes_the_earliest_matching_row() {
    let t = table(
        &["text contains", "level"],
        &[&["电梯困人|水管爆裂", "I"], &["电梯", "II"], &["", "III"]],
        HitPolicy::First,
    );
    let get = |v: &'static str| move |_: &str| Some(v.to_owned());
    assert_eq!(t.matching_rows(&get("3栋電梯困人"), true), vec![0]);
    assert_eq!(t.matching_rows(&get("电梯异响"), true), vec![1]);
    assert_eq!(t.matching_rows(&get("楼道灯坏了"), true), vec![2]);
    assert_eq!(t.matching_rows(&get("电梯困人"), false), vec![0, 1, 2]);
}

#[test]
fn is_and_wildcards_combine_with_and() {
    let t = table(
        &["level_raw is", "text contains", "level"],
        &[
            &["紧急|Ⅰ级", "", "I"],
            &["", "火灾隐患", "I"],
            &["-", "", "II"],
        ],
        HitPolicy::First,
    );
    let rec = |lv: Option<&'static str>, tx: &'static str| {
        move |f: &str| match f {
            "level_raw" => lv.map(str::to_owned),
            _ => Some(tx.to_owned()),
        }
    };
    assert_eq!(t.matching_rows(&rec(Some("Ⅰ级"), "x"), true), vec![0]);
    assert_eq!(t.matching_rows(&rec(None, "发现火灾隐患"), true), vec![1]);
    assert_eq!(t.matching_rows(&rec(Some("一般"), "x"), true), vec![2]);
}
