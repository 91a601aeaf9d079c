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
