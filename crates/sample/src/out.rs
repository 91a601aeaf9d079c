//! Output sinks: one logical table written as UTF-8 CSV, GBK CSV and/or XLSX,
//! row by row.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, Formula, Workbook, Worksheet, XlsxError,
};

use super::gbk::GbkEncoder;
use super::timefmt;

/// Excel's data rows per sheet (1,048,576 rows minus the header).
pub const XLSX_MAX_DATA_ROWS: usize = 1_048_575;

/// How a column's CSV strings become XLSX cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ColType {
    /// Always a string cell.
    Text,
    /// A datetime cell when the string parses as one of the export's
    /// timestamp spellings, else the string.
    Time,
    /// A number cell when the string is an integer, else the string.
    Number,
}

/// Where and how to write one table.
pub(crate) struct TableSpec {
    pub(crate) utf8: Option<(PathBuf, bool /* BOM */)>,
    pub(crate) gbk: Option<PathBuf>,
    pub(crate) xlsx: Option<XlsxSpec>,
}

/// XLSX settings of one table.
pub(crate) struct XlsxSpec {
    pub(crate) path: PathBuf,
    pub(crate) sheet: &'static str,
    pub(crate) title: String,
    pub(crate) col_types: Vec<ColType>,
    pub(crate) widths: Vec<f64>,
    /// Fixed creation time, so the file is byte-identical between runs
    /// (rust_xlsxwriter otherwise stamps docProps/core.xml with "now").
    pub(crate) created: NaiveDate,
}

fn xerr(e: XlsxError) -> io::Error {
    io::Error::other(format!("xlsx: {e}"))
}

struct CsvOut {
    buf: Vec<u8>,
    utf8: Option<BufWriter<File>>,
    gbk: Option<(BufWriter<File>, GbkEncoder, Vec<u8>)>,
}

/// Appends one CSV record (RFC 4180, CRLF): a field is quoted only when it
/// contains a comma, a quote, CR or LF, with quotes doubled — the csv crate's
/// `QuoteStyle::Necessary` (the tests read every file back with the csv
/// crate). Hand-written because the event log alone is ~8 fields × ~8 rows
/// per complaint and `csv::Writer` was a third of the run time.
pub(crate) fn push_record(out: &mut Vec<u8>, cells: &[impl AsRef<str>]) {
    if cells.len() == 1 && cells[0].as_ref().is_empty() {
        // A lone empty field would be a blank line, which readers skip.
        out.extend_from_slice(b"\"\"\r\n");
        return;
    }
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let f = c.as_ref().as_bytes();
        if f.iter().any(|&b| matches!(b, b',' | b'"' | b'\r' | b'\n')) {
            out.push(b'"');
            for &b in f {
                if b == b'"' {
                    out.push(b'"');
                }
                out.push(b);
            }
            out.push(b'"');
        } else {
            out.extend_from_slice(f);
        }
    }
    out.extend_from_slice(b"\r\n");
}

impl CsvOut {
    fn write(&mut self, cells: &[impl AsRef<str>]) -> io::Result<()> {
        push_record(&mut self.buf, cells);
        if self.buf.len() >= 1 << 16 {
            self.drain()?;
        }
        Ok(())
    }

    /// Writes the buffered records (whole records, so valid UTF-8 for GBK).
    fn drain(&mut self) -> io::Result<()> {
        if let Some(f) = &mut self.utf8 {
            f.write_all(&self.buf)?;
        }
        if let Some((f, enc, scratch)) = &mut self.gbk {
            let s = std::str::from_utf8(&self.buf).map_err(io::Error::other)?;
            scratch.clear();
            enc.encode_into(s, scratch)?;
            f.write_all(scratch)?;
        }
        self.buf.clear();
        Ok(())
    }
}

struct XlsxOut {
    spec: XlsxSpec,
    sheet: Worksheet,
    datetime: Format,
    date: Format,
}

impl XlsxOut {
    fn write_cell(&mut self, row: u32, col: u16, v: &str) -> io::Result<()> {
        if v.is_empty() {
            return Ok(());
        }
        if v == "#N/A" {
            // A real error cell: a formula whose cached result is #N/A
            // (rust_xlsxwriter writes it with t="e"; calamine reads Data::Error).
            self.sheet
                .write_formula(row, col, Formula::new("=NA()").set_result("#N/A"))
                .map_err(xerr)?;
            return Ok(());
        }
        let ty = self
            .spec
            .col_types
            .get(col as usize)
            .copied()
            .unwrap_or(ColType::Text);
        match ty {
            ColType::Time => {
                if let Some((t, date_only)) = timefmt::parse(v)
                    && let Some(x) = excel_datetime(t)
                {
                    let f = if date_only {
                        &self.date
                    } else {
                        &self.datetime
                    };
                    self.sheet
                        .write_datetime_with_format(row, col, &x, f)
                        .map_err(xerr)?;
                    return Ok(());
                }
            }
            ColType::Number => {
                if !v.is_empty() && v.len() <= 9 && v.bytes().all(|b| b.is_ascii_digit()) {
                    let n: f64 = v.parse().map_err(io::Error::other)?;
                    self.sheet.write_number(row, col, n).map_err(xerr)?;
                    return Ok(());
                }
            }
            ColType::Text => {}
        }
        self.sheet.write_string(row, col, v).map_err(xerr)?;
        Ok(())
    }

