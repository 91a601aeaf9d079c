//! Stage 1, ingest: input files → one [`RawTable`] per file (text cells, provenance).
//!
//! - Input: the sorted list of input paths (CSV in UTF-8 with or without BOM, UTF-16 with BOM,
//!   or GBK/GB18030; XLSX/XLS/ODS through calamine).
//! - Output: a lazy sequence of [`RawTable`]s, one file read at a time, so a run never holds
//!   more than one file's raw cells.
//! - Failure policy: an unreadable file, an undecodable declared encoding or a missing sheet is
//!   a fatal [`Error`]. Per record: a ragged row (more fields than the header), bytes invalid in
//!   the file's encoding and an entirely blank row are rejected here (stage `ingest`); every
//!   other record goes on to normalize untouched.
//!
//! Spreadsheet cells become the text a CSV export of the same sheet would hold: numbers in
//! their shortest form, date cells as `YYYY-MM-DD HH:MM:SS` local wall time, error cells as their code (`#N/A`). That is what makes a CSV and an XLSX copy of
//! one export produce identical results.

mod csv_file;
mod encoding;
mod xlsx;

use std::path::{Path, PathBuf};

use crate::config::EncodingChoice;
use crate::diagnostic::display_path;
use crate::error::Result;
use crate::model::Origin;
use crate::rejects::{RejectReason, Rejects, RowIssue};

pub use encoding::decode;
pub(crate) use xlsx::cell_text;

/// How many leading rows are searched for the header row (exports often carry a title row).
pub const HEADER_SEARCH_ROWS: usize = 10;

/// One input file as the manifest describes it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InputFile {
    /// The path as given.
    #[serde(skip)]
    pub path: PathBuf,
    /// The path as shown in outputs (relative to the working directory where possible).
    pub display: String,
    /// The file name without folder or extension: what the report and `complaints.csv` cite,
    /// so a CSV, GBK and XLSX copy of one export give identical outputs.
    pub stem: String,
    /// `csv` or `xlsx` (any calamine workbook).
    pub format: &'static str,
    /// The encoding read (`utf-8`, `utf-8-bom`, `utf-16le`, `gb18030`) or `xlsx`.
    pub encoding: String,
    /// The sheet read, for workbooks.
    pub sheet: Option<String>,
    /// Hex sha256 of the file's bytes.
    pub sha256: String,
    /// 1-based line (row) of the header.
    pub header_line: u32,
    /// Rows above the header that were skipped (titles, notes).
    pub preamble_rows: u32,
    /// Data records read (below the header), whatever became of them.
    pub records: usize,
}

/// One data record: its provenance and its cells as text.
#[derive(Debug, Clone)]
pub struct RawRecord {
    /// Where it is.
    pub origin: Origin,
    /// The cells, header-aligned (shorter when the row is short).
    pub fields: csv::StringRecord,
}

/// One file's header and records.
#[derive(Debug, Clone)]
pub struct RawTable {
    /// Index into the run's input files.
    pub file: u16,
    /// The header row as written.
    pub headers: Vec<String>,
    /// The records that passed ingest.
    pub records: Vec<RawRecord>,
}

/// How files are read.
pub struct IngestOptions<'a> {
    /// Declared or detected CSV encoding.
    pub encoding: EncodingChoice,
    /// Workbook sheet; the first when `None`.
    pub sheet: Option<&'a str>,
    /// Recognises the header row among the first rows (from the column profile).
    pub is_header: &'a (dyn Fn(&[String]) -> bool + Sync),
}

/// Reads each path in order, lazily. `files` receives each file's manifest entry as it is read.
pub fn run<'a>(
    paths: &'a [PathBuf],
    opts: &'a IngestOptions<'a>,
    files: &'a mut Vec<InputFile>,
    rejects: &'a mut Rejects,
) -> impl Iterator<Item = Result<RawTable>> + 'a {
    paths.iter().map(move |path| {
        let id = u16::try_from(files.len())
            .map_err(|_| crate::error::Error::Usage("more than 65,535 input files".into()))?;
        let (file, table) = read_file(path, id, opts, rejects)?;
        files.push(file);
        Ok(table)
    })
}

