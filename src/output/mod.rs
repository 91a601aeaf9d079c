//! Writing output files safely: each file goes to a temporary name in the output folder and
//! is renamed into place when complete, so an interrupted run never leaves a half-written
//! report. CSV outputs are UTF-8 with a BOM (Excel on Chinese Windows otherwise guesses GBK)
//! and neutralise cells that a spreadsheet would run as a formula.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

mod set;
mod spool;
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

/// Hands full buffers to a thread of its own that writes them, so the disk writes of the
/// gigabytes of CSV a large run produces overlap the formatting of the next rows instead of
/// stalling it (a thread outside rayon's pool: blocked on the disk, it takes no core from the
/// formatting). At most three buffers are in flight: the one being filled, one queued, one
/// being written.
struct BackgroundWriter {
    buf: Vec<u8>,
    tx: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    /// Written buffers coming back for reuse.
    spare: std::sync::mpsc::Receiver<Vec<u8>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<File>>>,
}

impl BackgroundWriter {
    /// `direct`: around the page cache where the file system allows it.
    fn create(path: &Path, direct: bool) -> std::io::Result<BackgroundWriter> {
        let mut w = DirectWriter::create(path, direct)?;
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(1);
        let (back, spare) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("writer".into())
            .spawn(move || {
                for mut b in rx {
                    // On an error the loop ends, the channel closes, and the next send or
                    // `finish` collects the error from here.
                    w.write_all(&b)?;
                    b.clear();
                    let _ = back.send(b);
                }
                w.finish()
            })?;
        Ok(BackgroundWriter {
            buf: Vec::with_capacity(WRITE_BUFFER),
            tx: Some(tx),
            spare,
            thread: Some(thread),
        })
    }

    /// Queues the filled buffer; if the writer thread stopped, returns its error.
    fn send(&mut self) -> std::io::Result<()> {
        let next = self
            .spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(WRITE_BUFFER));
        let full = std::mem::replace(&mut self.buf, next);
        let sent = self.tx.as_ref().is_some_and(|tx| tx.send(full).is_ok());
        if sent {
            Ok(())
        } else {
            Err(self
                .join()
                .err()
                .unwrap_or_else(|| std::io::Error::other("the file's writer thread stopped")))
        }
    }

    fn join(&mut self) -> std::io::Result<File> {
        self.tx = None;
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(std::io::Error::other("the file's writer thread panicked")),
            None => Err(std::io::Error::other("the file was already finished")),
        }
    }

    /// Writes what is left and returns the file, at its exact length.
    fn finish(mut self) -> std::io::Result<File> {
        if !self.buf.is_empty() {
            self.send()?;
        }
        self.join()
    }
}

