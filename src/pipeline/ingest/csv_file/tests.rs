use super::*;

/// The unchecked cells hold what the csv crate's validating `StringRecord` holds, for
/// quoted multi-line fields, doubled quotes, CJK and 4-byte characters, CRLF and blanks.
#[test]
fn cells_match_the_csv_crates_string_records() {
    let text =
        "编号,内容\r\nA1,\"电梯困人，\"\"急\"\"\n第二行\"\r\nA2,𠮷野家 \r\n,\n\"\",\"a,b\"\n";
    let mut ours: Vec<Vec<String>> = Vec::new();
    for_each_record(text, 1, |_, rec| {
        assert_eq!(rec.len(), rec.iter().count());
        ours.push(rec.iter().map(str::to_owned).collect());
    });
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let theirs: Vec<Vec<String>> = rdr
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(ours, theirs);
    assert_eq!(ours[1][1], "电梯困人，\"急\"\n第二行");
    let c = Cells::from(vec!["x", "满"]);
    assert_eq!((c.get(1), c.get(2), &c[0]), (Some("满"), None, "x"));
}

fn rows(text: &str) -> Vec<(u32, Vec<String>)> {
    let mut out = Vec::new();
    for_each_record(text, 1, |line, rec| {
        out.push((line, rec.iter().map(str::to_owned).collect()));
    });
    out
}

#[test]
fn multi_line_fields_keep_their_starting_line() {
    let text = "id,text\nA1,\"电梯困人\n请尽快\"\nA2,ok\n";
    let rows = rows(text);
    let lines: Vec<u32> = rows.iter().map(|r| r.0).collect();
    assert_eq!(lines, vec![1, 2, 4]);
    assert_eq!(rows[1].1[1], "电梯困人\n请尽快");
}

#[test]
fn crlf_files_count_lines_like_an_editor() {
    let text = "id,text\r\nA1,\"a\r\nb\"\r\nA2,ok\r\n\r\nA3,x\r\n";
    let lines: Vec<u32> = rows(text).iter().map(|r| r.0).collect();
    assert_eq!(lines, vec![1, 2, 4, 6]);
}

/// Chunks parsed one by one give the same records and lines as the whole text: quoted
/// commas, quotes and line breaks (LF and CRLF) land on every side of the cuts.
#[test]
fn split_chunks_parse_like_the_whole_text() {
    let mut text = String::from("id,text,note\r\n");
    for i in 0..3000 {
        let body = match i % 5 {
            0 => format!("\"第{i}条,有逗号\""),
            1 => format!("\"含\"\"引号\"\"{i}\""),
            2 => format!("\"两行\n第{i}行\r\n第三行\""),
            3 => format!("plain{i}"),
            _ => String::new(),
        };
        text.push_str(&format!("A{i},{body},n{i}\r\n"));
        if i % 97 == 0 {
            text.push_str("\r\n");
        }
    }
    let whole = rows(&text);
    for target in [50, 333, 1000, 4096] {
        let bounds = split(text.as_bytes(), 0, target).expect("well-formed");
        assert!(bounds.len() > 2, "{target}: {bounds:?}");
        let mut joined = Vec::new();
        let mut line = 1u32;
        for w in bounds.windows(2) {
            let piece = &text[w[0]..w[1]];
            for_each_record(piece, line, |l, rec| {
                joined.push((l, rec.iter().map(str::to_owned).collect::<Vec<_>>()));
            });
            line += memchr::memchr_iter(b'\n', piece.as_bytes()).count() as u32;
        }
        assert_eq!(joined, whole, "target {target}");
    }
}

#[test]
fn stray_quotes_keep_the_text_whole() {
    let mut text = String::from("id,size\n");
    for i in 0..500 {
        text.push_str(&format!("A{i},5\" pipe\n"));
    }
    assert_eq!(split(text.as_bytes(), 0, 100), None);
}

/// What the record loop hands on: each record's line and first cell, or `!quote@line` for a
/// runaway quote.
fn items(text: &str) -> (Vec<String>, Lines) {
    let mut out = Vec::new();
    let lines = for_each_item(text, 1, |line, item| {
        out.push(match item {
            Item::Record(rec) => format!("{}@{line}", rec.get(0).unwrap_or("")),
            Item::Runaway(r) => format!("!quote@{}", r.line),
        });
        true
    });
    (out, lines)
}

/// A quote opened in row 3 and never closed would make rows 3 to the end one cell: the row
/// is handed on as a runaway and every row after it is read. See: issue 18.
#[test]
fn a_quote_that_never_closes_costs_its_own_row_only() {
    let text = "id,text\nA1,ok\nA2,\"stray\nA3,ok\nA4,\"multi\nline\"\nA5,ok\n";
    let (got, lines) = items(text);
    assert_eq!(
        got,
        ["id@1", "A1@2", "!quote@3", "A3@4", "A4@5", "A5@7"],
        "{got:?}"
    );
    assert_eq!(
        lines,
        Lines {
            physical: 7,
            header: 0,
            in_records: 7,
            blank: 0
        }
    );
}

