//! Writing output files safely: each file goes to a temporary name in the output folder and
//! is renamed into place when complete, so an interrupted run never leaves a half-written
//! report. CSV outputs are UTF-8 with a BOM (Excel on Chinese Windows otherwise guesses GBK)
//! and neutralise cells that a spreadsheet would run as a formula.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

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
    /// Run manifest.
    pub const MANIFEST_JSON: &str = "manifest.json";
}

/// A file being written under a temporary name; [`AtomicFile::commit`] renames it into place.
/// Dropped without commit, the temporary file is removed.
pub struct AtomicFile {
    tmp: PathBuf,
    dest: PathBuf,
    w: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing `dest`.
    pub fn create(dest: &Path) -> Result<AtomicFile> {
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dest.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
        let f = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        Ok(AtomicFile {
            tmp,
            dest: dest.to_path_buf(),
            w: Some(BufWriter::with_capacity(1 << 20, f)),
        })
    }

    /// Flushes, syncs and renames into place.
    pub fn commit(mut self) -> Result<()> {
        let w = self.w.take().expect("not yet committed");
        let f = w
            .into_inner()
            .map_err(|e| Error::io(&self.tmp, e.into_error()))?;
        f.sync_all().map_err(|e| Error::io(&self.tmp, e))?;
        drop(f);
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
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.w.as_mut().expect("open").write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.w.as_mut().expect("open").flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.w.is_some() {
            self.w = None;
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

/// A CSV output: UTF-8 with BOM, `\n` line ends, fields quoted only when needed.
pub struct CsvOut {
    w: csv::Writer<AtomicFile>,
    dest: PathBuf,
    columns: usize,
}

impl CsvOut {
    /// Creates `dest` and writes the header.
    pub fn create(dest: &Path, header: &[&str]) -> Result<CsvOut> {
        let mut file = AtomicFile::create(dest)?;
        file.write_all("\u{feff}".as_bytes())
            .map_err(|e| Error::io(dest, e))?;
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .buffer_capacity(1 << 16)
            .from_writer(file);
        w.write_record(header)
            .map_err(|e| Error::io(dest, e.into()))?;
        Ok(CsvOut {
            w,
            dest: dest.to_path_buf(),
            columns: header.len(),
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
            self.w
                .write_field(neutralize(c.as_ref()).as_bytes())
                .map_err(|e| Error::io(&self.dest, e.into()))?;
            n += 1;
        }
        debug_assert_eq!(n, self.columns, "row width must match the header");
        self.w
            .write_record(None::<&[u8]>)
            .map_err(|e| Error::io(&self.dest, e.into()))
    }

    /// Finishes and renames into place.
    pub fn finish(self) -> Result<()> {
        let dest = self.dest;
        let file = self
            .w
            .into_inner()
            .map_err(|e| Error::io(&dest, e.into_error()))?;
        file.commit()
    }
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

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Formats minutes from seconds: whole minutes without decimals, else up to two decimals
/// (`15`, `15.5`, `15.33`), so CSVs stay readable and byte-stable.
pub fn minutes(secs: i64) -> String {
    if secs % 60 == 0 {
        return (secs / 60).to_string();
    }
    let s = format!("{:.2}", secs as f64 / 60.0);
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_but_numbers_are_not() {
        assert_eq!(neutralize("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralize("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralize("+86 138"), "'+86 138");
        assert_eq!(neutralize("-5"), "-5");
        assert_eq!(neutralize("电梯困人"), "电梯困人");
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

    #[test]
    fn minutes_are_compact_and_exact() {
        assert_eq!(minutes(900), "15");
        assert_eq!(minutes(930), "15.5");
        assert_eq!(minutes(920), "15.33");
        assert_eq!(minutes(-60), "-1");
    }
}
