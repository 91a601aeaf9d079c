//! Stage 1, ingest: an input file → a [`Source`]: its manifest entry, its header, and its
//! records in [`Chunk`]s that parse independently, so normalize can work on them in parallel.
//!
//! - Input: one path (CSV in UTF-8 with or without BOM, UTF-16 with BOM, or GBK/GB18030;
//!   XLSX/XLS/ODS through calamine).
//! - Output: a [`Source`]; [`Chunk::for_each`] hands each record to the caller with its
//!   provenance (file, the line where it starts, its record number within the chunk — the
//!   caller adds the records of the chunks before, see [`Rejects::shift_records`]).
//! - Failure policy: an unreadable file, an undecodable declared encoding or a missing sheet is
//!   a fatal [`Error`]. Per record: a ragged row (more fields than the header), bytes invalid in
//!   the file's encoding and an entirely blank row are rejected here (stage `ingest`); every
//!   other record goes on to normalize untouched.
//!
//! Spreadsheet cells become the text a CSV export of the same sheet would hold: numbers in
//! their shortest form, date cells as `YYYY-MM-DD HH:MM:SS` local wall time, error cells as
//! their code (`#N/A`). That is what makes a CSV and an XLSX copy of one export produce
//! identical results.
//!
//! Splitting a CSV: the text is cut after line breaks that lie outside quoted fields. Which
//! ones do is decided from the parity of the quotes before them, counted in parallel; that is
//! exact for RFC 4180 quoting (a quote opens a field or closes it, `""` inside is a quote), and
//! the quotes are checked to be used that way. A file that quotes otherwise (a stray `"` inside
//! an unquoted field) is parsed as one chunk, as the csv reader would read it whole.
//!
//! Reading a CSV: blocks of whole records (32 MiB) are read, checked, taken out of the stream
//! and hashed on a reader thread one block ahead of the parse ([`Source::read`]), so that file
//! reading overlaps the parallel parse instead of alternating with it. The parse is a
//! pipeline: the caller's `map` parses each chunk on the pool, with two blocks' chunks queued
//! at once, and its `fold` takes the results in file order on the calling thread while the
//! pool goes on.

mod blocks;
mod csv_file;

pub use csv_file::{Cells, Lines, trim_cell};
mod encoding;
mod stream;
mod xlsx;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use self::blocks::{Blocks, OwnedBlock};
use crate::config::EncodingChoice;
use crate::diagnostic::display_path;
use crate::error::Result;
use crate::model::Origin;
use crate::rejects::{RejectReason, Rejects, RowIssue};

pub use encoding::decode;
pub(crate) use xlsx::cell_text;

/// How many leading rows are searched for the header row (exports often carry a title row).
pub const HEADER_SEARCH_ROWS: usize = 10;

/// How many data rows below the header [`Source::sample`] holds: enough for detection to see
/// day-of-month values past the 12th, few enough to cost nothing.
pub const SAMPLE_ROWS: usize = 1000;

/// Bytes of a CSV's first block decoded first to find its header and sample rows (more, four
/// times over, while they do not hold enough rows).
const HEAD_PREFIX_BYTES: usize = 1 << 18;

/// The longest cell accepted, in bytes (1 MiB): a complaint text is a few KiB; a cell of
/// megabytes is a broken file, and the row is rejected (`field_too_long`).
pub const MAX_CELL_BYTES: usize = 1 << 20;

/// Target size of a CSV chunk: large enough that per-chunk setup is noise, small enough that
/// two cores stay busy to the end of a file.
pub const CHUNK_BYTES: usize = 8 << 20;

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
    /// How the file's physical lines (sheet rows) were used:
    /// `physical = header + in_records + blank`.
    pub lines: Lines,
}

/// One data record: its provenance and its cells as text.
#[derive(Debug, Clone)]
pub struct RawRecord {
    /// Where it is.
    pub origin: Origin,
    /// The cells, header-aligned (shorter when the row is short).
    pub fields: Cells,
}

/// One file's header and records, all in memory: for small inputs (a roster, a rule test case).
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
    /// Target size of the pieces a CSV is parsed in ([`CHUNK_BYTES`]).
    pub chunk_bytes: usize,
    /// Advanced by the bytes of each block read (a no-op bar when progress is hidden).
    pub progress: &'a crate::progress::Meter,
}

