//! The record sheet of `report.xlsx`: one row per complaint of the report period, the one sheet
//! that grows with the data.
//!
//! rust_xlsxwriter takes about 0.3 µs a cell on one thread (a `String`, an `Arc` and a format
//! lookup each): 2 M cells for a month of a 1 M-complaint year, 21 M at 10 M, on the render
//! stage's critical path. So the workbook is saved with this sheet's header and one probe row,
//! and the rows are then written into the sheet's XML here, in the bytes rust_xlsxwriter
//! writes (`tests` hold the two to that):
//!
//! - the probe row tells which style numbers the workbook gave the date and number formats;
//! - each block of rows is formatted on the pool, in parallel, while the block before is
//!   compressed into the archive;
//! - the workbook's other entries are copied as they were compressed.

use std::io::Write;

use rust_xlsxwriter::{ExcelDateTime, Worksheet, XlsxError};
use zip::write::SimpleFileOptions;

use super::{EXCEL_MAX_UTF16, Sheets, excel_text, excel_time, sheet_name, xe};
use crate::config::Lang;
use crate::error::{Error, Result};
use crate::model::{Field, FieldValue};
use crate::pipeline::aggregate::ReportContext;
use crate::pipeline::render::RenderInput;
use crate::privacy;

/// The probe row's text cell: how the sheet is found among the saved workbook's entries.
const MARKER: &str = "complaints: the record rows go here";

/// Rows of the record sheet whose texts are read (and cells prepared) at a time.
const TEXT_BLOCK: usize = 4096;

/// Rows a task of the pool formats at a time.
const ROWS_PER_TASK: usize = 256;

/// The record sheet, begun: its header and probe row are in the workbook.
pub(super) struct Begun {
    width: usize,
}

/// Adds the record sheet: the report period's complaints (the company page's: received in the
/// period), masked like `complaints.csv`, with fixed column widths (no autofit pass over every
/// cell as [`Sheets::sheet`] makes). Here its header; with `rows` complaints to list, also the
/// probe row that [`Begun::save`] replaces with them.
pub(super) fn begin(
    path: &std::path::Path,
    s: &mut Sheets<'_>,
    input: &RenderInput<'_>,
    ctx: &ReportContext,
    rows: usize,
) -> Result<Option<Begun>> {
    let cls = &input.assessed.complaints.classified;
    let mut header: Vec<String> = Field::ALL.iter().map(|f| f.name().to_owned()).collect();
    header.extend(cls.columns.iter().cloned());
    let name = if ctx.lang == Lang::En {
        "complaints"
    } else {
        "投诉明细"
    };
    add_sheet(path, s, name, &header, rows)
}

/// [`begin`] for a sheet `name` with columns `header`.
fn add_sheet(
    path: &std::path::Path,
    s: &mut Sheets<'_>,
    name: &str,
    header: &[String],
    rows: usize,
) -> Result<Option<Begun>> {
    // Constant-memory mode, as the rows were written before: its cells are final when written
    // (style numbers of the whole workbook, texts inline), which is what the probe reads.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        s.wb.set_tempdir(dir).map_err(xe)?;
    }
    let ws: &mut Worksheet = s.wb.add_worksheet_with_constant_memory().map_err(xe)?;
    ws.set_name(sheet_name(name)).map_err(xe)?;
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &s.f.header)
            .map_err(xe)?;
        let width = match Field::from_name(h) {
            Some(Field::Text) => 60.0,
            Some(f) if f.stage().is_some() => 19.0,
            _ => (h.chars().count() as f64 + 2.0).max(10.0),
        };
        ws.set_column_width(c as u16, width).map_err(xe)?;
    }
    let begun = if rows > 0 {
        let day = ExcelDateTime::from_serial_datetime(1.0).map_err(xe)?;
        ws.write_datetime_with_format(1, 0, &day, &s.f.time)
            .map_err(xe)?;
        ws.write_number_with_format(1, 1, 0.0, &s.f.num)
            .map_err(xe)?;
        ws.write_string(1, 2, MARKER).map_err(xe)?;
        Some(Begun {
            width: header.len(),
        })
    } else {
        None
    };
    ws.set_freeze_panes(1, 0).map_err(xe)?;
    Ok(begun)
}

