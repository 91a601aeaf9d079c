use super::*;

#[test]
fn detects_bom_utf8_and_gbk() {
    let p = Path::new("x.csv");
    let d = decode(
        p,
        "\u{feff}投诉编号\n".as_bytes().to_vec(),
        EncodingChoice::Auto,
    )
    .unwrap();
    assert_eq!((d.text.as_str(), d.encoding), ("投诉编号\n", "utf-8-bom"));
    let d = decode(p, "投诉编号\n".as_bytes().to_vec(), EncodingChoice::Auto).unwrap();
    assert_eq!(d.encoding, "utf-8");
    let (gbk, _, _) = encoding_rs::GBK.encode("投诉编号,电梯困人\n");
    let d = decode(p, gbk.into_owned(), EncodingChoice::Auto).unwrap();
    assert_eq!(
        (d.text.as_str(), d.encoding),
        ("投诉编号,电梯困人\n", "gb18030")
    );
}

#[test]
fn a_few_broken_bytes_are_flagged_not_fatal() {
    let mut bytes = "投诉编号,内容\n".as_bytes().to_vec();
    for i in 0..50 {
        bytes.extend_from_slice(format!("A{i},电梯困人，请尽快处理\n").as_bytes());
    }
    bytes.extend_from_slice(b"A2,\xFF\xFE\xFD\n");
    let d = decode(Path::new("x.csv"), bytes, EncodingChoice::Auto).unwrap();
    assert!(d.had_errors);
    assert!(d.text.contains("电梯困人"));
}