impl Write for BackgroundWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(buf);
        if self.buf.len() >= WRITE_BUFFER {
            self.send()?;
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Alignment of direct writes: buffer address, length and file offset (4 KiB covers every
/// common logical block size).
const DIRECT_ALIGN: usize = 4096;
/// Bytes buffered between writes.
const WRITE_BUFFER: usize = 4 << 20;

/// A buffered writer that, on Linux, writes around the page cache (`O_DIRECT`).
///
/// Outputs are synced to disk before they are renamed into place, so passing them through the
/// page cache only copies every byte once more and then flushes it; for the gigabytes of CSV a
/// large run writes, that copy dominated (on the benchmark machine, 1.5 GB took 5.2 s buffered
/// and synced, 0.8 s direct). Where the filesystem refuses direct I/O (tmpfs, some network
/// filesystems) the writer falls back to ordinary buffered writes, transparently.
struct DirectWriter {
    file: File,
    /// Over-allocated so that an aligned window of [`WRITE_BUFFER`] bytes fits.
    storage: Vec<u8>,
    /// Start of the aligned window in `storage`.
    offset: usize,
    /// Bytes buffered.
    len: usize,
    /// Bytes written to the file so far.
    written: u64,
    direct: bool,
    /// A buffered handle on the same file, opened at the start, for when direct writes are
    /// refused after all (the file may be unlinked by then: see [`ScratchFile`]).
    fallback: Option<File>,
}

impl DirectWriter {
    fn create(path: &Path, direct: bool) -> std::io::Result<DirectWriter> {
        let (file, direct) = if direct {
            open_direct(path)?
        } else {
            (File::create(path)?, false)
        };
        let fallback = if direct {
            Some(std::fs::OpenOptions::new().write(true).open(path)?)
        } else {
            None
        };
        let storage = vec![0u8; WRITE_BUFFER + DIRECT_ALIGN];
        let offset = storage.as_ptr().align_offset(DIRECT_ALIGN);
        Ok(DirectWriter {
            file,
            storage,
            offset,
            len: 0,
            written: 0,
            direct,
            fallback,
        })
    }

    /// Writes the first `n` bytes of the buffer (a multiple of the alignment when direct).
    fn write_out(&mut self, n: usize) -> std::io::Result<()> {
        let window = &self.storage[self.offset..self.offset + n];
        match self.file.write_all(window) {
            Ok(()) => {}
            Err(e) if self.direct && e.raw_os_error() == Some(EINVAL) => {
                // Direct I/O refused after all: carry on buffered from where we are.
                self.reopen_buffered()?;
                let window = &self.storage[self.offset..self.offset + n];
                self.file.write_all(window)?;
            }
            Err(e) => return Err(e),
        }
        self.written += n as u64;
        self.storage
            .copy_within(self.offset + n..self.offset + self.len, self.offset);
        self.len -= n;
        Ok(())
    }

    fn reopen_buffered(&mut self) -> std::io::Result<()> {
        use std::io::{Seek, SeekFrom};
        let mut f = self
            .fallback
            .take()
            .ok_or_else(|| std::io::Error::other("no buffered handle to fall back to"))?;
        f.seek(SeekFrom::Start(self.written))?;
        self.file = f;
        self.direct = false;
        Ok(())
    }

    /// Writes what is buffered and returns the file, at its exact length.
    fn finish(mut self) -> std::io::Result<File> {
        let len = self.len;
        if self.direct && len > 0 {
            // The tail, padded to the alignment, then the file cut back to its true length.
            let padded = len.next_multiple_of(DIRECT_ALIGN);
            self.storage[self.offset + len..self.offset + padded].fill(0);
            self.len = padded;
            self.write_out(padded)?;
            if self.direct {
                self.file.set_len(self.written - (padded - len) as u64)?;
            } else {
                // Fell back while writing the tail: it was written padded, buffered.
                self.file.set_len(self.written - (padded - len) as u64)?;
            }
        } else if len > 0 {
            self.write_out(len)?;
        }
        Ok(self.file)
    }
}

impl Write for DirectWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut rest = buf;
        while !rest.is_empty() {
            let room = WRITE_BUFFER - self.len;
            let n = room.min(rest.len());
            let at = self.offset + self.len;
            self.storage[at..at + n].copy_from_slice(&rest[..n]);
            self.len += n;
            rest = &rest[n..];
            if self.len == WRITE_BUFFER {
                self.write_out(WRITE_BUFFER)?;
            }
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(target_os = "linux")]
const EINVAL: i32 = libc::EINVAL;
#[cfg(not(target_os = "linux"))]
const EINVAL: i32 = 22;

/// Creates `path` for writing, with `O_DIRECT` where the platform and filesystem allow it.
fn open_direct(path: &Path) -> std::io::Result<(File, bool)> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        if let Ok(f) = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .custom_flags(libc::O_DIRECT)
            .open(path)
        {
            return Ok((f, true));
        }
    }
    Ok((File::create(path)?, false))
}