impl Begun {
    /// Writes the workbook `saved` (rust_xlsxwriter's bytes, with the probe row) to `out`,
    /// with the complaints `members` in the record sheet in place of the probe.
    pub(super) fn save(
        self,
        saved: Vec<u8>,
        members: &[usize],
        input: &RenderInput<'_>,
        out: &mut (impl Write + Send),
        path: &std::path::Path,
    ) -> Result<()> {
        let bad = |what: &str| Error::Other(format!("{}: {what}", path.display()));
        // A failed write (a full disk) names the file, as every other output's does.
        let zerr = |e: zip::result::ZipError| match e {
            zip::result::ZipError::Io(e) => Error::io(path, e),
            e => bad(&format!("rewriting the workbook: {e}")),
        };
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(saved)).map_err(zerr)?;
        let (sheet, xml) = find_sheet(&mut archive).ok_or_else(|| {
            bad("internal error: the record sheet's probe row is not in the workbook")
        })?;
        let layout = Layout::read(&xml, self.width, members.len())
            .ok_or_else(|| bad("internal error: the record sheet's probe row is not as written"))?;
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(1))
            .unix_permissions(0o600)
            .last_modified_time(zip::DateTime::default())
            .large_file(false);
        let mut zw = zip::ZipWriter::new_stream(out);
        let io = |e: std::io::Error| Error::io(path, e);
        for k in 0..archive.len() {
            let entry = archive.by_index_raw(k).map_err(zerr)?;
            if entry.name().map_err(zerr)? != sheet.as_str() {
                zw.raw_copy_file(entry).map_err(zerr)?;
                continue;
            }
            drop(entry);
            zw.start_file(sheet.as_str(), options).map_err(zerr)?;
            zw.write_all(layout.head.as_bytes()).map_err(io)?;
            rows(&mut zw, members, input, &layout.cells, path)?;
            zw.write_all(layout.tail.as_bytes()).map_err(io)?;
        }
        zw.finish().map_err(zerr)?;
        Ok(())
    }
}

/// The sheet's entry holding the probe row, and its XML.
fn find_sheet(archive: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>) -> Option<(String, String)> {
    use std::io::Read;
    for k in 0..archive.len() {
        let mut entry = archive.by_index(k).ok()?;
        let name = entry.name().ok()?.into_owned();
        if !(name.starts_with("xl/worksheets/sheet") && name.ends_with(".xml")) {
            continue;
        }
        let mut xml = String::new();
        entry.read_to_string(&mut xml).ok()?;
        // The probe cell itself, as rust_xlsxwriter writes it: a header named like the marker
        // (a rule output's column) is in row 1, and other sheets keep their texts elsewhere.
        if xml.contains(&format!(
            "<c r=\"C2\" t=\"inlineStr\"><is><t>{MARKER}</t></is></c>"
        )) {
            return Some((name, xml));
        }
    }
    None
}

/// The sheet's XML around its rows, and how its cells are written.
struct Layout {
    /// Up to the first record row, with the dimension of the whole sheet.
    head: String,
    /// From the end of the rows.
    tail: String,
    cells: CellStyle,
}

/// Column references and the style numbers of the date and number cells.
struct CellStyle {
    columns: Vec<String>,
    time: u32,
    num: u32,
}

impl Layout {
    /// Reads the saved sheet: the probe row (row 2) gives the style numbers and the place of
    /// the rows; `rows` complaints of `width` columns give the dimension.
    fn read(xml: &str, width: usize, rows: usize) -> Option<Layout> {
        let start = xml.find("<row r=\"2\"")?;
        let end = start + xml[start..].find("</row>")? + "</row>".len();
        let probe = &xml[start..end];
        let style = |cell: &str| -> Option<u32> {
            let at = probe.find(&format!("<c r=\"{cell}\""))?;
            let rest = &probe[at..];
            let close = rest.find('>')?;
            match rest[..close].find(" s=\"") {
                Some(s) => {
                    let v = &rest[s + 4..close];
                    v[..v.find('"')?].parse().ok()
                }
                None => Some(0),
            }
        };
        let (time, num) = (style("A2")?, style("B2")?);
        let columns: Vec<String> = (0..width)
            .map(|c| rust_xlsxwriter::utility::column_number_to_name(c as u16))
            .collect();
        let mut head = xml[..start].to_owned();
        let d = head.find("<dimension ref=\"")? + "<dimension ref=\"".len();
        let d_end = d + head[d..].find('"')?;
        head.replace_range(d..d_end, &format!("A1:{}{}", columns.last()?, rows + 1));
        Some(Layout {
            head,
            tail: xml[end..].to_owned(),
            cells: CellStyle { columns, time, num },
        })
    }
}

