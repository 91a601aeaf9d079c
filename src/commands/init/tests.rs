use super::*;

#[test]
fn a_title_row_is_not_the_header_and_neither_is_a_data_row() {
    let row = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert!(looks_like_header(&row(&[
        "SRRecordID",
        "CreatedDate",
        "Agency"
    ])));
    assert!(!looks_like_header(&row(&["311 requests, 2018", "", ""])));
    assert!(!looks_like_header(&row(&[
        "3456001",
        "04/12/2018 11:11:26 AM",
        "DPW"
    ])));
    assert!(!looks_like_header(&row(&["A1", "2026-10-01 08:00", "x"])));
}

#[test]
fn headers_are_quoted_so_they_read_back_as_written() {
    // Whatever quoting TOML needs, the value reads back as written.
    let text = format!("k = {}", quoted("Date \"sent\" \\ 'x'"));
    let v: toml::Table = toml::from_str(&text).unwrap();
    assert_eq!(v["k"].as_str(), Some("Date \"sent\" \\ 'x'"));
    assert_eq!(
        list(&["a".to_owned(), "b c".to_owned()]),
        "[\"a\", \"b c\"]"
    );
}
