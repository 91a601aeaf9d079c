//! Workbooks (XLSX, and XLS/ODS through the same reader). Cells become the text a CSV export
//! of the sheet would hold, so the two formats produce identical results.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto_from_rs};

use super::Row;
use crate::error::{Error, Result};

/// One sheet's rows.
pub(super) struct SheetRows {
    pub sheet: String,
    pub rows: Vec<Row>,
}

/// Reads the named sheet, or the first that is not blank.
pub(super) fn read(path: &Path, bytes: Vec<u8>, sheet: Option<&str>) -> Result<SheetRows> {
    let input_err = |message: String| Error::Input {
        path: path.to_path_buf(),
        message,
    };
    // A workbook is ZIP data (XLSX, ODS) or an OLE file (XLS); text with a workbook's name is
    // most likely a CSV export renamed.
    let zip = bytes.starts_with(b"PK\x03\x04");
    let ole = bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
    if !zip && !ole {
        return Err(input_err(if bytes.is_empty() {
            "the file is empty (0 bytes), not a workbook".into()
        } else {
            "the file is not a workbook: it holds no XLSX, ODS or XLS data (a CSV export with a workbook's name?); give a CSV the .csv extension".into()
        }));
    }
    let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| input_err(format!("cannot open workbook: {e}")))?;
    let names = wb.sheet_names();
    let (name, range) = match sheet {
        Some(s) => {
            let name = names
                .iter()
                .find(|n| n.as_str() == s)
                .cloned()
                .ok_or_else(|| {
                    input_err(format!(
                        "no sheet named `{s}`; the workbook has {}",
                        names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?;
            let range = wb
                .worksheet_range(&name)
                .map_err(|e| input_err(format!("cannot read sheet `{name}`: {e}")))?;
            (name, range)
        }
        // The first sheet that holds anything: exports sometimes carry a blank first sheet
        // (each sheet is read once; a filled first sheet is the one used, as before).
        None => {
            if names.is_empty() {
                return Err(input_err("the workbook has no sheets".into()));
            }
            let mut found = None;
            for n in &names {
                let range = wb
                    .worksheet_range(n)
                    .map_err(|e| input_err(format!("cannot read sheet `{n}`: {e}")))?;
                if range
                    .used_cells()
                    .any(|(_, _, c)| !matches!(c, Data::Empty))
                {
                    found = Some((n.clone(), range));
                    break;
                }
            }
            found.ok_or_else(|| {
                input_err(format!(
                    "every sheet of the workbook is blank ({}): no header and no data",
                    listed(&names)
                ))
            })?
        }
    };
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let mut rows = Vec::with_capacity(range.height());
    for (i, r) in range.rows().enumerate() {
        // Columns left of the used range are blank cells, so headers keep their positions.
        let mut cells = vec![String::new(); col0 as usize];
        cells.extend(r.iter().map(cell_text));
        rows.push(Row {
            line: row0 + u32::try_from(i).unwrap_or(u32::MAX) + 1,
            cells,
            bad_encoding: false,
        });
    }
    Ok(SheetRows { sheet: name, rows })
}

/// Sheet names as a message lists them: `` `a`, `b` ``.
fn listed(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A cell as CSV text.
pub(crate) fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        Data::Error(e) => e.to_string(),
        Data::DateTime(dt) => {
            if dt.is_duration() {
                return number_text(dt.as_f64());
            }
            // Always with the time: the cell's number format (date-only or not) is not
            // available, and exports print full timestamps; midnight reads the same either way.
            match crate::time::excel_serial_to_naive(dt.as_f64()) {
                Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
                None => number_text(dt.as_f64()),
            }
        }
    }
}

/// Shortest text for a number: integers without `.0` (phone numbers stored as numbers come
/// back as digits), others in Rust's shortest round-trip form.
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_csv_text() {
        assert_eq!(number_text(13812345678.0), "13812345678");
        assert_eq!(number_text(85.5), "85.5");
        assert_eq!(cell_text(&Data::Error(calamine::CellErrorType::NA)), "#N/A");
    }
}
