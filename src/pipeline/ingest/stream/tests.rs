use super::*;

/// Every block's records, with their lines, as (line, cells).
fn read_all(bytes: &[u8], block: usize) -> (Vec<(u32, Vec<String>)>, &'static str, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.csv");
    std::fs::write(&path, bytes).unwrap();
    let mut o = CsvStream::open(&path, EncodingChoice::Auto, block).unwrap();
    o.stream.skip_to_line(2);
    let mut out = Vec::new();
    let mut hasher = o.stream.take_hasher();
    // As the reader thread does: each block's text taken out of the stream, and the buffer
    // of the block before last given back as the spare (the stream's buffer changes hands).
    let mut spares: Vec<String> = Vec::new();
    while let Some(b) = o.stream.next_block().unwrap() {
        hasher.update(b.raw);
        let first_line = b.first_line;
        let spare = if spares.len() > 1 {
            spares.remove(0)
        } else {
            String::new()
        };
        let text = o.stream.take_block(spare.into_bytes());
        csv_file::for_each_record(&text, first_line, |line, rec| {
            out.push((line, rec.iter().map(str::to_owned).collect()));
        });
        spares.push(text);
    }
    (out, o.encoding, hex_digest(hasher))
}

/// The parallel check agrees with `from_utf8` and the line count with a plain count, also
/// for blocks of several pieces with characters across the piece size and bad bytes in a
/// late piece.
fn sample() -> String {
    let mut text = String::from("投诉编号,内容,备注\r\n");
    for i in 0..2000 {
        let body = match i % 4 {
            0 => format!("\"电梯困人,第{i}次\""),
            1 => format!("\"两行\n第{i}行\""),
            2 => format!("\"引号\"\"{i}\"\"\""),
            _ => format!("停水{i}"),
        };
        text.push_str(&format!("TS-{i},{body},备注{i}\r\n"));
    }
    text
}

/// Small blocks give the records, lines and file hash that one block gives, in UTF-8 (with
/// and without a BOM) and GBK.
#[test]
fn blocks_read_like_the_whole_file() {
    let text = sample();
    let whole = read_all(text.as_bytes(), 1 << 30);
    assert_eq!(whole.0.len(), 2000);
    assert_eq!(whole.0[2].0, 5); // after a two-line record
    assert_eq!(whole.2, crate::output::sha256_hex(text.as_bytes()));
    for block in [1 << 12, 10_000, 1 << 16] {
        assert_eq!(read_all(text.as_bytes(), block).0, whole.0, "block {block}");
    }
    let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
    let (rows, enc, hash) = read_all(&bom, 5_000);
    assert_eq!((rows, enc), (whole.0.clone(), "utf-8-bom"));
    assert_eq!(hash, crate::output::sha256_hex(&bom));
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let (rows, enc, _) = read_all(&gbk, 5_000);
    assert_eq!((rows, enc), (whole.0, "gb18030"));
}

/// A stray quote inside an unquoted field: parity cannot be trusted, so the rest of the file
/// is read as one block, as the csv reader reads it.
#[test]
fn stray_quotes_fall_back_to_one_block() {
    let mut text = String::from("id,size\n");
    for i in 0..3000 {
        text.push_str(&format!("A{i},5\" pipe\n"));
    }
    let whole = read_all(text.as_bytes(), 1 << 30);
    assert_eq!(read_all(text.as_bytes(), 4096).0, whole.0);
}
