//! `Source::read`: blocks read ahead on their own thread arrive whole and in order.

use super::*;

fn options<'a>(meter: &'a crate::progress::Meter, chunk_bytes: usize) -> IngestOptions<'a> {
    IngestOptions {
        encoding: EncodingChoice::Auto,
        sheet: None,
        is_header: &|cells: &[String]| cells.first().is_some_and(|c| c == "编号"),
        chunk_bytes,
        progress: meter,
    }
}

/// A file of `n` records, some with a quoted line break, long enough for many 64 KiB blocks.
fn file(n: usize) -> (tempfile::TempDir, PathBuf, Vec<u8>) {
    let mut text = String::from("编号,内容\n");
    for i in 0..n {
        if i % 7 == 0 {
            text.push_str(&format!("T{i},\"第一行\n第二行 {i}\"\n"));
        } else {
            text.push_str(&format!("T{i},电梯困人，请尽快处理 {i}\n"));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.csv");
    std::fs::write(&path, &text).unwrap();
    (dir, path, text.into_bytes())
}

/// Chunks of 16 KiB (blocks of 64 KiB).
const CHUNK: usize = 1 << 14;

/// The file of [`file`], opened for reading in [`CHUNK`]s.
fn opened(n: usize) -> (tempfile::TempDir, Source, Vec<u8>) {
    let (dir, path, bytes) = file(n);
    let meter = crate::progress::Meter::hidden();
    let src = Source::open(&path, 0, &options(&meter, CHUNK)).unwrap();
    (dir, src, bytes)
}

#[test]
fn blocks_read_ahead_arrive_in_order_with_their_lines_and_the_hash() {
    let (_dir, mut src, bytes) = opened(20_000);
    let mut seen: Vec<(u32, String)> = Vec::new();
    let mut calls = 0;
    src.read(
        CHUNK,
        |chunk| {
            let mut rejects = Rejects::default();
            let mut got = Vec::new();
            chunk.for_each(&mut rejects, |origin, cells| {
                got.push((origin.line, cells.get(0).unwrap().to_owned()));
            });
            assert!(rejects.issues.is_empty());
            got
        },
        |got| {
            calls += 1;
            seen.extend(got);
            Ok(())
        },
    )
    .unwrap();
    assert!(calls > 30, "read in many chunks ({calls})");
    assert_eq!(seen.len(), 20_000);
    // Line 1 is the header; a record with a quoted line break takes two lines.
    let mut line = 2;
    for (i, (l, id)) in seen.iter().enumerate() {
        assert_eq!((*l, id.as_str()), (line, format!("T{i}").as_str()));
        line += if i % 7 == 0 { 2 } else { 1 };
    }
    assert_eq!(src.file.sha256, crate::output::sha256_hex(&bytes));
}

#[test]
fn a_failing_block_stops_the_read_ahead() {
    let (_dir, mut src, _) = opened(20_000);
    let mut calls = 0;
    let err = src
        .read(
            CHUNK,
            |_| (),
            |()| {
                calls += 1;
                if calls == 2 {
                    Err(crate::error::Error::Usage("stop".into()))
                } else {
                    Ok(())
                }
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("stop"), "{err}");
    assert_eq!(calls, 2);
}

#[test]
fn a_panicking_parse_is_raised_on_the_calling_thread() {
    let (_dir, mut src, _) = opened(20_000);
    let mut folded = 0;
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        src.read(
            CHUNK,
            |chunk| {
                let mut rejects = Rejects::default();
                chunk.for_each(&mut rejects, |origin, _| {
                    assert_ne!(origin.line, 5_000, "a parse that fails");
                });
            },
            |()| {
                folded += 1;
                Ok(())
            },
        )
    }));
    let payload = caught.expect_err("the parse's panic reaches the caller");
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .unwrap_or_default();
    assert!(message.contains("a parse that fails"), "{message}");
    assert!(folded > 0, "the chunks before it were folded");
}

/// The header and sample rows are read from a prefix of the first block, longer until it holds
/// them: here the sample's 1,000 rows of about a kilobyte each need four times the first
/// prefix, and each row comes out whole (the prefix cuts rows, and characters, elsewhere).
#[test]
fn the_sample_rows_are_whole_when_they_outgrow_the_first_prefix() {
    let long = "业主反映楼上漏水，".repeat(40);
    let mut text = String::from("导出时间：2026-11-01\n编号,内容\n");
    for i in 0..3000 {
        text.push_str(&format!("T{i},\"{long}{i}\"\n"));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.csv");
    std::fs::write(&path, &text).unwrap();
    assert!(text.len() > 4 * HEAD_PREFIX_BYTES);
    let meter = crate::progress::Meter::hidden();
    // Chunks of 1 MiB: a first block of 4 MiB, all of the file.
    let src = Source::open(&path, 0, &options(&meter, 1 << 20)).unwrap();
    assert_eq!(src.headers, ["编号", "内容"]);
    assert_eq!(src.file.header_line, 2);
    assert_eq!(src.sample.len(), SAMPLE_ROWS);
    for (i, row) in src.sample.iter().enumerate() {
        assert_eq!(row, &[format!("T{i}"), format!("{long}{i}")], "row {i}");
    }
}