/// Total size of `paths` in bytes (unreadable ones count 0): what vectors are reserved from and
/// what the read progress bars count up to.
pub fn total_bytes(paths: &[PathBuf]) -> u64 {
    paths
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

/// A row as read from a workbook, before the header is known.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// 1-based sheet row where the row starts.
    pub line: u32,
    pub cells: Vec<String>,
    pub bad_encoding: bool,
}

/// An opened input file: its manifest entry (`records` is filled in by the caller once the
/// records are read; `sha256` once [`Source::read`] has read them), its header, and the records
/// below it, read block by block.
pub struct Source {
    /// Index into the run's input files.
    pub id: u16,
    /// The manifest entry.
    pub file: InputFile,
    /// The header as written (trimmed; trailing blank cells dropped).
    pub headers: Vec<String>,
    /// The first data rows (at most [`SAMPLE_ROWS`]), as text cells: what timestamp forms are
    /// detected from before the records are read in parallel.
    pub sample: Vec<Vec<String>>,
    body: Body,
    progress: crate::progress::Meter,
    /// The file's size, for the progress bar.
    bytes: u64,
    /// Lines of the records read so far (CSV).
    lines: std::sync::Mutex<Lines>,
}

enum Body {
    /// A CSV file, positioned at its first data record.
    Csv(stream::CsvStream),
    /// Workbook rows below the header.
    Rows(Vec<Row>),
}

/// A run of consecutive records of one file.
pub struct Chunk<'a> {
    id: u16,
    headers: &'a [String],
    /// The file's line tally, which each chunk adds its lines to.
    lines: &'a std::sync::Mutex<Lines>,
    part: Part<'a>,
    /// Some bytes of the block were invalid in the file's encoding.
    bad_encoding: bool,
}