/// Reads one file.
pub fn read_file(
    path: &Path,
    id: u16,
    opts: &IngestOptions<'_>,
    rejects: &mut Rejects,
) -> Result<(InputFile, RawTable)> {
    let bytes = std::fs::read(path).map_err(|e| crate::error::Error::io(path, e))?;
    let sha256 = crate::output::sha256_hex(&bytes);
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let display = display_path(path).display().to_string();
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let is_workbook = matches!(ext.as_str(), "xlsx" | "xlsm" | "xls" | "ods");
    let (format, encoding, sheet, rows) = if is_workbook {
        let t = xlsx::read(path, bytes, opts.sheet)?;
        ("xlsx", "xlsx".to_owned(), Some(t.sheet), t.rows)
    } else {
        let text = encoding::decode(path, &bytes, opts.encoding)?;
        drop(bytes);
        let mut rows = csv_file::rows(path, &text.text)?;
        if text.had_errors {
            for r in &mut rows {
                r.bad_encoding = r.cells.iter().any(|c| c.contains('\u{fffd}'));
            }
        }
        ("csv", text.encoding.to_owned(), None, rows)
    };
    let (table, header_line, preamble, records) = build_table(id, rows, opts.is_header, rejects);
    let file = InputFile {
        path: path.to_path_buf(),
        display,
        stem,
        format,
        encoding,
        sheet,
        sha256,
        header_line,
        preamble_rows: preamble,
        records,
    };
    Ok((file, table))
}

/// A row as read from either format, before the header is known.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// 1-based line (CSV) or sheet row (XLSX) where the row starts.
    pub line: u32,
    pub cells: Vec<String>,
    pub bad_encoding: bool,
}

/// Finds the header, then turns the rows below it into records, rejecting ragged, badly
/// encoded and blank ones.
fn build_table(
    file: u16,
    rows: Vec<Row>,
    is_header: &(dyn Fn(&[String]) -> bool + Sync),
    rejects: &mut Rejects,
) -> (RawTable, u32, u32, usize) {
    let header_idx = rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .position(|r| is_header(&r.cells))
        .unwrap_or(0);
    let mut it = rows.into_iter().skip(header_idx);
    let Some(header) = it.next() else {
        return (
            RawTable {
                file,
                headers: Vec::new(),
                records: Vec::new(),
            },
            1,
            0,
            0,
        );
    };
    let headers: Vec<String> = header
        .cells
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_owned())
        .collect();
    // Trailing empty header cells (a spreadsheet's stray formatting) do not count as columns.
    let width = headers
        .iter()
        .rposition(|h| !h.is_empty())
        .map_or(0, |i| i + 1);
    let headers: Vec<String> = headers.into_iter().take(width).collect();
    let mut records = Vec::new();
    let mut n = 0usize;
    for row in it {
        n += 1;
        let origin = Origin {
            file,
            line: row.line,
            record: u32::try_from(n).unwrap_or(u32::MAX),
        };
        let used = row
            .cells
            .iter()
            .rposition(|c| !c.trim().is_empty())
            .map_or(0, |i| i + 1);
        let issue =
            |reason: RejectReason, field: String, value: String, message: String| RowIssue {
                origin,
                stage: "ingest",
                field,
                value,
                reason,
                message,
            };
        if row.bad_encoding {
            let (i, cell) = row
                .cells
                .iter()
                .enumerate()
                .find(|(_, c)| c.contains('\u{fffd}'))
                .map(|(i, c)| (i, c.clone()))
                .unwrap_or_default();
            rejects.reject(issue(
                RejectReason::BadEncoding,
                headers.get(i).cloned().unwrap_or_default(),
                cell,
                "bytes not valid in the file's encoding (shown as \u{fffd})".into(),
            ));
        } else if used == 0 {
            rejects.reject(issue(
                RejectReason::EmptyRow,
                String::new(),
                String::new(),
                "every cell is blank".into(),
            ));
        } else if used > width {
            let extra: Vec<&str> = row.cells[width..used].iter().map(String::as_str).collect();
            rejects.reject(issue(
                RejectReason::RaggedRow,
                String::new(),
                extra.join(","),
                format!(
                    "{used} fields but the header has {width}: a stray delimiter or an unquoted comma shifted the columns"
                ),
            ));
        } else {
            let mut cells = row.cells;
            cells.truncate(width);
            records.push(RawRecord {
                origin,
                fields: csv::StringRecord::from(cells),
            });
        }
    }
    let header_line = header.line;
    (
        RawTable {
            file,
            headers,
            records,
        },
        header_line,
        u32::try_from(header_idx).unwrap_or(u32::MAX),
        n,
    )
}
