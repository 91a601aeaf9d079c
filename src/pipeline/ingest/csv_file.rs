//! CSV parsing: RFC 4180 with quoted fields that may hold commas, quotes and line breaks.
//! Each row keeps the line on which it starts, so rejects point at the right place even after
//! a multi-line complaint text.

use std::path::Path;

use super::Row;
use crate::error::{Error, Result};

/// All rows of a decoded CSV text, header included.
///
/// Line numbers are counted here rather than taken from the csv reader: after a CRLF record
/// end the reader reports the next record as starting before the `\n`, one line too early.
pub(super) fn rows(path: &Path, text: &str) -> Result<Vec<Row>> {
    let bytes = text.as_bytes();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut out = Vec::new();
    let mut rec = csv::StringRecord::new();
    // Newlines counted so far, and the byte offset they were counted up to.
    let (mut lines, mut counted) = (0usize, 0usize);
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                let mut start = rec.position().map_or(counted, |p| p.byte() as usize);
                // Skip the line terminator the reader left in front of the record.
                while start < bytes.len() && (bytes[start] == b'\n' || bytes[start] == b'\r') {
                    start += 1;
                }
                lines += memchr::memchr_iter(b'\n', &bytes[counted.min(start)..start]).count();
                counted = counted.max(start);
                out.push(Row {
                    line: u32::try_from(lines + 1).unwrap_or(u32::MAX),
                    cells: rec.iter().map(str::to_owned).collect(),
                    bad_encoding: false,
                });
            }
            // The text is already valid UTF-8 and the reader is flexible, so only I/O can fail.
            Err(e) => {
                return Err(Error::Input {
                    path: path.to_path_buf(),
                    message: format!("cannot parse CSV: {e}"),
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_line_fields_keep_their_starting_line() {
        let text = "id,text\nA1,\"电梯困人\n请尽快\"\nA2,ok\n";
        let rows = rows(Path::new("x.csv"), text).unwrap();
        let lines: Vec<u32> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![1, 2, 4]);
        assert_eq!(rows[1].cells[1], "电梯困人\n请尽快");
    }

    #[test]
    fn crlf_files_count_lines_like_an_editor() {
        let text = "id,text\r\nA1,\"a\r\nb\"\r\nA2,ok\r\n\r\nA3,x\r\n";
        let rows = rows(Path::new("x.csv"), text).unwrap();
        let lines: Vec<u32> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![1, 2, 4, 6]);
    }
}
