//! CSV parsing: RFC 4180 with quoted fields that may hold commas, quotes and line breaks.
//! Each row keeps the line on which it starts, so rejects point at the right place even after
//! a multi-line complaint text.

use std::path::Path;

use super::Row;
use crate::error::{Error, Result};

/// All rows of a decoded CSV text, header included.
pub(super) fn rows(path: &Path, text: &str) -> Result<Vec<Row>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                let line = rec.position().map_or(0, |p| p.line());
                out.push(Row {
                    line: u32::try_from(line).unwrap_or(u32::MAX),
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
}