    fn finish(mut self) -> io::Result<()> {
        let mut wb = Workbook::new();
        let created = ExcelDateTime::from_ymd(
            self.spec.created.year().clamp(1900, 9999) as u16,
            self.spec.created.month() as u8,
            self.spec.created.day() as u8,
        )
        .map_err(xerr)?;
        let props = DocProperties::new()
            .set_title(self.spec.title.as_str())
            .set_author("complaints sample generator")
            .set_comment("合成样例数据 (synthetic sample data)")
            .set_creation_datetime(&created);
        wb.set_properties(&props);
        self.sheet.set_freeze_panes(1, 0).map_err(xerr)?;
        wb.push_worksheet(self.sheet);
        wb.save(&self.spec.path).map_err(xerr)?;
        Ok(())
    }
}

/// Excel datetime for a wall time (Excel's range is 1900–9999).
fn excel_datetime(t: NaiveDateTime) -> Option<ExcelDateTime> {
    let y = u16::try_from(t.year()).ok()?;
    ExcelDateTime::from_ymd(y, t.month() as u8, t.day() as u8)
        .and_then(|d| d.and_hms(t.hour() as u16, t.minute() as u8, t.second()))
        .ok()
}

/// One table being written to its CSV/XLSX files.
pub(crate) struct TableOut {
    csv: Option<CsvOut>,
    xlsx: Option<XlsxOut>,
    /// Data rows written so far (the header excluded).
    pub(crate) rows: usize,
}

impl TableOut {
    /// A sink that writes nothing (dry counting pass).
    pub(crate) fn null() -> TableOut {
        TableOut {
            csv: None,
            xlsx: None,
            rows: 0,
        }
    }

    /// Opens the files of `spec` and writes the header row.
    pub(crate) fn open(spec: TableSpec, header: &[&str]) -> io::Result<TableOut> {
        let mut csv_out = None;
        if spec.utf8.is_some() || spec.gbk.is_some() {
            let utf8 = match &spec.utf8 {
                Some((p, bom)) => {
                    let mut f = BufWriter::with_capacity(1 << 20, File::create(p)?);
                    if *bom {
                        f.write_all(b"\xEF\xBB\xBF")?;
                    }
                    Some(f)
                }
                None => None,
            };
            let gbk = match &spec.gbk {
                Some(p) => Some((
                    BufWriter::with_capacity(1 << 20, File::create(p)?),
                    GbkEncoder::new(),
                    Vec::new(),
                )),
                None => None,
            };
            csv_out = Some(CsvOut {
                buf: Vec::with_capacity(1 << 17),
                utf8,
                gbk,
            });
        }
        let xlsx = match spec.xlsx {
            Some(x) => {
                let mut sheet = Worksheet::new();
                sheet.set_name(x.sheet).map_err(xerr)?;
                for (i, w) in x.widths.iter().enumerate() {
                    sheet.set_column_width(i as u16, *w).map_err(xerr)?;
                }
                Some(XlsxOut {
                    spec: x,
                    sheet,
                    datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
                    date: Format::new().set_num_format("yyyy-mm-dd"),
                })
            }
            None => None,
        };
        let mut t = TableOut {
            csv: csv_out,
            xlsx,
            rows: 0,
        };
        if let Some(c) = &mut t.csv {
            c.write(header)?;
        }
        if let Some(x) = &mut t.xlsx {
            let bold = Format::new().set_bold();
            for (i, h) in header.iter().enumerate() {
                x.sheet
                    .write_string_with_format(0, i as u16, *h, &bold)
                    .map_err(xerr)?;
            }
        }
        Ok(t)
    }

    /// Appends one data row.
    pub(crate) fn write_row(&mut self, cells: &[String]) -> io::Result<()> {
        self.rows += 1;
        if let Some(c) = &mut self.csv {
            c.write(cells)?;
        }
        if let Some(x) = &mut self.xlsx {
            if self.rows > XLSX_MAX_DATA_ROWS {
                return Err(io::Error::other(format!(
                    "{} exceeds Excel's {XLSX_MAX_DATA_ROWS} data rows per sheet",
                    x.spec.path.display()
                )));
            }
            let row = self.rows as u32;
            for (i, v) in cells.iter().enumerate() {
                x.write_cell(row, i as u16, v)?;
            }
        }
        Ok(())
    }

    /// Flushes and closes every file.
    pub(crate) fn finish(self) -> io::Result<usize> {
        if let Some(mut c) = self.csv {
            c.drain()?;
            if let Some(mut f) = c.utf8 {
                f.flush()?;
            }
            if let Some((mut f, _, _)) = c.gbk {
                f.flush()?;
            }
        }
        if let Some(x) = self.xlsx {
            x.finish()?;
        }
        Ok(self.rows)
    }
}