/// A stray quote that a later stray quote "closes" (followed by text, not a delimiter)
/// swallows the rows between them; so does a quoted field of more than 100 lines.
#[test]
fn a_quote_closed_by_a_later_stray_quote_or_after_100_lines_is_a_runaway() {
    let text = "id,text\nA1,\"他说\nA2,ok\nA3,\"又一个\"引号\nA4,ok\n";
    let (got, _) = items(text);
    // Row 3's quote, on one line, is only sloppy quoting: the row reads as `又一个引号`.
    assert_eq!(got, ["id@1", "!quote@2", "A2@3", "A3@4", "A4@5"], "{got:?}");
    let long = format!("id,text\nA1,\"{}\"\nA2,ok\n", "行\n".repeat(150));
    let (got, lines) = items(&long);
    assert_eq!(got.first().map(String::as_str), Some("id@1"));
    assert_eq!(got[1], "!quote@2");
    // Reading resumed on line 3: the 150 lines of the runaway field come back as rows.
    assert!(got.last().unwrap().starts_with("A2@"), "{got:?}");
    assert!(lines.reconciles(), "{lines:?}");
}

/// Ordinary multi-line texts, doubled quotes, CRLF and blank lines are not runaways, and the
/// lines add up.
#[test]
fn ordinary_quoting_is_left_alone_and_lines_reconcile() {
    let text = "id,text\r\nA1,\"a\r\nb \"\"c\"\"\"\r\n\r\nA2,x\r\n\r\n";
    let (got, lines) = items(text);
    assert_eq!(got, ["id@1", "A1@2", "A2@5"], "{got:?}");
    assert_eq!(
        lines,
        Lines {
            physical: 6,
            header: 0,
            in_records: 4,
            blank: 2
        }
    );
    // A last line without a line break, and a quoted field on it that never closes.
    let (got, lines) = items("id\nA1\n\"A2");
    assert_eq!(got, ["id@1", "A1@2", "!quote@3"]);
    assert!(lines.reconciles() && lines.physical == 3, "{lines:?}");
}

/// A lone carriage return ends a record for the csv reader without starting a line: the two
/// records share the line, and the line accounting counts it once.
/// Found by fuzzing (fuzz target csv_ingest).
#[test]
fn records_split_by_a_lone_carriage_return_share_their_line() {
    let (got, lines) = items("id,text\r\nA1,x\r\u{5}A2,y\r\nA3,z\n");
    assert_eq!(got, ["id@1", "A1@2", "\u{5}A2@2", "A3@3"], "{got:?}");
    assert_eq!(
        lines,
        Lines {
            physical: 3,
            header: 0,
            in_records: 3,
            blank: 0
        }
    );
}

/// What a read hands on, comparable: each item with its line, and the line tally.
fn read_both(text: &str, general: bool) -> (Vec<(u32, String)>, Lines) {
    let mut out = Vec::new();
    let f = |line: u32, item: Item<'_>| {
        out.push((
            line,
            match item {
                Item::Record(rec) => format!("{:?}", rec.iter().collect::<Vec<_>>()),
                Item::Runaway(r) => format!("{r:?}"),
            },
        ));
        true
    };
    let lines = if general {
        for_each_item_from(text, 0, 3, f, false).0
    } else {
        for_each_item(text, 3, f)
    };
    (out, lines)
}

#[test]
fn the_direct_cut_reads_what_the_csv_reader_reads() {
    for text in [
        "a,b\nc,d\n",
        "a,b\r\nc,\"d,e\"\r\n\r\nf,\"g\"\"h\"\r\n",
        "a,\"b\nc\"\nd,e\n",
        "\n\na,b,\n,\n\"\",x",
        "a,b\rc\n",
        "a,\"b\"c,d\nx\n",
        "a,b\"c\nd\n",
        "a,\"open\nb,c\n",
        "x\n\r",
        "x\n\"y\"",
        "中文,\"含,逗号\"\n𠮷,野\n",
    ] {
        assert_eq!(read_both(text, false), read_both(text, true), "{text:?}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
    /// Any text of commas, quotes, line breaks, carriage returns and CJK: the direct cut and
    /// the csv reader hand on the same records, runaway quotes and line tally.
    #[test]
    fn the_direct_cut_agrees_with_the_csv_reader(
        parts in proptest::collection::vec(
            proptest::sample::select(vec!["a", "中", ",", ",", "\"", "\"\"", "\n", "\n", "\r\n", "\r", " ", "bc"]),
            0..60,
        )
    ) {
        let text = parts.concat();
        proptest::prop_assert_eq!(read_both(&text, false), read_both(&text, true), "{:?}", text);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
    /// The byte-checked trim is `str::trim`, with every white-space character at either end
    /// and characters that share their bytes (CJK, Latin-1) in between.
    #[test]
    fn the_cell_trim_is_strs(
        parts in proptest::collection::vec(
            proptest::sample::select(vec![
                " ", "\t", "\r", "\u{1}", "\u{85}", "\u{a0}", "\u{1680}", "\u{2000}", "\u{200a}",
                "\u{200b}", "\u{2028}", "\u{2029}", "\u{202f}", "\u{205f}", "\u{3000}", "\u{3001}",
                "a", "中", "é", "\u{2080}", "\u{e0}", "\u{1a80}", "\u{3080}",
            ]),
            0..8,
        )
    ) {
        let cell = parts.concat();
        proptest::prop_assert_eq!(super::trim_cell(&cell), cell.trim(), "{:?}", cell);
    }
}
