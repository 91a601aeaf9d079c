use super::*;

fn sample(headers: &[&str], rows: &[&[&str]]) -> Vec<Choice> {
    let headers: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
        .collect();
    let nulls = NullSet::new(&["NA".to_owned(), "N/A".to_owned()]);
    choose(&columns(&headers, &rows, &nulls))
}

#[test]
fn headers_split_into_words_at_humps_and_punctuation() {
    assert_eq!(words("SRRecordID"), ["sr", "record", "id"]);
    assert_eq!(words("created_date"), ["created", "date"]);
    assert_eq!(
        words("Consumer consent provided?"),
        ["consumer", "consent", "provided"]
    );
    assert_eq!(words("MethodReceived"), ["method", "received"]);
    assert_eq!(words("ZIP code"), ["zip", "code"]);
}

#[test]
fn words_values_and_built_in_aliases_decide_with_a_reason() {
    let c = sample(
        &[
            "SRRecordID",
            "MethodReceived",
            "CreatedDate",
            "State",
            "Status",
            "CloseDate",
        ],
        &[
            &["1", "Phone", "04/12/2018 11:11:26 AM", "TX", "Open", "NA"],
            &[
                "2",
                "Web",
                "04/13/2018 01:00:00 PM",
                "CA",
                "Closed",
                "04/20/2018 09:00:00 AM",
            ],
        ],
    );
    let got: Vec<(usize, &str, &str)> = c
        .iter()
        .map(|c| (c.column, c.field.name(), c.reason.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (0, "complaint_id", "header word `id`; values unique"),
            (1, "channel", "header word `method`"),
            (
                2,
                "received_at",
                "header word `created`; values are timestamps"
            ),
            (4, "status", "built-in alias"),
            (5, "closed_at", "header word `close`; values are timestamps"),
        ]
    );
}

#[test]
fn a_time_field_needs_times_and_an_id_needs_unique_values() {
    // `Received` names a receipt, but its values are not times; `Ref No` repeats.
    let c = sample(
        &["Ref No", "Received", "Opened"],
        &[
            &["7", "Phone", "2026-10-01 08:00"],
            &["7", "Web", "2026-10-02 09:00"],
        ],
    );
    assert_eq!(
        c.iter().map(|c| c.field.name()).collect::<Vec<_>>(),
        ["received_at"]
    );
}