enum Part<'a> {
    /// CSV text starting at a record boundary on line `first_line`.
    Csv { text: &'a str, first_line: u32 },
    /// Workbook rows.
    Rows(&'a [Row]),
}

impl Source {
    /// Opens one file, decides its encoding and finds its header.
    pub fn open(path: &Path, id: u16, opts: &IngestOptions<'_>) -> Result<Source> {
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
        let mut file = InputFile {
            path: path.to_path_buf(),
            display,
            stem,
            format: "csv",
            encoding: String::new(),
            sheet: None,
            sha256: String::new(),
            header_line: 1,
            preamble_rows: 0,
            records: 0,
            lines: Lines::default(),
        };
        if is_workbook {
            let bytes = std::fs::read(path).map_err(|e| crate::error::Error::io(path, e))?;
            file.sha256 = crate::output::sha256_hex(&bytes);
            let t = xlsx::read(path, bytes, opts.sheet)?;
            file.format = "xlsx";
            file.encoding = "xlsx".to_owned();
            file.sheet = Some(t.sheet);
            let mut rows = t.rows;
            let header_idx = rows
                .iter()
                .take(HEADER_SEARCH_ROWS)
                .position(|r| (opts.is_header)(&r.cells))
                .unwrap_or(0);
            let (headers, header_line) = match rows.get(header_idx) {
                Some(h) => (clean_headers(&h.cells), h.line),
                None => (Vec::new(), 1),
            };
            let body: Vec<Row> = rows.drain((header_idx + 1).min(rows.len())..).collect();
            // Sheet rows: down to the header, then one per row below it (blank ones included:
            // they are rejected as empty rows).
            let header_rows = u64::from(body.first().map_or(header_line, |r| r.line - 1));
            file.lines = Lines {
                physical: header_rows + body.len() as u64,
                header: header_rows,
                in_records: body.len() as u64,
                blank: 0,
            };
            file.header_line = header_line;
            file.preamble_rows = u32::try_from(header_idx).unwrap_or(u32::MAX);
            let sample = body
                .iter()
                .take(SAMPLE_ROWS)
                .map(|r| r.cells.clone())
                .collect();
            return Ok(Source {
                id,
                file,
                headers,
                sample,
                body: Body::Rows(body),
                progress: opts.progress.clone(),
                bytes: std::fs::metadata(path).map_or(0, |m| m.len()),
                lines: std::sync::Mutex::default(),
            });
        }
        // Blocks of four chunks (so small test chunks read a file in many blocks too).
        let block = opts
            .chunk_bytes
            .saturating_mul(4)
            .clamp(1 << 16, stream::BLOCK_BYTES);
        let opened = stream::CsvStream::open(path, opts.encoding, block)?;
        let mut csv = opened.stream;
        file.encoding = opened.encoding.to_owned();
        // The header: the first of the leading rows the profile recognises, else the first row.
        let (headers, header_line, header_idx, data_line, sample) = {
            let wanted = HEADER_SEARCH_ROWS + 1 + SAMPLE_ROWS;
            // The rows are read from a prefix of the first block, longer until it holds one
            // row past those wanted: a row that ends before the next one starts is the same
            // row in the whole block. (Decoding the whole 32 MB block was 26 ms before any
            // parsing began.)
            let mut prefix = HEAD_PREFIX_BYTES;
            let (mut lead, cut) = loop {
                let whole = prefix >= csv.head_len();
                let mut lead = csv_file::leading_rows(&csv.head_text(prefix), wanted + 1);
                if lead.len() > wanted {
                    lead.truncate(wanted);
                    break (lead, false);
                }
                if whole {
                    let cut = lead.len() < wanted && !csv.whole_file_read();
                    break (lead, cut);
                }
                prefix = prefix.saturating_mul(4);
            };
            let header_idx = lead
                .iter()
                .take(HEADER_SEARCH_ROWS)
                .position(|r| (opts.is_header)(&r.cells))
                .unwrap_or(0);
            let (headers, header_line) = match lead.get(header_idx) {
                Some(h) => (clean_headers(&h.cells), h.line),
                None => (Vec::new(), 1),
            };
            // The data start on the line of the record after the header (or after the text).
            let data_line = match lead.get(header_idx + 1) {
                Some(r) => r.line,
                None => u32::MAX,
            };
            // When the rows ran out before the file did, the last one may be cut off at the
            // end of the first block: a cut timestamp would mislead detection.
            if cut && lead.len() > header_idx + 1 {
                lead.pop();
            }
            let sample = lead
                .into_iter()
                .skip(header_idx + 1)
                .take(SAMPLE_ROWS)
                .map(|r| r.cells)
                .collect();
            (headers, header_line, header_idx, data_line, sample)
        };
        file.lines.header = csv.skip_to_line(data_line);
        file.lines.physical = file.lines.header;
        file.header_line = header_line;
        file.preamble_rows = u32::try_from(header_idx).unwrap_or(u32::MAX);
        Ok(Source {
            id,
            file,
            headers,
            sample,
            body: Body::Csv(csv),
            progress: opts.progress.clone(),
            bytes: std::fs::metadata(path).map_or(0, |m| m.len()),
            lines: std::sync::Mutex::default(),
        })
    }

    /// Reads the records as chunks (of about `chunk_bytes`; workbooks: 32,768 rows) that parse
    /// independently: `map` parses each on the pool, `fold` takes the results on the calling
    /// thread one chunk at a time, in file order. Returns how long the parse waited for the
    /// file with no chunk to work on (the reading that did not overlap it). The manifest
    /// entry's sha256 is complete afterwards.
    ///
    /// A CSV is read a block at a time on a thread of its own, which also hashes it. The pool
    /// has the chunks of two blocks at once: when the chunks of one run out, the next block's
    /// are there to take while the calling thread folds. Handed over a block at a time and
    /// folded between blocks, a fifth of the two cores' time went idle at each block's end
    /// (the last chunks finish one by one; the fold ran alone).
    pub fn read<T: Send>(
        &mut self,
        chunk_bytes: usize,
        map: impl Fn(&Chunk<'_>) -> T + Sync,
        mut fold: impl FnMut(T) -> Result<()>,
    ) -> Result<std::time::Duration> {
        let id = self.id;
        let headers = &self.headers;
        let lines = &self.lines;
        match &mut self.body {
            Body::Rows(rows) => {
                let parts: Vec<T> = rows
                    .par_chunks(32_768)
                    .map(|r| {
                        map(&Chunk {
                            id,
                            headers,
                            lines,
                            part: Part::Rows(r),
                            bad_encoding: false,
                        })
                    })
                    .collect();
                for t in parts {
                    fold(t)?;
                }
                self.progress.inc(self.bytes);
                Ok(std::time::Duration::ZERO)
            }
            Body::Csv(csv) => {
                let progress = &self.progress;
                let mut hasher = csv.take_hasher();
                let (done, hasher) = std::thread::scope(|scope| -> Result<(_, _)> {
                    // One block waiting while two are parsed: besides the stream's buffer at
                    // most four copies are held (two parsed, one waiting, one being filled).
                    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<OwnedBlock>>(1);
                    let (spare_tx, spare_rx) = std::sync::mpsc::channel::<String>();
                    let reader = scope.spawn(move || {
                        loop {
                            let block = match csv.next_block() {
                                Ok(Some(b)) => b,
                                Ok(None) => break,
                                Err(e) => {
                                    let _ = tx.send(Err(e));
                                    break;
                                }
                            };
                            sha2::Digest::update(&mut hasher, block.raw);
                            let spare = spare_rx.try_recv().unwrap_or_default();
                            let mut owned = OwnedBlock::of(&block);
                            owned.text = csv.take_block(spare.into_bytes());
                            // A closed channel: the parse failed and the caller is returning.
                            if tx.send(Ok(owned)).is_err() {
                                break;
                            }
                        }
                        hasher
                    });
                    let blocks = Blocks {
                        id,
                        headers,
                        lines,
                        chunk_bytes,
                        progress,
                    };
                    // `rx` is dropped on the way out, error or not, so the reader stops.
                    let done = blocks.parse(rx, spare_tx, &map, &mut fold)?;
                    Ok((done, reader.join().expect("the reader does not panic")))
                })?;
                self.file.sha256 = stream::hex_digest(hasher);
                // The header and preamble lines were read before the first block.
                self.progress.inc(self.bytes.saturating_sub(done.ticked));
                self.file.lines += *self.lines.lock().expect("line tally");
                Ok(done.waited)
            }
        }
    }
}

/// Header cells: BOM and blanks trimmed; trailing empty cells (a spreadsheet's stray formatting)
/// do not count as columns.
fn clean_headers(cells: &[String]) -> Vec<String> {
    let headers: Vec<String> = cells
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_owned())
        .collect();
    let width = headers
        .iter()
        .rposition(|h| !h.is_empty())
        .map_or(0, |i| i + 1);
    headers.into_iter().take(width).collect()
}

impl Chunk<'_> {
    /// About as many records as the chunk holds when a CSV row takes at least `row_bytes`, for
    /// reserving the vectors its records go to: grown by doubling, they were copied over and
    /// over as they filled (capacity never written costs nothing).
    pub fn capacity_hint(&self, row_bytes: usize) -> usize {
        match &self.part {
            Part::Csv { text, .. } => text.len() / row_bytes.max(1) + 1,
            Part::Rows(rows) => rows.len(),
        }
    }

    /// Hands each record that passes ingest to `f` with its origin (record numbers counted
    /// from 1 within the chunk); rejects the others into `rejects`. Returns the number of
    /// records in the chunk, whatever became of them.
    ///
    /// Rejected here: a row with more fields than the header (`ragged_row`) or, in a CSV, fewer
    /// (`short_row`): either way a delimiter or a line break is missing or extra, the columns
    /// are shifted and no cell can be trusted, so short and long rows are treated alike. A
    /// workbook row has no delimiters to lose, and its trailing blank cells are simply blank.
    /// Also rejected: bytes invalid in the encoding, a cell over [`MAX_CELL_BYTES`], a blank
    /// row, and a row cut short by a runaway quote (`unterminated_quote`).
    pub fn for_each(&self, rejects: &mut Rejects, mut f: impl FnMut(Origin, &Cells)) -> u32 {
        let width = self.headers.len();
        let file = self.id;
        let csv = matches!(self.part, Part::Csv { .. });
        // NUL bytes are looked for per record only in a chunk that has one (one scan here).
        let nul = match &self.part {
            Part::Csv { text, .. } => memchr::memchr(0, text.as_bytes()).is_some(),
            Part::Rows(rows) => rows
                .iter()
                .any(|r| r.cells.iter().any(|c| c.contains('\0'))),
        };
        let mut n = 0u32;
        let mut check = |line: u32,
                         item: csv_file::Item<'_>,
                         bad_encoding: bool,
                         rejects: &mut Rejects| {
            n += 1;
            let origin = Origin {
                file,
                line,
                record: n,
            };
            let issue =
                |reason: RejectReason, field: String, value: String, message: String| RowIssue {
                    origin,
                    stage: "ingest",
                    field,
                    value,
                    reason,
                    message,
                };
            let rec = match item {
                csv_file::Item::Record(rec) => rec,
                csv_file::Item::Runaway(r) => {
                    rejects.reject(issue(
                        RejectReason::UnterminatedQuote,
                        String::new(),
                        r.excerpt.clone(),
                        r.message(),
                    ));
                    return true;
                }
            };
            let used = (0..rec.len())
                .rev()
                .find(|&i| !rec[i].trim().is_empty())
                .map_or(0, |i| i + 1);
            let long_cell = rec.iter().position(|c| c.len() > MAX_CELL_BYTES);
            if nul && let Some(i) = rec.iter().position(|c| c.contains('\0')) {
                rejects.reject(issue(
                    RejectReason::BadEncoding,
                    self.headers.get(i).cloned().unwrap_or_default(),
                    rec[i].replace('\0', "\u{fffd}"),
                    "holds NUL bytes (shown as \u{fffd}): binary data, or text in another encoding"
                        .into(),
                ));
            } else if bad_encoding && rec.iter().any(|c| c.contains('\u{fffd}')) {
                let (i, cell) = rec
                    .iter()
                    .enumerate()
                    .find(|(_, c)| c.contains('\u{fffd}'))
                    .map(|(i, c)| (i, c.to_owned()))
                    .unwrap_or_default();
                rejects.reject(issue(
                    RejectReason::BadEncoding,
                    self.headers.get(i).cloned().unwrap_or_default(),
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
                let extra: Vec<&str> = rec.iter().skip(width).take(used - width).collect();
                rejects.reject(issue(
                    RejectReason::RaggedRow,
                    String::new(),
                    extra.join(","),
                    format!(
                        "{used} fields but the header has {width}: a stray delimiter or an unquoted comma shifted the columns"
                    ),
                ));
            } else if csv && rec.len() < width {
                let last = rec.iter().last().unwrap_or_default();
                rejects.reject(issue(
                    RejectReason::ShortRow,
                    self.headers.get(rec.len() - 1).cloned().unwrap_or_default(),
                    last.chars().take(200).collect(),
                    format!(
                        "{} fields but the header has {width}: a line break inside an unquoted text, or a truncated row, shifted the columns",
                        rec.len()
                    ),
                ));
            } else if let Some(i) = long_cell {
                let cell = &rec[i];
                rejects.reject(issue(
                    RejectReason::FieldTooLong,
                    self.headers.get(i).cloned().unwrap_or_default(),
                    cell.chars().take(200).collect(),
                    format!(
                        "a cell of {} bytes, over the limit of {} (1 MiB): a broken file rather than a complaint",
                        cell.len(),
                        MAX_CELL_BYTES
                    ),
                ));
            } else {
                rec.truncate(width);
                f(origin, rec);
            }
            true
        };
        match &self.part {
            Part::Rows(rows) => {
                let mut rec = Cells::default();
                for r in *rows {
                    rec.clear();
                    for c in &r.cells {
                        rec.push_field(c);
                    }
                    check(
                        r.line,
                        csv_file::Item::Record(&mut rec),
                        r.bad_encoding,
                        rejects,
                    );
                }
            }
            Part::Csv { text, first_line } => {
                let bad = self.bad_encoding;
                let lines = csv_file::for_each_item(text, *first_line, |line, item| {
                    check(line, item, bad, rejects)
                });
                *self.lines.lock().expect("line tally") += lines;
            }
        }
        n
    }
}

/// Reads one file whole into a [`RawTable`] (for small inputs: a roster, a rule test case).
pub fn read_file(
    path: &Path,
    id: u16,
    opts: &IngestOptions<'_>,
    rejects: &mut Rejects,
) -> Result<(InputFile, RawTable)> {
    let mut src = Source::open(path, id, opts)?;
    let mut records = Vec::new();
    let mut total = 0usize;
    src.read(
        opts.chunk_bytes,
        |chunk| {
            let mut local = Rejects::default();
            let mut records = Vec::new();
            let n = chunk.for_each(&mut local, |origin, rec| {
                records.push(RawRecord {
                    origin,
                    fields: rec.clone(),
                });
            });
            (records, local, n)
        },
        |(chunk_records, mut local, n)| {
            let base = u32::try_from(total).unwrap_or(u32::MAX);
            records.extend(chunk_records.into_iter().map(|mut r| {
                r.origin.record += base;
                r
            }));
            local.shift_records(id, base);
            rejects.extend(local);
            total += n as usize;
            Ok(())
        },
    )?;
    let mut file = src.file;
    file.records = total;
    let table = RawTable {
        file: id,
        headers: src.headers,
        records,
    };
    Ok((file, table))
}

#[cfg(test)]
mod tests;