/// Writes the rows of `members`, from row 2, a block at a time: the next block is prepared on
/// the pool while this thread compresses the one before.
fn rows(
    out: &mut (impl Write + Send),
    members: &[usize],
    input: &RenderInput<'_>,
    style: &CellStyle,
    path: &std::path::Path,
) -> Result<()> {
    let cls = &input.assessed.complaints.classified;
    let unmask = input.cfg.unmask;
    let zone = &input.cfg.zone;
    let masker = cls.masker();
    let width = style.columns.len();
    // A block's rows, as XML: texts read and masked, times converted, rule outputs as text.
    let prepare = |first_row: u32, block: &[usize]| -> Result<Vec<Vec<u8>>> {
        let window = cls
            .texts
            .window(block.iter().map(|&i| cls.complaints[i].text_at))?;
        use rayon::prelude::*;
        block
            .par_chunks(ROWS_PER_TASK)
            .enumerate()
            .map(|(k, chunk)| {
                let mut cells = Vec::with_capacity(width);
                let mut xml = Vec::with_capacity(chunk.len() * 1024);
                for (j, &i) in chunk.iter().enumerate() {
                    cells.clear();
                    record_cells(&mut cells, i, cls, &window, masker, unmask, zone)?;
                    let row = first_row + (k * ROWS_PER_TASK + j) as u32;
                    style.row(&mut xml, row, &cells)?;
                }
                Ok(xml)
            })
            .collect()
    };
    let io = |e: std::io::Error| Error::io(path, e);
    let blocks: Vec<&[usize]> = members.chunks(TEXT_BLOCK).collect();
    let mut next = blocks.first().map(|b| prepare(2, b)).transpose()?;
    let mut row = 2u32;
    for k in 0..blocks.len() {
        let xml = next
            .take()
            .expect("each block is prepared before it is written");
        let following = row + blocks[k].len() as u32;
        let (written, prepared) = rayon::join(
            || xml.iter().try_for_each(|piece| out.write_all(piece)),
            || blocks.get(k + 1).map(|b| prepare(following, b)).transpose(),
        );
        written.map_err(io)?;
        next = prepared?;
        row = following;
    }
    Ok(())
}

impl CellStyle {
    /// One row (1-based `row`) of cells, as rust_xlsxwriter writes it in constant-memory mode:
    /// the empty cells left out, texts inline.
    fn row(&self, out: &mut Vec<u8>, row: u32, cells: &[RecordCell]) -> Result<()> {
        if cells.iter().all(|c| matches!(c, RecordCell::Empty)) {
            return Ok(());
        }
        let r = row.to_string();
        out.extend_from_slice(b"<row r=\"");
        out.extend_from_slice(r.as_bytes());
        out.extend_from_slice(b"\">");
        for (c, cell) in cells.iter().enumerate() {
            let open = |out: &mut Vec<u8>, xf: u32| {
                out.extend_from_slice(b"<c r=\"");
                out.extend_from_slice(self.columns[c].as_bytes());
                out.extend_from_slice(r.as_bytes());
                out.push(b'"');
                if xf > 0 {
                    let _ = write!(out, " s=\"{xf}\"");
                }
            };
            let number = |out: &mut Vec<u8>, n: f64, xf: u32| {
                // Excel has no NaN or infinity: rust_xlsxwriter writes them as text.
                if !n.is_finite() {
                    let t = if n.is_nan() {
                        "NAN"
                    } else if n > 0.0 {
                        "INF"
                    } else {
                        "-INF"
                    };
                    open(out, xf);
                    inline_text(out, t);
                    return;
                }
                open(out, xf);
                let _ = write!(out, "><v>{n}</v></c>");
            };
            match cell {
                RecordCell::Empty => {}
                RecordCell::Text(t) => {
                    // UTF-16 units never outnumber UTF-8 bytes: most texts need no count.
                    if t.len() > EXCEL_MAX_UTF16 && t.encode_utf16().count() > EXCEL_MAX_UTF16 {
                        return Err(xe(XlsxError::MaxStringLengthExceeded));
                    }
                    open(out, 0);
                    inline_text(out, t);
                }
                RecordCell::Time(t) => number(out, t.to_excel(), self.time),
                RecordCell::Num(n) => number(out, *n, self.num),
            }
        }
        out.extend_from_slice(b"</row>");
        Ok(())
    }
}

