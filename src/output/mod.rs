//! Writing output files safely: each file goes to a temporary name in the output folder and
//! is renamed into place when complete, so an interrupted run never leaves a half-written
//! report. CSV outputs are UTF-8 with a BOM (Excel on Chinese Windows otherwise guesses GBK)
//! and neutralise cells that a spreadsheet would run as a formula.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

mod direct;
mod set;
mod spool;
use direct::BackgroundWriter;
pub use direct::{Bytes, ScratchFile};
pub use set::{OutputSet, PAUSE_ENV, checkpoint};
pub use spool::{SPOOL_MEMORY, Spool};

/// Output file names, one place.
pub mod names {
    /// The manager's report.
    pub const REPORT_HTML: &str = "report.html";
    /// One row per accepted complaint.
    pub const COMPLAINTS_CSV: &str = "complaints.csv";
    /// One row per rejected record.
    pub const REJECTS_CSV: &str = "rejects.csv";
    /// Data-quality findings on kept records.
    pub const FINDINGS_CSV: &str = "findings.csv";
    /// One row per complaint and SLA target.
    pub const SLA_CSV: &str = "sla.csv";
    /// The report's tables as a workbook.
    pub const REPORT_XLSX: &str = "report.xlsx";
    /// The auditor's pack.
    pub const AUDIT_HTML: &str = "audit.html";
    /// One row per complaint (or team and month) and escalation duty.
    pub const ESCALATIONS_CSV: &str = "escalations.csv";
    /// `complaints diff`: one row per change.
    pub const DIFF_CSV: &str = "diff.csv";
    /// `complaints diff`: the same as a page.
    pub const DIFF_HTML: &str = "diff.html";
    /// Run manifest: the run's identity (inputs, rules, as-of, counts); identical for identical
    /// runs.
    pub const MANIFEST_JSON: &str = "manifest.json";
    /// The time limits and escalation rules of the procedures in use: which rule implements
    /// each, which test covers it, or why no log can show it.
    pub const PROCEDURES_MD: &str = "procedures.md";
    /// Stage timings and memory marks: the one output that differs between identical runs.
    pub const TIMINGS_JSON: &str = "timings.json";
}

/// A file being written under a temporary name; [`AtomicFile::commit`] renames it into place.
/// Dropped without commit, the temporary file is removed.
pub struct AtomicFile {
    tmp: PathBuf,
    dest: PathBuf,
    w: Option<BackgroundWriter>,
}

impl AtomicFile {
    /// Starts writing `dest`.
    pub fn create(dest: &Path) -> Result<AtomicFile> {
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dest.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
        let w = BackgroundWriter::create(&tmp, true).map_err(|e| Error::io(&tmp, e))?;
        Ok(AtomicFile {
            tmp,
            dest: dest.to_path_buf(),
            w: Some(w),
        })
    }

    /// Flushes, syncs and renames into place.
    pub fn commit(mut self) -> Result<()> {
        let w = self.w.take().expect("not yet committed");
        if let Err(e) = w.finish().and_then(|f| f.sync_all()) {
            // Nothing half-written is left behind.
            let _ = std::fs::remove_file(&self.tmp);
            return Err(Error::io(&self.tmp, e));
        }
        std::fs::rename(&self.tmp, &self.dest).map_err(|e| Error::io(&self.dest, e))
    }