/// A scratch file for data too large to hold in memory, written once and read back in pieces:
/// written like the outputs (a writer thread, around the page cache) and removed from its
/// folder as soon as it is open, so nothing is left behind however the run ends.
pub struct ScratchFile {
    // In a mutex only so that a finished table can be shared between threads.
    writer: std::sync::Mutex<Option<BackgroundWriter>>,
    reader: File,
    len: u64,
    /// Where it was created (its name is gone once open): an error names it, so that a full
    /// disk is found where it is (the system's temporary folder, not the output folder).
    path: std::path::PathBuf,
}

impl std::fmt::Debug for ScratchFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScratchFile")
            .field("path", &self.path)
            .field("len", &self.len)
            .finish()
    }
}

impl ScratchFile {
    /// Creates one in `dir`, written around the page cache: for data read back in small part
    /// (a report's few complaints), which would only push other files out of the cache.
    pub fn create(dir: &Path) -> Result<ScratchFile> {
        ScratchFile::create_with(dir, true)
    }

    /// Creates one in `dir`, written through the page cache: for data read back whole, soon
    /// (the event log, read a chunk of complaints at a time), which the cache then serves
    /// without a disk read. Cached pages are the system's to reclaim, not the process's memory.
    pub fn create_cached(dir: &Path) -> Result<ScratchFile> {
        ScratchFile::create_with(dir, false)
    }

    fn create_with(dir: &Path, direct: bool) -> Result<ScratchFile> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.join(format!(".complaints-scratch-{}-{n}", std::process::id()));
        let writer = BackgroundWriter::create(&path, direct).map_err(|e| Error::io(&path, e))?;
        let reader = File::open(&path).map_err(|e| Error::io(&path, e))?;
        // Open handles keep the data; the name goes now.
        std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        Ok(ScratchFile {
            writer: std::sync::Mutex::new(Some(writer)),
            reader,
            len: 0,
            path,
        })
    }

    /// Appends bytes.
    pub fn append(&mut self, bytes: &[u8]) -> Result<()> {
        let w = self
            .writer
            .get_mut()
            .expect("scratch file lock")
            .as_mut()
            .ok_or_else(|| Error::Other("internal error: scratch file already finished".into()))?;
        w.write_all(bytes).map_err(|e| Error::io(&self.path, e))?;
        self.len += bytes.len() as u64;
        Ok(())
    }

    /// Writes out what is buffered; the file can be read from then on.
    pub fn finish(&mut self) -> Result<()> {
        if let Some(w) = self.writer.get_mut().expect("scratch file lock").take() {
            w.finish().map_err(|e| Error::io(&self.path, e))?;
        }
        Ok(())
    }

    /// Bytes written.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True when nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Reads `buf.len()` bytes at `offset` (after [`ScratchFile::finish`]).
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        if self.writer.lock().expect("scratch file lock").is_some() {
            return Err(Error::Other(
                "internal error: scratch file read before it was finished".into(),
            ));
        }
        // Positional reads: threads read their own pieces at once, with no shared cursor.
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            self.reader
                .read_exact_at(buf, offset)
                .map_err(|e| Error::io(&self.path, e))
        }
        #[cfg(windows)]
        {
            use std::os::windows::fs::FileExt;
            let mut done = 0;
            while done < buf.len() {
                let n = self
                    .reader
                    .seek_read(&mut buf[done..], offset + done as u64)
                    .map_err(|e| Error::io(&self.path, e))?;
                if n == 0 {
                    return Err(Error::io(
                        &self.path,
                        std::io::Error::from(std::io::ErrorKind::UnexpectedEof),
                    ));
                }
                done += n;
            }
            Ok(())
        }
    }
}

/// Writes a whole file atomically.
pub fn write_atomic(dest: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = AtomicFile::create(dest)?;
    f.write_all(bytes).map_err(|e| Error::io(dest, e))?;
    f.commit()
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
        if b.iter().any(|&c| matches!(c, b',' | b'"' | b'\r' | b'\n')) {
            self.buf.push(b'"');
            for &c in b {
                if c == b'"' {
                    self.buf.push(b'"');
                }
                self.buf.push(c);
            }
            self.buf.push(b'"');
        } else {
            self.buf.extend_from_slice(b);
        }
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
