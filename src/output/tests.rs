use super::direct::WRITE_BUFFER;
use super::*;

#[test]
fn formulas_are_neutralised_but_numbers_are_not() {
    assert_eq!(neutralize("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
    assert_eq!(neutralize("@SUM(A1)"), "'@SUM(A1)");
    assert_eq!(neutralize("+86 138"), "'+86 138");
    assert_eq!(neutralize("-5"), "-5");
    assert_eq!(neutralize("电梯困人"), "电梯困人");
}

/// Lengths around the buffer and alignment sizes come out exact, in order.
#[test]
fn direct_writes_keep_every_byte() {
    let dir = tempfile::tempdir().unwrap();
    for len in [
        0,
        1,
        4095,
        4096,
        4097,
        WRITE_BUFFER - 1,
        WRITE_BUFFER + 5000,
        2 * WRITE_BUFFER,
        3 * WRITE_BUFFER + 17,
    ] {
        let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        // In uneven pieces, as the CSV writer hands them over, and in pieces larger than a
        // buffer (full buffers are written as they are, the rest through the writer's own).
        for piece_len in [7_777, WRITE_BUFFER + 3] {
            let dest = dir.path().join(format!("f{len}-{piece_len}"));
            let mut f = AtomicFile::create(&dest).unwrap();
            for piece in data.chunks(piece_len) {
                f.write_all(piece).unwrap();
            }
            f.commit().unwrap();
            assert_eq!(
                std::fs::read(&dest).unwrap(),
                data,
                "length {len}, pieces {piece_len}"
            );
        }
    }
}

/// A write that fails on the writer thread (here: a full device) comes back as an error
/// from a later write or from finishing, never silently.
#[test]
fn a_failed_background_write_is_reported() {
    let full = Path::new("/dev/full");
    if !full.exists() {
        return;
    }
    let mut w = BackgroundWriter::create(full, true).unwrap();
    let wrote = w.write_all(&vec![7u8; WRITE_BUFFER * 3]);
    let finished = w.finish();
    let err = wrote.err().or(finished.err()).expect("an error");
    assert_eq!(err.kind(), std::io::ErrorKind::StorageFull, "{err}");
}

#[test]
fn atomic_file_appears_only_on_commit() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("a.txt");
    {
        let mut f = AtomicFile::create(&dest).unwrap();
        f.write_all(b"half").unwrap();
        // dropped without commit
    }
    assert!(!dest.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    write_atomic(&dest, b"whole").unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), b"whole");
}

/// The fast row builder writes what the csv crate writes, cell for cell.
#[test]
fn csv_rows_match_the_csv_writer() {
    let cells = [
        "plain",
        "",
        "a,b",
        "say \"hi\"",
        "two\nlines",
        "cr\rhere",
        "=SUM(A1)",
        "-5",
        "电梯困人，请尽快",
        " padded ",
        "@x",
    ];
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.csv");
    let mut out = CsvOut::create(&a, &["h"; 11]).unwrap();
    out.row(cells).unwrap();
    out.finish().unwrap();
    let mut rows = CsvRows::default();
    for c in cells {
        rows.text(c);
    }
    rows.end();
    let written = std::fs::read(&a).unwrap();
    let header_len = "\u{feff}".len() + "h,".repeat(10).len() + "h\n".len();
    assert_eq!(&written[header_len..], &rows.buf[..]);
    let mut r = CsvRows::default();
    r.int(-1234);
    r.int(0);
    r.minutes(930);
    r.minutes(-120);
    r.end();
    assert_eq!(r.buf, b"-1234,0,15.5,-2\n");
}

#[test]
fn minutes_are_compact_and_exact() {
    assert_eq!(minutes(900), "15");
    assert_eq!(minutes(930), "15.5");
    assert_eq!(minutes(920), "15.33");
    assert_eq!(minutes(-60), "-1");
    assert_eq!(minutes(1), "0.02");
    assert_eq!(minutes(-1), "-0.02");
    assert_eq!(minutes(6), "0.1");
    assert_eq!(minutes(-930), "-15.5");
}

/// The reference: through `f64` and `{:.2}`, trailing zeros trimmed.
fn minutes_reference(secs: i64) -> String {
    if secs % 60 == 0 {
        return (secs / 60).to_string();
    }
    let s = format!("{:.2}", secs as f64 / 60.0);
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[test]
fn integer_minutes_match_the_float_formatting_near_zero() {
    for secs in -100_000..100_000 {
        assert_eq!(minutes(secs), minutes_reference(secs), "{secs}");
    }
}

proptest::proptest! {
    #[test]
    fn integer_minutes_match_the_float_formatting(secs in -(1i64 << 40)..(1i64 << 40)) {
        proptest::prop_assert_eq!(minutes(secs), minutes_reference(secs));
    }
}

/// Quoting as the csv crate's `Necessary` style does it, a byte at a time.
fn quoted_reference(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    if !b.iter().any(|&c| matches!(c, b',' | b'"' | b'\r' | b'\n')) {
        return b.to_vec();
    }
    let mut out = vec![b'"'];
    for &c in b {
        if c == b'"' {
            out.push(b'"');
        }
        out.push(c);
    }
    out.push(b'"');
    out
}

proptest::proptest! {
    /// The memchr search quotes exactly the cells the byte-by-byte test quotes, and doubles
    /// every quote, wherever the special bytes fall (first, last, repeated, adjacent).
    #[test]
    fn quoting_matches_the_byte_by_byte_reference(s in "[a,\"\r\n电 (\\-.~\t]{0,40}") {
        let mut rows = CsvRows::default();
        rows.quoted(&s);
        proptest::prop_assert_eq!(rows.buf, quoted_reference(&s));
    }
}

fn one_decimal(v: f64) -> String {
    let mut b = Vec::new();
    write_one_decimal(v, &mut b);
    String::from_utf8(b).unwrap()
}

/// Ties (exact halves of a tenth), values at the integer path's edges and values it leaves to
/// the formatter are written as `{:.1}` writes them.
#[test]
fn one_decimal_matches_the_formatter_at_ties_and_edges() {
    for v in [
        0.0,
        -0.0,
        0.05,
        0.25,
        0.75,
        1.25,
        2.5,
        0.45,
        0.95,
        99.95,
        100.0,
        463.9,
        1e-19,
        1e-18,
        5e-324,
        2251799813685247.5,
        4503599627370495.5,
        4503599627370496.0,
        9007199254740991.0,
        9007199254740992.0,
        1e300,
        -0.25,
        -3.75,
        f64::INFINITY,
        f64::NAN,
    ] {
        assert_eq!(one_decimal(v), format!("{v:.1}"), "{v:e}");
    }
}

proptest::proptest! {
    /// Percentages as the SLA stage computes them (elapsed over limit), and any bit pattern.
    #[test]
    fn one_decimal_matches_the_formatter(
        elapsed in 0i64..10_000_000,
        limit in 1i64..1_000_000,
        bits in proptest::num::u64::ANY,
    ) {
        let pct = elapsed as f64 / limit as f64 * 100.0;
        proptest::prop_assert_eq!(one_decimal(pct), format!("{pct:.1}"));
        let any = f64::from_bits(bits);
        proptest::prop_assert_eq!(one_decimal(any), format!("{any:.1}"));
    }
}