    /// The final path.
    pub fn dest(&self) -> &Path {
        &self.dest
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.w.as_mut().expect("open").write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if let Some(w) = self.w.take() {
            // Let the writer thread stop before the file goes.
            let _ = w.finish();
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes a whole file atomically.
pub fn write_atomic(dest: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = AtomicFile::create(dest)?;
    f.write_all(bytes).map_err(|e| Error::io(dest, e))?;
    f.commit()
}

/// True when a CSV cell holds `,`, `"`, `\r` or `\n`. Eight bytes at a time: the four are all
/// below `-` (0x2D), and a word without such a byte (most of them: letters, digits, CJK) is
/// passed with one test; only a word with one is looked at byte by byte. Cells are mostly short
/// (names, codes), where a search call per cell (memchr) cost as much as the plain byte loop,
/// which was 3 % of the default job's samples with the record tables.
fn needs_quotes(b: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let special = |c: &u8| matches!(c, b',' | b'"' | b'\r' | b'\n');
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let x = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        // Some byte is below 0x2D: the lowest such byte sets its high bit here, and a byte
        // with its own high bit set (UTF-8 beyond ASCII) never does.
        if x.wrapping_sub(ONES * 0x2D) & !x & HIGH != 0 && w.iter().any(special) {
            return true;
        }
    }
    words.remainder().iter().any(special)
}

/// A CSV output: UTF-8 with BOM, `\n` line ends, fields quoted only when needed (the csv
/// crate's `Necessary` style: a field holding `,`, `"`, `\r` or `\n` is quoted, quotes doubled).
pub struct CsvOut {
    file: AtomicFile,
    dest: PathBuf,
    columns: usize,
    row: CsvRows,
}

impl CsvOut {
    /// Creates `dest` and writes the header.
    pub fn create(dest: &Path, header: &[&str]) -> Result<CsvOut> {
        let mut file = AtomicFile::create(dest)?;
        let mut row = CsvRows::default();
        row.buf.extend_from_slice("\u{feff}".as_bytes());
        for h in header {
            // Header names are written as they are: a column named `-备注` is not a formula.
            row.sep();
            row.quoted(h);
        }
        row.end();
        file.write_all(&row.buf).map_err(|e| Error::io(dest, e))?;
        row.buf.clear();
        Ok(CsvOut {
            file,
            dest: dest.to_path_buf(),
            columns: header.len(),
            row,
        })
    }

    /// Writes one row; text cells are neutralised against formula injection.
    pub fn row<I, S>(&mut self, cells: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut n = 0;
        for c in cells {
            self.row.text(c.as_ref());
            n += 1;
        }
        debug_assert_eq!(n, self.columns, "row width must match the header");
        self.row.end();
        self.file
            .write_all(&self.row.buf)
            .map_err(|e| Error::io(&self.dest, e))?;
        self.row.buf.clear();
        Ok(())
    }

    /// Appends rows rendered by [`CsvRows`].
    pub fn raw_rows(&mut self, rows: &[u8]) -> Result<()> {
        self.file
            .write_all(rows)
            .map_err(|e| Error::io(&self.dest, e))
    }

    /// Finishes and renames into place.
    pub fn finish(self) -> Result<()> {
        self.file.commit()
    }
}

/// Rows of a CSV output rendered into memory: the fast path for the record-level tables, where
/// millions of rows are formatted in parallel chunks and then written in order.
///
/// The bytes are exactly what [`CsvOut`] writes (the csv crate's `Necessary` quoting: a field
/// is quoted when it holds `,`, `"`, `\r` or `\n`, quotes doubled; cells neutralised against
/// formula injection), so either path gives the same file.
#[derive(Debug, Default)]
pub struct CsvRows {
    /// The rendered rows, each ending in `\n`.
    pub buf: Vec<u8>,
    /// Fields written in the current row.
    fields: usize,
}

impl CsvRows {
    /// An empty buffer with room for `bytes`.
    pub fn with_capacity(bytes: usize) -> CsvRows {
        CsvRows {
            buf: Vec::with_capacity(bytes),
            fields: 0,
        }
    }

    #[inline]
    fn sep(&mut self) {
        if self.fields > 0 {
            self.buf.push(b',');
        }
        self.fields += 1;
    }

    /// A text cell, neutralised and quoted as needed.
    pub fn text(&mut self, s: &str) {
        self.sep();
        self.quoted(&neutralize(s));
    }

    /// Writes `s` quoted if it needs quotes (no separator, no neutralising).
    fn quoted(&mut self, s: &str) {
        let b = s.as_bytes();
        if !needs_quotes(b) {
            self.buf.extend_from_slice(b);
            return;
        }
        self.buf.push(b'"');
        let mut rest = b;
        // Each quote doubled: the text up to and with it, then the quote again.
        while let Some(q) = memchr::memchr(b'"', rest) {
            self.buf.extend_from_slice(&rest[..=q]);
            self.buf.push(b'"');
            rest = &rest[q + 1..];
        }
        self.buf.extend_from_slice(rest);
        self.buf.push(b'"');
    }

    /// A cell known to need neither quoting nor neutralising (names from the rules, codes,
    /// numbers, timestamps).
    pub fn plain(&mut self, s: &str) {
        debug_assert!(
            matches!(neutralize(s), std::borrow::Cow::Borrowed(_))
                && !s.bytes().any(|c| matches!(c, b',' | b'"' | b'\r' | b'\n')),
            "not plain: {s:?}"
        );
        self.sep();
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// An empty cell.
    pub fn empty(&mut self) {
        self.sep();
    }

    /// A local timestamp (`2026-10-01 08:30:00`), or an empty cell.
    pub fn ts(&mut self, zone: &crate::time::Zone, t: Option<crate::time::Ts>) {
        self.sep();
        if let Some(t) = t {
            zone.write_ts(t, &mut self.buf);
        }
    }

    /// An integer.
    pub fn int(&mut self, v: i64) {
        self.sep();
        let mut b = itoa_buf();
        self.buf.extend_from_slice(fmt_int(&mut b, v));
    }

    /// Minutes from seconds, as [`minutes`] writes them.
    pub fn minutes(&mut self, secs: i64) {
        self.sep();
        write_minutes(secs, &mut self.buf);
    }

    /// A number with one decimal, as `{:.1}` prints it ([`write_one_decimal`]).
    pub fn one_decimal(&mut self, v: f64) {
        self.sep();
        write_one_decimal(v, &mut self.buf);
    }

    /// Anything `Display` (floats as Rust prints them).
    pub fn display(&mut self, v: impl std::fmt::Display) {
        use std::io::Write as _;
        self.sep();
        let _ = write!(self.buf, "{v}");
    }

    /// Ends the row.
    pub fn end(&mut self) {
        self.buf.push(b'\n');
        self.fields = 0;
    }
}

fn itoa_buf() -> [u8; 20] {
    [0; 20]
}

/// Formats an integer into `b`, returning the digits.
fn fmt_int(b: &mut [u8; 20], v: i64) -> &[u8] {
    let neg = v < 0;
    let mut n = v.unsigned_abs();
    let mut i = b.len();
    loop {
        i -= 1;
        b[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if neg {
        i -= 1;
        b[i] = b'-';
    }
    &b[i..]
}

/// Renders rows `0..n` in parallel chunks with `render(i, &mut rows)` and writes them to `out`
/// in order. Chunks are rendered a window at a time, so memory stays bounded however large
/// the table is.
pub fn write_rows_parallel(
    out: &mut CsvOut,
    n: usize,
    bytes_per_row: usize,
    render: &(dyn Fn(usize, &mut CsvRows) + Sync),
) -> Result<()> {
    use rayon::prelude::*;
    const CHUNK: usize = 4096;
    const WINDOW: usize = 8;
    let chunks = n.div_ceil(CHUNK);
    let mut first = 0;
    while first < chunks {
        let last = (first + WINDOW).min(chunks);
        let parts: Vec<CsvRows> = (first..last)
            .into_par_iter()
            .map(|k| {
                let (a, b) = (k * CHUNK, ((k + 1) * CHUNK).min(n));
                let mut rows = CsvRows::with_capacity((b - a) * bytes_per_row);
                for i in a..b {
                    render(i, &mut rows);
                }
                rows
            })
            .collect();
        for p in &parts {
            out.raw_rows(&p.buf)?;
        }
        first = last;
    }
    Ok(())
}

/// Prefixes a `'` to text that a spreadsheet would evaluate as a formula (`=`, `+`, `-`, `@`,
/// or a leading tab or carriage return), unless the whole cell is a plain number such as `-5`
/// or `+8`, which spreadsheets read as numbers, not formulas.
pub fn neutralize(s: &str) -> std::borrow::Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') if s.parse::<f64>().is_err() => {
            std::borrow::Cow::Owned(format!("'{s}"))
        }
        _ => std::borrow::Cow::Borrowed(s),
    }
}

/// Hex sha256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(bytes);
    hex(&h.finalize())
}

/// Hex sha256 of a file's contents, streamed.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = std::io::Read::read(&mut f, &mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// `v` with one decimal, byte for byte as `format!("{v:.1}")` writes it: the exact binary
/// value rounded to tenths, a tie to the even tenth. In integer arithmetic for a positive value
/// from 2^-8 to under 2^52 (a percentage of a limit used, in every row of `sla.csv`: through
/// the formatter it was 1.5 % of the default job's samples with the record tables); anything
/// else goes through the formatter.
pub fn write_one_decimal(v: f64, buf: &mut Vec<u8>) {
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    // The biased exponent of 2^-8 ..= 2^51: `v = m * 2^-shift` with `1 <= shift <= 60`, so
    // `m * 10` and its remainder fit, and the whole part is below 2^52.
    if v.is_sign_positive() && (1015..1075).contains(&exp) {
        let m = u128::from(bits & ((1 << 52) - 1) | 1 << 52);
        let shift = (1075 - exp) as u32;
        let n = m * 10;
        let (q, r) = (n >> shift, n & ((1 << shift) - 1));
        let half = 1u128 << (shift - 1);
        let tenths = q + u128::from(r > half || (r == half && q & 1 == 1));
        let mut b = itoa_buf();
        let whole = i64::try_from(tenths / 10).expect("below 2^52");
        buf.extend_from_slice(fmt_int(&mut b, whole));
        buf.push(b'.');
        buf.push(b'0' + (tenths % 10) as u8);
        return;
    }
    use std::io::Write as _;
    let _ = write!(buf, "{v:.1}");
}

/// Formats minutes from seconds: whole minutes without decimals, else up to two decimals
/// (`15`, `15.5`, `15.33`), so CSVs stay readable and byte-stable.
pub fn minutes(secs: i64) -> String {
    let mut b = Vec::new();
    write_minutes(secs, &mut b);
    String::from_utf8(b).expect("digits")
}

/// [`minutes`] appended to a buffer, in integer arithmetic: millions of cells per run, and
/// formatting each through `f64` allocated twice. The value is `secs / 60`, so in hundredths it
/// is `5 * secs / 3`, whose fraction is 0, ⅓ or ⅔: never a tie, so rounding to the nearest
/// hundredth is `(5 * secs + 1) / 3` on the magnitude, which is what `{:.2}` gives (a proptest
/// checks the two against each other).
pub fn write_minutes(secs: i64, buf: &mut Vec<u8>) {
    let mut b = itoa_buf();
    if secs % 60 == 0 {
        buf.extend_from_slice(fmt_int(&mut b, secs / 60));
        return;
    }
    let hundredths = (5 * i128::from(secs.unsigned_abs()) + 1) / 3;
    if secs < 0 {
        buf.push(b'-');
    }
    let whole = i64::try_from(hundredths / 100).expect("fits: |secs| / 60");
    buf.extend_from_slice(fmt_int(&mut b, whole));
    let frac = (hundredths % 100) as u8;
    // Not a whole minute, so the hundredths are never 00 (that needs secs = 60m ± 0.2).
    buf.push(b'.');
    buf.push(b'0' + frac / 10);
    if !frac.is_multiple_of(10) {
        buf.push(b'0' + frac % 10);
    }
}

#[cfg(test)]
mod tests;