/// The rest of an opened `<c …` for an inline text: rust_xlsxwriter's escapes (XML's, control
/// characters as `_xHHHH_`, and a literal `_xHHHH_` kept literal as `_x005F_xHHHH_`).
fn inline_text(out: &mut Vec<u8>, s: &str) {
    let ws = ['\t', '\n', ' '];
    out.extend_from_slice(b" t=\"inlineStr\"><is><t");
    if s.starts_with(ws) || s.ends_with(ws) {
        out.extend_from_slice(b" xml:space=\"preserve\"");
    }
    out.push(b'>');
    let bytes = s.as_bytes();
    let mut done = 0;
    for (i, ch) in s.char_indices() {
        let literal_escape = ch == '_'
            && bytes.get(i + 1) == Some(&b'x')
            && bytes.len() >= i + 7
            && bytes[i + 2..i + 6].iter().all(u8::is_ascii_hexdigit)
            && bytes[i + 6] == b'_';
        let escaped: Option<std::borrow::Cow<'static, str>> = match ch {
            '&' => Some("&amp;".into()),
            '<' => Some("&lt;".into()),
            '>' => Some("&gt;".into()),
            '\t' | '\n' => None,
            '\x00'..='\x1F' | '\u{FFFE}' | '\u{FFFF}' => {
                Some(format!("_x{:04X}_", ch as u32).into())
            }
            _ => None,
        };
        if literal_escape || escaped.is_some() {
            out.extend_from_slice(&bytes[done..i]);
            if literal_escape {
                out.extend_from_slice(b"_x005F");
            }
            match &escaped {
                Some(e) => {
                    out.extend_from_slice(e.as_bytes());
                    done = i + ch.len_utf8();
                }
                None => done = i,
            }
        }
    }
    out.extend_from_slice(&bytes[done..]);
    out.extend_from_slice(b"</t></is></c>");
}

/// One cell of the record sheet, prepared for the writer.
pub(super) enum RecordCell {
    Empty,
    Text(String),
    Time(ExcelDateTime),
    Num(f64),
}

/// Complaint `i`'s cells, in the sheet's column order (the canonical fields, then the rule
/// outputs), masked as `complaints.csv` is unless `unmask`.
fn record_cells(
    out: &mut Vec<RecordCell>,
    i: usize,
    cls: &crate::pipeline::rules::classify::Classified,
    window: &crate::texts::TextWindow,
    masker: &privacy::Masker,
    unmask: bool,
    zone: &crate::time::Zone,
) -> Result<()> {
    let c = &cls.complaints[i];
    for f in Field::ALL {
        // The text from the window; other fields from the row.
        let text = match (f, c.get_unless_text(f, &cls.dicts)) {
            (Field::Text, _) => window.get(c.text_at),
            (_, FieldValue::Str(v)) => Some(v),
            (_, FieldValue::Absent) => None,
            (_, FieldValue::Ts(t)) => {
                out.push(RecordCell::Time(excel_time(zone, t)?));
                continue;
            }
            (_, FieldValue::Num(n)) => {
                out.push(RecordCell::Num(n));
                continue;
            }
        };
        out.push(match text {
            Some(v) if !v.is_empty() => {
                let text = if unmask {
                    std::borrow::Cow::Borrowed(v)
                } else {
                    match f {
                        Field::Complainant => privacy::mask_name(v).into(),
                        Field::Phone => privacy::mask_phone(v).into(),
                        Field::Text => masker.mask(v).into(),
                        Field::ComplaintId => std::borrow::Cow::Borrowed(v),
                        _ => privacy::mask_phones(v),
                    }
                };
                RecordCell::Text(excel_text(&text).into_owned())
            }
            _ => RecordCell::Empty,
        });
    }
    for v in &cls.values[i] {
        let t = v.text(zone);
        out.push(if t.is_empty() {
            RecordCell::Empty
        } else {
            RecordCell::Text(t)
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
